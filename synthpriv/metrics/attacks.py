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
  quasi-identifiers and reads its secret; a number is right within 5% of the guess. A table
  that carries people's secrets inverted (every label flipped, every amount shifted) is as
  telling as one that carries them true, so the attacker also uses the best rule from what the
  synthetic row says to what is true, learned on half of the targets and applied to the other
  half (numbers by their decile); the risk is that of the better of the two readings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import norm

from synthpriv.metrics.neighbors import Encoded, nearest
from synthpriv.schema import Kind

N_ATTACKS = 500  # singling-out predicates (each costs a pass over the tables)
N_TARGETS = None  # rows attacked by linkability and inference: every row of the equal samples
N_COLUMNS = 3
MAX_ATTEMPTS = 10_000  # random multivariate predicates tried at most (a cost bound)
BATCH = 500
TOLERANCE = 0.05


@dataclass(frozen=True)
class Rate:
    """A success rate (Wilson centre) and its error bound at the confidence level."""

    value: float
    error: float


MIN_ROOM = 0.01  # below this share of unseen people left to guess wrong, no risk is measured


def success_rate(n_total: int, n_success: float, confidence: float = 0.95) -> Rate:
    """Wilson score estimate of a success rate and its error bound."""
    z = float(norm.ppf(0.5 * (1.0 + confidence)))
    variance = n_success * (n_total - n_success) / n_total
    denominator = n_total + z * z
    return Rate(
        (n_success + 0.5 * z * z) / denominator,
        (z / denominator) * math.sqrt(variance + 0.25 * z * z),
    )


def risk_of(
    n_attacks: int, n_success: int, n_control: int, control_attacks: int | None = None
) -> dict[str, Any]:
    """Residual risk (attack over control) with its propagated 95% interval, bounded to [0, 1].

    ``control_attacks``: how many control targets there were (default: as many as attacks).
    """
    control_attacks = n_attacks if control_attacks is None else control_attacks
    if n_attacks == 0 or control_attacks == 0:
        return {"risk": None, "ci95": None, "attacks": 0, "error": "no attack could be formed"}
    attack = success_rate(n_attacks, n_success)
    control = success_rate(control_attacks, n_control)
    if 1.0 - control.value < MIN_ROOM:
        # unseen people's secret is guessed right (nearly) always: there is nothing left to
        # learn, and the ratio below divides by almost nothing (a column missing for everyone:
        # missing is guessed as missing; 0.9999 against 0.9995 read as a risk of 0.8)
        return {
            "risk": None,
            "ci95": None,
            "attacks": n_attacks,
            "error": "the secret is guessed right for nearly every unseen person without the "
            "synthetic rows: nothing to infer",
            "attack_rate": round(attack.value, 4),
            "control_rate": round(control.value, 4),
        }
    residual = (attack.value - control.value) / (1.0 - control.value)
    d_attack = 1.0 / abs(1.0 - control.value)
    d_control = (attack.value - 1.0) / (1.0 - control.value) ** 2
    error = math.sqrt((attack.error * d_attack) ** 2 + (control.error * d_control) ** 2)

    def bound(x: float) -> float:
        return round(min(max(x, 0.0), 1.0), 4)

    return {
        "risk": bound(residual),
        "ci95": [bound(residual - error), bound(residual + error)],
        "standard_error": round(error / float(norm.ppf(0.975)), 6),
        "attack_rate": round(attack.value, 4),
        "control_rate": round(control.value, 4),
        "attacks": n_attacks,
        "successes": n_success,
        "control_attacks": control_attacks,
        "control_successes": n_control,
    }


# -- singling out ---------------------------------------------------------------------------------
# Every query is counted on integer codes with numpy: one code per distinct value of a column
# across the three tables, in sort order (so >= and <= work on codes), -1 for missing.


