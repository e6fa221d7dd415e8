"""``clean FOLDER`` and a reviewed folder schema: the cleaning steps of a folder of linked tables.

split -> scan -> (review) -> clean -> fit -> sample -> report, each a command, and the keys of
the cleaned tables replaced so that they still join: fresh numbers by default, the same keyed
pseudonyms in every table and run under the ``pseudonymize`` policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from synthpriv.schema import POOLED_LABEL
from synthpriv.status import ExitStatus
from tests.cli.test_linked_run import FAST, _folder
from tests.cli.test_linked_steps import TABLES, _invoke, _tables

KEY = "clean-folder-test-key-0123456789"


@pytest.fixture(scope="module")
def steps(tmp_path_factory) -> Path:
    """A hospital export split by person, its training side scanned."""
    root = tmp_path_factory.mktemp("clean")
    export = _folder(root, patients=120)
    assert _invoke("split", str(export), "-o", str(root / "parts")).exit_code == 0
    scanned = _invoke("scan", str(root / "parts" / "train"), "-o", str(root / "s.json"), *FAST)
    assert scanned.exit_code == 0, scanned.output
    return root


@pytest.fixture(scope="module")
def cleaned(steps) -> Path:
    parts = steps / "parts"
    result = _invoke(
        "clean",
        str(parts / "train"),
        "--schema",
        str(steps / "s.json"),
        "--holdout",
        str(parts / "holdout"),
        "-o",
        str(steps / "clean"),
        *FAST,
    )
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    assert "cleaned 3 linked tables (" in result.stderr
    assert "keys and links replaced by surrogates" in result.stderr
    return steps / "clean"


def _joins(tables: dict[str, pl.DataFrame]) -> None:
    """Every admission's patient, every diagnosis's stay and patient are rows of their parent."""
    people = tables["PATIENTS"].get_column("SUBJECT_ID").implode()
    stays = tables["ADMISSIONS"].get_column("HADM_ID").implode()
    assert tables["ADMISSIONS"].get_column("SUBJECT_ID").is_in(people).all()
    assert tables["DIAGNOSES_ICD"].get_column("HADM_ID").is_in(stays).all()
    # a diagnosis's patient is its stay's patient
    owner = tables["DIAGNOSES_ICD"].join(
        tables["ADMISSIONS"].select("HADM_ID", pl.col("SUBJECT_ID").alias("OWNER")), on="HADM_ID"
    )
    assert (owner.get_column("SUBJECT_ID") == owner.get_column("OWNER")).all()


def _shape(tables: dict[str, pl.DataFrame]) -> list[tuple[int, ...]]:
    """Each person's rows per table, sorted: what a change of keys must not change."""
    stays = tables["ADMISSIONS"].group_by("SUBJECT_ID").len("stays")
    codes = tables["DIAGNOSES_ICD"].group_by("SUBJECT_ID").len("codes")
    people = (
        tables["PATIENTS"]
        .select("SUBJECT_ID")
        .join(stays, on="SUBJECT_ID", how="left")
        .join(codes, on="SUBJECT_ID", how="left")
        .fill_null(0)
    )
    return sorted(zip(people.get_column("stays"), people.get_column("codes"), strict=True))


