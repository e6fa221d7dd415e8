"""The ``cart`` engine: each column drawn from a decision tree fitted on the columns before it.

This is the sequential conditional method of synthpop (Nowok, Raab and Dibben 2016; Reiter
2005): a table's joint distribution written as p(x1) p(x2 | x1) p(x3 | x1, x2) ..., each factor a
CART tree. A synthetic row is drawn column by column: its values so far pick a leaf of the next
column's tree, and the next value is drawn from what that leaf learned. Trees capture the
interactions a Gaussian copula misses (a classifier tells copula rows from real ones almost
always), at a CPU cost of seconds.

What a leaf stores is chosen so that the model never holds one person's value:

* every leaf has at least ``min_samples_leaf`` training rows (default 5, the k of the rest of
  synthpriv), so no leaf describes one person;
* a categorical leaf stores the counts of its categories; categories seen fewer than k times in
  the whole table were pooled before fitting (synthesis_plan), so every stored label is k rows';
* a numeric leaf stores the mean and standard deviation of consecutive groups of at least k
  sorted values, never the values: sampling draws from a normal kernel around a group's mean
  (synthpop's smoothing), within the column's bounds; a group of equal values (a spike such as
  zero) has no spread and is drawn exactly;
* the first column is a tree with one leaf: its smoothed marginal.

Missing values are a category of their own for categorical columns and a per-leaf share for
numeric ones. Columns are visited from the fewest distinct values to the most, so that the
high-cardinality numbers are drawn last, conditioned on everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MISSING = -1


@dataclass
class _Column:
    name: str
    categorical: bool
    categories: list[Any] = field(default_factory=list)
    tree: Any = None
    # per leaf id: category probabilities, or (missing share, group means, group weights)
    leaves: dict[int, Any] = field(default_factory=dict)
    integer: bool = False
    low: float = -np.inf
    high: float = np.inf


class SequentialTrees:
    """A synthpop-style sequence of CART trees with privacy-minded leaves (see module doc).

    Args:
        min_samples_leaf: Fewest training rows in a leaf (and in a numeric leaf's value group).
        max_depth: Deepest a tree may grow (``None``: until leaves reach ``min_samples_leaf``).
        categorical_max_levels: Numbers with at most this many distinct values are drawn as
            categories (exact values, each shared by k rows); others as smoothed numbers.
    """

    def __init__(
        self,
        min_samples_leaf: int = 5,
        max_depth: int | None = 8,
        categorical_max_levels: int = 256,
    ):
        if min_samples_leaf < 2:
            raise ValueError("min_samples_leaf must be at least 2")
        self.min_samples_leaf = int(min_samples_leaf)
        self.max_depth = max_depth
        self.categorical_max_levels = int(categorical_max_levels)
        self.columns: list[_Column] = []
        self.order: list[str] = []
        self.output_columns: list[str] = []
        self.dtypes: dict[str, Any] = {}

    # ------------------------------------------------------------------------------- fit

    def fit(self, data: pd.DataFrame, seed: int = 0) -> SequentialTrees:
        """Fit one tree per column on the columns visited before it."""
        self.output_columns = list(data.columns)
        self.dtypes = {c: data[c].dtype for c in data.columns}
        encoded: dict[str, np.ndarray] = {}
        plans = []
        for name in data.columns:
            column, values = self._encode(name, data[name])
            encoded[name] = values
            levels = len(column.categories) if column.categorical else len(np.unique(values))
            plans.append((levels, name, column))
        plans.sort(key=lambda item: item[0])
        self.order = [name for _, name, _ in plans]
        rng = np.random.default_rng(seed)
        for index, (_, name, column) in enumerate(plans):
            features = np.column_stack([encoded[c] for c in self.order[:index]]) if index else None
            self._fit_column(column, features, encoded[name], rng)
            self.columns.append(column)
        return self

    def _encode(self, name: str, series: pd.Series) -> tuple[_Column, np.ndarray]:
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        temporal = pd.api.types.is_datetime64_any_dtype(series)
        if temporal:
            values = series.astype("int64").astype(float).to_numpy()
            values[series.isna().to_numpy()] = np.nan
            column = _Column(name, categorical=False, integer=True)
            return column, values
        if numeric and series.nunique(dropna=True) > self.categorical_max_levels:
            values = series.astype(float).to_numpy()
            integer = pd.api.types.is_integer_dtype(series) or bool(
                np.all(np.mod(values[~np.isnan(values)], 1) == 0)
            )
            return _Column(name, categorical=False, integer=integer), values
        categories = sorted(series.dropna().unique().tolist(), key=_sort_key)
        lookup = {value: code for code, value in enumerate(categories)}
        codes = series.map(lookup).fillna(MISSING).astype(int).to_numpy()
        # missing as its own code after the categories (trees split on it like any other)
        codes = np.where(codes == MISSING, len(categories), codes).astype(float)
        return _Column(name, categorical=True, categories=categories), codes

    def _fit_column(
        self, column: _Column, features: np.ndarray | None, target: np.ndarray, rng: Any
    ) -> None:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        seed = int(rng.integers(2**31 - 1))
        if features is None:
            leaf_of = np.zeros(target.shape[0], dtype=int)
        elif column.categorical:
            tree = DecisionTreeClassifier(
                min_samples_leaf=self.min_samples_leaf, max_depth=self.max_depth, random_state=seed
            )
            tree.fit(features, target.astype(int))
            column.tree, leaf_of = tree, tree.apply(features)
        else:
            present = ~np.isnan(target)
            tree = DecisionTreeRegressor(
                min_samples_leaf=self.min_samples_leaf, max_depth=self.max_depth, random_state=seed
            )
            tree.fit(features[present], target[present])
            column.tree, leaf_of = tree, tree.apply(features)
        if not column.categorical and np.isfinite(target).any():
            # synthesis_plan clipped the extremes: min and max are each k rows' value
            column.low, column.high = float(np.nanmin(target)), float(np.nanmax(target))
        for leaf in np.unique(leaf_of):
            values = target[leaf_of == leaf]
            if column.categorical:
                counts = np.bincount(values.astype(int), minlength=len(column.categories) + 1)
                column.leaves[int(leaf)] = counts / counts.sum()
            else:
                column.leaves[int(leaf)] = self._numeric_leaf(values)

    def _numeric_leaf(self, values: np.ndarray) -> tuple[Any, ...]:
        """Missing share; mean, spread and weight of consecutive groups of >= k sorted values.

        A group whose values are all equal (a spike, such as zero) has no spread and is drawn
        exactly: its value is shared by k rows. Other groups are drawn from a normal kernel with
        the group's mean and standard deviation (synthpop's smoothing), so a leaf of five rows
        does not emit one value over and over.
        """
        present = np.sort(values[~np.isnan(values)])
        missing = 1.0 - present.size / max(values.size, 1)
        if present.size == 0:
            return missing, np.array([]), np.array([]), np.array([])
        k = self.min_samples_leaf
        groups = max(1, present.size // k)
        bounds = np.linspace(0, present.size, groups + 1).round().astype(int)
        spans = list(zip(bounds[:-1], bounds[1:], strict=True))
        means = np.array([present[a:b].mean() for a, b in spans])
        spreads = np.array([present[a:b].std() for a, b in spans])
        weights = np.diff(bounds) / present.size
        return missing, means, weights, spreads

    # ---------------------------------------------------------------------------- sample

    def sample(self, rows: int, seed: int) -> pd.DataFrame:
        """Draw ``rows`` synthetic rows, column by column in the fitted order."""
        rng = np.random.default_rng(seed)
        drawn: dict[str, np.ndarray] = {}
        for index, column in enumerate(self.columns):
            if column.tree is None:
                leaf_of = np.full(rows, next(iter(column.leaves)), dtype=int)
            else:
                features = np.column_stack([drawn[c] for c in self.order[:index]])
                leaf_of = column.tree.apply(features)
            out = np.empty(rows, dtype=float)
            for leaf in np.unique(leaf_of):
                where = np.flatnonzero(leaf_of == leaf)
                out[where] = self._draw(column, column.leaves[int(leaf)], where.size, rng)
            drawn[column.name] = out
        return pd.DataFrame({c: self._decode(c, drawn[c]) for c in self.output_columns})

    @staticmethod
    def _draw(column: _Column, leaf: Any, size: int, rng: Any) -> np.ndarray:
        if column.categorical:
            return rng.choice(leaf.size, size=size, p=leaf).astype(float)
        missing, means, weights, spreads = leaf
        out = np.full(size, np.nan)
        if means.size == 0:
            return out
        present = np.flatnonzero(rng.random(size) >= missing)
        group = rng.choice(means.size, size=present.size, p=weights)
        drawn = means[group] + spreads[group] * rng.standard_normal(present.size)
        # never beyond the column's own bounds, which are each shared by k rows
        out[present] = np.clip(drawn, column.low, column.high)
        return out

    def _decode(self, name: str, values: np.ndarray) -> pd.Series:
        column = next(c for c in self.columns if c.name == name)
        dtype = self.dtypes[name]
        if column.categorical:
            codes = values.astype(int)
            labels = np.array([*column.categories, None], dtype=object)[codes]
            series = pd.Series(labels, name=name)
            if pd.api.types.is_bool_dtype(dtype):
                return series.astype("boolean")
            return series
        if pd.api.types.is_datetime64_any_dtype(dtype):
            return pd.Series(pd.to_datetime(np.round(values), unit="ns"), name=name).astype(dtype)
        if column.integer:
            values = np.round(values)
        return pd.Series(values, name=name)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
