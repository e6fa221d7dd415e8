"""Reading tables as real files come: CSV in any common shape, compressed or not, and Parquet.

What real exports look like, and what this module does about it:

* the encoding is whatever the exporting tool used: UTF-8 is tried first, a file that is not
  UTF-8 is identified by charset-normalizer, and a file that mixes UTF-8 with Latin-1/cp1252 bytes
  (rows appended by another tool) is read line by line, with a warning naming the lines;
* ``,``, ``;``, tab and ``|`` delimiters are sniffed; a UTF-8 or UTF-16 byte-order mark is skipped;
* a blank header (pandas writes one for its index) gets pandas' name ``Unnamed: N`` and a warning;
* gzip, bzip2, xz and zstd files are decompressed (by content, not by name);
* long numbers a spreadsheet turned into scientific notation (``2.70319E+15``) stay text: the
  digits they lost cannot be recovered, and as text they are still recognisably identifiers;
* dates in the usual day/month/year, month/day/year and two-digit-year forms become dates;
* ``NaN``, ``inf``, ``NA``, ``null`` and similar tokens in an otherwise numeric column become
  missing values instead of turning the column into text.

Everything learned while reading (encoding, delimiter, renamed headers, the lines and columns
warned about) is returned as ``facts`` for the manifest. Errors name the file (and line or column
where known) but never quote a cell: polars' own messages can contain raw values, so they are
replaced, not passed through.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import hashlib
import io
import json
import logging
import lzma
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from synthpriv.errors import InputError

log = logging.getLogger(__name__)

PARQUET_MAGIC = b"PAR1"
_SNIFF_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_ARCHIVES = ((b"PK\x03\x04", "a ZIP archive or Excel workbook; export the sheet as CSV"),)
_MAX_NAMED_LINES = 10
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


@dataclass
class ReadResult:
    """A table and what was learned while reading it (for the manifest and the log)."""

    frame: pl.DataFrame
    facts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


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


def _decompress(path: Path, kind: str) -> bytes:
    """The whole decompressed content of ``path``."""
    try:
        if kind == "gzip":
            return gzip.decompress(path.read_bytes())
        if kind == "bzip2":
            return bz2.decompress(path.read_bytes())
        if kind == "xz":
            return lzma.decompress(path.read_bytes())
        import pyarrow as pa

        with pa.CompressedInputStream(pa.OSFile(str(path)), "zstd") as stream:
            return stream.read()
    except (OSError, EOFError, ValueError, lzma.LZMAError):
        raise InputError(f"{path}: {kind} data is corrupt or truncated") from None


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
    if "found more fields" in text or "expected" in text.lower() and "fields" in text:
        return f"rows have an inconsistent number of fields{where}"
    return f"could not be parsed as CSV{where}"


def read_table(
    path: str | os.PathLike[str],
    *,
    encoding: str = "auto",
    delimiter: str | None = None,
) -> pl.DataFrame:
    """Read a CSV or Parquet file into a polars DataFrame (see :func:`load_table`)."""
    return load_table(path, encoding=encoding, delimiter=delimiter).frame


def load_table(
    path: str | os.PathLike[str],
    *,
    encoding: str = "auto",
    delimiter: str | None = None,
) -> ReadResult:
    """Read a CSV or Parquet file, possibly compressed, and say how it was read.

    The format comes from the file's content (magic bytes), not its name. Warnings (a renamed
    header, lines in another encoding, numbers a spreadsheet mangled) are logged and returned;
    they name lines and columns, never values.

    Args:
        path: The file to read. It is opened read-only and never modified.
        encoding: Text encoding of a CSV file: ``auto`` (detect), or a codec name such as
            ``utf-8`` or ``latin-1`` to insist on one.
        delimiter: Field delimiter; sniffed from the first lines when ``None``.

    Returns:
        The table (at least one column and one row), its reading facts and warnings.

    Raises:
        InputError: The file is missing, empty, binary, header-only or malformed.
    """
    path = Path(path)
    head = _check_file(path)
    facts: dict[str, Any] = {}
    content: bytes | None = None
    for magic, kind in _COMPRESSIONS:
        if head.startswith(magic):
            facts["compression"] = kind
            content = _decompress(path, kind)
            head = content[:_SNIFF_BYTES]
            if not head.strip():
                raise InputError(f"{path}: file is empty once decompressed")
            break
    for magic, what in _ARCHIVES:
        if head.startswith(magic):
            raise InputError(f"{path}: {what}")
    result = ReadResult(pl.DataFrame(), facts)
    if head[:4] == PARQUET_MAGIC:
        facts["format"] = "parquet"
        result.frame = _read_parquet(path, content)
        result.frame = infer_types(result.frame, facts=facts, warnings=result.warnings)
    else:
        facts["format"] = "csv"
        _read_csv(path, head, content, encoding, delimiter, result)
    frame = result.frame
    if frame.width == 0:
        raise InputError(f"{path}: no columns found")
    if frame.height == 0:
        raise InputError(f"{path}: has a header but no data rows")
    for message in result.warnings:
        log.warning("%s: %s", path.name, message)
    return result


def _read_parquet(path: Path, content: bytes | None) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(io.BytesIO(content) if content is not None else path)
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


# ----------------------------------------------------------------------------------- encodings


def _normal_codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(f"unknown encoding {name!r}") from None


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode_csv(path: Path, data: bytes, encoding: str, facts: dict, warnings: list[str]) -> str:
    """Decode the whole CSV ``data``; record the encoding (and any mixed lines) in ``facts``."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom) and encoding in ("auto", "utf-16"):
            facts.update(encoding="utf-16", bom=True)
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"{path}: not valid UTF-16 despite its byte-order mark") from None
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(f"{path}: binary content, not a CSV or Parquet file")
    facts["bom"] = data.startswith(codecs.BOM_UTF8)
    if encoding != "auto":
        codec = _normal_codec(encoding)
        codec = "utf-8-sig" if codec == "utf-8" else codec
        facts["encoding"] = encoding
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{path}: line {line} is not valid {encoding}; leave --encoding at auto to "
                "detect it, or name the file's encoding"
            ) from None
    try:
        text = data.decode("utf-8-sig")
        facts["encoding"] = "utf-8"
        return text
    except UnicodeDecodeError:
        pass
    if not _UTF8_MULTIBYTE.search(data):
        return _decode_detected(path, data, facts)
    return _decode_mixed(data, facts, warnings)


