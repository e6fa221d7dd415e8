"""Medical record numbers (MRN): a prefixed form, or bare digits next to MRN context words."""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class MedicalRecordNumberRecognizer(DeclaredPatternRecognizer):
    """Find MRNs such as ``MRN1000003``, ``MRN-0042117`` or (with context) ``0042117``."""

    ENTITY = "MEDICAL_RECORD_NUMBER"
    PATTERNS = (
        ("mrn prefixed", r"\bMRN[-:#\s]?\d{5,10}\b", 0.85),
        ("mrn digits (weak)", r"\b\d{6,10}\b", 0.05),
    )
    CONTEXT = ("mrn", "medical", "record", "chart", "patient")
