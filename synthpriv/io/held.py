"""Tables held on disk between a run's stages, read back memory-mapped.

A folder of linked tables is held at every stage of a run: the input's keys and identifiers,
both cleaned sides, the synthetic tables. In the process's heap each grows with the rows and
can only be given back when the run lets go of it. A :class:`Shelf` writes each table once,
as uncompressed Arrow IPC, and reads it back memory-mapped: its rows are then pages of the
operating system's file cache, read in as they are used and dropped when memory is short,
so a run whose rows outgrow its memory slows down instead of being killed.

While a shelf is active (:func:`shelved`), the steps that would otherwise build a table's
worth of heap use it too: a large CSV is parsed a batch at a time into a file of the shelf
and each cast column is held as it is made (:mod:`synthpriv.io.read`), and the report's
searches encode their rows into arrays that are files of it (:func:`empty`). Outside a
shelf (a single table's run, a library call) everything stays in the heap as before.

The shelf is a folder inside the output being written (on the disk the user chose for it,
never ``/tmp``, which may be memory). Its files are readable by this user only, and each is
removed as soon as it is mapped: its pages stay on disk while the process maps them, no name
leads to them, and none outlives the process, even one killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math
import os
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.ipc

FOLDER = ".held"  # a shelf's folder inside the output being written (:func:`shelf_in`)
# arrays of fewer bytes stay in the heap: a file and a mapping per small array cost more
HELD_BYTES = 8 * 2**20


class Shelf:
    """A folder of tables written once and read back memory-mapped (see the module)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, exist_ok=True)
        self._names: set[str] = set()
        self._arrays = 0

    def hold(self, frame: pl.DataFrame, name: str) -> pl.DataFrame:
        """``frame``, the same rows and types, backed by a file of the shelf.

        The caller lets go of ``frame``; the frame returned reads its rows from the file.
        ``name`` (any text) names the file, once per shelf.
        """
        path = self._path(name)
        with os.fdopen(_private(path, os.O_WRONLY), "wb") as file:
            # uncompressed: only such a file can be mapped; a compressed one is read whole
            frame.write_ipc(file, compression="uncompressed")
        return self._mapped(path)

    def _path(self, name: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        while stem in self._names:
            stem += "_"
        self._names.add(stem)
        return self.folder / f"{stem}.arrow"

    @staticmethod
    def _mapped(path: Path) -> pl.DataFrame:
        # pyarrow maps the file and polars takes its buffers as they are (strings too:
        # polars writes them as Arrow string views); ``pl.read_ipc`` would copy them
        with pa.memory_map(str(path)) as source:
            held = pl.from_arrow(pa.ipc.open_file(source).read_all(), rechunk=False)
        assert isinstance(held, pl.DataFrame)
        _unlink(path)
        return held

    def stream(self, batches: Iterable[pl.DataFrame], name: str) -> pl.DataFrame | None:
        """The rows of ``batches`` (same columns), written one batch at a time, held.

        None when there is no batch. A batch is let go once written, so the rows never all
        sit in the heap at once.
        """
        path = self._path(name)
        writer = None
        with os.fdopen(_private(path, os.O_WRONLY), "wb") as file:
            for batch in batches:
                table = batch.to_arrow(compat_level=pl.CompatLevel.newest())
                if writer is None:
                    writer = pa.ipc.new_file(file, table.schema)
                writer.write_table(table)
            if writer is None:
                return None
            writer.close()
        return self._mapped(path)

    def hold_tables(self, frames: dict[str, pl.DataFrame], side: str) -> dict[str, pl.DataFrame]:
        """Each of ``frames`` held (:meth:`hold`), as ``side``/``table``."""
        return {table: self.hold(frame, f"{side}-{table}") for table, frame in frames.items()}

    def array(self, shape: tuple[int, ...], dtype: np.typing.DTypeLike) -> np.ndarray:
        """A new array (contents undefined, as ``np.empty``) backed by a file of the shelf.

        The file is removed once mapped (:func:`_unlink`): the disk space goes with the array.
        """
        self._arrays += 1
        path = self.folder / f"array-{self._arrays}.bin"
        size = max(1, math.prod(shape) * np.dtype(dtype).itemsize)
        descriptor = _private(path, os.O_RDWR)
        try:
            os.ftruncate(descriptor, size)
            mapped = np.memmap(path, dtype=dtype, mode="r+", shape=shape)
        finally:
            os.close(descriptor)
        _unlink(path)
        return mapped

    def remove(self) -> None:
        """Remove the shelf's folder (what is still mapped keeps its pages until let go)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _private(path: Path, mode: int) -> int:
    """A new file of this user only (0600), opened with ``mode``; never an existing one."""
    return os.open(path, mode | os.O_CREAT | os.O_EXCL, 0o600)


def _unlink(path: Path) -> None:
    """Remove a file once mapped: its pages stay while mapped, and no name leads to them.

    Nothing held outlives the process, even one killed with SIGKILL; the disk space goes
    with the mapping. Where a mapped file cannot be removed (Windows), the shelf's folder
    goes at the end of the run instead.
    """
    with contextlib.suppress(OSError):
        path.unlink()


_ACTIVE: contextvars.ContextVar[Shelf | None] = contextvars.ContextVar("shelf", default=None)


@contextlib.contextmanager
def shelf_in(folder: Path) -> Iterator[Shelf]:
    """A shelf in ``folder`` (an output being written), active within the block, then removed.

    The caller removes it earlier (:meth:`Shelf.remove`) where the folder must be gone before
    the block ends (before a manifest lists the output's files).
    """
    shelf = Shelf(folder / FOLDER)
    try:
        with shelved(shelf):
            yield shelf
    finally:
        shelf.remove()


@contextlib.contextmanager
def shelf_beside(path: Path) -> Iterator[Shelf]:
    """A shelf for a step that writes one file or other folders (``fit FOLDER``, ``split``).

    In a temporary folder next to ``path`` (:func:`synthpriv.io.outputs.temporary_beside`),
    active within the block, removed with its folder at the end.
    """
    from synthpriv.io.outputs import temporary_beside

    with temporary_beside(path) as folder, shelf_in(folder) as shelf:
        yield shelf


@contextlib.contextmanager
def shelved(shelf: Shelf) -> Iterator[Shelf]:
    """Within the block, :func:`empty` puts large arrays on ``shelf``."""
    token = _ACTIVE.set(shelf)
    try:
        yield shelf
    finally:
        _ACTIVE.reset(token)


def active() -> Shelf | None:
    """The shelf of the block being run (:func:`shelved`), if any."""
    return _ACTIVE.get()


def column(series: pl.Series) -> pl.Series:
    """``series`` on the active shelf when it is large (:func:`table`), else itself."""
    return table(series.to_frame(), f"column-{series.name}", small=False).to_series()


def table(frame: pl.DataFrame, name: str, *, small: bool = True) -> pl.DataFrame:
    """``frame`` held on the active shelf (:meth:`Shelf.hold`), or itself without one.

    ``small=False``: a frame below :data:`HELD_BYTES` stays in the heap too.
    """
    shelf = _ACTIVE.get()
    if shelf is None or (not small and frame.estimated_size() < HELD_BYTES):
        return frame
    return shelf.hold(frame, name)


FILTER_ROWS = 500_000  # rows of a table filtered or gathered at a time onto the shelf


def filtered(frame: pl.DataFrame, keep: pl.Series, name: str) -> pl.DataFrame:
    """``frame.filter(keep)`` held on the active shelf, or in the heap without one.

    On a shelf the rows are filtered and written :data:`FILTER_ROWS` at a time, so the rows
    kept never all sit in the heap at once (one side of a table of 8 million rows was some
    440 MB); a small result stays in the heap, as :func:`table` keeps it.
    """
    if not _in_parts(frame):
        return table(frame.filter(keep), name)
    return _streamed(
        frame,
        (
            frame.slice(start, FILTER_ROWS).filter(keep.slice(start, FILTER_ROWS))
            for start in range(0, frame.height, FILTER_ROWS)
        ),
        name,
    )


def gathered(frame: pl.DataFrame, rows: np.ndarray, name: str) -> pl.DataFrame:
    """``frame[rows]`` (rows by position) held on the active shelf, or in the heap without one.

    On a shelf the rows are gathered and written :data:`FILTER_ROWS` at a time: the report
    puts each side of a table in an order of its content, and three sides of 8 million rows
    held in that order in the heap were some 500 MB through the whole report.
    """
    if not _in_parts(frame):
        return table(frame[rows], name)
    return _streamed(
        frame,
        (frame[rows[start : start + FILTER_ROWS]] for start in range(0, len(rows), FILTER_ROWS)),
        name,
    )


def streamed(parts: Iterable[pl.DataFrame], name: str) -> pl.DataFrame:
    """The rows of ``parts`` (frames of the same columns and types, at least one), in order.

    On the active shelf each part is written as it comes, so they are never all in the heap;
    without one they are put together in the heap. Parts with categories are put together
    first (each part's dictionary would differ, which one Arrow file cannot hold).
    """
    shelf = _ACTIVE.get()
    parts = iter(parts)
    first = next(parts)
    if shelf is None or _coded(first):
        return table(pl.concat([first, *parts]), name, small=False)
    kept = shelf.stream(itertools.chain([first], parts), name)
    assert kept is not None
    return kept


def _in_parts(frame: pl.DataFrame) -> bool:
    """Whether ``frame``'s rows go to the shelf a part at a time (a large table, a shelf).

    Not a table with categories: each part's dictionary would differ, which one Arrow file
    cannot hold.
    """
    return _ACTIVE.get() is not None and frame.height > FILTER_ROWS and not _coded(frame)


def _coded(frame: pl.DataFrame) -> bool:
    """Whether ``frame`` has categories (its parts' dictionaries would differ)."""
    return any(isinstance(t, (pl.Categorical, pl.Enum)) for t in frame.dtypes)


def _streamed(frame: pl.DataFrame, parts: Iterable[pl.DataFrame], name: str) -> pl.DataFrame:
    shelf = _ACTIVE.get()
    assert shelf is not None
    kept = shelf.stream(parts, name)
    return frame.clear() if kept is None else kept


def empty(shape: tuple[int, ...], dtype: np.typing.DTypeLike) -> np.ndarray:
    """``np.empty(shape, dtype)``: on the active shelf (:func:`shelved`) when it is large.

    Outside a run's shelf, or below :data:`HELD_BYTES`, an array of the heap.
    """
    shelf = _ACTIVE.get()
    if shelf is None or math.prod(shape) * np.dtype(dtype).itemsize < HELD_BYTES:
        return np.empty(shape, dtype)
    return shelf.array(shape, dtype)


def taken(array: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``array[rows]`` (rows of a 1- or 2-d array), in an array from :func:`empty`."""
    out = empty((len(rows), *array.shape[1:]), array.dtype)
    np.take(array, rows, axis=0, out=out)
    return out


def stacked(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.vstack(arrays)`` (2-d, same columns and type), in an array from :func:`empty`."""
    out = empty((sum(a.shape[0] for a in arrays), *arrays[0].shape[1:]), arrays[0].dtype)
    start = 0
    for a in arrays:
        out[start : start + a.shape[0]] = a
        start += a.shape[0]
    return out