def test_clean_folder_replaces_every_key_and_keeps_every_link(steps, cleaned):
    parts = steps / "parts"
    for side, out in (("train", cleaned), ("holdout", steps / "clean.holdout")):
        real, clean = _tables(parts / side), _tables(out)
        assert sorted(clean) == TABLES
        assert {t: f.height for t, f in clean.items()} == {t: f.height for t, f in real.items()}
        _joins(clean)
        assert _shape(clean) == _shape(real)
        keys = ("ROW_ID", "SUBJECT_ID", "HADM_ID")
        real_keys = pl.concat(
            [f.get_column(c) for f in real.values() for c in keys if c in f.columns]
        ).implode()
        for table, frame in clean.items():  # no key of the input is left, in any key column
            for column in [c for c in keys if c in frame.columns]:
                assert not frame.get_column(column).is_in(real_keys).any(), (side, table, column)
        # identifiers gone; the policy's generalizations applied
        assert "NAME" not in clean["PATIENTS"].columns
        assert "CONTACT" not in clean["ADMISSIONS"].columns
        assert clean["PATIENTS"].columns == [c for c in real["PATIENTS"].columns if c != "NAME"]
    # one mapping over both sides: the holdout's people are other numbers than training's
    train_ids = set(_tables(cleaned)["PATIENTS"].get_column("SUBJECT_ID"))
    held_ids = set(_tables(steps / "clean.holdout")["PATIENTS"].get_column("SUBJECT_ID"))
    assert not train_ids & held_ids
    names = set(_tables(steps / "export")["PATIENTS"].get_column("NAME"))
    for out in (cleaned, steps / "clean.holdout"):
        text = "".join(p.read_text() for p in out.iterdir())
        assert not [n for n in names if n in text]
    schema = json.loads((cleaned / "schema.json").read_text())
    assert schema["cleaned"]["keys"] == "surrogates" and schema["cleaned"]["side"] == "train"
    assert set(schema["tables"]) == set(TABLES)
    audit = json.loads((cleaned / "audit.json").read_text())
    assert "NAME" in audit["PATIENTS"]["dropped"]
    assert (cleaned / "relations.toml").read_text().startswith('root = "PATIENTS"\n')


def test_the_cleaned_folder_is_fitted_sampled_and_reported_as_it_is(steps, cleaned):
    model, synthetic, report = steps / "m.synthpriv", steps / "synthetic", steps / "report"
    fit = _invoke("--json", "fit", str(cleaned), "-o", str(model), *FAST)
    assert fit.exit_code == ExitStatus.SUCCESS, fit.output
    assert json.loads(fit.stdout)["root"] == "PATIENTS"
    sample = _invoke("sample", str(model), "-n", "40", "-o", str(synthetic))
    assert sample.exit_code == ExitStatus.SUCCESS, sample.output
    made = _tables(synthetic)
    _joins(made)
    assert made["PATIENTS"].columns == _tables(cleaned)["PATIENTS"].columns
    result = _invoke(
        "--json",
        "report",
        "--real",
        str(cleaned),
        "--holdout",
        str(steps / "clean.holdout"),
        "--synthetic",
        str(synthetic),
        "-o",
        str(report),
        *FAST,
    )
    summary = json.loads((report / "report.json").read_text())
    assert result.exit_code == summary["exit_code"], result.output
    assert set(summary["foreign_keys_resolved"].values()) == {1.0}
    train, held = _tables(cleaned), _tables(steps / "clean.holdout")
    assert {t: s["rows"]["real"] for t, s in summary["tables"].items()} == {
        t: f.height + held[t].height for t, f in train.items()
    }
    assert summary["tables"]["PATIENTS"]["rows"]["synthetic"] == 40


def test_a_reviewed_folder_schema_is_honoured_by_clean_and_fit(steps, tmp_path):
    """A column the scan keeps, dropped by the reviewer: gone from the cleaned and the model."""
    schema = json.loads((steps / "s.json").read_text())
    columns = schema["tables"]["ADMISSIONS"]["columns"]
    assert next(c for c in columns if c["name"] == "TYPE").get("action") is None
    for column in columns:
        if column["name"] == "TYPE":
            column["action"] = "drop"
    reviewed = tmp_path / "reviewed.json"
    reviewed.write_text(json.dumps(schema))
    train = steps / "parts" / "train"
    clean = _invoke("clean", str(train), "--schema", str(reviewed), "-o", str(tmp_path / "c"))
    assert clean.exit_code == ExitStatus.SUCCESS, clean.output
    assert "TYPE" not in _tables(tmp_path / "c")["ADMISSIONS"].columns
    model = tmp_path / "m.synthpriv"
    fit = _invoke("--json", "fit", str(train), "--schema", str(reviewed), "-o", str(model), *FAST)
    assert fit.exit_code == ExitStatus.SUCCESS, fit.output
    assert "TYPE" not in json.loads(fit.stdout)["tables"]["ADMISSIONS"]["columns"]
    plain = _invoke("--json", "fit", str(train), "-o", str(tmp_path / "plain.synthpriv"), *FAST)
    assert "TYPE" in json.loads(plain.stdout)["tables"]["ADMISSIONS"]["columns"]


