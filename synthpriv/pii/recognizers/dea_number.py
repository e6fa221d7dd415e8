"""DEA registration numbers (US prescribers): two letters, seven digits, a checksum."""

from __future__ import annotations

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


def dea_checksum_ok(value: str) -> bool:
    """(d1 + d3 + d5) + 2 * (d2 + d4 + d6) ends in d7."""
    digits = [int(c) for c in value[2:]]
    if len(digits) != 7:
        return False
    total = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return total % 10 == digits[6]


class DeaNumberRecognizer(DeclaredPatternRecognizer):
    """Find ``AB1234563``: registrant type letter, name initial (or 9), 7 digits with checksum."""

    ENTITY = "US_DEA_NUMBER"
    PATTERNS = (("dea", r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b", 0.3),)
    CONTEXT = ("dea", "prescriber", "registration")
    CASE_SENSITIVE = True

    def validate_result(self, pattern_text: str) -> bool:
        """Reject numbers that fail the checksum."""
        return dea_checksum_ok(pattern_text.upper())
