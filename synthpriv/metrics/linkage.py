"""Near copies as an auditor links records: rows that agree on all but at most one column.

Two rows *agree* on a column when its categories are equal (missing equals missing), or when
its numbers (dates as microseconds) differ by at most the column's tolerance: the larger of its
rounding unit (the coarsest power of ten every value is a multiple of: 1 for ages, 0.01 for
prices in cents, 100 for salaries rounded to hundreds) and 1% of its interquartile range, both
taken from the real rows. A row is a *near copy* of another when they agree on every column
but at most one (:data:`MISMATCHES_ALLOWED`); an exact copy is one too. A synthetic row that
repeats a training person's record with every number nudged by one and a category changed is a
near copy; so is one that redraws a single column.

The search is exact and compares every query row with every reference row, in time close to
linear. By the pigeonhole principle a pair that disagrees on at most one column agrees fully on
at least one of two disjoint *blocks* of columns, so each block is a hash join: reference rows
are sorted by the hash of their block's values (a number by its tolerance-wide bin), and each
query row looks up the bins its values could agree with (the bin and its two neighbours for each
number of the block, at most ``3 ** MAX_BLOCK_NUMBERS`` lookups) and checks every candidate on
every column, stopping at the first near copy. Blocks are chosen greedily on a sample of the
reference rows so that a query meets few candidates. Identical reference rows are kept once.
The loops are compiled with numba and run in parallel over query rows.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import decimal_places
from synthpriv.metrics.neighbors import (
    QUERY_CHUNK,
    Encoded,
    encode,
    numba,
    number_term,
    pair_priority,
)
from synthpriv.schema import Kind

MISMATCHES_ALLOWED = 1
IQR_SHARE = 0.01  # a number's tolerance is at least this share of its interquartile range
MAX_BLOCK_NUMBERS = 3  # numbers per block (each triples the lookups)
ESTIMATE_ROWS = 20_000  # reference rows the block choice is estimated on
MAX_DECIMALS = 9
NONE = MISMATCHES_ALLOWED + 1  # mismatches recorded for a row without a near copy
_MISSING_BIN = np.int64(-(2**62))


@dataclass(frozen=True)
class Agreement:
    """When two values of a column agree: equal categories, or numbers within a tolerance."""

    kinds: dict[str, Kind]
    tolerance: dict[str, float]  # per numeric (or date) column, in its own units
    units: dict[str, str]  # what the tolerance is measured in ("" or "days", "seconds")

    @property
    def numeric(self) -> list[str]:
        """Columns compared within a tolerance, in ``kinds`` order."""
        return [c for c, k in self.kinds.items() if k in (Kind.NUMERICAL, Kind.DATETIME)]

    def describe(self) -> dict[str, Any]:
        """JSON-ready rule and tolerances (aggregates of the real rows, never a value)."""
        return {
            "rule": f"agree on every compared column but at most {MISMATCHES_ALLOWED}; "
            "categories equal, numbers within the column's tolerance (the larger of its rounding "
            f"unit and {IQR_SHARE:.0%} of its interquartile range in the real rows)",
            "mismatches_allowed": MISMATCHES_ALLOWED,
            "tolerance": {
                c: {"value": _round_sig(t), "unit": self.units.get(c, "")}
                for c, t in self.tolerance.items()
            },
        }


def _round_sig(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}") if value else 0.0


def rounding_unit(values: np.ndarray) -> float:
    """The coarsest power of ten (from 1e-9 to 1e15) every finite value is a multiple of."""
    values = np.abs(values[np.isfinite(values)])
    values = values[values > 0]
    if values.size == 0:
        return 1.0
    sample = np.unique(values)[:100_000]
    decimals = decimal_places(sample, MAX_DECIMALS)
    if decimals is None:
        return 10.0**-MAX_DECIMALS
    if decimals > 0:
        return 10.0**-decimals
    unit = 1.0
    while unit < 1e15 and np.all(np.mod(sample, unit * 10) == 0):
        unit *= 10
    return unit


def _as_float(series: pl.Series) -> tuple[np.ndarray, str]:
    """Numbers as float64; dates as days and datetimes as seconds (what their unit is stated in)."""
    if series.dtype == pl.Date:
        return series.cast(pl.Int32).cast(pl.Float64).fill_null(np.nan).to_numpy(), "days"
    if series.dtype.is_temporal():
        seconds = series.cast(pl.Datetime("us")).cast(pl.Int64).cast(pl.Float64) / 1e6
        return seconds.fill_null(np.nan).to_numpy(), "seconds"
    if series.dtype == pl.Boolean:
        series = series.cast(pl.Int8)
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy(), ""


def agreement(real: list[pl.DataFrame], kinds: dict[str, Kind]) -> Agreement:
    """Each number's tolerance from the real rows (``real``: the training rows and holdout)."""
    tolerance, units = {}, {}
    for name, kind in kinds.items():
        if kind not in (Kind.NUMERICAL, Kind.DATETIME):
            continue
        values, unit = _as_float(pl.concat([f.get_column(name) for f in real], rechunk=False))
        finite = values[np.isfinite(values)]
        spread = float(np.subtract(*np.quantile(finite, [0.75, 0.25]))) if finite.size else 0.0
        tolerance[name] = max(rounding_unit(finite), IQR_SHARE * spread)
        units[name] = unit
    return Agreement(dict(kinds), tolerance, units)


