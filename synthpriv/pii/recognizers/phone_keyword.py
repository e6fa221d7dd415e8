"""Unformatted phone numbers (``2666990853``) after words such as ``call``, ``phone``, ``at``."""

from synthpriv.pii.recognizers._keyword import KeywordAnchoredRecognizer


class PhoneKeywordRecognizer(KeywordAnchoredRecognizer):
    """Find the digits of ``reached at 2666990853`` or ``Called 5907035201``."""

    ENTITY = "PHONE_NUMBER"
    KEYWORDS = r"call(?:ed)?|phone|tel|telephone|mobile|cell|fax|at|contact|telefon|handy"
    VALUE = r"\+?\d{10,13}(?!\d)"
    SCORE = 0.5
    MIN_DIGITS = 10
