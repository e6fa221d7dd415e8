"""Dates and times as systems write them: one reader for CSV text, Parquet strings and Spark.

What real exports write, and how each is read:

* ISO 8601 with or without a zone (``2014-10-14T04:17:47Z``, ``…+02:00``, ``….250Z``): zoned
  values are converted to UTC for modelling; the zone (one fixed offset, or ``mixed``) is
  recorded and synthetic values are written back with it;
* day/month/year and month/day/year with ``/``, ``-`` or ``.``, 24-hour or 12-hour times
  (``10/14/2014 04:17 PM``), month names (``14 Oct 2014``, ``Oct 14, 2014``, ``14-OCT-14``)
  and e-mail/HTTP dates (``Tue, 14 Oct 2014 04:17:47 +0000``);
* two-digit years (``3/5/94 0:00``, what a spreadsheet writes back): ambiguous, so the century is
  picked by the rule in :func:`century_rule` and stated in a warning and in the reading facts;
* epoch seconds, milliseconds, microseconds or nanoseconds, only in a column whose header says
  time (``created_at``, ``timestamp``, ``event_time``…) or whose neighbour is such a column in
  the same unit: elsewhere a long number is a key, not a time;
* Excel serial day numbers (``41926``, ``41926.18``) only in a column whose header says date;
* dates written as digits, ``20141014`` (YYYYMMDD, as SAS and banking systems write them) or
  ``941014`` (YYMMDD, the century by the spreadsheet rule), only in a column whose header says
  date and whose every value is a valid date so written.

A column is a date column only when every non-empty cell parses; otherwise it stays as it was.
Each column's *form* (how its values were written) is returned so that synthetic values can be
written back the same way (:func:`write_back`). Nothing here raises on a cell's content.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

_SAMPLE = 2000
_MAX_FORMS = 4

# ISO 8601: polars' %#z reads Z, +02:00 and +0200; %.f reads an optional fraction.
_ISO_ZONED = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M%#z",
    "%a, %d %b %Y %H:%M:%S %#z",
    "%d %b %Y %H:%M:%S %#z",
)
_ISO = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y%m%dT%H%M%S",
)
_NUMERIC_DATES = (
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y.%m.%d",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%y",
    "%d-%m-%y",
    "%m-%d-%y",
)
_NAMED_DATES = (
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%a, %d %b %Y",
    "%A, %B %d, %Y",
)
_TIMES = (
    "",
    " %H:%M",
    " %H:%M:%S",
    " %H:%M:%S%.f",
    "T%H:%M:%S",
    " %I:%M %p",
    " %I:%M:%S %p",
    " %I:%M%p",
)
# A cheap first look: dates are short, contain a digit, and only these characters.
_PLAUSIBLE = r"^[0-9A-Za-z ,./:+\-]{6,40}$"
_ZONE = r"(Z|[+-]\d{2}(?::?\d{2})?)$"
# a zone after a time (…:47Z, …:47-07, …:47 +0000), not a date's -2014
_ZONED = r":\d{2}(?:\.\d+)?\s?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
# Cells whose year has two digits: 3/5/94, 3/5/94 0:00, 14-OCT-14, 14 Oct 14.
SHORT_YEAR = r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2}(?:[ T]|$)|^\d{1,2}[- ][A-Za-z]{3}[- ]\d{2}(?:[ T]|$)"

# Epoch units: the values of each unit that fall between 1973 and 2100 do not overlap.
_EPOCH_UNITS = (
    ("s", 100_000_000, 4_102_444_800),
    ("ms", 100_000_000_000, 4_102_444_800_000),
    ("us", 100_000_000_000_000, 4_102_444_800_000_000),
    ("ns", 100_000_000_000_000_000, 4_102_444_800_000_000_000),
)
# Excel serial days between 1910-01-01 and 2099-12-31 (day 0 is 1899-12-30).
_EXCEL_RANGE = (3653, 73050)
_TIME_WORDS = {
    "time",
    "timestamp",
    "ts",
    "datetime",
    "epoch",
    "created",
    "updated",
    "modified",
    "deleted",
    "at",
    "when",
    "dt",
    "date",
    "unix",
    "logged",
    "occurred",
    "started",
    "ended",
}
_DATE_WORDS = {
    "date",
    "dob",
    "birth",
    "birthday",
    "birthdate",
    "dt",
    "day",
    "datum",
    "fecha",
    "admitted",
    "discharged",
    "died",
    "death",
    "dod",
    "visit",
    "since",
    "until",
    "expiry",
    "expires",
}
SPAN_WORDS = {"start", "end", "begin", "stop", "from", "to", "until", "since", "expires", "last"}


@dataclass
class Form:
    """How one column's dates or times were written, to read them and write them back."""

    kind: str  # "text", "epoch", "excel_serial" or "digits"
    formats: list[str] = field(default_factory=list)  # text, digits: the forms, most used first
    counts: list[int] = field(default_factory=list)  # cells written in each form
    zone: str | None = None  # text: "Z", "+02:00", "mixed" (written back as UTC), or None
    fraction: int = 0  # digits of second fractions written
    unit: str | None = None  # epoch: "s", "ms", "us", "ns"
    century: str | None = None  # two-digit years: the rule that picked the century
    date_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (for the reading facts, the manifest and the column schema)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], 0, False)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form:
        """Read back :meth:`to_dict`."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def words(name: str) -> set[str]:
    """The lower-case words of a header: ``createdAt`` and ``created_at`` give created, at."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w}