def _scaled_tolerances(frames: list[pl.DataFrame], rule: Agreement) -> np.ndarray:
    """Tolerances on the scale :func:`encode` puts numbers on (divided by the first frame's span).

    ``encode`` scales dates by microseconds; the tolerance is in days or seconds.
    """
    out = []
    for name in rule.numeric:
        values = _encode_float(frames[0].get_column(name))
        finite = values[~np.isnan(values)]
        span = float(finite.max() - finite.min()) if finite.size else 0.0
        span = span if span > 0 else 1.0
        factor = {"days": 86_400e6, "seconds": 1e6}.get(rule.units.get(name, ""), 1.0)
        out.append(rule.tolerance[name] * factor / span)
    return np.array(out, dtype=np.float64)


def _encode_float(series: pl.Series) -> np.ndarray:
    from synthpriv.metrics.fidelity import as_float

    return as_float(series)


# -- the compiled search ------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _mix(h: np.int64, v: np.int64) -> np.int64:  # pragma: no cover - compiled
    h = (h ^ v) * np.int64(1099511628211)
    return h ^ (h >> np.int64(29))


@numba.njit(cache=True, nogil=True)
def _bin(x: float, width: float) -> np.int64:  # pragma: no cover - compiled
    if np.isnan(x):
        return _MISSING_BIN
    return np.int64(math.floor(x / width))


@numba.njit(cache=True, nogil=True)
def _key(numbers, codes, row, block_num, block_cat, widths, offsets):  # pragma: no cover
    h = np.int64(-3750763034362895579)
    for c in range(block_cat.size):
        h = _mix(h, np.int64(codes[row, block_cat[c]]))
    for c in range(block_num.size):
        b = _bin(numbers[row, block_num[c]], widths[c])
        if b != _MISSING_BIN:
            b += offsets[c]
        h = _mix(h, b)
    return h


@numba.njit(cache=True, parallel=True)
def _reference_keys(numbers, codes, block_num, block_cat, widths):  # pragma: no cover
    n = numbers.shape[0]
    out = np.empty(n, dtype=np.int64)
    zero = np.zeros(block_num.size, dtype=np.int64)
    for i in numba.prange(n):
        out[i] = _key(numbers, codes, i, block_num, block_cat, widths, zero)
    return out


@numba.njit(cache=True, nogil=True)
def _gower(q_num, q_cat, i, r_num, r_cat, j):  # pragma: no cover - compiled
    """The Gower distance of two rows, unnormalised (numbers on the encoding's scale)."""
    d = 0.0
    for c in range(q_cat.shape[1]):
        if q_cat[i, c] != r_cat[j, c]:
            d += 1.0
    for c in range(q_num.shape[1]):
        d += number_term(q_num[i, c], r_num[j, c])
    return d


@numba.njit(cache=True, nogil=True)
def _mismatches(q_num, q_cat, i, r_num, r_cat, j, tol, limit):  # pragma: no cover
    m = 0
    for c in range(q_cat.shape[1]):
        if q_cat[i, c] != r_cat[j, c]:
            m += 1
            if m > limit:
                return m
    for c in range(q_num.shape[1]):
        a, b = q_num[i, c], r_num[j, c]
        a_missing, b_missing = np.isnan(a), np.isnan(b)
        if a_missing or b_missing:
            agree = a_missing and b_missing
        else:
            agree = abs(a - b) <= tol[c]
        if not agree:
            m += 1
            if m > limit:
                return m
    return m


