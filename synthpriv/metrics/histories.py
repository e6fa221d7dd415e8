"""Near copies of whole histories: a synthetic person whose rows repeat a real person's rows.

A history flattened to one row (counts and means) hides what makes it someone's: a copied
history with every date moved a day, a stay lengthened and a code changed per admission still
flattens to a row that agrees with many real people's on all but a column or two, as natural
look-alikes do, so its excess drowns in the baseline. Here a history is judged by its rows:

- each row of a table under the root becomes matching keys: categories as they are, numbers
  and times binned by their tolerance (the larger of the column's rounding unit and 1% of its
  interquartile range in the real rows, as :mod:`synthpriv.metrics.linkage` does), times of a
  table below the root as days from the person's first time in any such table (a history moved
  in time is the same history), times of the root as their year; key and link columns are
  left out, and so are columns that only number each parent's rows (1..n: their order);
- a row matches a row of the same table that agrees on every compared column but at most
  :data:`ROW_MISMATCHES` (tables comparing :data:`MIN_COLUMNS_FOR_MISMATCH` or more columns;
  fewer: on every one);
- a person's history **near-copies** another's when at least :data:`HISTORY_SHARE` of each
  side's rows match a row of the other (matched both ways, so neither a short history inside a
  long one nor the reverse counts).

Two real people rarely share most of their rows; a synthesizer that replays people does. The
share of synthetic people whose history near-copies a training person's is compared with the
same share among real people (every holdout person, and every training person against the
*other* training people: a baseline of every real person, not only the holdout's few), and each
synthetic person is paired with the real history it near-copies most (training or holdout):
rows that copy nobody land on the training side as often as the two sets' sizes say.

Candidates: the real people sharing the most *rare* rows with a synthetic person (a row held by
at most :data:`COMMON` real people; :data:`CANDIDATES` of them) are verified row by row, so the
work grows with the rows, not with the product of the people. A history made only of rows
that many people hold proposes no candidate: such a history is not anyone's in particular.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import is_time, micros
from synthpriv.metrics.linkage import IQR_SHARE, rounding_unit
from synthpriv.metrics.privacy import paired_share, share_difference
from synthpriv.relations import Relations, first_times, key_columns, persons

HISTORY_SHARE = 0.6  # share of each side's rows matched for one history to near-copy another
ROW_MISMATCHES = 1  # compared columns a matched row may disagree on (tables comparing 3 or more)
MIN_COLUMNS_FOR_MISMATCH = 3
CANDIDATES = 5  # real people verified per synthetic person
COMMON = 50  # a row held by more real people than this proposes no candidate
CHUNK = 200_000  # keys of whole people searched for at once (each meets at most COMMON holders)
DAY = 86_400_000_000  # microseconds
_NULL = -(2**62)  # the bin of a missing number


@dataclass(frozen=True)
class Histories:
    """People's rows as matching keys (``person``, ``row``, ``key``) and each person's rows."""

    keys: pl.DataFrame
    sizes: pl.DataFrame  # person, rows
    people: int


@dataclass(frozen=True)
class _Table:
    """A table's compared columns and each number's tolerance (times are numbers by then)."""

    columns: tuple[str, ...]
    tolerance: dict[str, float]


def _days(series: pl.Series) -> pl.Series:
    return micros(series).cast(pl.Float64) / DAY


def _counters(frame: pl.DataFrame, link: str | None, columns: list[str]) -> list[str]:
    """Integer columns numbering each parent's rows (1..n or 0..n-1 within every parent).

    They hold the rows' order, not their content: a history with its rows reordered is the
    same history.
    """
    if link is None or frame.height == 0:
        return []
    out = []
    for c in columns:
        if not frame.schema[c].is_integer():
            continue
        rank = pl.col(c).rank("ordinal").over(link)
        low = pl.col(c).min().over(link)
        ok = frame.select(((pl.col(c) - low + 1 == rank) & low.is_in([0, 1])).mean()).item()
        if ok is not None and ok >= 0.95:
            out.append(c)
    return out


def _compared(
    frame: pl.DataFrame, table: str, relations: Relations, first: pl.DataFrame | None
) -> pl.DataFrame:
    """The compared columns of ``frame`` with its person (see the module's rules).

    ``first``: each person's first time in the tables under the root (``None`` for the root,
    whose times are compared as their year).
    """
    named = set(key_columns(relations, table, frame))
    columns = [c for c in frame.columns if c not in named and not c.startswith("__")]
    link = relations.parent_of(table)
    order = set(_counters(frame, link.column if link else None, columns))
    columns = [c for c in columns if c not in order]
    times = [c for c in columns if is_time(frame.schema[c])]
    root = first is None
    out = frame.select(
        "__person",
        *[
            pl.col(c).dt.year().cast(pl.Float64) if c in times and root else pl.col(c)
            for c in columns
        ],
    )
    if times and not root:
        days = pl.DataFrame([_days(frame.get_column(c)) for c in times]).with_columns(
            frame.get_column("__person")
        )
        days = days.join(first, on="__person", how="left", maintain_order="left")
        out = out.with_columns(
            [(days.get_column(c) - days.get_column("__first")).alias(c) for c in times]
        )
    return out


def _rules(real: dict[str, pl.DataFrame]) -> dict[str, _Table]:
    """Per table, the compared columns and each number's (and time's) tolerance."""
    rules = {}
    for table, frame in real.items():
        columns = tuple(c for c in frame.columns if c != "__person")
        tolerance = {}
        for c in columns:
            dtype = frame.schema[c]
            if not (dtype.is_numeric() or dtype == pl.Boolean):
                continue
            values = frame.get_column(c).cast(pl.Float64).drop_nulls().to_numpy()
            values = values[np.isfinite(values)]
            spread = float(np.subtract(*np.quantile(values, [0.75, 0.25]))) if values.size else 0.0
            tolerance[c] = max(rounding_unit(values), IQR_SHARE * spread, 1e-12)
        rules[table] = _Table(columns, tolerance)
    return rules


def _tokens(frame: pl.DataFrame, rule: _Table) -> list[pl.Expr]:
    out = []
    for c in rule.columns:
        if c in rule.tolerance:
            out.append(
                (pl.col(c).cast(pl.Float64) / rule.tolerance[c])
                .floor()
                .cast(pl.Int64, strict=False)
                .fill_null(_NULL)
                .alias(c)
            )
        else:
            out.append(
                pl.col(c)
                .cast(pl.String)
                .fill_null("\x00")
                .hash(7)
                .reinterpret(signed=True)
                .alias(c)
            )
    return out


def _encode(
    compared: dict[str, pl.DataFrame], rules: dict[str, _Table], people: pl.Series
) -> Histories:
    """Every row of every table as its matching keys, people numbered in ``people``'s order."""
    index = pl.DataFrame({"__person": people, "person": np.arange(people.len(), dtype=np.int64)})
    parts, start = [], 0
    for number, (table, frame) in enumerate(sorted(compared.items())):
        rule = rules[table]
        rows = (
            frame.join(index, on="__person", how="inner", maintain_order="left")
            .with_row_index("row", offset=start)
            .with_columns(pl.col("row").cast(pl.Int64))
        )
        start += rows.height
        if not rule.columns:
            continue
        tokens = rows.select("person", "row", *_tokens(rows, rule))
        names = list(rule.columns)
        loose = len(names) >= MIN_COLUMNS_FOR_MISMATCH and ROW_MISMATCHES > 0
        # a row's keys: with one column left out at a time (it may disagree there), or whole
        variants = [[n for n in names if n != left] for left in names] if loose else [names]
        for v, kept in enumerate(variants):
            parts.append(
                tokens.select(
                    "person",
                    "row",
                    pl.struct(
                        pl.lit(number, pl.Int64).alias("__t"),
                        pl.lit(v, pl.Int64).alias("__v"),
                        *[pl.col(n) for n in kept],
                    )
                    .hash(11)
                    .alias("key"),
                )
            )
    keys = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(schema={"person": pl.Int64, "row": pl.Int64, "key": pl.UInt64})
    )
    sizes = keys.group_by("person").agg(pl.col("row").n_unique().alias("rows"))
    return Histories(keys, sizes, int(people.len()))


