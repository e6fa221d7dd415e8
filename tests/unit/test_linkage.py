"""Record linkage (near copies) and the tie-breaking nearest-neighbour search vs brute force."""

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from synthpriv.metrics.fidelity import as_float
from synthpriv.metrics.linkage import (
    _distinct,
    _groups,
    agreement,
    fewest_mismatches,
    linkable,
    near_copies,
    rounding_unit,
)
from synthpriv.metrics.neighbors import Encoded, encode, nearest
from synthpriv.metrics.privacy import balanced_share, content_key
from synthpriv.schema import Kind


def brute_mismatches(query, reference, tolerance):
    """Fewest mismatching columns of each query row with any reference row, by brute force."""
    q_num, r_num = query.numbers[:, None, :], reference.numbers[None, :, :]
    both = np.isnan(q_num) & np.isnan(r_num)
    close = np.abs(q_num - r_num) <= tolerance * (1 + 1e-9) + 1e-12
    numbers = ~(both | np.nan_to_num(close, nan=False).astype(bool))
    codes = query.codes[:, None, :] != reference.codes[None, :, :]
    return (numbers.sum(axis=2) + codes.sum(axis=2)).min(axis=1)


def table(rng, n, numbers, categories):
    data = {}
    for i in range(numbers):
        # few distinct values, so rows agree within tolerance often and boundaries are hit
        values = rng.integers(0, 12, n).astype(float)
        values[rng.random(n) < 0.1] = np.nan
        data[f"n{i}"] = values
    for i in range(categories):
        values = rng.choice(["a", "b", "c", ""], n, p=[0.5, 0.3, 0.15, 0.05])
        data[f"c{i}"] = [v or None for v in values.tolist()]
    frame = pl.DataFrame(data).with_columns(pl.col(f"n{i}").fill_nan(None) for i in range(numbers))
    kinds = {f"n{i}": Kind.NUMERICAL for i in range(numbers)} | {
        f"c{i}": Kind.CATEGORICAL for i in range(categories)
    }
    return frame, kinds


@pytest.mark.parametrize(
    ("numbers", "categories", "most"),
    [(1, 1, 1), (2, 1, 1), (3, 3, 1), (4, 4, 2), (6, 2, 2), (0, 5, 2), (5, 0, 1), (2, 6, 0)],
)
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("part", [None, 37])  # searched whole, or 37 rows (31 queries) a time
def test_fewest_mismatches_is_exact(monkeypatch, numbers, categories, most, seed, part):
    from synthpriv.metrics import linkage

    if part:
        monkeypatch.setattr(linkage, "REFERENCE_PART", part)
        monkeypatch.setattr(linkage, "QUERY_PART", part - 6)
    rng = np.random.default_rng(seed)
    frame, kinds = table(rng, 500, numbers, categories)
    rule = agreement([frame[:300]], kinds)
    (reference, query), tolerance = linkable([frame[:300], frame[300:]], kinds, rule)
    found = fewest_mismatches(query, reference, tolerance, seed, most)
    expected = np.minimum(brute_mismatches(query, reference, tolerance), most + 1)
    assert found.tolist() == expected.tolist()


def test_the_matched_row_is_one_that_close():
    rng = np.random.default_rng(3)
    frame, kinds = table(rng, 400, 3, 3)
    rule = agreement([frame[:250]], kinds)
    (reference, query), tolerance = linkable([frame[:250], frame[250:]], kinds, rule)
    best, index, _ = near_copies(query, reference, tolerance, 0, 1)
    for i in np.flatnonzero(best <= 1):
        one = query.take(np.array([i]))
        other = reference.take(np.array([index[i]]))
        assert brute_mismatches(one, other, tolerance)[0] == best[i]
    assert (index[best > 1] == -1).all()