@numba.njit(cache=True, parallel=True)
def _link(
    q_num,
    q_cat,
    r_num,
    r_cat,
    tol,
    block_num,
    block_cat,
    widths,
    keys,
    order,
    best,
    found,
    mult,
    seed,
    best_prio,
    best_gower,
    ties,
    cap,
    qids,
    ids,
):  # pragma: no cover - compiled
    """Fewest mismatches per query row, counting at most ``cap``.

    With ``ties``, the row kept among those with that many is the nearest by Gower distance,
    then the winner of a race per query row: a distinct reference row standing for ``mult[j]``
    identical rows draws an exponential time of rate ``mult[j]`` from the pair's priority, so
    each of the identical rows is as likely to be picked as any other tied row, independently
    for every query row. The pair's priority is of the query row's and the reference row's
    positions in the tables searched (``qids``, ``ids``), so the pick does not depend on how
    the search is cut in parts.
    """
    n_query, k = q_num.shape[0], block_num.size
    probes = 3**k
    for i in numba.prange(n_query):
        if best[i] == 0 and not ties:
            continue
        offsets = np.zeros(k, dtype=np.int64)
        for p in range(probes):
            rest, skip = p, False
            for c in range(k):
                offsets[c] = rest % 3 - 1
                rest //= 3
                if offsets[c] != 0 and np.isnan(q_num[i, block_num[c]]):
                    skip = True  # a missing number has one bin
            if skip:
                continue
            h = _key(q_num, q_cat, i, block_num, block_cat, widths, offsets)
            pos = np.searchsorted(keys, h)
            while pos < keys.size and keys[pos] == h:
                j = order[pos]
                limit = best[i] if ties else best[i] - 1
                m = _mismatches(q_num, q_cat, i, r_num, r_cat, j, tol, limit)
                if not ties:
                    if m < best[i]:
                        best[i], found[i] = m, j
                        if m == 0:
                            break
                elif m <= cap and m <= best[i]:
                    g = _gower(q_num, q_cat, i, r_num, r_cat, j)
                    u = (pair_priority(seed, qids[i], ids[j]) + 0.5) / 9223372036854775808.0
                    race = -np.log(u) / mult[j]
                    if (
                        m < best[i]
                        or g < best_gower[i] - 1e-9
                        or (abs(g - best_gower[i]) <= 1e-9 and race < best_prio[i])
                    ):
                        best[i], found[i], best_prio[i], best_gower[i] = m, j, race, g
                pos += 1
            if best[i] == 0 and not ties:
                break


# -- keys ---------------------------------------------------------------------------------------


Column = tuple[str, int]  # ("n", position among numbers) or ("c", position among categories)


def _collisions(keys: np.ndarray) -> float:
    """Probability that two distinct sample rows share a key."""
    if keys.size < 2:
        return 1.0
    counts = np.unique(keys, return_counts=True)[1].astype(np.float64)
    return float((counts * (counts - 1)).sum() / (keys.size * (keys.size - 1)))


def _split(key: list[Column]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([i for kind, i in key if kind == "n"], dtype=np.int64),
        np.array([i for kind, i in key if kind == "c"], dtype=np.int64),
    )


def _hashes(table: Encoded, key: list[Column], widths: np.ndarray) -> np.ndarray:
    block_num, block_cat = _split(key)
    return _reference_keys(
        np.ascontiguousarray(table.numbers),
        np.ascontiguousarray(table.codes),
        block_num,
        block_cat,
        widths[block_num].copy(),
    )


def key_sets(blocks: list[list[Column]], allowed: int) -> list[list[Column]]:
    """The unions of ``len(blocks) - allowed`` blocks.

    A pair that disagrees on at most ``allowed`` columns disagrees in at most ``allowed`` blocks,
    so it agrees fully on at least one such union.
    """
    return [
        [c for b in combo for c in b]
        for combo in itertools.combinations(blocks, len(blocks) - allowed)
    ]


