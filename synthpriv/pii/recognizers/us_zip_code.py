"""US ZIP and ZIP+4 codes: five digits are ambiguous, so the score is low without context."""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class UsZipCodeRecognizer(DeclaredPatternRecognizer):
    """Find ``12345`` and ``12345-6789``; the header (``zip``, ``plz``...) raises the score."""

    ENTITY = "ZIP_CODE"
    PATTERNS = (
        ("zip+4", r"\b\d{5}-\d{4}\b", 0.4),
        ("zip5", r"\b\d{5}\b", 0.1),
    )
    CONTEXT = ("zip", "zipcode", "postal", "postcode", "plz", "postleitzahl")
