"""A column's values at a glance: what class they are, how they spread, what they look like.

The profile is computed once per column from the whole column (counts, ranges, uniqueness: cheap
in polars) and from a seeded sample of distinct values (shapes, dictionaries). It holds numbers
and shares only, never a value, so it can go into the schema as evidence.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from synthpriv.pii.names import (
    all_in_dictionary,
    dictionary_hits,
    name_shape,
    org_marked,
    without_appended_digits,
    words_of,
)
from synthpriv.pii.recognizers.place_gazetteer import place_like
from synthpriv.pii.vocabulary import BOOL, DATE, FLOAT, INT, TEXT

SEX_VALUES = frozenset(
    """
    m f male female w d x u unknown other man woman men women männlich weiblich divers masculino
    femenino masculina feminina homme femme h hombre mujer maschio femmina non-binary nonbinary
    intersex genderfluid genderqueer agender bigender polygender transgender
    """.split()
)
_CODE = r"^[A-Za-z0-9][A-Za-z0-9./_-]{3,}$"  # and holds a digit (checked beside it)
_UUID = (
    r"^(?:[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{24,64})$"
)
# Binary objects written as text: hex longer than any hash (SQL Server's 0x..., PostgreSQL's
# \x...), long unbroken base64, data URIs. Photos, scans and files: never values to model.
_BLOB = (
    r"^(?:(?:0x|\\x)?[0-9a-fA-F]{129,}|[A-Za-z0-9+/]{200,}={0,2}"
    r"|data:[\w/+.-]+;base64,[A-Za-z0-9+/]+={0,2})$"
)
_IPV4 = r"^\d{1,3}(?:\.\d{1,3}){3}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
_USER_AGENT = r"^(?:Mozilla|Opera|Dalvik|curl|Wget|okhttp|python-requests|Python-urllib)/\d"


@dataclass
class Profile:
    """Numbers that describe one column (no values)."""

    value_class: str
    rows: int
    non_null: int
    distinct: int
    # text shape, over the sampled distinct values
    sampled: int = 0
    name_like: float = 0.0
    given: float = 0.0
    surname: float = 0.0
    in_dictionary: float = 0.0
    org_marked: float = 0.0
    places: float = 0.0
    single_word: float = 0.0
    has_digits: float = 0.0
    code_like: float = 0.0
    uuid_like: float = 0.0
    ip_like: float = 0.0
    email_like: float = 0.0
    user_agent_like: float = 0.0
    blob_like: float = 0.0
    mean_words: float = 0.0
    mean_length: float = 0.0
    sex_values: bool = False
    # numbers
    minimum: float | None = None
    maximum: float | None = None
    decimals: float = 0.0
    digits: float = 0.0
    consecutive: bool = False  # unique integers filling most of their range: row numbers
    # dates
    years_spanned: float | None = None
    latest_year: float | None = None
    median_year: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def distinct_ratio(self) -> float:
        """Distinct values per non-missing value."""
        return self.distinct / max(self.non_null, 1)

    @property
    def unique(self) -> bool:
        """Nearly every value different (a key, or something as identifying)."""
        return self.non_null >= 20 and self.distinct_ratio >= 0.95

    def describe(self) -> dict[str, Any]:
        """JSON-ready evidence (rounded shares and counts)."""
        out: dict[str, Any] = {
            "value_class": self.value_class,
            "distinct": self.distinct,
            "distinct_ratio": round(self.distinct_ratio, 4),
        }
        if self.value_class == TEXT:
            for key in ("name_like", "in_dictionary", "org_marked", "places", "code_like"):
                out[key] = round(getattr(self, key), 3)
        if self.value_class in (INT, FLOAT) and self.minimum is not None:
            out["decimals"] = round(self.decimals, 2)
            out["consecutive"] = self.consecutive
        if self.years_spanned is not None:
            out["years_spanned"] = round(self.years_spanned, 1)
        return out


def value_class(series: pl.Series) -> str:
    """``text``, ``int``, ``float``, ``date`` or ``bool`` from the column's dtype."""
    dtype = series.dtype
    if dtype == pl.Boolean:
        return BOOL
    if dtype.is_temporal():
        return DATE
    if dtype.is_integer():
        return INT
    if dtype.is_float():
        return FLOAT
    return TEXT


