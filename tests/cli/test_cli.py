"""The command line: exact exit codes and messages, stdout for data, stderr for the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.report.gates import HOLDOUT_GATES, PRIVACY_GATES, exit_status_for
from synthpriv.report.model import Report
from synthpriv.status import ExitStatus
from tests.conftest import SAMPLE
from tests.helpers import assert_gates_consistent, without_progress

FAST = ["--nlp-model", "none"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "patients.csv"
    pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False).head(300).write_csv(path)
    return path


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_version(runner):
    result = invoke(runner, "--version")
    assert result.exit_code == 0 and result.stdout.startswith("synthpriv, version ")


@pytest.mark.parametrize("command", sorted(cli.commands))  # a new command cannot be left out
def test_every_command_has_help_with_an_example(runner, command):
    result = invoke(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and f"synthpriv {command}" in result.stdout
    doc = Path(__file__).resolve().parents[2] / "docs" / "commands.md"
    assert f"## `synthpriv {command}" in doc.read_text()


def _file(name: str, content: bytes | None):
    def make(directory: Path) -> Path:
        path = directory / name
        if content is not None:
            path.write_bytes(content)
        return path

    return make


def _folder(*tables: str):
    def make(directory: Path) -> Path:
        path = directory / "export"
        path.mkdir()
        (path / "README.md").write_text("notes\n")
        for name in tables:
            (path / name).write_text("id,x\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
        return path

    return make


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (_file("missing.csv", None), "file not found"),
        (_file("empty.csv", b""), "file is empty"),
        (_file("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00"), "binary content, not a CSV or Parquet file"),
        (_file("h.csv", b"a,b\n"), "has a header but no data rows"),
        (_folder(), "a folder with no CSV or Parquet file in it; give a table's file"),
        (
            _folder("visits.csv"),
            "a folder of one table (visits.csv); give that file, or a folder of two or more "
            "linked tables",
        ),
    ],
)
def test_bad_input_one_line_exit_3_and_no_output(runner, tmp_path, setup, message):
    path = setup(tmp_path)
    out = tmp_path / "out"
    result = invoke(runner, "run", path, "-o", out, *FAST)
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert result.stderr == f"error: {path}: {message}\n"
    assert result.stdout == ""
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_too_few_rows(runner, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    result = invoke(runner, "run", path, "-o", tmp_path / "out", *FAST)
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert without_progress(result.stderr).startswith(
        f"error: {path}: table has 2 rows; at least 20 are needed"
    )
    assert not (tmp_path / "out").exists()


def test_existing_output_is_a_usage_error(runner, tmp_path, small_csv):
    (tmp_path / "out").mkdir()
    result = invoke(runner, "run", small_csv, "-o", tmp_path / "out", *FAST)
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert result.stderr == (
        f"error: {tmp_path / 'out'}: output already exists; "
        "choose another path or pass --overwrite\n"
    )


def test_bad_config_exit_4(runner, tmp_path, small_csv):
    config = tmp_path / "job.toml"
    config.write_text("[gates]\nfidelity_min = 3\n")
    result = invoke(runner, "run", small_csv, "-o", tmp_path / "out", "--config", config)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr == f"error: {config}: invalid at gates/fidelity_min: must be at most 1\n"


def test_unknown_option_is_usage_error(runner):
    result = invoke(runner, "run", "--frobnicate")
    assert result.exit_code == ExitStatus.USAGE_ERROR


def test_step_by_step(runner, tmp_path, small_csv):
    """The README's steps: split, scan and clean the training rows, fit, sample, report."""
    parts = tmp_path / "parts"
    result = invoke(runner, "--json", "split", small_csv, "-o", parts, "--seed", 3)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]  # by row hashes: a fifth up to chance (sd 7)
    assert rows["train"] + rows["holdout"] == 300 and 40 <= rows["holdout"] <= 80
    train, holdout = parts / "train.csv", parts / "holdout.csv"

    schema = tmp_path / "s.json"
    result = invoke(runner, "scan", train, "-o", schema, *FAST)
    assert result.exit_code == 0, result.stderr
    assert "column schema written to" in result.stderr
    roles = {c["name"]: c["role"] for c in json.loads(schema.read_text())["columns"]}
    assert roles["ssn"] == "direct_identifier" and roles["clinical_note"] == "free_text_pii"

    clean = tmp_path / "clean.csv"
    result = invoke(
        runner, "clean", train, "--schema", schema, "--holdout", holdout, "-o", clean, *FAST
    )
    assert result.exit_code == 0, result.stderr
    assert "verified: no direct identifier left" in result.stderr
    assert "cleaned holdout (fitted on train.csv)" in result.stderr
    cleaned = pl.read_csv(clean)
    clean_holdout = pl.read_csv(tmp_path / "clean.holdout.csv")
    assert "ssn" not in cleaned.columns
    assert clean_holdout.columns == [c for c in cleaned.columns if c != "clinical_note"]

    model = tmp_path / "m.synthpriv"
    result = invoke(runner, "fit", clean, "-o", model, "--seed", 5, *FAST)
    assert result.exit_code == 0, result.stderr
    assert "left out clinical_note: free text is not synthesized" in result.stderr

    synthetic = tmp_path / "syn.csv"
    result = invoke(runner, "--json", "sample", model, "-n", 240, "-o", synthetic)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows"] == 240
    # without -n, as many rows as the model was fitted on (this crashed: exit 1, TypeError)
    same_size = tmp_path / "same_size.csv"
    result = invoke(runner, "sample", model, "-o", same_size)
    assert result.exit_code == 0, result.stderr
    assert pl.read_csv(same_size).height == cleaned.height

    real_schema = tmp_path / "clean.csv.schema.json"
    base = ["--json", "report", "--real", clean, "--synthetic", synthetic, "--schema", real_schema]
    holdout_dir = tmp_path / "with-holdout"
    result = invoke(runner, *base, "--holdout", tmp_path / "clean.holdout.csv", "-o", holdout_dir)
    summary = json.loads(result.stdout)
    # Every gate measured, and the exit code is the one the gates give. Whether 240 training
    # rows pass the membership gate depends on the engine: the default trees sit at its edge
    # (AUC 0.603 against 0.60 here), so the code is checked against the report, not fixed.
    report = json.loads((holdout_dir / "report.json").read_text())
    assert result.exit_code == summary["exit_code"] == exit_status_for(Report.from_dict(report))
    assert_gates_consistent(report)  # each status follows from the figures it states
    assert [g["name"] for g in summary["gates"]] == ["fidelity", *PRIVACY_GATES]
    assert "SKIP" not in {g["status"] for g in summary["gates"]}

    # Without the holdout the privacy checks cannot run: INCOMPLETE, never PASS.
    report_dir = tmp_path / "rep"
    result = invoke(runner, *base, "-o", report_dir)
    summary = json.loads(result.stdout)
    assert result.exit_code == ExitStatus.INCOMPLETE
    assert summary["verdict"] == "INCOMPLETE" and summary["exit_code"] == 9
    skipped = {g["name"] for g in summary["gates"] if g["status"] == "SKIP"}
    assert skipped == set(HOLDOUT_GATES)
    assert sorted(p.name for p in report_dir.iterdir()) == [
        "manifest.json",
        "report.html",
        "report.json",
    ]
    assert "Not every privacy check could be made" in (report_dir / "report.html").read_text()