def says_time(name: str) -> bool:
    """True when a header names a time (``created_at``, ``EventTime``, ``ts``)."""
    return bool(words(name) & _TIME_WORDS)


def says_date(name: str) -> bool:
    """True when a header names a calendar date (``DOB``, ``admit_date``, ``Fecha``)."""
    tokens = words(name)
    return bool(tokens & _DATE_WORDS) or any(t.endswith("date") for t in tokens)


def _candidates(has_time: bool, has_zone: bool, has_letters: bool) -> list[str]:
    if has_zone:
        return list(_ISO_ZONED)
    out = list(_ISO)
    dates = _NUMERIC_DATES + (_NAMED_DATES if has_letters else ())
    suffixes = _TIMES if has_time else ("",)
    out += [d + t for d in dates for t in suffixes]
    if not has_letters:
        out = [f for f in out if "%p" not in f]
    return out


def _parse(values: pl.Expr | pl.Series, fmt: str):
    zoned = "%#z" in fmt
    return values.str.to_datetime(
        fmt, strict=False, time_zone="UTC" if zoned else None, time_unit="us"
    )


def _naive(parsed):
    """Zoned results as naive UTC (what every model and metric works with)."""
    return parsed.dt.replace_time_zone(None)


_DISTINCT_ROWS = 1_000_000


def distinct_sample(values: pl.Series) -> pl.Series:
    """At most 2,000 distinct values, the same ones on every run (forms are chosen on them).

    Made distinct a million cells at a time, then sorted: a hash table of every cell was some
    120 MB for 4 million timestamps, and a table's order of its keys is not the same on every
    run.
    """
    parts = [
        values.slice(start, _DISTINCT_ROWS).unique()
        for start in range(0, values.len(), _DISTINCT_ROWS)
    ]
    distinct = (pl.concat(parts) if len(parts) > 1 else parts[0]) if parts else values
    distinct = distinct.unique().sort() if len(parts) > 1 else distinct.sort()
    return distinct.sample(min(_SAMPLE, distinct.len()), seed=0)


def text_form(values: pl.Series) -> Form | None:
    """The form(s) in which all of ``values`` (non-empty strings) are dates, or None.

    Forms are chosen on a sample of distinct values, greedily (the form that reads the most
    first, up to four); the whole column must then read, or it is not a date column.
    """
    sample = distinct_sample(values)
    if not sample.str.contains(_PLAUSIBLE).all() or not sample.str.contains(r"\d").all():
        return None
    if not sample.str.contains(r"\d[-/.]\d|\d[\s-]*[A-Za-z]{3}|[A-Za-z]{3}\.?[\s-]*\d").all():
        return None
    zone = sample.str.contains(_ZONED)
    if zone.any() and not zone.all():
        return None
    formats = _candidates(
        bool(sample.str.contains(r"\d:\d").any()),
        bool(zone.all()),
        bool(sample.str.contains(r"[A-Za-z]{2}").any()),
    )
    # A two-digit year also parses under %Y (as year 94 AD): cells with a two-digit year are read
    # only by two-digit-year forms, the others only by four-digit ones.
    short = sample.str.contains(SHORT_YEAR)
    chosen: list[str] = []
    for part, allowed in (
        (sample.filter(short), [f for f in formats if "%y" in f]),
        (sample.filter(~short), [f for f in formats if "%y" not in f]),
    ):
        picked = _greedy(part, allowed) if part.len() else []
        if picked is None:
            return None
        chosen += picked
    fraction = max(  # a million cells at a time: the digits extracted are text too
        (
            values.slice(start, 1_000_000).str.extract(r":\d{2}\.(\d+)", 1).str.len_chars().max()
            or 0
            for start in range(0, values.len(), 1_000_000)
        ),
        default=0,
    )
    return Form(
        kind="text",
        formats=chosen,
        zone=_zone_of(values) if zone.all() else None,
        fraction=int(fraction or 0),
        date_only=not any("%H" in f or "%I" in f for f in chosen),
    )


