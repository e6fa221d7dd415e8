"""Entity types and the privacy role each implies (header meanings live in vocabulary.py)."""

from __future__ import annotations

from synthpriv.schema import Role

DIRECT = Role.DIRECT_IDENTIFIER
QUASI = Role.QUASI_IDENTIFIER
SENSITIVE = Role.SENSITIVE

ENTITY_ROLES: dict[str, Role] = {
    # Direct identifiers: one value points at one person (HIPAA 164.514(b)(2) kinds among them).
    "PERSON": DIRECT,
    "PHOTO": DIRECT,
    "US_SSN": DIRECT,
    "US_ITIN": DIRECT,
    "EMAIL_ADDRESS": DIRECT,
    "PHONE_NUMBER": DIRECT,
    "CREDIT_CARD": DIRECT,
    "IBAN_CODE": DIRECT,
    "US_BANK_NUMBER": DIRECT,
    "BANK_ACCOUNT": DIRECT,
    "MEDICAL_RECORD_NUMBER": DIRECT,
    "HEALTH_PLAN_ID": DIRECT,
    "STREET_ADDRESS": DIRECT,
    "US_DRIVER_LICENSE": DIRECT,
    "US_PASSPORT": DIRECT,
    "UK_NHS": DIRECT,
    "MEDICAL_LICENSE": DIRECT,
    "IP_ADDRESS": DIRECT,
    "MAC_ADDRESS": DIRECT,
    "CRYPTO": DIRECT,
    "UUID": DIRECT,
    "VEHICLE_ID": DIRECT,
    "DEVICE_ID": DIRECT,
    "UNIQUE_ID": DIRECT,
    "ABA_ROUTING_NUMBER": DIRECT,
    "US_NPI": DIRECT,
    "US_MBI": DIRECT,
    "US_DEA_NUMBER": DIRECT,
    "US_HEALTH_INSURANCE_MEMBER_ID": DIRECT,
    "UK_NINO": DIRECT,
    "UK_PASSPORT": DIRECT,
    "CA_SIN": DIRECT,
    "ES_NIF": DIRECT,
    "ES_NIE": DIRECT,
    "IT_FISCAL_CODE": DIRECT,
    "DE_TAX_ID": DIRECT,
    "DE_SOCIAL_SECURITY": DIRECT,
    "PL_PESEL": DIRECT,
    "SE_PERSONNUMMER": DIRECT,
    "FI_PERSONAL_IDENTITY_CODE": DIRECT,
    "IN_AADHAAR": DIRECT,
    "IN_PAN": DIRECT,
    "AU_TFN": DIRECT,
    "AU_MEDICARE": DIRECT,
    "SG_NRIC_FIN": DIRECT,
    "BR_CPF": DIRECT,
    "CL_RUT": DIRECT,
    "BINARY_OBJECT": DIRECT,
    "ID": DIRECT,
    "GEO_COORDINATE": DIRECT,
    "CARD_SECURITY": DIRECT,
    "NATIONAL_ID": DIRECT,
    "DOCUMENT_NUMBER": DIRECT,
    "USERNAME": DIRECT,
    "PASSWORD": DIRECT,
    "LONG_NUMBER": DIRECT,
    "UNEXPLAINED_TEXT": DIRECT,
    # Quasi-identifiers: harmless alone, identifying in combination.
    "DATE_OF_BIRTH": QUASI,
    "ZIP_CODE": QUASI,
    "AGE": QUASI,
    "SEX": QUASI,
    "RACE": QUASI,
    "MARITAL_STATUS": QUASI,
    "LOCATION": QUASI,
    "SWIFT_BIC": QUASI,
    "URL": QUASI,
    "ORGANIZATION": QUASI,
    "OCCUPATION": QUASI,
    "DEPARTMENT": QUASI,
    "NATIONALITY": QUASI,
    "ROOM_NUMBER": QUASI,
    # Event dates and times: not personal by themselves (birth dates are DATE_OF_BIRTH).
    "DATE_TIME": Role.NONE,
    # what a column is when it is nobody's identifier: said in the schema all the same
    "ENTITY_KEY": Role.NONE,
    "USER_AGENT": Role.QUASI_IDENTIFIER,
    "PHONE_COUNTRY_CODE": Role.QUASI_IDENTIFIER,
    "ROW_COUNTER": Role.NONE,
    # Sensitive attributes: what an attacker wants to learn.
    "ICD10_CODE": SENSITIVE,
    "HEALTH": SENSITIVE,
    "FINANCIAL": SENSITIVE,
    "FRAUD_FLAG": SENSITIVE,
    "EMPLOYMENT": SENSITIVE,
    "CRIMINAL_RECORD": SENSITIVE,
    "BELIEF": SENSITIVE,
}
# Entities whose recognizers check a checksum or an unambiguous format: when most values match
# one, the values outweigh whatever the header says.
VALIDATED = frozenset(
    {
        "EMAIL_ADDRESS",
        "IP_ADDRESS",
        "US_SSN",
        "CREDIT_CARD",
        "IBAN_CODE",
        "MAC_ADDRESS",
        "CRYPTO",
        "UUID",
        "BR_CPF",
        "CL_RUT",
        "UK_NHS",
        "ES_NIF",
        "ES_NIE",
        "IT_FISCAL_CODE",
        "PL_PESEL",
        "SE_PERSONNUMMER",
        "FI_PERSONAL_IDENTITY_CODE",
        "IN_AADHAAR",
        "AU_TFN",
        "AU_MEDICARE",
        "SG_NRIC_FIN",
        "US_NPI",
        "US_MBI",
        "US_DEA_NUMBER",
        "LONG_NUMBER",
    }
)


def role_of(entity: str) -> Role:
    """The role an entity implies; entities of user recognizers count as direct identifiers."""
    return ENTITY_ROLES.get(entity, DIRECT)


ROLE_RANK = {DIRECT: 3, Role.FREE_TEXT_PII: 3, QUASI: 2, SENSITIVE: 1, Role.NONE: 0}