def test_training_rows_nudged_by_one_are_never_a_pass(runner, tmp_path, small_csv):
    """The issue's reproduction: the training rows, one number moved by 1, as 'synthetic'."""
    parts = tmp_path / "parts"
    invoke(runner, "split", small_csv, "-o", parts)
    train = pl.read_csv(parts / "train.csv").drop("clinical_note", "patient_name", "ssn")
    holdout = pl.read_csv(parts / "holdout.csv").drop("clinical_note", "patient_name", "ssn")
    train.write_csv(tmp_path / "train.csv")
    holdout.write_csv(tmp_path / "holdout.csv")
    nudged = train.with_columns(pl.col("charges") + 1)
    nudged.write_csv(tmp_path / "fake.csv")
    base = [
        "--json",
        "report",
        "--real",
        tmp_path / "train.csv",
        "--synthetic",
        tmp_path / "fake.csv",
    ]
    result = invoke(runner, *base, "-o", tmp_path / "a")
    # Without a holdout most gates cannot be judged, but the rows repeat the training rows'
    # values position by position: the row-order check fails it on its own.
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED
    alone = {g["name"]: g for g in json.loads(result.stdout)["gates"]}
    assert alone["residual_pii"]["status"] == "FAIL"
    assert alone["residual_pii"]["value"] > alone["residual_pii"]["threshold"]
    result = invoke(runner, *base, "--holdout", tmp_path / "holdout.csv", "-o", tmp_path / "b")
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED
    failed = {g["name"] for g in json.loads(result.stdout)["gates"] if g["status"] == "FAIL"}
    assert "near_copies" in failed  # every row sits next to its training twin


