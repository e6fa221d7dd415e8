"""``run FOLDER``: linked tables through the whole job, from the command line."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.config import RunConfig
from synthpriv.linked_run import person_report
from synthpriv.report import exit_status_for
from synthpriv.status import ExitStatus
from tests.conftest import SHARED_DATA
from tests.linked_fixture import fitted_hospital, planted
from tests.unit.test_relations import _hospital, _timed

FAST = ["--nlp-model", "none"]
MIMIC = SHARED_DATA / "relational-dev" / "mimic3-demo"
FIRST = ["Aurelio", "Bronwyn", "Casimir", "Dagny", "Evander", "Fenella", "Gideon", "Hester"]
LAST = ["Abernathy", "Ekwueme", "Gallo", "Lindqvist", "Okonkwo", "Pemberton", "Vasquez"]


def _folder(root: Path, patients: int = 240, broken: bool = False) -> Path:
    """A hospital export: patients (with names), admissions (with a contact), diagnoses."""
    tables = _timed(_hospital(patients))
    names = [f"{FIRST[i % 8]} {LAST[i % 7]}-{i}" for i in range(patients)]
    tables["PATIENTS"] = tables["PATIENTS"].with_columns(pl.Series("NAME", names))
    admissions = tables["ADMISSIONS"].join(
        tables["PATIENTS"].select("SUBJECT_ID", pl.col("NAME").alias("CONTACT")), on="SUBJECT_ID"
    )
    if broken:  # one admission of a patient the export left out
        admissions = admissions.with_columns(
            pl.when(pl.col("ROW_ID") == 1)
            .then(99_999)
            .otherwise(pl.col("SUBJECT_ID"))
            .alias("SUBJECT_ID")
        )
    tables["ADMISSIONS"] = admissions
    return _written(tables, root / "export")


def _written(tables: dict[str, pl.DataFrame], folder: Path) -> Path:
    """Each table as ``folder/NAME.csv``, as an export writes them."""
    folder.mkdir()
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    return folder


def _run(folder: Path, out: Path, *extra: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CliRunner().invoke(
            cli,
            ["--json", "run", str(folder), "-o", str(out), *FAST, *extra],
            catch_exceptions=False,
        )


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("linked")
    folder = _folder(root)
    return folder, root / "out", _run(folder, root / "out")


def test_a_folder_runs_with_no_flag_and_every_table_is_written(folder_run):
    folder, out, result = folder_run
    summary = json.loads((out / "report.json").read_text())
    assert result.exit_code == summary["exit_code"], result.output
    printed = json.loads(result.stdout)
    assert printed["exit_code"] == summary["exit_code"] and printed["verdict"] == summary["verdict"]
    assert set(printed["tables"]) == {"PATIENTS", "ADMISSIONS", "DIAGNOSES_ICD"}
    assert sorted(p.name for p in (out / "synthetic").iterdir()) == [
        "ADMISSIONS.csv",
        "DIAGNOSES_ICD.csv",
        "PATIENTS.csv",
    ]
    assert (out / "persons" / "report.html").exists()
    assert all((out / "tables" / t / "report.json").exists() for t in summary["tables"])
    # every real row, and the training rows the synthetic ones are sized to (an audit read
    # 1,200 real beside 938 synthetic patients as rows lost)
    rows = summary["tables"]["PATIENTS"]["rows"]
    assert rows["train"] < rows["real"] and rows["synthetic"] == rows["train"]
    # the history search spills its partitions into the output being written: none is left
    assert not [p for p in out.rglob("*") if p.name.startswith("synthpriv-")]
    # nor the tables held on disk between stages
    assert not [p for p in out.rglob("*") if p.suffix == ".arrow" or p.name == ".held"]
    # keys found with no config, every synthetic foreign key resolves, orderings kept
    assert summary["relations"]["root"] == "PATIENTS"
    assert set(summary["foreign_keys_resolved"].values()) == {1.0}
    kept = {(o["before"], o["after"]): o["kept_in_synthetic"] for o in summary["orderings"]}
    # the birth date is generalized by the strict policy (a quasi-identifier): not a time left
    assert kept == {
        ("ADMISSIONS.ADMITTIME", "ADMISSIONS.DISCHTIME"): 1.0,
        ("ADMISSIONS.ADMITTIME", "DIAGNOSES_ICD.CHARTTIME"): 1.0,
    }
    page = (out / "report.html").read_text()
    assert "<svg" in page and "tables/DIAGNOSES_ICD/report.html" in page
    manifest = json.loads((out / "manifest.json").read_text())
    assert "synthetic/PATIENTS.csv" in manifest["outputs"]


def test_no_identifier_or_key_of_the_input_reaches_an_output(folder_run):
    folder, out, _ = folder_run
    real = {p.stem: pl.read_csv(p) for p in folder.glob("*.csv")}
    names = set(real["PATIENTS"].get_column("NAME"))
    text = "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    assert not [n for n in names if n in text]
    for table in real:
        synthetic = pl.read_csv(out / "synthetic" / f"{table}.csv")
        assert (
            "NAME" not in synthetic.columns
            or synthetic.get_column("NAME").null_count() == synthetic.height
        )
        for column in ("ROW_ID", "SUBJECT_ID", "HADM_ID"):
            if column in synthetic.columns:
                values = real[table].get_column(column).implode()
                assert not synthetic.get_column(column).is_in(values).any(), (table, column)
    schema = json.loads((out / "schema.json").read_text())
    assert schema["key_columns"]["ADMISSIONS"] == ["ROW_ID", "SUBJECT_ID", "HADM_ID"]


def test_a_run_that_fails_after_holding_its_tables_leaves_nothing(tmp_path, monkeypatch):
    from synthpriv import linked_run
    from synthpriv.io import held as held_module

    folder = _folder(tmp_path)
    held, lingering = [], []
    unlink = held_module._unlink
    monkeypatch.setattr(held_module, "_unlink", lambda p: held.append(p.name) or unlink(p))

    def fail(train, *args, **kwargs):
        # by now the input, both sides and the cleaned tables are held, their files gone
        lingering.extend(p.name for p in tmp_path.rglob("*.arrow"))
        raise OSError("disk gone")

    monkeypatch.setattr(linked_run, "fit_tables", fail)
    result = CliRunner().invoke(cli, ["run", str(folder), "-o", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 1  # an unexpected error: its type, never its text
    assert "internal error: OSError" in result.output and "disk gone" not in result.output
    assert "train-PATIENTS.arrow" in held and "input-ADMISSIONS.arrow" in held
    assert lingering == []
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name not in {folder.name}]


def test_a_broken_link_is_a_warning_naming_table_and_column(tmp_path):
    folder = _folder(tmp_path, broken=True)
    result = _run(folder, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "report.json").read_text())
    assert result.exit_code == summary["exit_code"]
    assert (
        "table 'ADMISSIONS' column 'SUBJECT_ID': 1 value(s) point to no row of 'PATIENTS'"
        in " ".join(result.stderr.split())
    )
    assert summary["relations"]["warnings"] == [
        "table 'ADMISSIONS' column 'SUBJECT_ID': 1 value(s) point to no row of 'PATIENTS' "
        "('SUBJECT_ID')"
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--spark", "local[1]"], "error: --spark takes one table; a folder of linked tables"),
        (["--engine", "mst", "--epsilon", "1", "--delta", "1e-6"], "error: engine 'mst' cannot"),
    ],
)
def test_what_a_folder_run_cannot_do_is_refused_in_one_line(tmp_path, extra, message):
    folder = _folder(tmp_path, patients=30)
    result = _run(folder, tmp_path / "out", *extra)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_copies_of_whole_histories_fail_the_person_level_gates():
    """5% of synthetic people copy a training person's rows in every table, keys renewed."""
    hospital = fitted_hospital(600, seed=2)
    config = RunConfig(nlp_model="none")
    control = person_report(
        hospital.train, hospital.holdout, hospital.clean, hospital.relations, config
    )
    copies = ("exact_copies", "near_copies")
    assert [control.gate(name).status.value for name in copies] == ["PASS", "PASS"]

    copied = planted(hospital.train, hospital.clean, 0.05, "exact")
    leaked = person_report(hospital.train, hospital.holdout, copied, hospital.relations, config)
    assert exit_status_for(leaked) == ExitStatus.PRIVACY_GATE_FAILED
    # 465 training and 135 holdout people: the near-copy check catches the copied histories
    failed = {g.name for g in leaked.gates if g.status.value == "FAIL"}
    assert failed and failed <= set(copies), failed


