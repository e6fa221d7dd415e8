"""Health plan beneficiary / member numbers: a payer prefix of letters and a long digit run."""

from synthpriv.pii.recognizers._pattern import DeclaredPatternRecognizer


class HealthPlanIdRecognizer(DeclaredPatternRecognizer):
    """Find member IDs such as ``BCX081388382`` or ``W123-456-789`` (weak without context)."""

    ENTITY = "HEALTH_PLAN_ID"
    PATTERNS = (
        ("letters + 8-12 digits", r"\b[A-Z]{1,4}-?\d{8,12}\b", 0.3),
        ("letter + dashed digits", r"\b[A-Z]\d{3}-\d{3}-\d{3,4}\b", 0.3),
    )
    CONTEXT = ("insurance", "member", "plan", "policy", "subscriber", "beneficiary", "payer")