def test_numbers_nudged_by_one_unit_still_agree_and_two_units_do_not():
    train = pl.DataFrame({"age": list(range(20, 70)) * 2, "job": ["a", "b"] * 50})
    kinds = {"age": Kind.NUMERICAL, "job": Kind.CATEGORICAL}
    rule = agreement([train], kinds)
    assert rule.tolerance == {"age": 1.0}
    # 31 and 32 are within one year of training ages 30 and 31 whatever their jobs; 75 is
    # more than a year from every training age, so only the job agrees
    query = pl.DataFrame({"age": [31, 32, 75], "job": ["b", "a", "b"]})
    (reference, q), tolerance = linkable([train, query], kinds, rule)
    assert fewest_mismatches(q, reference, tolerance, 0, 2).tolist() == [0, 0, 1]
    far = pl.DataFrame({"age": [72], "job": ["c"]})
    (reference, q), tolerance = linkable([train, far], kinds, rule)
    assert fewest_mismatches(q, reference, tolerance, 0, 2).tolist() == [2]


@pytest.mark.parametrize(
    ("values", "unit"),
    [
        ([18, 35, 90, 41], 1.0),
        ([12.5, 3.25, 7.0], 0.01),
        ([45300, 12000, 81100], 100.0),
        ([0, 0, 0], 1.0),
        ([0.1 + 0.2, 0.4], 0.1),
        ([3.14159265, 2.0], 1e-8),
    ],
)
def test_rounding_unit(values, unit):
    assert rounding_unit(np.array(values, dtype=float)) == pytest.approx(unit)


def test_the_tolerance_is_the_larger_of_the_unit_and_a_hundredth_of_the_iqr():
    frame = pl.DataFrame({"income": np.arange(0, 100_000, 10).astype(float)})
    rule = agreement([frame], {"income": Kind.NUMERICAL})
    assert rule.tolerance["income"] == pytest.approx(0.01 * 50_000, rel=1e-3)
    described = rule.describe()
    assert described["mismatches_allowed"] == 1
    assert described["tolerance"]["income"]["value"] == pytest.approx(500, rel=1e-3)


def test_dates_agree_within_a_day_and_the_unit_says_so():
    from datetime import date, timedelta

    days = [date(2020, 1, 1) + timedelta(days=int(d)) for d in range(0, 60)]
    frame = pl.DataFrame({"admitted": days})
    rule = agreement([frame], {"admitted": Kind.DATETIME})
    assert rule.describe()["tolerance"]["admitted"] == {"value": 1.0, "unit": "days"}
    query = pl.DataFrame({"admitted": [date(2020, 1, 2), date(2021, 6, 1)]})
    (reference, q), tolerance = linkable([frame, query], {"admitted": Kind.DATETIME}, rule)
    assert fewest_mismatches(q, reference, tolerance, 0, 0).tolist() == [0, 1]


@pytest.mark.parametrize("k", [1, 2, 3])
def test_nearest_in_parts_breaks_each_rows_ties_as_searched_whole(monkeypatch, k):
    # a pair's priority (seed, query row, reference priority) orders the ties: the same
    # distances and rows from parts merged as from the whole reference
    from synthpriv.metrics import neighbors

    rng = np.random.default_rng(11)
    frame = pl.DataFrame({"a": rng.choice(["x", "y"], 900), "b": rng.integers(0, 3, 900)})
    kinds = {"a": Kind.CATEGORICAL, "b": Kind.NUMERICAL}
    reference, query = encode([frame[:700], frame[700:]], kinds)
    priority = rng.permutation(700) + 5
    whole = nearest(query, reference, k, priority=priority, seed=42)
    for part in (2, 69, 350):
        monkeypatch.setattr(neighbors, "NEAREST_PART", part)
        distances, index = nearest(query, reference, k, priority=priority, seed=42)
        assert np.array_equal(distances, whole[0]) and np.array_equal(index, whole[1])
    assert len(np.unique(whole[1][:, 0])) > 20  # ties drawn for each row, not one for all


def test_nearest_breaks_ties_by_priority():
    rng = np.random.default_rng(5)
    frame = pl.DataFrame({"a": rng.choice(["x", "y"], 300), "b": rng.choice(["p", "q", "r"], 300)})
    kinds = {"a": Kind.CATEGORICAL, "b": Kind.CATEGORICAL}
    reference, query = encode([frame[:200], frame[200:]], kinds)
    priority = rng.permutation(200)
    distances, index = nearest(query, reference, 1, priority=priority)
    full = (query.codes[:, None, :] != reference.codes[None, :, :]).sum(axis=2) / 2
    for i in range(query.rows):
        tied = np.flatnonzero(full[i] == full[i].min())
        assert index[i, 0] == tied[np.argmin(priority[tied])]
        assert distances[i, 0] == full[i].min()


