"""The ``mst`` engine: differentially private synthesis, accounted end to end.

MST (McKenna, Miklau and Sheldon, "Winning the NIST Contest", 2021) measures every column's
marginal and the two-way marginals along a maximum spanning tree of the columns' dependence,
each with Gaussian noise, and samples rows from the tree-shaped model those noisy marginals
define. The whole fit is ρ-zero-concentrated DP (zCDP), converted to (ε, δ)-DP with the bound of
Canonne, Kamath and Steinke (2020); neighbouring tables differ by one person's row (add/remove).

**Everything the model learns from the private rows is paid from the budget**:

* the domain: a number's bounds come from config (public) or from a Gaussian histogram over a
  fixed grid of cells (0, ±1, 2, 5 x 10^k), keeping the outermost cells clearly occupied; a
  category's values come from config or from a Gaussian sparse histogram (noisy counts of the
  values present, kept above a threshold set by δ) whose failure probability is charged to δ;
* one-way marginals (a third of the rest), the spanning tree's selection (exponential
  mechanism, a third), and the tree's two-way marginals (a third).

Nothing else looks at the data: no rare-category pooling, no clipping at observed extremes, no
decimal counting (synthpriv's other engines do these, outside any budget). What is derived from
noisy measurements afterwards (merging values whose noisy count is below 3σ, projecting counts
to non-negative, sampling) is post-processing and costs nothing.

Numbers are binned on equal-width bins between their bounds and decoded by drawing uniformly
within the bin (integers rounded), so shapes do not collapse to bin values. The noise is drawn
from the operating system's entropy, never from the run's seed: a seed in a config file must not
let anyone subtract the noise. Sampling from a fitted model is seeded and reproducible.

Limits, stated in the report: the guarantee covers the model file and every row sampled from it,
not the scan, the cleaning or the report's own measurements on real rows; noise is numpy's
floating-point Gaussian and Gumbel sampling (not a discrete sampler hardened against
floating-point attacks); each fit spends its budget again.
"""

from __future__ import annotations

import itertools
import logging
import math
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from synthpriv.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_BINS = 32
DOMAIN_SHARE = 0.1  # of ρ, when some column's bounds or values must be found privately
OTHER = "(other)"
DAY_NS = 86_400 * 10**9  # dates and times are bounded and binned in days
RAKE_ROUNDS = 20
# MST's split of its budget (the paper's thirds)
MST_SHARES = {"one-way marginals": 1 / 3, "tree selection": 1 / 3, "two-way marginals": 1 / 3}
MAX_INTEGER_BINS = DEFAULT_BINS  # an integer column with at most this many values: a bin each


# ------------------------------------------------------------------------------ accounting


def cdp_delta(rho: float, epsilon: float) -> float:
    """δ of (ε, δ)-DP implied by ρ-zCDP (Canonne, Kamath, Steinke 2020, Proposition 12)."""
    if rho <= 0:
        return 0.0
    low, high = 1.01, (epsilon + 1) / (2 * rho) + 2
    for _ in range(1000):
        alpha = (low + high) / 2
        derivative = (2 * alpha - 1) * rho - epsilon + math.log1p(-1.0 / alpha)
        if derivative < 0:
            low = alpha
        else:
            high = alpha
    delta = math.exp((alpha - 1) * (alpha * rho - epsilon) + alpha * math.log1p(-1.0 / alpha)) / (
        alpha - 1.0
    )
    return min(delta, 1.0)


def _bisect(holds: Any, low: float, high: float, rounds: int = 200) -> tuple[float, float]:
    """Narrow [low, high] around the point where ``holds`` turns from true to false."""
    for _ in range(rounds):
        middle = (low + high) / 2
        if holds(middle):
            low = middle
        else:
            high = middle
    return low, high


def cdp_rho(epsilon: float, delta: float) -> float:
    """The largest ρ whose zCDP guarantee implies (ε, δ)-DP."""
    return _bisect(lambda rho: cdp_delta(rho, epsilon) <= delta, 0.0, epsilon + 1)[0]


