"""Exact k-nearest-neighbour search on a Gower distance, fast enough for 100k x 100k rows.

The distance between two rows is the mean over columns of: for numbers (and dates), |a - b|
divided by the training range, capped at 1; for categories, 0 when equal and 1 otherwise; a
missing value is 0 from another missing value and 1 from anything else.

The search is exact. Reference rows are grouped by the codes of a few categorical "key" columns,
chosen so that there are at most ``MAX_GROUPS`` groups. The key mismatches between a query and a
group are a lower bound on the distance to every row of that group, so each query visits the
groups in order of that bound and stops as soon as the bound passes its k-th best distance;
inside a group, a row is abandoned as soon as its partial sum passes it. The loops are compiled
with numba and run in parallel over query rows. Memory is the two encoded tables plus two
integers per group per thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthpriv.io import held
from synthpriv.metrics.fidelity import as_float
from synthpriv.schema import Kind

os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache", "numba"))
# numba's own pool sleeps while it waits for work; its OpenMP layer spins, and beside busy
# processes the many short parallel loops of the privacy report then ran 20x slower (143 s
# against 6.5 s idle on Adult; 20 s with this pool; bench/busy_machine.py)
os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")

import numba  # noqa: E402  (the cache location must be set before import)

MAX_GROUPS = 4096


@dataclass
class Encoded:
    """A table as scaled numbers (NaN missing) and category codes (-1 missing), same columns."""

    numbers: np.ndarray
    codes: np.ndarray

    @property
    def rows(self) -> int:
        """Number of rows."""
        return self.numbers.shape[0]

    @property
    def width(self) -> int:
        """Number of columns the distance averages over."""
        return self.numbers.shape[1] + self.codes.shape[1]

    def take(self, rows: np.ndarray) -> Encoded:
        """Return the given rows (positions or a mask); on a run's shelf when large."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return Encoded(held.taken(self.numbers, rows), held.taken(self.codes, rows))

    def columns(self, numeric: list[int], categorical: list[int]) -> Encoded:
        """Return only the given numeric and categorical column positions."""
        return Encoded(self.numbers[:, numeric], self.codes[:, categorical])


ENCODE_ROWS = 500_000  # rows of a side turned into numbers and codes at once


def encode(frames: list[pl.DataFrame], kinds: dict[str, Kind]) -> list[Encoded]:
    """Encode ``frames`` on a shared scale; the first frame (the training rows) sets the ranges.

    Numeric columns come first, in ``kinds`` order, then categorical ones; codes are shared by
    every frame: a category's code is its rank of first appearance, the frames read in order.

    Each column is read :data:`ENCODE_ROWS` rows at a time into arrays from :func:`held.empty`
    (a run's shelf when large): what the heap holds is a slice and a column's distinct values,
    not a column of every side stacked. On three sides of 9M rows in all, a code of 200,000
    values among them, that took the heap up by 576 MB; in slices by 217 MB (137 MB of it the
    arrays themselves, in the heap without a shelf), in 3.6 s instead of 9.8 s.
    """
    numeric = [n for n, k in kinds.items() if k in (Kind.NUMERICAL, Kind.DATETIME)]
    categorical = [n for n in kinds if n not in numeric]
    scales = [_scale(frames[0].get_column(name)) for name in numeric]
    encoded = [
        Encoded(
            held.empty((f.height, len(numeric)), np.float64),
            held.empty((f.height, len(categorical)), np.int32),
        )
        for f in frames
    ]
    for frame, out in zip(frames, encoded, strict=True):
        for j, (name, (lo, span)) in enumerate(zip(numeric, scales, strict=True)):
            for start, part in _slices(frame.get_column(name)):
                out.numbers[start : start + part.len(), j] = (as_float(part) - lo) / span
    for j, name in enumerate(categorical):
        code = _coder([f.get_column(name) for f in frames])
        for frame, out in zip(frames, encoded, strict=True):
            for start, part in _slices(frame.get_column(name)):
                out.codes[start : start + part.len(), j] = code(part)
    return encoded


def _slices(series: pl.Series) -> Iterator[tuple[int, pl.Series]]:
    """``series`` in slices of :data:`ENCODE_ROWS` rows, with where each starts."""
    for start in range(0, series.len(), ENCODE_ROWS):
        yield start, series.slice(start, ENCODE_ROWS)


def _scale(series: pl.Series) -> tuple[float, float]:
    """The lowest value and the span of ``series`` as :func:`as_float` reads it (1 if none)."""
    lo, hi = np.inf, -np.inf
    for _, part in _slices(series):
        values = as_float(part)
        finite = values[~np.isnan(values)]
        if finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    if lo > hi:
        return 0.0, 1.0
    return lo, (hi - lo) if hi > lo else 1.0


