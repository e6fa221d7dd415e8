"""Reading tables with polars: CSV (any common shape) and Parquet; JSON files; file hashes.

Errors name the file (and row or column where known) but never quote a cell: polars' own
messages can contain raw values, so they are replaced, not passed through.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import polars as pl

from synthpriv.errors import InputError

PARQUET_MAGIC = b"PAR1"
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_file(path: Path) -> bytes:
    """Return the first bytes of ``path`` after checking it is a non-empty regular file."""
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV or Parquet file")
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise InputError(f"{path}: file is empty")
    return head


def _decode_head(path: Path, head: bytes, encoding: str) -> str:
    if b"\x00" in head:
        raise InputError(f"{path}: binary content, not a CSV or Parquet file")
    codec = "utf-8-sig" if encoding.lower().replace("-", "") in {"utf8", "utf8sig"} else encoding
    try:
        return head.decode(codec)
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the block is fine.
        if exc.start >= len(head) - 4 and len(head) == _SNIFF_BYTES:
            return head[: exc.start].decode(codec)
        line = head[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line} is not valid {encoding}; pass --encoding (e.g. latin-1) "
            "if the file uses another encoding"
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None


def sniff_delimiter(text: str) -> str:
    """Guess the field delimiter of CSV ``text`` among ``, ; TAB |`` (comma if unsure)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _polars_problem(exc: Exception) -> str:
    """Turn a polars parse error into a message without any cell value in it."""
    text = str(exc)
    row = re.search(r"(?:line|row)\s+(\d+)", text)
    where = f" near row {row.group(1)}" if row else ""
    if "duplicate" in text.lower():
        name = re.search(r"column with name '([^']*)'|name '([^']*)'", text)
        col = next((g for g in (name.groups() if name else ()) if g), None)
        return f"duplicate column name {col!r}" if col else "duplicate column names"
    if "found more fields" in text or "expected" in text.lower() and "fields" in text:
        return f"rows have an inconsistent number of fields{where}"
    return f"could not be parsed as CSV{where}"


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> pl.DataFrame:
    """Read a CSV or Parquet file into a polars DataFrame.

    The format comes from the file's content (Parquet magic bytes), not its name. CSV delimiters are
    sniffed when not given; a UTF-8 byte-order mark is skipped; ISO dates become ``Date`` columns.

    Args:
        path: The file to read. It is opened read-only and never modified.
        encoding: Text encoding of a CSV file (``utf-8``, ``latin-1``, ...).
        delimiter: Field delimiter; sniffed from the first lines when ``None``.

    Returns:
        The table, with at least one column and one row.

    Raises:
        InputError: The file is missing, empty, binary, header-only or malformed.
    """
    path = Path(path)
    head = _check_file(path)
    if head[:4] == PARQUET_MAGIC:
        frame = _read_parquet(path)
    else:
        text = _decode_head(path, head, encoding)
        frame = _read_csv(path, text, encoding, delimiter)
    if frame.width == 0:
        raise InputError(f"{path}: no columns found")
    if frame.height == 0:
        raise InputError(f"{path}: has a header but no data rows")
    blank = [name for name in frame.columns if not name.strip()]
    if blank:
        raise InputError(f"{path}: column {frame.columns.index(blank[0]) + 1} has an empty name")
    return frame


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except Exception:  # noqa: BLE001 - pyarrow/polars raise many types; the message is ours
        raise InputError(f"{path}: not a readable Parquet file") from None
    nested = [
        name
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.List | pl.Struct | pl.Array | pl.Object)
    ]
    if nested:
        raise InputError(
            f"{path}: column {nested[0]!r} has a nested type; flatten it to scalar columns first"
        )
    return frame


def _read_csv(path: Path, text: str, encoding: str, delimiter: str | None) -> pl.DataFrame:
    separator = delimiter or sniff_delimiter(text)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    names = next(csv.reader([first_line], delimiter=separator), [])
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}: duplicate column name {name!r}")
        seen.add(name)
    polars_encoding = "utf8" if encoding.lower().replace("-", "") in {"utf8", "utf8sig"} else None
    try:
        if polars_encoding:
            source: Any = path
        else:
            source = path.read_bytes().decode(encoding).encode("utf-8")
        frame = pl.read_csv(
            source,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
        )
    except UnicodeDecodeError:
        raise InputError(f"{path}: not valid {encoding}; pass --encoding") from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: {_polars_problem(exc)}") from None
    renamed = {name: name.lstrip("\ufeff") for name in frame.columns if name.startswith("\ufeff")}
    if renamed:
        frame = frame.rename(renamed)
    return infer_types(frame)


_INT = r"^[+-]?(?:0|[1-9]\d{0,14})$"
_FLOAT = r"^[+-]?(?:(?:0|[1-9]\d{0,14})(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
_BOOLEANS = {"true", "false"}


def infer_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast all-string columns to Int64, Float64, Boolean, Date or Datetime where every value fits.

    Stricter than polars' own inference on purpose: digit strings with a leading zero (ZIP codes,
    account numbers) and integers longer than 15 digits (card numbers) stay strings, so no
    identifier loses characters.
    """
    casts = []
    for name in frame.columns:
        column = frame.get_column(name)
        if column.dtype != pl.String:
            continue
        values = column.drop_nulls().str.strip_chars()
        if values.len() == 0:
            continue
        casts.append(_cast_for(name, values))
    return frame.with_columns([c for c in casts if c is not None])


def _cast_for(name: str, values: pl.Series) -> pl.Expr | None:
    col = pl.col(name).str.strip_chars()
    if values.str.contains(_INT).all():
        return col.cast(pl.Int64)
    if values.str.contains(_FLOAT).all():
        return col.cast(pl.Float64)
    if values.str.to_lowercase().is_in(list(_BOOLEANS)).all():
        return col.str.to_lowercase() == "true"
    for pattern, target in ((_DATE, pl.Date), (_DATETIME, pl.Datetime)):
        if values.str.contains(pattern).all():
            parsed = values.str.to_date(strict=False) if target is pl.Date else None
            if parsed is None:
                parsed = values.str.to_datetime(strict=False)
            if parsed.null_count() == 0:
                return col.str.to_date() if target is pl.Date else col.str.to_datetime()
    return None


def read_json(path: str | os.PathLike[str], *, what: str = "JSON file") -> Any:
    """Read a JSON file, raising :class:`InputError` with the file name on any problem."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" at line {line}" if line else ""
        raise InputError(f"{path}: {what} is not valid JSON{where}") from None