def histories(
    frames: dict[str, pl.DataFrame], relations: Relations
) -> tuple[dict[str, pl.DataFrame], pl.Series]:
    """Each table under the root as its compared columns with ``__person``; the root's people."""
    owner = persons(frames, relations)
    with_person = {
        table: frames[table]
        .with_columns(person.alias("__person"))
        .filter(pl.col("__person").is_not_null())
        for table, person in owner.items()
    }
    root = relations.root
    first = (
        first_times(frames, relations, owner).select(
            "__person", (pl.col("__t0").cast(pl.Float64) / DAY).alias("__first")
        )
        if root
        else None
    )
    out = {
        table: _compared(frame, table, relations, None if table == root else first)
        for table, frame in with_person.items()
    }
    people = owner[root] if root in owner else pl.Series("__person", [], pl.String)
    return out, people.alias("__person")


def closest(query: Histories, reference: Histories, *, same: bool = False) -> pl.DataFrame:
    """Per query person, each verified reference person with their history similarity.

    ``same``: the two are one set (a person is never compared with themself). Returns
    ``person``, ``ref`` and ``similarity`` (the smaller of the two sides' matched shares).
    """
    holders = reference.keys.group_by("key").agg(pl.col("person").n_unique().alias("holders"))
    rare = (
        reference.keys.join(holders.filter(pl.col("holders") <= COMMON).select("key"), on="key")
        .select(pl.col("person").alias("ref"), "key")
        .unique()
    )
    ref_keys = reference.keys.select(
        pl.col("person").alias("ref"), pl.col("row").alias("ref_row"), "key"
    )
    ref_sizes = reference.sizes.rename({"person": "ref", "rows": "ref_rows"})
    found = []
    # whole people at a time, about CHUNK keys: a key meets at most COMMON holders, so each
    # chunk's joins are bounded by CHUNK x COMMON rows, not by the number of people or rows
    ordered = query.keys.sort("person")
    owner = ordered.get_column("person").to_numpy()
    start = 0
    while start < owner.size:
        end = min(start + CHUNK, owner.size)
        end = int(np.searchsorted(owner, owner[end - 1], side="right"))
        keys = ordered.slice(start, end - start)
        start = end
        shared = keys.join(rare, on="key")
        if same:
            shared = shared.filter(pl.col("person") != pl.col("ref"))
        # the most shared rare rows first; ties in a random order (by the index, the training
        # people, numbered first, would always be verified first)
        candidates = (
            shared.group_by("person", "ref")
            .agg(pl.col("row").n_unique().alias("shared"))
            .with_columns(pl.struct("person", "ref").hash(13).alias("__draw"))
            .sort(["person", "shared", "__draw"], descending=[False, True, False])
            .group_by("person", maintain_order=True)
            .head(CANDIDATES)
            .select("person", "ref")
        )
        matched = (
            keys.join(candidates, on="person")
            .join(ref_keys, on=["ref", "key"])
            .group_by("person", "ref")
            .agg(
                pl.col("row").n_unique().alias("matched"),
                pl.col("ref_row").n_unique().alias("ref_matched"),
            )
            .join(query.sizes, on="person")
            .join(ref_sizes, on="ref")
            .select(
                "person",
                "ref",
                pl.min_horizontal(
                    pl.col("matched") / pl.col("rows"), pl.col("ref_matched") / pl.col("ref_rows")
                ).alias("similarity"),
            )
        )
        found.append(matched)
    if not found:
        return pl.DataFrame(schema={"person": pl.Int64, "ref": pl.Int64, "similarity": pl.Float64})
    return pl.concat(found)


