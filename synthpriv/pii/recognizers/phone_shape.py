"""Phone numbers by shape, whether or not the number is assigned.

Presidio's phone recognizer keeps only numbers that ``phonenumbers`` deems valid, so test data and
numbers from unassigned area codes slip through. For de-identification a phone-shaped string must
go, so this recognizer matches North American and international shapes with separators.
"""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer

_EXT = r"(?:\s?(?:x|ext\.?|#)\s?\d{1,5})?"


class PhoneShapeRecognizer(DeclaredPatternRecognizer):
    """Find ``(804)587-6769``, ``+1-776-236-3374x35540``, ``398.978.8834``, ``+49 30 1234567``."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = (
        (
            "nanp with separators",
            r"(?<![\w+])(?:\+1[-.\s]?|001[-.\s]?|1[-.\s])?(?:\(\d{3}\)\s?|\d{3}[-.\s])\d{3}[-.\s]\d{4}(?!\d)"
            + _EXT,
            0.55,
        ),
        ("international", r"(?<![\w+])\+\d{1,3}(?:[\s-]\d{1,5}){2,4}(?!\d)" + _EXT, 0.45),
    )
    CONTEXT = ("phone", "tel", "telephone", "mobile", "cell", "call", "fax", "reached", "contact")
