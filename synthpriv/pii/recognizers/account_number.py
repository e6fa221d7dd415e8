"""Bank account numbers next to a keyword, in free text and in cells.

Bare 6-17 digit runs are too common to call account numbers on their own; preceded by
``account``, ``acct``, ``a/c``, ``Konto``... they are.
"""

from synthpriv.pii.recognizers._keyword import KeywordAnchoredRecognizer


class AccountNumberRecognizer(KeywordAnchoredRecognizer):
    """Find the digits of ``account 5825150733``, ``Acct #: 0042-117-88``, ``Konto 123456``."""

    ENTITY = "US_BANK_NUMBER"
    KEYWORDS = r"account|acct|a/c|konto(?:nummer)?|cuenta|compte|routing"
    VALUE = r"\d(?:[\d -]{4,19})\d(?!\d)"