ENOUGH_SELECTIVE = 0.05  # reference rows a query meets, summed over keys, to stop adding columns


def choose_blocks(
    reference: Encoded, widths: np.ndarray, allowed: int, rng: np.random.Generator
) -> list[list[Column]]:
    """Disjoint blocks of columns whose unions (:func:`key_sets`) give few candidates a query.

    With ``allowed`` = 1 there are two blocks, each a key; with 2, four blocks and six keys of
    two blocks each (multi-index hashing: keys of half the columns instead of a third). A key's
    cost is the expected number of reference rows a query meets (the chance that two reference
    rows share the key, estimated on a sample, times the rows) plus its lookups (three per
    number in it). The most selective columns seed the blocks; every other column joins the
    block that lowers the total cost most, or none (it is still compared on every pair).
    """
    width = reference.numbers.shape[1] + reference.codes.shape[1]
    count = min(2 * allowed, width) if allowed else 1
    rows = reference.rows
    sample = reference.take(np.sort(rng.choice(rows, min(rows, ESTIMATE_ROWS), replace=False)))
    columns: list[Column] = [("n", i) for i in range(reference.numbers.shape[1])] + [
        ("c", i) for i in range(reference.codes.shape[1])
    ]
    alone = {c: _collisions(_hashes(sample, [c], widths)) for c in columns}
    columns.sort(key=lambda c: (alone[c] * (3 if c[0] == "n" else 1), c))
    cache: dict[tuple, float] = {}

    def cost(key: list[Column]) -> float:
        numbers = sum(kind == "n" for kind, _ in key)
        if not key or numbers > MAX_BLOCK_NUMBERS:
            return math.inf
        name = tuple(sorted(key))
        if name not in cache:
            lookups = 3**numbers
            cache[name] = _collisions(_hashes(sample, key, widths)) * rows * lookups + lookups
        return cache[name]

    def total(blocks: list[list[Column]]) -> float:
        return sum(cost(key) for key in key_sets(blocks, allowed))

    def met(blocks: list[list[Column]]) -> float:
        """Reference rows a query meets over all keys (the cost without its lookups)."""
        return sum(
            cost(key) - 3 ** sum(kind == "n" for kind, _ in key)
            for key in key_sets(blocks, allowed)
        )

    blocks: list[list[Column]] = [[] for _ in range(count)]
    pending = list(columns)
    for b in range(count):  # seed each block with the most selective column that fits
        blocks[b].append(pending.pop(0))
    for column in pending:
        if met(blocks) < ENOUGH_SELECTIVE:
            # a query already meets almost no row: more columns cannot make the search cheaper,
            # and trying each of a wide table's columns would cost more than the search
            break
        best, where = total(blocks), None
        for b in range(count):
            trial = [list(x) for x in blocks]
            trial[b].append(column)
            value = total(trial)
            if value < best * 0.98:
                best, where = value, b
        if where is not None:
            blocks[where].append(column)
    return blocks


