"""Vehicle identification numbers (ISO 3779), with the North American check digit."""

from __future__ import annotations

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit_ok(vin: str) -> bool:
    """True when position 9 is the weighted-sum check digit (mod 11, 10 written as X)."""
    total = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    check = total % 11
    return vin[8] == ("X" if check == 10 else str(check))


class VinRecognizer(DeclaredPatternRecognizer):
    """Find 17-character VINs (no I, O or Q); a valid check digit makes it certain."""

    ENTITY = "VEHICLE_ID"
    PATTERNS = (("vin", r"\b[A-HJ-NPR-Z0-9]{17}\b", 0.3),)
    CONTEXT = ("vin", "vehicle", "chassis")
    CASE_SENSITIVE = True

    def validate_result(self, pattern_text: str) -> bool | None:
        """Certain with a valid check digit; otherwise (European VINs have none) keep it weak."""
        if not any(c.isalpha() for c in pattern_text) or not any(c.isdigit() for c in pattern_text):
            return False
        return True if vin_check_digit_ok(pattern_text) else None