def _greedy(sample: pl.Series, formats: list[str]) -> list[str] | None:
    """Forms that read every value of ``sample``, the one reading most first; None if none do."""
    chosen: list[str] = []
    remaining = sample
    while remaining.len() and len(chosen) < _MAX_FORMS:
        best, best_hits = None, 0
        for fmt in formats:
            hits = int(_parse(remaining, fmt).is_not_null().sum())
            if hits > best_hits:
                best, best_hits = fmt, hits
        if best is None:
            return None
        chosen.append(best)
        remaining = remaining.filter(_parse(remaining, best).is_null())
    return None if remaining.len() else chosen


def _zone_of(values: pl.Series) -> str:
    """The column's one zone as it is written (`` +0000`` stays so, its space too), or ``mixed``."""
    written = values.str.extract(r"(\s?" + _ZONE[:-1] + r")$", 1).drop_nulls()
    zones = written.str.strip_chars().str.replace(r"^([+-]\d{2})(\d{2})$", "$1:$2")
    zones = zones.str.replace(r"^([+-]\d{2})$", "$1:00")
    zones = zones.str.replace(r"^[+-]00:00$", "Z")
    if zones.n_unique() != 1:
        return "mixed"
    return str(written.mode().sort()[0])


def parse_text(name: str, form: Form) -> pl.Expr:
    """The expression reading column ``name`` (strings) in ``form``, as naive UTC."""
    col = pl.col(name).str.strip_chars()
    parsed = pl.coalesce(
        [_naive(_parse(col, f)) if "%#z" in f else _parse(col, f) for f in form.formats]
    )
    return parsed.dt.date() if form.date_only else parsed


def count_forms(values: pl.Series, form: Form) -> list[int]:
    """How many cells each of the form's formats read (the first that reads a cell counts it).

    One form reads every cell by construction: only several forms are parsed to count them.
    """
    if len(form.formats) == 1:
        return [values.len()]
    left = values
    counts = []
    for fmt in form.formats:
        hit = _parse(left, fmt).is_not_null()
        counts.append(int(hit.sum()))
        left = left.filter(~hit)
    return counts


# ------------------------------------------------------------------------------- centuries


def century_rule(anchored: bool) -> str:
    """The stated rule for two-digit years (recorded in the reading facts and warned about)."""
    if anchored:
        return (
            "two-digit years are put in the century that places the date at most 90 years "
            "before and 10 years after the latest four-digit date of the same row or record"
        )
    return (
        "two-digit years 30-99 are read as 1930-1999 and 00-29 as 2000-2029 (the rule "
        "spreadsheets use); no four-digit date of the same row anchors them"
    )


def fixed_century(parsed: pl.Expr) -> pl.Expr:
    """Two-digit years by the spreadsheet rule: 1930-2029 (chrono reads 1969-2068)."""
    year = parsed.dt.year()
    return (
        pl.when(year >= 2030)
        .then(parsed.dt.offset_by("-100y"))
        .when(year < 1930)
        .then(parsed.dt.offset_by("100y"))
        .otherwise(parsed)
    )


def anchored_century(parsed: pl.Expr, anchor: pl.Expr) -> pl.Expr:
    """Move ``parsed`` by whole centuries into (anchor - 90 years, anchor + 10 years].

    Rows without an anchor keep ``parsed`` as it is.
    """
    a_year = anchor.dt.year()
    year = parsed.dt.year()
    # Whole centuries to add so that year lands in (a_year - 90, a_year + 10].
    shift = ((a_year + 10 - year) / 100).floor().cast(pl.Int32)
    moved = parsed.dt.offset_by(pl.format("{}y", shift * 100))
    return pl.when(anchor.is_null()).then(parsed).otherwise(moved)


# ------------------------------------------------------------------------------ numbers


def epoch_unit(values: pl.Series) -> str | None:
    """The epoch unit in which every value of an integer column lies between 1973 and 2100."""
    low, high = values.min(), values.max()
    if low is None or high is None:
        return None
    for unit, lo, hi in _EPOCH_UNITS:
        if lo <= low and high <= hi:
            return unit
    return None


