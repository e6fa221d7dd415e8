"""The step-by-step commands on a folder of linked tables: split, fit, sample."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.relations import discover, split_by_root
from synthpriv.status import ExitStatus
from tests.cli.test_linked_run import FAST, _folder

TABLES = ["ADMISSIONS", "DIAGNOSES_ICD", "PATIENTS"]


def _invoke(*args: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _tables(folder: Path) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_csv(p) for p in sorted(folder.glob("*.csv"))}


def _people(tables: dict[str, pl.DataFrame]) -> dict[str, set[int]]:
    """Each table's rows traced to their person (SUBJECT_ID), as a set per table."""
    stays = tables["ADMISSIONS"].select("HADM_ID", "SUBJECT_ID")
    codes = tables["DIAGNOSES_ICD"].join(stays, on="HADM_ID", how="left")
    assert codes.get_column("SUBJECT_ID").null_count() == 0  # no code left without its stay
    return {
        "PATIENTS": set(tables["PATIENTS"].get_column("SUBJECT_ID")),
        "ADMISSIONS": set(stays.get_column("SUBJECT_ID")),
        "DIAGNOSES_ICD": set(codes.get_column("SUBJECT_ID")),
    }


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return _folder(tmp_path_factory.mktemp("steps"), patients=120)


def test_split_of_a_folder_keeps_every_persons_rows_on_one_side(export, tmp_path):
    result = _invoke("--json", "split", str(export), "-o", str(tmp_path / "parts"), "--seed", "3")
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    printed = json.loads(result.stdout)
    train, holdout = _tables(tmp_path / "parts" / "train"), _tables(tmp_path / "parts" / "holdout")
    assert sorted(train) == sorted(holdout) == TABLES
    real = _tables(export)
    for table in TABLES:  # every row is on exactly one side
        assert train[table].height + holdout[table].height == real[table].height, table
    on_train, on_holdout = _people(train), _people(holdout)
    assert not on_train["PATIENTS"] & on_holdout["PATIENTS"]
    for table in TABLES:  # a person's rows never straddle: each side's rows are its own people's
        assert on_train[table] <= on_train["PATIENTS"], table
        assert on_holdout[table] <= on_holdout["PATIENTS"], table
    assert printed["rows"] == {
        "train": train["PATIENTS"].height,
        "holdout": holdout["PATIENTS"].height,
    }
    assert 0 < holdout["PATIENTS"].height < train["PATIENTS"].height
    # the people 'run' holds out for the same seed and share
    expected = split_by_root(real, discover(real), 0.2, 3)
    assert set(expected["PATIENTS"][1].get_column("SUBJECT_ID")) == on_holdout["PATIENTS"]
    manifest = json.loads((tmp_path / "parts" / "manifest.json").read_text())
    assert manifest["rows"]["holdout"]["DIAGNOSES_ICD"] == holdout["DIAGNOSES_ICD"].height
    assert "holdout/PATIENTS.csv" in manifest["outputs"]


def test_split_of_a_folder_is_seeded(export, tmp_path):
    held = []
    for seed in ("3", "3", "4"):
        out = tmp_path / f"parts{len(held)}"
        assert _invoke("split", str(export), "-o", str(out), "--seed", seed).exit_code == 0
        held.append(set(pl.read_csv(out / "holdout" / "PATIENTS.csv").get_column("SUBJECT_ID")))
    assert held[0] == held[1] != held[2]


def test_split_of_a_folder_with_too_few_people_is_refused_naming_it(tmp_path):
    folder = _folder(tmp_path, patients=12)
    result = _invoke("split", str(folder), "-o", str(tmp_path / "parts"))
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert result.stderr == (
        f"error: {folder}: table 'PATIENTS' has 12 rows (people); at least 20 are needed to "
        "hold people out for the privacy baseline (if another table holds the people, name "
        "it as root in relations.toml)\n"
    )
    assert not (tmp_path / "parts").exists()


@pytest.fixture(scope="module")
def fitted(export, tmp_path_factory):
    """``split``, then ``fit`` on the training side, then ``sample``: the steps of ``run``."""
    root = tmp_path_factory.mktemp("fitted")
    assert _invoke("split", str(export), "-o", str(root / "parts")).exit_code == 0
    model = root / "ehr.synthpriv"
    fit = _invoke("--json", "fit", str(root / "parts" / "train"), "-o", str(model), *FAST)
    sample = _invoke("--json", "sample", str(model), "-n", "50", "-o", str(root / "synthetic"))
    return root, model, fit, sample


