"""How synthpriv prepares a cleaned table for SDV: engines, marginals, orders, rare values, rules.

Everything here is decided from the training rows and our column kinds, and recorded in the model
description so a report can say what was done.

* Engines live in :mod:`synthpriv.engines`; what is decided here asks the registry whether an
  engine is differentially private (a budget, no filters) or a copula (orders and marginals).
* For the copula engines, numbers with at most ``ORDERED_MAX_LEVELS`` distinct values (ages,
  counts, zero-inflated amounts such as capital gains) are modelled as ordered categories with
  SDV's OrderedUniformEncoder: their marginal is then the empirical one, ties and spikes
  included, and the copula still sees their order. Categories are ordered by the mean of the
  number they explain best (largest correlation ratio), so the copula can carry that relation.
  Other numbers get the SDV marginal (norm, beta, gamma, uniform, truncnorm) with the smallest
  Kolmogorov-Smirnov distance on a seeded sample.
* No value that fewer than ``RARE_MIN_COUNT`` training rows share is stored in the model: rare
  categories are pooled into one ``(other)`` category (a column whose every category is rare is
  left out), rare values of ordered numbers move to the nearest frequent value, and other
  numbers and dates are clipped at their k-th smallest and k-th largest values, so the minimum
  and maximum an engine stores (SDV's ``enforce_min_max_values``, beta bounds, bin edges) are
  each shared by k rows. ``keep_rare`` opts out.
* Constraints: ``fixed_combinations`` columns are modelled as one joint column; ``range``,
  ``inequality`` and ``positive`` are enforced on the sampled rows by rejection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from synthpriv import engines
from synthpriv.errors import ConfigError
from synthpriv.frames import COUNT, VALUE, value_counts
from synthpriv.metrics.fidelity import as_float
from synthpriv.schema import POOLED_LABEL, Kind

ORDERED_MAX_LEVELS = 256
RARE_MIN_COUNT = 5
RARE_LABEL = POOLED_LABEL
FIT_SAMPLE = 5000
MARGINAL_KS_MAX = 0.03  # above this KS distance no parametric marginal is good enough: bins
BINS = 256
JOINT_SEPARATOR = "\x1f"
CONSTRAINT_TYPES = ("range", "inequality", "positive", "fixed_combinations")
_MARGINALS = {
    "norm": stats.norm,
    "beta": stats.beta,
    "gamma": stats.gamma,
    "uniform": stats.uniform,
    "truncnorm": stats.truncnorm,
}


def with_budget(
    engine: str, params: dict[str, Any], epsilon: float | None, delta: float | None
) -> dict[str, Any]:
    """The engine's parameters with the privacy budget: required for DP engines, else refused."""
    if engines.get(engine).private:
        from synthpriv.dp import check_budget

        check_budget(epsilon, delta)
        return {**params, "epsilon": float(epsilon), "delta": float(delta)}
    if epsilon is not None or delta is not None:
        raise ConfigError(
            f"--epsilon and --delta apply to a differentially private engine "
            f"({', '.join(engines.private_names())}), not {engine!r}"
        )
    return params


def refuse_filters(engine: str, privacy_filter: bool, quality_filter: bool) -> None:
    """Refuse a filter that compares synthetic rows with real ones on a DP engine's output.

    Dropping rows by their distance to training rows, or by a classifier trained on them, is a
    new use of the private rows that no budget paid for: the rows kept would no longer be
    covered by the model's guarantee. One rule for every command and for ``--spark``.
    """
    if engines.get(engine).private and (privacy_filter or quality_filter):
        flags = " and ".join(
            f
            for f, on in (
                ("--privacy-filter", privacy_filter),
                ("--quality-filter", quality_filter),
            )
            if on
        )
        raise ConfigError(
            f"{flags} cannot run on a differentially private model ({engine}): the filter "
            "drops synthetic rows by comparing them with training rows, so the rows kept would "
            "no longer be covered by the (epsilon, delta) guarantee"
        )


def check_parameters(engine: str, params: dict[str, Any]) -> None:
    """Raise a ConfigError for an unknown engine, or naming the valid parameters."""
    engines.get(engine).check_params(params)