def test_balanced_share_is_half_for_rows_that_copy_nobody():
    assert balanced_share(0.8, 800, 200) == pytest.approx(0.5)
    assert balanced_share(0.6, 100, 100) == pytest.approx(0.6)
    assert balanced_share(0.9, 800, 200) > 0.6


def test_the_content_key_follows_every_cell_and_not_the_row_order():
    a = pl.DataFrame({"x": [1, 2, 3], "y": ["p", "q", None]})
    assert content_key(a, None) == content_key(a.clone(), None)
    changed = a.with_columns(pl.when(pl.col("x") == 3).then(4).otherwise(pl.col("x")).alias("x"))
    assert content_key(changed, None) != content_key(a, None)
    assert content_key(a.reverse(), None) == content_key(a, None)


@pytest.mark.parametrize(("numbers", "categories", "most"), [(2, 2, 1), (3, 3, 2), (0, 4, 2)])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("part", [None, 45])  # the reference searched whole, or in parts by hash
def test_closest_records_pick_among_the_nearest_of_the_fewest_mismatches(
    monkeypatch, numbers, categories, most, seed, part
):
    from synthpriv.metrics import linkage
    from synthpriv.metrics.linkage import closest_records

    if part:
        monkeypatch.setattr(linkage, "REFERENCE_PART", part)

    rng = np.random.default_rng(seed + 10)
    frame, kinds = table(rng, 600, numbers, categories)
    # duplicates in the reference: a pick stands for all the rows identical to it
    reference_frame = pl.concat([frame[:300], frame[:100]])
    rule = agreement([reference_frame], kinds)
    (reference, query), tolerance = linkable([reference_frame, frame[300:]], kinds, rule)
    flags = rng.random(reference.rows) < 0.7
    best, share = closest_records(query, reference, tolerance, seed, most, flags)
    q_num, r_num = query.numbers[:, None, :], reference.numbers[None, :, :]
    close = np.abs(q_num - r_num) <= tolerance * (1 + 1e-9) + 1e-12
    agree = (np.isnan(q_num) & np.isnan(r_num)) | np.nan_to_num(close, nan=False).astype(bool)
    full = (~agree).sum(axis=2) + (query.codes[:, None, :] != reference.codes[None, :, :]).sum(2)
    rows = pl.DataFrame(
        {f"n{c}": reference.numbers[:, c] for c in range(reference.numbers.shape[1])}
        | {f"c{c}": reference.codes[:, c] for c in range(reference.codes.shape[1])}
    )
    same = rows.hash_rows(seed=0).to_numpy()
    for i in range(query.rows):
        fewest = full[i].min()
        if fewest > most:
            assert best[i] == most + 1 and np.isnan(share[i])
            continue
        tied = np.flatnonzero(full[i] == fewest)
        gower = brute_gower(query.take(np.array([i])), reference.take(tied))[0]
        nearest_ = tied[np.round(gower, 9) == np.round(gower, 9).min()]
        assert best[i] == fewest
        possible = {round(float(flags[same == same[j]].mean()), 9) for j in nearest_}
        assert round(float(share[i]), 9) in possible