@dataclass
class Accountant:
    """Splits (ε, δ) into ρ and δ shares and records what each use of the data spent."""

    epsilon: float
    delta: float
    private_domain: bool
    spent: dict[str, float] = field(default_factory=dict)  # ρ per use
    delta_spent: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_budget(self.epsilon, self.delta)
        self.delta_domain = self.delta / 2 if self.private_domain else 0.0
        self.rho = cdp_rho(self.epsilon, self.delta - self.delta_domain)
        self.rho_domain = DOMAIN_SHARE * self.rho if self.private_domain else 0.0
        self.rho_mst = self.rho - self.rho_domain

    def spend(self, use: str, rho: float, delta: float = 0.0) -> None:
        """Record ``rho`` (and a δ share) spent on ``use``."""
        self.spent[use] = self.spent.get(use, 0.0) + rho
        if delta:
            self.delta_spent[use] = self.delta_spent.get(use, 0.0) + delta

    def describe(self) -> dict[str, Any]:
        """JSON-ready budget: what was asked, what each use spent, and the ε it adds up to."""
        rho_used = sum(self.spent.values())
        delta_used = sum(self.delta_spent.values())
        return {
            "mechanism": "MST (Gaussian mechanism, exponential mechanism; zCDP)",
            "epsilon": self.epsilon,
            "delta": self.delta,
            "rho": self.rho,
            "rho_spent": rho_used,
            "epsilon_spent": _epsilon_of(rho_used, self.delta - self.delta_domain),
            "delta_spent": (self.delta - self.delta_domain) + delta_used,
            "rho_by_use": dict(self.spent),
            "delta_by_use": dict(self.delta_spent),
            "neighbouring": "add or remove one row",
        }


def _epsilon_of(rho: float, delta: float) -> float:
    """The smallest ε for which ρ-zCDP implies (ε, δ)-DP (any size: the bracket grows)."""
    if rho <= 0:
        return 0.0
    high = 1.0
    while cdp_delta(rho, high) > delta:
        high *= 2.0
    return _bisect(lambda epsilon: cdp_delta(rho, epsilon) > delta, 0.0, high)[1]


SPLIT_ROWS = (
    "each input row went to the training rows or to the holdout by its own coin, drawn from "
    "the operating system's randomness and never from the seed (a Poisson split), and every "
    "training row was used: adding or removing one row of the input file adds or removes at "
    "most that row from what the model learned from"
)
GIVEN_ROWS = (
    "every row of the table given to the fit was used: the guarantee is for that table; for it "
    "to hold for an original file, run 'synthpriv run --engine mst' on that file, which splits "
    "it by secret coins and cleans it row by row"
)
NOT_COVERED = (
    "the exact numbers of input, training and holdout rows (report.json, manifest.json)",
    "the input file's hash (manifest.json), which tells whether a given file was the input",
    "the report's own figures on real rows: fidelity, copies, distances, attacks, "
    "k-anonymity and l-diversity",
    "the column schema: the roles, kinds and distinct counts the scan found in the data, "
    "taken as public",
    "which columns the cleaning dropped or rewrote under the policy ('synthpriv run' with a DP "
    "engine rewrites row by row only: steps fitted on the data, such as rare-category pooling "
    "and ZIP digits chosen from the data, are skipped)",
)


def guarantee(rows_from: str | None = None) -> dict[str, Any]:
    """What a DP model's guarantee covers, what it does not, and how input rows reach it."""
    return {
        "covers": "the model file and every row sampled from it, however many",
        "neighbouring": "the input file with one row added or removed",
        "input_rows": rows_from or GIVEN_ROWS,
        "not_covered": list(NOT_COVERED),
        "keep_confidential": ["report.json", "report.html", "manifest.json", "schema.json"],
    }


def check_budget(epsilon: Any, delta: Any) -> None:
    """Refuse a missing or impossible ε or δ with one line."""
    if epsilon is None:
        raise ConfigError("engine 'mst' needs --epsilon (the privacy budget, e.g. 1.0)")
    if delta is None:
        raise ConfigError("engine 'mst' needs --delta (e.g. 1e-6, below 1 / rows)")
    if not float(epsilon) > 0 or not math.isfinite(float(epsilon)):
        raise ConfigError(f"--epsilon must be a positive number, got {epsilon}")
    if not 0 < float(delta) < 1:
        raise ConfigError(f"--delta must be between 0 and 1 (exclusive), got {delta}")


# ---------------------------------------------------------------------------------- domain


def _candidates() -> np.ndarray:
    """A fixed, data-independent grid of possible bounds: 0 and ±{1, 2, 5} x 10^k."""
    magnitudes = [m * 10.0**k for k in range(-3, 13) for m in (1, 2, 5)]
    return np.array(sorted({0.0, *magnitudes, *(-m for m in magnitudes)}))


