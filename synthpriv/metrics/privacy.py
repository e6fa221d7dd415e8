"""Privacy leakage: could someone learn about a real person from the synthetic table?

Every figure stands beside its baseline, a real holdout the synthesizer never saw: a synthetic
table should give away no more about the training rows than about those unseen rows. Nothing
is compared with a sample of the training rows, since a copy of a row outside the sample would
look unseen: synthetic rows are compared with **every** training row and every holdout row.
Where a figure needs many searches, the rows that are *searched from* (synthetic rows, or the
real people attacked) may be a sample, drawn with a key taken from the tables' content, never
from a seed the user picks (:func:`content_key`), so the same tables always give the same
verdict.

* Exact copies of training rows, against copies of holdout rows; and copies of holdout rows
  (the report holds them: a table that repeats them gives away real people too), against
  training rows' copies of holdout rows.
* Near copies by record linkage (:mod:`synthpriv.metrics.linkage`): synthetic rows that agree
  with a training row on every column, on all but one, or on all but two (numbers within a
  tolerance), each share against the same share of holdout rows; and the same of holdout rows.
* Distance to closest record (DCR, Gower distance; see :mod:`synthpriv.metrics.neighbors`) and
  the DCR share: for each synthetic row, whether its closest real row (among all training and
  holdout rows, ties broken at random) is a training row, as odds against the odds the two
  sets' sizes give, so 0.5 is ideal whatever their sizes; the nearest-neighbour distance ratio.
* Membership inference: an attacker who calls a real row a member when a synthetic row lies
  close to it; the ROC AUC over training (members) and holdout (non-members) rows, 0.5 ideal.
* Singling out, linkability and attribute inference (:mod:`synthpriv.metrics.attacks`).
* The most exposed people, apart (:mod:`synthpriv.metrics.exposure`).
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
from scipy.stats import beta

from synthpriv.config import budget_hit
from synthpriv.frames import COUNT, VALUE, fresh, value_counts
from synthpriv.io import held
from synthpriv.metrics import exposure
from synthpriv.metrics.attacks import (
    MAX_ATTEMPTS,
    inference,
    linkability,
    singling_out,
    success_rate,
)
from synthpriv.metrics.base import attempt
from synthpriv.metrics.linkage import (
    agreement,
    closest_records,
    copy_levels,
    fewest_mismatches,
    linkable,
)
from synthpriv.metrics.neighbors import (
    TIE,
    Encoded,
    encode,
    nearest,
    nearest_distances,
    pair_priorities,
)
from synthpriv.schema import Kind

NEAR_COPY_LEVELS = (0, 1, 2)  # columns a near copy may disagree on, each level judged apart
K_ANONYMITY = 5
RARE_CATEGORY = 5
MAX_SECRETS = 5

__all__ = ["content_key", "encode", "nearest_distances", "privacy_metrics", "wilson_interval"]


def content_key(*frames: pl.DataFrame | None) -> int:
    """A 32-bit key from the rows of ``frames`` (in any order): the measurement seed.

    The report's samples and attacks are drawn with it, so the verdict on the same tables is
    the same whatever ``--seed`` says and however the rows are ordered, and a table cannot be
    shopped for a lucky draw without changing its rows (which changes the draw).
    """
    import hashlib

    digest = hashlib.sha256()
    for frame in frames:
        if frame is None:
            digest.update(b"none")
            continue
        digest.update(",".join(frame.columns).encode())
        digest.update(np.sort(frame.hash_rows(seed=0).to_numpy()).tobytes())
    return int.from_bytes(digest.digest()[:4], "little")


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` in an order fixed by their content (identical rows are adjacent).

    Every sample and tie-break of the report is drawn by position, so measuring the tables in
    this order makes every figure independent of the order the rows came in.
    """
    order = np.argsort(frame.hash_rows(seed=0).to_numpy(), kind="stable")
    return held.gathered(frame, order, "canonical")  # on a run's shelf, when it holds tables


_BETWEEN_WORDS = r"([\p{L}\p{N}])[\s_-]+([\p{L}\p{N}])"


def comparable_text(column: pl.Expr) -> pl.Expr:
    """Text as a reader compares it: Unicode-normalised, trimmed, case-folded, words apart.

    ``Self-emp-not-inc``, ``self_emp_not_inc`` and ``SELF - EMP - NOT - INC `` are one value
    to anyone linking records: spaces, hyphens and underscores between two letters or digits
    are one space. Other signs are kept, and so are these at either end: ``<=50K`` is not
    ``>50K``, nor ``A-`` ``A+``.
    """
    text = column.cast(pl.String).str.normalize("NFKC").str.strip_chars().str.to_lowercase()
    # a match takes the letter after its separator, so "a-b-c" needs a second pass; the mark
    # put in their place is no separator, so the second pass finds the ones the first skipped
    for _ in range(2):
        text = text.str.replace_all(_BETWEEN_WORDS, "$1\x01$2")
    return text.str.replace_all("\x01", " ", literal=True)