@dataclass
class Constraint:
    """One rule the synthetic rows must follow."""

    type: str
    columns: list[str]
    low: float | None = None
    high: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraint:
        """Build from a config entry (``type`` plus ``column``/``columns``/``low``/``high``)."""
        kind = data.get("type")
        if kind not in CONSTRAINT_TYPES:
            raise ConfigError(
                f"unknown constraint type {kind!r}; valid: {', '.join(CONSTRAINT_TYPES)}"
            )
        columns = list(data.get("columns") or ([data["column"]] if "column" in data else []))
        need = {"range": 1, "positive": 1, "inequality": 2}.get(kind)
        if (need and len(columns) != need) or (kind == "fixed_combinations" and len(columns) < 2):
            raise ConfigError(f"constraint {kind!r} needs {need or 'two or more'} column(s)")
        if kind == "range" and data.get("low") is None and data.get("high") is None:
            raise ConfigError("constraint 'range' needs low, high or both")
        return cls(kind, columns, data.get("low"), data.get("high"))

    def holds(self, frame: pl.DataFrame) -> pl.Series:
        """Rows that satisfy this rule (a missing value satisfies it)."""
        col = [
            pl.col(c).to_physical() if frame.schema[c].is_temporal() else pl.col(c)
            for c in self.columns
        ]
        if self.type == "positive":
            expr = col[0] > 0
        elif self.type == "inequality":
            expr = col[0] <= col[1]
        elif self.type == "range":
            expr = pl.lit(True)
            if self.low is not None:
                expr = expr & (col[0] >= self.low)
            if self.high is not None:
                expr = expr & (col[0] <= self.high)
        else:
            return pl.Series([True] * frame.height)
        return frame.select(expr.fill_null(True)).to_series()

    def describe(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"type": self.type, "columns": self.columns}
        if self.low is not None:
            out["low"] = self.low
        if self.high is not None:
            out["high"] = self.high
        return out


@dataclass
class Plan:
    """What is done to the training rows before SDV sees them, and how to undo it."""

    frame: pl.DataFrame
    kinds: dict[str, Kind]
    ordered: dict[str, list[Any]] = field(default_factory=dict)
    marginals: dict[str, dict[str, Any]] = field(default_factory=dict)
    joints: dict[str, list[str]] = field(default_factory=dict)
    rare: dict[str, int] = field(default_factory=dict)
    binned: dict[str, list[float]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)
    clipped: dict[str, int] = field(default_factory=dict)
    unordered: set[str] = field(default_factory=set)

    def describe(self) -> dict[str, Any]:
        """JSON-ready account of the preparation (counts and names, never values)."""
        return {
            "ordered_columns": sorted(c for c in self.ordered if c not in self.joints),
            "marginals": self.marginals,
            "joint_columns": self.joints,
            "rare_values_pooled": self.rare,
            "extremes_clipped": self.clipped,
            "binned_columns": sorted(self.binned),
        }


def satisfied(constraints: list[Constraint], frame: pl.DataFrame) -> pl.Series:
    """Rows of ``frame`` that satisfy every constraint (all rows when there are none)."""
    ok = pl.Series([True] * frame.height)
    for rule in constraints:
        ok = ok & rule.holds(frame)
    return ok


def check_constraints(constraints: list[Constraint], frame: pl.DataFrame) -> None:
    """Every constrained column must exist in the modelled table."""
    for constraint in constraints:
        for column in constraint.columns:
            if column not in frame.columns:
                raise ConfigError(
                    f"constraint {constraint.type!r} names column {column!r}, "
                    "which is not synthesized"
                )


def prepare(
    frame: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    engine: str,
    constraints: list[Constraint],
    keep_rare: bool,
    seed: int,
) -> Plan:
    """Return the table SDV will see and the per-column decisions."""
    check_constraints(constraints, frame)
    plan = Plan(frame, dict(kinds))
    for constraint in constraints:
        if constraint.type == "fixed_combinations":
            _join(plan, constraint.columns)
    if not keep_rare:
        _pool_rare(plan)
    if engines.get(engine).copula:
        _choose_orders(plan)
        _choose_marginals(plan, seed)
    return plan


def _join(plan: Plan, columns: list[str]) -> None:
    name = "+".join(columns)
    joined = pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in columns], separator=JOINT_SEPARATOR
    )
    plan.frame = plan.frame.with_columns(joined.alias(name)).drop(columns)
    for c in columns:
        plan.kinds.pop(c)
    plan.kinds[name] = Kind.CATEGORICAL
    plan.joints[name] = columns