def test_pseudonymize_gives_the_same_keyed_pseudonyms_in_every_table_and_run(
    steps, tmp_path, monkeypatch
):
    from synthpriv.operators import pseudonym

    monkeypatch.setenv("SYNTHPRIV_PSEUDONYM_KEY", KEY)
    train = steps / "parts" / "train"
    outs = []
    for run in ("a", "b"):
        out = tmp_path / run
        args = ["clean", str(train), "--schema", str(steps / "s.json"), "-o", str(out)]
        result = _invoke(*args, "--policy", "pseudonymize", *FAST)
        assert result.exit_code == ExitStatus.SUCCESS, result.output
        assert "keys and links replaced by pseudonyms" in result.stderr
        outs.append(_tables(out))
    first, second = outs
    assert all(first[t].equals(second[t]) for t in TABLES)
    _joins(first)
    real = _tables(train)
    expected = [pseudonym(KEY.encode(), str(v)) for v in real["PATIENTS"].get_column("SUBJECT_ID")]
    assert first["PATIENTS"].get_column("SUBJECT_ID").to_list() == expected
    assert first["ADMISSIONS"].get_column("SUBJECT_ID").to_list() == [
        pseudonym(KEY.encode(), str(v)) for v in real["ADMISSIONS"].get_column("SUBJECT_ID")
    ]
    # the identifiers are pseudonyms too (the policy's), and a model leaves them out
    assert "NAME" in first["PATIENTS"].columns
    assert not set(first["PATIENTS"].get_column("NAME")) & set(real["PATIENTS"].get_column("NAME"))
    fit = _invoke("--json", "fit", str(tmp_path / "a"), "-o", str(tmp_path / "m"), *FAST)
    assert fit.exit_code == ExitStatus.SUCCESS, fit.output
    described = json.loads(fit.stdout)["tables"]
    assert "NAME" not in described["PATIENTS"]["columns"]
    assert "CONTACT" not in described["ADMISSIONS"]["columns"]