def comparable(frame: pl.DataFrame) -> pl.DataFrame:
    """Text compared as a reader would (:func:`comparable_text`).

    ``Male``, ``male`` and ``male `` are one value to anyone linking records, so a copy written
    in another case, with other spaces, hyphens or underscores between its words is still one.
    """
    text = [c for c, t in frame.schema.items() if t in (pl.String, pl.Categorical, pl.Enum)]
    if not text:
        return frame
    return frame.with_columns(comparable_text(pl.col(c)).alias(c) for c in text)


ALIGN_ROWS = 200_000  # rows searched for another alignment of the two tables
ALIGN_CELLS = 2_000_000  # and at most about this many cells (a wide table: fewer rows)
ALIGN_ROWS_MIN = 10_000
ALIGN_CODES = 8  # per column, the most common values compared at every shift (by FFT)
ALIGN_PAIRS = 64  # a value held this many times over (rows of one times the other) or fewer
ALIGN_P = 1e-3  # an alignment is taken when chance gives its matches less often than this
ALIGN_APART = 8.0  # and its matches stand this many robust spreads above the column's median


def alignment(synthetic: pl.DataFrame, train: pl.DataFrame) -> dict[str, Any] | None:
    """The shift (and direction) at which synthetic rows repeat training rows' values most.

    Only when beyond chance: chance would give it in fewer than :data:`ALIGN_P` of tables.
    Synthetic row i is set against training row i + s (or n - 1 - i - s, reversed), for every
    s, column by column: a table can carry people's values in rows 50 apart, or in reverse.
    A column's matches at each shift are counted over its rare values (each pair of rows that
    share one) and, by FFT, over its most common ones; chance is Poisson at the column's
    matches per shift, corrected for every shift, direction and column searched, and the shift
    must stand :data:`ALIGN_APART` robust spreads above the column's matches at every shift.
    The order is then judged at that alignment as at the rows' own (:func:`row_order`).
    """
    n = _align_rows(synthetic, train)
    if n < 16:
        return None
    tests = 2 * n * max(synthetic.width, 1)
    best: dict[str, Any] | None = None
    for name in synthetic.columns:
        if name not in train.columns:
            continue
        both = pl.concat(
            [
                synthetic.get_column(name).head(n).cast(pl.String),
                train.get_column(name).head(n).cast(pl.String),
            ]
        ).fill_null("\x00")
        codes = both.cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
        a, b = codes[:n], codes[n:]
        ca, cb = (
            np.bincount(a, minlength=codes.max() + 1),
            np.bincount(b, minlength=codes.max() + 1),
        )
        product = ca * cb
        rare = np.flatnonzero((product > 0) & (product <= ALIGN_PAIRS))
        common = [v for v in np.argsort(-product)[:ALIGN_CODES] if product[v] > ALIGN_PAIRS]
        expected = float(product[rare].sum() + product[common].sum()) / n
        if expected <= 0:
            continue
        for reverse in (False, True):
            matches = _shift_matches(a, b[::-1] if reverse else b, rare, common)
            centre = float(np.median(matches))
            if not reverse:
                matches[0] = centre  # the rows' own order is judged by row_order itself
            shift = int(np.argmax(matches))
            p = float(stats.poisson.sf(matches[shift] - 1, expected)) * tests
            # against the column's own matches at every shift: a column of runs (1..k within
            # each stay) lines up with itself at some shifts (MIMIC's SEQ_NUM: 15% against a
            # median 5.5%, 4.3 of its spreads), a carried one stands far out (20% of rows 50
            # apart: 9.6; all: 52)
            spread = float(np.median(np.abs(matches - centre))) * 1.4826 or math.sqrt(centre + 1)
            apart = (matches[shift] - centre) / spread
            if p < ALIGN_P and apart >= ALIGN_APART and (best is None or p < best["p"]):
                best = {"shift": shift, "reversed": reverse, "column": name, "p": p}
    return best


