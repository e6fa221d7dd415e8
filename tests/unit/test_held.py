"""Tables held on disk between stages: the same rows back, from a file, and nothing left."""

from __future__ import annotations

import datetime as dt
import gc
import stat

import numpy as np
import polars as pl
import pytest

from synthpriv.io import held
from synthpriv.io.held import Shelf


def _every_type() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "int": [1, None, 3],
            "small": pl.Series([1, 2, 3], dtype=pl.UInt8),
            "text": ["a", None, "ccc"],
            "category": pl.Series(["x", "y", None], dtype=pl.Categorical),
            "enum": pl.Series(["x", "y", "x"], dtype=pl.Enum(["x", "y"])),
            "zoned": [dt.datetime(2020, 1, 1, tzinfo=dt.UTC)] * 3,
            "day": [dt.date(2020, 1, 1)] * 3,
            "flag": [True, False, None],
            "nothing": pl.Series([None, None, None]),
            "number": [0.5, float("nan"), None],
            "gap": [dt.timedelta(days=1)] * 3,
            "clock": [dt.time(1, 2)] * 3,
            "money": pl.Series(["1.5", "2.25", None]).cast(pl.Decimal(10, 2)),
        }
    )


def test_a_held_table_has_the_same_rows_and_types(tmp_path):
    frame = _every_type()
    held = Shelf(tmp_path / "shelf").hold(frame, "t")
    assert held.schema == frame.schema
    assert held.equals(frame)


def test_a_held_table_is_read_from_its_file_not_copied_to_the_heap(tmp_path):
    def anonymous_mb() -> int:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("RssAnon"):
                    return int(line.split()[1]) // 1024
        pytest.skip("no RssAnon in /proc/self/status (not Linux)")
        return 0

    n = 2_000_000
    frame = pl.DataFrame({"n": np.arange(n), "s": [f"row-{i:09d}" for i in range(n)]})
    shelf = Shelf(tmp_path / "shelf")
    before = anonymous_mb()
    held = shelf.hold(frame, "big")
    del frame
    gc.collect()
    # about 70 MB of rows went to the file; a copy in the heap would stay
    assert anonymous_mb() - before < 20
    assert held.get_column("n").sum() == n * (n - 1) // 2
    assert held.get_column("s")[n - 1] == f"row-{n - 1:09d}"


def test_held_files_are_the_users_own_and_gone_once_mapped(tmp_path, monkeypatch):
    seen = []
    unlink = held._unlink

    def spy(path):
        seen.append((path.name, stat.S_IMODE(path.stat().st_mode)))
        unlink(path)

    monkeypatch.setattr(held, "_unlink", spy)
    shelf = Shelf(tmp_path / "shelf")
    first = shelf.hold(pl.DataFrame({"a": [1, 2]}), "side/table")
    again = shelf.hold(pl.DataFrame({"a": [3]}), "side/table")  # same name: a file of its own
    numbers = shelf.array((4,), np.int64)
    numbers[:] = 7
    assert seen == [
        ("side_table.arrow", 0o600),
        ("side_table_.arrow", 0o600),
        ("array-1.bin", 0o600),
    ]
    # nothing a killed process would leave: no name leads to the rows
    assert not list(shelf.folder.iterdir())
    assert stat.S_IMODE(shelf.folder.stat().st_mode) == 0o700
    shelf.remove()
    assert not shelf.folder.exists()
    # what is mapped keeps its rows
    assert first.get_column("a").to_list() == [1, 2]
    assert again.get_column("a").to_list() == [3]
    assert numbers.tolist() == [7, 7, 7, 7]


def test_hold_tables_keeps_each_table_by_name(tmp_path):
    shelf = Shelf(tmp_path / "shelf")
    frames = {"patients": pl.DataFrame({"a": [1]}), "admissions": pl.DataFrame({"b": ["x"]})}
    held = shelf.hold_tables(frames, "train")
    assert list(held) == ["patients", "admissions"]
    assert all(held[t].equals(frames[t]) for t in frames)


def test_large_arrays_go_on_the_active_shelf_small_ones_and_others_stay_in_the_heap(tmp_path):
    shelf = Shelf(tmp_path / "shelf")
    rows = held.HELD_BYTES // 8
    assert not isinstance(held.empty((rows, 1), np.float64), np.memmap)  # no shelf active
    with held.shelved(shelf):
        big = held.empty((rows, 1), np.float64)
        small = held.empty((10, 2), np.int32)
        assert isinstance(big, np.memmap) and big.shape == (rows, 1)
        assert not isinstance(small, np.memmap) and small.dtype == np.int32
        big[:] = 2.0
        # the file is removed once mapped: its space goes with the array
        assert not list(shelf.folder.iterdir())
        source = np.arange(rows * 2, dtype=np.int64).reshape(rows, 2)
        picked = held.taken(source, np.array([3, 0, rows - 1]))
        assert picked.tolist() == [[6, 7], [0, 1], [2 * rows - 2, 2 * rows - 1]]
        both = held.stacked([source, source[:5]])
        assert isinstance(both, np.memmap)
        assert np.array_equal(both, np.vstack([source, source[:5]]))
    assert float(big.sum()) == 2.0 * rows
    assert not isinstance(held.empty((rows, 1), np.float64), np.memmap)