def _private_bounds(
    values: np.ndarray, rho: float, rng: np.random.Generator
) -> tuple[float, float]:
    """Bounds from a Gaussian histogram over the fixed grid's cells (ρ-zCDP).

    One person's value falls in one cell (L2 sensitivity 1). Cells whose noisy count is below
    ``4σ`` are taken as empty (an empty cell passes with probability 3e-5), and the bounds are
    the edges of the outermost cells left: the few values beyond are clipped to them.
    """
    grid = _candidates()
    sigma = math.sqrt(1 / (2 * rho))
    cells = np.clip(np.searchsorted(grid, values, side="right") - 1, 0, grid.size - 2)
    noisy = np.bincount(cells, minlength=grid.size - 1) + rng.normal(0, sigma, grid.size - 1)
    kept = np.flatnonzero(noisy >= 4 * sigma)
    if kept.size == 0:  # too few rows for the budget: the cell nearest zero on each side
        centre = int(np.searchsorted(grid, 0.0))
        return float(grid[centre - 1]), float(grid[centre + 1])
    return float(grid[kept[0]]), float(grid[kept[-1] + 1])


def _exponential(
    utility: np.ndarray,
    epsilon: float,
    sensitivity: float,
    rng: np.random.Generator,
    prior: np.ndarray | None = None,
) -> int:
    """Exponential mechanism by the Gumbel-max trick: ρ = ε² / 8 in zCDP (Cesar & Rogers 2021).

    ``prior``: a data-independent log base measure over the candidates.
    """
    scores = epsilon * utility / (2 * sensitivity)
    if prior is not None:
        scores = scores + prior
    return int(np.argmax(scores + rng.gumbel(size=scores.size)))


@dataclass
class ColumnDomain:
    """How one column is coded: categories (with an other and a missing code) or bins."""

    name: str
    numeric: bool
    source: str  # "config" or "dp"
    categories: list[Any] = field(default_factory=list)
    low: float = 0.0
    high: float = 1.0
    bins: int = 0
    integer: bool = False
    temporal: bool = False
    boolean: bool = False
    # after the one-way measurement: code -> group (values merged when their noisy count is low)
    groups: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Codes: bins and exactly zero, or categories and other; then missing."""
        return (self.bins if self.numeric else len(self.categories)) + 2

    def encode(self, series: pd.Series) -> np.ndarray:
        """Codes of ``series`` (out-of-domain categories to other, numbers clipped to bounds)."""
        missing = series.isna().to_numpy()
        if self.numeric:
            values = _numbers(series, self.temporal)
            width = (self.high - self.low) / self.bins
            codes = np.floor((np.clip(values, self.low, self.high) - self.low) / width)
            codes = np.clip(np.nan_to_num(codes), 0, self.bins - 1).astype(int)
            # zero is a value of its own (no gain, no visits): a spike bins would smear
            codes = np.where(values == 0, self.bins, codes)
        else:
            lookup = {v: i for i, v in enumerate(self.categories)}
            other = len(self.categories)
            codes = series.map(lambda v: lookup.get(v, other)).to_numpy()
            codes = np.where(missing, 0, codes).astype(int)
        return np.where(missing, self.size - 1, codes)

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        """Values for ``codes``: a bin's numbers drawn uniformly within it."""
        missing = codes == self.size - 1
        if self.numeric:
            width = (self.high - self.low) / self.bins
            values = self.low + (np.minimum(codes, self.bins - 1) + rng.random(codes.size)) * width
            if self.integer or self.temporal:
                values = np.floor(values)
            values[codes == self.bins] = 0.0
            values[missing] = np.nan
            if self.temporal:
                out = pd.to_datetime(pd.Series(values * DAY_NS), unit="ns")
                return out.rename(self.name)
            return pd.Series(values, name=self.name)
        # a yes/no column has no other value: what noise put there is missing
        other = None if self.boolean else OTHER
        labels = np.array([*self.categories, other, None], dtype=object)[codes]
        series = pd.Series(labels, name=self.name)
        return series.astype("boolean") if self.boolean else series

    def describe(self) -> dict[str, Any]:
        """Where the coding came from and its size (no values)."""
        out: dict[str, Any] = {"source": self.source}
        if self.numeric:
            out |= {"low": self.low, "high": self.high, "bins": self.bins}
        else:
            out["categories"] = len(self.categories)
        return out


def _numbers(series: pd.Series, temporal: bool) -> np.ndarray:
    """Numbers as floats; dates and times as days since 1970 (missing stays NaN)."""
    if temporal:
        days = series.astype("int64").to_numpy(float) / DAY_NS
        return np.where(series.isna().to_numpy(), np.nan, days)
    return series.astype(float).to_numpy(float)