def _decode_detected(path: Path, data: bytes, facts: dict) -> str:
    """A file with no UTF-8 in it: let charset-normalizer name the single-byte encoding."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[: 1 << 20]))
    codec = "cp1252"
    if matches:
        # Mostly-ASCII Western text fits several code pages equally well (cp1250 and cp1252
        # both read 'é'); among the equally good, prefer the Western ones.
        least = min(m.chaos for m in matches)
        tied = [m.encoding for m in matches if m.chaos <= least + 0.005]
        codec = next((c for c in _WESTERN if c in tied), tied[0])
    # Western files: cp1252 is a superset of Latin-1 for printable text; keep Latin-1 as the
    # fallback for the five bytes cp1252 leaves undefined.
    for candidate in (codec, "latin-1"):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        facts.update(
            encoding=codecs.lookup(candidate).name, encoding_detected_by="charset-normalizer"
        )
        return text
    raise InputError(f"{path}: the text encoding could not be recognised; pass --encoding")


def _decode_mixed(data: bytes, facts: dict, warnings: list[str]) -> str:
    """UTF-8 with some lines in cp1252/Latin-1 (rows appended by another tool): decode per line."""
    lines = data.split(b"\n")
    out = []
    other: list[int] = []
    for number, raw in enumerate(lines, start=1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            other.append(number)
            try:
                out.append(raw.decode("cp1252"))
            except UnicodeDecodeError:
                out.append(raw.decode("latin-1"))
    text = "\n".join(out).removeprefix("\ufeff")
    facts.update(encoding="utf-8", mixed_encoding_lines=len(other), encoding_fallback="cp1252")
    shown = ", ".join(map(str, other[:_MAX_NAMED_LINES]))
    more = f" and {len(other) - _MAX_NAMED_LINES} more" if len(other) > _MAX_NAMED_LINES else ""
    warnings.append(
        f"lines {shown}{more} are not valid UTF-8 (the rest is); read them as cp1252/Latin-1"
    )
    return text


# ----------------------------------------------------------------------------------------- CSV


def _header(path: Path, text: str, separator: str) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    except csv.Error:
        raise InputError(f"{path}: the header line could not be parsed as CSV") from None
    return [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(names)]


def _named(path: Path, names: list[str], warnings: list[str], facts: dict) -> list[str]:
    """Give blank headers pandas' name ``Unnamed: N``; refuse duplicate names."""
    out = []
    renamed = {}
    for index, name in enumerate(names):
        if not name.strip():
            new = f"Unnamed: {index}"
            while new in names or new in out:
                new += "_"
            renamed[new] = index + 1
            out.append(new)
        else:
            out.append(name)
    seen: set[str] = set()
    for name in out:
        if name in seen:
            raise InputError(f"{path}: duplicate column name {name!r}")
        seen.add(name)
    if renamed:
        facts["renamed_headers"] = renamed
        for new, position in renamed.items():
            warnings.append(f"column {position} has no name; it is called {new!r}")
    return out


