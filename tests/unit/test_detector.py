"""The column classifier on small tables, with meaningful and with meaningless headers."""

import polars as pl
import pytest
from faker import Faker

from synthpriv.pii.detector import ColumnDetector, DetectorSettings, sample_distinct
from synthpriv.pii.entities import header_entities, normalize_header
from synthpriv.schema import Kind, Role


@pytest.fixture(scope="module")
def table():
    fake = Faker("en_US")
    fake.seed_instance(3)
    n = 120
    return pl.DataFrame(
        {
            "full_name": [fake.name() for _ in range(n)],
            "ssn": [fake.ssn() for _ in range(n)],
            "email": [fake.email() for _ in range(n)],
            "contact": [fake.email() if i % 2 else fake.phone_number() for i in range(n)],
            "gender": [["F", "M"][i % 2] for i in range(n)],
            "age": [20 + i % 60 for i in range(n)],
            "amount": [float(i) * 1.5 for i in range(n)],
            "note": [
                f"Patient {fake.name()} called from {fake.phone_number()} today." for _ in range(n)
            ],
            "comment": [
                "Vitals stable overnight, continue current medication plan." for _ in range(n)
            ],
            "product": [f"P-{i % 7}" for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def detector(analyzers):
    return ColumnDetector(DetectorSettings(nlp_model="none", budget=60), analyzers=analyzers)


def test_meaningful_headers(table, detector):
    schema = detector.detect(table)
    roles = {c.name: (c.role, c.entity_types[:1]) for c in schema.columns}
    assert roles["full_name"] == (Role.DIRECT_IDENTIFIER, ["PERSON"])
    assert roles["ssn"] == (Role.DIRECT_IDENTIFIER, ["US_SSN"])
    assert roles["email"] == (Role.DIRECT_IDENTIFIER, ["EMAIL_ADDRESS"])
    assert roles["gender"] == (Role.QUASI_IDENTIFIER, ["SEX"])
    assert roles["age"] == (Role.QUASI_IDENTIFIER, ["AGE"])
    assert roles["note"][0] == Role.FREE_TEXT_PII
    assert roles["comment"] == (Role.NONE, [])
    assert roles["product"] == (Role.NONE, [])
    assert roles["amount"] == (Role.NONE, [])
    assert schema["note"].kind == Kind.TEXT


def test_mixed_column_gets_both_entities(table, detector):
    contact = detector.detect_column(table["contact"])
    assert contact.role == Role.DIRECT_IDENTIFIER
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER"} <= set(contact.entity_types)


def test_meaningless_headers_values_decide(table, detector):
    renamed = table.rename({name: f"c{i}" for i, name in enumerate(table.columns)})
    schema = detector.detect(renamed)
    by_position = [c.role for c in schema.columns]
    assert by_position[0] == Role.DIRECT_IDENTIFIER  # names
    assert by_position[1] == Role.DIRECT_IDENTIFIER  # ssn
    assert by_position[2] == Role.DIRECT_IDENTIFIER  # email
    assert by_position[4] == Role.QUASI_IDENTIFIER  # sex by value set
    assert by_position[7] == Role.FREE_TEXT_PII
    assert by_position[9] == Role.NONE


def test_examples_are_masked(table, detector):
    schema = detector.detect(table)
    raw = (
        set(table["full_name"].to_list())
        | set(table["ssn"].to_list())
        | set(table["email"].to_list())
    )
    for column in schema.columns:
        for example in column.examples:
            assert example not in raw


def test_unique_codes_without_a_recognizer_are_identifiers(detector):
    column = pl.Series("c3", [f"TKT/{i:06d}/B" for i in range(100)])
    info = detector.detect_column(column)
    assert (info.role, info.entity_types) == (Role.DIRECT_IDENTIFIER, ["UNIQUE_ID"])


def test_sampling_is_bounded_and_seeded():
    series = pl.Series("x", [str(i) for i in range(10_000)] * 3)
    first = sample_distinct(series, 50, seed=1)
    assert len(first) == 50 and len(set(first)) == 50
    assert sample_distinct(series, 50, seed=1) == first
    assert sample_distinct(series, 50, seed=2) != first


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        ("dob", "DATE_OF_BIRTH"),
        ("birth_dt", "DATE_OF_BIRTH"),
        ("Geburtsdatum", "DATE_OF_BIRTH"),
        ("patName", "PERSON"),
        ("SSN", "US_SSN"),
        ("Sozialversicherungsnummer", "US_SSN"),
        ("PLZ", "ZIP_CODE"),
        ("e-mail", "EMAIL_ADDRESS"),
    ],
)
def test_header_hints_in_several_spellings(header, entity):
    assert entity in header_entities(header)


def test_meaningless_headers_hint_nothing():
    assert header_entities("c7") == [] and header_entities("col_1") == []
    assert normalize_header("birthDate-Of Patient") == "birth_date_of_patient"


def test_repeated_category_codes_are_not_identifiers(detector):
    codes = pl.Series("status", ["A11", "A12", "A13", "A14"] * 50)
    info = detector.detect_column(codes)
    assert (info.role, info.entities) == (Role.NONE, [])
