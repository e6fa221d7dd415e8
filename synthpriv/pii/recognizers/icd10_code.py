"""ICD-10(-CM) diagnosis codes: sensitive health attributes, not identifiers."""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class Icd10CodeRecognizer(DeclaredPatternRecognizer):
    """Find ICD-10 codes such as ``E11.9``, ``I10`` or ``S72.001A`` (U is reserved, so absent)."""

    ENTITY = "ICD10_CODE"
    PATTERNS = (("icd-10 code", r"\b[A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?\b", 0.35),)
    CONTEXT = ("icd", "icd10", "diagnosis", "dx", "diagnose", "code")