@pytest.mark.skipif(not MIMIC.is_dir(), reason=f"relational corpus not here: {MIMIC}")
def test_the_mimic_demo_folder_runs_with_no_flag(tmp_path):
    result = _run(MIMIC, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "report.json").read_text())
    assert result.exit_code == summary["exit_code"], result.output
    assert len(list((tmp_path / "out" / "synthetic").glob("*.csv"))) == 8
    assert set(summary["foreign_keys_resolved"].values()) == {1.0}
    assert min(o["kept_in_synthetic"] for o in summary["orderings"]) >= 0.99
    real_keys = set()
    for path in MIMIC.glob("*.csv"):
        frame = pl.read_csv(path, infer_schema=False)
        for column in ("SUBJECT_ID", "HADM_ID", "ICUSTAY_ID", "ROW_ID"):
            if column in frame.columns:
                real_keys |= set(frame.get_column(column).drop_nulls())
    for path in (tmp_path / "out" / "synthetic").glob("*.csv"):
        frame = pl.read_csv(path, infer_schema=False)
        for column in ("SUBJECT_ID", "HADM_ID", "ICUSTAY_ID", "ROW_ID"):
            if column in frame.columns:
                assert not set(frame.get_column(column).drop_nulls()) & real_keys, (
                    path.name,
                    column,
                )


