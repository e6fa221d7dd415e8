"""Row hashes that decide the split and the order of samples, the same wherever they are computed.

Both executors call :func:`with_hashes` on polars frames (Spark in its partitions, through
``mapInArrow``), so one seed puts the same rows in the holdout and draws the same sample on one
machine and on a cluster. The hash is ours, not polars' (``hash_rows`` may change between
polars versions and CPUs): numbers are mixed by their bits with SplitMix64, text by an 8-byte
BLAKE2b of each distinct value. It sees every value and whether it is missing, and nothing about
the row's position, so identical rows go to the same side of the split and a partition boundary
moves nothing.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

HASH, ORDER, HOLDOUT = "__synthpriv_hash", "__synthpriv_order", "__synthpriv_holdout"
HIDDEN = (HASH, ORDER, HOLDOUT)
SAME = "__synthpriv_same__"  # + a column replaced in place: is the row's own value still there
SHARE_UNITS = 1_000_000
_MISSING = np.uint64(0x6A09E667F3BCC909)  # a missing cell: no value hashes to it by design
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_ORDER_SALT = np.uint64(0xBB67AE8584CAA73B)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, element-wise on uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _text_hashes(series: pl.Series) -> np.ndarray:
    """An 8-byte BLAKE2b of each cell's UTF-8 text, computed once per distinct value."""
    distinct = series.drop_nulls().unique()
    digests = [
        int.from_bytes(hashlib.blake2b(v.encode(), digest_size=8).digest(), "little")
        for v in distinct.to_list()
    ]
    mapped = series.replace_strict(
        distinct, pl.Series(digests, dtype=pl.UInt64), default=None, return_dtype=pl.UInt64
    )
    return mapped.fill_null(int(_MISSING)).to_numpy().astype(np.uint64, copy=False)


def canonical_column(series: pl.Series) -> pl.Series:
    """The column as both executors hold it: one type per kind of value.

    Integers of any width are Int64, floats Float64 (``-0.0`` is ``0.0``), times naive UTC in
    microseconds; anything else is text. A local read and a Spark read of one file give equal
    canonical columns.
    """
    dtype = series.dtype
    if dtype == pl.Boolean or dtype.is_integer():
        return series.cast(pl.Int64)
    if dtype.is_float() or isinstance(dtype, pl.Decimal):
        return series.cast(pl.Float64) + 0.0  # -0.0 + 0.0 is 0.0
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        return series.dt.cast_time_unit("us")
    if dtype in (pl.Date, pl.Time) or isinstance(dtype, pl.Duration):
        return series
    return series.cast(pl.String)


def row_hashes(frame: pl.DataFrame, seed: int) -> np.ndarray:
    """A 64-bit hash of each row's values, keyed by ``seed`` (uint64, one per row)."""
    state = np.full(frame.height, _mix(np.array([seed], dtype=np.uint64) ^ _GOLDEN)[0])
    for position, name in enumerate(frame.columns):
        column = canonical_column(frame.get_column(name))
        if column.dtype == pl.String:
            cells = _text_hashes(column)
        else:
            physical = column.to_physical()
            if physical.dtype == pl.Float64:
                bits = physical.fill_nan(float("nan")).to_numpy().view(np.uint64)
            else:
                bits = physical.cast(pl.Int64).fill_null(0).to_numpy().view(np.uint64)
            cells = np.where(physical.is_null().to_numpy(), _MISSING, _mix(bits ^ _GOLDEN))
        with np.errstate(over="ignore"):
            state = _mix(state ^ cells + np.uint64(position) * _GOLDEN)
    return state


def with_hashes(frame: pl.DataFrame, seed: int, holdout_share: float) -> pl.DataFrame:
    """Add the row hash, the holdout flag and the sampling order (signed 64-bit) to ``frame``.

    A row is held out by its hash keyed by the table's content (:func:`table_key`): the
    holdout's share is ``holdout_share`` up to chance, and the training part of a split, split
    again with the same seed, is split afresh (a subset is another table). The order is a second
    hash of the row's own, so the sample order is not the split's.
    """
    hashes = row_hashes(frame, seed)
    return frame.with_columns(
        pl.Series(HASH, hashes.view(np.int64)),
        pl.Series(ORDER, _mix(hashes ^ _ORDER_SALT).view(np.int64)),
        pl.Series(HOLDOUT, held_out(hashes, table_key(*key_parts(hashes)), holdout_share)),
    )


def unflagged(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The row hash and sampling order of a part of a table (the holdout flag comes later).

    A Spark partition knows its rows, not the table's key: :func:`flagged` adds the flag once
    one pass has summed the key's parts over every partition.
    """
    hashes = row_hashes(frame, seed)
    return frame.with_columns(
        pl.Series(HASH, hashes.view(np.int64)),
        pl.Series(ORDER, _mix(hashes ^ _ORDER_SALT).view(np.int64)),
        pl.lit(False).alias(HOLDOUT),
    )


def flagged(frame: pl.DataFrame, key: np.uint64, holdout_share: float) -> pl.DataFrame:
    """Rows hashed by :func:`unflagged`, with the holdout flag of the table's ``key``."""
    hashes = frame.get_column(HASH).to_numpy().view(np.uint64)
    return frame.with_columns(pl.Series(HOLDOUT, held_out(hashes, key, holdout_share)))


def key_parts(hashes: np.ndarray) -> tuple[int, int]:
    """The order-free parts of a table's key: the sum of the hashes' low 32 bits, their xor.

    Spark sums and xors the same (a sum of 64-bit values would overflow there).
    """
    low = int((hashes & np.uint64(0xFFFFFFFF)).sum(dtype=np.uint64)) if hashes.size else 0
    xor = int(np.bitwise_xor.reduce(hashes)) if hashes.size else 0
    return low, xor


def table_key(low: int, xor: int) -> np.uint64:
    """A table's content key from :func:`key_parts` (any row added or changed moves it)."""
    mask = (1 << 64) - 1
    return _mix(np.array([(low & mask) ^ (xor & mask)], dtype=np.uint64))[0]


def held_out(hashes: np.ndarray, key: np.uint64, holdout_share: float) -> np.ndarray:
    """Which rows the holdout gets: the row's hash mixed with the table's key, below the cut."""
    cut = np.uint64(int(round(holdout_share * SHARE_UNITS)))
    return _mix(hashes ^ key) % np.uint64(SHARE_UNITS) < cut


def hashed_like(frame: pl.DataFrame) -> pl.DataFrame:
    """The empty frame :func:`with_hashes` makes of ``frame`` (its columns and types)."""
    return with_hashes(frame.head(0), 0, 0.5)
