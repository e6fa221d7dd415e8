"""The output rule: never an input, never someone else's directory, nothing left by dead runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synthpriv.errors import OutputError
from synthpriv.io import MANIFEST, atomic_directory, atomic_files, check_output, output_lock
from synthpriv.status import ExitStatus


def _ours(directory, *names):
    directory.mkdir()
    for name in names:
        (directory / name).write_text(name)
    (directory / MANIFEST).write_text(
        json.dumps({"synthpriv_version": "0", "outputs": {n: "x" for n in names}})
    )


def _dead_pid() -> int:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_output_errors_have_the_output_exit_code():
    assert OutputError.exit_status == ExitStatus.USAGE_ERROR


def test_the_input_itself_is_never_an_output(tmp_path):
    table = tmp_path / "p.csv"
    table.write_text("a\n1\n")
    with pytest.raises(OutputError, match=r"p\.csv: is an input of this command"):
        check_output(table, inputs=[table], overwrite=True)
    with pytest.raises(OutputError, match="is an input"):
        check_output(tmp_path / "." / "p.csv", inputs=[table], overwrite=True)
    assert table.read_text() == "a\n1\n"


def test_a_directory_holding_an_input_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "in.csv").write_text("a\n1\n")
    with pytest.raises(OutputError, match=r"d: holds the input in\.csv"):
        check_output(
            tmp_path / "d", inputs=[tmp_path / "d" / "in.csv"], overwrite=True, directory=True
        )


def test_existing_output_needs_overwrite(tmp_path):
    (tmp_path / "f.json").write_text("{}")
    with pytest.raises(OutputError, match="output already exists; choose another path or pass"):
        check_output(tmp_path / "f.json")
    assert check_output(tmp_path / "f.json", overwrite=True) == tmp_path / "f.json"


def test_overwrite_replaces_only_our_own_directories(tmp_path):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="has no synthpriv manifest.json, so synthpriv did not"):
        check_output(foreign, overwrite=True, directory=True)
    ours = tmp_path / "run"
    _ours(ours, "report.json")
    check_output(ours, overwrite=True, directory=True)
    (ours / "notes.txt").write_text("added by a person")
    with pytest.raises(OutputError, match=r"holds 1 file\(s\) synthpriv did not write"):
        with atomic_directory(ours, overwrite=True):
            pass
    assert (ours / "notes.txt").read_text() == "added by a person"


def test_atomic_directory_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as work:
            (work / "half.csv").write_text("x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_replaces_ours_and_refuses_a_live_lock(tmp_path):
    target = tmp_path / "run"
    with atomic_directory(target) as work:
        (work / "a").write_text("1")
        (work / MANIFEST).write_text(json.dumps({"synthpriv_version": "0", "outputs": ["a"]}))
    with pytest.raises(OutputError, match="output already exists"):
        with atomic_directory(target):
            pass
    with atomic_directory(target, overwrite=True) as work:
        (work / "b").write_text("2")
        with pytest.raises(OutputError, match="another synthpriv run is writing here"):
            with atomic_directory(target, overwrite=True):
                pass
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_dead_runs_lock_is_taken_over_and_its_leftovers_removed(tmp_path, caplog):
    dead = _dead_pid()
    target = tmp_path / "run"
    (tmp_path / ".run.lock").write_text(str(dead))  # the format of older versions: a bare pid
    leftover = tmp_path / f".run.{dead}-0a1b2c3d.tmp"
    leftover.mkdir()
    (leftover / "model.synthpriv").write_bytes(b"half a model")
    stray_file = tmp_path / f".run.{dead}-99999999.tmp"
    stray_file.write_text("x")
    with caplog.at_level("WARNING", logger="synthpriv.io.outputs"):
        with atomic_directory(target) as work:
            (work / "a").write_text("1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "took over .run.lock" in messages
    assert f"removed .run.{dead}-0a1b2c3d.tmp" in messages


def test_a_live_process_lock_is_kept(tmp_path):
    lock = tmp_path / ".run.lock"
    lock.write_text(json.dumps({"pid": os.getppid(), "host": os.uname().nodename}))
    with pytest.raises(OutputError, match="another synthpriv run is writing here"):
        with output_lock(tmp_path / "run"):
            pass
    assert lock.exists()


def test_an_unwritable_place_is_an_output_error_naming_the_path(tmp_path):
    blocker = tmp_path / "file.csv"
    blocker.write_text("a\n")
    with pytest.raises(OutputError, match=r"file\.csv/out: cannot create its folder"):
        with atomic_directory(blocker / "out"):
            pass
    with pytest.raises(OutputError, match=r"file\.csv/x\.json: cannot create its folder"):
        with atomic_files([blocker / "x.json"]):
            pass


def test_a_read_only_folder_is_an_output_error(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    if os.geteuid() == 0:
        # root may write anywhere (CI runs as root): the folder answers as it would anyone else
        import synthpriv.io.outputs as outputs

        real = outputs.os.access
        monkeypatch.setattr(
            outputs.os, "access", lambda p, mode: False if Path(p) == folder else real(p, mode)
        )
    try:
        with pytest.raises(OutputError, match=r"ro/out: cannot write in .*permission denied"):
            with atomic_directory(folder / "out"):
                pass
    finally:
        folder.chmod(0o700)


def test_multi_file_outputs_appear_together_or_not_at_all(tmp_path):
    paths = [tmp_path / "t.csv", tmp_path / "t.csv.audit.json"]
    with pytest.raises(RuntimeError):
        with atomic_files(paths) as (table, audit):
            table.write_text("a\n")
            raise RuntimeError("audit failed")
    assert list(tmp_path.iterdir()) == []
    with atomic_files(paths) as (table, audit):
        table.write_text("a\n")
        audit.write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.csv.audit.json"]


def test_a_stop_whose_exception_was_lost_commits_nothing(tmp_path, monkeypatch):
    # a SIGTERM raised while Python ran a finalizer is printed as "Exception ignored" and the
    # run goes on: the suite saw a SIGTERMed run exit 0 with its output in place
    from synthpriv import status

    out, files = tmp_path / "o", [tmp_path / "a.json"]
    monkeypatch.setattr(status, "_signalled", False)
    status.mark_interrupted()
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(out) as tmp:
            (tmp / "report.json").write_text("{}")
    with pytest.raises(KeyboardInterrupt):
        with atomic_files(files) as (tmp,):
            tmp.write_text("{}")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(status, "_signalled", False)
    with atomic_directory(out) as tmp:
        (tmp / "report.json").write_text("{}")
    assert (out / "report.json").exists()


def test_a_temporary_beside_an_output_goes_and_takes_a_dead_runs_with_it(tmp_path):
    from synthpriv.io.outputs import temporary_beside

    model = tmp_path / "model.synthpriv"
    dead = 2**22 + 12_345  # above the kernel's largest pid: no process has it
    stale = tmp_path / f".model.synthpriv.{dead}-0000abcd.tmp"
    (stale / ".held").mkdir(parents=True)
    (stale / ".held" / "input-t.arrow").write_bytes(b"x" * 100)  # a file a kill -9 left
    alive = tmp_path / ".model.synthpriv.1-0000abcd.tmp"  # pid 1 runs: not touched
    alive.mkdir()
    with temporary_beside(model) as folder:
        assert folder.parent == tmp_path and folder.is_dir()
        assert folder.name.startswith(f".model.synthpriv.{os.getpid()}-")
        (folder / "held.arrow").write_bytes(b"y")
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name]
    with pytest.raises(RuntimeError), temporary_beside(model) as folder:
        raise RuntimeError("a step failed")
    assert not folder.exists()
