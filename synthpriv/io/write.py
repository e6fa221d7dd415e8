"""Writing tables and JSON, always through :mod:`synthpriv.io.outputs` (atomic, never the input)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import polars as pl

from synthpriv.io.outputs import atomic_path


def write_table(
    frame: pl.DataFrame, path: str | os.PathLike[str], *, suffix: str | None = None
) -> None:
    """Write ``frame`` as CSV or Parquet atomically: temp file, then rename.

    The format follows ``suffix`` when given (for a temporary path), else the path's suffix.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if is_parquet_name(suffix or path.suffix):
            frame.write_parquet(tmp)
        else:
            frame.write_csv(tmp)


def is_parquet_name(suffix: str) -> bool:
    """True for the file suffixes written as Parquet."""
    return suffix.lower() in {".parquet", ".pq"}


def write_sample(
    chunks: Iterable[pl.DataFrame],
    path: str | os.PathLike[str],
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Stream ``chunks`` into one CSV or Parquet file (by suffix), atomically; return the rows.

    Only one chunk is in memory at a time. ``on_chunk`` is called with each chunk's row count
    (for progress). A failure leaves no file behind.
    """
    path = Path(path)
    total = 0
    with atomic_path(path) as tmp:
        parquet = is_parquet_name(path.suffix)
        writer = None
        with tmp.open("wb") as handle:
            for index, chunk in enumerate(chunks):
                if parquet:
                    import pyarrow.parquet as pq

                    table = chunk.to_arrow()
                    writer = writer or pq.ParquetWriter(handle, table.schema)
                    writer.write_table(table)
                else:
                    chunk.write_csv(handle, include_header=index == 0)
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
