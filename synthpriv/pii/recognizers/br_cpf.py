"""Brazilian CPF numbers (the individual taxpayer number), with their two check digits."""

from __future__ import annotations

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class BrCpfRecognizer(DeclaredPatternRecognizer):
    """Find ``123.456.789-09`` and ``12345678909`` whose check digits are right."""

    ENTITY = "BR_CPF"
    PATTERNS = (
        ("cpf formatted", r"(?<!\d)\d{3}\.\d{3}\.\d{3}-\d{2}(?!\d)", 0.6),
        ("cpf digits", r"(?<![\d.-])\d{11}(?![\d.-])", 0.2),
    )
    CONTEXT = ("cpf", "cadastro", "contribuinte")

    def validate_result(self, pattern_text: str) -> bool | None:
        """True when both check digits are right (and the digits are not all equal)."""
        digits = [int(c) for c in pattern_text if c.isdigit()]
        if len(digits) != 11 or len(set(digits)) == 1:
            return False
        for position in (9, 10):
            total = sum(
                d * w for d, w in zip(digits[:position], range(position + 1, 1, -1), strict=True)
            )
            check = (total * 10) % 11 % 10
            if check != digits[position]:
                return False
        return True
