"""Every command follows one output rule: never its input, never a folder it did not write."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.status import ExitStatus
from tests.conftest import SAMPLE
from tests.fakes import FakeSynthesizer
from tests.helpers import without_progress

FAST = ["--nlp-model", "none"]


def invoke(*args, synthesizer=None):
    return CliRunner().invoke(
        cli,
        [str(a) for a in args],
        catch_exceptions=False,
        obj={"synthesizer": synthesizer or FakeSynthesizer()},
    )


@pytest.fixture
def folder(tmp_path) -> Path:
    """The issue's reproduction: a folder with the input and a person's note in it."""
    folder = tmp_path / "d"
    folder.mkdir()
    pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False).head(200).write_csv(
        folder / "in.csv"
    )
    (folder / "notes.txt").write_text("x\n")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_overwrite_never_deletes_the_input_or_a_persons_files(folder):
    before = _snapshot(folder)
    result = invoke("run", folder / "in.csv", "-o", folder, "--overwrite", *FAST)
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert result.stderr == (
        f"error: {folder}: holds the input in.csv; choose an output directory that contains "
        "no input\n"
    )
    assert _snapshot(folder) == before


def test_overwrite_refuses_a_folder_synthpriv_did_not_write(folder, tmp_path):
    shutil.move(folder / "in.csv", tmp_path / "in.csv")
    before = _snapshot(folder)
    result = invoke("run", tmp_path / "in.csv", "-o", folder, "--overwrite", *FAST)
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert "has no synthpriv manifest.json, so synthpriv did not write it" in result.stderr
    assert _snapshot(folder) == before


def test_overwrite_replaces_a_run_directory_it_wrote(tmp_path, folder):
    out = tmp_path / "out"
    first = invoke("--json", "run", folder / "in.csv", "-o", out, *FAST)
    assert json.loads(first.stdout)["output"] == str(out), first.stderr
    listed = set(json.loads((out / "manifest.json").read_text())["outputs"])
    assert listed | {"manifest.json"} == {p.name for p in out.iterdir()}
    again = invoke("--json", "run", folder / "in.csv", "-o", out, "--overwrite", *FAST)
    assert json.loads(again.stdout)["exit_code"] == again.exit_code
    (out / "mine.txt").write_text("keep me")
    third = invoke("run", folder / "in.csv", "-o", out, "--overwrite", *FAST)
    assert third.exit_code == ExitStatus.USAGE_ERROR
    assert "holds 1 file(s) synthpriv did not write" in third.stderr
    assert (out / "mine.txt").read_text() == "keep me"


def test_clean_never_replaces_its_input(tmp_path, folder):
    table = folder / "in.csv"
    schema = tmp_path / "s.json"
    assert invoke("scan", table, "-o", schema, *FAST).exit_code == 0
    before = table.read_bytes()
    for flags in ([], ["--overwrite"]):
        result = invoke("clean", table, "--schema", schema, "-o", table, *FAST, *flags)
        assert result.exit_code == ExitStatus.USAGE_ERROR
        assert result.stderr == (
            f"error: {table}: is an input of this command; synthpriv never overwrites its "
            "input, choose another output path\n"
        )
    assert table.read_bytes() == before


WRITING = ["split", "scan", "clean", "fit", "sample", "report", "config"]


def test_every_command_that_writes_is_checked_below():
    assert set(cli.commands) == {*WRITING, "run"}  # run: its own tests (a directory it owns)


@pytest.mark.parametrize("command", WRITING)
def test_every_command_refuses_an_existing_output_without_overwrite(tmp_path, folder, command):
    table, schema = folder / "in.csv", tmp_path / "s.json"
    existing = tmp_path / "existing"
    existing.write_text("precious")
    assert invoke("scan", table, "-o", schema, *FAST).exit_code == 0
    args = {
        "split": ["split", table, "-o", existing],
        "scan": ["scan", table, "-o", existing, *FAST],
        "clean": ["clean", table, "--schema", schema, "-o", existing, *FAST],
        "fit": ["fit", table, "-o", existing, *FAST],
        "sample": ["sample", tmp_path / "m.synthpriv", "-n", "5", "-o", existing],
        "report": ["report", "--real", table, "--synthetic", table, "-o", existing],
        "config": ["config", "init", existing],
    }[command]
    result = invoke(*args)
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert result.stderr == (
        f"error: {existing}: output already exists; choose another path or pass --overwrite\n"
    )
    assert existing.read_text() == "precious"


def test_json_failure_is_one_object_on_stdout_and_the_error_on_stderr(tmp_path, folder):
    result = invoke("--json", "run", tmp_path / "missing.csv", "-o", tmp_path / "o", *FAST)
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert json.loads(result.stdout) == {
        "exit_code": 3,
        "error": f"{tmp_path / 'missing.csv'}: file not found",
        "verdict": None,
        "files": [],
        "output": None,
    }
    assert result.stderr == f"error: {tmp_path / 'missing.csv'}: file not found\n"
    usage = invoke("--json", "run", "-o", tmp_path / "o")
    assert usage.exit_code == ExitStatus.USAGE_ERROR
    assert json.loads(usage.stdout)["exit_code"] == 2
    # an unknown command fails before any command starts: still one object on stdout
    unknown = CliRunner().invoke(cli, ["--json", "frobnicate"])
    assert unknown.exit_code == ExitStatus.USAGE_ERROR
    assert json.loads(unknown.stdout) == {
        "exit_code": 2,
        "error": "No such command 'frobnicate'.",
        "verdict": None,
        "files": [],
        "output": None,
    }


def test_an_unwritable_output_names_the_path(tmp_path, folder):
    blocker = tmp_path / "plain-file"
    blocker.write_text("")
    result = invoke("run", folder / "in.csv", "-o", blocker / "out", *FAST)
    assert result.exit_code == ExitStatus.USAGE_ERROR
    assert without_progress(result.stderr).startswith(
        f"error: {blocker / 'out'}: cannot create its folder ("
    )