def _pool_rare(plan: Plan) -> None:
    """Keep every value the model will store shared by at least ``RARE_MIN_COUNT`` rows."""
    updates = []
    for name, kind in list(plan.kinds.items()):
        column = plan.frame.get_column(name)
        if kind == Kind.CATEGORICAL:
            counts = value_counts(column.drop_nulls())
            rare = counts.filter(pl.col(COUNT) < RARE_MIN_COUNT).get_column(VALUE)
            if rare.len() and rare.len() == counts.height:
                _leave_out(plan, name, "every value is shared by fewer than 5 rows")
            elif rare.len():
                plan.rare[name] = rare.len()
                text = column.cast(pl.String)
                updates.append(
                    pl.when(text.is_in(rare.cast(pl.String).implode()))
                    .then(pl.lit(RARE_LABEL))
                    .otherwise(text)
                    .alias(name)
                )
        elif kind == Kind.NUMERICAL and column.n_unique() <= ORDERED_MAX_LEVELS:
            counts = value_counts(column.drop_nulls()).sort(VALUE)
            frequent = counts.filter(pl.col(COUNT) >= RARE_MIN_COUNT).get_column(VALUE)
            if not frequent.len():
                plan.unordered.add(name)  # no value to order by: clipped like other numbers
                updates.extend(_clip_extremes(plan, name, column))
            elif frequent.len() < counts.height:
                plan.rare[name] = counts.height - frequent.len()
                values = column.cast(pl.Float64).to_numpy()
                anchors = frequent.cast(pl.Float64).to_numpy()
                nearest = anchors[_nearest_index(anchors, values)]
                moved = pl.Series(name, np.where(np.isnan(values), np.nan, nearest))
                updates.append(pl.lit(moved.fill_nan(None)).cast(column.dtype).alias(name))
        elif kind in (Kind.NUMERICAL, Kind.DATETIME):
            updates.extend(_clip_extremes(plan, name, column))
    if updates:
        plan.frame = plan.frame.with_columns(updates)
    plan.frame = plan.frame.drop([c for c in plan.left_out if c in plan.frame.columns])


def _leave_out(plan: Plan, name: str, reason: str) -> None:
    plan.kinds.pop(name)
    plan.left_out[name] = f"{reason} (one person's values); not synthesized"


def _clip_extremes(plan: Plan, name: str, column: pl.Series) -> list[pl.Expr]:
    """Clip the tails so that the smallest and largest value are each shared by k rows.

    The bound is the mean of the k values just inside the k-1 most extreme ones (ranks k to
    2k-1 from either end): not one person's value, not moved by an outlier beyond it, and every
    one of the k most extreme rows is clipped to it.
    """
    k = RARE_MIN_COUNT
    present = column.drop_nulls()
    if column.dtype.is_float():
        present = present.filter(present.is_finite())
    if present.len() < 4 * k:
        _leave_out(plan, name, f"fewer than {4 * k} values")
        return []
    physical = present.to_physical().cast(pl.Float64).sort().to_numpy()
    bounds = [
        float(np.mean(physical[k - 1 : 2 * k - 1])),
        float(np.mean(physical[-2 * k + 1 : -k + 1])),
    ]
    # back to the column's type (a date's physical value is its day number)
    physical_type = pl.Float64 if column.dtype.is_float() else pl.Int64
    low, high = (
        pl.Series(bounds)
        .round(0 if physical_type == pl.Int64 else 12)
        .cast(physical_type)
        .cast(column.dtype)
    )
    changed = int((present < low).sum() + (present > high).sum())
    if not changed:
        return []
    plan.clipped[name] = changed
    return [pl.col(name).clip(low, high).alias(name)]


def _nearest_index(anchors: np.ndarray, values: np.ndarray) -> np.ndarray:
    right = (
        np.clip(np.searchsorted(anchors, values), 1, len(anchors) - 1)
        if len(anchors) > 1
        else np.zeros(len(values), dtype=int)
    )
    if len(anchors) == 1:
        return right
    left = right - 1
    closer_left = np.abs(values - anchors[left]) <= np.abs(anchors[right] - values)
    return np.where(closer_left, left, right)


