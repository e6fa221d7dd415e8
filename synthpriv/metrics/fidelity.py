"""Fidelity: how alike the synthetic table is to the real one, column by column and in pairs.

Definitions follow SDMetrics so figures can be compared: KS complement (1 - Kolmogorov-Smirnov
statistic) for numbers and dates, TV complement (1 - total variation distance) for categories,
correlation similarity (1 - |r_real - r_synth| / 2) for number pairs, contingency similarity
(1 - TVD of the joint frequencies, numbers in 10 equal-width bins of the real range) otherwise.
Missing values are left out of each comparison, as SDMetrics does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations

import numpy as np
import polars as pl
from scipy import stats

from synthpriv.metrics.base import MetricError, MetricResult, guarded
from synthpriv.schema import Kind

BINS = 10
_CONTINUOUS = {Kind.NUMERICAL, Kind.DATETIME}


def _numbers(series: pl.Series) -> np.ndarray:
    if series.dtype.is_temporal():
        series = series.cast(pl.Datetime("us")).cast(pl.Int64)
    values = series.drop_nulls().cast(pl.Float64).to_numpy()
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise MetricError("no non-missing values")
    return values


def ks_complement(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - the two-sample Kolmogorov-Smirnov statistic."""
    return 1.0 - float(stats.ks_2samp(_numbers(real), _numbers(synthetic)).statistic)


def _frequencies(series: pl.Series) -> dict[object, float]:
    values = series.drop_nulls()
    if values.len() == 0:
        raise MetricError("no non-missing values")
    counts = values.value_counts()
    total = values.len()
    return dict(zip(counts[:, 0].to_list(), (counts[:, 1] / total).to_list(), strict=True))


def total_variation(p: dict[object, float], q: dict[object, float]) -> float:
    """Half the L1 distance between two frequency tables, summed in a fixed key order."""
    keys = sorted(set(p) | set(q), key=str)
    return 0.5 * math.fsum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