def _coder(columns: list[pl.Series]) -> Callable[[pl.Series], np.ndarray]:
    """Codes of ``columns``' values as text: each one's rank of first appearance, -1 missing.

    A value is found among the distinct values by its 64-bit hash, sorted (polars' categories
    are made per cast, and a join or an enum builds its table of a million values again for
    every slice). Every value is among them, so where no two distinct values share a hash the
    hash names its value; where two do, the values are joined instead.
    """
    seen = [
        part.cast(pl.String).drop_nulls().unique(maintain_order=True)
        for column in columns
        for _, part in _slices(column)
    ]
    levels = pl.concat(seen).unique(maintain_order=True) if seen else pl.Series([], pl.String)
    hashes = levels.hash(seed=0).to_numpy()
    order = np.argsort(hashes, kind="stable").astype(np.int32)
    hashes = hashes[order]
    if np.any(hashes[1:] == hashes[:-1]):
        ranks = pl.DataFrame({"v": levels, "c": np.arange(levels.len(), dtype=np.int32)})

        def joined(part: pl.Series) -> np.ndarray:
            found = (
                part.cast(pl.String)
                .to_frame("v")
                .join(ranks, on="v", how="left", maintain_order="left")
            )
            return found.get_column("c").fill_null(-1).to_numpy()

        return joined

    def code(part: pl.Series) -> np.ndarray:
        text = part.cast(pl.String)
        at = np.minimum(np.searchsorted(hashes, text.hash(seed=0).to_numpy()), order.size - 1)
        out = order[at] if order.size else np.zeros(text.len(), dtype=np.int32)
        out[text.is_null().to_numpy()] = -1
        return out

    return code


TIE = 1e-9  # distances this close are equal: the same distance summed in another order


_M1, _M2, _M3 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


# query rows searched per compiled call: between calls Python runs its signal handlers, so a
# SIGTERM (a cron job's timeout) stops a search of millions of rows within a chunk's time
QUERY_CHUNK = 65_536


@numba.njit(cache=True, nogil=True, inline="always")
def pair_priority(seed, i, j):  # pragma: no cover - compiled
    """A pseudo-random priority of the pair (query ``i``, reference ``j``): splitmix64.

    Ties are broken by it per query row, independently: a global order of the reference rows
    would send every query with the same value to the same row, so a table of a few coarse
    values would be judged on a handful of coin flips, not one per row.
    """
    x = np.uint64(seed) ^ (np.uint64(i) * np.uint64(_M1)) ^ (np.uint64(j) * np.uint64(_M2))
    x ^= x >> np.uint64(30)
    x *= np.uint64(_M2)
    x ^= x >> np.uint64(27)
    x *= np.uint64(_M3)
    x ^= x >> np.uint64(31)
    return np.int64(x >> np.uint64(1))


def pair_priorities(seed: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """:func:`pair_priority` for arrays of pairs (the same values, computed by numpy)."""
    with np.errstate(over="ignore"):
        x = (
            np.uint64(seed)
            ^ (np.asarray(i).astype(np.uint64) * np.uint64(_M1))
            ^ (np.asarray(j).astype(np.uint64) * np.uint64(_M2))
        )
        x ^= x >> np.uint64(30)
        x *= np.uint64(_M2)
        x ^= x >> np.uint64(27)
        x *= np.uint64(_M3)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(1)).astype(np.int64)


@numba.njit(cache=True, nogil=True, inline="always")
def _insert(best_d, best_p, best_i, d, p, j) -> None:  # pragma: no cover - compiled
    pos = best_d.size - 1
    while pos > 0 and (
        best_d[pos - 1] > d + TIE or (abs(best_d[pos - 1] - d) <= TIE and best_p[pos - 1] > p)
    ):
        best_d[pos] = best_d[pos - 1]
        best_p[pos] = best_p[pos - 1]
        best_i[pos] = best_i[pos - 1]
        pos -= 1
    best_d[pos] = d
    best_p[pos] = p
    best_i[pos] = j


@numba.njit(cache=True, nogil=True, inline="always")
def number_term(a, b):  # pragma: no cover - compiled
    """One number column's part of the Gower distance: 1 if one side is missing, else |a-b|<=1."""
    a_missing, b_missing = np.isnan(a), np.isnan(b)
    if a_missing or b_missing:
        return 1.0 if a_missing != b_missing else 0.0
    return min(abs(a - b), 1.0)


@numba.njit(cache=True, nogil=True, inline="always")
def _worse(d, p, best_d, best_p) -> bool:  # pragma: no cover - compiled
    """Whether (d, p) cannot enter the best list: farther, or as far with a larger priority."""
    return d > best_d + TIE or (abs(d - best_d) <= TIE and p >= best_p)


