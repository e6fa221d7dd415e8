"""Small polars helpers whose output columns cannot collide with a user's column names.

A table may have a column called ``count``, ``len``, ``index`` or ``proportion`` (the names
polars gives what it adds), or one spelled like a name synthpriv adds; every count and helper
column goes through here so that such a table runs like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

VALUE, COUNT = "value", "count"


def fresh(name: str, taken: Iterable[str]) -> str:
    """``name``, with underscores added in front until no name of ``taken`` is the same."""
    taken = set(taken)
    while name in taken:
        name = "_" + name
    return name


def value_counts(series: pl.Series, *, sort: bool = False) -> pl.DataFrame:
    """The distinct values of ``series`` (column ``value``) and how many rows hold each (``count``).

    With ``sort``, most frequent first and ties in value order, so the order is reproducible.
    """
    counts = series.alias(VALUE).value_counts(name=COUNT)
    if sort:
        counts = counts.sort([COUNT, VALUE], descending=[True, False], nulls_last=True)
    return counts


def holders(series: pl.Series, people: pl.Series | None) -> pl.DataFrame:
    """Each value of ``series`` with how many people (or, without ``people``, rows) hold it.

    Columns: ``series``' name and ``count``. Missing values are left out; rows of a missing
    person count as one person.
    """
    if people is None:
        return series.drop_nulls().value_counts(name=COUNT)
    return (
        pl.DataFrame([series, people.alias("__who")])
        .drop_nulls(series.name)
        .group_by(series.name)
        .agg(pl.col("__who").n_unique().alias(COUNT))
    )


def is_time(dtype: pl.DataType) -> bool:
    """A date or a datetime (what linked tables order and count gaps in)."""
    return dtype == pl.Date or isinstance(dtype, pl.Datetime)


def micros(series: pl.Series) -> pl.Series:
    """A time column as microseconds since 1970 (naive UTC), as Int64."""
    if series.dtype == pl.Date:
        series = series.cast(pl.Datetime("us"))
    elif series.dtype.time_zone is not None:  # type: ignore[union-attr]
        series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return series.dt.cast_time_unit("us").cast(pl.Int64)


def decimal_places(values: np.ndarray, most: int) -> int | None:
    """The fewest decimal places (at most ``most``) every value of ``values`` is written with.

    ``None`` when some value needs more (a measurement stored at full float precision). A value
    fits when it is within 1e-6 (or a millionth of a millionth) of the places' grid.
    """
    for places in range(most + 1):
        scaled = values * 10.0**places
        if np.all(np.abs(scaled - np.round(scaled)) <= np.maximum(1e-6, 1e-12 * scaled)):
            return places
    return None
