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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from synthpriv.errors import InputError
from synthpriv.io import dates, held

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


@dataclass(frozen=True)
class ReadResult:
    """A table and what was learned while reading it (for the manifest and the log)."""

    frame: pl.DataFrame
    facts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # per date column with two-digit years: which rows were written with one (for re-anchoring)
    short_years: dict[str, pl.Series] = field(default_factory=dict)


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
        raise InputError(_folder_problem(path))
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
    if re.match(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html[\s>])", head[:512], re.IGNORECASE):
        # a web page saved under a .csv name: its rows "have an inconsistent number of fields"
        raise InputError(f"{path}: an HTML page, not a table; save the data as CSV")
    if head[:4] == PARQUET_MAGIC:
        facts["format"] = "parquet"
        typed = decide_types(_read_parquet(path, content))
        result = ReadResult(typed.frame, facts | typed.facts, typed.warnings, typed.short_years)
    else:
        facts["format"] = "csv"
        read = _read_csv(path, head, content, encoding, delimiter)
        result = replace(read, facts=facts | read.facts)
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


class Decoded(NamedTuple):
    """A CSV file's text, and what decoding it found: facts for the manifest, and warnings."""

    text: str
    facts: dict[str, Any]
    warnings: list[str]


def decode_csv(path: Path, data: bytes, encoding: str) -> Decoded:
    """Decode the whole CSV ``data``: the text, the encoding (and any mixed lines) as facts."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom) and encoding in ("auto", "utf-16"):
            try:
                return Decoded(data.decode(codec), {"encoding": "utf-16", "bom": True}, [])
            except UnicodeDecodeError:
                raise InputError(f"{path}: not valid UTF-16 despite its byte-order mark") from None
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(f"{path}: binary content, not a CSV or Parquet file")
    facts: dict[str, Any] = {"bom": data.startswith(codecs.BOM_UTF8)}
    if encoding != "auto":
        codec = _normal_codec(encoding)
        codec = "utf-8-sig" if codec == "utf-8" else codec
        try:
            return Decoded(data.decode(codec), facts | {"encoding": encoding}, [])
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"{path}: line {line} is not valid {encoding}; leave --encoding at auto to "
                "detect it, or name the file's encoding"
            ) from None
    try:
        return Decoded(data.decode("utf-8-sig"), facts | {"encoding": "utf-8"}, [])
    except UnicodeDecodeError:
        pass
    if not _UTF8_MULTIBYTE.search(data):
        text, detected = _decode_detected(path, data)
        return Decoded(text, facts | detected, [])
    text, mixed, warning = _decode_mixed(data)
    return Decoded(text, facts | mixed, [warning])


def _decode_detected(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
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
        return text, {
            "encoding": codecs.lookup(candidate).name,
            "encoding_detected_by": "charset-normalizer",
        }
    raise InputError(f"{path}: the text encoding could not be recognised; pass --encoding")


def _decode_mixed(data: bytes) -> tuple[str, dict[str, Any], str]:
    """UTF-8 with some lines in cp1252/Latin-1 (rows appended by another tool): decode per line.

    Returns the text, its facts and the warning naming the lines.
    """
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
    facts = {"encoding": "utf-8", "mixed_encoding_lines": len(other), "encoding_fallback": "cp1252"}
    shown = ", ".join(map(str, other[:_MAX_NAMED_LINES]))
    more = f" and {len(other) - _MAX_NAMED_LINES} more" if len(other) > _MAX_NAMED_LINES else ""
    warning = f"lines {shown}{more} are not valid UTF-8 (the rest is); read them as cp1252/Latin-1"
    return text, facts, warning


# ----------------------------------------------------------------------------------------- CSV


def _header(path: Path, text: str, separator: str) -> list[str]:
    try:
        names = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    except csv.Error:
        raise InputError(f"{path}: the header line could not be parsed as CSV") from None
    return [name.lstrip("\ufeff") if i == 0 else name for i, name in enumerate(names)]


def header_names(path: Path | str, text: str, separator: str) -> tuple[list[str], dict[str, Any]]:
    """The column names of a CSV text's header line as a single run names them, and the facts.

    For a reader with its own CSV parser (Spark names a blank header ``_c0``): the names, then
    the ``renamed_headers`` fact when a blank one was named. Warnings are logged.
    """
    names, facts, warnings = _named(Path(path), _header(Path(path), text, separator))
    for warning in warnings:
        log.warning("%s: %s", Path(str(path)).name, warning)
    return names, facts


def _named(path: Path, names: list[str]) -> tuple[list[str], dict[str, Any], list[str]]:
    """Give blank headers pandas' name ``Unnamed: N``; refuse duplicate names.

    Returns the names, the ``renamed_headers`` fact (when one was renamed) and the warnings.
    """
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
    if not renamed:
        return out, {}, []
    warnings = [
        f"column {position} has no name; it is called {new!r}" for new, position in renamed.items()
    ]
    return out, {"renamed_headers": renamed}, warnings


def _read_csv(
    path: Path,
    head: bytes,
    content: bytes | None,
    encoding: str,
    delimiter: str | None,
) -> ReadResult:
    frame = None
    facts: dict[str, Any] = {}
    warnings: list[str] = []
    if content is None and encoding in ("auto", "utf-8", "utf8") and _plain_utf8_head(head):
        # Fast path: polars reads the file itself, without a copy in Python.
        text_head = head.decode("utf-8-sig", errors="ignore")
        separator = delimiter or sniff_delimiter(text_head)
        names, named, warned = _named(path, _header(path, text_head, separator))
        try:
            frame = _polars_csv(path, separator, names, path)
            facts = named | {"encoding": "utf-8", "bom": head.startswith(codecs.BOM_UTF8)}
            warnings = warned
        except _NotUtf8:
            if encoding != "auto":
                raise InputError(
                    f"{path}: not valid utf-8; leave --encoding at auto to detect the encoding"
                ) from None
    if frame is None:
        data = content if content is not None else path.read_bytes()
        decoded = decode_csv(path, data, encoding)
        separator = delimiter or sniff_delimiter(decoded.text[:_SNIFF_BYTES])
        names, named, warned = _named(path, _header(path, decoded.text, separator))
        frame = _polars_csv(decoded.text.encode("utf-8"), separator, names, path)
        facts = decoded.facts | named
        warnings = decoded.warnings + warned
    typed = decide_types(frame)
    return ReadResult(
        typed.frame,
        facts | {"delimiter": separator} | typed.facts,
        warnings + typed.warnings,
        typed.short_years,
    )


READ_BATCH_ROWS = 100_000  # rows of a large CSV parsed at a time when a run holds its tables


def _large(path: Path) -> bool:
    try:
        return path.stat().st_size >= held.HELD_BYTES
    except OSError:
        return False


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
    options: dict[str, Any] = {
        "separator": separator,
        "infer_schema": False,
        "encoding": "utf8",
        "has_header": False,
        "skip_rows": 1,
        "new_columns": names,
    }
    shelf = held.active()
    try:
        if shelf is not None and isinstance(source, Path) and _large(source):
            # a run holding its tables on disk: read in batches, each written to the shelf
            batches = pl.scan_csv(source, **options).collect_batches(
                chunk_size=READ_BATCH_ROWS, engine="streaming"
            )
            frame = shelf.stream(batches, f"read-{path.stem}")
            if frame is None:
                frame = pl.DataFrame({n: [] for n in names}, schema=dict.fromkeys(names, pl.String))
        else:
            frame = pl.read_csv(source, **options)
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


class Typed(NamedTuple):
    """A table with its text columns cast, and what was decided (for the manifest and the log).

    ``short_years``: per date column written with two-digit years, which rows were (for
    re-anchoring them on linked tables).
    """

    frame: pl.DataFrame
    facts: dict[str, Any]
    warnings: list[str]
    short_years: dict[str, pl.Series]


def infer_types(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its text columns cast as :func:`decide_types` decides (only the table)."""
    return decide_types(frame).frame