def _declared(series: pd.Series, declared: str | None) -> tuple[bool, bool, bool, bool]:
    """(numeric, integer, temporal, boolean) of a column: declared, or else read off its dtype.

    synthpriv always declares (from the column schema, public); reading the dtype is for direct
    users of :class:`PrivateMST`, and the account says the types then came from the data.
    """
    if declared is not None:
        return (
            declared in ("integer", "number", "date", "datetime"),
            declared in ("integer", "date", "datetime"),
            declared in ("date", "datetime"),
            declared == "boolean",
        )
    temporal = pd.api.types.is_datetime64_any_dtype(series)
    boolean = pd.api.types.is_bool_dtype(series)
    numeric = (pd.api.types.is_numeric_dtype(series) and not boolean) or temporal
    return (
        numeric,
        numeric and (pd.api.types.is_integer_dtype(series) or temporal),
        temporal,
        boolean,
    )


def _domain(
    name: str,
    series: pd.Series,
    public: dict[str, Any],
    bins: int,
    budget: tuple[float, float] | None,
    rng: np.random.Generator,
    declared: str | None = None,
) -> ColumnDomain:
    """The column's coding, from config or, with ``budget`` = (ρ, δ), found privately.

    Its type (``declared``: integer, number, date, datetime, boolean or category) decides the
    coding; every coding has a missing code, so a missing value changes nothing of it.
    """
    numeric, integer, temporal, boolean = _declared(series, declared)
    if numeric:
        if name in public.get("bounds", {}):
            low, high = (
                pd.Timestamp(v).value / DAY_NS if temporal else float(v)
                for v in public["bounds"][name]
            )
            source = "config"
        else:
            rho, _ = budget
            values = _numbers(series.dropna(), temporal)
            low, high = _private_bounds(values, rho, rng)
            source = "dp"
        if not high > low:
            high = low + 1.0
        count = bins
        if integer and not temporal and high - low + 1 <= MAX_INTEGER_BINS:
            count, high = int(high - low + 1), high + 1  # one bin per integer
        return ColumnDomain(
            name, True, source, low=low, high=high, bins=count, integer=integer, temporal=temporal
        )
    if boolean:  # the type says the values: nothing to spend
        return ColumnDomain(name, False, "type", categories=[False, True], boolean=True)
    if name in public.get("categories", {}):
        return ColumnDomain(name, False, "config", categories=list(public["categories"][name]))
    rho, delta = budget
    # Gaussian sparse histogram: one person adds 1 to one value's count (L2 sensitivity 1)
    sigma = math.sqrt(1 / (2 * rho))
    threshold = 1 + sigma * norm.isf(delta)
    counts = series.dropna().astype(str).value_counts()
    noisy = counts.to_numpy(float) + rng.normal(0, sigma, counts.size)
    kept = [v for v, c in zip(counts.index, noisy, strict=True) if c > threshold]
    return ColumnDomain(name, False, "dp", categories=sorted(kept, key=str))


# ------------------------------------------------------------------------------------- MST


def _project(counts: np.ndarray) -> np.ndarray:
    """Noisy counts to probabilities: negatives to zero, then normalised (post-processing)."""
    clipped = np.clip(counts, 0, None)
    total = clipped.sum()
    return clipped / total if total > 0 else np.full(counts.shape, 1.0 / counts.size)


