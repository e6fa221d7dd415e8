from dataclasses import FrozenInstanceError, replace

import polars as pl
import pytest

from synthpriv.clean import Leak, Redactor, clean_table, find_leaks, verify_clean
from synthpriv.errors import ConfigError, ResidualPIIError
from synthpriv.pii.detector import ColumnDetector, DetectorSettings
from synthpriv.policy import load_policy
from synthpriv.schema import POOLED_LABEL, ColumnInfo, Entity, Kind, Role, TableSchema


def column(name, role, entities=(), action=None, kind=Kind.CATEGORICAL):
    return ColumnInfo(name, "String", kind, role, [Entity(e, 0.9) for e in entities], action=action)


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
    data = result.audit_dict()
    assert data["policy"] == "strict" and len(data["policy_sha256"]) == 64
    assert len(data["schema_sha256"]) == 64
    assert "Brenda" not in str(data)
    assert [c.action for c in result.schema.columns] == ["redact", "keep"]


def test_free_text_over_the_redaction_budget_gets_the_identifier_action(analyzers, caplog):
    frame = pl.DataFrame({"note": ["Seen by Dr. Knox.", "Call Ann Lee at home."], "n": [1, 2]})
    schema = TableSchema(
        [
            column("note", Role.FREE_TEXT_PII, ["PERSON"], kind=Kind.TEXT),
            column("n", Role.NONE, [], kind=Kind.NUMERICAL),
        ]
    )
    within = clean_table(frame, schema, analyzers, redact_chars=1000)
    assert "note" in within.frame.columns
    over = clean_table(frame, schema, analyzers, redact_chars=20)
    assert over.frame.columns == ["n"]  # strict drops identifiers; nothing is left unredacted
    audit = {a.column: a for a in over.audit}
    assert audit["note"].action == "drop"
    assert "over the redaction budget (38 distinct characters > redact_chars 20)" in (
        audit["note"].detail
    )
    assert "exceed the redaction budget" in caplog.text and "Knox" not in caplog.text


def test_unknown_override_is_a_config_error(analyzers):
    frame = pl.DataFrame({"a": ["x"]})
    schema = TableSchema([column("a", Role.NONE, action="shred")])
    with pytest.raises(ConfigError, match="column 'a': unknown action 'shred'; valid: keep, drop"):
        clean_table(frame, schema, analyzers)


def test_find_leaks_names_columns_not_values():
    original = pl.DataFrame({"ssn": ["464-38-0445", "886-25-2954"], "x": [1, 2]})
    cleaned = pl.DataFrame(
        {"x": [1, 2], "note": ["ok", "The SSN 886-25-2954 is on file for this account today."]}
    )
    schema = TableSchema([column("ssn", Role.DIRECT_IDENTIFIER, ["US_SSN"])])
    problems = [str(p) for p in find_leaks(original, cleaned, schema)]
    assert problems == ["1 cell(s) of column 'note' hold values of direct identifier 'ssn'"]
    assert "886" not in problems[0]


def test_find_leaks_in_integer_columns():
    original = pl.DataFrame({"acct": [5825150733, 9698220538]})
    cleaned = pl.DataFrame({"y": [9698220538, 1]})
    schema = TableSchema([column("acct", Role.DIRECT_IDENTIFIER, ["US_BANK_NUMBER"])])
    assert [str(p) for p in find_leaks(original, cleaned, schema)] == [
        "1 cell(s) of column 'y' hold values of direct identifier 'acct'"
    ]


def test_a_match_is_a_whole_value_not_a_substring():
    original = pl.DataFrame({"manager": ["Sales Young", "Ann Marketing", "Bo Lee"]})
    cleaned = pl.DataFrame({"department": ["Sales", "Marketing", "Sales and Marketing"]})
    schema = TableSchema([column("manager", Role.DIRECT_IDENTIFIER, ["PERSON"])])
    assert find_leaks(original, cleaned, schema) == []