def _choose_orders(plan: Plan) -> None:
    """Order tied numbers by value, then categories in two passes.

    The first pass orders each category column by the number it explains best. The second
    also lets it follow another category column, through that column's first-pass ranks (sex
    follows relationship, for instance): on Adult this lifted pair trends from 0.843 to 0.853.
    """
    numbers = [c for c, k in plan.kinds.items() if k == Kind.NUMERICAL]
    categories = [c for c, k in plan.kinds.items() if k == Kind.CATEGORICAL]
    for name in numbers:
        column = plan.frame.get_column(name)
        if column.n_unique() <= ORDERED_MAX_LEVELS and name not in plan.unordered:
            plan.ordered[name] = column.drop_nulls().unique().sort().to_list()
    for name in categories:
        plan.ordered[name] = _order_by_correlation_ratio(plan.frame, name, numbers)
    ranks = {}
    for name in categories:
        order = pl.DataFrame(
            {"v": [str(v) for v in plan.ordered[name]], "r": range(len(plan.ordered[name]))}
        )
        ranked = plan.frame.select(pl.col(name).cast(pl.String).alias("v")).join(
            order, on="v", how="left", maintain_order="left"
        )
        ranks[f"\x00rank:{name}"] = ranked.get_column("r")
    with_ranks = plan.frame.with_columns(pl.Series(k, v) for k, v in ranks.items())
    for name in categories:
        others = [k for k in ranks if k != f"\x00rank:{name}"]
        plan.ordered[name] = _order_by_correlation_ratio(with_ranks, name, numbers + others)


def _order_by_correlation_ratio(frame: pl.DataFrame, name: str, numbers: list[str]) -> list:
    """Categories sorted by the mean of the number they explain best (eta squared)."""
    best, best_eta = None, -1.0
    groups = frame.get_column(name).cast(pl.String)
    for number in numbers:
        data = pl.DataFrame({"g": groups, "y": frame.get_column(number).cast(pl.Float64)})
        data = data.drop_nulls()
        if data.height < 2:
            continue
        total = float(data.get_column("y").var() or 0.0) * (data.height - 1)
        if total <= 0:
            continue
        means = data.group_by("g").agg(pl.col("y").mean().alias("m"), pl.len().alias("n"))
        centre = float(data.get_column("y").mean())
        eta = float((((means["m"] - centre) ** 2) * means["n"]).sum()) / total
        if eta > best_eta:
            best_eta, best = eta, means.sort(["m", "g"]).get_column("g").to_list()
    if best is None:  # no number to order by: most frequent first
        best = value_counts(groups.drop_nulls(), sort=True).get_column(VALUE).to_list()
    return best


def _choose_marginals(plan: Plan, seed: int) -> None:
    """The best-fitting SDV marginal per number, or quantile bins when none fits well."""
    rng = np.random.default_rng(seed)
    for name, kind in list(plan.kinds.items()):
        if name in plan.ordered or kind not in (Kind.NUMERICAL, Kind.DATETIME):
            continue
        values = as_float(plan.frame.get_column(name))
        values = values[np.isfinite(values)]
        if values.size < 10 or np.ptp(values) == 0:
            continue
        if values.size > FIT_SAMPLE:
            values = rng.choice(values, FIT_SAMPLE, replace=False)
        choice = best_marginal(values)
        # Bin only when the best fit is poor and a KS test at 1% rejects it at this size.
        limit = max(MARGINAL_KS_MAX, 1.63 / np.sqrt(values.size))
        if choice["ks"] > limit and kind == Kind.NUMERICAL:
            _bin(plan, name, choice["ks"])
        else:
            plan.marginals[name] = choice