@pytest.mark.parametrize(("numbers", "categories", "most"), [(2, 3, 1), (3, 3, 2), (0, 5, 2)])
def test_closest_records_in_parts_pick_what_the_whole_search_picks(
    monkeypatch, numbers, categories, most
):
    # each pair's tie-break is drawn of the rows' positions, identical rows share a part:
    # the same mismatches and the same pick (its share of flagged rows) row by row
    from synthpriv.metrics import linkage

    rng = np.random.default_rng(7)
    frame, kinds = table(rng, 700, numbers, categories)
    reference_frame = pl.concat([frame[:400], frame[:150], frame[:50]])  # rows three times
    rule = agreement([reference_frame], kinds)
    (reference, query), tolerance = linkable([reference_frame, frame[400:]], kinds, rule)
    flags = rng.random(reference.rows) < 0.6
    whole = linkage.closest_records(query, reference, tolerance, 3, most, flags)
    for part in (29, 150, 333):
        monkeypatch.setattr(linkage, "REFERENCE_PART", part)
        assert len(linkage._row_parts(reference)) == -(-reference.rows // part)
        best, share = linkage.closest_records(query, reference, tolerance, 3, most, flags)
        assert best.tolist() == whole[0].tolist()
        assert np.array_equal(share, whole[1], equal_nan=True)
    assert (whole[0] <= most).any()
    assert ((whole[1] > 0) & (whole[1] < 1)).any()  # picks standing for identical rows


def test_ties_are_broken_for_each_row_on_its_own_and_by_how_many_rows_tie():
    """Two distinct reference rows tie for every query (one mismatch each, same Gower), one of
    them standing for three identical rows: it must be picked three times in four, row by row,
    not once for all rows."""
    from synthpriv.metrics.linkage import closest_records

    kinds = {c: Kind.CATEGORICAL for c in "abcd"}
    reference_frame = pl.DataFrame(
        {"a": ["x"] * 3 + ["w"], "b": ["z"] * 3 + ["y"], "c": ["k"] * 4, "d": ["m"] * 4}
    )
    queries = pl.DataFrame({"a": ["x"] * 4000, "b": ["y"] * 4000, "c": ["k"] * 4000})
    queries = queries.with_columns(pl.lit("m").alias("d"))
    rule = agreement([reference_frame], kinds)
    (reference, query), tolerance = linkable([reference_frame, queries], kinds, rule)
    flags = np.array([True, True, True, False])  # the triple is "training", the single not
    best, share = closest_records(query, reference, tolerance, 0, 1, flags)
    assert (best == 1).all()
    assert set(np.unique(share)) == {0.0, 1.0}
    assert share.mean() == pytest.approx(0.75, abs=0.02)


def test_the_dcr_share_of_rows_tied_with_every_real_row_is_one_half():
    """One coarse value for everybody: each synthetic row is as near a training row as a holdout
    row, and the tie must be broken for each row on its own (a global order of the real rows
    sent every row to the same one: a coin flip for the whole table)."""
    from synthpriv.metrics.privacy import distance_metrics

    kinds = {"year": Kind.NUMERICAL}
    train = pl.DataFrame({"year": [1994] * 800})
    holdout = pl.DataFrame({"year": [1994] * 200})
    synthetic = pl.DataFrame({"year": [1994] * 3000})
    enc_train, enc_holdout, enc_synth = encode([train, holdout, synthetic], kinds)
    figures = distance_metrics(
        enc_train, enc_holdout, enc_synth, enc_holdout, np.random.default_rng(0)
    )["dcr"]
    assert figures["share_nearest_a_training_row"] == pytest.approx(0.8, abs=0.025)
    assert figures["share_closer_to_train"] == pytest.approx(0.5, abs=0.04)


def brute_gower(query, reference):
    num = np.abs(query.numbers[:, None, :] - reference.numbers[None, :, :])
    both = np.isnan(query.numbers)[:, None, :] & np.isnan(reference.numbers)[None, :, :]
    num = np.where(both, 0.0, np.where(np.isnan(num), 1.0, np.minimum(num, 1.0)))
    codes = (query.codes[:, None, :] != reference.codes[None, :, :]).sum(axis=2)
    return (num.sum(axis=2) + codes) / max(query.width, 1)


@pytest.mark.parametrize(
    ("numbers", "categories", "k"), [(1, 0, 1), (3, 2, 2), (2, 4, 3), (0, 3, 2)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("part", [None, 130])  # the reference searched whole, or in parts
def test_nearest_is_exact_with_missing_values_ties_and_queries_out_of_range(
    monkeypatch, numbers, categories, k, seed, part
):
    from synthpriv.metrics import neighbors

    if part:
        monkeypatch.setattr(neighbors, "NEAREST_PART", part)  # the last part: 110 rows
    rng = np.random.default_rng(seed)
    frame, kinds = table(rng, 700, numbers, categories)
    # queries beyond the reference range, and coarse numbers so that distances tie
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) > 600).then(pl.col(c) * 3).otherwise(pl.col(c)).alias(c)
        for c in kinds
        if kinds[c] == Kind.NUMERICAL
    )
    reference, query = encode([frame[:500], frame[500:]], kinds)
    priority = rng.permutation(500)
    distances, index = nearest(query, reference, k, priority=priority)
    full = brute_gower(query, reference)
    for i in range(query.rows):
        order = np.lexsort((priority, np.round(full[i], 9)))[:k]
        assert np.allclose(distances[i], full[i][order]), i
        assert index[i].tolist() == order.tolist(), i