def test_one_coincidental_name_is_not_a_leak_two_are():
    original = pl.DataFrame({"first": ["Paris", "Jordan", "Austin", "Maria"]})
    one = pl.DataFrame({"city": ["Paris", "Lyon", "Nantes"]})
    two = pl.DataFrame({"surname": ["Jordan", "Austin", "Okafor"]})
    schema = TableSchema([column("first", Role.DIRECT_IDENTIFIER, ["PERSON"])])
    assert find_leaks(original, one, schema) == []
    assert [(p.column, p.cells, p.values) for p in find_leaks(original, two, schema)] == [
        ("surname", 2, 2)
    ]


def test_fake_replacements_are_checked_row_by_row():
    original = pl.DataFrame({"name": ["Ann Lee", "Bob Ray"]})
    swapped = pl.DataFrame({"name": ["Bob Ray", "Ann Lee"]})  # other people's names: no leak
    same = pl.DataFrame({"name": ["Ann Lee", "Cy Fox"]})  # row 0 kept its own name: a leak
    schema = TableSchema([column("name", Role.DIRECT_IDENTIFIER, ["PERSON"])])
    assert find_leaks(original, swapped, schema, replaced_in_place=frozenset({"name"})) == []
    assert len(find_leaks(original, same, schema, replaced_in_place=frozenset({"name"}))) == 1