def _rake(table: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Make a noisy two-way table agree with its two one-way estimates (iterative fitting).

    Post-processing: the one-way and two-way measurements of a column are noisy separately;
    raking the table to the one-way shares (more precise, and zero where a value was judged
    absent) removes most of the disagreement without spending anything.
    """
    table = table / max(table.sum(), 1e-12)
    for _ in range(RAKE_ROUNDS):
        sums = table.sum(axis=1)
        table = table * np.divide(rows, sums, out=np.zeros_like(rows), where=sums > 0)[:, None]
        sums = table.sum(axis=0)
        table = table * np.divide(columns, sums, out=np.zeros_like(columns), where=sums > 0)
    return table


class PrivateMST:
    """MST with synthpriv's domain handling and accounting (see module doc).

    Args:
        epsilon, delta: The (ε, δ) budget of the whole fit.
        bins: Equal-width bins per number (an integer column with fewer values gets one each).
        bounds: Public numeric bounds, ``{column: [low, high]}`` (no budget spent on them).
        categories: Public category values, ``{column: [values]}`` (no budget spent on them).
    """

    def __init__(
        self,
        epsilon: float | None = None,
        delta: float | None = None,
        bins: int = DEFAULT_BINS,
        bounds: dict[str, list[float]] | None = None,
        categories: dict[str, list[Any]] | None = None,
    ):
        check_budget(epsilon, delta)
        if int(bins) < 2:
            raise ValueError("bins must be at least 2")
        self.epsilon, self.delta, self.bins = float(epsilon), float(delta), int(bins)
        self.public = {"bounds": dict(bounds or {}), "categories": dict(categories or {})}
        self.domains: list[ColumnDomain] = []
        self.one_way: list[np.ndarray] = []
        self.edges: list[tuple[int, int]] = []
        self.two_way: dict[tuple[int, int], np.ndarray] = {}
        self.accounting: dict[str, Any] = {}
        self.output_columns: list[str] = []

    # ----------------------------------------------------------------------------- fit

    def fit(
        self, data: pd.DataFrame, seed: int = 0, types: dict[str, str] | None = None
    ) -> PrivateMST:
        """Fit on ``data``, replacing any earlier fit; ``seed`` is not used for noise.

        ``types`` declares each column's type (integer, number, date, datetime, boolean or
        category; synthpriv takes them from the column schema); without it they are read off
        the dtypes, which depend on the data, and the account says so.
        """
        del seed  # the noise must not be reproducible from a seed
        rng = np.random.default_rng(secrets.randbits(128))
        # a second fit replaces the first: nothing measured before may stay
        self.domains, self.one_way, self.edges, self.two_way = [], [], [], {}
        self.output_columns = list(data.columns)
        types = dict(types or {})
        private = [
            c
            for c in data.columns
            if c not in self.public["bounds"]
            and c not in self.public["categories"]
            and not _declared(data[c], types.get(c))[3]
        ]
        account = Accountant(self.epsilon, self.delta, private_domain=bool(private))
        share = (
            (account.rho_domain / len(private), account.delta_domain / len(private))
            if (private)
            else None
        )
        for name in data.columns:
            budget = share if name in private else None
            self.domains.append(
                _domain(name, data[name], self.public, self.bins, budget, rng, types.get(name))
            )
            if budget is not None:
                kind = "bounds" if self.domains[-1].numeric else "categories"
                account.spend(f"domain: {kind} of {name}", budget[0], budget[1])
        codes = np.column_stack([d.encode(data[d.name]) for d in self.domains])
        d = len(self.domains)
        shares = dict(MST_SHARES) if d > 1 else {"one-way marginals": 1.0}
        rho = {use: share * account.rho_mst for use, share in shares.items()}
        self._measure_one_way(codes, rho["one-way marginals"], rng)
        account.spend("one-way marginals", rho["one-way marginals"])
        grouped = np.column_stack([dom.groups[codes[:, i]] for i, dom in enumerate(self.domains)])
        if d > 1:
            self._select(grouped, rho["tree selection"], rng)
            account.spend("tree selection", rho["tree selection"])
            self._measure_two_way(grouped, rho["two-way marginals"], rng)
            account.spend("two-way marginals", rho["two-way marginals"])
        if private:
            log.warning(
                "mst: the domain of %d column(s) (%s) was found from the data, spending %.0f%% "
                "of the budget; give bounds and categories in [synthesis.params] to spend it "
                "on the measurements instead",
                len(private),
                ", ".join(private),
                100 * account.rho_domain / account.rho,
            )
        self.accounting = account.describe() | {
            "types": "declared (public)" if types else "read from the data's types",
            "columns": {dom.name: dom.describe() for dom in self.domains},
            "tree": [[self.domains[a].name, self.domains[b].name] for a, b in self.edges],
        }
        return self

    def _measure_one_way(self, codes: np.ndarray, rho: float, rng: np.random.Generator) -> None:
        sigma = math.sqrt(len(self.domains) / (2 * rho))
        totals = []
        for i, dom in enumerate(self.domains):
            counts = np.bincount(codes[:, i], minlength=dom.size).astype(float)
            noisy = counts + rng.normal(0, sigma, dom.size)
            # MST's compression: values with a noisy count below 3σ share one group
            small = noisy < 3 * sigma
            groups = np.zeros(dom.size, dtype=int)
            large = np.flatnonzero(~small)
            groups[large] = np.arange(large.size)
            groups[small] = large.size
            dom.groups = groups
            totals.append(noisy.sum())
            merged = np.bincount(groups, weights=noisy, minlength=large.size + 1)
            if not small.any():
                merged = merged[:-1]
            elif merged[-1] < 3 * sigma * math.sqrt(small.sum()):
                merged[-1] = 0.0  # the merged values are as likely empty as not
            self.one_way.append(_project(merged))
        # the number of rows as the noisy measurements tell it (the true count is private)
        self.rows_estimate = max(float(np.mean(totals)), 1.0)

    def _select(self, grouped: np.ndarray, rho: float, rng: np.random.Generator) -> None:
        """Kruskal's algorithm with an exponential-mechanism pick per edge (MST's select)."""
        d = len(self.domains)
        n = self.rows_estimate  # noisy: the estimate below is post-processing, sensitivity 1
        weights = {}
        for a, b in itertools.combinations(range(d), 2):
            sizes = (self.one_way[a].size, self.one_way[b].size)
            cells = grouped[:, a] * sizes[1] + grouped[:, b]
            actual = np.bincount(cells, minlength=sizes[0] * sizes[1])
            estimate = np.outer(self.one_way[a], self.one_way[b]).ravel() * n
            weights[(a, b)] = float(np.abs(actual - estimate).sum())
        epsilon = math.sqrt(8 * rho / (d - 1))
        component = list(range(d))
        for _ in range(d - 1):
            candidates = [p for p in weights if component[p[0]] != component[p[1]]]
            utility = np.array([weights[p] for p in candidates])
            a, b = candidates[_exponential(utility, epsilon, 1.0, rng)]
            self.edges.append((a, b))
            old, new = component[b], component[a]
            component = [new if c == old else c for c in component]

    def _measure_two_way(self, grouped: np.ndarray, rho: float, rng: np.random.Generator) -> None:
        sigma = math.sqrt(len(self.edges) / (2 * rho))
        for a, b in self.edges:
            sizes = (self.one_way[a].size, self.one_way[b].size)
            counts = np.bincount(
                grouped[:, a] * sizes[1] + grouped[:, b], minlength=sizes[0] * sizes[1]
            ).astype(float)
            noisy = counts + rng.normal(0, sigma, counts.size)
            self.two_way[(a, b)] = _rake(
                np.clip(noisy, 0, None).reshape(sizes), self.one_way[a], self.one_way[b]
            )

    # -------------------------------------------------------------------------- sample

    def _tree(self) -> tuple[list[int], dict[int, tuple[int, np.ndarray]]]:
        """Visit order from column 0 and, per other column, its parent and P(column | parent)."""
        neighbours: dict[int, list[tuple[int, np.ndarray]]] = {}
        for (a, b), table in self.two_way.items():
            neighbours.setdefault(a, []).append((b, table))
            neighbours.setdefault(b, []).append((a, table.T))
        order, parent, seen = [], {}, set()
        for root in range(len(self.domains)):
            if root in seen:
                continue
            stack = [root]
            seen.add(root)
            while stack:
                node = stack.pop(0)
                order.append(node)
                for child, table in neighbours.get(node, []):
                    if child not in seen:
                        seen.add(child)
                        parent[child] = (node, table)  # rows: parent's groups
                        stack.append(child)
        return order, parent

    def sample(self, rows: int, seed: int) -> pd.DataFrame:
        """Draw ``rows`` rows: the tree's root from its marginal, each child given its parent."""
        rng = np.random.default_rng(seed)
        order, parent = self._tree()
        drawn: dict[int, np.ndarray] = {}
        for node in order:
            if node not in parent:
                drawn[node] = rng.choice(self.one_way[node].size, rows, p=self.one_way[node])
                continue
            up, table = parent[node]
            out = np.empty(rows, dtype=int)
            for value in np.unique(drawn[up]):
                where = np.flatnonzero(drawn[up] == value)
                row = table[value]
                p = row / row.sum() if row.sum() > 0 else self.one_way[node]
                out[where] = rng.choice(p.size, where.size, p=p)
            drawn[node] = out
        columns = {}
        for i, dom in enumerate(self.domains):
            # a group of merged codes: one of its codes, uniformly
            codes = np.empty(rows, dtype=int)
            for group in np.unique(drawn[i]):
                where = np.flatnonzero(drawn[i] == group)
                codes[where] = rng.choice(np.flatnonzero(dom.groups == group), where.size)
            columns[dom.name] = dom.decode(codes, rng)
        return pd.DataFrame({c: columns[c] for c in self.output_columns})