@pytest.mark.parametrize(
    ("width", "levels"), [(1, [0]), (2, [0]), (3, [0]), (4, [0, 1]), (5, [0, 1, 2])]
)
def test_a_near_copy_still_agrees_on_three_columns(width, levels):
    """Agreeing on 'all but one' of two columns is sharing one value: not a record linked."""
    from synthpriv.metrics.linkage import copy_levels
    from synthpriv.metrics.neighbors import Encoded

    rows = Encoded(np.zeros((4, width)), np.zeros((4, 0), dtype=np.int64))
    assert copy_levels(rows) == levels


def test_blocks_stop_growing_once_selective_and_find_the_same_copies(monkeypatch):
    import synthpriv.metrics.linkage as linkage

    rng = np.random.default_rng(9)
    frame, kinds = table(rng, 400, 4, 56)  # a wide table: sixty coarse columns ...
    measured = {f"m{i}": rng.normal(0, 1, 400).round(3) for i in range(8)}
    frame = frame.with_columns(pl.Series(k, v) for k, v in measured.items())  # ... and 8 more
    kinds |= dict.fromkeys(measured, Kind.NUMERICAL)  # that tell rows apart alone
    rule = agreement([frame[:250]], kinds)
    (reference, query), tolerance = linkable([frame[:250], frame[250:]], kinds, rule)
    hashed = []
    real_hashes = linkage._hashes
    monkeypatch.setattr(linkage, "_hashes", lambda *a: hashed.append(1) or real_hashes(*a))
    found = near_copies(query, reference, tolerance, 0, 2)
    stopping = len(hashed)
    monkeypatch.setattr(linkage, "ENOUGH_SELECTIVE", -1.0)  # never stop: try every column
    hashed.clear()
    again = near_copies(query, reference, tolerance, 0, 2)
    assert stopping < len(hashed) / 2  # the wide table's columns were not all tried
    for a, b in zip(found, again, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("search", ["nearest", "near_copies"])
def test_a_long_search_returns_to_python_between_chunks_so_sigterm_stops_it(monkeypatch, search):
    """A cron job's SIGTERM runs its handler only when Python regains control: between chunks.

    The compiled search is called once per chunk of query rows; a handler raising at the
    second call stops the search there, with the rest of the rows never searched.
    """
    from synthpriv.metrics import linkage, neighbors

    rng = np.random.default_rng(0)
    query = Encoded(rng.normal(size=(50, 2)), rng.integers(0, 3, size=(50, 2)).astype(np.int32))
    reference = Encoded(rng.normal(size=(80, 2)), rng.integers(0, 3, (80, 2)).astype(np.int32))
    monkeypatch.setattr(neighbors, "QUERY_CHUNK", 10)
    monkeypatch.setattr(linkage, "QUERY_CHUNK", 10)
    name, module = ("_search", neighbors) if search == "nearest" else ("_link", linkage)
    compiled, calls = getattr(module, name), []

    class Terminated(Exception):
        pass

    def counted(*args):
        calls.append(args[0].shape[0])  # the chunk's query rows
        if len(calls) == 2:
            raise Terminated  # what the SIGTERM handler raises once Python runs again
        return compiled(*args)

    monkeypatch.setattr(module, name, counted)
    with pytest.raises(Terminated):
        if search == "nearest":
            neighbors.nearest(query, reference, 1, seed=1)
        else:
            linkage.near_copies(query, reference, np.array([0.1, 0.1]), seed=1)
    assert calls == [10, 10]


def _groups_by_value(numbers: np.ndarray, codes: np.ndarray) -> list[list[int]]:
    """Rows grouped by their values in Python (missing alike, -0.0 as 0.0), by first row."""
    seen: dict[tuple, list[int]] = {}
    for i in range(numbers.shape[0]):
        key = tuple("nan" if np.isnan(x) else float(x) + 0.0 for x in numbers[i]) + tuple(
            int(c) for c in codes[i]
        )
        seen.setdefault(key, []).append(i)
    return sorted(seen.values())


@pytest.mark.parametrize("seed", range(8))
def test_identical_rows_are_kept_once_with_their_counts(seed):
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 400))
    numbers = rng.choice([0.0, -0.0, 1.5, np.nan, -3.25], size=(rows, seed % 3))
    codes = rng.integers(-1, 3, size=(rows, 1 + seed % 2))
    flags = rng.random(rows) < 0.4
    kept, first, counts, flagged = _distinct(Encoded(numbers, codes), flags)
    expected = _groups_by_value(numbers, codes)
    assert first.tolist() == [g[0] for g in expected]
    assert counts.tolist() == [len(g) for g in expected]
    assert flagged.tolist() == [int(flags[g].sum()) for g in expected]
    assert np.array_equal(kept.codes, codes[first])