def test_verification_escalates_a_column_that_holds_identifiers(analyzers, detector):
    given = ["Aoife", "Kwame", "Ingrid", "Thomas", "James", "Lee", "Morgan", "Carter"] * 10
    missed = ["Thomas", "Okafor", "James", "Lindqvist", "Morgan", "Haddad", "Carter", "Lee"] * 10
    frame = pl.DataFrame({"first_name": given, "c1": missed, "n": list(range(80))})
    schema = TableSchema(
        [
            column("first_name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("c1", Role.NONE),  # the scan missed it
            column("n", Role.NONE, kind=Kind.NUMERICAL),
        ]
    )
    result = clean_table(frame, schema, analyzers)
    before = (result.frame.clone(), list(result.audit), [vars(a) | {} for a in result.audit])
    before_schema, before_steps = result.schema.to_dict(), list(result.steps)
    verified = verify_clean(frame, result, schema, detector)
    assert verified.frame.columns == ["n"]
    assert verified.verification["escalations"] == [
        {
            "column": "c1",
            "reason": "hold values of direct identifier 'first_name'",
            "action": "drop",
        }
    ]
    audit = {a.column: a for a in verified.audit}
    assert audit["c1"].escalated and audit["c1"].action == "drop"
    assert "escalated after verification" in audit["c1"].detail
    assert verified.steps[: len(before_steps)] == result.steps
    assert [(s.column, s.operator) for s in verified.steps[len(before_steps) :]] == [("c1", "drop")]
    # the result given is left as it was: its table, audit entries, schema and steps
    assert result.frame.equals(before[0]) and result.frame.columns == ["c1", "n"]
    assert list(result.audit) == before[1] and [vars(a) for a in result.audit] == before[2]
    assert not any(a.escalated for a in result.audit)
    assert result.schema.to_dict() == before_schema and list(result.steps) == before_steps
    assert result.verification is None


def test_a_clean_result_cannot_be_changed_after_it_is_made(analyzers):
    frame = pl.DataFrame({"n": [1, 2, 3]})
    schema = TableSchema([column("n", Role.NONE, kind=Kind.NUMERICAL)])
    result = clean_table(frame, schema, analyzers)
    for name, value in [
        ("frame", frame),
        ("verification", {"verified": True}),
        ("information_kept", {}),
        ("schema", result.schema),
    ]:
        with pytest.raises(FrozenInstanceError):
            setattr(result, name, value)
    with pytest.raises(AttributeError):
        result.audit.append(result.audit[0])  # a tuple: no append
    with pytest.raises(AttributeError):
        result.steps.append(result.steps[0])


def test_the_search_is_given_the_result_as_escalated_so_far(analyzers, detector):
    frame = pl.DataFrame({"code": ["A1", "B2", "C3"] * 20, "n": list(range(60))})
    schema = TableSchema([column("code", Role.NONE), column("n", Role.NONE, kind=Kind.NUMERICAL)])
    result = clean_table(frame, schema, analyzers)
    given: list[list[str]] = []

    def search(current):
        given.append(current.frame.columns)
        # the other rows hold identifiers in "code": found until it is escalated
        return [Leak("email", "code", 5, 5)] if "code" in current.frame.columns else []

    verified = verify_clean(frame, result, schema, detector, search=search)
    assert given == [["code", "n"], ["n"]]
    assert verified.frame.columns == ["n"] and result.frame.columns == ["code", "n"]
    assert [e["column"] for e in verified.verification["escalations"]] == ["code"]


def test_verification_fails_when_escalation_cannot_clean(analyzers, detector):
    given = ["Aoife", "Kwame", "Ingrid", "Thomas", "James", "Lee", "Morgan", "Carter"] * 10
    frame = pl.DataFrame({"first_name": given, "copy": given})
    schema = TableSchema(
        [
            column("first_name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("copy", Role.NONE, action="keep"),  # the user insists
        ]
    )
    result = clean_table(frame, schema, analyzers)
    with pytest.raises(ResidualPIIError, match="residual PII after cleaning: column 'copy'"):
        verify_clean(frame, result, schema, detector)


@pytest.fixture(scope="module")
def detector(analyzers):
    return ColumnDetector(DetectorSettings(nlp_model="none"), analyzers=analyzers)


def test_verify_clean_escalates_an_identifier_left_in_place(analyzers, healthcare, detector):
    schema = detector.detect(healthcare)
    schema["email"].action = "keep"  # the user keeps it on purpose: allowed
    result = clean_table(healthcare, schema, analyzers)
    assert "email" in result.frame.columns
    verify_clean(healthcare, result, schema, detector)
    schema["email"].action = None
    moved = result.frame.with_columns(pl.col("email").alias("contact_info")).drop("email")
    verified = verify_clean(healthcare, replace(result, frame=moved), schema, detector)
    assert "contact_info" not in verified.frame.columns
    assert [e["column"] for e in verified.verification["escalations"]] == ["contact_info"]


@pytest.mark.parametrize("policy", ["strict", "hipaa-safe-harbor", "pseudonymize"])
def test_every_policy_cleans_both_sample_tables(analyzers, healthcare, finance, detector, policy):
    key = b"0123456789abcdef-test"
    for frame in (healthcare.head(600), finance.head(600)):  # every value is searched for below
        schema = detector.detect(frame)
        result = clean_table(frame, schema, analyzers, policy=load_policy(policy), key=key)
        result = verify_clean(frame, result, schema, detector)
        assert result.verification["verified"]
        text = result.frame.write_csv()
        for info in schema.by_role(Role.DIRECT_IDENTIFIER):
            for value in frame[info.name].cast(pl.String).drop_nulls().unique().to_list():
                assert value not in text, f"a value of {info.name} survived {policy}"


def test_the_holdout_is_cleaned_with_the_choices_fitted_on_the_training_rows(analyzers):
    from synthpriv.clean import apply_steps

    train = pl.DataFrame(
        {
            "name": [f"Person {i}" for i in range(22)],
            "zip": ["10001"] * 12 + ["94110"] * 10,
            "job": ["nurse"] * 17 + ["pilot"] * 5,
            "income": [float(i) for i in range(22)],
        }
    )
    holdout = pl.DataFrame(
        {
            "name": ["Person 90", "Person 91", "Person 92", "Person 93"],
            "zip": ["10002", "94110", "30301", "30302"],
            "job": ["pilot", "pilot", "pilot", "clerk"],
            "income": [-5.0, 3.0, 12.0, 99.0],
        }
    )
    schema = TableSchema(
        [
            column("name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("zip", Role.QUASI_IDENTIFIER, ["ZIP_CODE"]),
            column("job", Role.QUASI_IDENTIFIER, ["OCCUPATION"]),
            column("income", Role.SENSITIVE, [], kind=Kind.NUMERICAL),
        ]
    )
    policy = load_policy("strict")
    result = clean_table(train, schema, analyzers, policy=policy)
    cleaned = apply_steps(holdout, result)
    assert cleaned.columns == result.frame.columns == ["zip", "job", "income"]
    # pilot occurs 5 times in training (below k=10 of strict), so it is pooled in the holdout
    # although the holdout alone has three; 303 never occurred in training
    assert cleaned["job"].to_list() == [POOLED_LABEL] * 4
    assert cleaned["zip"].to_list() == ["100", "941", POOLED_LABEL, POOLED_LABEL]
    assert result.frame["zip"].to_list() == ["100"] * 12 + ["941"] * 10


def test_quantile_bins_are_fitted_once_and_applied_to_other_rows():
    from synthpriv.operators import OPERATORS, OperatorContext

    info = ColumnInfo("x", "Float64", Kind.NUMERICAL, Role.SENSITIVE)
    fit = OPERATORS["generalize"].apply(
        pl.Series("x", [float(i) for i in range(100)]), info, {"bins": 4}, OperatorContext()
    )
    assert fit.fitted == {"breaks": [24.75, 49.5, 74.25]}
    other = OPERATORS["generalize"].apply(
        pl.Series("x", [0.0, 1000.0]), info, {"bins": 4}, OperatorContext(fitted=fit.fitted)
    )
    assert other.series.to_list() == ["(-inf, 24.75]", "(74.25, inf]"]


def test_an_action_keep_in_the_schema_is_honoured(analyzers):
    frame = pl.DataFrame({"zip": [f"{10000 + i}" for i in range(30)], "n": list(range(30))})
    schema = TableSchema(
        [
            column("zip", Role.QUASI_IDENTIFIER, ["ZIP_CODE"], action="keep"),
            column("n", Role.NONE, [], kind=Kind.NUMERICAL),
        ]
    )
    result = clean_table(frame, schema, analyzers)
    assert result.frame["zip"].equals(frame["zip"])
    audit = {a.column: a for a in result.audit}
    assert (audit["zip"].action, audit["zip"].cells_changed) == ("keep", 0)


def test_information_kept_shows_what_cleaning_cost_per_column():
    from synthpriv.clean import information_kept

    original = pl.DataFrame(
        {
            "name": [f"P{i}" for i in range(40)],
            "zip": [f"{10000 + 7 * i}" for i in range(40)],
            "city": ["Oslo", "Lima"] * 20,
            "age": list(range(20, 60)),
            "note": ["text"] * 40,
        }
    )
    cleaned = original.drop("name").with_columns(
        pl.lit(POOLED_LABEL).alias("zip"),  # every ZIP was rare: one pooled label
        pl.col("age").clip(upper_bound=50),
    )
    schema = TableSchema(
        [
            column("name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("zip", Role.QUASI_IDENTIFIER, ["ZIP_CODE"]),
            column("city", Role.QUASI_IDENTIFIER, []),
            column("age", Role.QUASI_IDENTIFIER, ["AGE"], kind=Kind.NUMERICAL),
            column("note", Role.FREE_TEXT_PII, ["PERSON"], kind=Kind.TEXT),
        ]
    )
    kept = information_kept(original, cleaned, schema)
    assert kept["name"] == 0.0 and kept["zip"] == 0.0 and kept["city"] == 1.0
    assert kept["note"] is None
    assert 0.8 < kept["age"] < 1.0  # top-coding ten of forty ages costs a little


def test_zip_codes_are_generalized_before_rare_areas_are_suppressed(analyzers):
    # 200 people in 50 three-digit areas of 4: suppression at k=10 would pool every cell
    zips = [f"{10 + i % 5}{(i // 5) % 10}{i % 7}{i % 3}{i % 2}" for i in range(200)]
    frame = pl.DataFrame({"zip": zips})
    schema = TableSchema([column("zip", Role.QUASI_IDENTIFIER, ["ZIP_CODE"])])
    result = clean_table(frame, schema, analyzers)
    assert result.frame["zip"].n_unique() == 5  # two digits: five regions of 40
    assert POOLED_LABEL not in result.frame["zip"].to_list()
    assert "ZIP codes to first 2 digits" in result.audit[0].detail


def test_a_run_rescans_only_what_cleaning_changed_and_an_edited_schema_everything(
    analyzers, healthcare, detector
):
    frame = healthcare.head(300)
    schema = detector.detect(frame)
    seen: list[list[str]] = []

    class Spy:
        analyzers = detector.analyzers

        def detect(self, table):
            seen.append(table.columns)
            return detector.detect(table)

    result = clean_table(frame, schema, analyzers)
    summary = verify_clean(frame, result, schema, Spy(), scanned_here=True).verification
    kept = [c for c in result.frame.columns if result.frame[c].equals(frame[c])]
    assert kept and set(seen[-1]) == set(result.frame.columns) - set(kept)
    assert summary["rescanned_columns"] + summary["unchanged_columns"] == result.frame.width
    # a schema from elsewhere may have been edited: a kept column the scan would flag is caught
    edited = detector.detect(frame)
    edited["email"].role = Role.NONE
    edited["email"].entities = []
    again = clean_table(frame, edited, analyzers)
    assert "email" in again.frame.columns and again.frame["email"].equals(frame["email"])
    verified = verify_clean(frame, again, edited, detector)
    assert "email" not in verified.frame.columns and "email" in again.frame.columns
    assert [e["column"] for e in verified.verification["escalations"]] == ["email"]


def test_another_tables_names_and_phones_inside_short_cells_are_found_with_inside():
    """An admission's note "Patient Ann Lee seen, call 555-0199" holds a patient's identifiers.

    The note has few distinct values (not free text): matched whole cell by whole cell it was
    missed. With ``inside`` (the linked tables' search) full names, phones, SSNs and e-mails
    are found inside any cell; a bare number inside another code is not.
    """
    original = pl.DataFrame(
        {
            "name": ["Ann Lee", "Bo Park", "Cy Diaz"],
            "phone": ["555-0199", "555-0142", "555-0175"],
            "mrn": ["40213", "40987", "41120"],
        }
    )
    cleaned = pl.DataFrame(
        {
            "note": ["Patient Ann Lee seen, call 555-0199", "fall at home", "fall at home"] * 2,
            "code": ["X40213Q", "B-1", "B-2"] * 2,  # an MRN's digits inside a code: no leak
        }
    )
    schema = TableSchema(
        [
            column("name", Role.DIRECT_IDENTIFIER, ["PERSON"]),
            column("phone", Role.DIRECT_IDENTIFIER, ["PHONE_NUMBER"]),
            column("mrn", Role.DIRECT_IDENTIFIER, ["MEDICAL_RECORD_NUMBER"]),
        ]
    )
    assert find_leaks(original, cleaned, schema) == []  # a table's own search: whole cells
    found = {(p.identifier, p.column) for p in find_leaks(original, cleaned, schema, inside=True)}
    assert found == {("name", "note"), ("phone", "note")}


def test_an_empty_identifier_value_is_never_looked_for():
    """An export wrote empty cells as "" (an affiliate network's ip column: 0.0.0.0 or empty).
    The values too short to search were masked on one unique() and filtered on another, in
    another order: '' was kept, and 13 columns with empty cells were dropped as holding it."""
    original = pl.DataFrame(
        {"ip": ["0.0.0.0", "", "0.0.0.0", ""] * 50, "campaign": ["", "spring", "", "x"] * 50}
    )
    schema = TableSchema([column("ip", Role.DIRECT_IDENTIFIER, ["IP_ADDRESS"])])
    cleaned = original.select("campaign")
    for _ in range(30):  # the order unique() lists values in varies from call to call
        assert find_leaks(original, cleaned, schema) == []