def test_fit_then_sample_of_a_folder_writes_linked_tables_of_fresh_keys(export, fitted):
    root, model, fit, sample = fitted
    assert fit.exit_code == ExitStatus.SUCCESS, fit.output
    assert sample.exit_code == ExitStatus.SUCCESS, sample.output
    header = json.loads(fit.stdout)
    assert header["kind"] == "linked" and header["root"] == "PATIENTS" and header["people"] > 50
    synthetic = _tables(root / "synthetic")
    assert sorted(synthetic) == TABLES
    assert synthetic["PATIENTS"].height == 50
    assert json.loads(sample.stdout)["tables"] == {t: f.height for t, f in synthetic.items()}
    # every synthetic foreign key has a synthetic parent
    people = synthetic["PATIENTS"].get_column("SUBJECT_ID").implode()
    stays = synthetic["ADMISSIONS"].get_column("HADM_ID").implode()
    assert synthetic["ADMISSIONS"].height and synthetic["DIAGNOSES_ICD"].height
    assert synthetic["ADMISSIONS"].get_column("SUBJECT_ID").is_in(people).all()
    assert synthetic["DIAGNOSES_ICD"].get_column("HADM_ID").is_in(stays).all()
    # no key value of the input, and no name, reaches a synthetic table
    real = _tables(export)
    for table, frame in synthetic.items():
        for column in ("ROW_ID", "SUBJECT_ID", "HADM_ID"):
            if column in frame.columns:
                keys = pl.concat(
                    [f.get_column(column) for f in real.values() if column in f.columns]
                )
                assert not frame.get_column(column).is_in(keys.implode()).any(), (table, column)
    names = set(real["PATIENTS"].get_column("NAME"))
    text = "".join(p.read_text() for p in (root / "synthetic").glob("*.csv"))
    assert not [n for n in names if n in text]
    assert "NAME" not in synthetic["PATIENTS"].columns
    assert "CONTACT" not in synthetic["ADMISSIONS"].columns


def test_the_model_file_of_a_folder_holds_no_identifier_or_key_of_the_input(export, fitted):
    _, model, _, _ = fitted
    data = model.read_bytes()
    real = _tables(export)
    names = set(real["PATIENTS"].get_column("NAME")) | set(real["ADMISSIONS"].get_column("CONTACT"))
    found = [n for n in names if n.encode() in data or n.split(" ")[1].encode() in data]
    assert not found
    # the surrogate keys start above the input's: the largest key of the input is not stored
    from synthpriv import synth
    from synthpriv.linked_run import FolderModel

    stored = synth.load_model(model, kinds=(FolderModel,)).model
    starts = {t: p.key_start for t, p in stored.plans.items()}
    top = {
        t: int(real[t].get_column(p.key).max())
        for t, p in stored.plans.items()
        if p.key is not None
    }
    assert all(starts[t] > top[t] for t in top), (starts, top)


def test_sampling_a_folder_model_is_seeded(fitted, tmp_path):
    root, model, _, _ = fitted
    again = _invoke("sample", str(model), "-n", "50", "-o", str(tmp_path / "again"))
    other = _invoke("sample", str(model), "-n", "50", "-o", str(tmp_path / "other"), "--seed", "9")
    assert again.exit_code == other.exit_code == ExitStatus.SUCCESS
    first = (root / "synthetic" / "ADMISSIONS.csv").read_text()
    assert (tmp_path / "again" / "ADMISSIONS.csv").read_text() == first
    assert (tmp_path / "other" / "ADMISSIONS.csv").read_text() != first


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            ["fit", "{export}", "-o", "{out}", "--engine", "mst", "--epsilon", "1"],
            "error: engine 'mst' cannot synthesize linked tables",
        ),
        (
            ["fit", "{export}/PATIENTS.csv", "-o", "{out}", "--policy", "strict"],
            "error: --policy and --key-file are for a folder of linked tables",
        ),
        (
            ["sample", "{model}", "-n", "5", "-o", "{out}", "--condition", "GENDER=F"],
            "error: --condition, --privacy-filter, --quality-filter, --train and --holdout are",
        ),
    ],
)
def test_what_a_folder_cannot_take_is_refused_in_one_line(
    export, fitted, tmp_path, command, message
):
    _, model, _, _ = fitted
    out = tmp_path / "out"
    args = [a.format(export=export, out=out, model=model) for a in command]
    result = _invoke(*args, *FAST[: 2 if command[0] == "fit" else 0])
    assert result.exit_code == ExitStatus.CONFIG_ERROR, result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not out.exists()