def _shift_matches(a: np.ndarray, b: np.ndarray, rare: np.ndarray, common: list[int]) -> np.ndarray:
    """Per shift s, the rows i where ``a[i]`` equals ``b[(i + s) mod n]`` on the values searched.

    ``rare`` values through every pair of rows sharing one; each ``common`` value by FFT.
    """
    n = a.size
    matches = np.zeros(n)
    if rare.size:
        ia, ib = np.flatnonzero(np.isin(a, rare)), np.flatnonzero(np.isin(b, rare))
        order_b = np.argsort(b[ib], kind="stable")
        ib, vb = ib[order_b], b[ib][order_b]
        lo = np.searchsorted(vb, a[ia], side="left")
        lens = np.searchsorted(vb, a[ia], side="right") - lo
        # every pair (i, j) of rows sharing a rare value, as the shift j - i
        within = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
        pairs = ib[np.repeat(lo, lens) + within] - np.repeat(ia, lens)
        matches += np.bincount(pairs % n, minlength=n)
    for v in common:
        fa = np.fft.rfft((a == v).astype(np.float64), 2 * n)
        fb = np.fft.rfft((b == v).astype(np.float64), 2 * n)
        lagged = np.fft.irfft(np.conj(fa) * fb, 2 * n)
        # lag s: a[i] against b[(i + s) mod n]; lagged[n + s] holds the rows past the end
        matches += np.rint(lagged[:n] + lagged[n:])
    return matches


def _align_rows(synthetic: pl.DataFrame, train: pl.DataFrame) -> int:
    """Rows searched for an alignment: at most ALIGN_ROWS, fewer for a wide table."""
    wide = max(ALIGN_ROWS_MIN, ALIGN_CELLS // max(synthetic.width, 1))
    return min(synthetic.height, train.height, ALIGN_ROWS, wide)


def aligned_rows(train: pl.DataFrame, how: dict[str, Any], n: int) -> pl.DataFrame:
    """``train``'s first ``n`` rows (reversed if so) moved so that row i is row i + shift."""
    rows = train.head(n)
    if how["reversed"]:
        rows = rows.reverse()
    return rows.gather((np.arange(n) + how["shift"]) % n)


def row_order(synthetic: pl.DataFrame, train: pl.DataFrame, shifts: int = 3) -> dict[str, Any]:
    """Whether synthetic row i repeats training row i's values more than rows a few apart do.

    A table can carry training people's values by position alone (row i holds row i's secret):
    a set of rows looks clean while the order gives people away. Both tables are compared row by
    row as they were given, column by column, against the same comparison shifted by 1 to
    ``shifts`` rows either way (so two tables merely sorted alike agree as much shifted as not).
    The worst column is the figure. The same comparison is made at the :func:`alignment` of the
    two tables, when one stands out (an outside audit carried incomes in rows 50 apart, and in
    reverse); the worse of the two is the figure, with its ``alignment``.
    """
    own = _row_order(synthetic, train, shifts)
    found = alignment(synthetic, train)
    if found is None or "excess" not in own:
        return own
    n = _align_rows(synthetic, train)
    other = _row_order(synthetic.head(n), aligned_rows(train, found, n), shifts)
    if other.get("excess", -1.0) > own["excess"]:
        return other | {
            "alignment": {"shift": found["shift"], "reversed": found["reversed"], "rows": n}
        }
    return own


def _row_order(synthetic: pl.DataFrame, train: pl.DataFrame, shifts: int) -> dict[str, Any]:
    n = min(synthetic.height, train.height)
    if n < 2 * shifts + 2:
        return {"skipped": f"{n} rows are too few to compare by position"}
    worst: dict[str, Any] | None = None
    for name in synthetic.columns:
        a = synthetic.get_column(name).head(n)
        b = train.get_column(name).head(n)

        def equal(x: pl.Series, y: pl.Series) -> np.ndarray:
            return ((x == y).fill_null(False) | (x.is_null() & y.is_null())).to_numpy()

        here = equal(a, b)
        offsets = [k for k in range(-shifts, shifts + 1) if k]
        around = np.concatenate([equal(a, b.gather((np.arange(n) + k) % n)) for k in offsets])
        # the shifted comparisons reuse the same rows: counted as n rows, not 6n
        figures = share_difference(float(here.mean()), n, float(around.mean()), n)
        if worst is None or figures["excess"] > worst["excess"]:
            worst = figures | {"column": name}
    return (worst or {"skipped": "no column"}) | {"columns": synthetic.width}


def wilson_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95%), bounded to [0, 1]."""
    if n == 0:
        return (0.0, 1.0)
    rate = success_rate(n, successes, confidence)
    return (max(0.0, rate.value - rate.error), min(1.0, rate.value + rate.error))


def exact_copy_share(synthetic: pl.DataFrame, real: pl.DataFrame) -> float:
    """Share of synthetic rows identical to a real row (all columns; missing equals missing)."""
    return _share_in(synthetic, _sorted_hashes(real))


def _sorted_hashes(frame: pl.DataFrame) -> np.ndarray:
    """The hashes of ``frame``'s rows, sorted in place (one number a row, no other copy)."""
    hashes = np.array(frame.hash_rows(seed=0).to_numpy(), copy=True)
    hashes.sort()
    return hashes


