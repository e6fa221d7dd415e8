"""Privacy leakage: exact copies and distance to closest record (DCR), each with its baseline.

The distance is Gower's: numbers (and dates) as |a - b| / range of the training column, capped at
1; categories 0 when equal and 1 otherwise; a missing value is 0 from another missing value and 1
from anything else; the mean over columns. The baseline is a real holdout that the synthesizer
never saw: a synthetic row should be no closer to the training rows than to the holdout rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synthpriv.schema import Kind

_MISSING = -1.0e6  # far outside any scaled range: a missing number is 1 (capped) from any value
_CELLS_PER_CHUNK = 20_000_000


@dataclass
class Encoded:
    """A table turned into a scaled number matrix and a category-code matrix."""

    numbers: np.ndarray
    codes: np.ndarray

    @property
    def width(self) -> int:
        """Number of columns the distance averages over."""
        return self.numbers.shape[1] + self.codes.shape[1]

    def take(self, rows: np.ndarray) -> Encoded:
        """Return the given rows."""
        return Encoded(self.numbers[rows], self.codes[rows])


def encode(frames: list[pl.DataFrame], kinds: dict[str, Kind]) -> list[Encoded]:
    """Encode ``frames`` on a shared scale; the first frame (the training rows) sets the ranges."""
    numeric = [n for n, k in kinds.items() if k in (Kind.NUMERICAL, Kind.DATETIME)]
    categorical = [n for n in kinds if n not in numeric]
    scales = []
    for name in numeric:
        values = _as_float(frames[0].get_column(name))
        finite = values[~np.isnan(values)]
        lo = float(finite.min()) if finite.size else 0.0
        span = float(finite.max() - lo) if finite.size else 0.0
        scales.append((lo, span if span > 0 else 1.0))
    dictionaries = []
    for name in categorical:
        seen = pl.concat([f.get_column(name).cast(pl.String) for f in frames]).drop_nulls().unique()
        dictionaries.append({v: i for i, v in enumerate(seen.sort().to_list())})
    encoded = []
    for frame in frames:
        numbers = np.empty((frame.height, len(numeric)), dtype=np.float64)
        for j, (name, (lo, span)) in enumerate(zip(numeric, scales, strict=True)):
            column = (_as_float(frame.get_column(name)) - lo) / span
            numbers[:, j] = np.where(np.isnan(column), _MISSING, column)
        codes = np.empty((frame.height, len(categorical)), dtype=np.int32)
        for j, (name, mapping) in enumerate(zip(categorical, dictionaries, strict=True)):
            values = frame.get_column(name).cast(pl.String).to_list()
            codes[:, j] = [mapping.get(v, -1) if v is not None else -1 for v in values]
        encoded.append(Encoded(numbers, codes))
    return encoded


def _as_float(series: pl.Series) -> np.ndarray:
    if series.dtype.is_temporal():
        series = series.cast(pl.Datetime("us")).cast(pl.Int64)
    if series.dtype == pl.Boolean:
        series = series.cast(pl.Int8)
    return series.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def nearest_distances(query: Encoded, reference: Encoded) -> np.ndarray:
    """Return each query row's Gower distance to its closest reference row.

    Exact and vectorized: query rows are processed in chunks sized so that one chunk's distance
    block stays near 20 million cells, which bounds memory whatever the table sizes.
    """
    width = max(query.width, 1)
    n_ref = reference.numbers.shape[0]
    if n_ref == 0:
        raise ValueError("reference table is empty")
    chunk = max(1, _CELLS_PER_CHUNK // max(n_ref * width, 1))
    out = np.empty(query.numbers.shape[0], dtype=np.float64)
    for start in range(0, query.numbers.shape[0], chunk):
        stop = start + chunk
        total = np.zeros((min(stop, query.numbers.shape[0]) - start, n_ref), dtype=np.float64)
        for j in range(query.numbers.shape[1]):
            diff = np.abs(query.numbers[start:stop, j, None] - reference.numbers[None, :, j])
            total += np.minimum(diff, 1.0)
        for j in range(query.codes.shape[1]):
            total += query.codes[start:stop, j, None] != reference.codes[None, :, j]
        out[start:stop] = total.min(axis=1) / width
    return out


def wilson_interval(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def exact_copy_share(synthetic: pl.DataFrame, real: pl.DataFrame) -> float:
    """Share of synthetic rows identical to a real row (all columns; missing equals missing)."""
    if synthetic.height == 0:
        return 0.0
    seen = real.hash_rows(seed=0)
    rows = synthetic.hash_rows(seed=0)
    return float(rows.is_in(seen.implode()).mean() or 0.0)


def privacy_metrics(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Exact copies and DCR of ``synthetic`` against training rows, with the holdout baseline.

    The training rows are subsampled (seeded) to the holdout's size, so that with a synthesizer
    that learned nothing individual, a synthetic row is as likely to sit closer to either set:
    the DCR share's ideal is 0.5.
    """
    columns = list(kinds)
    train, holdout, synthetic = (f.select(columns) for f in (train, holdout, synthetic))
    rng = np.random.default_rng(seed)
    size = min(train.height, holdout.height)
    train_eq = train[np.sort(rng.choice(train.height, size, replace=False))]
    holdout_eq = holdout[np.sort(rng.choice(holdout.height, size, replace=False))]

    copies_train = exact_copy_share(synthetic, train_eq)
    copies_holdout = exact_copy_share(synthetic, holdout_eq)

    enc_train, enc_holdout, enc_synth = encode([train_eq, holdout_eq, synthetic], kinds)
    d_train = nearest_distances(enc_synth, enc_train)
    d_holdout = nearest_distances(enc_synth, enc_holdout)
    closer = float(np.sum(d_train < d_holdout) + 0.5 * np.sum(d_train == d_holdout))
    share = closer / len(d_train)
    low, high = wilson_interval(closer, len(d_train))
    # How close is a genuinely new real record to the training rows? (the natural DCR)
    holdout_to_train = nearest_distances(enc_holdout, enc_train)
    return {
        "columns": columns,
        "rows_compared": {"train": size, "holdout": size, "synthetic": synthetic.height},
        "exact_copies": {
            "share_of_train": round(copies_train, 4),
            "baseline_share_of_holdout": round(copies_holdout, 4),
        },
        "dcr": {
            "median_to_train": round(float(np.median(d_train)), 4),
            "median_to_holdout": round(float(np.median(d_holdout)), 4),
            "baseline_median_holdout_to_train": round(float(np.median(holdout_to_train)), 4),
            "p05_to_train": round(float(np.quantile(d_train, 0.05)), 4),
            "share_closer_to_train": round(share, 4),
            "share_ci95": [round(low, 4), round(high, 4)],
            "ideal_share": 0.5,
        },
    }