@numba.njit(cache=True, nogil=True, inline="always")
def _consider(
    i, row, j, base, q_num, q_rest, r_num, r_rest, r_prio, seed, best_d, best_p, best_i, k
):  # pragma: no cover - compiled
    """Add reference row ``j`` to query ``i``'s best list if it beats the k-th (early abandon).

    With ``seed`` >= 0 the priority is the pair's (:func:`pair_priority` of ``r_prio[j]`` and
    ``row``, the query row's place in the whole query table).
    """
    p = r_prio[j] if seed < 0 else pair_priority(seed, row, r_prio[j])
    d = base
    for c in range(r_rest.shape[1]):
        if q_rest[i, c] != r_rest[j, c]:
            d += 1.0
    if _worse(d, p, best_d[k - 1], best_p[k - 1]):
        return
    for c in range(r_num.shape[1]):
        d += number_term(q_num[i, c], r_num[j, c])
        if _worse(d, p, best_d[k - 1], best_p[k - 1]):
            return
    _insert(best_d, best_p, best_i, d, p, j)


@numba.njit(cache=True, parallel=True)
def _search(
    q_num,
    q_key,
    q_rest,
    r_num,
    r_rest,
    r_prio,
    seed,
    group_key,
    group_start,
    k,
    out_d,
    out_i,
    offset,
):  # pragma: no cover - compiled
    n_query, n_groups = q_num.shape[0], group_key.shape[0]
    n_key = group_key.shape[1]
    for i in numba.prange(n_query):
        bound = np.empty(n_groups, dtype=np.int64)
        tally = np.zeros(n_key + 2, dtype=np.int64)
        for g in range(n_groups):
            h = 0
            for c in range(n_key):
                if q_key[i, c] != group_key[g, c]:
                    h += 1
            bound[g] = h
            tally[h + 1] += 1
        for h in range(1, n_key + 2):
            tally[h] += tally[h - 1]
        order = np.empty(n_groups, dtype=np.int64)
        for g in range(n_groups):
            order[tally[bound[g]]] = g
            tally[bound[g]] += 1
        best_d = np.full(k, np.inf)
        best_p = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
        best_i = np.full(k, -1, dtype=np.int64)
        for o in range(n_groups):
            g = order[o]
            base = float(bound[g])
            # a tie with a smaller priority may still lie in a group at the k-th best distance
            if base > best_d[k - 1] + TIE:
                break
            for j in range(group_start[g], group_start[g + 1]):
                _consider(
                    i,
                    i + offset,
                    j,
                    base,
                    q_num,
                    q_rest,
                    r_num,
                    r_rest,
                    r_prio,
                    seed,
                    best_d,
                    best_p,
                    best_i,
                    k,
                )
        for m in range(k):
            out_d[i, m] = best_d[m]
            out_i[i, m] = best_i[m]


def _key_columns(codes: np.ndarray) -> list[int]:
    """Categorical columns to group by: most distinct first, while the groups stay few."""
    if codes.shape[1] == 0:
        return []
    distinct = [len(np.unique(codes[:, c])) for c in range(codes.shape[1])]
    chosen: list[int] = []
    # The groups so far, one id per row: a column is tried against them (two columns at a time,
    # not the chosen ones together), and kept only when it splits them. On a wide table the
    # rows soon stand alone, and no further column can split anything.
    groups, count = np.zeros(codes.shape[0], dtype=np.int64), 1
    for c in sorted(range(codes.shape[1]), key=lambda c: -distinct[c]):
        if count >= codes.shape[0]:
            break
        pairs = np.stack([groups, codes[:, c].astype(np.int64)], axis=1)
        split, inverse = np.unique(pairs, axis=0, return_inverse=True)
        if count < len(split) <= MAX_GROUPS:
            chosen.append(c)
            groups, count = inverse.reshape(-1), len(split)
    return chosen


NEAREST_PART = 1_000_000  # reference rows searched at once by nearest


