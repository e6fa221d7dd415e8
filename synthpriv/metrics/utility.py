"""ML utility: do models trained on synthetic rows predict real outcomes as well as real ones?

Train-on-synthetic / test-on-real is compared with train-on-real / test-on-real.

The test rows are the real holdout, which neither the synthesizer nor the real-trained model saw.
Classification (a categorical or boolean target, or integers with few values) reports ROC AUC
(one-vs-rest for several classes) and macro F1; regression reports R² and MAE. The model is
scikit-learn's HistGradientBoosting with a fixed seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from synthpriv.metrics.base import MetricError
from synthpriv.metrics.detection import design_matrix
from synthpriv.schema import Kind

MAX_CLASSES_FOR_INTEGERS = 10


def task_for(series: pl.Series, kind: Kind) -> str:
    """``classification`` or ``regression`` for a target column."""
    if kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
        return "classification"
    if series.dtype.is_integer() and series.n_unique() <= MAX_CLASSES_FOR_INTEGERS:
        return "classification"
    if kind == Kind.NUMERICAL:
        return "regression"
    raise MetricError(f"target kind {kind} is not supported")


def _fit_predict(
    train: pl.DataFrame,
    test: pl.DataFrame,
    target: str,
    kinds: dict[str, Kind],
    task: str,
    seed: int,
) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import f1_score, mean_absolute_error, r2_score, roc_auc_score

    train = train.filter(pl.col(target).is_not_null())
    test = test.filter(pl.col(target).is_not_null())
    if train.height < 10 or test.height < 10:
        raise MetricError("too few rows with a target value")
    features = {c: k for c, k in kinds.items() if c != target}
    if not features:
        raise MetricError("no feature columns besides the target")
    x = design_matrix([train, test], features)
    x_train, x_test = x[: train.height], x[train.height :]
    if task == "regression":
        y_train = train.get_column(target).cast(pl.Float64).to_numpy()
        y_test = test.get_column(target).cast(pl.Float64).to_numpy()
        model = HistGradientBoostingRegressor(random_state=seed).fit(x_train, y_train)
        predicted = model.predict(x_test)
        return {
            "r2": float(r2_score(y_test, predicted)),
            "mae": float(mean_absolute_error(y_test, predicted)),
        }
    y_train = train.get_column(target).cast(pl.String).to_numpy()
    y_test = test.get_column(target).cast(pl.String).to_numpy()
    if len(set(y_train)) < 2:
        raise MetricError("the training rows hold a single class")
    model = HistGradientBoostingClassifier(random_state=seed).fit(x_train, y_train)
    labels = list(model.classes_)
    proba = model.predict_proba(x_test)
    present = np.isin(y_test, labels)
    if len(labels) == 2:
        auc = roc_auc_score(y_test[present] == labels[1], proba[present, 1])
    else:
        auc = roc_auc_score(y_test[present], proba[present], multi_class="ovr", labels=labels)
    f1 = f1_score(y_test, model.predict(x_test), average="macro")
    return {"auc": float(auc), "f1_macro": float(f1)}


def ml_utility(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    target: str,
    kinds: dict[str, Kind],
    seed: int = 0,
) -> dict[str, Any]:
    """Score real-trained and synthetic-trained models on the real holdout."""
    if target not in kinds:
        raise MetricError(f"target column {target!r} is not among the compared columns")
    task = task_for(train.get_column(target), kinds[target])
    real = _fit_predict(train, holdout, target, kinds, task, seed)
    synth = _fit_predict(synthetic, holdout, target, kinds, task, seed)
    return {
        "target": target,
        "task": task,
        "train_real_test_real": {k: round(v, 4) for k, v in real.items()},
        "train_synthetic_test_real": {k: round(v, 4) for k, v in synth.items()},
    }