def test_a_single_table_model_is_not_taken_for_a_folder_model(tmp_path):
    from synthpriv import synth

    (tmp_path / "m.synthpriv").write_bytes(synth.MAGIC + b"{}\n")
    assert synth.model_kind(tmp_path / "m.synthpriv") == "table"
    result = _invoke("sample", str(tmp_path / "m.synthpriv"), "-n", "5", "-o", str(tmp_path / "o"))
    assert result.exit_code == ExitStatus.MODEL_ERROR
    assert result.stderr == (
        f"error: {tmp_path / 'm.synthpriv'}: model file is corrupt or was modified "
        "(checksum mismatch)\n"
    )


def test_report_of_the_steps_folders_is_the_folder_report(export, fitted):
    root, _, _, _ = fitted
    parts, out = root / "parts", root / "report"
    result = _invoke(
        "--json",
        "report",
        "--real",
        str(parts / "train"),
        "--synthetic",
        str(root / "synthetic"),
        "--holdout",
        str(parts / "holdout"),
        "-o",
        str(out),
        *FAST,
    )
    summary = json.loads((out / "report.json").read_text())
    assert result.exit_code == summary["exit_code"], result.output
    assert json.loads(result.stdout)["verdict"] == summary["verdict"]
    assert set(summary["tables"]) == set(TABLES)
    assert set(summary["foreign_keys_resolved"].values()) == {1.0}
    assert {g["name"] for g in summary["persons"]["gates"]} >= {"exact_copies", "near_copies"}
    assert summary["tables"]["PATIENTS"]["rows"]["synthetic"] == 50
    real = _tables(export)  # the real rows are both sides: what 'run' was given
    assert {t: s["rows"]["real"] for t, s in summary["tables"].items()} == {
        t: f.height for t, f in real.items()
    }
    assert (out / "report.html").exists() and (out / "persons" / "report.html").exists()
    assert all((out / "tables" / t / "report.json").exists() for t in TABLES)
    names = set(_tables(export)["PATIENTS"].get_column("NAME"))
    text = "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    assert not [n for n in names if n in text]


def test_a_holdout_key_in_a_synthetic_table_fails_the_folder_report(export, fitted, tmp_path):
    """A key of a person held out (never fitted on) is still an input key: residual PII."""
    root, _, _, _ = fitted
    parts = root / "parts"
    held = pl.read_csv(parts / "holdout" / "PATIENTS.csv").get_column("SUBJECT_ID")[0]
    leaked = tmp_path / "leaked"
    leaked.mkdir()
    for path in (root / "synthetic").glob("*.csv"):
        frame = pl.read_csv(path)
        if path.stem == "PATIENTS":
            first = frame.get_column("SUBJECT_ID")[0]
            frame = frame.with_columns(pl.col("SUBJECT_ID").replace(first, held))
        frame.write_csv(leaked / path.name)
    out = tmp_path / "report"
    args = ["--real", str(parts / "train"), "--synthetic", str(leaked)]
    result = _invoke("report", *args, "--holdout", str(parts / "holdout"), "-o", str(out), *FAST)
    summary = json.loads((out / "report.json").read_text())
    assert result.exit_code == summary["exit_code"] == ExitStatus.PRIVACY_GATE_FAILED
    assert summary["tables"]["PATIENTS"]["failed_gates"] == ["residual_pii"]
    assert str(held) not in (out / "tables" / "PATIENTS" / "report.json").read_text()


@pytest.mark.parametrize(
    ("extra", "message", "code"),
    [
        ([], "error: a folder's report needs --holdout", ExitStatus.CONFIG_ERROR),
        (
            ["--holdout", "{parts}/train/PATIENTS.csv"],
            "error: {parts}/train/PATIENTS.csv: not a folder",
            ExitStatus.INPUT_ERROR,
        ),
    ],
)
def test_a_folder_report_refuses_what_it_cannot_use(fitted, extra, message, code):
    root, _, _, _ = fitted
    parts, out = root / "parts", root / "refused"
    args = ["--real", str(parts / "train"), "--synthetic", str(root / "synthetic")]
    result = _invoke(
        "report", *args, *[a.format(parts=parts) for a in extra], "-o", str(out), *FAST
    )
    assert result.exit_code == code, result.output
    assert result.stderr.startswith(message.format(parts=parts)), result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()


