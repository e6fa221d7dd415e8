"""Synthetic tables made to leak, in the shapes an auditor tries against the privacy gates.

Each function takes real rows (the training rows the report is given, the holdout it is given,
and ``unseen`` real rows it is not given: what a perfect generator would draw) and returns a
table offered as synthetic. The tests in ``tests/unit/test_leak_shapes.py`` and
``tests/integration/test_leak_shapes_adult.py`` require the report to fail each of these (exit
6) and to pass unseen real rows; ``bench/leak_shapes.py`` prints every gate's figures for each.

Only the mechanisms are written here, never a table tuned to the gates' margins.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def numeric_columns(frame: pl.DataFrame) -> list[str]:
    """Columns an auditor would nudge by one: numbers."""
    return [c for c, t in frame.schema.items() if t.is_numeric()]


def categorical_columns(frame: pl.DataFrame) -> list[str]:
    """Every other column."""
    numbers = set(numeric_columns(frame))
    return [c for c in frame.columns if c not in numbers]


def _rows(frame: pl.DataFrame, n: int, rng: np.random.Generator, replace=False) -> pl.DataFrame:
    return frame[np.sort(rng.choice(frame.height, n, replace=replace or n > frame.height))]


def nudge_numbers(rows: pl.DataFrame, rng: np.random.Generator, columns=None) -> pl.DataFrame:
    """Each number moved by +1 or -1 (a random sign per cell)."""
    columns = numeric_columns(rows) if columns is None else columns
    return rows.with_columns(
        (pl.col(c) + pl.Series(rng.choice([-1, 1], rows.height))).cast(rows.schema[c])
        for c in columns
    )


def change_cells(
    rows: pl.DataFrame, pool: pl.DataFrame, columns: list[str], per_row: int, rng
) -> pl.DataFrame:
    """``per_row`` of ``columns`` per row redrawn from ``pool``'s values, forced to differ."""
    out = {c: rows.get_column(c).to_list() for c in rows.columns}
    values = {
        c: pool.get_column(c).drop_nulls().unique(maintain_order=True).to_list() for c in columns
    }
    for i in range(rows.height):
        for c in rng.choice(columns, per_row, replace=False):
            choices = [v for v in values[c] if v != out[c][i]]
            if choices:
                out[c][i] = choices[rng.integers(len(choices))]
    return pl.DataFrame(out, schema=rows.schema)


# -- the four cases of the first audit ------------------------------------------------------------