WHOLE_FLOAT = re.compile(r"\.0+$")
_INT64 = 2.0**63


def whole_numbers(series: pl.Series) -> bool:
    """Whether every value of a float column is a whole number within 64-bit integers.

    Above 2**53 a float is whole whatever it was: an 18-digit user ID written as a float
    (8.405478643549184e+17) has lost its last digits but is still an integer key.
    """
    values = series.drop_nulls()
    if values.len() == 0 or not values.is_finite().all():
        return False
    return bool((values == values.floor()).all() and values.abs().max() < _INT64)


def profile_column(series: pl.Series, sample: list[str], distinct: int | None = None) -> Profile:
    """Profile ``series``; ``sample`` is its seeded sample of distinct values as strings.

    ``distinct`` is the number of distinct non-null values, counted when not given.
    """
    klass = value_class(series)
    if klass == FLOAT and whole_numbers(series):
        # integers a float column holds (pandas writes an integer column with a missing cell
        # as 2281181600.0, a ZIP as 42420.0): profiled as the integers they are
        series = series.cast(pl.Int64)
        sample = [WHOLE_FLOAT.sub("", value) for value in sample]
        klass = INT
    non_null = series.len() - series.null_count()
    profile = Profile(
        value_class=klass,
        rows=series.len(),
        non_null=non_null,
        distinct=series.drop_nulls().n_unique() if distinct is None else distinct,
        sampled=len(sample),
    )
    if klass == INT and profile.non_null:
        _numbers(series, profile)
        if profile.distinct <= 3 and set(series.drop_nulls().unique().to_list()) <= {0, 1}:
            profile.value_class = BOOL
    elif klass == FLOAT and profile.non_null:
        _numbers(series, profile)
    elif klass == DATE and profile.non_null:
        _dates(series, profile)
    if sample and klass in (TEXT, INT):
        _text(sample, profile)
    return profile


def _numbers(series: pl.Series, profile: Profile) -> None:
    values = series.drop_nulls().cast(pl.Float64)
    values = values.filter(values.is_finite())
    if values.len() == 0:
        return
    profile.minimum, profile.maximum = float(values.min()), float(values.max())
    text = series.drop_nulls().head(2000).cast(pl.String)
    if series.dtype.is_float():
        fraction = text.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)
        profile.decimals = float(fraction.median() or 0)
    profile.digits = float(
        text.str.replace(r"^-", "").str.replace(r"\..*$", "").str.len_chars().median() or 0
    )
    if series.dtype.is_integer() and profile.distinct >= 10:
        span = profile.maximum - profile.minimum + 1
        # Row numbers 1..N, or the rows of them a split kept (80% of 1..N spans 1.25x its count).
        profile.consecutive = profile.distinct_ratio >= 0.98 and span <= 1.5 * profile.distinct
    elif series.dtype.is_integer() and profile.distinct >= 2:
        # a handful of rows: only an unbroken 1..N (or k..k+N-1) numbering counts
        span = profile.maximum - profile.minimum + 1
        profile.consecutive = profile.distinct == profile.non_null and span == profile.distinct


def _dates(series: pl.Series, profile: Profile) -> None:
    years = series.drop_nulls().dt.year().cast(pl.Float64)
    if years.len() == 0:
        return
    low, high = years.quantile(0.02), years.quantile(0.98)
    profile.years_spanned = float(high - low) if low is not None and high is not None else None
    profile.latest_year = float(years.max())
    profile.median_year = float(years.median())