def test_the_steps_give_what_run_gives_for_the_same_seed(export, fitted, tmp_path):
    """split, fit, sample and report are run FOLDER's stages: the same tables, the same verdicts."""
    root, model, _, _ = fitted
    ran = _invoke("run", str(export), "-o", str(tmp_path / "run"), *FAST)
    people = pl.read_csv(root / "parts" / "train" / "PATIENTS.csv").height
    drawn = _invoke("sample", str(model), "-n", str(people), "-o", str(tmp_path / "synthetic"))
    assert drawn.exit_code == ExitStatus.SUCCESS, drawn.output
    for table in TABLES:
        name = f"{table}.csv"
        assert (tmp_path / "synthetic" / name).read_bytes() == (
            tmp_path / "run" / "synthetic" / name
        ).read_bytes(), table
    parts = root / "parts"
    args = ["--real", str(parts / "train"), "--holdout", str(parts / "holdout")]
    out = tmp_path / "report"
    synthetic = ["--synthetic", str(tmp_path / "synthetic")]
    reported = _invoke("report", *args, *synthetic, "-o", str(out), *FAST)
    assert reported.exit_code == ran.exit_code, reported.output
    by_run = json.loads((tmp_path / "run" / "report.json").read_text())
    by_steps = json.loads((out / "report.json").read_text())
    # the folder's name differs, and the links' evidence counts the training side's rows only
    differ = {"folder", "relations"}
    assert {k for k in by_run if by_run[k] != by_steps[k]} <= differ
    assert by_steps["tables"] == by_run["tables"] and by_steps["persons"] == by_run["persons"]
    # scan of the training side: the column schemas run wrote (it scans its training rows)
    scanned = _invoke("scan", str(parts / "train"), "-o", str(tmp_path / "s.json"), *FAST)
    assert scanned.exit_code == ExitStatus.SUCCESS, scanned.output
    by_scan = json.loads((tmp_path / "s.json").read_text())
    run_schema = json.loads((tmp_path / "run" / "schema.json").read_text())
    assert by_scan["key_columns"] == run_schema["key_columns"]
    for table in TABLES:
        mine, theirs = by_scan["tables"][table], run_schema["tables"][table]
        assert mine["columns"] == theirs["columns"], table
        assert mine["source"] == theirs["source"] | {"folder": "train"}


def test_scan_of_a_folder_sets_keys_aside_and_finds_each_tables_identifiers(export, tmp_path):
    out = tmp_path / "ehr.schema.json"
    result = _invoke("--json", "scan", str(export), "-o", str(out), *FAST)
    assert result.exit_code == ExitStatus.SUCCESS, result.output
    written = json.loads(out.read_text())
    assert json.loads(result.stdout) == written
    assert written["relations"]["root"] == "PATIENTS"
    assert written["key_columns"]["DIAGNOSES_ICD"] == ["ROW_ID", "SUBJECT_ID", "HADM_ID"]
    roles = {
        t: {c["name"]: c["role"] for c in schema["columns"]}
        for t, schema in written["tables"].items()
    }
    assert roles["PATIENTS"]["NAME"] == roles["ADMISSIONS"]["CONTACT"] == "direct_identifier"
    assert not {"SUBJECT_ID", "HADM_ID", "ROW_ID"} & set().union(*map(set, roles.values()))
    names = set(_tables(export)["PATIENTS"].get_column("NAME"))
    assert not [n for n in names if n in out.read_text()]