def parse_epoch(name: str, unit: str) -> pl.Expr:
    """Column ``name`` (integers since 1970-01-01 UTC) as a naive UTC datetime."""
    return pl.from_epoch(pl.col(name).cast(pl.Int64), time_unit=unit).dt.cast_time_unit("us")


def is_excel_serial(values: pl.Series) -> bool:
    """Every value is a plausible Excel day number (1910-2099)."""
    low, high = values.min(), values.max()
    return low is not None and _EXCEL_RANGE[0] <= low and high <= _EXCEL_RANGE[1]


def parse_excel(name: str, with_time: bool) -> pl.Expr:
    """Excel serial days (day 0 = 1899-12-30, the 1900 leap-year bug included) as dates."""
    days = pl.col(name).cast(pl.Float64)
    base = pl.datetime(1899, 12, 30)
    parsed = base + pl.duration(microseconds=(days * 86_400_000_000).round(0).cast(pl.Int64))
    return parsed if with_time else parsed.dt.date()


DIGIT_FORMS = {"%Y%m%d": "YYYYMMDD", "%y%m%d": "YYMMDD"}
# YYMMDD from 2010: a year 00-09 loses its leading zero (50315) and reads as an Excel day
_DIGIT_RANGES = (("%Y%m%d", 18000101, 20991231), ("%y%m%d", 100101, 991231))


def digit_date_format(values: pl.Series) -> str | None:
    """``%Y%m%d`` or ``%y%m%d`` when every value of an integer column is a date so written."""
    low, high = values.min(), values.max()
    if low is None or high is None:
        return None
    for fmt, lo, hi in _DIGIT_RANGES:
        if lo <= low and high <= hi:
            distinct = values.unique().cast(pl.Int64).cast(pl.String)
            parsed = distinct.str.strptime(pl.Date, fmt, strict=False)
            return fmt if parsed.null_count() == 0 else None
    return None


def parse_digits(name: str, fmt: str) -> pl.Expr:
    """Column ``name`` (dates written as the digits of ``fmt``) as dates."""
    text = pl.col(name).cast(pl.Float64).cast(pl.Int64).cast(pl.String).str.strip_chars()
    parsed = text.str.strptime(pl.Date, fmt, strict=False)
    return fixed_century(parsed) if fmt == "%y%m%d" else parsed


# ------------------------------------------------------------------------------ writing back


def write_back(frame: pl.DataFrame, forms: dict[str, dict[str, Any]]) -> pl.DataFrame:
    """Write the date columns of ``frame`` back in the form they were read in.

    Zoned columns get their zone back (a fixed offset is applied; ``mixed`` is written in UTC with
    ``Z``); epoch and Excel columns become numbers again. Columns not in ``forms``, or no longer
    dates, are left alone.
    """
    exprs = []
    for name, data in forms.items():
        if name not in frame.columns or not frame.schema[name].is_temporal():
            continue
        form = Form.from_dict(data)
        exprs.append(_written(name, form, frame.schema[name]).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _written(name: str, form: Form, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Date:
        col = col.cast(pl.Datetime("us"))
    if form.kind == "epoch":
        return col.dt.epoch(time_unit=form.unit or "s")
    if form.kind == "excel_serial":
        days = (col - pl.datetime(1899, 12, 30)).dt.total_microseconds() / 86_400_000_000
        return days.round(6) if not form.date_only else days.floor().cast(pl.Int64)
    if form.kind == "digits":
        return col.dt.strftime(form.formats[0]).cast(pl.Int64)
    fmt = form.formats[0] if form.formats else "%Y-%m-%dT%H:%M:%S"
    fraction = f"%.{form.fraction}f" if form.fraction in (3, 6, 9) else ""
    fmt = fmt.replace("%.f", fraction)
    if form.zone is None:
        return col.dt.strftime(fmt)
    utc = form.zone.strip() in ("Z", "mixed")
    offset = 0 if utc else _minutes(form.zone)
    local = col + pl.duration(minutes=offset)
    # the zone as the input wrote it, with the space before it if it had one
    suffix = "Z" if form.zone == "mixed" else form.zone
    sep = " " if fmt.endswith(" %#z") and not suffix.startswith(" ") else ""
    return local.dt.strftime(fmt.replace(" %#z", "").replace("%#z", "")) + pl.lit(sep + suffix)


def _minutes(zone: str) -> int:
    """``+02:00``, ``+0200`` or ``+02`` as minutes east of UTC."""
    zone = zone.strip()
    sign = -1 if zone.startswith("-") else 1
    digits = zone[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
