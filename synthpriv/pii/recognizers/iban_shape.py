"""IBANs whose check digits fail: hand-typed test data, truncated or mistyped exports.

Presidio's own IBAN recognizer accepts only values whose ISO 7064 mod-97 check holds. An export
of invented or mistyped accounts (``DE85692717230007823212`` with a wrong check) is still a
column of bank accounts, so the shape alone is found here, more weakly: an ISO 3166 country code,
two check digits and an account part of 11 to 30 letters and digits, mostly digits, spaces
allowed between groups of four.
"""

from __future__ import annotations

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer
from synthpriv.pii.recognizers.swift_bic import iso_countries


def mod97_holds(compact: str) -> bool:
    """Whether the IBAN check digits of ``compact`` (no spaces, upper case) are right."""
    moved = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    except ValueError:
        return False


class IbanShapeRecognizer(DeclaredPatternRecognizer):
    """Find IBAN-shaped values; right check digits score as Presidio's, wrong ones weaker."""

    ENTITY = "IBAN_CODE"
    PATTERNS = (
        (
            "iban shape",
            r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?"
            r"(?![A-Za-z0-9])",
            0.6,
        ),
    )
    CONTEXT = ("iban", "bank", "account", "konto")
    CASE_SENSITIVE = True

    def validate_result(self, pattern_text: str) -> bool | None:
        """True when mod-97 holds; None (kept, weaker) for a plausible shape; False otherwise."""
        compact = pattern_text.replace(" ", "")
        account = compact[4:]
        if compact[:2] not in iso_countries() or not 11 <= len(account) <= 30:
            return False
        if sum(c.isdigit() for c in account) < 0.6 * len(account):
            return False
        return True if mod97_holds(compact) else None
