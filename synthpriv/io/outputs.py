"""Where synthpriv may write, and how: one rule for every command.

* An output is never one of the command's inputs (the same file, or a directory holding one).
* An existing output is refused unless ``overwrite`` is given.
* With ``overwrite``, a directory is replaced only when synthpriv wrote it: it carries our
  ``manifest.json`` and holds nothing the manifest does not list. Anything else is the user's.
* Every output is written under a temporary name next to it and renamed into place at the end;
  a multi-file output is renamed only once every file of it is complete.
* A lock next to the output keeps two runs apart. A lock whose process is gone (``kill -9``, the
  OOM killer) is taken over, and temporary files such a run left behind are removed; both are
  logged.
* An output that cannot be written is an :class:`~synthpriv.errors.OutputError` naming the path
  and the reason, never an internal error.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from synthpriv.errors import OutputError
from synthpriv.status import raise_if_interrupted

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
_TMP_SUFFIX = ".tmp"


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def manifest_outputs(directory: Path) -> set[str] | None:
    """Return the file names a synthpriv manifest in ``directory`` lists, or ``None`` if none."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "synthpriv_version" not in data:
        return None
    outputs = data.get("outputs")
    # a multi-file output (a Spark run's synthetic.parquet/) is listed file by file
    return {name.split("/", 1)[0] for name in outputs} if isinstance(outputs, dict | list) else None


def check_output(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    overwrite: bool = False,
    directory: bool = False,
) -> Path:
    """Apply the output rule to ``path`` before any work starts; return it as a ``Path``.

    Args:
        path: The output file or directory.
        inputs: The command's input files (``None`` entries are ignored).
        overwrite: Whether an existing output may be replaced.
        directory: ``True`` for a run or report directory, ``False`` for one file.

    Raises:
        OutputError: the output is an input, holds an input, exists without ``overwrite``, or
            (with ``overwrite``) is a directory synthpriv did not write.
    """
    path = Path(path)
    for given in inputs:
        if given is None:
            continue
        source = Path(given)
        if source.exists() and path.exists() and _same(source, path):
            raise OutputError(
                f"{path}: is an input of this command; synthpriv never overwrites its input, "
                "choose another output path"
            )
        if directory and source.exists() and _inside(source, path):
            raise OutputError(
                f"{path}: holds the input {source.name}; choose an output directory that "
                "contains no input"
            )
    if not path.exists() and not path.is_symlink():
        return path
    if not overwrite:
        raise OutputError(f"{path}: output already exists; choose another path or pass --overwrite")
    if directory:
        if not path.is_dir():
            raise OutputError(f"{path}: exists and is not a directory")
        _check_ours(path)
    elif path.is_dir():
        raise OutputError(f"{path}: is a directory, expected a file path")
    return path


def _check_ours(path: Path) -> None:
    """Refuse to replace a directory unless every entry in it is listed in our manifest."""
    listed = manifest_outputs(path)
    entries = {p.name for p in path.iterdir()}
    if listed is None:
        if not entries:
            return
        raise OutputError(
            f"{path}: has no synthpriv {MANIFEST}, so synthpriv did not write it; --overwrite "
            "only replaces synthpriv's own output directories (choose another path)"
        )
    foreign = entries - listed - {MANIFEST}
    if foreign:
        raise OutputError(
            f"{path}: holds {len(foreign)} file(s) synthpriv did not write (not in its "
            f"{MANIFEST}); move them away or choose another path"
        )


def _writable_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create its folder ({exc.strerror or exc})") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {path.parent} (permission denied)")