def _export_with_references(root: Path, patients: int = 150) -> Path:
    """A hospital export as real systems write one (shapes that broke runs on Synthea,
    Berka and Northwind): a reference table of wards the admissions point to, a table of
    keys only (which patient stayed on which ward), a free-text note, and diagnosis row
    numbers in the millions, above where the other tables' new keys would start."""
    tables = _timed(_hospital(patients))
    admissions = tables["ADMISSIONS"]
    admissions = admissions.with_columns(
        pl.Series("WARD_ID", [1 + i % 24 for i in range(admissions.height)]),
        pl.Series(
            "NOTE",
            [
                f"seen on the ward for follow up of a chronic condition, visit {i % 9}"
                for i in range(admissions.height)
            ],
        ),
    )
    tables["ADMISSIONS"] = admissions
    tables["DIAGNOSES_ICD"] = tables["DIAGNOSES_ICD"].with_columns(
        (pl.col("ROW_ID") + 1_000_000).alias("ROW_ID")
    )
    tables["WARDS"] = pl.DataFrame(
        {
            "WARD_ID": range(1, 25),
            "BEDS": [10 + 3 * i for i in range(24)],
            "FLOOR": [i % 4 for i in range(24)],
        }
    )
    stays = admissions.select("SUBJECT_ID", "WARD_ID").unique(maintain_order=True)
    tables["PATIENT_WARDS"] = stays
    return _written(tables, root / "export")


def test_reference_tables_tables_of_keys_and_free_text_as_real_exports_have(tmp_path):
    folder = _export_with_references(tmp_path)
    out = tmp_path / "out"
    result = _run(folder, out)
    summary = json.loads((out / "report.json").read_text())
    assert result.exit_code == summary["exit_code"], result.output
    relations = summary["relations"]
    assert relations["root"] == "PATIENTS"
    parents = {k["child"]: k["parent"] for k in relations["links"] if k["kind"] == "parent"}
    assert parents == {
        "ADMISSIONS": "PATIENTS",
        "DIAGNOSES_ICD": "ADMISSIONS",
        "PATIENT_WARDS": "PATIENTS",
    }
    synthetic = {p.stem: pl.read_csv(p) for p in (out / "synthetic").glob("*.csv")}
    # a reference table is split by its own rows and keeps its size (it was drawn as many rows
    # as there are people), as the people's tables keep theirs
    rows = json.loads((out / "manifest.json").read_text())["rows"]
    assert 0 < rows["WARDS"]["holdout"] < rows["WARDS"]["train"]
    assert synthetic["WARDS"].height == rows["WARDS"]["train"]
    assert synthetic["PATIENTS"].height == rows["PATIENTS"]["train"]
    assert set(summary["foreign_keys_resolved"].values()) == {1.0}
    # a table of keys only has nothing to compare row by row: said, not a crash
    keys_only = summary["tables"]["PATIENT_WARDS"]
    assert keys_only["verdict"] == "SKIP" and keys_only["fidelity"] is None
    assert keys_only["report"] is None and "keys and links only" in keys_only["not_measured"]
    assert not (out / "tables" / "PATIENT_WARDS").exists()
    assert "PATIENT_WARDS" in (out / "report.html").read_text()
    # free text is not synthesized, as for a single table (it failed residual_pii before, as
    # a column the report does not measure)
    assert "NOTE" not in synthetic["ADMISSIONS"].columns
    assert "residual_pii" not in summary["tables"]["ADMISSIONS"]["failed_gates"]
    # no new key equals any key of the input, whichever table's
    real = {p.stem: pl.read_csv(p) for p in folder.glob("*.csv")}
    columns = ("ROW_ID", "SUBJECT_ID", "HADM_ID", "WARD_ID")
    keys = pl.concat(
        [f.get_column(c).cast(pl.Int64) for f in real.values() for c in columns if c in f.columns]
    ).implode()
    for table, frame in synthetic.items():
        for column in columns:
            if column in frame.columns:
                assert not frame.get_column(column).is_in(keys).any(), (table, column)
