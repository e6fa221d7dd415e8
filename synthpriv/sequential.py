"""The ``cart`` engine: each column drawn from a decision tree fitted on the columns before it.

This is the sequential conditional method of synthpop (Nowok, Raab and Dibben 2016; Reiter
2005): a table's joint distribution written as p(x1) p(x2 | x1) p(x3 | x1, x2) ..., each factor a
CART tree. A synthetic row is drawn column by column: its values so far pick a leaf of the next
column's tree, and the next value is drawn from what that leaf learned. Trees capture the
interactions a Gaussian copula misses (a classifier tells copula rows from real ones almost
always), at a CPU cost of seconds.

What a leaf stores is chosen so that the model never holds one person's value:

* every leaf has at least ``min_samples_leaf`` training rows (default 10, twice the k of the
  rest of synthpriv: with 5, Titanic's 712 training rows let an attacker infer survival from
  sex, age and cabin beyond what unseen rows allow, and insurance's DCR share was 0.521 against
  0.494 with 10, while Adult and bank marketing did not change), so no leaf describes a few
  people;
* a categorical leaf stores the counts of its categories; categories seen fewer than k times in
  the whole table were pooled before fitting (synthesis_plan), so every stored label is k rows';
* a numeric leaf stores the mean and standard deviation of consecutive groups of at least k
  sorted values, never the values: sampling draws from a normal kernel around a group's mean
  (synthpop's smoothing), within the column's bounds; a group of equal values (a spike such as
  zero) has no spread and is drawn exactly;
* the first column is a tree with one leaf: its smoothed marginal.

How finely each tree may describe the rows is chosen per column on held-out rows, so that the
model keeps what generalises and not what a few training rows share (fine trees reproduce their
training rows' combinations, and synthetic rows then sit closer to training rows than unseen
people do). A quarter of the rows is held out; trees with leaves of k, 2k, 4k, ... rows are grown
on the rest and scored on it under several strengths of hierarchical shrinkage (Agarwal et al.
2022: a leaf's distribution is pulled toward its ancestors', the more the fewer rows it has);
the best pair is refitted on all rows. Small tables get coarse trees, large tables fine ones.

Missing values are a category of their own for categorical columns and a per-leaf share for
numeric ones. Columns are visited from the fewest distinct values to the most, so that the
high-cardinality numbers are drawn last, conditioned on everything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthpriv.frames import decimal_places

MISSING = -1


@dataclass
class _Column:
    name: str
    categorical: bool
    categories: list[Any] = field(default_factory=list)
    tree: Any = None
    # per node id: category probabilities, or (missing share, group means, weights, spreads)
    nodes: dict[int, Any] = field(default_factory=dict)
    # per leaf id: the nodes on its path (root first) and the weight each lends the leaf
    paths: dict[int, Any] = field(default_factory=dict)
    integer: bool = False
    decimals: int | None = None  # the places every real value fits in (cents: 2); None: more
    leaf_size: int = 0
    shrinkage: float = 0.0
    low: float = -np.inf
    high: float = np.inf


class SequentialTrees:
    """A synthpop-style sequence of CART trees with privacy-minded leaves (see module doc).

    Args:
        min_samples_leaf: Fewest training rows in a leaf (and in a numeric leaf's value group).
        max_depth: Deepest a tree may grow (``None``: until leaves reach ``min_samples_leaf``).
        categorical_max_levels: Numbers with at most this many distinct values are drawn as
            categories (exact values, each shared by k rows); others as smoothed numbers.
        shrinkage: Hierarchical shrinkage strength when not tuned (0: each leaf its own).
        tune: Choose each column's leaf size and shrinkage on held-out rows (see module doc);
            off: every tree uses ``min_samples_leaf`` and ``shrinkage`` as given.
        tolerance: Take the coarsest candidate within this many standard errors of the best
            held-out loss (0: the best; 1: the one-standard-error rule, rows a little farther
            from training rows at some cost in realism; see bench/README.md).
    """

    def __init__(
        self,
        min_samples_leaf: int = 10,
        max_depth: int | None = 8,
        categorical_max_levels: int = 256,
        shrinkage: float = 0.0,
        tune: bool = True,
        tolerance: float = 0.0,
    ):
        if min_samples_leaf < 2:
            raise ValueError("min_samples_leaf must be at least 2")
        self.min_samples_leaf = int(min_samples_leaf)
        self.max_depth = max_depth
        self.categorical_max_levels = int(categorical_max_levels)
        if shrinkage < 0:
            raise ValueError("shrinkage must not be negative")
        self.shrinkage = float(shrinkage)
        self.tune = bool(tune)
        self.tolerance = float(tolerance)
        self.columns: list[_Column] = []
        self.order: list[str] = []
        self.output_columns: list[str] = []
        self.dtypes: dict[str, Any] = {}

    # ------------------------------------------------------------------------------- fit

    def fit(
        self,
        data: pd.DataFrame,
        seed: int = 0,
        first: tuple[str, ...] = (),
        groups: Any = None,
    ) -> SequentialTrees:
        """Fit one tree per column on the columns visited before it, replacing any earlier fit.

        ``first``: columns visited first, in this order, so that :meth:`sample` can be given
        their values (a synthetic parent's columns) and draw the others conditioned on them.

        ``groups``: whose each row is (one value per row: a person of a linked folder, whose
        rows are many). Then k counts people, not rows: a leaf holds at least k people's worth
        of rows (each person's rows weigh one person in all), a numeric group spans at least k
        people, and leaf sizes are tuned on held-out *people*, so a leaf cannot describe the
        rows of one person with many rows. Only their equality is used; nothing of them is kept.
        """
        self.columns = []
        self.output_columns = list(data.columns)
        self.dtypes = {c: data[c].dtype for c in data.columns}
        encoded: dict[str, np.ndarray] = {}
        plans = []
        for name in data.columns:
            column, values = self._encode(name, data[name])
            encoded[name] = values
            levels = len(column.categories) if column.categorical else len(np.unique(values))
            plans.append((levels, name, column))
        plans.sort(
            key=lambda item: (
                item[1] not in first,
                first.index(item[1]) if item[1] in first else 0,
                item[0],
            )
        )
        self.order = [name for _, name, _ in plans]
        rng = np.random.default_rng(seed)
        people = None if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
        for index, (_, name, column) in enumerate(plans):
            features = np.column_stack([encoded[c] for c in self.order[:index]]) if index else None
            self._fit_column(column, features, encoded[name], rng, people)
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
            column = _Column(name, categorical=False, integer=integer)
            finite = values[np.isfinite(values)]
            column.decimals = None if integer else decimal_places(finite, MAX_DECIMALS)
            return column, values
        categories = sorted(series.dropna().unique().tolist(), key=_sort_key)
        lookup = {value: code for code, value in enumerate(categories)}
        codes = series.map(lookup).fillna(MISSING).astype(int).to_numpy()
        # missing as its own code after the categories (trees split on it like any other)
        codes = np.where(codes == MISSING, len(categories), codes).astype(float)
        return _Column(name, categorical=True, categories=categories), codes

    def _tree(self, column: _Column, leaf_size: int, seed: int) -> Any:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        kind = DecisionTreeClassifier if column.categorical else DecisionTreeRegressor
        return kind(min_samples_leaf=leaf_size, max_depth=self.max_depth, random_state=seed)

    def _grow(
        self,
        tree: Any,
        column: _Column,
        features: np.ndarray,
        target: np.ndarray,
        groups: np.ndarray | None = None,
    ) -> Any:
        """Fit ``tree``; with ``groups``, every leaf holds at least k people's worth of rows.

        Each row weighs one over its person's rows, so a person weighs one in all, and a leaf
        must gather ``min_samples_leaf`` of that weight (sklearn's ``min_weight_fraction_leaf``).
        """
        present = slice(None) if column.categorical else ~np.isnan(target)
        labels = target.astype(int) if column.categorical else target
        if groups is None:
            return tree.fit(features[present], labels[present])
        owners = groups[present]
        _, inverse, sizes = np.unique(owners, return_inverse=True, return_counts=True)
        weights = 1.0 / sizes[inverse]
        people = max(sizes.size, 1)
        tree.set_params(min_weight_fraction_leaf=min(0.5, tree.min_samples_leaf / people))
        return tree.fit(features[present], labels[present], sample_weight=weights)

    def _fit_column(
        self,
        column: _Column,
        features: np.ndarray | None,
        target: np.ndarray,
        rng: Any,
        groups: np.ndarray | None = None,
    ) -> None:
        seed = int(rng.integers(2**31 - 1))
        column.leaf_size, column.shrinkage = self.min_samples_leaf, self.shrinkage
        if features is None:
            leaf_of = np.zeros(target.shape[0], dtype=int)
        else:
            if self.tune:
                column.leaf_size, column.shrinkage = self._tuned(
                    column, features, target, seed, groups
                )
            tree = self._grow(
                self._tree(column, column.leaf_size, seed), column, features, target, groups
            )
            column.tree, leaf_of = tree, tree.apply(features)
        if not column.categorical and np.isfinite(target).any():
            # synthesis_plan clipped the extremes: min and max are each k rows' value; with
            # people, the bounds are values k people reach (one person's rows are many)
            if groups is None:
                column.low, column.high = float(np.nanmin(target)), float(np.nanmax(target))
            else:
                k = self.min_samples_leaf
                column.low = people_bound(target, groups, k, high=False)
                column.high = people_bound(target, groups, k, high=True)
        self._fit_nodes(column, features, target, leaf_of, groups)

    def _tuned(
        self,
        column: _Column,
        features: np.ndarray,
        target: np.ndarray,
        seed: int,
        groups: np.ndarray | None = None,
    ) -> tuple[int, float]:
        """Leaf size and shrinkage that predict a quarter of the rows held out best.

        A tree fitted on three quarters of the rows is scored on the other quarter (log loss
        of the shrunk leaf distributions for categories, squared error of the shrunk leaf means
        for numbers) for leaf sizes from k upwards and a range of shrinkage strengths: the model
        keeps what generalises to people it did not see, not what a few training rows share.
        Small tables get large leaves, large tables small ones. With ``groups`` a quarter of
        the *people* is held out: rows of a person on both sides would reward leaves that
        describe that person.
        """
        rows = target.shape[0]
        if groups is None:
            order = np.random.default_rng(seed).permutation(rows)
            held, used = order[: rows // 4], order[rows // 4 :]
        else:
            people = np.unique(groups)
            out = np.random.default_rng(seed).permutation(people)[: people.size // 4]
            aside = np.isin(groups, out)
            held, used = np.flatnonzero(aside), np.flatnonzero(~aside)
        if column.categorical:
            truth = target[held].astype(int)
        else:
            keep = ~np.isnan(target[held])
            held, truth = held[keep], target[held][keep]
        if held.size < 2 * self.min_samples_leaf:
            return self.min_samples_leaf, self.shrinkage
        scored = []  # (mean loss, its standard error, leaf size, strength)
        size = self.min_samples_leaf
        while size <= max(self.min_samples_leaf, used.size // 8):
            tree = self._grow(
                self._tree(column, size, seed),
                column,
                features[used],
                target[used],
                None if groups is None else groups[used],
            )
            estimates = _shrunk_estimates(tree, column, features[used], target[used])
            leaves = tree.apply(features[held])
            for strength, estimate in estimates.items():
                if column.categorical:
                    losses = -np.log(estimate[leaves, truth] + 1e-6)
                else:
                    losses = (estimate[leaves] - truth) ** 2
                error = float(losses.std() / np.sqrt(losses.size))
                scored.append((float(losses.mean()), error, size, strength))
            size *= 2
        # of the candidates within ``tolerance`` standard errors of the best (1: Breiman et
        # al.'s one-standard-error rule), the coarsest: largest leaves, then most shrinkage
        best = min(scored)
        tied = [s for s in scored if s[0] <= best[0] + self.tolerance * best[1]]
        coarsest = max(tied, key=lambda s: (s[2], s[3]))
        return coarsest[2], coarsest[3]

    def _fit_nodes(
        self,
        column: _Column,
        features: np.ndarray | None,
        target: np.ndarray,
        leaf_of: Any,
        groups: np.ndarray | None = None,
    ) -> None:
        """What each node of the tree learned, and each leaf's shrinkage toward its ancestors.

        Hierarchical shrinkage (Agarwal et al., ICML 2022): a leaf's distribution is its root's
        plus each step down the path scaled by ``1 / (1 + shrinkage / N(parent))``. Written as a
        mixture, a row in a leaf draws from one node on its path with weights ``c_j - c_{j+1}``,
        so a small leaf lends most of its mass to its larger ancestors: rows are drawn from what
        many people share, not from what a handful of training rows happen to hold.
        """
        if features is None:
            rows_of = {0: np.arange(target.shape[0])}
            paths = {0: [0]}
        else:
            membership = column.tree.decision_path(features).tocsc()
            rows_of = {
                node: membership.indices[membership.indptr[node] : membership.indptr[node + 1]]
                for node in range(membership.shape[1])
            }
            parent, _ = _parents_and_levels(column.tree.tree_)
            paths = {}
            for leaf in np.unique(leaf_of):
                path = [int(leaf)]
                while parent[path[-1]] >= 0:
                    path.append(int(parent[path[-1]]))
                paths[int(leaf)] = path[::-1]
        used = {node for path in paths.values() for node in path}
        for node in used:
            values = target[rows_of[node]]
            if column.categorical:
                counts = np.bincount(values.astype(int), minlength=len(column.categories) + 1)
                column.nodes[node] = counts / counts.sum()
            else:
                owners = None if groups is None else groups[rows_of[node]]
                column.nodes[node] = self._numeric_leaf(values, owners)
        for leaf, path in paths.items():
            sizes = np.array([rows_of[node].size for node in path], dtype=float)
            kept = np.concatenate([[1.0], 1.0 / (1.0 + column.shrinkage / sizes[:-1]), [0.0]])
            kept = np.minimum.accumulate(kept)  # a product of factors each at most 1
            column.paths[leaf] = (np.array(path), kept[:-1] - kept[1:])

    def _numeric_leaf(
        self, values: np.ndarray, owners: np.ndarray | None = None
    ) -> tuple[Any, ...]:
        """Missing share; mean, spread and weight of consecutive groups of >= k sorted values.

        A group whose values are all equal (a spike, such as zero) has no spread and is drawn
        exactly: its value is shared by k rows. Other groups are drawn from a normal kernel with
        the group's mean and standard deviation (synthpop's smoothing), so a leaf of five rows
        does not emit one value over and over. With ``owners`` (each value's person) a group
        spans at least k people.
        """
        finite = ~np.isnan(values)
        order = np.argsort(values[finite], kind="stable")
        present = values[finite][order]
        missing = 1.0 - present.size / max(values.size, 1)
        if present.size == 0:
            return missing, np.array([]), np.array([]), np.array([])
        k = self.min_samples_leaf
        if owners is not None:
            bounds = _people_bounds(owners[finite][order], k)
        else:
            groups = max(1, present.size // k)
            bounds = np.linspace(0, present.size, groups + 1).round().astype(int)
        spans = list(zip(bounds[:-1], bounds[1:], strict=True))
        if owners is None:
            means = np.array([present[a:b].mean() for a, b in spans])
            spreads = np.array([present[a:b].std() for a, b in spans])
        else:
            # each person weighs one in a group however many rows they have there
            owned = owners[finite][order]
            stats = [_person_weighted(present[a:b], owned[a:b]) for a, b in spans]
            means = np.array([m for m, _ in stats])
            spreads = np.array([sd for _, sd in stats])
        weights = np.diff(bounds) / present.size
        return missing, means, weights, spreads

    # ---------------------------------------------------------------------------- sample

    def sample(self, rows: int, seed: int, given: pd.DataFrame | None = None) -> pd.DataFrame:
        """Draw ``rows`` synthetic rows, column by column in the fitted order.

        ``given`` (``rows`` rows) holds the values of columns fitted ``first``: they are taken,
        not drawn, and the other columns are drawn conditioned on them.
        """
        rng = np.random.default_rng(seed)
        drawn: dict[str, np.ndarray] = {}
        for index, column in enumerate(self.columns):
            if given is not None and column.name in given.columns:
                drawn[column.name] = self._encode_given(column, given[column.name])
                continue
            if column.tree is None:
                leaf_of = np.zeros(rows, dtype=int)
            else:
                features = np.column_stack([drawn[c] for c in self.order[:index]])
                leaf_of = column.tree.apply(features)
            out = np.empty(rows, dtype=float)
            node_of = np.empty(rows, dtype=int)
            for leaf in np.unique(leaf_of):
                where = np.flatnonzero(leaf_of == leaf)
                path, weights = column.paths[int(leaf)]
                node_of[where] = path[rng.choice(path.size, size=where.size, p=weights)]
            for node in np.unique(node_of):
                where = np.flatnonzero(node_of == node)
                out[where] = self._draw(column, column.nodes[int(node)], where.size, rng)
            drawn[column.name] = out
        out = {c: self._decode(c, drawn[c]) for c in self.output_columns}
        if given is not None:  # the given columns as given, not through the encoding
            out |= {c: given[c].reset_index(drop=True) for c in given.columns if c in out}
        return pd.DataFrame(out)

    def _encode_given(self, column: _Column, series: pd.Series) -> np.ndarray:
        """Given values in the fitted encoding (an unseen category is a missing one)."""
        if column.categorical:
            lookup = {value: code for code, value in enumerate(column.categories)}
            missing = len(column.categories)
            return series.map(lookup).fillna(missing).astype(float).to_numpy()
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.astype("int64").astype(float).to_numpy()
            values[series.isna().to_numpy()] = np.nan
            return values
        return series.astype(float).to_numpy()

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
        elif getattr(column, "decimals", None) is not None:  # models fitted before: unrounded
            # the real column's precision (charges in cents, weights to 0.1 kg): a drawn value
            # with sixteen digits is told from a real one at a glance
            values = np.round(values, column.decimals)
        return pd.Series(values, name=name)


SHRINKAGE_GRID = (0.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
MAX_DECIMALS = 6  # places a drawn number is rounded to at most (more: left as drawn)


def _person_weighted(values: np.ndarray, owners: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of ``values`` with each owner's rows weighing one in all."""
    _, inverse, counts = np.unique(owners, return_inverse=True, return_counts=True)
    weights = 1.0 / counts[inverse]
    mean = float(np.average(values, weights=weights))
    return mean, float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))


def people_bound(values: np.ndarray, owners: np.ndarray, k: int, high: bool) -> float:
    """The largest (``high``) or smallest value at least ``k`` people reach.

    Each person's extreme, the k-th from the end; the overall extreme when fewer than k people.
    """
    frame = pd.DataFrame({"v": values, "o": owners}).dropna()
    extremes = frame.groupby("o")["v"].max() if high else frame.groupby("o")["v"].min()
    ordered = np.sort(extremes.to_numpy())
    if ordered.size == 0:
        return float("nan")
    position = min(k, ordered.size)
    return float(ordered[-position] if high else ordered[position - 1])


def _people_bounds(owners: np.ndarray, k: int) -> np.ndarray:
    """Cuts of sorted values into consecutive groups each holding at least ``k`` people.

    The last group, too few alone, joins the one before it; one group when there are fewer
    than ``k`` people in all.
    """
    cuts, seen = [0], set()
    for position, owner in enumerate(owners.tolist()):
        seen.add(owner)
        if len(seen) >= k:
            cuts.append(position + 1)
            seen = set()
    if cuts[-1] != owners.size:
        if len(cuts) > 1:
            cuts[-1] = owners.size
        else:
            cuts.append(owners.size)
    return np.array(cuts, dtype=int)


def _shrunk_estimates(
    tree: Any, column: _Column, features: np.ndarray, target: np.ndarray
) -> dict[float, np.ndarray]:
    """Per shrinkage strength, every node's shrunk estimate (category shares or mean).

    Nodes are visited a depth level at a time: a node's estimate is its parent's plus the
    difference of their raw estimates scaled by ``1 / (1 + strength / N(parent))``.
    """
    structure = tree.tree_
    membership = tree.decision_path(features).T.tocsr()  # nodes x rows
    if column.categorical:
        width = len(column.categories) + 1
        onehot = np.zeros((target.shape[0], width))
        onehot[np.arange(target.shape[0]), target.astype(int)] = 1.0
        totals = membership @ onehot
        counts = totals.sum(axis=1)
    else:
        present = ~np.isnan(target)
        totals = membership @ np.where(present, target, 0.0)
        counts = membership @ present.astype(float)
    raw = totals / np.maximum(counts, 1.0).reshape((-1,) + (1,) * (totals.ndim - 1))
    parent, levels = _parents_and_levels(structure)
    sizes = membership.sum(axis=1).A1.astype(float)
    out = {}
    for strength in SHRINKAGE_GRID:
        estimate = raw.copy()
        for nodes in levels[1:]:
            up = parent[nodes]
            scale = 1.0 / (1.0 + strength / sizes[up])
            scale = scale.reshape((-1,) + (1,) * (raw.ndim - 1))
            estimate[nodes] = estimate[up] + (raw[nodes] - raw[up]) * scale
        out[strength] = estimate
    return out


def _parents_and_levels(structure: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each node's parent (-1 for the root) and the nodes of each depth, root first."""
    parent = np.full(structure.node_count, -1)
    levels = [np.array([0])]
    while True:
        nodes = levels[-1]
        children = np.concatenate([structure.children_left[nodes], structure.children_right[nodes]])
        inner = children >= 0
        if not inner.any():
            return parent, levels
        parent[children[inner]] = np.concatenate([nodes, nodes])[inner]
        levels.append(children[inner])


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))
