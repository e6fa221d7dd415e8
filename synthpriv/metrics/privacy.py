"""Privacy leakage: could someone learn about a real person from the synthetic table?

Every figure stands beside its baseline, a real holdout the synthesizer never saw: a synthetic
table should give away no more about the training rows than about those unseen rows. The
training rows are subsampled (seeded) to the holdout's size so that the two sides are comparable.

* Exact and near copies of training rows, against copies of holdout rows. A near copy lies
  closer to a training row than 95% of the holdout rows do (the 5th percentile of their DCR).
* Distance to closest record (DCR, Gower distance; see :mod:`synthpriv.metrics.neighbors`), the
  DCR share (how often a synthetic row is closer to the training rows than to the holdout: 0.5
  is ideal) and the nearest-neighbour distance ratio (NNDR, closest over second closest).
* Membership inference: an attacker who calls a real row a member when a synthetic row lies
  close to it; the ROC AUC over training (members) and holdout (non-members) rows, 0.5 ideal.
* Singling out, linkability and attribute inference (:mod:`synthpriv.metrics.attacks`).
* Quasi-identifier risk on the real equivalence classes: k-anonymity, l-diversity of each
  sensitive column, and replicated uniques (synthpop's repU).
* Rare categories of the training rows that reappear in the synthetic table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from synthpriv.config import budget_hit
from synthpriv.metrics.attacks import (
    MAX_ATTEMPTS,
    inference,
    linkability,
    singling_out,
    success_rate,
)
from synthpriv.metrics.base import attempt
from synthpriv.metrics.neighbors import Encoded, encode, nearest, nearest_distances
from synthpriv.schema import Kind

NEAR_COPY_QUANTILE = 0.05  # near copy: closer than 95% of unseen real rows are to training
MIA_TARGETS = 5000
K_ANONYMITY = 5
RARE_CATEGORY = 5
MAX_SECRETS = 5

__all__ = ["encode", "nearest_distances", "privacy_metrics", "wilson_interval"]


def wilson_interval(successes: float, n: int) -> tuple[float, float]:
    """Wilson score interval for a proportion (95%), bounded to [0, 1]."""
    if n == 0:
        return (0.0, 1.0)
    rate = success_rate(n, successes)
    return (max(0.0, rate.value - rate.error), min(1.0, rate.value + rate.error))


def exact_copy_share(synthetic: pl.DataFrame, real: pl.DataFrame) -> float:
    """Share of synthetic rows identical to a real row (all columns; missing equals missing)."""
    if synthetic.height == 0:
        return 0.0
    seen = real.hash_rows(seed=0)
    rows = synthetic.hash_rows(seed=0)
    return float(rows.is_in(seen.implode()).mean() or 0.0)


def difference_interval(a: float, n_a: int, b: float, n_b: int) -> tuple[float, float]:
    """95% interval of the difference of two independent proportions (Newcombe's method 10).

    Built from each proportion's Wilson interval, so it stays sensible near 0 and with few rows.
    """
    low_a, high_a = wilson_interval(a * n_a, n_a)
    low_b, high_b = wilson_interval(b * n_b, n_b)
    delta = a - b
    return (
        delta - math.sqrt((a - low_a) ** 2 + (high_b - b) ** 2),
        delta + math.sqrt((high_a - a) ** 2 + (b - low_b) ** 2),
    )


def exact_copies(
    synthetic: pl.DataFrame, holdout: pl.DataFrame, train: pl.DataFrame
) -> dict[str, Any]:
    """Exact copies of a training row among synthetic rows, against all training rows.

    The baseline is built the same way: the share of unseen real (holdout) rows that are
    identical to some training row. Tables of a few coarse columns have many such natural
    duplicates; a synthesizer that copies has more. The interval is of the difference.
    """
    share = exact_copy_share(synthetic, train)
    base = exact_copy_share(holdout, train)
    return copies_summary(share, base, synthetic.height, holdout.height, train.height)


def copies_summary(
    share: float, base: float, synthetic: int, holdout: int, train: int, how: str = ""
) -> dict[str, Any]:
    """The exact-copy figures of ``share`` of ``synthetic`` rows against ``base`` of ``holdout``."""
    low, high = difference_interval(share, synthetic, base, holdout)
    return {
        "share_of_train": round(share, 4),
        "baseline_holdout_share_of_train": round(base, 4),
        "excess": round(share - base, 4),
        "excess_ci95": [round(low, 4), round(high, 4)],
        "rows": {"synthetic": synthetic, "holdout": holdout, "train": train},
        "compared_with": "all training rows" + how,
    }


def auc_with_interval(members: np.ndarray, others: np.ndarray) -> dict[str, Any]:
    """ROC AUC of scores (higher = called a member) with the Hanley-McNeil 95% interval."""
    n1, n2 = members.size, others.size
    ranks = stats.rankdata(np.concatenate([members, others]))
    auc = (ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2)
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    variance = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n2 - 1) * (q2 - auc**2)) / (n1 * n2)
    half = 1.96 * math.sqrt(max(variance, 0.0))
    return {
        "auc": round(float(auc), 4),
        "ci95": [round(max(0.0, auc - half), 4), round(min(1.0, auc + half), 4)],
        "members": int(n1),
        "non_members": int(n2),
    }


def nndr(distances: np.ndarray) -> np.ndarray:
    """Closest over second-closest distance per row (0 when both are 0: a duplicated record)."""
    first, second = distances[:, 0], distances[:, -1]
    return np.divide(first, second, out=np.zeros_like(first), where=second > 0)


def _share(values: np.ndarray) -> float:
    return round(float(np.mean(values)), 4) if values.size else 0.0


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {
        "median": round(float(np.median(values)), 4),
        "p05": round(float(np.quantile(values, 0.05)), 4),
    }


def _near_copies(to_train: np.ndarray, to_holdout: np.ndarray, near: float) -> dict[str, Any]:
    share, base = _share(to_train <= near), _share(to_holdout <= near)
    low, high = difference_interval(share, to_train.size, base, to_holdout.size)
    return {
        "distance": round(near, 4),
        "share_of_train": share,
        "baseline_share_of_holdout": base,
        "excess": round(share - base, 4),
        "excess_ci95": [round(low, 4), round(high, 4)],
        "rows": int(to_train.size),
    }


def _closer_share(to_train: np.ndarray, to_holdout: np.ndarray) -> tuple[float, tuple]:
    """Share of rows nearer a training row than a holdout row (ties count half), its interval."""
    closer = float(np.sum(to_train < to_holdout) + 0.5 * np.sum(to_train == to_holdout))
    return closer / len(to_holdout), wilson_interval(closer, len(to_holdout))


def distance_metrics(
    enc_train: Encoded, enc_holdout: Encoded, enc_synth: Encoded
) -> dict[str, Any]:
    """Near copies, DCR, DCR share and NNDR of the synthetic rows, each with its baseline."""
    d_train = nearest(enc_synth, enc_train, 2)[0]
    d_holdout = nearest(enc_synth, enc_holdout, 1)[0][:, 0]
    natural = nearest(enc_holdout, enc_train, 2)[0]
    near = float(np.quantile(natural[:, 0], NEAR_COPY_QUANTILE))
    share, (low, high) = _closer_share(d_train[:, 0], d_holdout)
    return {
        "near_copies": _near_copies(d_train[:, 0], d_holdout, near),
        "dcr": {
            "median_to_train": round(float(np.median(d_train[:, 0])), 4),
            "median_to_holdout": round(float(np.median(d_holdout)), 4),
            "baseline_median_holdout_to_train": round(float(np.median(natural[:, 0])), 4),
            "p05_to_train": round(float(np.quantile(d_train[:, 0], 0.05)), 4),
            "p05_to_holdout": round(float(np.quantile(d_holdout, 0.05)), 4),
            "share_closer_to_train": round(share, 4),
            "share_ci95": [round(low, 4), round(high, 4)],
            "ideal_share": 0.5,
        },
        "nndr": {
            "synthetic_to_train": _quantiles(nndr(d_train)),
            "baseline_holdout_to_train": _quantiles(nndr(natural)),
        },
    }


def membership_inference(
    enc_train: Encoded, enc_holdout: Encoded, enc_synth: Encoded, seed: int
) -> dict[str, Any]:
    """Distance attack: a real row is called a member when a synthetic row lies close to it."""
    rng = np.random.default_rng(seed)
    n = min(MIA_TARGETS, enc_train.rows, enc_holdout.rows)
    scores = []
    for encoded in (enc_train, enc_holdout):
        rows = encoded.take(np.sort(rng.choice(encoded.rows, n, replace=False)))
        scores.append(-nearest_distances(rows, enc_synth))
    return auc_with_interval(scores[0], scores[1])


def equivalence_classes(
    train: pl.DataFrame, quasi: list[str], sensitive: list[str]
) -> dict[str, Any]:
    """k-anonymity of the training rows on the quasi-identifiers, and l-diversity per column."""
    classes = train.group_by(quasi).agg(
        [pl.len().alias("__k")] + [pl.col(s).n_unique().alias(f"__l_{s}") for s in sensitive]
    )
    k = classes.get_column("__k")
    small = int(classes.filter(pl.col("__k") < K_ANONYMITY).get_column("__k").sum() or 0)
    out: dict[str, Any] = {
        "quasi_identifiers": quasi,
        "classes": classes.height,
        "k_min": int(k.min() or 0),
        "k_threshold": K_ANONYMITY,
        "share_of_rows_below_k": round(small / max(train.height, 1), 4),
        "share_of_rows_unique": round(int((k == 1).sum()) / max(train.height, 1), 4),
        "l_diversity": {},
    }
    for s in sensitive:
        l_values = classes.get_column(f"__l_{s}")
        homogeneous = int(classes.filter(pl.col(f"__l_{s}") < 2).get_column("__k").sum() or 0)
        out["l_diversity"][s] = {
            "l_min": int(l_values.min() or 0),
            "share_of_rows_in_homogeneous_classes": round(homogeneous / max(train.height, 1), 4),
        }
    return out


def replicated_uniques(real: pl.DataFrame, other: pl.DataFrame, quasi: list[str]) -> float:
    """Return synthpop's repU: the share of real rows unique on the quasi-identifiers.

    Counted are the real rows whose combination is unique among the real rows and also unique
    in ``other``.
    """
    if real.height == 0:
        return 0.0
    real_counts = real.group_by(quasi).agg(pl.len().alias("__real"))
    other_counts = other.group_by(quasi).agg(pl.len().alias("__other"))
    joined = real_counts.filter(pl.col("__real") == 1).join(
        other_counts, on=quasi, how="inner", nulls_equal=True
    )
    return int((joined.get_column("__other") == 1).sum()) / real.height


def rare_categories(train: pl.DataFrame, other: pl.DataFrame, kinds: dict[str, Kind]) -> int:
    """How many categories seen fewer than ``RARE_CATEGORY`` times in training reappear."""
    found = 0
    for name, kind in kinds.items():
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            continue
        counts = train.get_column(name).cast(pl.String).drop_nulls().value_counts()
        rare = counts.filter(pl.col("count") < RARE_CATEGORY).get_column(name)
        if rare.len():
            present = other.get_column(name).cast(pl.String).drop_nulls().unique()
            found += int(rare.is_in(present.implode()).sum())
    return found


def perturbed_copy(frame: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    """``frame`` with ``share`` of its cells replaced by another random row's value.

    A near-copy of real rows: the kind of leaky table the privacy gates must fail (used by the
    discrimination test and benchmark).
    """
    rng = np.random.default_rng(seed)
    columns = []
    for name in frame.columns:
        column = frame.get_column(name)
        donors = column.gather(rng.integers(0, frame.height, frame.height))
        mask = pl.Series(rng.random(frame.height) < share)
        changed = pl.select(pl.when(mask).then(donors).otherwise(column)).to_series()
        columns.append(changed.alias(name))
    return pl.DataFrame(columns)


def _aux_halves(columns: list[str]) -> tuple[list[str], list[str]]:
    return columns[0::2], columns[1::2]


NO_RISK = {"risk": None, "ci95": None, "attacks": 0}


def attack_metrics(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    encoded: tuple[Encoded, Encoded, Encoded],
    kinds: dict[str, Kind],
    quasi: list[str],
    sensitive: list[str],
    seed: int,
    attack_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """Singling out (both modes), linkability and inference, each against the holdout control."""
    enc_train, enc_holdout, enc_synth = encoded
    columns = list(kinds)
    out: dict[str, Any] = {
        "singling_out": {
            mode: attempt(
                lambda mode=mode: singling_out(
                    train, holdout, synthetic, mode=mode, seed=seed, max_attempts=attack_attempts
                ),
                **NO_RISK,
            )
            for mode in ("univariate", "multivariate")
        }
    }
    # Two datasets holding half of the columns each (quasi-identifiers alone tie too often).
    out["linkability"] = (
        attempt(
            lambda: linkability(
                enc_train, enc_holdout, enc_synth, _aux_halves(columns), kinds, seed=seed
            ),
            **NO_RISK,
        )
        if len(columns) >= 2
        else {**NO_RISK, "error": "MetricError: needs at least two columns"}
    )
    secrets = sensitive or [c for c in columns if c not in quasi][:MAX_SECRETS]
    inferred = {}
    for secret in secrets:
        aux = [c for c in (quasi or columns) if c != secret]
        if not aux:
            inferred[secret] = {**NO_RISK, "error": "MetricError: no auxiliary column"}
            continue
        inferred[secret] = attempt(
            lambda secret=secret, aux=aux: inference(
                (enc_train, train.get_column(secret)),
                (enc_holdout, holdout.get_column(secret)),
                (enc_synth, synthetic.get_column(secret)),
                aux,
                kinds,
                kinds[secret],
                seed=seed,
            ),
            **NO_RISK,
        ) | {"aux_columns": aux}
    out["inference"] = inferred
    out["secrets_declared"] = bool(sensitive)
    return out


def distance_summary(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    seed: int,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """DCR share and membership-inference AUC (each with its interval) on equal seeded samples."""
    columns = list(kinds)
    rng = np.random.default_rng(seed)
    size = min(train.height, holdout.height, max_rows or train.height)
    train = train.select(columns)[np.sort(rng.choice(train.height, size, replace=False))]
    holdout = holdout.select(columns)[np.sort(rng.choice(holdout.height, size, replace=False))]
    encoded = encode([train, holdout, synthetic.select(columns)], kinds)
    # only the two searches the share needs (distance_metrics adds holdout-to-train ones)
    share, (low, high) = _closer_share(
        nearest_distances(encoded[2], encoded[0]), nearest_distances(encoded[2], encoded[1])
    )
    mia = membership_inference(*encoded, seed)
    return {
        "dcr_share": round(share, 4),
        "dcr_share_ci95": [round(low, 4), round(high, 4)],
        "mia_auc": mia["auc"],
        "mia_auc_ci95": mia["ci95"],
    }


def privacy_metrics(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    quasi_identifiers: list[str] | None = None,
    sensitive: list[str] | None = None,
    seed: int = 0,
    max_rows: int | None = None,
    attack_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """Every privacy metric of ``synthetic`` against the training rows, with holdout baselines.

    ``quasi_identifiers`` and ``sensitive`` come from the column schema; without quasi-
    identifiers the equivalence-class metrics are skipped and the attacks use every column.
    """
    columns = list(kinds)
    quasi = [c for c in (quasi_identifiers or []) if c in kinds]
    sensitive = [c for c in (sensitive or []) if c in kinds and c not in quasi]
    train_all, holdout_all = train.select(columns), holdout.select(columns)
    train, holdout, synthetic = (f.select(columns) for f in (train, holdout, synthetic))
    rng = np.random.default_rng(seed)
    size = min(train.height, holdout.height)
    hits = []
    needed = max(size, synthetic.height)
    if max_rows is not None and needed > max_rows:
        hits.append(
            budget_hit(
                "privacy_rows",
                max_rows,
                needed,
                "distances and attacks on seeded samples of at most this many rows per table "
                "(exact copies are counted over every row)",
            )
        )
        size = min(size, max_rows)
    train = train[np.sort(rng.choice(train.height, size, replace=False))]
    holdout = holdout[np.sort(rng.choice(holdout.height, size, replace=False))]
    synth_eq = synthetic[np.sort(rng.choice(synthetic.height, min(size, synthetic.height), False))]
    every_synthetic = synthetic
    if max_rows is not None and synthetic.height > max_rows:
        synthetic = synthetic[np.sort(rng.choice(synthetic.height, max_rows, replace=False))]

    encoded = tuple(encode([train, holdout, synthetic], kinds))
    result: dict[str, Any] = {
        "columns": columns,
        "quasi_identifiers": quasi,
        "sensitive": sensitive,
        "rows_compared": {"train": size, "holdout": size, "synthetic": synthetic.height},
        "exact_copies": exact_copies(every_synthetic, holdout_all, train_all),
    }
    result |= distance_metrics(*encoded)
    result["membership_inference"] = membership_inference(*encoded, seed)
    result["attacks"] = attack_metrics(
        train, holdout, synthetic, encoded, kinds, quasi, sensitive, seed, attack_attempts
    )
    multivariate = result["attacks"]["singling_out"].get("multivariate") or {}
    if multivariate.get("attempt_budget_hit"):
        hits.append(
            budget_hit(
                "attack_attempts",
                attack_attempts,
                attack_attempts + 1,
                f"singling out rests on {multivariate.get('attacks', 0)} predicates "
                "(a wider interval)",
            )
        )
    result["budget_hits"] = hits
    if quasi:
        result["equivalence_classes"] = equivalence_classes(train_all, quasi, sensitive)
        result["replicated_uniques"] = {
            "share": round(replicated_uniques(train, synth_eq, quasi), 4),
            "baseline_holdout": round(replicated_uniques(train, holdout, quasi), 4),
            "rows": size,
        }
    result["rare_categories"] = {
        "threshold": RARE_CATEGORY,
        "reappearing": rare_categories(train_all, synth_eq, kinds),
        "baseline_holdout": rare_categories(train_all, holdout, kinds),
    }
    return result