def decide_types(frame: pl.DataFrame) -> Typed:
    """Cast all-string columns to Int64, Float64, Boolean, Date or Datetime where every value fits.

    Stricter than polars' own inference on purpose: digit strings with a leading zero (ZIP codes,
    account numbers), integers longer than 15 digits (card numbers) and numbers a spreadsheet
    wrote in scientific notation stay strings, so no identifier loses characters. Tokens such as
    ``NaN``, ``inf`` or ``NA`` in an otherwise numeric column become missing values. Dates and
    times are read by :mod:`synthpriv.io.dates` in every form it knows (ISO 8601 with zones,
    12-hour clocks, month names, two-digit years, epoch numbers and Excel serials where the header
    says time or date).

    It never raises on a cell's content: a column whose cast fails stays as it was, with a
    warning naming the column.

    Returns:
        The cast table, and what was decided: facts, warnings and the rows with two-digit years.
    """
    facts: dict[str, Any] = {}
    warnings: list[str] = []
    short_years: dict[str, pl.Series] = {}
    forms: dict[str, dates.Form] = {}
    typed: list[pl.Series] = []  # put in at once: a frame rebuilt per column is quadratic
    for name in frame.columns:
        column = frame.get_column(name)
        if column.dtype != pl.String:
            continue
        try:
            values = _cells(column)
            if values.len() == 0:
                continue
            cast = _cast_for(name, values)
            if cast.spreadsheet_numbers:
                facts.setdefault("spreadsheet_numbers", []).append(name)
            if cast.missing_tokens:
                facts.setdefault("missing_tokens", {})[name] = cast.missing_tokens
            warnings.extend(cast.warnings)
            if cast.form is not None:
                forms[name] = cast.form
            if cast.expr is not None:
                if name in forms and any("%y" in f for f in forms[name].formats):
                    short_years[name] = (
                        column.str.strip_chars().str.contains(dates.SHORT_YEAR).fill_null(False)
                    )
                cast_column = _checked(column, _cast_in_slices(column, cast.expr.alias(name)))
                typed.append(held.column(cast_column))  # on a run's shelf when large
        except pl.exceptions.PolarsError:
            forms.pop(name, None)
            short_years.pop(name, None)
            facts.setdefault("kept_as_text", []).append(name)
            warnings.append(f"column {name!r}: its type could not be decided; kept as text")
    if typed:
        frame = frame.with_columns(typed)
    frame, found, said = _numbers_as_times(frame)
    forms |= found
    warnings += said
    frame, rules, said = _centuries(frame, forms, short_years)
    for name, rule in rules.items():
        forms[name] = replace(forms[name], century=rule)
    if rules:
        facts["two_digit_years"] = rules
    warnings += said
    if forms:
        facts["datetime_forms"] = {name: form.to_dict() for name, form in forms.items()}
    return Typed(frame, facts, warnings, short_years)