def _temp_name(path: Path) -> Path:
    """A sibling of ``path`` named after it and this process (so dead runs can be recognized)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{_TMP_SUFFIX}")


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _start_ticks(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def _remove_stale_temporaries(path: Path) -> None:
    """Remove ``.NAME.<pid>-*.tmp`` files and folders of processes that no longer exist."""
    prefix = f".{path.name}."
    try:
        siblings = list(path.parent.iterdir())
    except OSError:
        return
    for entry in siblings:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        if _process_alive(int(pid_text)):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        log.warning("removed %s, left behind by an earlier run that ended abnormally", name)


@contextlib.contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold ``.NAME.lock`` next to ``path`` while the block runs.

    A lock written on this host by a process that no longer exists is taken over (and logged).

    Raises:
        OutputError: another live synthpriv process holds the lock, or it cannot be created.
    """
    lock = path.with_name(f".{path.name}.lock")
    record = {"pid": os.getpid(), "host": socket.gethostname(), "start": _start_ticks(os.getpid())}
    for _attempt in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            if not _stale(lock):
                raise OutputError(
                    f"{path}: another synthpriv run is writing here (lock {lock.name}); "
                    "wait for it to finish"
                ) from None
            lock.unlink(missing_ok=True)
            log.warning("took over %s: the run that held it is no longer running", lock.name)
            continue
        except OSError as exc:
            raise OutputError(f"{path}: cannot create a lock ({exc.strerror or exc})") from None
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle)
        break
    else:  # pragma: no cover - another process took it over between our two attempts
        raise OutputError(f"{path}: another synthpriv run is writing here (lock {lock.name})")
    try:
        _remove_stale_temporaries(path)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _stale(lock: Path) -> bool:
    """True when the lock names a process on this host that is gone (or a reused pid)."""
    try:
        data = json.loads(lock.read_text())
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        # Locks of older versions held a bare pid.
        try:
            data = {"pid": int(lock.read_text().strip()), "host": socket.gethostname()}
        except (OSError, ValueError):
            return False
    if data.get("host") != socket.gethostname():
        return False  # another machine's process: we cannot tell
    pid = int(data.get("pid", 0))
    if not _process_alive(pid):
        return True
    started = data.get("start")
    return started is not None and _start_ticks(pid) not in (None, started)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` only on success."""
    with atomic_files([path]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_files(paths: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """Yield temporary paths for ``paths``; all are renamed into place only if the block succeeds.

    Raises:
        OutputError: a folder cannot be created or written, or the rename fails.
    """
    targets = [Path(p) for p in paths]
    temporaries = []
    for target in targets:
        _writable_parent(target)
        temporaries.append(_temp_name(target))
    try:
        yield temporaries
        raise_if_interrupted()
        for tmp, target in zip(temporaries, targets, strict=True):
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(f"{target}: cannot be written ({exc.strerror or exc})") from None
    finally:
        for tmp in temporaries:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def temporary_beside(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary folder next to ``path``, removed when the block ends, however it ends.

    Named as this module's temporaries (``.NAME.<pid>-*.tmp``): those a killed process left
    beside ``path`` are removed first (as :func:`output_lock` does). On the disk the user
    chose for the output, not ``/tmp``, which may be memory.

    Raises:
        OutputError: the folder cannot be created.
    """
    path = Path(path)
    _writable_parent(path)
    _remove_stale_temporaries(path)
    tmp = _temp_name(path)
    try:
        tmp.mkdir(mode=0o700)
    except OSError as exc:
        raise OutputError(f"{path}: cannot create a folder beside it ({exc.strerror})") from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Iterator[Path]:
    """Yield a fresh temporary directory that becomes ``path`` only if the block succeeds.

    The output rule of this module is checked first (and again just before an old directory is
    replaced). A lock file next to ``path`` stops two runs from writing the same output at once.
    On any exception (including ``KeyboardInterrupt``) the temporary directory is removed, so a
    failed run leaves nothing behind.

    Raises:
        OutputError: see :func:`check_output`; or another run holds the lock; or the folder
            cannot be written.
    """
    path = Path(path)
    inputs = list(inputs)
    check_output(path, inputs=inputs, overwrite=overwrite, directory=True)
    _writable_parent(path)
    with output_lock(path):
        tmp = _temp_name(path)
        try:
            tmp.mkdir()
        except OSError as exc:
            raise OutputError(f"{path}: cannot create a folder here ({exc.strerror})") from None
        try:
            yield tmp
            raise_if_interrupted()  # a SIGTERM whose exception was lost commits nothing
            if path.exists():
                check_output(path, inputs=inputs, overwrite=overwrite, directory=True)
                old = _temp_name(path)
                os.replace(path, old)
                os.replace(tmp, path)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