def _codes(frames: list[pl.DataFrame]) -> tuple[list[np.ndarray], list[bool]]:
    """Per frame, an (rows, columns) code matrix; and per column whether it is ordered."""
    columns = frames[0].columns
    matrices = [np.empty((f.height, len(columns)), dtype=np.int64) for f in frames]
    ordered = []
    schema = frames[0].schema
    for j, name in enumerate(columns):
        dtype = schema[name]
        is_ordered = dtype.is_numeric() or dtype.is_temporal()
        ordered.append(is_ordered)
        target = dtype if is_ordered else pl.String
        stacked = pl.concat([f.get_column(name).cast(target, strict=False) for f in frames])
        values = stacked.to_physical() if is_ordered else stacked
        codes = values.rank("dense").cast(pl.Int64).fill_null(0).to_numpy() - 1
        start = 0
        for frame, matrix in zip(frames, matrices, strict=True):
            matrix[:, j] = codes[start : start + frame.height]
            start += frame.height
    return matrices, ordered


def _count(matrix: np.ndarray, queries: list[tuple]) -> np.ndarray:
    """How many rows of ``matrix`` each query matches; a query is ((column, op, code), ...)."""
    out = np.empty(len(queries), dtype=np.int64)
    for index, query in enumerate(queries):
        mask = np.ones(matrix.shape[0], dtype=bool)
        for column, op, code in query:
            values = matrix[:, column]
            if op == "==":
                mask &= values == code
            elif op == ">=":
                mask &= (values >= code) & (values >= 0)
            else:
                mask &= (values <= code) & (values >= 0)
        out[index] = int(mask.sum())
    return out


def univariate_queries(synth: np.ndarray, ordered: list[bool], limit: int, rng) -> list[tuple]:
    """Predicates on one column that single out one synthetic row: rare values, min, max."""
    candidates: list[tuple] = []
    for column in range(synth.shape[1]):
        values = synth[:, column]
        present = values[values >= 0]
        if int((values < 0).sum()) == 1:
            candidates.append(((column, "==", -1),))
        if present.size == 0:
            continue
        if ordered[column]:
            candidates += [
                ((column, "<=", int(present.min())),),
                ((column, ">=", int(present.max())),),
            ]
        codes, counts = np.unique(present, return_counts=True)
        candidates += [((column, "==", int(code)),) for code in codes[counts == 1]]
    candidates = [candidates[i] for i in rng.permutation(len(candidates))]
    kept = [q for q, n in zip(candidates, _count(synth, candidates), strict=True) if n == 1]
    return list(dict.fromkeys(kept))[:limit]


def multivariate_queries(
    synth: np.ndarray,
    ordered: list[bool],
    limit: int,
    rng: np.random.Generator,
    n_columns: int = N_COLUMNS,
    max_attempts: int = MAX_ATTEMPTS,
) -> tuple[list[tuple], int]:
    """Predicates from random synthetic rows on ``n_columns`` columns that single out one row.

    Numbers and dates become ``>=`` or ``<=`` the row's value, by the side of the median it is on.
    Returns the queries and the attempts spent (at most ``max_attempts``).
    """
    rows, width = synth.shape
    n_columns = min(n_columns, width)
    medians = [
        float(np.median(synth[synth[:, c] >= 0, c]))
        if ordered[c] and (synth[:, c] >= 0).any()
        else 0.0
        for c in range(width)
    ]
    kept: dict[tuple, None] = {}
    attempts = 0
    while len(kept) < limit and attempts < max_attempts:
        batch = []
        for row in rng.integers(0, rows, min(BATCH, max_attempts - attempts)):
            parts = []
            for column in sorted(rng.choice(width, n_columns, replace=False)):
                code = int(synth[row, column])
                if code < 0 or not ordered[column]:
                    parts.append((int(column), "==", code))
                else:
                    parts.append((int(column), ">=" if code > medians[column] else "<=", code))
            batch.append(tuple(parts))
        attempts += len(batch)
        for query, count in zip(batch, _count(synth, batch), strict=True):
            if count == 1 and len(kept) < limit:
                kept.setdefault(query)
    return list(kept), attempts