def every_row_nudged(train: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """Every training row, each number moved by ±1 and one category changed."""
    rng = np.random.default_rng(seed)
    rows = nudge_numbers(train, rng)
    return change_cells(rows, train, categorical_columns(train), 1, rng)


def two_columns_redrawn(train: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """A training row per synthetic row with 2 of its columns redrawn and forced to change."""
    rng = np.random.default_rng(seed)
    return change_cells(train, train, train.columns, 2, rng)


def copies_mixed_in(
    unseen: pl.DataFrame, train: pl.DataFrame, share: float, seed: int = 0, rows=None
) -> pl.DataFrame:
    """Unseen real rows with ``share`` of them replaced by training rows, one number each +1."""
    rng = np.random.default_rng(seed)
    n = min(unseen.height, train.height)
    copied = int(round(share * n)) if rows is None else rows.height
    picked = _rows(train, copied, rng) if rows is None else rows
    numbers = numeric_columns(train)
    column = rng.choice(numbers, copied)
    nudged = picked.with_columns(
        pl.when(pl.Series(column == c)).then(pl.col(c) + 1).otherwise(pl.col(c)).alias(c)
        for c in numbers
    )
    return pl.concat([_rows(unseen, n - copied, rng), nudged]).sample(
        fraction=1.0, shuffle=True, seed=seed
    )


def memorizing_engine_params() -> dict:
    """The ``cart`` engine told to memorize: leaves of 2 rows, no tuning, no depth limit."""
    return {"min_samples_leaf": 2, "tune": False, "max_depth": None}


def as_cli_params(params: dict) -> list[str]:
    """``--param KEY=VALUE`` arguments, values in JSON (``None`` is ``null``)."""
    import json

    return [arg for k, v in params.items() for arg in ("--param", f"{k}={json.dumps(v)}")]


# -- the mechanisms of the second audit -----------------------------------------------------------


def copies_outside_a_seeded_sample(
    unseen: pl.DataFrame, train: pl.DataFrame, holdout_rows: int, share: float, seed: int = 0
) -> pl.DataFrame:
    """Copies of training rows a seeded sample of ``holdout_rows`` training rows never holds.

    The old report compared with ``default_rng(seed).choice(train.height, holdout_rows)``: an
    auditor who knows the seed copies only rows outside it.
    """
    rng = np.random.default_rng(seed)
    inside = set(rng.choice(train.height, holdout_rows, replace=False).tolist())
    outside = np.array([i for i in range(train.height) if i not in inside])
    n = min(unseen.height, train.height)
    copied = int(round(share * n))
    pick = np.random.default_rng(seed + 1).choice(outside, copied, replace=False)
    return copies_mixed_in(unseen, train, share, seed, rows=train[np.sort(pick)])


def labels_flipped(
    train: pl.DataFrame,
    unseen: pl.DataFrame,
    keep: list[str],
    secret: str,
    seed: int = 0,
    flip: bool = True,
) -> pl.DataFrame:
    """Training people's ``keep`` columns with their ``secret`` flipped; the rest unseen rows.

    A table that carries training people's labels inverted tells an attacker as much as one that
    carries them true (``flip=False``). Each person is carried twice, so no combination of
    ``keep`` values is unique in the table, and the other columns are redrawn, so no row is a
    near copy.
    """
    rng = np.random.default_rng(seed)
    rows = _rows(train, min(train.height, unseen.height) // 2, rng)
    values = train.get_column(secret).drop_nulls().unique().sort().to_list()
    told = rows.get_column(secret)
    if flip:
        told = told.replace_strict(values, values[1:] + values[:1], default=None)
    others = [c for c in train.columns if c not in keep and c != secret]
    carried = rows.select(keep).with_columns(told.alias(secret))
    carried = pl.concat([carried, carried])
    filler = _rows(unseen, carried.height, rng, replace=True)
    return carried.hstack(filler.select(others)).select(train.columns)


def rare_value_holders_copied(
    unseen: pl.DataFrame, train: pl.DataFrame, share: float, seed: int = 0, below: int = 5
) -> pl.DataFrame:
    """Unseen real rows with ``share`` of rows verbatim copies of holders of rare values.

    A rare value is one fewer than ``below`` training rows share in some non-numeric column, or
    in a number's exact value.
    """
    rng = np.random.default_rng(seed)
    rare = pl.lit(False)
    for c in train.columns:
        rare = rare | (pl.len().over(c) < below)
    holders = train.filter(rare)
    n = min(unseen.height, train.height)
    copied = min(int(round(share * n)), holders.height)
    return pl.concat([_rows(unseen, n - copied, rng), _rows(holders, copied, rng)])


def uniques_with_their_secret(
    unseen: pl.DataFrame,
    train: pl.DataFrame,
    quasi: list[str],
    secret: str,
    share: float,
    seed: int = 0,
) -> pl.DataFrame:
    """Unseen rows, ``share`` of them replaced by training uniques' quasi-identifiers and secret.

    The other columns of those rows come from unseen rows, so no row is a near copy; each
    person is planted twice, so no planted combination is unique in the synthetic table.
    """
    rng = np.random.default_rng(seed)
    uniques = train.filter(pl.len().over(quasi) == 1)
    n = min(unseen.height, train.height)
    count = 2 * min(int(round(share * n / 2)), uniques.height)
    people = pl.concat([_rows(uniques, count // 2, rng)] * 2)
    others = [c for c in train.columns if c not in quasi and c != secret]
    planted = (
        people.select([*quasi, secret])
        .hstack(_rows(unseen, count, rng, replace=True).select(others))
        .select(train.columns)
    )
    return pl.concat([_rows(unseen, n - count, rng), planted])


def holdout_offered(holdout: pl.DataFrame) -> pl.DataFrame:
    """The report's own holdout offered as synthetic: every row is a real person it holds."""
    return holdout


def holdout_nudged(holdout: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """Holdout rows with each number moved by ±1: near copies of people the report holds."""
    return nudge_numbers(holdout, np.random.default_rng(seed))


# -- shapes of the independent audit (tables the report compared column by column, row by row) --


def records_in_an_extra_column(unseen: pl.DataFrame, train: pl.DataFrame, seed: int = 0):
    """Unseen rows, plus a column the real table does not have holding whole training records."""
    picked = _rows(train, unseen.height, np.random.default_rng(seed), replace=True)
    record = picked.select(pl.concat_str(pl.all().cast(pl.String), separator="|").alias("ref"))
    return unseen.hstack(record)


def copies_recased(unseen: pl.DataFrame, train: pl.DataFrame, share: float, seed: int = 0):
    """Unseen rows with ``share`` of them verbatim training rows whose labels are lower-cased
    and end in a space: the same people to anyone reading them."""
    rng = np.random.default_rng(seed)
    n = min(unseen.height, train.height)
    copied = _rows(train, int(round(share * n)), rng)
    text = categorical_columns(train)
    copied = copied.with_columns(
        (pl.col(c).cast(pl.String).str.to_lowercase() + " ").alias(c) for c in text
    )
    rest = _rows(unseen, n - copied.height, rng).with_columns(pl.col(text).cast(pl.String))
    return pl.concat([rest, copied.select(rest.columns)])


def secrets_by_offset(
    unseen: pl.DataFrame, train: pl.DataFrame, secrets: list[str], shift: int, reverse: bool
):
    """Unseen rows whose ``secrets`` are those of training row i + ``shift`` (of the training
    rows reversed): an outside audit's shapes, past a comparison of rows a few apart."""
    n = min(unseen.height, train.height)
    source = train.head(n).reverse() if reverse else train.head(n)
    moved = source.select(secrets).gather((np.arange(n) + shift) % n)
    return unseen.head(n).with_columns(moved)


def secrets_by_position(unseen: pl.DataFrame, train: pl.DataFrame, secrets: list[str]):
    """Unseen rows whose ``secrets`` are those of the training row at the same position."""
    n = min(unseen.height, train.height)
    return unseen.head(n).with_columns(train.head(n).select(secrets))