def nearest(
    query: Encoded,
    reference: Encoded,
    k: int = 1,
    priority: np.ndarray | None = None,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the distances (rows x k, ascending) and positions of each query row's k nearest.

    Distances are Gower distances in [0, 1]. Exact; see the module docstring for how. Among
    reference rows at the same distance the one of smallest ``priority`` comes first (one
    distinct integer per reference row; default: its position). With ``seed``, the priority is
    the pair's, :func:`pair_priority` (seed, query row, ``priority``): ties are broken at random
    and independently per query row, as a fair comparison of two sets of real rows needs.

    The reference is searched :data:`NEAREST_PART` rows at a time and each part's k nearest
    merged by the same order (distance, then priority): the search's arrays (the rows sorted
    by their codes, some 80 bytes a reference row) are a part's.
    """
    if reference.rows == 0:
        raise ValueError("reference table is empty")
    k = min(k, reference.rows)
    priority = np.arange(reference.rows) if priority is None else np.asarray(priority)
    if reference.rows <= NEAREST_PART:
        return _nearest(query, reference, k, priority, seed)
    best_d = np.full((query.rows, k), np.inf)
    best_i = np.full((query.rows, k), -1, dtype=np.int64)
    rows = np.arange(query.rows)
    for start in range(0, reference.rows, NEAREST_PART):
        end = start + NEAREST_PART  # views of the rows: no copy
        part = Encoded(reference.numbers[start:end], reference.codes[start:end])
        d, i = _nearest(query, part, k, priority[start:end], seed)
        d = np.hstack([best_d, d])
        i = np.hstack([best_i, i + start])
        p = priority[np.maximum(i, 0)].astype(np.int64)
        if seed is not None:
            p = pair_priorities(int(seed) & 0x7FFFFFFFFFFFFFFF, rows[:, None], p)
        _merge(d, p, i, best_d, best_i, TIE / max(query.width, 1))
    return best_d, best_i


@numba.njit(cache=True, nogil=True)
def _merge(d, p, i, best_d, best_i, tie):  # pragma: no cover - compiled
    """Each row's k best of its candidates (``d``, ``p``, ``i``: rows x candidates), in order.

    The order :func:`_insert` keeps: nearer first, then (within ``tie``) the smaller priority.
    A candidate with no row (``i`` < 0) is never taken.
    """
    k = best_d.shape[1]
    for r in range(d.shape[0]):
        kept_d = np.full(k, np.inf)
        kept_p = np.full(k, np.iinfo(np.int64).max)
        kept_i = np.full(k, -1, dtype=np.int64)
        for c in range(d.shape[1]):
            if i[r, c] < 0:
                continue
            x, q = d[r, c], p[r, c]
            last = k - 1
            if kept_i[last] >= 0 and (
                x > kept_d[last] + tie or (abs(x - kept_d[last]) <= tie and q >= kept_p[last])
            ):
                continue
            pos = last
            while pos > 0 and (
                kept_i[pos - 1] < 0
                or kept_d[pos - 1] > x + tie
                or (abs(kept_d[pos - 1] - x) <= tie and kept_p[pos - 1] > q)
            ):
                kept_d[pos], kept_p[pos], kept_i[pos] = (
                    kept_d[pos - 1],
                    kept_p[pos - 1],
                    kept_i[pos - 1],
                )
                pos -= 1
            kept_d[pos], kept_p[pos], kept_i[pos] = x, q, i[r, c]
        best_d[r], best_i[r] = kept_d, kept_i


def _nearest(
    query: Encoded, reference: Encoded, k: int, priority: np.ndarray, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest` against every row of ``reference`` at once (k of them at most)."""
    k = min(k, reference.rows)
    key = _key_columns(reference.codes)
    rest = [c for c in range(reference.codes.shape[1]) if c not in key]
    ref_key = reference.codes[:, key]
    if key:
        group_key, group_of = np.unique(ref_key, axis=0, return_inverse=True)
        group_of = group_of.reshape(-1)
    else:
        group_key, group_of = np.zeros((1, 0), dtype=np.int32), np.zeros(reference.rows, int)
    order = np.argsort(group_of, kind="stable")
    group_start = np.searchsorted(group_of[order], np.arange(len(group_key) + 1))
    out_d = np.empty((query.rows, k), dtype=np.float64)
    out_i = np.empty((query.rows, k), dtype=np.int64)
    r_num = np.ascontiguousarray(reference.numbers[order])
    r_rest = np.ascontiguousarray(reference.codes[order][:, rest])
    r_prio = np.ascontiguousarray(priority[order].astype(np.int64))
    keys = np.ascontiguousarray(group_key.astype(np.int32))
    starts = group_start.astype(np.int64)
    for start in range(0, query.rows, QUERY_CHUNK):  # back to Python between chunks (signals)
        end = min(start + QUERY_CHUNK, query.rows)
        _search(
            np.ascontiguousarray(query.numbers[start:end]),
            np.ascontiguousarray(query.codes[start:end, key]),
            np.ascontiguousarray(query.codes[start:end, rest]),
            r_num,
            r_rest,
            r_prio,
            -1 if seed is None else int(seed) & 0x7FFFFFFFFFFFFFFF,
            keys,
            starts,
            k,
            out_d[start:end],
            out_i[start:end],
            start,
        )
    return out_d / max(query.width, 1), order[out_i]


def nearest_distances(query: Encoded, reference: Encoded) -> np.ndarray:
    """Return each query row's Gower distance to its closest reference row."""
    return nearest(query, reference, 1)[0][:, 0]