@dataclass
class TypePlan:
    """Casts decided on a sample, to apply to every part of a table read elsewhere (Spark).

    ``casts`` maps a column to the polars expression :func:`infer_types` would cast it with;
    ``facts`` and ``warnings`` are what reading the sample found (date forms among them).
    """

    casts: dict[str, pl.Expr]
    facts: dict[str, Any]
    warnings: list[str]

    def lost(self, name: str) -> pl.Expr:
        """True where a cell of ``name`` held something its cast could not read.

        A missing-value mark (``NA``, ``?``) read as missing counts as read in a number column,
        as :func:`infer_types` reads it; in a date column it is a cell the forms missed.
        """
        text = pl.col(name).cast(pl.String).str.strip_chars()
        held = text.is_not_null() & (text.str.len_chars() > 0)
        numeric = name not in (self.facts.get("datetime_forms") or {})
        if numeric:
            held = held & ~text.str.to_lowercase().is_in(list(MISSING_TOKENS))
        return held & self.casts[name].is_null()


def plan_types(sample: pl.DataFrame) -> TypePlan:
    """The casts :func:`infer_types` chooses on ``sample``, as expressions any part can take.

    One reader for every place a table is read: the Spark path reads its CSV columns as text
    and applies these casts in each partition, so numbers, booleans, date forms, zones, epoch
    and spreadsheet numbers, and two-digit years (anchored on the same row's four-digit dates)
    read as a single run reads them.
    """
    typed, facts, warnings, _ = decide_types(sample)
    forms = facts.get("datetime_forms") or {}
    casts: dict[str, pl.Expr] = {}
    for name in sample.columns:
        if typed.schema[name] == sample.schema[name]:
            continue
        form = dates.Form.from_dict(forms[name]) if name in forms else None
        if form is not None and form.kind == "epoch":
            casts[name] = dates.parse_epoch(name, form.unit or "s")
        elif form is not None and form.kind == "excel_serial":
            casts[name] = dates.parse_excel(name, not form.date_only)
        elif form is not None and form.kind == "digits":
            casts[name] = dates.parse_digits(name, form.formats[0])
        elif form is not None:
            casts[name] = dates.parse_text(name, form)
        else:
            values = sample.get_column(name).drop_nulls().str.strip_chars()
            cast = _cast_for(name, values.filter(values.str.len_chars() > 0)).expr
            if cast is None:
                continue
            casts[name] = cast
    short = [n for n in facts.get("two_digit_years") or {} if n in casts]
    anchors = [
        casts[n].cast(pl.Datetime("us"))
        for n, f in forms.items()
        if n in casts and n not in short and f.get("kind") in ("text", "epoch")
    ]
    anchor = pl.max_horizontal(anchors) if anchors else None
    for name in short:
        parsed = dates.fixed_century(casts[name])
        if anchor is not None:
            parsed = dates.anchored_century(parsed, anchor)
        written_short = pl.col(name).str.strip_chars().str.contains(dates.SHORT_YEAR)
        casts[name] = pl.when(written_short).then(parsed).otherwise(casts[name])
    return TypePlan(casts, facts, warnings)