def exact_interval(successes: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of a proportion: exact, so never too narrow on few successes.

    One copy in 150 rows is not evidence of copying when unseen rows copy at 0.1%; Wilson's
    interval, too narrow at such counts, said it was.
    """
    if n == 0:
        return (0.0, 1.0)
    x = min(max(int(round(successes)), 0), n)
    alpha = 1.0 - confidence
    low = float(beta.ppf(alpha / 2, x, n - x + 1)) if x > 0 else 0.0
    high = float(beta.ppf(1 - alpha / 2, x + 1, n - x)) if x < n else 1.0
    return (low, high)


def difference_interval(
    a: float, n_a: int, b: float, n_b: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval of the difference of two independent proportions (Newcombe's method 10).

    Built from each proportion's exact (Clopper-Pearson) interval, so it stays honest near 0 and
    with few rows.
    """
    low_a, high_a = exact_interval(a * n_a, n_a, confidence)
    low_b, high_b = exact_interval(b * n_b, n_b, confidence)
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


def share_difference(share: float, n: int, base: float, n_base: int) -> dict[str, Any]:
    """A share of ``n`` rows beside its baseline share of ``n_base`` rows: excess and interval."""
    low, high = difference_interval(share, n, base, n_base)
    return {
        "share": round(share, 4),
        "baseline": round(base, 4),
        "excess": round(share - base, 4),
        "excess_ci95": [round(low, 4), round(high, 4)],
        "rows": [int(n), int(n_base)],
    }


def unique_record_copies(
    synthetic: pl.DataFrame, holdout: pl.DataFrame, train: pl.DataFrame
) -> dict[str, Any]:
    """Exact copies of training records no other training row repeats, against the holdout's.

    A copy of a common record gives nobody away; a copy of a record only one person has is that
    person, so these copies are judged on a much smaller margin than copies of any row.
    """
    # by the rows' hashes sorted, as exact_copy_share compares rows: a window over every
    # column held several times the training rows (+310 MB over 1.6M rows of 4 columns)
    hashes = _sorted_hashes(train)
    single = np.ones(hashes.size, dtype=bool)
    repeated = hashes[1:] == hashes[:-1]
    single[1:] &= ~repeated
    single[:-1] &= ~repeated
    unique = hashes[single]
    del hashes, single, repeated
    share, base = (_share_in(frame, unique) for frame in (synthetic, holdout))
    return share_difference(share, synthetic.height, base, holdout.height) | {
        "unique_records": int(unique.size)
    }


HASHED_ROWS = 1_000_000  # rows of a side hashed and looked up at a time


def _share_in(frame: pl.DataFrame, hashes: np.ndarray) -> float:
    """The share of ``frame``'s rows whose hash is among the sorted ``hashes``.

    :data:`HASHED_ROWS` rows at a time: a row's hash does not depend on the rows around it,
    and the lookup's arrays (hash, position, the hash found: 24 bytes a row) are a slice's.
    """
    if frame.height == 0 or hashes.size == 0:
        return 0.0
    found = 0
    for start in range(0, frame.height, HASHED_ROWS):
        rows = frame.slice(start, HASHED_ROWS).hash_rows(seed=0).to_numpy()
        at = np.minimum(np.searchsorted(hashes, rows), hashes.size - 1)
        found += int(np.count_nonzero(hashes[at] == rows))
    return found / frame.height


def copies_summary(
    share: float, base: float, synthetic: int, holdout: int, train: int, how: str = ""
) -> dict[str, Any]:
    """The exact-copy figures of ``share`` of ``synthetic`` rows against ``base`` of ``holdout``."""
    figures = share_difference(share, synthetic, base, holdout)
    return {
        "share_of_train": figures["share"],
        "baseline_holdout_share_of_train": figures["baseline"],
        "excess": figures["excess"],
        "excess_ci95": figures["excess_ci95"],
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
        "standard_error": round(math.sqrt(max(variance, 0.0)), 6),
        "members": int(n1),
        "non_members": int(n2),
    }


def nndr(distances: np.ndarray) -> np.ndarray:
    """Closest over second-closest distance per row (0 when both are 0: a duplicated record)."""
    first, second = distances[:, 0], distances[:, -1]
    return np.divide(first, second, out=np.zeros_like(first), where=second > 0)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {
        "median": round(float(np.median(values)), 4),
        "p05": round(float(np.quantile(values, 0.05)), 4),
    }


def _some(n: int, limit: int | None, rng: np.random.Generator) -> np.ndarray:
    """Positions of at most ``limit`` of ``n`` rows (every row when within), in order."""
    if limit is None or n <= limit:
        return np.arange(n)
    return np.sort(rng.choice(n, limit, replace=False))


def near_copy_levels(
    synthetic: Encoded,
    reference: Encoded,
    baseline: Encoded,
    tolerance: np.ndarray,
    seed: int,
) -> list[dict[str, Any]]:
    """Near copies of ``reference`` rows, per level of :data:`NEAR_COPY_LEVELS`.

    The share of synthetic rows that disagree with some ``reference`` row on at most that many
    columns, beside the same share of ``baseline`` rows.
    """
    levels = copy_levels(synthetic, NEAR_COPY_LEVELS)
    most = max(levels)
    found = fewest_mismatches(synthetic, reference, tolerance, seed, most)
    natural = fewest_mismatches(baseline, reference, tolerance, seed, most)
    return [
        {"mismatches": level}
        | share_difference(
            float(np.mean(found <= level)),
            found.size,
            float(np.mean(natural <= level)),
            natural.size,
        )
        for level in levels
    ]


def linked_share(
    enc_train: Encoded,
    enc_holdout: Encoded,
    synthetic: Encoded,
    tolerance: np.ndarray,
    seed: int,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """Of the synthetic rows that near-copy some real row, how many near-copy a training row.

    Each synthetic row is paired with its closest real row by record linkage (fewest columns
    disagreeing, at most ``max(NEAR_COPY_LEVELS)``, ties broken at random) among every training
    and every holdout row. A row that copies nobody lands on a training row as often as the
    sets' sizes say; a copied row lands on its source. Because each row is judged against both
    sets at once, a table cannot hide copies by leaving out the unseen rows that happen to have
    near matches (which moves the level shares back to their baselines but not this). Reported
    as the DCR share is: as if the two sets were equally large, 0.5 for rows that copy nobody.

    With ``max_rows``, at most that many synthetic rows (a sample drawn with ``seed``) are
    paired, each against every real row: a dense narrow table's rows each have thousands of
    tied candidates to draw from, so pairing all of millions of rows grows with the product
    of the sizes, while a share's interval depends on the rows paired only.
    """
    n_train, n_holdout = enc_train.rows, enc_holdout.rows
    searched = _some(synthetic.rows, max_rows, np.random.default_rng([seed, 1]))
    synthetic = synthetic.take(searched)
    real = Encoded(
        held.stacked([enc_train.numbers, enc_holdout.numbers]),
        held.stacked([enc_train.codes, enc_holdout.codes]),
    )
    most = max(copy_levels(synthetic, NEAR_COPY_LEVELS))
    in_train = np.arange(real.rows) < n_train
    best, train_share = closest_records(synthetic, real, tolerance, seed, most, in_train)
    linked = best <= most
    # each row counts as the expected outcome of picking one of its tied closest rows at random
    return paired_share(
        float(np.sum(train_share[linked])), int(linked.sum()), n_train, n_holdout
    ) | {"synthetic_searched_from": int(searched.size)}


def paired_share(to_train: float, rows: int, n_train: int, n_holdout: int) -> dict[str, Any]:
    """``to_train`` of ``rows`` paired records landing on the training side, as figures.

    The share and its exact interval as if the two sets were equally large (0.5: no side
    preferred), beside the counts they come from.
    """
    p = to_train / rows if rows else 0.0
    low, high = exact_interval(to_train, rows)
    return {
        "share": round(balanced_share(p, n_train, n_holdout), 4),
        "share_ci95": [
            round(balanced_share(low, n_train, n_holdout), 4),
            round(balanced_share(high, n_train, n_holdout), 4),
        ],
        "rows_linked": rows,
        "rows_linked_to_train": round(to_train, 2),
        "reference_rows": {"train": n_train, "holdout": n_holdout},
        "ideal_share": 0.5,
    }


def balanced_share(p: float, n_train: int, n_holdout: int) -> float:
    """A share of rows nearest a training row, as if the two sets were equally large.

    With ``n_train`` training and ``n_holdout`` holdout rows, a row that copies nobody is
    nearest a training row with probability ``n_train / (n_train + n_holdout)``; the odds of
    ``p`` over those odds, turned back into a share, are 0.5 for such rows and ``p`` itself
    when the sets are equal.
    """
    if p <= 0.0 or p >= 1.0:
        return p
    return p * n_holdout / (p * n_holdout + (1.0 - p) * n_train)


def distance_metrics(
    enc_train: Encoded,
    enc_holdout: Encoded,
    synthetic: Encoded,
    natural_rows: Encoded,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """DCR, DCR share and NNDR of ``synthetic`` rows against every training and holdout row.

    ``natural_rows`` are holdout rows, measured against the training rows for the baselines.
    Ties between a training and a holdout row at the same distance are broken at random, so
    rows that copy nobody score 0.5 even in tables of a few coarse columns.
    """
    n_train, n_holdout = enc_train.rows, enc_holdout.rows
    # ties broken per synthetic row by the pair's own priority, training rows numbered first
    seed = int(rng.integers(0, 2**62))
    ids_train, ids_holdout = np.arange(n_train), np.arange(n_train, n_train + n_holdout)
    d_train, i_train = nearest(synthetic, enc_train, 2, priority=ids_train, seed=seed)
    d_holdout, i_holdout = nearest(synthetic, enc_holdout, 1, priority=ids_holdout, seed=seed)
    to_train, to_holdout = d_train[:, 0], d_holdout[:, 0]
    tied = np.abs(to_train - to_holdout) <= TIE / max(synthetic.width, 1)
    rows = np.arange(synthetic.rows)
    in_train = (~tied & (to_train < to_holdout)) | (
        tied
        & (
            pair_priorities(seed, rows, ids_train[i_train[:, 0]])
            < pair_priorities(seed, rows, ids_holdout[i_holdout[:, 0]])
        )
    )
    p = float(np.mean(in_train)) if in_train.size else 0.0
    low, high = wilson_interval(float(in_train.sum()), int(in_train.size))
    natural = nearest(natural_rows, enc_train, 2)[0]
    return {
        "dcr": {
            "median_to_train": round(float(np.median(to_train)), 4),
            "median_to_holdout": round(float(np.median(to_holdout)), 4),
            "baseline_median_holdout_to_train": round(float(np.median(natural[:, 0])), 4),
            "p05_to_train": round(float(np.quantile(to_train, 0.05)), 4),
            "p05_to_holdout": round(float(np.quantile(to_holdout, 0.05)), 4),
            "share_closer_to_train": round(balanced_share(p, n_train, n_holdout), 4),
            "share_ci95": [
                round(balanced_share(low, n_train, n_holdout), 4),
                round(balanced_share(high, n_train, n_holdout), 4),
            ],
            "share_nearest_a_training_row": round(p, 4),
            "rows_searched": int(in_train.size),
            "rows_nearest_a_training_row": int(in_train.sum()),
            "reference_rows": {"train": n_train, "holdout": n_holdout},
            "expected_share_nearest_a_training_row": round(n_train / (n_train + n_holdout), 4),
            "ideal_share": 0.5,
            "compared_with": "every training row and every holdout row",
        },
        "nndr": {
            "synthetic_to_train": _quantiles(nndr(d_train)),
            "baseline_holdout_to_train": _quantiles(nndr(natural)),
        },
    }


def membership_inference(members: Encoded, others: Encoded, synthetic: Encoded) -> dict[str, Any]:
    """Distance attack: a real row is called a member when a synthetic row lies close to it.

    Each real row is scored by its distance to the closest of every synthetic row.
    """
    scores = [-nearest_distances(rows, synthetic) for rows in (members, others)]
    return auc_with_interval(scores[0], scores[1])


def equivalence_classes(
    train: pl.DataFrame, quasi: list[str], sensitive: list[str]
) -> dict[str, Any]:
    """k-anonymity of the training rows on the quasi-identifiers, and l-diversity per column."""
    size = fresh("__k", train.columns)
    diversity = {s: fresh(f"__l_{i}", train.columns) for i, s in enumerate(sensitive)}
    classes = train.group_by(quasi).agg(
        [pl.len().alias(size)] + [pl.col(s).n_unique().alias(diversity[s]) for s in sensitive]
    )
    k = classes.get_column(size)
    small = int(classes.filter(pl.col(size) < K_ANONYMITY).get_column(size).sum() or 0)
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
        l_values = classes.get_column(diversity[s])
        homogeneous = int(classes.filter(pl.col(diversity[s]) < 2).get_column(size).sum() or 0)
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
    mine, theirs = fresh("__real", real.columns), fresh("__other", real.columns)
    real_counts = real.group_by(quasi).agg(pl.len().alias(mine))
    other_counts = other.group_by(quasi).agg(pl.len().alias(theirs))
    joined = real_counts.filter(pl.col(mine) == 1).join(
        other_counts, on=quasi, how="inner", nulls_equal=True
    )
    return int((joined.get_column(theirs) == 1).sum()) / real.height


def rare_categories(train: pl.DataFrame, other: pl.DataFrame, kinds: dict[str, Kind]) -> int:
    """How many categories seen fewer than ``RARE_CATEGORY`` times in training reappear."""
    found = 0
    for name, kind in kinds.items():
        if kind in (Kind.NUMERICAL, Kind.DATETIME):
            continue
        counts = value_counts(train.get_column(name).cast(pl.String).drop_nulls())
        rare = counts.filter(pl.col(COUNT) < RARE_CATEGORY).get_column(VALUE)
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
    equal: int | None = None,
) -> dict[str, Any]:
    """Singling out (both modes), linkability and inference, each against the holdout control.

    Linkability and inference attack every row of ``train`` and ``holdout`` (a person's success
    does not depend on how many others there are); singling out counts matches among the real
    rows, so it compares their first ``equal`` rows each (default: as many as the smaller has).
    """
    enc_train, enc_holdout, enc_synth = encoded
    columns = list(kinds)
    equal = min(train.height, holdout.height) if equal is None else equal
    out: dict[str, Any] = {
        "singling_out": {
            mode: attempt(
                lambda mode=mode: singling_out(
                    train[:equal],
                    holdout[:equal],
                    synthetic,
                    mode=mode,
                    seed=seed,
                    max_attempts=attack_attempts,
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
    """DCR share and membership-inference AUC, each with its interval (as the report has them).

    Against every training and holdout row; at most ``max_rows`` synthetic rows, and as many
    members and non-members, are searched from (a sample drawn with ``seed``).
    """
    columns = list(kinds)
    rng = np.random.default_rng(seed)
    enc_train, enc_holdout, enc_synth = encode(
        [train.select(columns), holdout.select(columns), synthetic.select(columns)], kinds
    )
    queries = enc_synth.take(_some(enc_synth.rows, max_rows, rng))
    natural = enc_holdout.take(_some(enc_holdout.rows, max_rows, rng))
    dcr = distance_metrics(enc_train, enc_holdout, queries, natural, rng)["dcr"]
    members = enc_train.take(_some(enc_train.rows, max_rows, rng))
    mia = membership_inference(members, natural, enc_synth)
    return {
        "dcr_share": dcr["share_closer_to_train"],
        "dcr_share_ci95": dcr["share_ci95"],
        "mia_auc": mia["auc"],
        "mia_auc_ci95": mia["ci95"],
    }


def holdout_copies(
    synthetic: pl.DataFrame,
    holdout: pl.DataFrame,
    train: pl.DataFrame,
    levels: list[dict[str, Any]],
) -> dict[str, Any]:
    """Exact and near copies of holdout rows, against the training rows' copies of them.

    Training rows are real people who are not in the holdout: how often they repeat a holdout
    row is how often a table of unseen people does. A synthesizer never sees the holdout, so
    more than that means the table was made from it.
    """
    share = exact_copy_share(synthetic, holdout)
    base = exact_copy_share(train, holdout)
    return {
        "exact": share_difference(share, synthetic.height, base, train.height),
        "near": levels,
        "rows": {"synthetic": synthetic.height, "train": train.height, "holdout": holdout.height},
        "compared_with": "every holdout row; baseline: every training row against them",
    }


def privacy_metrics(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    kinds: dict[str, Kind],
    *,
    quasi_identifiers: list[str] | None = None,
    sensitive: list[str] | None = None,
    seed: int | None = None,
    max_rows: int | None = None,
    attack_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """Every privacy metric of ``synthetic`` against the training rows, with holdout baselines.

    ``quasi_identifiers`` and ``sensitive`` come from the column schema; without quasi-
    identifiers the equivalence-class metrics are skipped and the attacks use every column.
    ``seed`` (default: :func:`content_key` of the three tables) draws the samples searched from
    and the attacks' targets. ``max_rows`` bounds the rows searched from; copies, near copies
    and every reference set are whole.
    """
    columns = list(kinds)
    quasi = [c for c in (quasi_identifiers or []) if c in kinds]
    sensitive = [c for c in (sensitive or []) if c in kinds and c not in quasi]
    # the rows as compared (text folded): on a run's shelf when large, not in the heap
    train, holdout, synthetic = (
        held.table(comparable(f.select(columns)), f"compared-{side}", small=False)
        for side, f in (("train", train), ("holdout", holdout), ("synthetic", synthetic))
    )
    seed = content_key(train, holdout, synthetic) if seed is None else seed
    rng = np.random.default_rng(seed)
    hits = []
    needed = max(train.height, holdout.height, synthetic.height)
    if max_rows is not None and needed > max_rows:
        hits.append(
            budget_hit(
                "privacy_rows",
                max_rows,
                needed,
                "distances and attacks search from samples of at most this many rows per table, "
                "drawn by the tables' content; they are compared with every real row, and exact "
                "and near copies are counted over every row",
            )
        )
    rule = agreement([train, holdout], kinds)
    (enc_train, enc_holdout, enc_synth), tolerance = linkable(
        [train, holdout, synthetic], kinds, rule
    )
    near = near_copy_levels(enc_synth, enc_train, enc_holdout, tolerance, seed)
    result: dict[str, Any] = {
        "columns": columns,
        "quasi_identifiers": quasi,
        "sensitive": sensitive,
        "measurement_key": seed,
        "agreement": rule.describe(),
        "exact_copies": exact_copies(synthetic, holdout, train)
        | {"of_unique_records": unique_record_copies(synthetic, holdout, train)},
        "near_copies": {
            "levels": near,
            "paired": linked_share(enc_train, enc_holdout, enc_synth, tolerance, seed, max_rows),
            "rows": {
                "synthetic": synthetic.height,
                "holdout": holdout.height,
                "train": train.height,
            },
            "compared_with": "every training row; baseline: every holdout row against them",
        },
        "holdout_copies": holdout_copies(
            synthetic,
            holdout,
            train,
            near_copy_levels(enc_synth, enc_holdout, enc_train, tolerance, seed),
        ),
    }
    queries = _some(synthetic.height, max_rows, rng)
    members = _some(train.height, max_rows, rng)
    others = _some(holdout.height, max_rows, rng)
    result |= distance_metrics(
        enc_train, enc_holdout, enc_synth.take(queries), enc_holdout.take(others), rng
    )
    result["membership_inference"] = membership_inference(
        enc_train.take(members), enc_holdout.take(others), enc_synth
    )
    # Singling out and repU count matches among the real rows: equally large samples of each.
    size = min(members.size, others.size)
    a_train, a_holdout = (
        members[_some(members.size, size, rng)],
        others[_some(others.size, size, rng)],
    )
    result["rows_compared"] = {
        "train": train.height,
        "holdout": holdout.height,
        "synthetic": synthetic.height,
        "synthetic_searched_from": int(queries.size),
        "members_attacked": int(members.size),
        "non_members_attacked": int(others.size),
        "attack_samples": size,
    }
    # members and others are in row order; the equal samples are their random subsets, put
    # first so that singling out takes them
    first_t = np.r_[a_train, np.setdiff1d(members, a_train)]
    first_h = np.r_[a_holdout, np.setdiff1d(others, a_holdout)]
    encoded = (enc_train.take(first_t), enc_holdout.take(first_h), enc_synth.take(queries))
    result["attacks"] = attack_metrics(
        train[first_t],
        holdout[first_h],
        synthetic[queries],
        encoded,
        kinds,
        quasi,
        sensitive,
        seed,
        attack_attempts,
        equal=size,
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
    secrets = sensitive or [c for c in columns if c not in quasi][:MAX_SECRETS]
    result["exposed"] = exposed_people(
        train,
        holdout,
        synthetic,
        (enc_train, enc_holdout, enc_synth),
        tolerance,
        rule,
        quasi,
        secrets,
        kinds,
        seed,
    )
    equal_synthetic = synthetic[_some(synthetic.height, size, rng)]
    if quasi:
        result["equivalence_classes"] = equivalence_classes(train, quasi, sensitive)
        result["replicated_uniques"] = {
            "share": round(replicated_uniques(train[a_train], equal_synthetic, quasi), 4),
            "baseline_holdout": round(
                replicated_uniques(train[a_train], holdout[a_holdout], quasi), 4
            ),
            "rows": size,
        }
    result["rare_categories"] = {
        "threshold": RARE_CATEGORY,
        "reappearing": rare_categories(train, equal_synthetic, kinds),
        "baseline_holdout": rare_categories(train, holdout[a_holdout], kinds),
    }
    return result


def exposed_people(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    encoded: tuple[Encoded, Encoded, Encoded],
    tolerance: np.ndarray,
    rule: Any,
    quasi: list[str],
    secrets: list[str],
    kinds: dict[str, Kind],
    seed: int,
) -> dict[str, Any]:
    """The figures of :mod:`synthpriv.metrics.exposure` for each group of exposed people."""
    enc_train, enc_holdout, enc_synth = encoded
    real = pl.concat([train, holdout], how="vertical_relaxed")
    groups = {"rare_values": exposure.rare_value_holders(real, rule)}
    if quasi:
        groups["unique_on_quasi_identifiers"] = exposure.unique_on(real, quasi)
    out: dict[str, Any] = {"rare_below": exposure.RARE_BELOW, "min_people": exposure.MIN_PEOPLE}
    for name, flags in groups.items():
        entry: dict[str, Any] = {
            "people": {
                "train": int(flags[: train.height].sum()),
                "holdout": int(flags[train.height :].sum()),
            }
        }
        entry["copied"] = attempt(
            lambda flags=flags: (
                exposure.copied(flags, enc_train, enc_holdout, enc_synth, tolerance, seed)
                or {"skipped": "too few exposed people on a side"}
            )
        )
        if name == "unique_on_quasi_identifiers":
            entry["disclosed"] = attempt(
                lambda flags=flags: (
                    exposure.disclosed(
                        flags, train, holdout, synthetic, quasi, secrets, kinds, seed
                    )
                    or {"skipped": "too few exposed people on a side, or no secret column"}
                )
            )
        out[name] = entry
    return out