def _text(sample: list[str], profile: Profile) -> None:
    n = len(sample)
    counts = dict.fromkeys(
        ("name_like", "given", "surname", "in_dictionary", "org_marked", "places", "single_word"),
        0,
    )
    words_total = length_total = 0
    lowered = set()
    frame = pl.DataFrame({"v": sample})
    shares = frame.select(
        pl.col("v").str.contains(r"\d").mean().alias("has_digits"),
        (pl.col("v").str.contains(_CODE) & pl.col("v").str.contains(r"\d"))
        .mean()
        .alias("code_like"),
        pl.col("v").str.contains(_UUID).mean().alias("uuid_like"),
        pl.col("v").str.contains(_IPV4).mean().alias("ip_like"),
        pl.col("v").str.contains(_EMAIL).mean().alias("email_like"),
        pl.col("v").str.contains(_USER_AGENT).mean().alias("user_agent_like"),
        pl.col("v").str.contains(_BLOB).mean().alias("blob_like"),
    ).row(0, named=True)
    for key, share in shares.items():
        setattr(profile, key, float(share or 0.0))
    for value in sample:
        lowered.add(value.strip().lower())
        words = words_of(value)
        words_total += len(words)
        length_total += len(value)
        candidate = without_appended_digits(value)
        shaped = name_shape(candidate)
        if not shaped and candidate == candidate.lower():
            # all lower case (mary smith): a name when every word is in a name dictionary
            shaped = name_shape(candidate.title()) and all_in_dictionary(candidate)
        counts["name_like"] += shaped
        counts["single_word"] += len(words) == 1
        counts["org_marked"] += org_marked(value)
        counts["places"] += place_like(value)
        if shaped:
            given, surname = dictionary_hits(candidate)
            counts["given"] += given
            counts["surname"] += surname
            counts["in_dictionary"] += given or surname
    for key, count in counts.items():
        setattr(profile, key, count / n)
    profile.mean_words = words_total / n
    profile.mean_length = length_total / n
    profile.sex_values = 2 <= profile.distinct <= 8 and lowered <= SEX_VALUES


BIRTH_REFERENCE_YEAR = 2026
"""The year :func:`birth_dates_likely` measures ages from, unless the column reaches later.

A constant, not the clock: the same table and seed give the same scan, whatever the day."""
MIN_BIRTH_SPAN_YEARS = 25
MIN_MEDIAN_AGE_YEARS = 15


def birth_dates_likely(profile: Profile) -> bool:
    """Dates spread over decades and mostly well in the past read as dates of birth, not events.

    "Now" is not read from the clock, so that a scan (and so a run) gives the same answer any
    day: it is ``BIRTH_REFERENCE_YEAR``, or the column's latest year when that is later (a
    table cannot have been written before its latest date). Birth dates span at least
    ``MIN_BIRTH_SPAN_YEARS`` years and their median is at least ``MIN_MEDIAN_AGE_YEARS`` years
    before "now". Up to the reference year this is the rule as it read against the clock in
    that year; a column with later dates is judged against its own latest date, where the
    clock rule would have called it a column of events (dates after today): read as births, it
    is treated as a quasi-identifier, the cautious side.
    """
    if profile.years_spanned is None or profile.latest_year is None:
        return False
    now = max(BIRTH_REFERENCE_YEAR, profile.latest_year)
    median = profile.median_year if profile.median_year is not None else now
    return profile.years_spanned >= MIN_BIRTH_SPAN_YEARS and median <= now - MIN_MEDIAN_AGE_YEARS


def coordinate_like(profile: Profile, limit: float) -> bool:
    """Numbers within +-``limit`` degrees with at least three decimals, and many distinct ones."""
    return (
        profile.value_class == FLOAT
        and profile.minimum is not None
        and profile.maximum is not None
        and -limit <= profile.minimum
        and profile.maximum <= limit
        and profile.decimals >= 3
        and profile.distinct >= min(20, max(profile.non_null // 2, 2))
    )


def few_distinct(profile: Profile) -> bool:
    """So few distinct values that the column cannot point at one person."""
    return profile.distinct <= 5 and profile.non_null >= 50 or profile.distinct <= 1


def log_spread(profile: Profile) -> float:
    """log10 of the number of distinct values (0 for one value)."""
    return math.log10(max(profile.distinct, 1))