CAST_ROWS = 1_000_000  # rows of a text column cast at a time


def _cells(column: pl.Series) -> pl.Series:
    """A text column's non-empty cells, stripped of surrounding white space.

    Copies only what needs it: a column with no padded and no empty cell is its own cells
    (the text of 8 million timestamps is some 270 MB; each copy of it was that much more).
    """
    values = column.drop_nulls()
    if values.str.contains(r"^\s|\s$").any():  # Unicode white space, as strip_chars takes
        values = values.str.strip_chars()
    if (values.str.len_bytes() == 0).any():
        values = values.filter(values.str.len_bytes() > 0)
    return values


def _cast_in_slices(column: pl.Series, expr: pl.Expr) -> pl.DataFrame:
    """``column`` cast by ``expr`` (element by element) :data:`CAST_ROWS` rows at a time.

    The casts strip each cell first: cast whole, that is a copy of the column's text; in
    slices, a slice's. The result is the same.
    """
    parts = [
        column.slice(start, CAST_ROWS).to_frame().select(expr)
        for start in range(0, max(column.len(), 1), CAST_ROWS)
    ]
    return pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0]


def _checked(before: pl.Series, after: pl.DataFrame) -> pl.Series:
    """The cast column, if the cast lost no value (else a PolarsError, so the column stays)."""
    cast = after.to_series()
    if cast.null_count() > before.null_count() and cast.dtype.is_temporal():
        # A date form chosen on a sample that some other cell does not fit.
        raise pl.exceptions.InvalidOperationError("a cell outside the chosen date forms")
    return cast


class _Cast(NamedTuple):
    """How one text column is cast (``expr``: None, it stays text) and what that found."""

    expr: pl.Expr | None
    warnings: list[str]
    form: dates.Form | None = None
    spreadsheet_numbers: bool = False
    missing_tokens: int = 0


def _tally(values: pl.Series, **flags: pl.Expr) -> dict[str, int]:
    """How many of ``values`` (as column ``v``) each boolean expression flags, a slice at a time.

    An expression that lower-cases the text makes a copy of it: of a slice, not the column.
    """
    counts = dict.fromkeys(flags, 0)
    for start in range(0, values.len(), CAST_ROWS):
        part = values.slice(start, CAST_ROWS).to_frame("v")
        row = part.select(**{key: flag.sum() for key, flag in flags.items()}).row(0)
        for key, count in zip(flags, row, strict=True):
            counts[key] += int(count or 0)
    return counts


