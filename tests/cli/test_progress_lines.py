"""A cron job's log: one line per finished stage, one per minute of a long stage, no values."""

from __future__ import annotations

import json
import logging
import re
import time

import polars as pl
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.progress_lines import LineProgress, duration
from tests.conftest import SAMPLE
from tests.fakes import FakeSynthesizer

STAGES = ["read", "split", "select", "scan", "clean", "fit", "sample", "write", "report", "save"]


def _run(tmp_path, *extra):
    source = tmp_path / "in.csv"
    pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False).head(200).write_csv(source)
    return CliRunner().invoke(
        cli,
        [*extra, "run", str(source), "-o", str(tmp_path / "o"), "--nlp-model", "none"],
        obj={"synthesizer": FakeSynthesizer()},
    )


def test_a_log_file_gets_one_line_per_stage_in_order(tmp_path):
    result = _run(tmp_path)
    lines = [line.strip() for line in result.stderr.splitlines() if ": done in " in line]
    assert [line.split(":")[0].split()[-1] for line in lines] == STAGES, result.stderr
    assert all(re.search(r": done in \d+\.\d s$|: done in \d+ min \d\d s$", ln) for ln in lines)
    names = pl.read_csv(SAMPLE / "healthcare.csv").get_column("patient_name").to_list()
    assert not any(name in result.stderr for name in names)


def test_json_log_lines_and_quiet(tmp_path):
    result = _run(tmp_path, "--log-format", "json")
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    progress = [r for r in records if r["logger"] == "synthpriv.progress"]
    assert [r["message"].split(":")[0] for r in progress] == STAGES
    assert {r["level"] for r in progress} == {"INFO"}
    (tmp_path / "q").mkdir()
    quiet = _run(tmp_path / "q", "--quiet")
    assert "done in" not in quiet.stderr


def test_a_long_stage_says_it_is_still_running_and_the_thread_stops(caplog):
    caplog.set_level(logging.INFO, logger="synthpriv.progress")
    progress = LineProgress(interval=0.05)
    progress.start("report", total=40)
    progress.advance(3)
    time.sleep(0.3)
    progress.finish()
    progress.close()
    messages = [r.getMessage() for r in caplog.records]
    running = [m for m in messages if m.startswith("report: running for ")]
    assert 2 <= len(running) <= 8, messages  # about one per interval, not a busy loop
    assert running[0].endswith(", 3 of 40")
    assert messages[-1].startswith("report: done in ")
    assert not progress._thread.is_alive()


def test_a_failed_stage_is_not_reported_done(tmp_path):
    missing = tmp_path / "nope.csv"
    result = CliRunner().invoke(cli, ["run", str(missing), "-o", str(tmp_path / "o")])
    assert result.stderr == f"error: {missing}: file not found\n"


def test_durations_read_as_people_write_them():
    assert duration(0.42) == "0.4 s"
    assert duration(59.94) == "59.9 s"
    assert duration(185) == "3 min 05 s"