def test_a_changed_cleaned_table_is_refused_naming_it(steps, cleaned, tmp_path):
    import shutil

    copy = tmp_path / "changed"
    shutil.copytree(cleaned, copy)
    frame = pl.read_csv(copy / "PATIENTS.csv")
    frame.with_columns(pl.col("GENDER").reverse()).write_csv(copy / "PATIENTS.csv")
    out = tmp_path / "m.synthpriv"
    result = _invoke("fit", str(copy), "-o", str(out), *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR, result.output
    assert result.stderr == (
        f"error: {copy / 'PATIENTS'}: not the table 'synthpriv clean' wrote into changed (its "
        "schema.json holds another checksum); clean the real folder again\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("damage", ["removed", "table left out"])
def test_a_cleaned_folder_without_its_audit_is_refused(steps, cleaned, tmp_path, damage):
    """The report states what was cleaned: without the audit it would state nothing was."""
    import shutil

    copy = tmp_path / "unaudited"
    shutil.copytree(cleaned, copy)
    audit = copy / "audit.json"
    if damage == "removed":
        audit.unlink()
        message = f"error: {audit}: missing; 'synthpriv clean' writes a folder's audit log "
        message += "beside its tables; clean the real folder again\n"
    else:
        kept = json.loads(audit.read_text())
        del kept["ADMISSIONS"]
        audit.write_text(json.dumps(kept))
        message = f"error: {audit}: no audit of table 'ADMISSIONS'; clean the real folder again\n"
    out = tmp_path / "m.synthpriv"
    result = _invoke("fit", str(copy), "-o", str(out), *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR, result.output
    assert result.stderr == message
    assert not out.exists()


@pytest.mark.parametrize(
    ("make", "message", "code"),
    [
        (
            lambda steps, tmp: steps / "parts" / "train" / "PATIENTS.csv",
            "error: {schema}: folder schema is not valid JSON at line 1",
            ExitStatus.INPUT_ERROR,
        ),
        (
            lambda steps, tmp: _write(tmp / "one.json", {"columns": []}),
            "error: {schema}: no 'tables' in it; give the schema 'synthpriv scan FOLDER' wrote",
            ExitStatus.CONFIG_ERROR,
        ),
        (
            lambda steps, tmp: _edit(steps / "s.json", tmp / "less.json", drop="AGE"),
            "error: {schema}: table 'PATIENTS': column 'AGE' of the folder is not in the schema",
            ExitStatus.CONFIG_ERROR,
        ),
        (
            lambda steps, tmp: _relinked(steps / "s.json", tmp / "relinked.json"),
            "error: {schema}: its keys and links are not those found in train (an edited "
            "schema, or another folder's); name keys and links in relations.toml",
            ExitStatus.CONFIG_ERROR,
        ),
    ],
)
def test_a_folder_schema_that_does_not_fit_is_refused_in_one_line(
    steps, tmp_path, make, message, code
):
    schema = make(steps, tmp_path)
    for command in (
        ["clean", str(steps / "parts" / "train"), "--schema", str(schema), "-o", "{out}"],
        ["fit", str(steps / "parts" / "train"), "--schema", str(schema), "-o", "{out}"],
    ):
        out = tmp_path / "out"
        result = _invoke(*[a.format(out=out) for a in command], *FAST)
        assert result.exit_code == code, result.output
        assert result.stderr == message.format(schema=schema) + "\n"
        assert not out.exists()


def test_cleaning_a_cleaned_folder_again_is_refused(steps, cleaned, tmp_path):
    out = tmp_path / "again"
    result = _invoke("clean", str(cleaned), "--schema", str(steps / "s.json"), "-o", str(out))
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert result.stderr == (
        f"error: {cleaned}: 'synthpriv clean' wrote it already; give the real folder\n"
    )
    assert not out.exists()


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def _edit(source: Path, path: Path, *, drop: str) -> Path:
    data = json.loads(source.read_text())
    columns = data["tables"]["PATIENTS"]["columns"]
    data["tables"]["PATIENTS"]["columns"] = [c for c in columns if c["name"] != drop]
    return _write(path, data)


@pytest.mark.parametrize("command", ["clean", "fit"])
def test_an_identifier_a_reviewer_called_harmless_is_still_found(steps, tmp_path, command):
    """A reviewed schema is not this run's scan: every cleaned column is scanned again.

    The reviewer sets the e-mail column's role to none; the cleaned table, scanned again,
    still holds e-mail addresses, so the column is escalated (dropped under strict).
    """
    import shutil

    train = tmp_path / "train"
    shutil.copytree(steps / "parts" / "train", train)
    people = pl.read_csv(train / "PATIENTS.csv")
    people.with_columns(
        (pl.lit("patient") + pl.col("SUBJECT_ID").cast(pl.String) + pl.lit("@mailbox.org")).alias(
            "EMAIL"
        )
    ).write_csv(train / "PATIENTS.csv")
    assert _invoke("scan", str(train), "-o", str(tmp_path / "s.json"), *FAST).exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    email = next(c for c in schema["tables"]["PATIENTS"]["columns"] if c["name"] == "EMAIL")
    assert email["role"] == "direct_identifier"
    email.update(role="none", entities=[])
    reviewed = _write(tmp_path / "reviewed.json", schema)
    out = tmp_path / "out"
    args = [command, str(train), "--schema", str(reviewed), "-o", str(out), *FAST]
    result = _invoke("--json", *args)
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    if command == "clean":
        assert "EMAIL" not in _tables(out)["PATIENTS"].columns
        audit = json.loads((out / "audit.json").read_text())["PATIENTS"]
        found = next(c for c in audit["columns"] if c["column"] == "EMAIL")
        assert found["escalated"] and found["action"] == "drop", found
    else:
        assert "EMAIL" not in json.loads(result.stdout)["tables"]["PATIENTS"]["columns"]
        assert b"@mailbox.org" not in out.read_bytes()


def _relinked(source: Path, path: Path) -> Path:
    """A schema whose link an editor pointed at another column: links live in relations.toml."""
    data = json.loads(source.read_text())
    data["relations"]["links"][0]["column"] = "ROW_ID"
    return _write(path, data)


def test_an_identifier_a_reviewer_keeps_is_kept_and_said(steps, tmp_path):
    """``keep`` is the reviewer's decision, honoured as for a table, and never hidden.

    Kept where another table holds the same people's names (CONTACT), it is residual
    personal data all the same: exit 5, nothing written.
    """
    import shutil

    train = tmp_path / "train"
    shutil.copytree(steps / "parts" / "train", train)
    people = pl.read_csv(train / "PATIENTS.csv")
    people.with_columns(
        (pl.lit("p") + pl.col("SUBJECT_ID").cast(pl.String) + pl.lit("@mailbox.org")).alias("EMAIL")
    ).write_csv(train / "PATIENTS.csv")
    assert _invoke("scan", str(train), "-o", str(tmp_path / "s.json"), *FAST).exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    for column in schema["tables"]["PATIENTS"]["columns"]:
        if column["name"] == "EMAIL":
            column["action"] = "keep"
    kept = _write(tmp_path / "keep.json", schema)
    out = tmp_path / "kept"
    result = _invoke("clean", str(train), "--schema", str(kept), "-o", str(out), *FAST)
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    assert "EMAIL" in _tables(out)["PATIENTS"].columns
    assert "verified: no direct identifier left but the 1 the schema keeps (PATIENTS.EMAIL)" in (
        result.stderr
    )
    for column in schema["tables"]["PATIENTS"]["columns"]:
        if column["name"] == "NAME":
            column["action"] = "keep"
    names = _write(tmp_path / "names.json", schema)
    refused = _invoke(
        "clean", str(train), "--schema", str(names), "-o", str(tmp_path / "no"), *FAST
    )
    assert refused.exit_code == ExitStatus.RESIDUAL_PII, refused.output
    assert refused.stderr == (
        "error: residual PII after cleaning: column 'NAME': hold values of direct identifier "
        "'CONTACT'\n"
    )
    assert not (tmp_path / "no").exists()


def _shop(folder: Path) -> Path:
    """80 customers with 12 orders each, every order shipped to the customer's own city.

    60 customers share three cities; 20 have a city nobody else has, on 12 rows each.
    """
    folder.mkdir()
    shared = ["Lisbon", "Porto", "Madrid"]
    alone = (
        "Aveiro Braga Coimbra Evora Faro Guarda Leiria Viseu Tomar Sintra Beja Setubal Lagos "
        "Chaves Elvas Fatima Nazare Obidos Peniche Silves"
    ).split()
    cities = [shared[i % 3] for i in range(60)] + alone
    people = list(range(1, len(cities) + 1))
    pl.DataFrame({"CUSTOMER_ID": people, "SEGMENT": ["retail", "trade"] * 40}).write_csv(
        folder / "customers.csv"
    )
    pl.DataFrame(
        {
            "ORDER_ID": range(1000, 1000 + 12 * len(people)),
            "CUSTOMER_ID": [p for p in people for _ in range(12)],
            "SHIP_CITY": [c for c in cities for _ in range(12)],
            "AMOUNT": [round(10 + (i * 37) % 400 + 0.25, 2) for i in range(12 * len(people))],
        }
    ).write_csv(folder / "orders.csv")
    return folder


def test_a_value_one_person_repeats_on_many_rows_is_pooled_as_rare(tmp_path):
    """A city only one customer ships to is that customer, however many orders repeat it.

    Counted by rows, each such city (12 orders) passed the policy's 10 and was kept in the
    cleaned orders; the model then pooled it by people, so the report met real cities on the
    training side and the pooled label on the holdout's, where they are unseen.
    """
    export = _shop(tmp_path / "export")
    schema = tmp_path / "s.json"
    assert _invoke("scan", str(export), "-o", str(schema), *FAST).exit_code == 0
    scanned = json.loads(schema.read_text())
    roles = {c["name"]: c["role"] for c in scanned["tables"]["orders"]["columns"]}
    assert roles["SHIP_CITY"] == "quasi_identifier"
    result = _invoke("clean", str(export), "--schema", str(schema), "-o", str(tmp_path / "c"))
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    cities = pl.read_csv(tmp_path / "c" / "orders.csv").get_column("SHIP_CITY")
    assert dict(cities.value_counts().iter_rows()) == {
        "Lisbon": 240,
        "Porto": 240,
        "Madrid": 240,
        POOLED_LABEL: 240,
    }
    audit = (tmp_path / "c" / "audit.json").read_text()
    assert "240 cells of categories held by fewer than 10 people to '(other)'" in audit