def singling_out(
    original: pl.DataFrame,
    control: pl.DataFrame,
    synthetic: pl.DataFrame,
    *,
    mode: str,
    seed: int,
    n_attacks: int = N_ATTACKS,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """Singling-out risk (``mode`` ``univariate`` or ``multivariate``); equal-size real sets.

    The multivariate search tries at most ``max_attempts`` random predicates; when it finds
    fewer than ``n_attacks`` that single out a synthetic row (a small or coarse table), the risk
    rests on fewer attacks, its interval is wider, and the result says the budget was hit.
    """
    rng = np.random.default_rng(seed)
    frames = [f.unique(maintain_order=True) for f in (original, control, synthetic)]
    (ori, ctrl, synth), ordered = _codes(frames)
    extra: dict[str, Any] = {}
    if mode == "univariate":
        queries = univariate_queries(synth, ordered, n_attacks, rng)
    else:
        queries, attempts = multivariate_queries(
            synth, ordered, n_attacks, rng, max_attempts=max_attempts
        )
        extra = {"attempts": attempts, "attempt_budget_hit": len(queries) < n_attacks}
    success = int(np.sum(_count(ori, queries) == 1))
    control_success = int(np.sum(_count(ctrl, queries) == 1))
    return risk_of(len(queries), success, control_success) | extra


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
    n_attacks: int | None = N_TARGETS,
) -> dict[str, Any]:
    """Share of real rows whose two halves (``aux``) lead to the same nearest synthetic row.

    Every row of ``original`` and of ``control`` is attacked, or ``n_attacks`` of each.
    """
    names = list(kinds)
    rng = np.random.default_rng(seed)
    successes, sizes = [], []
    for target in (original, control):
        n = min(n_attacks or target.rows, target.rows)
        sizes.append(n)
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
    return risk_of(sizes[0], successes[0], successes[1], sizes[1]) | {
        "aux_columns": [aux[0], aux[1]]
    }


def inference(
    original: tuple[Encoded, pl.Series],
    control: tuple[Encoded, pl.Series],
    synthetic: tuple[Encoded, pl.Series],
    aux: list[str],
    kinds: dict[str, Kind],
    secret_kind: Kind,
    *,
    seed: int,
    n_attacks: int | None = N_TARGETS,
) -> dict[str, Any]:
    """Attribute inference of one secret column from the ``aux`` columns (nearest synthetic row).

    Each argument pairs an encoding of the ``aux`` columns (in ``kinds`` order) with the secret
    column's values. Every row of ``original`` and of ``control`` is attacked, or ``n_attacks``
    of each.
    """
    numeric, categorical = _positions(list(kinds), aux, kinds)
    rng = np.random.default_rng(seed)
    synth_rows, synth_secret = synthetic
    said, targets, sizes = [], [], []
    for encoded, secret in (original, control):
        n = min(n_attacks or encoded.rows, encoded.rows)
        sizes.append(n)
        rows = np.sort(rng.choice(encoded.rows, n, replace=False))
        index = nearest(
            encoded.take(rows).columns(numeric, categorical),
            synth_rows.columns(numeric, categorical),
            1,
        )[1][:, 0]
        targets.append(secret.gather(rows))
        said.append(synth_secret.gather(index))
    hits = rule_hits((said[0], targets[0]), (said[1], targets[1]), secret_kind, seed)
    random_rows = rng.integers(0, synth_secret.len(), sizes[0])
    guessed = correct_guesses(synth_secret.gather(random_rows), targets[0], secret_kind)
    readings = {
        rule: risk_of(sizes[0], int(hits[0][i].sum()), int(hits[1][i].sum()), sizes[1])
        for i, rule in enumerate(("direct", "best_rule"))
    }
    reading = max(
        readings,
        key=lambda r: (-1.0 if readings[r]["risk"] is None else readings[r]["risk"], r == "direct"),
    )
    result = readings[reading] | {
        "reading": reading,
        "direct_risk": readings["direct"]["risk"],
        "best_rule_risk": readings["best_rule"]["risk"],
    }
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