def tv_complement(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - total variation distance between the category frequencies."""
    p, q = _frequencies(real.cast(pl.String)), _frequencies(synthetic.cast(pl.String))
    return 1.0 - total_variation(p, q)


def _coefficient_similarity(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    a: str,
    b: str,
    coefficient: Callable[[np.ndarray, np.ndarray], float],
) -> float:
    """1 - |coefficient (real) - coefficient (synthetic)| / 2, on rows where both are present."""
    values = []
    for frame in (real, synthetic):
        both = frame.select(a, b).drop_nulls()
        x, y = _numbers(both.get_column(a)), _numbers(both.get_column(b))
        if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
            raise MetricError("a column is constant, correlation undefined")
        values.append(coefficient(x, y))
    return 1.0 - abs(values[0] - values[1]) / 2.0


def correlation_similarity(real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str) -> float:
    """1 - |Pearson r (real) - Pearson r (synthetic)| / 2, on rows where both are present."""
    return _coefficient_similarity(
        real, synthetic, a, b, lambda x, y: float(np.corrcoef(x, y)[0, 1])
    )


def spearman_similarity(real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str) -> float:
    """1 - |Spearman rho (real) - Spearman rho (synthetic)| / 2, on rows where both are present."""
    return _coefficient_similarity(
        real, synthetic, a, b, lambda x, y: float(stats.spearmanr(x, y).statistic)
    )


def _discretize(real: pl.Series, other: pl.Series, kind: Kind) -> tuple[pl.Series, pl.Series]:
    if kind not in _CONTINUOUS:
        return real.cast(pl.String), other.cast(pl.String)
    lo, hi = float(_numbers(real).min()), float(_numbers(real).max())
    edges = np.linspace(lo, hi, BINS + 1)[1:-1]

    def binned(series: pl.Series) -> pl.Series:
        if series.dtype.is_temporal():
            series = series.cast(pl.Datetime("us")).cast(pl.Int64)
        values = series.cast(pl.Float64).to_numpy()
        codes = np.searchsorted(edges, values, side="right").astype(str)
        return pl.Series(series.name, codes).set(pl.Series(np.isnan(values)), None)

    return binned(real), binned(other)


def contingency_similarity(
    real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str, kinds: dict[str, Kind]
) -> float:
    """1 - total variation distance between the joint frequencies of columns ``a`` and ``b``."""
    ra, sa = _discretize(real.get_column(a), synthetic.get_column(a), kinds[a])
    rb, sb = _discretize(real.get_column(b), synthetic.get_column(b), kinds[b])
    joint_real = pl.DataFrame({"a": ra, "b": rb}).drop_nulls()
    joint_synth = pl.DataFrame({"a": sa, "b": sb}).drop_nulls()
    if joint_real.height == 0 or joint_synth.height == 0:
        raise MetricError("no row has both values")
    p = _frequencies(joint_real.select(pl.concat_str("a", "b", separator="\x1f")).to_series())
    q = _frequencies(joint_synth.select(pl.concat_str("a", "b", separator="\x1f")).to_series())
    return 1.0 - total_variation(p, q)


def column_shapes(
    real: pl.DataFrame, synthetic: pl.DataFrame, kinds: dict[str, Kind]
) -> list[MetricResult]:
    """KS or TV complement for every column in ``kinds``."""
    results = []
    for name, kind in kinds.items():
        if kind in _CONTINUOUS:
            results.append(
                guarded("KSComplement", [name], lambda n=name: ks_complement(real[n], synthetic[n]))
            )
        else:
            results.append(
                guarded("TVComplement", [name], lambda n=name: tv_complement(real[n], synthetic[n]))
            )
    return results


def sample_pairs(kinds: dict[str, Kind], max_pairs: int | None, seed: int) -> list[tuple[str, str]]:
    """Every column pair, or a seeded sample of ``max_pairs`` of them (order kept)."""
    pairs = list(combinations(kinds, 2))
    if max_pairs is not None and len(pairs) > max_pairs:
        rng = np.random.default_rng(seed)
        pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), max_pairs, replace=False))]
    return pairs


def column_pair_trends(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    max_pairs: int | None = None,
    seed: int = 0,
) -> list[MetricResult]:
    """Correlation similarity for number pairs, contingency similarity for every other pair.

    Every pair is reported (none dropped for weak correlation). With ``max_pairs`` a seeded
    sample of pairs is scored, which the report states.
    """
    return _score_pairs(
        sample_pairs(kinds, max_pairs, seed),
        kinds,
        ("CorrelationSimilarity", lambda a, b: correlation_similarity(real, synthetic, a, b)),
        (
            "ContingencySimilarity",
            lambda a, b: contingency_similarity(real, synthetic, a, b, kinds),
        ),
    )


def _score_pairs(
    pairs: list[tuple[str, str]],
    kinds: dict[str, Kind],
    numeric: tuple[str, Callable[[str, str], float]],
    other: tuple[str, Callable[[str, str], float]],
) -> list[MetricResult]:
    """Score each pair with ``numeric`` when both columns are numbers, ``other`` otherwise."""
    results = []
    for a, b in pairs:
        both_numbers = kinds[a] == Kind.NUMERICAL and kinds[b] == Kind.NUMERICAL
        name, compute = numeric if both_numbers else other
        results.append(guarded(name, [a, b], lambda a=a, b=b, compute=compute: compute(a, b)))
    return results


def missing_rate_similarity(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - |share missing (real) - share missing (synthetic)|."""
    if real.len() == 0 or synthetic.len() == 0:
        raise MetricError("no rows")
    return 1.0 - abs(real.null_count() / real.len() - synthetic.null_count() / synthetic.len())


def range_coverage(real: pl.Series, synthetic: pl.Series) -> float:
    """Share of the real range [min, max] that the synthetic values span (1 = all of it)."""
    r, s = _numbers(real), _numbers(synthetic)
    span = float(r.max() - r.min())
    if span == 0:
        raise MetricError("the real column is constant")
    covered = min(float(s.max()), float(r.max())) - max(float(s.min()), float(r.min()))
    return max(0.0, covered) / span


def category_coverage(real: pl.Series, synthetic: pl.Series) -> float:
    """Share of the real categories that appear in the synthetic column."""
    seen = set(real.cast(pl.String).drop_nulls().unique().to_list())
    if not seen:
        raise MetricError("no non-missing values")
    return len(seen & set(synthetic.cast(pl.String).drop_nulls().unique().to_list())) / len(seen)


def invented_category_share(real: pl.Series, synthetic: pl.Series) -> float:
    """Share of synthetic cells whose category never occurs in the real column (0 is ideal)."""
    values = synthetic.cast(pl.String).drop_nulls()
    if values.len() == 0:
        raise MetricError("no non-missing values")
    seen = real.cast(pl.String).drop_nulls().unique()
    return float((~values.is_in(seen.implode())).mean() or 0.0)


def column_details(
    real: pl.DataFrame, synthetic: pl.DataFrame, kinds: dict[str, Kind]
) -> list[MetricResult]:
    """Missing-value rates, range or category coverage, and invented categories per column.

    Scores are in [0, 1], higher is better; ``InventedCategories`` reports 1 - the share of
    synthetic cells holding a category the real column never had.
    """
    results = []
    for name, kind in kinds.items():
        r, s = real.get_column(name), synthetic.get_column(name)
        results.append(
            guarded("MissingRateSimilarity", [name], lambda r=r, s=s: missing_rate_similarity(r, s))
        )
        if kind in _CONTINUOUS:
            results.append(guarded("RangeCoverage", [name], lambda r=r, s=s: range_coverage(r, s)))
        else:
            results.append(
                guarded("CategoryCoverage", [name], lambda r=r, s=s: category_coverage(r, s))
            )
            results.append(
                guarded(
                    "InventedCategories",
                    [name],
                    lambda r=r, s=s: 1.0 - invented_category_share(r, s),
                )
            )
    return results


def independent_columns(frame: pl.DataFrame, rows: int, seed: int) -> pl.DataFrame:
    """A baseline table: every column sampled on its own from ``frame`` (relations destroyed).

    Each column's marginal is exact, every pair is independent: what a synthesizer that ignores
    correlations would produce. A synthesizer should beat it on pair trends.
    """
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        [frame.get_column(c)[rng.integers(0, frame.height, rows)] for c in frame.columns]
    )