def _cast_for(name: str, values: pl.Series) -> _Cast:
    col = pl.col(name).str.strip_chars()
    v = pl.col("v")
    lower = v.str.to_lowercase()
    tokens = lower.is_in(list(MISSING_TOKENS))
    seen = _tally(
        values,
        mangled=v.str.contains(_MANGLED),
        mangled_or_long=v.str.contains(_MANGLED) | v.str.contains(_LONG_DIGITS),
        tokens=tokens,
        integers=v.str.contains(_INT) | tokens,
        floats=v.str.contains(_FLOAT) | tokens,
        booleans=lower.is_in(list(_BOOLEANS)),
    )
    n = values.len()
    if seen["mangled"] and seen["mangled_or_long"] == n:
        warning = (
            f"column {name!r}: long numbers in scientific notation (as a spreadsheet saves "
            "them); their last digits are lost, kept as text"
        )
        return _Cast(None, [warning], spreadsheet_numbers=True)
    missing = seen["tokens"]
    integers = seen["integers"] == n
    if missing < n and (integers or seen["floats"] == n):
        target = pl.Int64 if integers else pl.Float64
        warnings = (
            [
                f"column {name!r}: {missing} missing-value mark(s) (such as ?, NA, "
                "NaN, inf) in a numeric column read as missing"
            ]
            if missing
            else []
        )
        expr = (
            pl.when(col.str.to_lowercase().is_in(list(MISSING_TOKENS)))
            .then(None)
            .otherwise(col)
            .cast(target)
            .alias(name)
        )
        return _Cast(expr, warnings, missing_tokens=missing)
    if seen["booleans"] == n:
        return _Cast(col.str.to_lowercase() == "true", [])
    form = dates.text_form(values)
    if form is None:
        return _Cast(None, [])
    form.counts = dates.count_forms(values, form)
    return _Cast(dates.parse_text(name, form), _say_form(name, values, form), form)


def _say_form(name: str, values: pl.Series, form: dates.Form) -> list[str]:
    """Warnings about how a date column is written (several forms, ambiguous, mixed zones)."""
    warnings = []
    chosen = form.formats
    if len(chosen) > 1:
        counts = ", ".join(
            f"{count} as {_readable(fmt)}" for fmt, count in zip(chosen, form.counts, strict=True)
        )
        warnings.append(f"column {name!r}: dates written in {len(chosen)} forms ({counts})")
    swapped = _day_month_swapped(chosen[0])
    if len(chosen) == 1 and swapped and sample_reads(values, swapped):
        warnings.append(
            f"column {name!r}: every date reads as month/day and as day/month; read as "
            f"{'month/day' if chosen[0].startswith('%m') else 'day/month'}"
        )
    if form.zone == "mixed":
        warnings.append(
            f"column {name!r}: times with different UTC offsets; read as UTC and written back "
            "in UTC"
        )
    return warnings


def sample_reads(values: pl.Series, fmt: str) -> bool:
    """True when every distinct value (of the forms' sample) also reads in ``fmt``."""
    sample = dates.distinct_sample(values)
    return bool(sample.str.to_datetime(fmt, strict=False).is_not_null().all())


def _readable(fmt: str) -> str:
    return (
        fmt.replace("%Y", "yyyy")
        .replace("%y", "yy")
        .replace("%m", "mm")
        .replace("%d", "dd")
        .replace("%H", "HH")
        .replace("%I", "hh")
        .replace("%M", "MM")
        .replace("%S", "SS")
        .replace("%.f", ".fff")
        .replace("%#z", "zone")
        .replace("%p", "AM/PM")
        .replace("%b", "Mon")
        .replace("%B", "Month")
        .replace("%a", "Day")
        .replace("%A", "Weekday")
    )


def _numbers_as_times(
    frame: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, dates.Form], list[str]]:
    """Epoch numbers where the header (or a neighbour) says time; day numbers where it says date.

    Day numbers: Excel serial days, or dates written as digits (YYYYMMDD, YYMMDD).
    Returns the table, the forms of the columns read as times, and the warnings.
    """
    forms: dict[str, dates.Form] = {}
    warnings: list[str] = []
    names = frame.columns
    units: dict[str, str] = {}
    schema = frame.schema  # once (a wide table asked it per column: quadratic)
    for name in names:
        dtype = schema[name]
        if not dtype.is_numeric() or dtype == pl.Boolean:
            continue
        values = frame.get_column(name).drop_nulls()
        if values.len() == 0:
            continue
        if dtype.is_integer() and dates.says_time(name):
            unit = dates.epoch_unit(values)
            if unit:
                units[name] = unit
                continue
        digits = dates.digit_date_format(values) if dtype.is_integer() else None
        if dates.says_date(name) and digits:
            frame = frame.with_columns(dates.parse_digits(name, digits).alias(name))
            century = dates.century_rule(False) if digits == "%y%m%d" else None
            forms[name] = dates.Form(
                kind="digits", formats=[digits], date_only=True, century=century
            )
            warnings.append(
                f"column {name!r}: dates written as digits ({dates.DIGIT_FORMS[digits]}) in a "
                "date column; read as dates" + (f"; {century}" if century else "")
            )
            continue
        if dates.says_date(name) and dates.is_excel_serial(values):
            with_time = bool(dtype.is_float() and (values % 1 != 0).any())
            frame = frame.with_columns(dates.parse_excel(name, with_time).alias(name))
            forms[name] = dates.Form(kind="excel_serial", date_only=not with_time)
            warnings.append(
                f"column {name!r}: spreadsheet day numbers in a date column; read as dates"
            )
    # A neighbour of an epoch column, in the same unit, named like a span (start/end...).
    schema = frame.schema
    for index, name in enumerate(names):
        dtype = schema[name]
        if name in units or not dtype.is_integer():
            continue
        near = {units.get(n) for n in names[max(0, index - 1) : index + 2] if n in units}
        if len(near) == 1 and dates.words(name) & dates.SPAN_WORDS:
            unit = dates.epoch_unit(frame.get_column(name).drop_nulls())
            if unit in near:
                units[name] = unit
    for name, unit in units.items():
        frame = frame.with_columns(dates.parse_epoch(name, unit).alias(name))
        forms[name] = dates.Form(kind="epoch", unit=unit)
        warnings.append(f"column {name!r}: epoch {unit} in a time column; read as UTC times")
    return frame, forms, warnings