def test_scan_of_a_folder_refuses_a_previous_schema(export, tmp_path):
    previous = tmp_path / "p.json"
    previous.write_text("{}")
    out = tmp_path / "s.json"
    result = _invoke("scan", str(export), "--previous", str(previous), "-o", str(out), *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr == (
        "error: --previous takes one table's schema; a folder is scanned without it\n"
    )
    assert not out.exists()


def test_a_folder_model_signed_under_another_key_is_refused(fitted, tmp_path, monkeypatch):
    _, model, _, _ = fitted
    monkeypatch.setenv("SYNTHPRIV_MODEL_KEY", "another-model-key-9876543210")
    out = tmp_path / "synthetic"
    result = _invoke("sample", str(model), "-n", "5", "-o", str(out))
    assert result.exit_code == ExitStatus.MODEL_ERROR
    assert result.stderr.startswith(f"error: {model}: model signature does not verify")
    assert not out.exists()


def test_a_table_model_is_not_sampled_as_a_folder_nor_a_folder_model_as_a_table(fitted):
    from synthpriv import synth
    from synthpriv.errors import ModelError
    from synthpriv.linked_run import FolderModel

    _, model, _, _ = fitted
    assert synth.model_kind(model) == "linked"
    with pytest.raises(ModelError, match="not a synthpriv model"):
        synth.load_model(model)  # the callers of one table's model get one
    assert isinstance(synth.load_model(model, kinds=(FolderModel,)), FolderModel)


def test_run_and_sample_draw_the_same_parts_of_people(export, tmp_path):
    """A folder larger than ``--fit-rows`` is drawn in parts; ``sample`` of its model too."""
    small = ["--fit-rows", "150"]
    ran = _invoke("run", str(export), "-o", str(tmp_path / "run"), *FAST, *small)
    # whatever the gates say, the synthetic tables are written (the gates are not this test's)
    assert (tmp_path / "run" / "synthetic" / "PATIENTS.csv").exists(), ran.output
    assert _invoke("split", str(export), "-o", str(tmp_path / "parts")).exit_code == 0
    model = tmp_path / "ehr.synthpriv"
    fit = _invoke("fit", str(tmp_path / "parts" / "train"), "-o", str(model), *FAST, *small)
    assert fit.exit_code == ExitStatus.SUCCESS, fit.output
    from synthpriv import linked, synth
    from synthpriv.linked_run import FolderModel

    fitted = synth.load_model(model, kinds=(FolderModel,)).model
    people = pl.read_csv(tmp_path / "parts" / "train" / "PATIENTS.csv").height
    assert people > 2 * linked.part_roots(fitted)  # three parts or more
    out = tmp_path / "synthetic"
    assert _invoke("sample", str(model), "-n", str(people), "-o", str(out)).exit_code == 0
    for table in TABLES:
        written = pl.read_csv(out / f"{table}.csv")
        assert written.equals(pl.read_csv(tmp_path / "run" / "synthetic" / f"{table}.csv"))
        assert written.get_column("ROW_ID").n_unique() == written.height


def test_each_step_on_a_folder_holds_its_tables_beside_its_output_and_leaves_nothing(
    export, tmp_path, monkeypatch
):
    """scan, split, clean and fit hold the tables on a shelf, as run does, in a temporary
    folder beside their output (the disk the user chose); it is gone when the step ends,
    and when it fails."""
    from synthpriv import linked_run
    from synthpriv.io import held

    shelves = []
    read = linked_run.read_tables

    def reading(folder, config):
        shelves.append(held.active())
        return read(folder, config)

    monkeypatch.setattr(linked_run, "read_tables", reading)
    out = tmp_path / "out"
    out.mkdir()
    steps = {
        "scan": ["scan", str(export), "-o", str(out / "schema.json")],
        "split": ["split", str(export), "-o", str(out / "parts")],
        "clean": ["clean", str(out / "parts" / "train"), "--schema", str(out / "schema.json")],
        "fit": ["fit", str(out / "parts" / "train"), "-o", str(out / "model.synthpriv")],
    }
    steps["clean"] += ["-o", str(out / "cleaned")]
    for name, args in steps.items():
        shelves.clear()
        result = _invoke(*args)
        assert result.exit_code == ExitStatus.SUCCESS, (name, result.output)
        (shelf,) = shelves
        assert shelf is not None, name
        assert shelf.folder.parent.parent == out, name  # out/.NAME.<pid>-*.tmp/.held
        assert not shelf.folder.parent.exists(), name
    assert sorted(p.name for p in out.iterdir()) == [
        "cleaned",
        "model.synthpriv",
        "parts",
        "schema.json",
    ]

    def failing(*args, **kwargs):
        from synthpriv.errors import ModelError

        raise ModelError("the model could not be fitted")

    monkeypatch.setattr(linked_run, "fit_tables", failing)
    result = _invoke("fit", str(out / "parts" / "train"), "-o", str(out / "again.synthpriv"))
    assert result.exit_code == ExitStatus.MODEL_ERROR, result.output
    assert "the model could not be fitted" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cleaned",
        "model.synthpriv",
        "parts",
        "schema.json",
    ]
