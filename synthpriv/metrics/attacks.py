"""The three re-identification criteria of the EU Article 29 Working Party, measured by attacks.

Each attack is run with the synthetic table against two sets of real rows of the same size: the
training rows (``original``) and a holdout the synthesizer never saw (``control``). What the
attack achieves on the control rows is what any table drawn from the same population would give
away; only the excess on the training rows is a leak. As in Anonymeter (Giomi et al., PoPETs
2023), with attack and control success rates ``a`` and ``c``::

    risk = (a - c) / (1 - c)

The rates are Wilson score estimates and the risk's 95% interval propagates both rates' errors.

* Singling out: predicates that match exactly one synthetic row (a rare value, the minimum or
  maximum; or a random synthetic row's values on three columns, numbers as ``>=`` or ``<=``
  depending on the side of the median) are tried on the real rows; success is a predicate
  that matches exactly one real row.
* Linkability: the auxiliary columns are split in two sets; a real row is linked when its two
  halves have the same nearest synthetic row.
* Attribute inference: for a secret column, the attacker takes the nearest synthetic row on the
  quasi-identifiers and guesses its secret; a number is right within 5% of the guess.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import norm

from synthpriv.metrics.neighbors import Encoded, nearest
from synthpriv.schema import Kind

N_ATTACKS = 500  # singling-out predicates (each costs a pass over the tables)
N_TARGETS = 2000  # rows attacked by linkability and inference (nearest-neighbour searches)
N_COLUMNS = 3
MAX_ATTEMPTS = 20_000
BATCH = 1000
TOLERANCE = 0.05


@dataclass(frozen=True)
class Rate:
    """A success rate (Wilson centre) and its error bound at the confidence level."""

    value: float
    error: float


def success_rate(n_total: int, n_success: float, confidence: float = 0.95) -> Rate:
    """Wilson score estimate of a success rate and its error bound."""
    z = float(norm.ppf(0.5 * (1.0 + confidence)))
    variance = n_success * (n_total - n_success) / n_total
    denominator = n_total + z * z
    return Rate(
        (n_success + 0.5 * z * z) / denominator,
        (z / denominator) * math.sqrt(variance + 0.25 * z * z),
    )


def risk_of(n_attacks: int, n_success: int, n_control: int) -> dict[str, Any]:
    """Residual risk (attack over control) with its propagated 95% interval, bounded to [0, 1]."""
    if n_attacks == 0:
        return {"risk": None, "ci95": None, "attacks": 0, "error": "no attack could be formed"}
    attack, control = success_rate(n_attacks, n_success), success_rate(n_attacks, n_control)
    residual = (attack.value - control.value) / (1.0 - control.value)
    d_attack = 1.0 / abs(1.0 - control.value)
    d_control = (attack.value - 1.0) / (1.0 - control.value) ** 2
    error = math.sqrt((attack.error * d_attack) ** 2 + (control.error * d_control) ** 2)

    def bound(x: float) -> float:
        return round(min(max(x, 0.0), 1.0), 4)

    return {
        "risk": bound(residual),
        "ci95": [bound(residual - error), bound(residual + error)],
        "attack_rate": round(attack.value, 4),
        "control_rate": round(control.value, 4),
        "attacks": n_attacks,
        "successes": n_success,
        "control_successes": n_control,
    }


# -- singling out ---------------------------------------------------------------------------------
def _counts(frame: pl.DataFrame, queries: list[pl.Expr]) -> np.ndarray:
    if not queries:
        return np.zeros(0, dtype=np.int64)
    row = frame.select(
        [q.fill_null(False).cast(pl.Int64).sum().alias(f"q{i}") for i, q in enumerate(queries)]
    ).row(0)
    return np.array(row, dtype=np.int64)


def _singling(frame: pl.DataFrame, candidates: list[pl.Expr], limit: int) -> list[pl.Expr]:
    """Keep the candidates that match exactly one row of ``frame`` (no repeats), up to ``limit``."""
    kept: list[pl.Expr] = []
    seen: set[str] = set()
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start : start + BATCH]
        for query, count in zip(batch, _counts(frame, batch), strict=True):
            text = str(query)
            if count == 1 and text not in seen:
                seen.add(text)
                kept.append(query)
                if len(kept) >= limit:
                    return kept
    return kept


def univariate_queries(synthetic: pl.DataFrame, limit: int, rng: np.random.Generator) -> list:
    """Predicates on one column that single out one synthetic row: rare values, min, max."""
    candidates: list[pl.Expr] = []
    for name in synthetic.columns:
        column = synthetic.get_column(name)
        if column.null_count() == 1:
            candidates.append(pl.col(name).is_null())
        present = column.drop_nulls()
        if present.len() == 0:
            continue
        if column.dtype.is_numeric() or column.dtype.is_temporal():
            candidates += [pl.col(name) <= present.min(), pl.col(name) >= present.max()]
        counts = present.value_counts()  # in no fixed order: sort for reproducible attacks
        rare = counts.filter(pl.col("count") == 1).get_column(name).sort().to_list()
        candidates += [pl.col(name) == value for value in rare]
    order = rng.permutation(len(candidates))
    return _singling(synthetic, [candidates[i] for i in order], limit)


def multivariate_queries(
    synthetic: pl.DataFrame, limit: int, rng: np.random.Generator, n_columns: int = N_COLUMNS
) -> list[pl.Expr]:
    """Predicates from random synthetic rows on ``n_columns`` columns that single out one row."""
    columns = synthetic.columns
    n_columns = min(n_columns, len(columns))
    ordered = {
        n for n in columns if synthetic.schema[n].is_numeric() or synthetic.schema[n].is_temporal()
    }
    above_median = synthetic.select(
        (pl.col(n).to_physical() > pl.col(n).to_physical().median()).fill_null(False)
        for n in sorted(ordered)
    )
    kept: list[pl.Expr] = []
    seen: set[str] = set()
    attempts = 0
    while len(kept) < limit and attempts < MAX_ATTEMPTS:
        picked = rng.integers(0, synthetic.height, BATCH)
        rows, above = synthetic[picked].to_dicts(), above_median[picked].to_dicts()
        batch = []
        for record, record_above in zip(rows, above, strict=True):
            chosen = sorted(rng.choice(len(columns), n_columns, replace=False))
            parts = []
            for index in chosen:
                name = columns[index]
                value = record[name]
                if value is None:
                    parts.append(pl.col(name).is_null())
                elif name in ordered:
                    up = record_above[name]
                    parts.append(pl.col(name) >= value if up else pl.col(name) <= value)
                else:
                    parts.append(pl.col(name) == value)
            batch.append(reduce(operator.and_, parts))
        attempts += BATCH
        for query in _singling(synthetic, batch, limit - len(kept)):
            if str(query) not in seen:
                seen.add(str(query))
                kept.append(query)
    return kept[:limit]


def singling_out(
    original: pl.DataFrame,
    control: pl.DataFrame,
    synthetic: pl.DataFrame,
    *,
    mode: str,
    seed: int,
    n_attacks: int = N_ATTACKS,
) -> dict[str, Any]:
    """Singling-out risk (``mode`` ``univariate`` or ``multivariate``); equal-size real sets."""
    rng = np.random.default_rng(seed)
    synthetic = synthetic.unique(maintain_order=True)
    make = univariate_queries if mode == "univariate" else multivariate_queries
    queries = make(synthetic, n_attacks, rng)
    success = int(np.sum(_counts(original.unique(maintain_order=True), queries) == 1))
    control_success = int(np.sum(_counts(control.unique(maintain_order=True), queries) == 1))
    return risk_of(len(queries), success, control_success)


# -- linkability and inference (nearest synthetic rows on some columns) ---------------------------
def _positions(names: list[str], subset: list[str], kinds: dict[str, Kind]) -> tuple[list, list]:
    """Positions of ``subset`` among the numeric and the categorical columns of an encoding."""
    numeric = [n for n in names if kinds[n] in (Kind.NUMERICAL, Kind.DATETIME)]
    categorical = [n for n in names if n not in numeric]
    return (
        [numeric.index(n) for n in subset if n in numeric],
        [categorical.index(n) for n in subset if n in categorical],
    )


def linkability(
    original: Encoded,
    control: Encoded,
    synthetic: Encoded,
    aux: tuple[list[str], list[str]],
    kinds: dict[str, Kind],
    *,
    seed: int,
    n_attacks: int = N_TARGETS,
) -> dict[str, Any]:
    """Share of real rows whose two halves (``aux``) lead to the same nearest synthetic row."""
    names = list(kinds)
    rng = np.random.default_rng(seed)
    n = min(n_attacks, original.rows, control.rows)
    successes = []
    for target in (original, control):
        rows = target.take(np.sort(rng.choice(target.rows, n, replace=False)))
        found = []
        for half in aux:
            numeric, categorical = _positions(names, half, kinds)
            found.append(
                nearest(
                    rows.columns(numeric, categorical),
                    synthetic.columns(numeric, categorical),
                    1,
                )[1][:, 0]
            )
        successes.append(int(np.sum(found[0] == found[1])))
    return risk_of(n, successes[0], successes[1]) | {"aux_columns": [aux[0], aux[1]]}


def inference(
    original: tuple[Encoded, pl.Series],
    control: tuple[Encoded, pl.Series],
    synthetic: tuple[Encoded, pl.Series],
    aux: list[str],
    kinds: dict[str, Kind],
    secret_kind: Kind,
    *,
    seed: int,
    n_attacks: int = N_TARGETS,
) -> dict[str, Any]:
    """Attribute inference of one secret column from the ``aux`` columns (nearest synthetic row).

    Each argument pairs an encoding of the ``aux`` columns (in ``kinds`` order) with the secret
    column's values.
    """
    numeric, categorical = _positions(list(kinds), aux, kinds)
    rng = np.random.default_rng(seed)
    synth_rows, synth_secret = synthetic
    n = min(n_attacks, original[0].rows, control[0].rows)
    successes, targets = [], []
    for encoded, secret in (original, control):
        rows = np.sort(rng.choice(encoded.rows, n, replace=False))
        index = nearest(
            encoded.take(rows).columns(numeric, categorical),
            synth_rows.columns(numeric, categorical),
            1,
        )[1][:, 0]
        targets.append(secret.gather(rows))
        guesses = synth_secret.gather(index)
        successes.append(int(np.sum(correct_guesses(guesses, targets[-1], secret_kind))))
    random_rows = rng.integers(0, synth_secret.len(), n)
    guessed = correct_guesses(synth_secret.gather(random_rows), targets[0], secret_kind)
    result = risk_of(n, successes[0], successes[1])
    result["random_guess_rate"] = round(float(np.mean(guessed)), 4)
    return result


def correct_guesses(guesses: pl.Series, secrets: pl.Series, kind: Kind) -> np.ndarray:
    """Exact match for categories; within 5% of the guess for numbers. Missing equals missing."""
    both_missing = (guesses.is_null() & secrets.is_null()).to_numpy()
    if kind == Kind.NUMERICAL:
        g = guesses.cast(pl.Float64).to_numpy()
        s = secrets.cast(pl.Float64).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            right = np.abs(g - s) <= TOLERANCE * np.abs(g) + 1e-12
    else:
        right = (guesses.cast(pl.String) == secrets.cast(pl.String)).fill_null(False).to_numpy()
    return np.logical_or(both_missing, np.nan_to_num(right, nan=0).astype(bool))