def cramers_v(a: pl.Series, b: pl.Series) -> float:
    """Cramér's V of two categorical columns (bias-uncorrected), on rows where both are present."""
    both = pl.DataFrame({"a": a.cast(pl.String), "b": b.cast(pl.String)}).drop_nulls()
    if both.height < 2:
        raise MetricError("fewer than two rows with both values")
    rows = both.get_column("a").cast(pl.Categorical).to_physical().to_numpy()
    cols = both.get_column("b").cast(pl.Categorical).to_physical().to_numpy()
    rows = np.unique(rows, return_inverse=True)[1]
    cols = np.unique(cols, return_inverse=True)[1]
    counts = np.zeros((rows.max() + 1, cols.max() + 1))
    np.add.at(counts, (rows, cols), 1.0)
    if min(counts.shape) < 2:
        raise MetricError("a column has a single category")
    chi2 = stats.chi2_contingency(counts, correction=False).statistic
    return float(np.sqrt(chi2 / (counts.sum() * (min(counts.shape) - 1))))


def cramers_v_similarity(
    real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str, kinds: dict[str, Kind]
) -> float:
    """1 - |Cramér's V (real) - Cramér's V (synthetic)|; numbers in 10 bins of the real range."""
    ra, sa = _discretize(real.get_column(a), synthetic.get_column(a), kinds[a])
    rb, sb = _discretize(real.get_column(b), synthetic.get_column(b), kinds[b])
    return 1.0 - abs(cramers_v(ra, rb) - cramers_v(sa, sb))


def column_pair_associations(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    max_pairs: int | None = None,
    seed: int = 0,
) -> list[MetricResult]:
    """Spearman similarity for number pairs, Cramér's V similarity for every other pair.

    Reported beside the SDMetrics-compatible pair trends, not mixed into their score.
    """
    return _score_pairs(
        sample_pairs(kinds, max_pairs, seed),
        kinds,
        ("SpearmanSimilarity", lambda a, b: spearman_similarity(real, synthetic, a, b)),
        ("CramersVSimilarity", lambda a, b: cramers_v_similarity(real, synthetic, a, b, kinds)),
    )