def _copied(pairs: pl.DataFrame) -> int:
    """People with at least one history they near-copy."""
    return pairs.filter(pl.col("similarity") >= HISTORY_SHARE).get_column("person").n_unique()


def history_copies(
    train: dict[str, pl.DataFrame],
    holdout: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    relations: Relations,
) -> dict[str, Any]:
    """Synthetic people whose whole history near-copies a training person's, with baselines.

    ``copies``: their share beside the share of real people whose history near-copies another
    training person's; ``paired``: of the synthetic people who near-copy someone's history, the
    share whose closest real history is a training person's (ties shared), as if the two sets
    were equally large (0.5 for people who copy nobody).
    """
    sides = {
        name: histories(f, relations)
        for name, f in (("train", train), ("holdout", holdout), ("synthetic", synthetic))
    }
    real = {
        t: pl.concat([sides["train"][0][t], sides["holdout"][0][t]], how="vertical_relaxed")
        for t in sides["train"][0]
    }
    rules = _rules(real)
    aligned = {
        name: {
            # a column one side drops as a numbering and another keeps is missing there
            t: f.select(
                "__person",
                *[pl.col(c) if c in f.columns else pl.lit(None).alias(c) for c in rules[t].columns],
            ).cast(real[t].schema, strict=False)
            for t, f in compared.items()
            if t in rules
        }
        for name, (compared, _) in sides.items()
    }
    encoded = {name: _encode(aligned[name], rules, sides[name][1]) for name in sides}
    n_train, n_holdout = encoded["train"].people, encoded["holdout"].people
    both = Histories(
        pl.concat(
            [
                encoded["train"].keys,
                encoded["holdout"].keys.with_columns(
                    pl.col("person") + n_train, pl.col("row") + (1 << 40)
                ),
            ]
        ),
        pl.concat(
            [
                encoded["train"].sizes,
                encoded["holdout"].sizes.with_columns(pl.col("person") + n_train),
            ]
        ),
        n_train + n_holdout,
    )
    of_synthetic = closest(encoded["synthetic"], both)
    to_train = of_synthetic.filter(pl.col("ref") < n_train)
    synthetic_people = encoded["synthetic"].people
    share = _copied(to_train) / synthetic_people if synthetic_people else 0.0
    train_to_holdout = closest(encoded["train"], encoded["holdout"])
    natural = _copied(closest(encoded["holdout"], encoded["train"])) + _copied(
        closest(encoded["train"], encoded["train"], same=True)
    )
    base = natural / (n_train + n_holdout) if n_train + n_holdout else 0.0
    copies = share_difference(share, synthetic_people, base, n_train + n_holdout)
    # each synthetic person who near-copies someone, paired with the history they copy most
    near = of_synthetic.filter(pl.col("similarity") >= HISTORY_SHARE)
    best = near.filter(pl.col("similarity") == pl.col("similarity").max().over("person"))
    landed = best.group_by("person").agg((pl.col("ref") < n_train).mean().alias("train"))
    on_train = float(landed.get_column("train").sum()) if landed.height else 0.0
    return {
        "rule": (
            f"a history near-copies another when at least {HISTORY_SHARE:.0%} of each side's "
            f"rows match a row of the same table (agreeing on every compared column but at most "
            f"{ROW_MISMATCHES} where the table compares {MIN_COLUMNS_FOR_MISMATCH} or more; "
            "numbers and times within their tolerance; times of a person's rows counted from "
            "their first time below the root, the root's as years)"
        ),
        "copies": copies
        | {"people": {"synthetic": synthetic_people, "train": n_train, "holdout": n_holdout}},
        "paired": paired_share(on_train, landed.height, n_train, n_holdout),
        # a table made from unseen real people: synthetic people who near-copy a holdout
        # person, beside training people who do (real people outside the holdout)
        "holdout": share_difference(
            _copied(of_synthetic.filter(pl.col("ref") >= n_train)) / synthetic_people
            if synthetic_people
            else 0.0,
            synthetic_people,
            _copied(train_to_holdout) / n_train if n_train else 0.0,
            n_train,
        ),
    }