def _bin(plan: Plan, name: str, parametric_ks: float) -> None:
    """Model a number no parametric marginal fits (spikes, heavy tails) as ordered bins.

    Edges are quantiles. A value equal to an edge is its own code (a spike stays a spike), a
    value between two edges gets the interval's code; sampling draws edges exactly and
    intervals uniformly. Edge codes with fewer than ``RARE_MIN_COUNT`` rows (the maximum, say)
    fall into the interval below, and such an edge is stored as the mean of the values around
    it, so no single person's value is kept as such.
    """
    column = plan.frame.get_column(name).cast(pl.Float64)
    values = column.to_numpy()
    present = values[~np.isnan(values)]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, BINS + 1)))
    position = np.searchsorted(edges, values, side="left")
    on_edge = (position < len(edges)) & (edges[np.minimum(position, len(edges) - 1)] == values)
    codes = np.where(on_edge, 2 * position, 2 * position - 1).astype(float)
    counts = np.bincount(codes[~np.isnan(values)].astype(int), minlength=2 * len(edges))
    for edge in range(len(edges)):
        if 0 < counts[2 * edge] < RARE_MIN_COUNT:
            target = 2 * edge - 1 if edge > 0 else 1
            codes[codes == 2 * edge] = target
    codes[np.isnan(values)] = np.nan
    # An edge that is not a frequent value is one person's value: store the mean of the
    # RARE_MIN_COUNT values around it instead (still ordered, no longer anyone's own).
    ordered_values = np.sort(present)
    for edge in range(len(edges)):
        if counts[2 * edge] < RARE_MIN_COUNT:
            rank = int(np.searchsorted(ordered_values, edges[edge]))
            lo = min(
                max(rank - RARE_MIN_COUNT // 2, 0), max(len(ordered_values) - RARE_MIN_COUNT, 0)
            )
            edges[edge] = float(np.mean(ordered_values[lo : lo + RARE_MIN_COUNT]))
    edges = np.maximum.accumulate(edges)
    plan.frame = plan.frame.with_columns(pl.Series(name, codes).fill_nan(None).cast(pl.Int64))
    plan.ordered[name] = sorted({int(c) for c in codes[~np.isnan(codes)]})
    plan.binned[name] = [float(e) for e in edges]
    plan.marginals[name] = {
        "distribution": f"empirical ({len(edges)} quantile edges)",
        "ks": None,
        "best_parametric_ks": parametric_ks,
    }


def unbin(codes: pl.Series, edges: list[float], integer: bool, seed: int) -> pl.Series:
    """Turn bin codes back into numbers: edges exactly, intervals uniformly (seeded)."""
    rng = np.random.default_rng(seed)
    edge_values = np.asarray(edges)
    c = codes.cast(pl.Float64).to_numpy()
    missing = np.isnan(c)
    c = np.where(missing, 0, c).astype(int)
    low = edge_values[np.clip((c - 1) // 2, 0, len(edges) - 1)]
    high = edge_values[np.clip((c + 1) // 2, 0, len(edges) - 1)]
    out = np.where(c % 2 == 0, edge_values[np.clip(c // 2, 0, len(edges) - 1)], 0.0)
    between = c % 2 == 1
    out[between] = rng.uniform(low[between], high[between])
    if integer:
        out = np.round(out)
    out[missing] = np.nan
    return pl.Series(codes.name, out).fill_nan(None)


def best_marginal(values: np.ndarray) -> dict[str, Any]:
    """The SDV marginal with the smallest KS distance to ``values`` (scaled to [0, 1])."""
    lo, span = float(values.min()), float(np.ptp(values))
    x = (values - lo) / span
    scores = {}
    for name, dist in _MARGINALS.items():
        try:
            if name == "beta":
                params = dist.fit(x, floc=-1e-3, fscale=1 + 2e-3)
            elif name == "gamma":
                params = dist.fit(x, floc=-1e-3)
            elif name == "uniform":
                params = (0.0, 1.0)
            elif name == "truncnorm":
                mu, sd = float(x.mean()), float(x.std()) or 1.0
                params = ((0 - mu) / sd, (1 - mu) / sd, mu, sd)
            else:
                params = dist.fit(x)
            scores[name] = float(stats.kstest(x, dist.cdf, args=params).statistic)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
    choice = min(scores, key=lambda n: (scores[n], n))
    return {"distribution": choice, "ks": round(scores[choice], 4)}


def restore(frame: pl.DataFrame, plan_joints: dict[str, list[str]]) -> pl.DataFrame:
    """Split joint columns back into their parts (empty parts become missing)."""
    for name, columns in plan_joints.items():
        parts = (
            frame.get_column(name)
            .cast(pl.String)
            .str.split_exact(JOINT_SEPARATOR, len(columns) - 1)
        )
        frame = frame.with_columns(
            parts.struct.field(f"field_{i}").replace("", None).alias(c)
            for i, c in enumerate(columns)
        ).drop(name)
    return frame