RULE_EXAMPLES = 10  # a rule is learned from at least this many examples, else the guess is read


def _learned(said: np.ndarray, true: np.ndarray, learn: np.ndarray, numeric: bool):
    """The rule from what the synthetic row says to the truth, learned on the rows ``learn``.

    Categories: the truth most often behind each thing said (ties: the first in text order),
    for things said at least :data:`RULE_EXAMPLES` times. Numbers: a least-squares line from the
    number said to the true number (a shift, a scale or a sign flip is read back exactly).
    ``None`` when there are too few examples to learn from.
    """
    if numeric:
        x, y = said[learn].astype(float), true[learn].astype(float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < RULE_EXAMPLES or np.ptp(x[ok]) == 0:
            return None
        slope, intercept = np.polyfit(x[ok], y[ok], 1)
        return lambda values: intercept + slope * values
    counts: dict[Any, dict[Any, int]] = {}
    for g, t in zip(said[learn], true[learn], strict=True):
        if g is not None:
            tally = counts.setdefault(g, {})
            tally[t] = tally.get(t, 0) + 1
    return {
        g: min(tally.items(), key=lambda item: (-item[1], str(item[0])))[0]
        for g, tally in counts.items()
        if sum(tally.values()) >= RULE_EXAMPLES
    }


def _values(series: pl.Series, numeric: bool) -> np.ndarray:
    if numeric:
        return series.cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()
    return np.array(series.cast(pl.String).to_list(), dtype=object)


def _apply(rule: Any, said: np.ndarray, true: pl.Series, kind: Kind, direct: np.ndarray):
    """Which of ``said`` the rule reads right (``direct`` where there is no rule)."""
    if rule is None:
        return direct
    if kind == Kind.NUMERICAL:
        predicted = pl.Series(rule(said), dtype=pl.Float64).fill_nan(None)
        return correct_guesses(predicted, true, kind) & np.isfinite(said)
    truths = _values(true, False)
    out = np.zeros(said.size, dtype=bool)
    for i, g in enumerate(said):
        if g is not None:
            out[i] = rule.get(g, g) == truths[i]
    return out


def rule_hits(
    members: tuple[pl.Series, pl.Series],
    controls: tuple[pl.Series, pl.Series],
    kind: Kind,
    seed: int,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Which guesses are right, read directly and through the best rule, for both sides.

    Each side is ``(guesses, truths)``. The rule maps what the synthetic row says to the truth
    (see :func:`_learned`) and is learned on the members only, as an attacker who knows some
    people in the training data would learn how the table tells their values: on one half of
    them, applied to the other half (so no member is judged by a rule fitted on itself); each
    control person is read with the rule of one half, at random. The control side is then what
    such a rule gives on people the table holds nothing of. A rule is judged like a direct guess
    (a number within 5%); a category the learning half never showed is read directly, and a
    missing guess is never right by the rule.

    Returns ``((direct, mapped) of members, (direct, mapped) of controls)``.
    """
    numeric = kind == Kind.NUMERICAL
    said = _values(members[0], numeric)
    true = _values(members[1], numeric)
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, 2, said.size)
    other_fold = rng.integers(0, 2, controls[0].len())
    out = []
    for (guesses, truths), folds in ((members, fold), (controls, other_fold)):
        direct = correct_guesses(guesses, truths, kind)
        mapped = np.zeros(direct.size, dtype=bool)
        values = _values(guesses, numeric)
        for half in (0, 1):
            rule = _learned(said, true, fold != half, numeric)
            rows = np.flatnonzero(folds == half)
            mapped[rows] = _apply(rule, values[rows], truths.gather(rows), kind, direct[rows])
        out.append((direct, mapped))
    return out[0], out[1]