def _centuries(
    frame: pl.DataFrame,
    forms: dict[str, dates.Form],
    short_years: dict[str, pl.Series],
) -> tuple[pl.DataFrame, dict[str, str], list[str]]:
    """Two-digit years: anchored on the row's four-digit dates, else the spreadsheet rule.

    Only the cells written with a two-digit year move; four-digit cells of the same column
    (a spreadsheet keeps dates before 1900 as text) keep their year.

    Returns the table, the century rule of each column moved, and the warnings.
    """
    rules: dict[str, str] = {}
    warnings: list[str] = []
    short = [n for n in short_years if n in forms]
    if not short:
        return frame, rules, warnings
    anchors = [
        n
        for n, f in forms.items()
        if n not in short and frame.schema[n].is_temporal() and f.kind in ("text", "epoch")
    ]
    anchor = (
        pl.max_horizontal([pl.col(n).cast(pl.Datetime("us")) for n in anchors]) if anchors else None
    )
    for name in short:
        parsed = dates.fixed_century(pl.col(name))
        if anchor is not None:
            parsed = dates.anchored_century(parsed, anchor)
        mask = pl.lit(short_years[name])
        frame = frame.with_columns(pl.when(mask).then(parsed).otherwise(pl.col(name)).alias(name))
        anchored = anchor is not None and frame.select(anchor.is_not_null().any()).item()
        rule = dates.century_rule(bool(anchored))
        rules[name] = rule
        warnings.append(f"column {name!r}: two-digit years; {rule}")
    return frame, rules, warnings


def _day_month_swapped(fmt: str) -> str | None:
    if fmt.startswith("%m"):
        return "%d" + fmt[2:5].replace("%d", "%m") + fmt[5:]
    if fmt.startswith("%d") and fmt[3:5] == "%m":
        return "%m" + fmt[2:3] + "%d" + fmt[5:]
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


# ------------------------------------------------------------------------------- folders

_TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


def _folder_problem(path: Path) -> str:
    """Why a folder given where one table was read is not one: what it holds, in one line."""
    try:
        tables = sorted(p.name for p in path.iterdir() if p.is_file() and _is_table_file(p))
    except OSError:
        tables = []
    if not tables:
        return f"{path}: a folder with no CSV or Parquet file in it; give a table's file"
    if len(tables) == 1:
        return (
            f"{path}: a folder of one table ({tables[0]}); give that file, or a folder of two "
            "or more linked tables"
        )
    return f"{path}: is a directory, expected a CSV or Parquet file"


def _is_table_file(path: Path) -> bool:
    """A CSV or Parquet file by name (``t.csv``, ``t.csv.gz``); README or LICENSE files are not."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED_SUFFIXES:
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in _TABLE_SUFFIXES


def load_folder(path: str | os.PathLike[str], *, encoding: str = "auto") -> dict[str, ReadResult]:
    """Read every table of a folder (one file per table), by file stem, sorted by name.

    Dates a spreadsheet wrote with two-digit years are then put in the century their linked
    tables say (:func:`align_centuries`): in an export whose other tables keep four-digit dates,
    the same person's dates agree across tables.

    Raises:
        InputError: The folder is missing, holds no table, or a table cannot be read.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and _is_table_file(p)
    )
    if not files:
        raise InputError(f"{folder}: no CSV or Parquet file in it")
    tables: dict[str, ReadResult] = {}
    for file in files:
        stem = file.name.split(".")[0]
        if stem in tables:
            raise InputError(f"{folder}: two files for table {stem!r}")
        tables[stem] = load_table(file, encoding=encoding)
    return align_centuries(tables)


