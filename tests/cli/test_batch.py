"""Batch operation: config-only runs, JSON logs, signals and the bad input a cron job meets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthpriv.cli import cli
from synthpriv.errors import InputError
from synthpriv.io import read_table
from synthpriv.report import Report, exit_status_for
from synthpriv.status import ExitStatus
from tests.conftest import ROOT, SAMPLE
from tests.fakes import FakeSynthesizer
from tests.helpers import without_progress


def invoke(*args):
    """Run the CLI with a fake synthesizer: these tests are about batch behaviour, not SDV."""
    return CliRunner().invoke(
        cli, [str(a) for a in args], catch_exceptions=False, obj={"synthesizer": FakeSynthesizer()}
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> pl.DataFrame:
    return pl.read_csv(SAMPLE / "finance.csv", infer_schema=False).head(200)


def test_run_from_config_alone(tmp_path, small):
    (tmp_path / "data").mkdir()
    small.write_csv(tmp_path / "data" / "customers.csv")
    config = tmp_path / "job.toml"
    config.write_text(
        '[io]\ninput = "data/customers.csv"\noutput = "runs/first"\n'
        '[run]\nseed = 4\n[scan]\nnlp_model = "none"\n'
    )
    result = invoke("--json", "run", "--config", config)
    report = json.loads((tmp_path / "runs" / "first" / "report.json").read_text())
    # the independent-columns fake replays rare values: whatever the gates say, the exit code
    # is theirs, and the summary on stdout is this run's
    assert result.exit_code == report_exit(report), result.stderr
    summary = json.loads(result.stdout)
    assert summary["output"] == str(tmp_path / "runs" / "first")
    assert summary["verdict"] == report["verdict"]
    manifest = json.loads((tmp_path / "runs" / "first" / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["config"]["nlp_model"] == "none"


def test_run_without_input_is_a_usage_error(tmp_path):
    result = invoke("run", "-o", tmp_path / "o")
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert "give INPUT on the command line or in the config's [io] table" in result.stderr


def test_json_log_lines_go_to_stderr_and_file(tmp_path, small):
    small.write_csv(tmp_path / "in.csv")
    log = tmp_path / "run.log"
    result = invoke(
        "-q",
        "--log-format",
        "json",
        "--log-file",
        log,
        "run",
        tmp_path / "in.csv",
        "-o",
        tmp_path / "o",
        "--nlp-model",
        "none",
    )
    assert result.stdout == ""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["message"].split(":")[0] for line in lines] == [
        "read in.csv",
        "scan",
        "clean",
        "fit",
        "report",
    ]
    assert all(set(line) == {"time", "level", "logger", "message"} for line in lines)
    raw = set(small["customer_name"].to_list()) | set(small["email"].to_list())
    assert not any(value in log.read_text() for value in raw)


@pytest.mark.parametrize(
    ("mutate", "expect_in_report"),
    [
        (lambda f: f.with_columns(pl.lit(None, dtype=pl.String).alias("empty")), "empty"),
        (lambda f: f.with_columns(pl.lit("same").alias("constant")), "constant"),
    ],
)
def test_awkward_columns_still_run(tmp_path, small, mutate, expect_in_report):
    mutate(small).write_csv(tmp_path / "in.csv")
    result = invoke("run", tmp_path / "in.csv", "-o", tmp_path / "o", "--nlp-model", "none")
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    # The fake synthesizer draws columns independently and so replays rare values: whether its
    # singling-out risk crosses 20% on 200 rows is not what this test is about. The run must
    # finish with a report, and its exit code must be the report's verdict, not an error.
    assert result.exit_code == report_exit(report), result.stderr
    assert "error" not in result.stderr.lower()
    assert expect_in_report in (
        report["data"]["columns_compared"] + report["data"]["columns_not_compared"]
    )


def test_free_text_beyond_the_redaction_budget_is_dropped_and_said(tmp_path, small):
    words = [  # 200 distinct cells of ~10 kB, each with an e-mail address
        f"Note {i}: write to person{i}@example.org. " + "nothing else of note " * 500
        for i in range(small.height)
    ]
    small.with_columns(pl.Series("huge_text", words)).write_csv(tmp_path / "in.csv")
    config = tmp_path / "job.toml"
    config.write_text('[scan]\nnlp_model = "none"\n[budgets]\nredact_chars = 1000000\n')
    result = invoke("run", tmp_path / "in.csv", "-o", tmp_path / "o", "--config", config)
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert result.exit_code == report_exit(report), result.stderr  # the fake's own verdict
    assert "huge_text" not in report["data"]["columns_compared"]
    columns = json.loads((tmp_path / "o" / "audit.json").read_text())["columns"]
    audit = {c["column"]: c for c in columns}
    assert audit["huge_text"]["action"] == "drop"
    assert audit["huge_text"]["detail"].startswith("over the redaction budget")
    assert "huge_text" not in pl.read_csv(tmp_path / "o" / "synthetic.csv").columns


def test_wrong_delimiter_is_sniffed(tmp_path, small):
    small.write_csv(tmp_path / "in.csv", separator=";")
    assert read_table(tmp_path / "in.csv").width == small.width


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(min_size=0, max_size=400))
def test_any_bytes_give_a_table_or_an_input_error(tmp_path, content):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(content)
    try:
        frame = read_table(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        assert frame.height >= 1 and frame.width >= 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(st.text(alphabet='ab,"\n1;', max_size=6), min_size=1, max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_any_csv_like_text_gives_a_table_or_an_input_error(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    text = "\n".join(",".join(r) for r in rows)
    path.write_text(text)
    try:
        frame = read_table(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))
    else:
        # a table: named, distinct columns; rows no more than the lines written; file untouched
        assert frame.width >= 1 and len(set(frame.columns)) == frame.width
        assert all(name.strip() for name in frame.columns)
        assert frame.height <= text.count("\n") + 1
    assert path.read_text() == text


def test_sigterm_leaves_nothing_behind(tmp_path):
    """A real process, a real signal: exit 130, no run directory, no temp directory, no lock."""
    out = tmp_path / "o"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "synthpriv",
            "run",
            str(SAMPLE / "healthcare.csv"),
            "-o",
            str(out),
            "--nlp-model",
            "none",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        p.name.endswith(".tmp") for p in tmp_path.iterdir()
    ):
        time.sleep(0.05)
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "the run never started"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == ExitStatus.INTERRUPTED
    assert stderr.strip().endswith("interrupted; no partial output was left behind")
    assert list(tmp_path.iterdir()) == []


def test_target_adds_ml_utility_and_must_exist(tmp_path, small):
    small.write_csv(tmp_path / "in.csv")
    result = invoke(
        "run", tmp_path / "in.csv", "-o", tmp_path / "o", "--nlp-model", "none", "--target", "nope"
    )
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert without_progress(result.stderr) == (
        "error: target column 'nope' is not a column of in.csv\n"
    )
    result = invoke(
        "run",
        tmp_path / "in.csv",
        "-o",
        tmp_path / "o",
        "--nlp-model",
        "none",
        "--target",
        "credit_score",
    )
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    # about the target's figures: the fake's verdict is the report's (it can be borderline)
    assert result.exit_code == report_exit(report), result.stderr
    utility = report["fidelity"]["ml_utility"]
    assert utility["task"] == "regression" and set(utility["train_synthetic_test_real"]) == {
        "r2",
        "mae",
    }


def test_the_validation_filter_is_a_step_of_run_and_reported_before_and_after(tmp_path, small):
    small.write_csv(tmp_path / "in.csv")
    args = ["run", tmp_path / "in.csv", "-o", tmp_path / "o", "--nlp-model", "none"]
    result = invoke(*args, "--privacy-filter", "--quality-filter")
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    filtered = report["synthesis"]["filter"]
    assert set(filtered) >= {"rows_drawn", "rows_removed", "distance_threshold", "rounds"}
    assert set(filtered["removed_by"]) == {"too_close", "clearly_synthetic"}
    assert filtered["rows_drawn"] >= report["data"]["synthetic_rows"]
    assert 0.0 <= filtered["quality_flagged_first_draw"] <= 1.0
    effect = filtered["effect"]
    for side in ("before", "after"):
        assert set(effect[side]) >= {"fidelity_score", "discriminator_auc", "dcr_share", "mia_auc"}
    assert effect["after"]["rows"] == report["data"]["synthetic_rows"]
    assert effect["after"]["dcr_share"] == report["privacy"]["dcr"]["share_closer_to_train"]
    html = (tmp_path / "o" / "report.html").read_text()
    assert 'id="privacy-filter"' in html and 'id="quality-filter"' in html
    assert 'id="filter-effect"' in html
    # the officer's sentence follows the membership interval after filtering, either side of 0.5
    from synthpriv.report.html import render_html

    for interval, sentence in [
        ([0.52, 0.60], "can still tell better than chance"),
        ([0.46, 0.49], "Filtering left a mark"),
        ([0.45, 0.55], "Filtering did not give an attacker a way"),
    ]:
        effect["after"]["mia_auc_ci95"] = interval
        assert sentence in render_html(Report.from_dict(report))
    # 200 rows leave a holdout of about 40: too few to measure the check's own pull, and said
    held = report["data"]["holdout_rows"]
    assert held < 200
    assert effect["unseen_real"] == {"skipped": f"the holdout has {held} rows; this needs 200"}
    assert f"was not measured: the holdout has {held} rows; this needs 200." in html

    # measured: the synthetic rows' share after filtering is read against unseen rows' share
    def share(value, low, high):
        return {"dcr_share": value, "dcr_share_ci95": [low, high]}

    effect["unseen_real"] = {
        "rows": 5000,
        "rows_kept": 4700,
        "unseen": {"before": share(0.501, 0.457, 0.545), "after": share(0.486, 0.441, 0.531)},
        "synthetic": {"before": share(0.58, 0.55, 0.61), "after": share(0.56, 0.545, 0.575)},
    }
    pull = render_html(Report.from_dict(report))
    assert (
        "unseen real people (the other half, 5,000 rows) score 0.501, and 0.486 "
        "(0.441&ndash;0.531) once put through the same check; the synthetic rows score 0.580 "
        "before filtering and "
        "0.560 (0.545&ndash;0.575) after" in pull
    )
    assert "against 0.486, not against 0.5: it lies above" in pull
    effect["unseen_real"]["synthetic"]["after"] = share(0.5, 0.485, 0.515)
    assert "against 0.486, not against 0.5." in render_html(Report.from_dict(report))
    assert result.exit_code == report_exit(report)
    invoke("run", tmp_path / "in.csv", "-o", tmp_path / "p", "--nlp-model", "none")
    plain = json.loads((tmp_path / "p" / "report.json").read_text())
    assert "filter" not in plain["synthesis"]


def report_exit(report: dict) -> int:
    """The exit code report.json's gates call for, read back through the report's types."""
    return exit_status_for(Report.from_dict(report))
