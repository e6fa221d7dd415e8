"""Writing tables and JSON, always through :mod:`synthpriv.io.outputs` (atomic, never the input).

CSV files are opened by people in spreadsheets, which run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula: ``=HYPERLINK(...)`` in a
synthetic table would run on a compliance officer's machine. By default such text cells get a
leading ``'`` (OWASP's rule for CSV injection), plain numbers such as ``-12.5`` excepted;
``protect_formulas=False`` writes them as they are. Parquet is not touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import polars as pl

from synthpriv.io.outputs import atomic_path

_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def protect_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix ``'`` to text cells a spreadsheet would run as a formula (not to plain numbers)."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not texts:
        return frame
    return frame.with_columns(
        pl.when(
            pl.col(name).str.contains(_FORMULA_START) & ~pl.col(name).str.contains(_PLAIN_NUMBER)
        )
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in texts
    )


WRITE_ROWS = 1_000_000  # rows made into CSV text at a time: a slice's text, never a table's


def write_table(
    frame: pl.DataFrame,
    path: str | os.PathLike[str],
    *,
    suffix: str | None = None,
    formulas: bool = False,
    each: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> None:
    """Write ``frame`` as CSV or Parquet atomically: temp file, then rename.

    The format follows ``suffix`` when given (for a temporary path), else the path's suffix.
    CSV cells that would run as spreadsheet formulas are protected unless ``formulas``. A CSV
    is written :data:`WRITE_ROWS` rows at a time, ``each`` (when given) applied to each slice
    (times made text): the text of 8 million rows is never held at once.
    """
    path = Path(path)
    if is_parquet_name(suffix or path.suffix):
        with atomic_path(path) as tmp:
            frame.write_parquet(tmp)
        return
    parts = (frame.slice(start, WRITE_ROWS) for start in range(0, max(frame.height, 1), WRITE_ROWS))
    write_sample(
        (part if each is None else each(part) for part in parts),
        path,
        formulas=formulas,
        parquet=False,
    )


def is_parquet_name(suffix: str) -> bool:
    """True for the file suffixes written as Parquet."""
    return suffix.lower() in {".parquet", ".pq"}


def write_sample(
    chunks: Iterable[pl.DataFrame],
    path: str | os.PathLike[str],
    on_chunk: Callable[[int], None] | None = None,
    *,
    formulas: bool = False,
    parquet: bool | None = None,
) -> int:
    """Stream ``chunks`` into one CSV or Parquet file, atomically; return the rows.

    Parquet when ``parquet``, by default when the path's suffix is Parquet's.

    Only one chunk is in memory at a time. ``on_chunk`` is called with each chunk's row count
    (for progress). A failure leaves no file behind. CSV cells that would run as spreadsheet
    formulas are protected unless ``formulas``.
    """
    path = Path(path)
    total = 0
    with atomic_path(path) as tmp:
        parquet = is_parquet_name(path.suffix) if parquet is None else parquet
        writer = None
        with tmp.open("wb") as handle:
            for index, chunk in enumerate(chunks):
                if parquet:
                    import pyarrow.parquet as pq

                    table = chunk.to_arrow()
                    writer = writer or pq.ParquetWriter(handle, table.schema)
                    writer.write_table(table)
                else:
                    out = chunk if formulas else protect_formulas(chunk)
                    out.write_csv(handle, include_header=index == 0)
                total += chunk.height
                if on_chunk is not None:
                    on_chunk(chunk.height)
            if writer is not None:
                writer.close()
    return total


def write_json(data: Any, path: str | os.PathLike[str]) -> None:
    """Write ``data`` as indented, key-sorted JSON atomically."""
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