def test_fit_refuses_uncleaned_table(runner, tmp_path, small_csv):
    result = invoke(runner, "fit", small_csv, "-o", tmp_path / "m", *FAST)
    assert result.exit_code == ExitStatus.RESIDUAL_PII
    assert result.stderr.startswith("error: column 'patient_name' is a direct identifier (PERSON)")
    assert not (tmp_path / "m").exists()


def test_tampered_model_exit_8(runner, tmp_path):
    bad = tmp_path / "m.synthpriv"
    bad.write_bytes(b"SYNTHPRIV-MODEL/1\n{}\npayload")
    result = invoke(runner, "sample", bad, "-n", 5, "-o", tmp_path / "o.csv")
    assert result.exit_code == ExitStatus.MODEL_ERROR
    assert (
        result.stderr
        == f"error: {bad}: model file is corrupt or was modified (checksum mismatch)\n"
    )


def test_copied_training_rows_fail_the_privacy_gate(runner, tmp_path):
    real = tmp_path / "real.csv"
    pl.read_csv(SAMPLE / "finance.csv").select(
        "annual_income", "balance", "credit_score", "default_flag"
    ).write_csv(real)
    frame = pl.read_csv(real)
    train, holdout = tmp_path / "train.csv", tmp_path / "holdout.csv"
    frame.head(1500).write_csv(train)
    frame.tail(500).write_csv(holdout)
    result = invoke(
        runner,
        "report",
        "--real",
        train,
        "--synthetic",
        train,
        "--holdout",
        holdout,
        "-o",
        tmp_path / "r",
    )
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED
    assert "FAIL" in result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert {g["name"]: g["status"] for g in report["gates"]}["exact_copies"] == "FAIL"


def test_strict_fidelity_gate_exit_7(runner, tmp_path):
    frame = pl.read_csv(SAMPLE / "finance.csv").select("annual_income", "credit_score")
    train, holdout, synthetic = tmp_path / "t.csv", tmp_path / "h.csv", tmp_path / "s.csv"
    frame.head(1000).write_csv(train)
    frame.tail(500).write_csv(holdout)
    frame.with_columns(pl.col("annual_income") * 3, pl.col("credit_score") - 200).slice(
        1000, 500
    ).write_csv(synthetic)
    result = invoke(
        runner,
        "report",
        "--real",
        train,
        "--synthetic",
        synthetic,
        "--holdout",
        holdout,
        "-o",
        tmp_path / "r",
    )
    assert result.exit_code == ExitStatus.FIDELITY_GATE_FAILED


def test_config_init(runner, tmp_path):
    path = tmp_path / "job.toml"
    assert invoke(runner, "config", "init", path).exit_code == 0
    assert "[gates]" in path.read_text()
    again = invoke(runner, "config", "init", path)
    assert again.exit_code == ExitStatus.USAGE_ERROR
    assert again.stderr == (
        f"error: {path}: output already exists; choose another path or pass --overwrite\n"
    )
    assert invoke(runner, "config", "init", path, "--force").exit_code == 0


def test_internal_errors_hide_the_message(runner, tmp_path, monkeypatch, small_csv):
    secret = "-".join(["123", "45", "6789"])  # built at run time: the source line shows code

    def boom(*args, **kwargs):
        raise ValueError(f"secret cell value {secret}")

    monkeypatch.setattr("synthpriv.pipeline.run", boom)
    result = invoke(runner, "run", small_csv, "-o", tmp_path / "o")
    assert result.exit_code == ExitStatus.INTERNAL_ERROR
    assert result.stderr == "internal error: ValueError (re-run with -v for the traceback)\n"
    verbose = invoke(runner, "-v", "run", small_csv, "-o", tmp_path / "o")
    assert verbose.exit_code == ExitStatus.INTERNAL_ERROR
    assert "Traceback (most recent call last)" in verbose.stderr
    assert (
        "in boom" in verbose.stderr and "builtins.ValueError: (message withheld" in verbose.stderr
    )
    assert "123-45-6789" not in verbose.stderr