def test_rows_whose_hashes_collide_are_still_told_apart():
    numbers = np.array([[1.0], [2.0], [1.0], [np.nan], [2.0], [np.nan]])
    codes = np.array([[0], [0], [0], [0], [1], [0]])
    every_hash_equal = np.zeros(6, dtype=np.int64)
    first, counts, flagged = _groups(
        numbers, codes, every_hash_equal, np.arange(6), np.array([1, 0, 1, 0, 0, 1], bool)
    )
    assert first.tolist() == [0, 1, 3, 4]
    assert counts.tolist() == [2, 1, 2, 1]
    assert flagged.tolist() == [2, 0, 1, 0]


def test_labels_spelled_with_other_separators_are_the_same_label_and_signs_are_not():
    """An outside audit wrote 5% training rows with "-" as "_" or " - " and upper case: trimmed
    and case-folded only, they were new rows and passed. ``<=50K`` is still not ``>50K``."""
    from synthpriv.metrics.privacy import comparable, exact_copy_share

    train = pl.DataFrame(
        {"work": ["Self-emp-not-inc", "Never-worked", "Local-gov"], "income": ["<=50K"] * 3}
    )
    respelled = pl.DataFrame(
        {
            "work": ["SELF_EMP_NOT_INC", "never - worked  ", "Local gov"],
            "income": ["<=50K ", "<=50k", "<=50K"],
        }
    )
    other_sign = respelled.with_columns(pl.lit(">50K").alias("income"))
    assert exact_copy_share(comparable(respelled), comparable(train)) == 1.0
    assert exact_copy_share(comparable(other_sign), comparable(train)) == 0.0
    signs = comparable(pl.DataFrame({"blood": ["A-", "A+", "A", "AB-"]}))
    assert signs.get_column("blood").n_unique() == 4


@pytest.mark.parametrize("seed", range(4))
def test_an_alignment_is_found_at_the_shift_planted_and_none_in_honest_tables(seed):
    from synthpriv.metrics.privacy import alignment

    rng = np.random.default_rng(seed)
    n = int(rng.integers(300, 1500))

    def table():
        return pl.DataFrame(
            {
                "flag": rng.choice(["y", "n"], n, p=[0.3, 0.7]),
                "code": rng.integers(0, 40, n),
                "amount": np.where(rng.random(n) < 0.1, rng.integers(100, 10**6, n), 0),
            }
        )

    train, honest = table(), table()
    assert alignment(honest, train) is None
    shift, reverse = int(rng.integers(1, n)), bool(seed % 2)
    source = train.reverse() if reverse else train
    planted = honest.with_columns(source.get_column("code").gather((np.arange(n) + shift) % n))
    found = alignment(planted, train)
    assert (found["shift"], found["reversed"], found["column"]) == (shift, reverse, "code")


def test_a_column_of_runs_lines_up_with_itself_somewhere_and_that_is_no_alignment():
    """MIMIC's SEQ_NUM numbers each stay's diagnoses 1..k in both tables: at some shift the
    runs of the two coincide (15% of rows against 5.5% at most shifts), which the search took
    for rows carried 776 apart and failed the demo's report."""
    from synthpriv.metrics.privacy import alignment

    rng = np.random.default_rng(8)

    def runs(stays: int) -> pl.DataFrame:
        lengths = rng.integers(1, 12, stays)
        return pl.DataFrame({"SEQ_NUM": np.concatenate([np.arange(1, k + 1) for k in lengths])})

    assert alignment(runs(300), runs(300)) is None


