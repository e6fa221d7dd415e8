"""Street addresses: a house number, capitalized words, and a street suffix from Faker's lists."""

from __future__ import annotations

import re

from faker.providers.address.en_US import Provider as UsAddress

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer

_ABBREVIATIONS = (
    "St",
    "Ave",
    "Rd",
    "Blvd",
    "Ln",
    "Dr",
    "Ct",
    "Pl",
    "Sq",
    "Ter",
    "Cir",
    "Pkwy",
    "Hwy",
    "Trl",
    "Way",
    "Str",
    "Strasse",
    "Straße",
    "Weg",
    "Gasse",
    "Platz",
    "Allee",
    "Rue",
    "Calle",
    "Via",
)
_SUFFIXES = "|".join(
    re.escape(s)
    for s in sorted({*UsAddress.street_suffixes, *_ABBREVIATIONS}, key=len, reverse=True)
)


class StreetAddressRecognizer(DeclaredPatternRecognizer):
    """Find ``18427 Perez Green Suite 459``, ``12 Baker St.``, ``Hauptstrasse 5``."""

    ENTITY = "STREET_ADDRESS"
    PATTERNS = (
        (
            "number + street + suffix",
            r"\b\d{1,6}\s+(?:[A-Z][\w'.-]*\s+){1,4}(?:" + _SUFFIXES + r")\b\.?"
            r"(?:,?\s*(?:Apt\.?|Suite|Unit|#)\s*\w+)?",
            0.7,
        ),
        (
            "street + number (european)",
            r"\b[A-Z][\w-]*(?:strasse|straße|weg|gasse|platz)\s+\d{1,4}[a-z]?\b",
            0.6,
        ),
    )
    CONTEXT = ("address", "street", "addr", "adresse", "strasse", "direccion", "anschrift")