def test_interrupt_exit_130_and_no_output(runner, tmp_path, monkeypatch, small_csv):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("synthpriv.synth.fit", interrupted)
    result = invoke(runner, "run", small_csv, "-o", tmp_path / "o", *FAST)
    assert result.exit_code == ExitStatus.INTERRUPTED
    assert without_progress(result.stderr) == "interrupted; no partial output was left behind\n"
    assert list(tmp_path.iterdir()) == []


def test_pseudonymize_needs_a_key_then_fits(runner, tmp_path, small_csv, monkeypatch):
    schema = tmp_path / "s.json"
    assert invoke(runner, "scan", small_csv, "-o", schema, *FAST).exit_code == 0
    out = tmp_path / "p.csv"
    monkeypatch.delenv("SYNTHPRIV_PSEUDONYM_KEY", raising=False)
    result = invoke(
        runner, "clean", small_csv, "--schema", schema, "-o", out, "--policy", "pseudonymize", *FAST
    )
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.startswith("error: operator 'hash' needs a secret key")
    assert not out.exists()
    key = tmp_path / "pseudonym.key"
    key.write_text("a-long-enough-secret-key")
    key.chmod(0o600)
    result = invoke(
        runner,
        "clean",
        small_csv,
        "--schema",
        schema,
        "-o",
        out,
        "--policy",
        "pseudonymize",
        "--key-file",
        key,
        *FAST,
    )
    assert result.exit_code == 0, result.stderr
    cleaned = pl.read_csv(out)
    assert cleaned["ssn"].str.len_chars().unique().to_list() == [16]
    audit = json.loads((tmp_path / "p.csv.audit.json").read_text())
    assert audit["policy"] == "pseudonymize" and len(audit["policy_sha256"]) == 64
    result = invoke(
        runner, "fit", out, "--schema", tmp_path / "p.csv.schema.json", "-o", tmp_path / "m"
    )
    assert result.exit_code == 0, result.stderr
    assert "left out ssn: pseudonymized identifier (hash); not synthesized" in result.stderr


def test_run_under_hipaa_safe_harbor(runner, tmp_path, small_csv):
    from tests.fakes import FakeSynthesizer

    # The test is about the policy: a fake synthesizer (independent columns) keeps it fast; its
    # fidelity and membership figures sit near their thresholds on 240 rows, so the exit code is
    # checked to be the report's verdict, and the policy's own gate to pass.
    args = ["run", small_csv, "-o", tmp_path / "o", "--policy", "hipaa-safe-harbor", *FAST]
    result = runner.invoke(cli, [str(a) for a in args], obj={"synthesizer": FakeSynthesizer()})
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert result.exit_code == exit_status_for(Report.from_dict(report)), result.stderr
    gates = {g["name"]: g["status"] for g in report["gates"]}
    assert gates["residual_pii"] == gates["exact_copies"] == "PASS"
    audit = json.loads((tmp_path / "o" / "audit.json").read_text())
    actions = {c["column"]: c["action"] for c in audit["columns"]}
    assert audit["policy"] == "hipaa-safe-harbor"
    assert actions["admission_date"] == "generalize" and actions["zip"] == "generalize"
    synthetic = pl.read_csv(tmp_path / "o" / "synthetic.csv")
    assert synthetic["admission_date"].dtype == pl.Int64  # year only