def test_encoded_rows_are_the_same_on_a_shelf(tmp_path):
    from synthpriv.metrics.neighbors import encode
    from synthpriv.schema import Kind

    n = held.HELD_BYTES // 8 + 5
    rng = np.random.default_rng(0)
    frame = pl.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.choice(["a", "b", None], n),
        }
    )
    kinds = {"x": Kind.NUMERICAL, "y": Kind.CATEGORICAL}
    plain = encode([frame, frame.head(7)], kinds)
    with held.shelved(Shelf(tmp_path / "shelf")):
        on_disk = encode([frame, frame.head(7)], kinds)
        mask = np.zeros(n, bool)
        mask[[1, 4]] = True
        rows = on_disk[0].take(mask)
    assert isinstance(on_disk[0].numbers, np.memmap)
    for a, b in zip(plain, on_disk, strict=True):
        assert np.array_equal(a.numbers, b.numbers, equal_nan=True)
        assert np.array_equal(a.codes, b.codes)
    assert np.array_equal(rows.numbers, plain[0].numbers[[1, 4]])


def test_a_table_read_in_batches_onto_a_shelf_is_the_table_read_whole(tmp_path, monkeypatch):
    from synthpriv.io import read

    path = tmp_path / "admissions.csv"
    path.write_text(
        "id,admitted,note,amount\n"
        '1,2020-01-02T10:00:00+01:00,"two\nlines",1.5\n'
        "2,2020-01-03T11:30:00+01:00,plain,NA\n"
        '3,2020-01-04T09:15:00+01:00,"a ""quoted"" word",7\n'
        "4,2020-01-05T23:59:00+01:00,,8.25\n"
        "5,2020-01-06T00:00:00+01:00,last,9\n"
    )
    whole = read.load_table(path)
    monkeypatch.setattr(held, "HELD_BYTES", 1)  # every file and column is large
    monkeypatch.setattr(read, "READ_BATCH_ROWS", 2)  # three batches
    written = []
    unlink = held._unlink
    monkeypatch.setattr(held, "_unlink", lambda p: written.append(p.name) or unlink(p))
    shelf = Shelf(tmp_path / "shelf")
    with held.shelved(shelf):
        batched = read.load_table(path)
    assert batched.frame.schema == whole.frame.schema
    assert batched.frame.equals(whole.frame)
    assert batched.facts == whole.facts and batched.warnings == whole.warnings
    assert "read-admissions.arrow" in written and "column-admitted.arrow" in written
    assert whole.frame.get_column("note")[0] == "two\nlines"


@pytest.mark.parametrize("rows", [1, 7, 20])
def test_rows_filtered_onto_a_shelf_in_parts_are_the_rows_filtered_whole(
    tmp_path, monkeypatch, rows
):
    monkeypatch.setattr(held, "FILTER_ROWS", rows)
    frame = pl.concat([_every_type().drop("category", "enum")] * 7)  # 21 rows
    keep = pl.Series([i % 3 != 1 for i in range(frame.height)])
    with held.shelved(Shelf(tmp_path / "shelf")):
        kept = held.filtered(frame, keep, "side")
        none = held.filtered(frame, keep & False, "empty")
    assert kept.schema == frame.schema and kept.equals(frame.filter(keep))
    assert none.schema == frame.schema and none.height == 0


def test_a_filtered_table_with_categories_is_filtered_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(held, "FILTER_ROWS", 2)
    frame = pl.concat([_every_type()] * 3)
    keep = pl.Series([True, False, True] * 3)
    with held.shelved(Shelf(tmp_path / "shelf")):
        kept = held.filtered(frame, keep, "side")
    assert kept.schema == frame.schema and kept.equals(frame.filter(keep))


@pytest.mark.parametrize("rows", [1, 7, 20])
def test_rows_gathered_onto_a_shelf_in_parts_are_the_rows_gathered_whole(
    tmp_path, monkeypatch, rows
):
    monkeypatch.setattr(held, "FILTER_ROWS", rows)
    frame = pl.concat([_every_type().drop("category", "enum")] * 7)  # 21 rows
    order = np.random.default_rng(3).permutation(frame.height)
    with held.shelved(Shelf(tmp_path / "shelf")):
        moved = held.gathered(frame, order, "canonical")
    assert moved.schema == frame.schema and moved.equals(frame[order])
