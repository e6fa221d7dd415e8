"""Fidelity: how alike the synthetic table is to the real one, column by column and in pairs.

Definitions follow SDMetrics so figures can be compared: KS complement (1 - Kolmogorov-Smirnov
statistic) for numbers and dates, TV complement (1 - total variation distance) for categories,
correlation similarity (1 - |r_real - r_synth| / 2) for number pairs, contingency similarity
(1 - TVD of the joint frequencies, numbers in 10 equal-width bins of the real range) otherwise.
Missing values are left out of each comparison, as SDMetrics does.

A :class:`Comparison` encodes the two tables once (numbers as float arrays, categories and binned
numbers as integer codes shared by both tables) and every metric works on those arrays with
sorting and ``bincount``: one pass per column or pair, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl
from scipy import stats

from synthpriv.metrics.base import MetricError, MetricResult, guarded
from synthpriv.schema import Kind

BINS = 10
_CONTINUOUS = {Kind.NUMERICAL, Kind.DATETIME}
_DENSE_JOINT_CELLS = 4_000_000


def as_float(series: pl.Series) -> np.ndarray:
    """Numbers, dates (microseconds) and booleans as float64, missing as NaN."""
    if series.dtype.is_temporal():
        series = series.cast(pl.Datetime("us")).cast(pl.Int64)
    if series.dtype == pl.Boolean:
        series = series.cast(pl.Int8)
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy().astype(np.float64, copy=False)


def _present(values: np.ndarray) -> np.ndarray:
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise MetricError("no non-missing values")
    return values


@dataclass
class _Encoded:
    """One column of both tables: floats (NaN missing) and codes (-1 missing) on shared levels."""

    kind: Kind
    real: np.ndarray | None
    other: np.ndarray | None
    real_codes: np.ndarray
    other_codes: np.ndarray
    levels: int


@dataclass
class _Joint:
    """Joint counts of two coded columns: cell keys row * width + col, counts per table."""

    rows: np.ndarray
    cols: np.ndarray
    real: np.ndarray
    other: np.ndarray


class Comparison:
    """A real table and one other table (synthetic or a baseline), encoded once for all metrics."""

    def __init__(self, real: pl.DataFrame, other: pl.DataFrame, kinds: dict[str, Kind]):
        self.real_frame, self.other_frame, self.kinds = real, other, kinds
        self._columns: dict[str, _Encoded] = {}

    # -- encoding -------------------------------------------------------------------------------
    def column(self, name: str) -> _Encoded:
        """The encoded column ``name`` (computed on first use)."""
        if name not in self._columns:
            self._columns[name] = self._encode(name)
        return self._columns[name]

    def _encode(self, name: str) -> _Encoded:
        kind = self.kinds[name]
        real, other = self.real_frame.get_column(name), self.other_frame.get_column(name)
        if kind in _CONTINUOUS:
            r, o = as_float(real), as_float(other)
            present = r[~np.isnan(r)]
            if present.size:
                edges = np.linspace(present.min(), present.max(), BINS + 1)[1:-1]
                r_codes, o_codes = (_binned(v, edges) for v in (r, o))
            else:
                r_codes = np.full(r.size, -1, dtype=np.int64)
                o_codes = np.full(o.size, -1, dtype=np.int64)
            return _Encoded(kind, r, o, r_codes, o_codes, BINS)
        both = pl.concat([real.cast(pl.String), other.cast(pl.String)]).cast(pl.Categorical)
        codes = both.to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
        levels = int(codes.max()) + 1 if codes.size else 0
        if levels > 2 * codes.size + 16:  # codes from a global dictionary: make them dense
            present = codes >= 0
            codes[present] = np.unique(codes[present], return_inverse=True)[1]
            levels = int(codes.max()) + 1
        return _Encoded(kind, None, None, codes[: real.len()], codes[real.len() :], levels)

    # -- single columns -------------------------------------------------------------------------
    def ks_complement(self, name: str) -> float:
        """1 - the two-sample Kolmogorov-Smirnov statistic."""
        column = self.column(name)
        a, b = np.sort(_present(column.real)), np.sort(_present(column.other))
        points = np.concatenate([a, b])
        gap = np.searchsorted(a, points, side="right") / a.size
        gap -= np.searchsorted(b, points, side="right") / b.size
        return 1.0 - float(np.max(np.abs(gap)))

    def _frequencies(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        column = self.column(name)
        out = []
        for codes in (column.real_codes, column.other_codes):
            codes = codes[codes >= 0]
            if codes.size == 0:
                raise MetricError("no non-missing values")
            out.append(np.bincount(codes, minlength=column.levels) / codes.size)
        return out[0], out[1]

    def tv_complement(self, name: str) -> float:
        """1 - total variation distance between the category frequencies."""
        p, q = self._frequencies(name)
        return 1.0 - 0.5 * float(np.abs(p - q).sum())

    def missing_rate_similarity(self, name: str) -> float:
        """1 - |share missing (real) - share missing (other)|."""
        column = self.column(name)
        if column.real_codes.size == 0 or column.other_codes.size == 0:
            raise MetricError("no rows")
        shares = [float(np.mean(c < 0)) for c in (column.real_codes, column.other_codes)]
        return 1.0 - abs(shares[0] - shares[1])

    def range_coverage(self, name: str) -> float:
        """Share of the real range [min, max] that the other table's values span."""
        column = self.column(name)
        r, s = _present(column.real), _present(column.other)
        span = float(r.max() - r.min())
        if span == 0:
            raise MetricError("the real column is constant")
        covered = min(float(s.max()), float(r.max())) - max(float(s.min()), float(r.min()))
        return max(0.0, covered) / span

    def _code_sets(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        column = self.column(name)
        seen = np.zeros(column.levels, dtype=bool)
        seen[column.real_codes[column.real_codes >= 0]] = True
        other = column.other_codes[column.other_codes >= 0]
        return seen, other

    def category_coverage(self, name: str) -> float:
        """Share of the real categories that appear in the other table."""
        seen, other = self._code_sets(name)
        if not seen.any():
            raise MetricError("no non-missing values")
        return float(np.count_nonzero(seen[np.unique(other)]) / np.count_nonzero(seen))

    def invented_category_share(self, name: str) -> float:
        """Share of the other table's cells whose category the real column never had."""
        seen, other = self._code_sets(name)
        if other.size == 0:
            raise MetricError("no non-missing values")
        return float(np.mean(~seen[other]))

    # -- pairs ----------------------------------------------------------------------------------
    def _numbers_of_pair(self, a: str, b: str) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for side in ("real", "other"):
            x, y = getattr(self.column(a), side), getattr(self.column(b), side)
            both = ~(np.isnan(x) | np.isnan(y))
            x, y = x[both], y[both]
            if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
                raise MetricError("a column is constant, correlation undefined")
            out.append((x, y))
        return out

    def correlation_similarity(self, a: str, b: str) -> float:
        """1 - |Pearson r (real) - Pearson r (other)| / 2, on rows where both are present."""
        (x1, y1), (x2, y2) = self._numbers_of_pair(a, b)
        r1, r2 = np.corrcoef(x1, y1)[0, 1], np.corrcoef(x2, y2)[0, 1]
        return 1.0 - abs(float(r1) - float(r2)) / 2.0

    def spearman_similarity(self, a: str, b: str) -> float:
        """1 - |Spearman rho (real) - Spearman rho (other)| / 2, on rows where both are present."""
        rho = [
            np.corrcoef(stats.rankdata(x), stats.rankdata(y))[0, 1]
            for x, y in self._numbers_of_pair(a, b)
        ]
        return 1.0 - abs(float(rho[0]) - float(rho[1])) / 2.0

    def joint(self, a: str, b: str) -> _Joint:
        """Joint counts of columns ``a`` and ``b`` (numbers binned) in both tables."""
        ca, cb = self.column(a), self.column(b)
        width = max(cb.levels, 1)
        keys = []
        for codes_a, codes_b in ((ca.real_codes, cb.real_codes), (ca.other_codes, cb.other_codes)):
            both = (codes_a >= 0) & (codes_b >= 0)
            if not both.any():
                raise MetricError("no row has both values")
            keys.append(codes_a[both] * width + codes_b[both])
        if ca.levels * width <= _DENSE_JOINT_CELLS:
            counts = [np.bincount(k, minlength=ca.levels * width) for k in keys]
            cells = np.flatnonzero(counts[0] + counts[1])
            real, other = counts[0][cells], counts[1][cells]
        else:
            cells, index = np.unique(np.concatenate(keys), return_inverse=True)
            real = np.bincount(index[: keys[0].size], minlength=cells.size)
            other = np.bincount(index[keys[0].size :], minlength=cells.size)
        return _Joint(cells // width, cells % width, real, other)

    def contingency_similarity(self, a: str, b: str) -> float:
        """1 - total variation distance between the joint frequencies of ``a`` and ``b``."""
        joint = self.joint(a, b)
        p, q = joint.real / joint.real.sum(), joint.other / joint.other.sum()
        return 1.0 - 0.5 * float(np.abs(p - q).sum())

    def cramers_v_similarity(self, a: str, b: str) -> float:
        """1 - |Cramér's V (real) - Cramér's V (other)|; numbers in 10 bins of the real range."""
        joint = self.joint(a, b)
        return 1.0 - abs(
            cramers_v_of(joint.rows, joint.cols, joint.real)
            - cramers_v_of(joint.rows, joint.cols, joint.other)
        )

    def mutual_information_similarity(self, a: str, b: str) -> float:
        """1 - |normalized mutual information (real) - (other)|; numbers in 10 bins."""
        joint = self.joint(a, b)
        return 1.0 - abs(
            normalized_mutual_information(joint.rows, joint.cols, joint.real)
            - normalized_mutual_information(joint.rows, joint.cols, joint.other)
        )

    # -- batteries ------------------------------------------------------------------------------
    def column_shapes(self) -> list[MetricResult]:
        """KS complement for numbers and dates, TV complement for the other columns."""
        return [
            guarded("KSComplement", [n], lambda n=n: self.ks_complement(n))
            if kind in _CONTINUOUS
            else guarded("TVComplement", [n], lambda n=n: self.tv_complement(n))
            for n, kind in self.kinds.items()
        ]

    def pair_trends(self, pairs: list[tuple[str, str]]) -> list[MetricResult]:
        """Correlation similarity for number pairs, contingency similarity for the others."""
        return self._score_pairs(
            pairs,
            ("CorrelationSimilarity", self.correlation_similarity),
            ("ContingencySimilarity", self.contingency_similarity),
        )

    def pair_associations(self, pairs: list[tuple[str, str]]) -> list[MetricResult]:
        """Spearman (number pairs) or Cramér's V similarity, and mutual information for all."""
        results = self._score_pairs(
            pairs,
            ("SpearmanSimilarity", self.spearman_similarity),
            ("CramersVSimilarity", self.cramers_v_similarity),
        )
        results += [
            guarded(
                "MutualInformationSimilarity",
                [a, b],
                lambda a=a, b=b: self.mutual_information_similarity(a, b),
            )
            for a, b in pairs
        ]
        return results

    def _score_pairs(
        self,
        pairs: list[tuple[str, str]],
        numeric: tuple[str, Callable[[str, str], float]],
        other: tuple[str, Callable[[str, str], float]],
    ) -> list[MetricResult]:
        results = []
        for a, b in pairs:
            both_numbers = self.kinds[a] == Kind.NUMERICAL and self.kinds[b] == Kind.NUMERICAL
            name, compute = numeric if both_numbers else other
            results.append(guarded(name, [a, b], lambda a=a, b=b, compute=compute: compute(a, b)))
        return results

    def details(self) -> list[MetricResult]:
        """Missing-value rates, range or category coverage, and invented categories per column.

        Scores are in [0, 1], higher is better; ``InventedCategories`` reports 1 - the share of
        cells holding a category the real column never had.
        """
        results = []
        for n, kind in self.kinds.items():
            results.append(
                guarded("MissingRateSimilarity", [n], lambda n=n: self.missing_rate_similarity(n))
            )
            if kind in _CONTINUOUS:
                results.append(guarded("RangeCoverage", [n], lambda n=n: self.range_coverage(n)))
                continue
            results.append(guarded("CategoryCoverage", [n], lambda n=n: self.category_coverage(n)))
            results.append(
                guarded(
                    "InventedCategories",
                    [n],
                    lambda n=n: 1.0 - self.invented_category_share(n),
                )
            )
        return results


def _binned(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    codes = np.searchsorted(edges, values, side="right").astype(np.int64)
    codes[np.isnan(values)] = -1
    return codes


def cramers_v_of(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray) -> float:
    """Cramér's V (bias-uncorrected) from the cells of a contingency table."""
    keep = counts > 0
    rows, cols, counts = rows[keep], cols[keep], counts[keep].astype(np.float64)
    _, r = np.unique(rows, return_inverse=True)
    _, c = np.unique(cols, return_inverse=True)
    k = min(r.max(initial=-1) + 1, c.max(initial=-1) + 1)
    if k < 2:
        raise MetricError("a column has a single category")
    total = counts.sum()
    row_sum, col_sum = np.bincount(r, counts), np.bincount(c, counts)
    chi2 = total * (float(np.sum(counts**2 / (row_sum[r] * col_sum[c]))) - 1.0)
    return float(np.sqrt(max(chi2, 0.0) / (total * (k - 1))))


def normalized_mutual_information(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray) -> float:
    """Mutual information divided by the mean of the two entropies (sklearn's arithmetic NMI)."""
    keep = counts > 0
    rows, cols, p = rows[keep], cols[keep], counts[keep].astype(np.float64)
    p /= p.sum()
    _, r = np.unique(rows, return_inverse=True)
    _, c = np.unique(cols, return_inverse=True)
    pr, pc = np.bincount(r, p), np.bincount(c, p)
    entropy = (-np.sum(pr * np.log(pr)) - np.sum(pc * np.log(pc))) / 2.0
    if entropy <= 0:
        raise MetricError("both columns have a single category")
    information = float(np.sum(p * np.log(p / (pr[r] * pc[c]))))
    return max(information, 0.0) / entropy


# -- functions on plain tables and series (each builds a one-off Comparison) ----------------------
def _of_series(real: pl.Series, other: pl.Series, kind: Kind) -> Comparison:
    return Comparison(real.alias("v").to_frame(), other.alias("v").to_frame(), {"v": kind})


def ks_complement(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - the two-sample Kolmogorov-Smirnov statistic."""
    return _of_series(real, synthetic, Kind.NUMERICAL).ks_complement("v")


def tv_complement(real: pl.Series, synthetic: pl.Series) -> float:
    """1 - total variation distance between the category frequencies."""
    return _of_series(real, synthetic, Kind.CATEGORICAL).tv_complement("v")


def _of_pair(real: pl.DataFrame, other: pl.DataFrame, a: str, b: str, kinds: dict) -> Comparison:
    return Comparison(real.select(a, b), other.select(a, b), {a: kinds[a], b: kinds[b]})


def correlation_similarity(real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str) -> float:
    """1 - |Pearson r (real) - Pearson r (synthetic)| / 2, on rows where both are present."""
    kinds = {a: Kind.NUMERICAL, b: Kind.NUMERICAL}
    return _of_pair(real, synthetic, a, b, kinds).correlation_similarity(a, b)


def spearman_similarity(real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str) -> float:
    """1 - |Spearman rho (real) - Spearman rho (synthetic)| / 2, on rows where both are present."""
    kinds = {a: Kind.NUMERICAL, b: Kind.NUMERICAL}
    return _of_pair(real, synthetic, a, b, kinds).spearman_similarity(a, b)


def contingency_similarity(
    real: pl.DataFrame, synthetic: pl.DataFrame, a: str, b: str, kinds: dict[str, Kind]
) -> float:
    """1 - total variation distance between the joint frequencies of columns ``a`` and ``b``."""
    return _of_pair(real, synthetic, a, b, kinds).contingency_similarity(a, b)


def cramers_v(a: pl.Series, b: pl.Series) -> float:
    """Cramér's V of two categorical columns (bias-uncorrected), on rows where both are present."""
    frame = pl.DataFrame({"a": a, "b": b})
    kinds = {"a": Kind.CATEGORICAL, "b": Kind.CATEGORICAL}
    joint = Comparison(frame, frame, kinds).joint("a", "b")
    return cramers_v_of(joint.rows, joint.cols, joint.real)


def column_shapes(
    real: pl.DataFrame, synthetic: pl.DataFrame, kinds: dict[str, Kind]
) -> list[MetricResult]:
    """KS or TV complement for every column in ``kinds``."""
    return Comparison(real, synthetic, kinds).column_shapes()


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
    return Comparison(real, synthetic, kinds).pair_trends(sample_pairs(kinds, max_pairs, seed))


def column_pair_associations(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    max_pairs: int | None = None,
    seed: int = 0,
) -> list[MetricResult]:
    """Spearman or Cramér's V similarity, and mutual-information similarity, for each pair.

    Reported beside the SDMetrics-compatible pair trends, not mixed into their score.
    """
    pairs = sample_pairs(kinds, max_pairs, seed)
    return Comparison(real, synthetic, kinds).pair_associations(pairs)


def independent_columns(frame: pl.DataFrame, rows: int, seed: int) -> pl.DataFrame:
    """A baseline table: every column sampled on its own from ``frame`` (relations destroyed).

    Each column's marginal is exact, every pair is independent: what a synthesizer that ignores
    correlations would produce. A synthesizer should beat it on pair trends.
    """
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        [frame.get_column(c)[rng.integers(0, frame.height, rows)] for c in frame.columns]
    )
