"""The row hash that splits and samples, the same on one machine and on Spark."""

from __future__ import annotations

import numpy as np
import polars as pl

from synthpriv.executors.rows import HOLDOUT, row_hashes, with_hashes


def _table(n: int = 2000) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "amount": rng.normal(100, 20, n).round(2),
            "city": rng.choice(["Lyon", "Porto", "Graz", None], n),
        }
    )


def test_the_training_part_split_again_with_the_same_seed_is_split_afresh():
    table = _table()
    first = with_hashes(table, 7, 0.2)
    train = first.filter(~pl.col(HOLDOUT)).select(table.columns)
    again = with_hashes(train, 7, 0.2).get_column(HOLDOUT)
    assert 0.15 < again.mean() < 0.25  # not empty: a subset is another table
    assert 0.15 < first.get_column(HOLDOUT).mean() < 0.25


def test_identical_rows_share_a_side_and_the_split_follows_the_content():
    table = _table()
    doubled = pl.concat([table, table.head(300)])
    flags = with_hashes(doubled, 1, 0.3).get_column(HOLDOUT)
    assert (flags.head(300) == flags.tail(300)).all()
    # the same rows in another order: the same rows held out
    shuffled = doubled.sample(fraction=1.0, shuffle=True, seed=3)
    held = set(map(tuple, with_hashes(shuffled, 1, 0.3).filter(pl.col(HOLDOUT)).rows()))
    assert held == set(map(tuple, with_hashes(doubled, 1, 0.3).filter(pl.col(HOLDOUT)).rows()))


def test_a_missing_value_is_not_a_value_and_types_of_one_kind_hash_alike():
    a = pl.DataFrame({"x": [1, None], "y": [None, 1]})
    assert row_hashes(a, 0)[0] != row_hashes(a, 0)[1]
    narrow = a.with_columns(pl.col("x").cast(pl.Int32), pl.col("y").cast(pl.Int16))
    assert (row_hashes(narrow, 0) == row_hashes(a, 0)).all()
    assert (row_hashes(a, 0) != row_hashes(a, 1)).all()
