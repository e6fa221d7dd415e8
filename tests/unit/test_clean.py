import datetime as dt

import polars as pl
import pytest

from synthpriv.clean import (
    Redactor,
    choose_action,
    clean_table,
    find_leaks,
    generalize,
    verify_clean,
)
from synthpriv.errors import ResidualPIIError
from synthpriv.pii.detector import ColumnDetector, DetectorSettings
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema


def column(name, role, entities=(), action=None, kind=Kind.CATEGORICAL):
    return ColumnInfo(name, "String", kind, role, [Entity(e, 0.9) for e in entities], action=action)


@pytest.mark.parametrize(
    ("info", "action"),
    [
        (column("ssn", Role.DIRECT_IDENTIFIER, ["US_SSN"]), "drop"),
        (column("note", Role.FREE_TEXT_PII, ["PERSON"]), "redact"),
        (column("dob", Role.QUASI_IDENTIFIER, ["DATE_OF_BIRTH"]), "generalize"),
        (column("sex", Role.QUASI_IDENTIFIER, ["SEX"]), "keep"),
        (column("charges", Role.SENSITIVE, ["HEALTH"]), "keep"),
        (column("ssn", Role.DIRECT_IDENTIFIER, ["US_SSN"], action="keep"), "keep"),
    ],
)
def test_strict_policy_actions(info, action):
    assert choose_action(info) == action


def test_generalize_edges():
    dob = pl.Series("dob", [dt.date(2000, 2, 29), dt.date(1931, 12, 31)])
    assert generalize(dob, ["DATE_OF_BIRTH"])[0].to_list() == [2000, 1931]
    zips = pl.Series("zip", ["07036", "10001-2345", None])
    assert generalize(zips, ["ZIP_CODE"])[0].to_list() == ["070", "100", None]
    int_zips = pl.Series("zip", [7036, 10001])
    assert generalize(int_zips, ["ZIP_CODE"])[0].to_list() == ["070", "100"]
    ages = pl.Series("age", [89, 90, 104, None])
    assert generalize(ages, ["AGE"])[0].to_list() == [89, 90, 90, None]


def test_redaction_keeps_surrounding_text(analyzers):
    text, counts = Redactor(analyzers).redact_text(
        "Patient Brenda Rogers prefers email at brenda.rogers96@yahoo.com; call (804)587-6769."
    )
    assert text == "Patient <PERSON> prefers email at <EMAIL_ADDRESS>; call <PHONE_NUMBER>."
    assert counts == {"PERSON": 1, "EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}


def test_clean_table_and_audit(analyzers):
    frame = pl.DataFrame(
        {
            "name": ["Brenda Rogers", "Karen Cantu"],
            "note": ["Seen by Dr. Knox.", "No acute distress today, stable."],
            "charges": [1.0, 2.0],
        }
    )
    schema = TableSchema(
        [
            column("name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("note", Role.FREE_TEXT_PII, ["PERSON"], kind=Kind.TEXT),
            column("charges", Role.SENSITIVE, ["HEALTH"], kind=Kind.NUMERICAL),
        ]
    )
    result = clean_table(frame, schema, analyzers)
    assert result.frame.columns == ["note", "charges"]
    assert result.frame["note"].to_list() == [
        "Seen by <PERSON>.",
        "No acute distress today, stable.",
    ]
    audit = {a.column: a for a in result.audit}
    assert (audit["name"].action, audit["name"].cells_changed) == ("drop", 2)
    assert (audit["note"].cells_changed, audit["note"].spans_redacted) == (1, {"PERSON": 1})
    assert "Brenda" not in str(result.audit_dict())


def test_find_leaks_names_columns_not_values():
    original = pl.DataFrame({"ssn": ["464-38-0445", "886-25-2954"], "x": [1, 2]})
    cleaned = pl.DataFrame({"x": [1, 2], "note": ["ok", "SSN 886-25-2954 on file"]})
    schema = TableSchema([column("ssn", Role.DIRECT_IDENTIFIER, ["US_SSN"])])
    problems = find_leaks(original, cleaned, schema)
    assert problems == ["1 cell(s) of column 'note' contain values of direct identifier 'ssn'"]
    assert "886" not in problems[0]


def test_find_leaks_in_integer_columns():
    original = pl.DataFrame({"acct": [5825150733, 9698220538]})
    cleaned = pl.DataFrame({"y": [9698220538, 1]})
    schema = TableSchema([column("acct", Role.DIRECT_IDENTIFIER, ["US_BANK_NUMBER"])])
    assert find_leaks(original, cleaned, schema) == [
        "1 cell(s) of column 'y' contain values of direct identifier 'acct'"
    ]


def test_verify_clean_refuses_an_identifier_left_in_place(analyzers, healthcare):
    detector = ColumnDetector(DetectorSettings(nlp_model="none"), analyzers=analyzers)
    schema = detector.detect(healthcare)
    schema["email"].action = "keep"  # the user keeps it on purpose: allowed
    result = clean_table(healthcare, schema, analyzers)
    assert "email" in result.frame.columns
    verify_clean(healthcare, result.frame, schema, detector)
    schema["email"].action = None
    leaky = result.frame.with_columns(pl.col("email").alias("contact_info")).drop("email")
    with pytest.raises(ResidualPIIError, match="residual PII after cleaning: .*'contact_info'"):
        verify_clean(healthcare, leaky, schema, detector)


def test_sample_tables_clean_completely(analyzers, healthcare, finance):
    detector = ColumnDetector(DetectorSettings(nlp_model="none"), analyzers=analyzers)
    for frame in (healthcare, finance):
        schema = detector.detect(frame)
        cleaned = clean_table(frame, schema, analyzers).frame
        assert verify_clean(frame, cleaned, schema, detector)["verified"]
        direct = [c.name for c in schema.by_role(Role.DIRECT_IDENTIFIER)]
        text = cleaned.write_csv()
        for name in direct:
            for value in frame[name].cast(pl.String).drop_nulls().unique().to_list():
                assert value not in text, f"a value of {name} survived"
