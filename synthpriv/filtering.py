"""Validate synthetic rows: drop what is too close, clearly synthetic or broken; draw again.

Three checks, each on by its own setting (``[synthesis] privacy_filter``, ``quality_filter``;
constraints always):

* **privacy**: a synthetic row is too close when its distance to the nearest training row is at
  most the distance within which only ``QUANTILE`` (5%) of unseen real rows (the holdout) fall:
  closer to a real person than real people who were never in the data usually come. Distances
  are the report's (range-scaled Gower over the compared columns,
  :mod:`synthpriv.metrics.neighbors`), against every training row.
* **quality**: a gradient-boosted classifier learns to tell training rows from synthetic rows of
  an independent draw (so it never scores the rows it learned from); a synthetic row it gives a
  probability of being synthetic of ``quality_threshold`` (0.9) or more is clearly not like any
  real row and is dropped (at most ``MAX_QUALITY_SHARE`` of a draw: see ``_ClearlySynthetic``).
* **constraints**: a row that breaks one of the model's constraints is dropped (sampling
  already enforces them; this is the last check before the rows leave).

Dropped rows are replaced by new draws, up to ``MAX_ROUNDS`` times; the result says how many rows
each check removed and how many are missing if the rounds ran out. Filtering by distance to
training rows changes how synthetic rows sit around them, which could itself tell an attacker
who was a member: the report measures fidelity, DCR share and membership inference before and
after filtering (:func:`synthpriv.report.builder.filter_effect`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from synthpriv.metrics.detection import MAX_ROWS, tree_levels, tree_matrix
from synthpriv.metrics.neighbors import encode, nearest_distances
from synthpriv.schema import Kind, aligned, kinds_of

QUANTILE = 0.05
QUALITY_THRESHOLD = 0.9
MAX_QUALITY_SHARE = 0.2  # the quality check drops at most this share of a draw (see start)
MAX_ROUNDS = 5
REASONS = ("too_close", "clearly_synthetic", "breaks_constraint")

Draw = Callable[[int, int], pl.DataFrame]


@dataclass
class FilterResult:
    """The rows kept, and counts for the report (never values)."""

    frame: pl.DataFrame
    drawn: int
    removed: dict[str, int]
    rounds: int
    short: int = 0
    distance_threshold: float | None = None
    quality_threshold: float | None = None
    quality_cut: float | None = None
    quality_flagged_first_draw: float | None = None
    share_removed_first_draw: dict[str, float] = field(default_factory=dict)
    passed: int = 0

    @property
    def total_removed(self) -> int:
        """Rows dropped for any reason (a row failing two checks counts once)."""
        return self.drawn - self.passed

    def describe(self) -> dict[str, Any]:
        """JSON-ready account for the report."""
        return {
            "checks": {
                "privacy": self.distance_threshold is not None,
                "quality": self.quality_threshold is not None,
                "constraints": True,
            },
            "quantile": QUANTILE,
            # unrounded: the report puts unseen rows through the same check (distances tie)
            "distance_threshold": self.distance_threshold,
            "quality_threshold": self.quality_threshold,
            "quality_cut": None if self.quality_cut is None else round(self.quality_cut, 4),
            "quality_flagged_first_draw": self.quality_flagged_first_draw,
            "quality_max_share": MAX_QUALITY_SHARE,
            "rows_drawn": self.drawn,
            "rows_removed": self.total_removed,
            "removed_by": dict(self.removed),
            "share_removed_first_draw": dict(self.share_removed_first_draw),
            "rounds": self.rounds,
            "rows_short": self.short,
        }


class TooClose:
    """Rows nearer a training row than all but ``QUANTILE`` of the holdout's rows come.

    ``threshold`` given (the distance a filter already used), the holdout is not needed: the
    report puts unseen real rows through the same check (see ``filter_effect``).
    """

    def __init__(
        self,
        train: pl.DataFrame,
        holdout: pl.DataFrame | None,
        kinds: dict[str, Kind],
        threshold: float | None = None,
    ):
        self.kinds = kinds
        self.train = aligned(train, train, list(kinds))
        if threshold is None:
            if holdout is None:
                raise ValueError("the distance threshold needs a holdout")
            # ranges from the training rows
            enc_train, enc_holdout = encode(
                [self.train, aligned(holdout, train, list(kinds))], kinds
            )
            threshold = float(np.quantile(nearest_distances(enc_holdout, enc_train), QUANTILE))
        self.threshold = threshold

    def keep(self, batch: pl.DataFrame) -> np.ndarray:
        """True for the rows of ``batch`` farther from every training row than the threshold."""
        # re-encoded with the training rows: category codes are shared within one encoding
        encoded = encode([self.train, aligned(batch, self.train, list(self.kinds))], self.kinds)
        return nearest_distances(encoded[1], encoded[0]) > self.threshold


class _ClearlySynthetic:
    """Rows a classifier, trained on training rows against an independent draw, calls synthetic."""

    def __init__(
        self,
        train: pl.DataFrame,
        reference: pl.DataFrame,
        kinds: dict[str, Kind],
        threshold: float,
        seed: int,
    ):
        n = min(train.height, reference.height, MAX_ROWS)
        self.real = aligned(train.sample(n, seed=seed, shuffle=True), train, list(kinds))
        self.fake = aligned(reference.sample(n, seed=seed + 1, shuffle=True), train, list(kinds))
        self.kinds, self.threshold, self.seed = kinds, threshold, seed

        self._model: Any = None
        self.cut, self.flagged = threshold, 0.0
        self.tie_drop = 1.0  # share of rows scored exactly at the cut that are dropped
        self._rng = np.random.default_rng(seed)

    def _fit(self) -> None:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.model_selection import StratifiedKFold

        self.levels = tree_levels([self.real, self.fake], self.kinds)
        x, categorical = tree_matrix([self.real, self.fake], self.kinds, self.levels)
        y = np.r_[np.zeros(self.real.height), np.ones(self.fake.height)]
        booster = HistGradientBoostingClassifier(
            max_iter=100, categorical_features=categorical, random_state=self.seed
        )
        # cross-fitted isotonic calibration: a booster's own probabilities are overconfident on
        # small tables and would call every row "clearly" synthetic
        folds = StratifiedKFold(3, shuffle=True, random_state=self.seed)
        self._model = CalibratedClassifierCV(booster, method="isotonic", cv=folds).fit(x, y)

    def _scores(self, batch: pl.DataFrame) -> np.ndarray:
        x, _ = tree_matrix([aligned(batch, self.real, list(self.kinds))], self.kinds, self.levels)
        return self._model.predict_proba(x)[:, 1]

    def keep(self, batch: pl.DataFrame) -> np.ndarray:
        """False for rows above the cut, and for the set share of rows exactly at it."""
        scores = self._scores(batch)
        keep = scores < self.cut
        tied = np.flatnonzero(scores == self.cut)
        spared = self._rng.permutation(tied)[int(round(self.tie_drop * tied.size)) :]
        keep[spared] = True
        return keep

    def start(self, first: pl.DataFrame) -> None:
        """Fit, then fix the cut: the threshold, or higher when it would drop too many rows.

        When the classifier calls more than ``MAX_QUALITY_SHARE`` of the first draw clearly
        synthetic, the engine fits the table poorly; dropping all of those rows would keep only
        the ones most like training rows (pulling the table toward the people in it), so only
        the most clearly synthetic ``MAX_QUALITY_SHARE`` are dropped and the report says so.
        """
        self._fit()
        scores = self._scores(first)
        self.flagged = round(float(np.mean(scores >= self.threshold)), 4) if scores.size else 0.0
        self.cut = self.threshold
        if self.flagged > MAX_QUALITY_SHARE:
            # A calibrated classifier's scores come in steps: many rows may share the top score.
            # Drop every row above the cut and, of the rows exactly at it, only as many as keep
            # the whole at MAX_QUALITY_SHARE (at random), never all of a tied block.
            self.cut = float(np.quantile(scores, 1.0 - MAX_QUALITY_SHARE))
            above, tied = int(np.sum(scores > self.cut)), int(np.sum(scores == self.cut))
            allowed = int(MAX_QUALITY_SHARE * scores.size) - above
            self.tie_drop = min(1.0, max(allowed, 0) / tied) if tied else 1.0
        else:
            self.tie_drop = 1.0  # at the threshold is "at least the threshold": dropped


def validate(
    synthetic: pl.DataFrame,
    train: pl.DataFrame,
    holdout: pl.DataFrame | None,
    draw: Draw,
    *,
    privacy: bool = True,
    quality: bool = False,
    quality_threshold: float = QUALITY_THRESHOLD,
    constraints: Iterable[Any] = (),
    seed: int = 0,
) -> FilterResult:
    """Keep the synthetic rows that pass every check; draw again for the ones dropped.

    ``draw(rows, round)`` samples more rows from the same model (its own seed per round;
    round 0 is the quality check's independent reference draw). ``constraints`` are objects
    with ``holds(frame) -> Series`` (:class:`synthpriv.synthesis_plan.Constraint`).
    """
    kinds = {
        c: k
        for c, k in kinds_of(train).items()
        if k not in (Kind.TEXT, Kind.ID) and c in synthetic.columns
    }
    checks: dict[str, Any] = {}
    too_close = clearly = None
    if privacy and kinds and holdout is not None and holdout.height > 0:
        usable = {c: k for c, k in kinds.items() if c in holdout.columns}
        if usable:
            too_close = checks["too_close"] = TooClose(train, holdout, usable)
    if quality and kinds and synthetic.height >= 10:
        reference = draw(synthetic.height, 0)
        clearly = checks["clearly_synthetic"] = _ClearlySynthetic(
            train, reference, kinds, quality_threshold, seed
        )
        clearly.start(synthetic)
    rules = list(constraints)
    if rules:
        checks["breaks_constraint"] = _Constraints(rules)
    wanted = synthetic.height
    removed = dict.fromkeys(REASONS, 0)
    first: dict[str, float] = {}
    kept: list[pl.DataFrame] = []
    have = drawn = rounds = 0
    batch = synthetic
    while True:
        ok = np.ones(batch.height, dtype=bool)
        for reason, check in checks.items():
            passed = check.keep(batch) if batch.height else ok
            if rounds == 0:
                first[reason] = round(float(1.0 - passed.mean()), 4) if passed.size else 0.0
            removed[reason] += int((ok & ~passed).sum())  # a row counts for its first failure
            ok &= passed
        drawn += batch.height
        kept.append(batch.filter(pl.Series(ok)))
        have += int(ok.sum())
        if have >= wanted or rounds >= MAX_ROUNDS or not checks:
            break
        rounds += 1
        rate = max(have / drawn, 0.05)
        batch = draw(math.ceil((wanted - have) / rate * 1.1), rounds)
    frame = pl.concat(kept).head(wanted)
    result = FilterResult(
        frame,
        drawn,
        {r: n for r, n in removed.items() if r in checks},
        rounds,
        short=wanted - frame.height,
        distance_threshold=too_close.threshold if too_close else None,
        quality_threshold=clearly.threshold if clearly else None,
        quality_cut=clearly.cut if clearly else None,
        quality_flagged_first_draw=clearly.flagged if clearly else None,
        share_removed_first_draw=first,
        passed=have,
    )
    return result


class _Constraints:
    def __init__(self, rules: list[Any]):
        self.rules = rules

    def keep(self, batch: pl.DataFrame) -> np.ndarray:
        from synthpriv.synthesis_plan import satisfied

        return satisfied(self.rules, batch).fill_null(False).to_numpy()