def align_centuries(
    tables: dict[str, ReadResult], min_overlap: float = 0.5
) -> dict[str, ReadResult]:
    """Re-anchor two-digit years on linked tables' four-digit dates.

    A table links to another through a column of the same name whose values are mostly (at
    least ``min_overlap`` of its distinct values) found there. Each row's anchor is the latest
    four-digit date of its linked rows (by the most specific link first); its two-digit years
    are then put in the century that places them at most 90 years before and 10 years after
    that anchor. Tables are visited until nothing moves, so a table anchored through another
    anchors a third. Rows with no linked date keep the rule they were read with.

    Returns the tables, each one re-anchored replaced by a new result; ``tables`` and its
    results are left as they are.
    """
    tables = dict(tables)
    settled = {name for name, result in tables.items() if not result.facts.get("two_digit_years")}
    pending = [name for name in tables if name not in settled]
    while pending:
        progressed = False
        for name in list(pending):
            result = tables[name]
            anchor, via = _linked_anchor(name, result.frame, tables, settled, min_overlap)
            if anchor is None:
                continue
            frame = result.frame.with_columns(anchor.alias("__anchor__"))
            short = list(result.facts["two_digit_years"])
            moved = frame.with_columns(
                pl.when(pl.lit(result.short_years[n]) if n in result.short_years else True)
                .then(dates.anchored_century(pl.col(n), pl.col("__anchor__")))
                .otherwise(pl.col(n))
                .alias(n)
                for n in short
            ).drop("__anchor__")
            rule = (
                dates.century_rule(True).replace("of the same row or record", "")
                + f"of the linked rows in {', '.join(via)}"
            )
            read_forms = result.facts.get("datetime_forms", {})
            facts = result.facts | {
                "two_digit_years": result.facts["two_digit_years"] | dict.fromkeys(short, rule)
            }
            if read_forms:
                facts["datetime_forms"] = read_forms | {
                    n: read_forms[n] | {"century": rule} for n in short if n in read_forms
                }
            warning = (
                f"two-digit years in {', '.join(repr(n) for n in short)} anchored on "
                f"{', '.join(via)}"
            )
            tables[name] = replace(
                result, frame=moved, facts=facts, warnings=[*result.warnings, warning]
            )
            settled.add(name)
            pending.remove(name)
            progressed = True
        if not progressed:
            break
    return tables


def _linked_anchor(
    name: str,
    frame: pl.DataFrame,
    tables: dict[str, ReadResult],
    settled: set[str],
    min_overlap: float,
) -> tuple[pl.Series | None, list[str]]:
    """Per row of ``frame``: the latest date of the rows linked to it in settled tables."""
    anchor: pl.Series | None = None
    via: list[str] = []
    keys = [
        c
        for c in frame.columns
        if (frame.schema[c].is_integer() or frame.schema[c] == pl.String)
        and frame.get_column(c).n_unique() > 1
    ]
    keys.sort(key=lambda c: -frame.get_column(c).n_unique())  # the most specific link first
    for key in keys:
        mine = frame.get_column(key).drop_nulls().unique()
        for other in sorted(settled):
            theirs = tables[other].frame
            if key not in theirs.columns or theirs.schema[key] != frame.schema[key]:
                continue
            times = [c for c in theirs.columns if theirs.schema[c].is_temporal() and c != key]
            if not times:
                continue
            found = mine.is_in(theirs.get_column(key).implode()).mean() or 0.0
            if found < min_overlap:
                continue
            latest = theirs.group_by(key).agg(
                pl.max_horizontal(pl.col(c).cast(pl.Datetime("us")) for c in times)
                .max()
                .alias("__latest__")
            )
            joined = frame.select(key).join(latest, on=key, how="left", maintain_order="left")
            found_here = joined.get_column("__latest__")
            anchor = found_here if anchor is None else anchor.fill_null(found_here)
            via.append(f"{other} (by {key})")
    return anchor, via
