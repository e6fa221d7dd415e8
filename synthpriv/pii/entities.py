"""Entity types, the privacy role each implies, and the column headers that hint at each.

Header hints are matched on the normalized header (lower case, camelCase split, every other
character turned into ``_``) as whole ``_``-separated words, in several languages.
"""

from __future__ import annotations

import re
from functools import cache

from synthpriv.schema import Role

DIRECT = Role.DIRECT_IDENTIFIER
QUASI = Role.QUASI_IDENTIFIER
SENSITIVE = Role.SENSITIVE

ENTITY_ROLES: dict[str, Role] = {
    # Direct identifiers: one value points at one person (HIPAA 164.514(b)(2) kinds among them).
    "PERSON": DIRECT,
    "US_SSN": DIRECT,
    "US_ITIN": DIRECT,
    "EMAIL_ADDRESS": DIRECT,
    "PHONE_NUMBER": DIRECT,
    "CREDIT_CARD": DIRECT,
    "IBAN_CODE": DIRECT,
    "US_BANK_NUMBER": DIRECT,
    "MEDICAL_RECORD_NUMBER": DIRECT,
    "HEALTH_PLAN_ID": DIRECT,
    "STREET_ADDRESS": DIRECT,
    "US_DRIVER_LICENSE": DIRECT,
    "US_PASSPORT": DIRECT,
    "UK_NHS": DIRECT,
    "MEDICAL_LICENSE": DIRECT,
    "IP_ADDRESS": DIRECT,
    "URL": DIRECT,
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
    # Quasi-identifiers: harmless alone, identifying in combination.
    "DATE_OF_BIRTH": QUASI,
    "DATE_TIME": QUASI,
    "ZIP_CODE": QUASI,
    "AGE": QUASI,
    "SEX": QUASI,
    "RACE": QUASI,
    "MARITAL_STATUS": QUASI,
    "LOCATION": QUASI,
    "SWIFT_BIC": QUASI,
    # Sensitive attributes: what an attacker wants to learn.
    "ICD10_CODE": SENSITIVE,
    "HEALTH": SENSITIVE,
    "FINANCIAL": SENSITIVE,
}


def role_of(entity: str) -> Role:
    """The role an entity implies; entities of user recognizers count as direct identifiers."""
    return ENTITY_ROLES.get(entity, DIRECT)


ROLE_RANK = {DIRECT: 3, Role.FREE_TEXT_PII: 3, QUASI: 2, SENSITIVE: 1, Role.NONE: 0}

HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "PERSON": (
        "name",
        "full_name",
        "first_name",
        "last_name",
        "surname",
        "given_name",
        "pat_name",
        "patient_name",
        "customer_name",
        "client_name",
        "cust_name",
        "fname",
        "lname",
        "member_name",
        "nombre",
        "apellido",
        "vorname",
        "nachname",
        "prenom",
        "nom",
    ),
    "US_SSN": (
        "ssn",
        "social_security",
        "social_security_number",
        "soc_sec",
        "ssn_no",
        "sozialversicherungsnummer",
        "svnr",
        "nss",
    ),
    "EMAIL_ADDRESS": ("email", "e_mail", "mail", "email_address", "correo", "courriel"),
    "PHONE_NUMBER": (
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "fax",
        "phone_number",
        "telefon",
        "telefono",
        "handy",
        "contact_number",
    ),
    "CREDIT_CARD": (
        "card",
        "card_number",
        "credit_card",
        "cc_number",
        "cc_num",
        "pan",
        "kartennummer",
        "tarjeta",
    ),
    "IBAN_CODE": ("iban",),
    "US_BANK_NUMBER": (
        "account",
        "account_number",
        "acct",
        "acct_no",
        "account_no",
        "kontonummer",
        "bank_account",
        "routing_number",
    ),
    "MEDICAL_RECORD_NUMBER": (
        "mrn",
        "medical_record",
        "medical_record_number",
        "patient_id",
        "pat_id",
        "chart_number",
        "patientennummer",
        "fallnummer",
    ),
    "HEALTH_PLAN_ID": (
        "insurance_id",
        "member_id",
        "policy_number",
        "plan_id",
        "subscriber_id",
        "health_plan",
        "insurance_number",
        "versichertennummer",
        "policy_id",
    ),
    "STREET_ADDRESS": (
        "address",
        "street",
        "addr",
        "street_address",
        "address_line",
        "address1",
        "adresse",
        "strasse",
        "direccion",
        "anschrift",
        "home_address",
    ),
    "DATE_OF_BIRTH": (
        "dob",
        "birth_date",
        "date_of_birth",
        "birthdate",
        "birth_dt",
        "birthday",
        "geburtsdatum",
        "fecha_nacimiento",
        "date_naissance",
        "bdate",
    ),
    "ZIP_CODE": (
        "zip",
        "zipcode",
        "zip_code",
        "postal_code",
        "postcode",
        "plz",
        "postleitzahl",
        "code_postal",
        "codigo_postal",
        "zip5",
    ),
    "AGE": ("age", "alter", "edad", "age_years", "patient_age"),
    "SEX": ("sex", "gender", "geschlecht", "sexo", "sexe"),
    "RACE": ("race", "ethnicity", "ethnic"),
    "MARITAL_STATUS": ("marital", "marital_status", "familienstand"),
    "LOCATION": (
        "city",
        "town",
        "state",
        "county",
        "country",
        "native_country",
        "region",
        "province",
        "stadt",
        "ort",
        "ciudad",
        "ville",
    ),
    "DATE_TIME": ("date", "datum", "fecha", "dt", "timestamp", "admission_date", "discharge_date"),
    "ICD10_CODE": (
        "diagnosis",
        "diagnosis_code",
        "icd",
        "icd10",
        "icd_10",
        "dx",
        "dx_code",
        "diagnose",
    ),
    "HEALTH": (
        "condition",
        "treatment",
        "medication",
        "smoker",
        "bmi",
        "glucose",
        "insulin",
        "blood_pressure",
        "disease",
        "charges",
        "diabetes",
    ),
    "FINANCIAL": (
        "income",
        "salary",
        "balance",
        "credit_score",
        "wage",
        "debt",
        "loan",
        "default",
        "default_flag",
        "einkommen",
        "gehalt",
        "capital_gain",
        "capital_loss",
        "credit_amount",
    ),
    "IP_ADDRESS": ("ip", "ip_address"),
    "URL": ("url", "website", "homepage"),
    "US_DRIVER_LICENSE": ("driver_license", "drivers_license", "dl_number", "license_number"),
    "US_PASSPORT": ("passport", "passport_number", "reisepass"),
    "VEHICLE_ID": ("vin", "license_plate"),
    "DEVICE_ID": ("device_id", "serial_number", "imei"),
    "ABA_ROUTING_NUMBER": ("routing", "routing_number", "aba", "rtn", "bank_routing"),
    "US_NPI": ("npi", "provider_npi", "npi_number"),
    "US_DEA_NUMBER": ("dea", "dea_number", "dea_no"),
    "SWIFT_BIC": ("swift", "bic", "swift_code", "bic_code"),
    "UK_NINO": ("nino", "national_insurance", "ni_number"),
    "CA_SIN": ("sin", "social_insurance_number"),
    "ES_NIF": ("nif", "dni", "nie"),
    "IT_FISCAL_CODE": ("codice_fiscale", "cf"),
    "DE_TAX_ID": ("steuer_id", "steueridentifikationsnummer", "steuernummer", "tax_id"),
    "PL_PESEL": ("pesel",),
    "SE_PERSONNUMMER": ("personnummer",),
    "IN_AADHAAR": ("aadhaar", "aadhar"),
    "AU_TFN": ("tfn", "tax_file_number"),
    "SG_NRIC_FIN": ("nric", "fin"),
}

# Entities whose meaning comes from the header alone (no value recognizer can tell).
HEADER_ONLY = {"AGE", "RACE", "MARITAL_STATUS", "LOCATION", "HEALTH", "FINANCIAL"}
# Entities that are identifiers when the header says so and the values are mostly distinct.
ID_LIKE = {
    "US_SSN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_BANK_NUMBER",
    "MEDICAL_RECORD_NUMBER",
    "HEALTH_PLAN_ID",
    "PHONE_NUMBER",
    "US_DRIVER_LICENSE",
    "US_PASSPORT",
    "VEHICLE_ID",
    "DEVICE_ID",
    "EMAIL_ADDRESS",
}


def normalize_header(header: str) -> str:
    """Lower-case ``header``, split camelCase and turn every other character into ``_``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header.strip())
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


@cache
def _hint_patterns() -> dict[str, re.Pattern[str]]:
    return {
        entity: re.compile(r"(?:^|_)(?:" + "|".join(map(re.escape, words)) + r")(?:$|_)")
        for entity, words in HEADER_HINTS.items()
    }


def header_entities(header: str) -> list[str]:
    """Return the entity types ``header`` hints at (empty for meaningless headers like ``c7``)."""
    name = normalize_header(header)
    return [entity for entity, pattern in _hint_patterns().items() if pattern.search(name)]


def header_words(header: str) -> list[str]:
    """Return the words of ``header``, for Presidio's context enhancement."""
    return [w for w in normalize_header(header).split("_") if w]