def _read_csv(
    path: Path,
    head: bytes,
    content: bytes | None,
    encoding: str,
    delimiter: str | None,
    result: ReadResult,
) -> None:
    facts, warnings = result.facts, result.warnings
    frame = None
    if content is None and encoding in ("auto", "utf-8", "utf8") and _plain_utf8_head(head):
        # Fast path: polars reads the file itself, without a copy in Python.
        text_head = head.decode("utf-8-sig", errors="ignore")
        separator = delimiter or sniff_delimiter(text_head)
        names = _named(path, _header(path, text_head, separator), warnings, facts)
        try:
            frame = _polars_csv(path, separator, names, path)
            facts.update(encoding="utf-8", bom=head.startswith(codecs.BOM_UTF8))
        except _NotUtf8:
            if encoding != "auto":
                raise InputError(
                    f"{path}: not valid utf-8; leave --encoding at auto to detect the encoding"
                ) from None
            warnings.clear()
            facts.pop("renamed_headers", None)
    if frame is None:
        data = content if content is not None else path.read_bytes()
        text = decode_csv(path, data, encoding, facts, warnings)
        separator = delimiter or sniff_delimiter(text[:_SNIFF_BYTES])
        names = _named(path, _header(path, text, separator), warnings, facts)
        frame = _polars_csv(text.encode("utf-8"), separator, names, path)
    facts["delimiter"] = separator
    result.frame = infer_types(frame, facts=facts, warnings=warnings)


class _NotUtf8(Exception):
    """polars met bytes that are not UTF-8."""


