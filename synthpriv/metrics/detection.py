"""Whole-table fidelity: can a classifier tell real rows from synthetic ones?

Discriminator AUC: a gradient-boosted classifier (native categorical splits), 3-fold
cross-validated, on an equal number of real and synthetic rows; 0.5 means indistinguishable, 1.0
means always told apart.

pMSE (Snoke et al. 2018, synthpop's ``utility.gen``): the mean squared distance of propensity
scores from the synthetic share c, here from a logistic regression on main effects; S_pMSE is pMSE
divided by its expectation under the null of identical distributions, (k - 1)(1 - c)^2 c / N with
k the number of model parameters. S_pMSE near 1 is ideal; synthpop suggests values below ~10 are
good for a logistic model.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import VALUE, value_counts
from synthpriv.metrics.base import MetricError
from synthpriv.metrics.fidelity import as_float
from synthpriv.schema import Kind

MAX_ROWS = 10_000
MAX_LEVELS = 20
SPLIT_FEATURES = 30  # columns a discriminator's tree looks at per split (a cost bound)


def design_matrix(frames: list[pl.DataFrame], kinds: dict[str, Kind]) -> np.ndarray:
    """Numbers standardized (missing as 0 plus a flag), categories one-hot on the top levels."""
    stacked = pl.concat([f.select(list(kinds)) for f in frames], how="vertical_relaxed")
    parts = []
    for name, kind in kinds.items():
        column = stacked.get_column(name)
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            values = as_float(column)
            missing = np.isnan(values)
            sd = np.nanstd(values) or 1.0
            parts.append(np.where(missing, 0.0, (values - np.nanmean(values)) / sd)[:, None])
            if missing.any():
                parts.append(missing[:, None].astype(float))
        else:
            text = column.cast(pl.String).fill_null("\x00missing")
            top = value_counts(text, sort=True).get_column(VALUE).head(MAX_LEVELS).to_list()
            parts.append(
                np.stack([(text == level).to_numpy() for level in top[1:]], axis=1).astype(float)
                if len(top) > 1
                else np.zeros((stacked.height, 0))
            )
    return np.hstack(parts) if parts else np.zeros((stacked.height, 0))


MAX_TREE_CODES = 250  # HistGradientBoosting takes category codes below its 255 bins


def tree_levels(frames: list[pl.DataFrame], kinds: dict[str, Kind]) -> dict[str, pl.Series]:
    """Each categorical column's values, most frequent first (the codes of :func:`tree_matrix`)."""
    stacked = pl.concat([f.select(list(kinds)) for f in frames], how="vertical_relaxed")
    return {
        name: value_counts(stacked.get_column(name).cast(pl.String).drop_nulls(), sort=True)
        .get_column(VALUE)
        .alias(name)
        for name, kind in kinds.items()
        if kind not in (Kind.NUMERICAL, Kind.DATETIME)
    }


def tree_matrix(
    frames: list[pl.DataFrame],
    kinds: dict[str, Kind],
    levels: dict[str, pl.Series] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as they are and categories as codes by frequency, for native categorical trees.

    Missing values stay NaN (the trees route them); categories beyond the 250 most frequent share
    one code. ``levels`` (from :func:`tree_levels`) fixes the codes, so rows encoded later match
    a fitted model; a value not among them is treated as missing. Returns the matrix and the
    mask of categorical columns.
    """
    stacked = pl.concat([f.select(list(kinds)) for f in frames], how="vertical_relaxed")
    levels = levels if levels is not None else tree_levels(frames, kinds)
    columns, categorical = [], []
    for name, kind in kinds.items():
        column = stacked.get_column(name)
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            columns.append(as_float(column))
            categorical.append(False)
            continue
        text = column.cast(pl.String)
        order = levels[name]
        codes = pl.DataFrame({"v": order, "c": np.arange(order.len(), dtype=np.float64)})
        coded = text.to_frame("v").join(codes, on="v", how="left", maintain_order="left")
        columns.append(
            np.minimum(coded.get_column("c").fill_null(np.nan).to_numpy(), MAX_TREE_CODES)
        )
        categorical.append(True)
    return np.column_stack(columns), np.array(categorical)


def _balanced(
    real: pl.DataFrame, synthetic: pl.DataFrame, seed: int, max_rows: int = MAX_ROWS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = min(real.height, synthetic.height, max_rows)
    return real.sample(n, seed=seed), synthetic.sample(n, seed=seed + 1)


def discriminator_auc(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    seed: int = 0,
    *,
    max_rows: int = MAX_ROWS,
) -> float:
    """Cross-validated ROC AUC of a classifier separating real from synthetic rows.

    At most ``max_rows`` rows a side; on a wide table each split looks at a seeded random
    ``SPLIT_FEATURES`` columns (as a random forest does), so cost grows with rows, not columns.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import cross_val_score

    real, synthetic = _balanced(real, synthetic, seed, max_rows)
    if real.height < 10:
        raise MetricError("too few rows for a discriminator")
    x, categorical = tree_matrix([real, synthetic], kinds)
    y = np.r_[np.zeros(real.height), np.ones(synthetic.height)]
    model = HistGradientBoostingClassifier(
        max_iter=100,
        categorical_features=categorical,
        random_state=seed,
        max_features=min(1.0, SPLIT_FEATURES / max(x.shape[1], 1)),
    )
    with warnings.catch_warnings():
        # a fold the classifier cannot be fitted on (a column with no value in its rows) is
        # left out of the mean; sklearn's warning would print the fold's traceback, which
        # may quote a value
        warnings.simplefilter("ignore", FitFailedWarning)
        scores = cross_val_score(model, x, y, cv=3, scoring="roc_auc", error_score=np.nan)
    scores = scores[~np.isnan(scores)]
    if not scores.size:
        raise MetricError("the discriminator could not be fitted on any fold")
    return float(np.mean(scores))


def auc_interval(auc: float, rows_each: int, z: float = 1.96) -> tuple[float, float]:
    """A 95% interval for an AUC on ``rows_each`` rows per class (Hanley and McNeil 1982)."""
    a, n = min(max(auc, 1e-6), 1 - 1e-6), max(rows_each, 2)
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt((a * (1 - a) + (n - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (n * n))
    return max(0.0, auc - z * se), min(1.0, auc + z * se)


def balanced_rows(real: pl.DataFrame, synthetic: pl.DataFrame, max_rows: int = MAX_ROWS) -> int:
    """The rows a side that :func:`discriminator_auc` and :func:`pmse` compare."""
    return min(real.height, synthetic.height, max_rows)


def pmse(
    real: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    seed: int = 0,
    *,
    max_rows: int = MAX_ROWS,
) -> dict[str, Any]:
    """Return pMSE and S_pMSE from a logistic propensity model on main effects."""
    from sklearn.linear_model import LogisticRegression

    real, synthetic = _balanced(real, synthetic, seed, max_rows)
    if real.height < 10:
        raise MetricError("too few rows for pMSE")
    x = design_matrix([real, synthetic], kinds)
    y = np.r_[np.zeros(real.height), np.ones(synthetic.height)]
    model = LogisticRegression(max_iter=1000, C=1e6)
    model.fit(x, y)
    propensity = model.predict_proba(x)[:, 1]
    n, c = len(y), synthetic.height / len(y)
    value = float(np.mean((propensity - c) ** 2))
    k = x.shape[1] + 1
    expected = (k - 1) * (1 - c) ** 2 * c / n
    return {"pmse": value, "s_pmse": value / expected if expected > 0 else None, "parameters": k}
