"""Chilean RUT/RUN numbers (the national identity and tax number) with their check digit.

Written ``12.345.678-5`` or ``12345678-K``: seven or eight digits, then the mod-11 check digit
(``K`` for ten). A RUN column stored without its check digit, beside a separate check-digit
column, is recognised by :func:`rut_check_digit` in the detector's table pass.
"""

from __future__ import annotations

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


def rut_check_digit(number: str) -> str:
    """The mod-11 check digit of a RUT body (``"12345678"`` -> ``"5"``; ``K`` for ten)."""
    total, weight = 0, 2
    for char in reversed(number):
        total += int(char) * weight
        weight = 2 if weight == 7 else weight + 1
    rest = 11 - total % 11
    return "0" if rest == 11 else "K" if rest == 10 else str(rest)


class ClRutRecognizer(DeclaredPatternRecognizer):
    """Find ``12.345.678-5`` and ``12345678-5`` whose check digit is right."""

    ENTITY = "CL_RUT"
    PATTERNS = (
        ("rut dotted", r"(?<![\d.])\d{1,2}\.\d{3}\.\d{3}-[\dkK](?![\w-])", 0.6),
        ("rut dash", r"(?<![\d.-])\d{7,8}-[\dkK](?![\w-])", 0.4),
    )
    CONTEXT = ("rut", "run", "rol")

    def validate_result(self, pattern_text: str) -> bool | None:
        """True when the check digit is right."""
        body, check = pattern_text.rsplit("-", 1)
        digits = body.replace(".", "")
        return digits.isdigit() and rut_check_digit(digits) == check.upper()