def _encoded_whole(frames: list[pl.DataFrame], kinds: dict[str, Kind]) -> list[Encoded]:
    """The encoding as it was made before slices: every side's column stacked, at once."""
    numeric = [n for n, k in kinds.items() if k in (Kind.NUMERICAL, Kind.DATETIME)]
    categorical = [n for n in kinds if n not in numeric]
    out = []
    stacked = {
        n: pl.concat([f.get_column(n).cast(pl.String) for f in frames]).to_list()
        for n in categorical
    }
    first_seen = {
        n: {v: i for i, v in enumerate(dict.fromkeys(x for x in s if x is not None))}
        for n, s in stacked.items()
    }
    for frame in frames:
        numbers = np.empty((frame.height, len(numeric)))
        for j, n in enumerate(numeric):
            base = as_float(frames[0].get_column(n))
            lo, hi = np.nanmin(base), np.nanmax(base)
            numbers[:, j] = (as_float(frame.get_column(n)) - lo) / ((hi - lo) or 1.0)
        codes = np.array(
            [
                [
                    -1 if v is None else first_seen[n][v]
                    for n, v in zip(categorical, row, strict=True)
                ]
                for row in frame.select(pl.col(categorical).cast(pl.String)).iter_rows()
            ],
            dtype=np.int32,
        ).reshape(frame.height, len(categorical))
        out.append(Encoded(numbers, codes))
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("colliding", [False, True])
def test_encoding_in_slices_is_the_encoding_of_every_row_at_once(monkeypatch, seed, colliding):
    from synthpriv.metrics import neighbors

    rng = np.random.default_rng(seed)

    def side(n: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
                "when": pl.datetime_range(
                    datetime(2020, 1, 1),
                    datetime(2020, 1, 1) + timedelta(hours=n - 1),
                    "1h",
                    eager=True,
                ).sample(n, shuffle=True, seed=seed),
                "flag": rng.random(n) < 0.5,
                "code": [
                    None if r < 0.2 else c
                    for r, c in zip(
                        rng.random(n), rng.choice(["A1", "B2", "C3", ""], n), strict=True
                    )
                ],
                "id": [None if v < 3 else f"P{v}" for v in rng.integers(0, 40, n)],
                "n": rng.integers(0, 5, n),
            }
        ).with_columns(pl.col("x").fill_nan(None))

    # the holdout and synthetic sides hold values the training side lacks
    frames = [side(23), side(11).with_columns(pl.lit("new").alias("code")), side(7)]
    kinds = {
        "x": Kind.NUMERICAL,
        "when": Kind.DATETIME,
        "flag": Kind.CATEGORICAL,
        "code": Kind.CATEGORICAL,
        "id": Kind.CATEGORICAL,
        "n": Kind.CATEGORICAL,
    }
    monkeypatch.setattr(neighbors, "ENCODE_ROWS", 4)
    if colliding:  # every value hashed alike: values are then looked up by a join
        monkeypatch.setattr(
            pl.Series, "hash", lambda self, seed=0: pl.Series([7] * self.len(), dtype=pl.UInt64)
        )
    for got, want in zip(encode(frames, kinds), _encoded_whole(frames, kinds), strict=True):
        assert np.array_equal(got.numbers, want.numbers, equal_nan=True)
        assert np.array_equal(got.codes, want.codes)


def test_copies_looked_up_a_slice_at_a_time_are_counted_as_at_once(monkeypatch):
    from synthpriv.metrics import privacy

    rng = np.random.default_rng(2)
    train = pl.DataFrame({"a": rng.integers(0, 4, 300), "b": rng.choice(["x", "y", None], 300)})
    synthetic = pl.DataFrame({"a": rng.integers(0, 6, 101), "b": rng.choice(["x", "z"], 101)})
    whole = privacy.exact_copy_share(synthetic, train)
    unique = privacy.unique_record_copies(synthetic, train.head(40), train)
    monkeypatch.setattr(privacy, "HASHED_ROWS", 7)
    assert 0 < whole < 1 and privacy.exact_copy_share(synthetic, train) == whole
    assert privacy.unique_record_copies(synthetic, train.head(40), train) == unique