def test_fit_options_are_checked_and_sample_takes_conditions(runner, tmp_path):
    table = tmp_path / "t.csv"
    rng = np.random.default_rng(0)
    pl.DataFrame(
        {
            "age": rng.integers(18, 90, 200),
            "sex": rng.choice(["F", "M"], 200),
            "cost": rng.gamma(2.0, 100.0, 200),
        }
    ).write_csv(table)
    model = tmp_path / "m.synthpriv"
    result = invoke(runner, "fit", table, "-o", model, "--engine", "gan", *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == (
        "error: unknown engine 'gan'; valid engines: cart, gaussian_copula, ctgan, tvae, "
        "copulagan, mst"
    )
    result = invoke(runner, "fit", table, "-o", model, "--engine", "ctgan", "--param", "epoch=1")
    assert (
        result.exit_code == ExitStatus.CONFIG_ERROR
        and "valid: enforce_min_max_values" in result.stderr
    )
    result = invoke(runner, "fit", table, "-o", model, "--constraint", "range:age:x", *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == "error: --constraint 'range:age:x': bounds must be numbers"
    assert not model.exists()
    result = invoke(
        runner, "fit", table, "-o", model, "--constraint", "range:age:30:60", "--seed", 1, *FAST
    )
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "women.parquet"
    result = invoke(runner, "sample", model, "-n", 300, "--condition", "sex=F", "-o", out)
    assert result.exit_code == 0, result.stderr
    frame = pl.read_parquet(out)
    assert frame.height == 300 and set(frame["sex"]) == {"F"}
    assert frame["age"].is_between(30, 60).all()
    result = invoke(
        runner, "sample", model, "-n", 5, "--condition", "sex", "-o", tmp_path / "x.csv"
    )
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == "error: --condition 'sex': expected COLUMN=VALUE"


def test_sample_filters_against_the_cleaned_tables_and_says_what_it_removed(runner, tmp_path):
    rng = np.random.default_rng(3)

    def people(n: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "age": rng.integers(18, 90, n),
                "sex": rng.choice(["F", "M"], n),
                "cost": rng.gamma(2.0, 100.0, n).round(2),
            }
        )

    train, holdout = tmp_path / "train.csv", tmp_path / "holdout.csv"
    people(400).write_csv(train)
    people(100).write_csv(holdout)
    model, out = tmp_path / "m.synthpriv", tmp_path / "s.csv"
    assert invoke(runner, "fit", train, "-o", model, *FAST).exit_code == 0
    result = invoke(runner, "sample", model, "-n", 200, "-o", out, "--privacy-filter")
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == (
        "error: --privacy-filter and --quality-filter need --train (the cleaned table)"
    )
    args = ("sample", model, "-n", 200, "-o", out, "--privacy-filter", "--train", train)
    result = invoke(runner, *args)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == (
        "error: --privacy-filter needs --holdout (the cleaned holdout table)"
    )
    assert not out.exists()
    result = invoke(runner, "--json", *args, "--holdout", holdout, "--quality-filter")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert pl.read_csv(out).height == payload["rows"] == 200
    assert set(payload["filter"]["removed_by"]) == {"too_close", "clearly_synthetic"}
    assert payload["filter"]["rows_drawn"] >= 200 + payload["filter"]["rows_removed"]
    result = invoke(runner, *args, "--holdout", holdout, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().startswith(f"200 synthetic rows written to {out}; ")


def test_the_dp_engine_needs_a_budget_and_its_guarantee_is_reported_and_gated(runner, tmp_path):
    rng = np.random.default_rng(5)
    n = 3000
    table = tmp_path / "t.csv"
    pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "sex": rng.choice(["F", "M"], n),
            "cost": rng.gamma(2.0, 100.0, n).round(2),
        }
    ).write_csv(table)
    model = tmp_path / "m.synthpriv"
    result = invoke(runner, "fit", table, "-o", model, "--engine", "mst", "--epsilon", 1, *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == "error: engine 'mst' needs --delta (e.g. 1e-6, below 1 / rows)"
    args = ("--engine", "mst", "--epsilon", -1, "--delta", 1e-6, *FAST)
    result = invoke(runner, "fit", table, "-o", model, *args)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr.strip() == "error: --epsilon must be a positive number, got -1.0"
    result = invoke(runner, "fit", table, "-o", model, "--epsilon", 1, "--delta", 1e-6, *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert "apply to a differentially private engine (mst), not 'cart'" in result.stderr
    assert not model.exists()
    config = tmp_path / "job.toml"
    config.write_text("[gates]\nmax_epsilon = 5.0\n")
    budget = ("--engine", "mst", "--epsilon", 8, "--delta", 1e-6, *FAST)
    result = invoke(runner, "run", table, "-o", tmp_path / "r", "--config", config, *budget)
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED, result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    gate = next(g for g in report["gates"] if g["name"] == "formal_privacy")
    assert gate["status"] == "FAIL" and gate["value"] == pytest.approx(8.0, abs=1e-3)
    account = report["synthesis"]["preparation"]["differential_privacy"]
    assert account["columns"]["age"]["source"] == "dp"
    html = (tmp_path / "r" / "report.html").read_text()
    assert 'id="differential-privacy"' in html and "domain: bounds of age" in html
    # the guarantee is for the input file, and what it does not cover is said everywhere
    assert "adding or removing any one row of the input file" in html
    assert 'id="dp-not-covered"' in html and "the input file&#39;s hash" in html
    assert "one row added to or removed from the input file" in gate["message"]
    assert "exact numbers of input, training and holdout rows" in gate["message"]
    promise = account["guarantee"]
    assert promise["input_rows"].startswith("each input row went to the training rows")
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["differential_privacy"]["guarantee"] == promise
    assert "not covered (keep with the real data" in result.stderr
    assert "the input file's hash" in result.stderr


@pytest.mark.parametrize("flag", ["--privacy-filter", "--quality-filter"])
def test_a_filter_on_a_dp_model_is_refused_in_one_line(runner, tmp_path, flag):
    rng = np.random.default_rng(6)
    n = 600
    table = tmp_path / "t.csv"
    pl.DataFrame({"age": rng.integers(18, 90, n), "sex": rng.choice(["F", "M"], n)}).write_csv(
        table
    )
    budget = ("--engine", "mst", "--epsilon", 1, "--delta", 1e-6, *FAST)
    result = invoke(runner, "run", table, "-o", tmp_path / "r", flag, *budget)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert without_progress(result.stderr).strip() == (
        f"error: {flag} cannot run on a differentially private model (mst): the filter drops "
        "synthetic rows by comparing them with training rows, so the rows kept would no longer "
        "be covered by the (epsilon, delta) guarantee"
    )
    assert not (tmp_path / "r").exists()
    model = tmp_path / "m.synthpriv"
    assert invoke(runner, "fit", table, "-o", model, *budget).exit_code == 0
    result = invoke(
        runner,
        "sample",
        model,
        "-n",
        100,
        "-o",
        tmp_path / "s.csv",
        flag,
        "--train",
        table,
        "--holdout",
        table,
    )
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert f"error: {flag} cannot run on a differentially private model (mst)" in result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_run_checks_engine_parameters_before_the_long_stages(runner, tmp_path, small_csv):
    out = tmp_path / "run"
    args = ("run", small_csv, "-o", out, "--engine", "tvae", "--param", "epochz=3", *FAST)
    result = invoke(runner, *args)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert without_progress(result.stderr).startswith(
        "error: unknown parameter(s) epochz for engine 'tvae'; valid:"
    )
    assert not out.exists()


NAMES_POLARS_AND_SYNTHPRIV_ADD = [
    "count",
    "len",
    "index",
    "proportion",
    "value",
    "__k",
    "__real",
    "__other",
    "__guess",
    "__row",
]


@pytest.mark.parametrize("engine", ["cart", "mst"])
def test_columns_named_like_what_polars_or_synthpriv_adds_run(runner, tmp_path, engine):
    rng = np.random.default_rng(8)
    n = 400
    columns = {
        name: (rng.integers(0, 30, n) if i % 2 else rng.choice(["a", "b", "c", "d"], n))
        for i, name in enumerate(NAMES_POLARS_AND_SYNTHPRIV_ADD)
    }
    columns["zip"] = [f"{z:05d}" for z in rng.integers(10_000, 99_999, n)]
    table = tmp_path / "t.csv"
    pl.DataFrame(columns).write_csv(table)
    extra = ("--engine", "mst", "--epsilon", 5, "--delta", 1e-6) if engine == "mst" else ()
    result = invoke(runner, "run", table, "-o", tmp_path / "r", *extra, *FAST)
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert result.exit_code == exit_status_for(Report.from_dict(report)), result.stderr
    synthetic = pl.read_csv(tmp_path / "r" / "synthetic.csv")
    assert set(NAMES_POLARS_AND_SYNTHPRIV_ADD) <= set(synthetic.columns)