def _plain_utf8_head(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the block is fine.
        return exc.start >= len(head) - 4 and len(head) == _SNIFF_BYTES
    return True


def _polars_csv(source: Any, separator: str, names: list[str], path: Path) -> pl.DataFrame:
    """Read with polars' fast parser; fall back to Python's csv module where polars misreads.

    polars takes a double quote inside an unquoted field (``a"b``, ``5'10"``) as the start of a
    quoted one and swallows the rest of the file; Python's csv module (the Excel dialect) reads
    it as a character, as spreadsheets do. The header is always read by Python's module, so a
    table whose polars reading disagrees with it is read again that way.
    """
    try:
        frame = pl.read_csv(
            source,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            has_header=False,
            skip_rows=1,
            new_columns=names,
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise _NotUtf8() from None
        return _python_csv(source, separator, names, path)
    except (pl.exceptions.PolarsError, OSError):
        return _python_csv(source, separator, names, path)
    if frame.width != len(names):
        return _python_csv(source, separator, names, path)
    return frame


def _python_csv(source: Any, separator: str, names: list[str], path: Path) -> pl.DataFrame:
    data = source.read_bytes() if isinstance(source, Path) else source
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _NotUtf8() from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    next(reader, None)
    columns: list[list[str | None]] = [[] for _ in names]
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(names):
                raise InputError(
                    f"{path}: rows have an inconsistent number of fields near line "
                    f"{reader.line_num}"
                )
            for column, cell in zip(columns, row, strict=True):
                column.append(cell if cell != "" else None)
    except csv.Error:
        raise InputError(
            f"{path}: could not be parsed as CSV near line {reader.line_num}"
        ) from None
    return pl.DataFrame(
        {
            name: pl.Series(name, values, dtype=pl.String)
            for name, values in zip(names, columns, strict=True)
        }
    )


# ------------------------------------------------------------------------------------- types

_INT = r"^[+-]?(?:0|[1-9]\d{0,14})$"
_FLOAT = r"^[+-]?(?:(?:0|[1-9]\d{0,14})(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
# 12 or more digits that a spreadsheet wrote as d.dddddE+NN: the lost digits cannot come back.
_MANGLED = r"^[+-]?\d(?:\.\d+)?[eE]\+?(?:1[1-9]|[2-9]\d)$"
_LONG_DIGITS = r"^\d{9,}$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
_DATE_LIKE = r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_SHORT_YEAR = r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}(?:[ T]|$)"
_BOOLEANS = {"true", "false"}
# Tokens that stand for "no number here" in numeric columns written by R, pandas, Excel, SAS.
MISSING_TOKENS = (
    "",
    "na",
    "n/a",
    "nan",
    "null",
    "none",
    "nil",
    "-",
    "?",
    ".",
    "#n/a",
    "#value!",
    "#div/0!",
    "inf",
    "+inf",
    "-inf",
    "infinity",
    "-infinity",
)
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%y",
)
_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S%.f", "T%H:%M:%S")
_DATE_SAMPLE = 2000