def near_copies(
    query: Encoded,
    reference: Encoded,
    tolerance: np.ndarray,
    seed: int = 0,
    allowed: int = MISMATCHES_ALLOWED,
    group: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each query row, its fewest mismatches with any reference row, up to ``allowed + 1``.

    Returns ``(mismatches, index, share)``: 0 for a row that agrees with a reference row on
    every column, ``m <= allowed`` for one that differs from its closest reference row in ``m``,
    ``allowed + 1`` for a row with no reference row that close; the position of that reference
    row (-1 for none); and, with ``group`` (a flag per reference row), the share of flagged rows
    among the rows identical to the one picked (NaN for none). ``tolerance`` is per numeric
    column, on the encoding's scale. Exact: every pair that disagrees on at most ``allowed``
    columns is found. With ``group`` the row picked is, among those with the fewest mismatches,
    the nearest by Gower distance, then one drawn at random for each query row on its own.
    """
    best, found, share, _, _ = _near(query, reference, tolerance, seed, allowed, group)
    return best, found, share


def _near(
    query: Encoded,
    reference: Encoded,
    tolerance: np.ndarray,
    seed: int,
    allowed: int,
    group: np.ndarray | None,
    qids: np.ndarray | None = None,
    ids: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`near_copies`, with each pick's Gower distance and race time (the ties' state).

    ``qids`` and ``ids``: the positions of the query and reference rows in the tables they
    were taken from (default: their own), of which each pair's tie-break is drawn.
    """
    n_query = query.rows
    best = np.full(n_query, allowed + 1, dtype=np.int64)
    found = np.full(n_query, -1, dtype=np.int64)
    share = np.full(n_query, np.nan)
    ties = group is not None
    # the tie-break's state: per query row with ``group`` only (read by ``_link`` with ties)
    best_prio = np.full(n_query if ties else 0, np.inf)
    best_gower = np.full(n_query if ties else 0, np.inf)
    if n_query == 0 or reference.rows == 0:
        return best, found, share, best_gower, best_prio
    flags = np.zeros(reference.rows, bool) if group is None else np.asarray(group, bool)
    if query.width <= allowed:
        # every row agrees with any row on all its columns but ``allowed``
        rows = np.full(n_query, query.width, dtype=np.int64)
        share = np.full(n_query, float(flags.mean()))
        nothing = np.zeros(n_query if ties else 0)  # every row ties at no distance
        return rows, np.zeros(n_query, np.int64), share, nothing, nothing.copy()
    reference, kept, mult, flagged = _distinct(reference, flags)
    if not ties:  # the pair's draw is read with ties only
        qids, ids = np.empty(0, np.int64), kept
    else:
        qids = np.arange(n_query) if qids is None else np.asarray(qids, np.int64)
        ids = kept if ids is None else np.asarray(ids, np.int64)[kept]
    tol = (tolerance * (1 + 1e-9) + 1e-12).astype(np.float64)
    widths = np.maximum(tol * (1 + 1e-6), 1e-12)
    rng = np.random.default_rng(seed)
    race_seed = int(rng.integers(0, 2**62))
    r_num, r_codes = np.ascontiguousarray(reference.numbers), np.ascontiguousarray(reference.codes)
    for key in key_sets(choose_blocks(reference, widths, allowed, rng), allowed):
        block_num, block_cat = _split(key)
        keys = _hashes(reference, key, widths)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        for start in range(0, n_query, QUERY_CHUNK):  # back to Python between chunks (signals)
            end = min(start + QUERY_CHUNK, n_query)
            _link(
                np.ascontiguousarray(query.numbers[start:end]),
                np.ascontiguousarray(query.codes[start:end]),
                r_num,
                r_codes,
                tol,
                block_num,
                block_cat,
                widths[block_num].copy(),
                sorted_keys,
                order,
                best[start:end],
                found[start:end],
                mult,
                race_seed,
                best_prio[start:end],
                best_gower[start:end],
                ties,
                allowed,
                qids[start:end],
                ids,
            )
    hit = found >= 0
    share[hit] = flagged[found[hit]] / mult[found[hit]]
    found = np.where(hit, kept[np.maximum(found, 0)], -1)
    return best, found, share, best_gower, best_prio


def closest_records(
    query: Encoded,
    reference: Encoded,
    tolerance: np.ndarray,
    seed: int,
    most: int,
    group: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each query row's closest reference row by mismatches (up to ``most``), ties at random.

    As :func:`fewest_mismatches`, one mismatch allowed first, then ``most`` for the rows that
    found nothing that close; returns ``(mismatches, share)``: the share of ``group``-flagged
    rows among the identical rows picked (NaN: none within ``most``), the expected outcome of
    picking one of them at random.

    A reference of more than :data:`REFERENCE_PART` rows is searched in parts by a hash of
    each row, so identical rows (whose count weighs the draw) stay in one part. A query row's
    pick is the best of its parts' picks by mismatches, then Gower distance, then the race
    each pair's priority sets (drawn of the rows' positions in the tables, not in a part):
    the pick made searching it whole, with the search's arrays a part's.
    """
    group = np.asarray(group, bool)
    qids = np.arange(query.rows)
    # a table too narrow to tell rows apart by ``most`` columns ties every row: searched whole
    parts = _row_parts(reference) if query.width > most else None
    if parts is None:
        return _closest(query, reference, tolerance, seed, most, group, qids, None)[:2]
    best = np.full(query.rows, most + 1, dtype=np.int64)
    share = np.full(query.rows, np.nan)
    gower = np.full(query.rows, np.inf)
    race = np.full(query.rows, np.inf)
    for rows in parts:
        b, s, g, r = _closest(
            query, reference.take(rows), tolerance, seed, most, group[rows], qids, rows
        )
        tied = (b == best) & (b <= most)
        with np.errstate(invalid="ignore"):  # inf - inf where neither part found a row
            nearer = (g < gower - 1e-9) | ((np.abs(g - gower) <= 1e-9) & (r < race))
        better = (b < best) | (tied & nearer)
        best[better], share[better], gower[better], race[better] = (
            b[better],
            s[better],
            g[better],
            r[better],
        )
    return best, share


def _closest(
    query: Encoded,
    reference: Encoded,
    tolerance: np.ndarray,
    seed: int,
    most: int,
    group: np.ndarray,
    qids: np.ndarray,
    ids: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`closest_records` against every row of ``reference``, with the ties' state."""
    best, _, share, gower, race = _near(
        query, reference, tolerance, seed, min(most, MISMATCHES_ALLOWED), group, qids, ids
    )
    for allowed in range(MISMATCHES_ALLOWED + 1, most + 1):
        rows = np.flatnonzero(best >= allowed)
        best[rows], _, share[rows], gower[rows], race[rows] = _near(
            query.take(rows), reference, tolerance, seed, allowed, group, qids[rows], ids
        )
    return best, share, gower, race


def _row_parts(reference: Encoded) -> list[np.ndarray] | None:
    """``reference``'s rows in parts of about :data:`REFERENCE_PART` by a hash of each row.

    Identical rows (missing numbers alike, -0.0 as 0.0) fall in the same part. None: one part.
    """
    count = -(-reference.rows // REFERENCE_PART)
    if count <= 1 or reference.width == 0:
        return None
    numbers = np.ascontiguousarray(reference.numbers, dtype=np.float64)
    hashes = _row_hashes(numbers, numbers.view(np.int64), np.ascontiguousarray(reference.codes))
    part = (hashes.view(np.uint64) % np.uint64(count)).astype(np.int32)
    del hashes
    return [np.flatnonzero(part == p) for p in range(count)]


REFERENCE_PART = 1_000_000  # reference rows searched at once by fewest_mismatches
QUERY_PART = 2_000_000  # and query rows


def fewest_mismatches(
    query: Encoded, reference: Encoded, tolerance: np.ndarray, seed: int, most: int
) -> np.ndarray:
    """Each query row's fewest mismatches with a reference row, capped at ``most + 1``.

    Searches allowing one mismatch first (cheap: keys of half the columns), then allowing up to
    ``most`` only for the rows that found nothing that close.

    The reference is searched :data:`REFERENCE_PART` rows at a time: a row's fewest mismatches
    with the reference are the fewest over its parts, and the search's own arrays (a row's
    hash, sort order, block keys; about 80 bytes a reference row) are then a part's, not every
    row's. So is the query, :data:`QUERY_PART` rows at a time (the search's state and the rows
    searched again, some 40 bytes a query row, were 500 MB for 8 million rows). The result
    does not depend on the parts.
    """
    best = np.full(query.rows, most + 1, dtype=np.int64)
    for q_start in range(0, query.rows, QUERY_PART):
        q_end = q_start + QUERY_PART  # views of the rows: no copy
        asked = Encoded(query.numbers[q_start:q_end], query.codes[q_start:q_end])
        fewest = best[q_start:q_end]
        for start in range(0, reference.rows, REFERENCE_PART):
            end = start + REFERENCE_PART
            part = Encoded(reference.numbers[start:end], reference.codes[start:end])
            np.minimum(fewest, _fewest(asked, part, tolerance, seed, most), out=fewest)
    return best


def _fewest(
    query: Encoded, reference: Encoded, tolerance: np.ndarray, seed: int, most: int
) -> np.ndarray:
    """:func:`fewest_mismatches` against every row of ``reference`` at once."""
    best = near_copies(query, reference, tolerance, seed, min(most, MISMATCHES_ALLOWED))[0]
    for allowed in range(MISMATCHES_ALLOWED + 1, most + 1):
        rows = np.flatnonzero(best >= allowed)
        best[rows] = near_copies(query.take(rows), reference, tolerance, seed, allowed)[0]
    return best


@numba.njit(cache=True, parallel=True)
def _row_hashes(numbers, bits, codes):  # pragma: no cover - compiled
    """A hash of every row's values: missing numbers alike, -0.0 as 0.0."""
    n = numbers.shape[0]
    out = np.empty(n, dtype=np.int64)
    for i in numba.prange(n):
        h = np.int64(-3750763034362895579)
        for c in range(codes.shape[1]):
            h = _mix(h, np.int64(codes[i, c]))
        for c in range(numbers.shape[1]):
            x = numbers[i, c]
            if np.isnan(x):
                h = _mix(h, _MISSING_BIN)
            elif x == 0.0:
                h = _mix(h, np.int64(0))
            else:
                h = _mix(h, bits[i, c])
        out[i] = h
    return out


@numba.njit(cache=True, nogil=True)
def _same_row(numbers, codes, a, b):  # pragma: no cover - compiled
    for c in range(codes.shape[1]):
        if codes[a, c] != codes[b, c]:
            return False
    for c in range(numbers.shape[1]):
        x, y = numbers[a, c], numbers[b, c]
        if not (x == y or (np.isnan(x) and np.isnan(y))):
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _groups(numbers, codes, hashes, order, flags):  # pragma: no cover - compiled
    """Identical rows grouped: each group's first row, its count and its flagged count.

    ``order`` sorts ``hashes`` stably, so within a run of equal hashes rows come in their
    order and the first row met of each group is its first row; rows of a run that differ
    (a hash collision) start groups of their own.
    """
    n = hashes.size
    first = np.empty(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.float64)
    flagged = np.zeros(n, dtype=np.float64)
    groups = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and hashes[order[end]] == hashes[order[start]]:
            end += 1
        run_first = groups
        for p in range(start, end):
            row = order[p]
            g = run_first
            while g < groups and not _same_row(numbers, codes, first[g], row):
                g += 1
            if g == groups:
                first[g] = row
                groups += 1
            count[g] += 1.0
            if flags[row]:
                flagged[g] += 1.0
        start = end
    return first[:groups], count[:groups], flagged[:groups]


def _distinct(
    reference: Encoded, flags: np.ndarray
) -> tuple[Encoded, np.ndarray, np.ndarray, np.ndarray]:
    """Identical reference rows kept once: ``(rows, positions, counts, flagged counts)``.

    Identical rows disagree equally with any query; each distinct row stands for its count.
    Distinct rows come in the order of their first row. Rows are grouped by a hash of their
    values sorted, then compared value by value: a few arrays of one number per row, where
    a group-by over the columns held several times the rows (450 MB over 1.6M rows of 4
    columns; bench/README.md).
    """
    ones = np.ones(reference.rows)
    if reference.width == 0 or reference.rows == 0:
        return reference, np.arange(reference.rows), ones, flags.astype(np.float64)
    numbers = np.ascontiguousarray(reference.numbers, dtype=np.float64)
    codes = np.ascontiguousarray(reference.codes)
    hashes = _row_hashes(numbers, numbers.view(np.int64), codes)
    order = np.argsort(hashes, kind="stable")
    first, count, flagged = _groups(numbers, codes, hashes, order, np.asarray(flags, bool))
    del hashes, order
    if first.size == reference.rows:
        return reference, np.arange(reference.rows), ones, flags.astype(np.float64)
    by_first = np.argsort(first, kind="stable")
    first = first[by_first]
    return reference.take(first), first, count[by_first], flagged[by_first]


def linkable(
    frames: list[pl.DataFrame], kinds: dict[str, Kind], rule: Agreement
) -> tuple[list[Encoded], np.ndarray]:
    """Encode ``frames`` together (first frame sets the scale) with the scaled tolerances."""
    encoded = encode(frames, kinds)
    return encoded, _scaled_tolerances(frames, rule)


MIN_AGREEING = 3  # a near copy agrees on at least this many columns (or on every column)


def copy_levels(rows: Encoded, levels: tuple[int, ...] = (0, 1, 2)) -> list[int]:
    """The ``levels`` that still leave :data:`MIN_AGREEING` columns.

    In a table of two columns, agreeing on "all but one" is agreeing on one value, which many
    people share: that is not a record linked, so such a table is judged on exact copies only.
    """
    return [level for level in levels if level == 0 or rows.width - level >= MIN_AGREEING]