def infer_types(
    frame: pl.DataFrame,
    *,
    facts: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> pl.DataFrame:
    """Cast all-string columns to Int64, Float64, Boolean, Date or Datetime where every value fits.

    Stricter than polars' own inference on purpose: digit strings with a leading zero (ZIP codes,
    account numbers), integers longer than 15 digits (card numbers) and numbers a spreadsheet
    wrote in scientific notation stay strings, so no identifier loses characters. Tokens such as
    ``NaN``, ``inf`` or ``NA`` in an otherwise numeric column become missing values. What was
    decided is added to ``facts`` and ``warnings`` when given.
    """
    facts = facts if facts is not None else {}
    warnings = warnings if warnings is not None else []
    casts = []
    for name in frame.columns:
        column = frame.get_column(name)
        if column.dtype != pl.String:
            continue
        values = column.drop_nulls().str.strip_chars()
        values = values.filter(values.str.len_chars() > 0)
        if values.len() == 0:
            continue
        cast = _cast_for(name, values, facts, warnings)
        if cast is not None:
            casts.append(cast)
    return frame.with_columns(casts)


def _cast_for(name: str, values: pl.Series, facts: dict, warnings: list[str]) -> pl.Expr | None:
    col = pl.col(name).str.strip_chars()
    if (
        values.str.contains(_MANGLED).any()
        and (values.str.contains(_MANGLED) | values.str.contains(_LONG_DIGITS)).all()
    ):
        facts.setdefault("spreadsheet_numbers", []).append(name)
        warnings.append(
            f"column {name!r}: long numbers in scientific notation (as a spreadsheet saves "
            "them); their last digits are lost, kept as text"
        )
        return None
    lower = values.str.to_lowercase()
    tokens = lower.is_in(list(MISSING_TOKENS))
    numbers = values.filter(~tokens)
    if numbers.len() and (numbers.str.contains(_INT).all() or numbers.str.contains(_FLOAT).all()):
        target = pl.Int64 if numbers.str.contains(_INT).all() else pl.Float64
        if tokens.any():
            facts.setdefault("missing_tokens", {})[name] = int(tokens.sum())
            warnings.append(
                f"column {name!r}: {int(tokens.sum())} missing-value mark(s) (such as ?, NA, "
                "NaN, inf) in a numeric column read as missing"
            )
        return (
            pl.when(col.str.to_lowercase().is_in(list(MISSING_TOKENS)))
            .then(None)
            .otherwise(col)
            .cast(target)
            .alias(name)
        )
    if lower.is_in(list(_BOOLEANS)).all():
        return col.str.to_lowercase() == "true"
    if values.str.contains(_DATE).all() and values.str.to_date(strict=False).null_count() == 0:
        return col.str.to_date()
    if values.str.contains(_DATETIME).all():
        if values.str.to_datetime(strict=False).null_count() == 0:
            return col.str.to_datetime()
    if values.str.contains(_DATE_LIKE).all():
        return _date_cast(name, values, facts, warnings)
    return None


def _day_month_swapped(fmt: str) -> str | None:
    if fmt.startswith("%m"):
        return "%d" + fmt[2:5].replace("%d", "%m") + fmt[5:]
    if fmt.startswith("%d") and fmt[3:5] == "%m":
        return "%m" + fmt[2:3] + "%d" + fmt[5:]
    return None


def _date_cast(name: str, values: pl.Series, facts: dict, warnings: list[str]) -> pl.Expr | None:
    """Dates in day/month, month/day or two-digit-year forms (one or several in one column)."""
    distinct = values.unique()
    sample = distinct.sample(min(_DATE_SAMPLE, distinct.len()), seed=0)
    has_time = bool(sample.str.contains(r"\d:\d").any())
    suffixes = _TIME_SUFFIXES if has_time else ("",)
    # A two-digit year parses under %Y too (as year 88): let the year's digits pick the forms.
    short_year = sample.str.contains(_SHORT_YEAR)
    years = ("%y",) * bool(short_year.any()) + ("%Y",) * bool((~short_year).any())
    formats = [d + t for d in _DATE_FORMATS for t in suffixes if any(y in d for y in years)]
    chosen: list[str] = []
    remaining = sample
    while remaining.len() and len(chosen) < 4:
        best, best_hits = None, 0
        for fmt in formats:
            hits = remaining.str.to_datetime(fmt, strict=False).is_not_null().sum()
            if hits > best_hits:
                best, best_hits = fmt, hits
        if best is None:
            return None
        chosen.append(best)
        remaining = remaining.filter(remaining.str.to_datetime(best, strict=False).is_null())
    if remaining.len():
        return None
    parsed = pl.coalesce(
        [pl.col(name).str.strip_chars().str.to_datetime(f, strict=False) for f in chosen]
    )
    whole = values.to_frame(name).select(parsed.alias(name)).to_series()
    if whole.null_count():
        return None
    if any("%y" in f for f in chosen):
        # Two-digit years after today are last century's (a birth in '88, not 2088).
        today = date.today()
        parsed = (
            pl.when(parsed.dt.date() > today).then(parsed.dt.offset_by("-100y")).otherwise(parsed)
        )
    facts.setdefault("date_formats", {})[name] = chosen
    swapped = [_day_month_swapped(f) for f in chosen]
    if (
        len(chosen) == 1
        and swapped[0]
        and sample.str.to_datetime(swapped[0], strict=False).is_not_null().all()
    ):
        warnings.append(
            f"column {name!r}: every date reads as month/day and as day/month; read as "
            f"{'month/day' if chosen[0].startswith('%m') else 'day/month'}"
        )
    if len(chosen) > 1:
        warnings.append(
            f"column {name!r}: dates written in {len(chosen)} formats; all read as dates"
        )
    if not has_time:
        parsed = parsed.dt.date()
    return parsed.alias(name)


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
