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
  two: on a column of at least :data:`MIN_DISTINCT_ALONE` distinct values, such as a code;
  else on every one);
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

Memory: every row's keys are written, :data:`SLICE` rows at a time, to Arrow files partitioned
by the key's hash (about :data:`PART_KEYS` keys each) in a temporary folder (the output being
written, in a run). The search reads a partition of keys at a time and spills the pairs it
finds by person; each partition of people's pairs (about :data:`PART_ROWS`) is then
aggregated on its own. What is held is a partition, not every row's keys; the figures do not
depend on the partitions.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import is_time, micros
from synthpriv.io import held
from synthpriv.metrics.linkage import IQR_SHARE, rounding_unit
from synthpriv.metrics.privacy import comparable_text, paired_share, share_difference
from synthpriv.relations import Relations, first_times, key_columns, parent_positions, persons

HISTORY_SHARE = 0.6  # share of each side's rows matched for one history to near-copy another
CLOSE_SHARE = 0.8  # ... for one to repeat most of another (judged apart: see _paired)
CLOSE_ROWS = 4  # rows of a synthetic history judged at CLOSE_SHARE (the root's and 3 below)
ROW_MISMATCHES = 1  # compared columns a matched row may disagree on (tables comparing 3 or more)
MIN_COLUMNS_FOR_MISMATCH = 3
# In a table comparing two columns, a row may disagree on one if the other, alone, tells rows
# apart: it holds at least this many distinct values in the real rows (a diagnosis's code, not
# its yes/no flag). Else flipping the flag on every row unmatched every copied diagnosis.
MIN_DISTINCT_ALONE = 20
CANDIDATES = 5  # real people verified per synthetic person
COMMON = 50  # a row held by more real people than this proposes no candidate
PART_KEYS = 100_000  # keys per partition on disk (each meets at most COMMON holders)
PART_ROWS = 500_000  # rows of pairs found aggregated at once (one partition of people)
SLICE = 500_000  # rows of a table turned into keys at once
DAY = 86_400_000_000  # microseconds
_NULL = -(2**62)  # the bin of a missing number
_ROW_SHIFT = 1 << 40  # rows of a second set of people, kept apart from the first's
_KEYS = {"person": pl.Int64, "row": pl.Int64, "key": pl.UInt64}
_PAIRS = {"person": pl.Int64, "ref": pl.Int64, "similarity": pl.Float64}


@dataclass(frozen=True)
class Histories:
    """People's rows as matching keys, spilled to disk in partitions by key.

    ``sources``: folders of Arrow files, ``folder/P/*.arrow`` holding the keys (``person``,
    ``row``, ``key``) whose ``key`` falls in partition ``P``, and the number each source's
    people and rows are shifted by (several sources are one set of people); ``sizes``: each
    person's rows.
    """

    sources: tuple[tuple[Path, int, int], ...]
    parts: int
    sizes: pl.DataFrame  # person, rows
    people: int

    def part(self, number: int) -> pl.DataFrame:
        """The keys of partition ``number`` (every key ``k`` with ``k % parts == number``)."""
        frames = [
            pl.read_ipc(path).with_columns(
                pl.col("person") + person_shift, pl.col("row") + row_shift
            )
            for folder, person_shift, row_shift in self.sources
            for path in sorted((folder / str(number)).glob("*.arrow"))
        ]
        return pl.concat(frames) if frames else pl.DataFrame(schema=_KEYS)

    def joined(self, other: Histories) -> Histories:
        """These people followed by ``other``'s (numbered after them; rows kept apart)."""
        return Histories(
            self.sources
            + tuple(
                (folder, shift + self.people, row + _ROW_SHIFT)
                for folder, shift, row in other.sources
            ),
            self.parts,
            pl.concat([self.sizes, other.sizes.with_columns(pl.col("person") + self.people)]),
            self.people + other.people,
        )


@dataclass(frozen=True)
class _Table:
    """A table's compared columns and each number's tolerance (times are numbers by then)."""

    columns: tuple[str, ...]
    tolerance: dict[str, float]
    alone: tuple[str, ...] = ()  # of two compared columns, one a row may agree on alone


def _days(series: pl.Series) -> pl.Series:
    return micros(series).cast(pl.Float64) / DAY


def _compared_columns(
    frame: pl.DataFrame, table: str, relations: Relations
) -> tuple[list[str], list[str]]:
    """``table``'s compared columns, and those of them that are times (the module's rules).

    Of the whole table: whether a column numbers each parent's rows is seen on all of them.
    """
    named = set(key_columns(relations, table, frame))
    columns = [c for c in frame.columns if c not in named and not c.startswith("__")]
    link = relations.parent_of(table)
    order = set(parent_positions(frame, link.column if link else None, columns))
    columns = [c for c in columns if c not in order]
    return columns, [c for c in columns if is_time(frame.schema[c])]


def _compared(
    frame: pl.DataFrame, columns: list[str], times: list[str], first: pl.DataFrame | None
) -> pl.DataFrame:
    """The ``columns`` of ``frame`` (rows with ``__person``) as compared, with the person.

    ``first``: each person's first time in the tables under the root (``None`` for the root,
    whose ``times`` are compared as their year). Row by row: the same rows made in parts.
    """
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


def _rules(
    real: dict[str, pl.DataFrame | list[pl.DataFrame]], root: str | None = None
) -> dict[str, _Table]:
    """Per table, the compared columns and each number's (and time's) tolerance.

    A table may come in parts (training and holdout rows, with the same columns): each column
    is then read from all of them, one column at a time. The ``root``'s one row per person is
    matched on every column: its year of birth alone is shared by hundreds (a table below the
    root may match on its code alone).
    """
    rules = {}
    for table, given in real.items():
        parts = given if isinstance(given, list) else [given]
        schema = pl.concat([p.head(0) for p in parts], how="vertical_relaxed").schema

        def column(c: str, parts: list[pl.DataFrame] = parts, schema=schema) -> pl.Series:
            return pl.concat([p.get_column(c).cast(schema[c]) for p in parts])

        columns = tuple(c for c in schema if c != "__person")
        tolerance = {}
        for c in columns:
            dtype = schema[c]
            if not (dtype.is_numeric() or dtype == pl.Boolean):
                continue
            values = column(c).cast(pl.Float64).drop_nulls().to_numpy()
            values = values[np.isfinite(values)]
            spread = float(np.subtract(*np.quantile(values, [0.75, 0.25]))) if values.size else 0.0
            tolerance[c] = max(rounding_unit(values), IQR_SHARE * spread, 1e-12)
        alone = ()
        if len(columns) == 2 and table != root:
            alone = tuple(c for c in columns if column(c).n_unique() >= MIN_DISTINCT_ALONE)
        rules[table] = _Table(columns, tolerance, alone)
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
                comparable_text(pl.col(c))
                .fill_null("\x00")
                .hash(7)
                .reinterpret(signed=True)
                .alias(c)
            )
    return out


def _variants(rule: _Table) -> list[list[str]]:
    """A row's keys: with one column left out at a time (it may disagree there), or whole.

    Of two columns, each that may stand alone (:data:`MIN_DISTINCT_ALONE`) is a key too.
    """
    names = list(rule.columns)
    if len(names) >= MIN_COLUMNS_FOR_MISMATCH and ROW_MISMATCHES > 0:
        return [[n for n in names if n != left] for left in names]
    if not names:
        return []
    return [names] + ([[c] for c in rule.alone] if ROW_MISMATCHES > 0 else [])


def _most_keys(frames: dict[str, pl.DataFrame], rules: dict[str, _Table]) -> int:
    """At most how many keys a set of people's rows make."""
    return sum(f.height * len(_variants(rules[t])) for t, f in frames.items() if t in rules)


def _spill(
    compared: dict[str, pl.DataFrame],
    rules: dict[str, _Table],
    people: pl.Series,
    folder: Path,
    parts: int,
    align: Callable[[str, pl.DataFrame], pl.DataFrame] | None = None,
) -> Histories:
    """Every row of every table as its matching keys, written to ``folder`` by partition.

    People are numbered in ``people``'s order, rows in the tables' order. Tables are read
    :data:`SLICE` rows at a time, each slice put in the rules' columns and types by ``align``
    (table, slice): what is held is a slice's keys, not every row's.
    """
    index = pl.DataFrame({"__person": people, "person": np.arange(people.len(), dtype=np.int64)})
    for p in range(parts):
        (folder / str(p)).mkdir(parents=True)
    counts, start = [], 0
    for number, (table, frame) in enumerate(sorted(compared.items())):
        rule = rules[table]
        for at in range(0, frame.height, SLICE):
            part = frame.slice(at, SLICE)
            rows = (
                (align(table, part) if align else part)
                .join(index, on="__person", how="inner", maintain_order="left")
                .with_row_index("row", offset=start)
                .with_columns(pl.col("row").cast(pl.Int64))
            )
            start += rows.height
            variants = _variants(rule)
            if not variants:
                continue
            counts.append(rows.group_by("person").len("rows"))
            tokens = rows.select("person", "row", *_tokens(rows, rule))
            keys = pl.concat(
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
                for v, kept in enumerate(variants)
            ).with_columns((pl.col("key") % parts).cast(pl.Int64).alias("__part"))
            for (p,), group in keys.partition_by("__part", as_dict=True).items():
                group.drop("__part").write_ipc(folder / str(p) / f"{number}-{at}.arrow")
    sizes = (
        pl.concat(counts).group_by("person").agg(pl.col("rows").sum().cast(pl.Int64))
        if counts
        else pl.DataFrame(schema={"person": pl.Int64, "rows": pl.Int64})
    )
    return Histories(((folder, 0, 0),), parts, sizes, int(people.len()))


def histories(
    frames: dict[str, pl.DataFrame], relations: Relations
) -> tuple[dict[str, pl.DataFrame], pl.Series]:
    """Each table under the root as its compared columns with ``__person``; the root's people."""
    owner = persons(frames, relations)
    root = relations.root
    first = (
        first_times(frames, relations, owner).select(
            "__person", (pl.col("__t0").cast(pl.Float64) / DAY).alias("__first")
        )
        if root
        else None
    )
    # each table's compared rows made HISTORY_ROWS rows at a time, each part on a run's
    # shelf as soon as made (kept in the heap outside a run): a table's rows with their
    # person and days were not all in the heap at once (some 770 MB for 8M rows)
    out = {}
    for table, person in owner.items():
        frame = frames[table]
        columns, times = _compared_columns(frame, table, relations)
        since = None if table == root else first
        parts = (
            _compared(
                _with_person(frame.slice(start, HISTORY_ROWS), person.slice(start, HISTORY_ROWS)),
                columns,
                times,
                since,
            )
            for start in range(0, max(frame.height, 1), HISTORY_ROWS)
        )
        out[table] = held.streamed(parts, f"history-{table}")
    people = owner[root] if root in owner else pl.Series("__person", [], pl.String)
    return out, people.alias("__person")


HISTORY_ROWS = 1_000_000  # rows of a table whose compared columns are made at a time


def _with_person(frame: pl.DataFrame, person: pl.Series) -> pl.DataFrame:
    """``frame`` with its rows' person, the rows of nobody left out (a filter copies)."""
    frame = frame.with_columns(person.alias("__person"))
    if person.null_count():
        frame = frame.filter(pl.col("__person").is_not_null())
    return frame


def _by_person(frame: pl.DataFrame, parts: int, folder: Path, name: str) -> None:
    """Write ``frame``'s rows to ``folder/<person % parts>/name.arrow``."""
    marked = frame.with_columns((pl.col("person") % parts).alias("__part"))
    for (p,), group in marked.partition_by("__part", as_dict=True).items():
        (folder / str(p)).mkdir(parents=True, exist_ok=True)
        group.drop("__part").write_ipc(folder / str(p) / f"{name}.arrow")


def _spread(found: Callable[[int], pl.DataFrame], parts: int, folder: Path) -> int:
    """Each key partition's findings, ``found(p)``, written under ``folder`` by person.

    Returns the partitions of people: enough for each to hold about :data:`PART_ROWS` rows,
    estimated from the first key partition's (keys are spread evenly by their hash).
    """
    first = found(0)
    people = max(1, math.ceil(first.height * parts / PART_ROWS))
    _by_person(first, people, folder, "0")
    del first
    for p in range(1, parts):
        _by_person(found(p), people, folder, str(p))
    return people


def _gathered(
    folder: Path, parts: int, step: Callable[[pl.DataFrame], pl.DataFrame]
) -> list[pl.DataFrame]:
    """``step`` on each person partition's findings spilled under ``folder``."""
    out = []
    for p in range(parts):
        paths = sorted((folder / str(p)).glob("*.arrow"))
        if paths:
            out.append(step(pl.concat(pl.read_ipc(path) for path in paths)))
    return out


def _candidates(shared: pl.DataFrame) -> pl.DataFrame:
    """Each person's :data:`CANDIDATES`: the most shared rare rows first, ties at random.

    At random: by the index, the training people, numbered first, would always be verified
    first.

    The first of each person's sorted pairs are kept by their rank within the person, not by
    ``group_by(...).head``: polars 2.1's head keeps the sorted frame's buffers alive in what it
    returns (about 8 bytes for every pair it sorted), and :func:`closest` holds every
    partition's candidates at once: on 4M rows that held 436 MB more heap (bench/README.md).
    """
    return (
        shared.group_by("person", "ref")
        .agg(pl.col("row").n_unique().alias("shared"))
        .with_columns(pl.struct("person", "ref").hash(13).alias("__draw"))
        .sort(["person", "shared", "__draw"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("person") < CANDIDATES)
        .select("person", "ref")
    )


def _similarity(
    matched: pl.DataFrame, sizes: pl.DataFrame, ref_sizes: pl.DataFrame
) -> pl.DataFrame:
    """Each pair's similarity: the smaller of the two sides' shares of rows matched."""
    return (
        matched.group_by("person", "ref")
        .agg(
            pl.col("row").n_unique().alias("matched"),
            pl.col("ref_row").n_unique().alias("ref_matched"),
        )
        .join(sizes, on="person")
        .join(ref_sizes, on="ref")
        .select(
            "person",
            "ref",
            pl.min_horizontal(
                pl.col("matched") / pl.col("rows"), pl.col("ref_matched") / pl.col("ref_rows")
            ).alias("similarity"),
        )
    )


def closest(
    query: Histories, reference: Histories, *, same: bool = False, work: Path | None = None
) -> pl.DataFrame:
    """Per query person, each verified reference person with their history similarity.

    ``same``: the two are one set (a person is never compared with themself). Returns
    ``person``, ``ref`` and ``similarity`` (the smaller of the two sides' matched shares).

    Both sides are read a partition of keys at a time and what the joins find is spilled by
    person into ``work`` (default: a temporary folder), then aggregated a partition of people
    at a time: what is held at once is a partition's keys (a key meets at most :data:`COMMON`
    holders) or about :data:`PART_ROWS` pairs found, not every row's keys.
    """
    if query.parts != reference.parts:
        raise ValueError("both sides must be partitioned alike")
    parts = query.parts
    with tempfile.TemporaryDirectory(prefix="synthpriv-closest-", dir=work) as tmp:
        spill = Path(tmp)

        # 1. per key partition: the rare keys a query person shares with a reference person
        def shared(p: int) -> pl.DataFrame:
            ref = reference.part(p).rename({"person": "ref", "row": "ref_row"})
            holders = ref.group_by("key").agg(pl.col("ref").n_unique().alias("holders"))
            rare = (
                ref.join(holders.filter(pl.col("holders") <= COMMON).select("key"), on="key")
                .select("ref", "key")
                .unique()
            )
            out = query.part(p).join(rare, on="key").select("person", "ref", "row")
            return (out.filter(pl.col("person") != pl.col("ref")) if same else out).unique()

        people = _spread(shared, parts, spill / "shared")
        # 2. per partition of people: each person's candidates
        candidates = _gathered(spill / "shared", people, _candidates)
        if not candidates:
            return pl.DataFrame(schema=_PAIRS)
        chosen = pl.concat(candidates)

        # 3. per key partition: the rows of each pair that match (any key in common)
        def matched(p: int) -> pl.DataFrame:
            ref = reference.part(p).rename({"person": "ref", "row": "ref_row"})
            return (
                query.part(p)
                .join(chosen, on="person")
                .join(ref, on=["ref", "key"])
                .select("person", "ref", "row", "ref_row")
            )

        people = _spread(matched, parts, spill / "matched")
        # 4. per partition of people: each pair's matched shares
        ref_sizes = reference.sizes.rename({"person": "ref", "rows": "ref_rows"})
        found = _gathered(
            spill / "matched", people, lambda m: _similarity(m, query.sizes, ref_sizes)
        )
    # every candidate shares a rare key, so it matches a row; this is defensive
    return pl.concat(found).sort("person", "ref") if found else pl.DataFrame(schema=_PAIRS)


def _copied(pairs: pl.DataFrame) -> int:
    """People with at least one history they near-copy."""
    return pairs.filter(pl.col("similarity") >= HISTORY_SHARE).get_column("person").n_unique()


def history_copies(
    train: dict[str, pl.DataFrame],
    holdout: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    relations: Relations,
    *,
    work: Path | None = None,
) -> dict[str, Any]:
    """Synthetic people whose whole history near-copies a training person's, with baselines.

    ``copies``: their share beside the share of real people whose history near-copies another
    training person's; ``paired``: of the synthetic people who near-copy someone's history, the
    share whose closest real history is a training person's (ties shared), as if the two sets
    were equally large (0.5 for people who copy nobody).

    Every row's keys are written in partitions to a temporary folder in ``work`` (default: the
    system's), removed when done.
    """
    # the tolerances are the real rows' (both sides); each side is then spilled in turn, so
    # that one side's compared columns are held at a time
    real = {name: histories(f, relations) for name, f in (("train", train), ("holdout", holdout))}
    rules, types = {}, {}
    for t, mine in real["train"][0].items():
        # a column the holdout lacks (free text, dropped there rather than redacted) is not
        # compared: an unseen person could not agree on it
        theirs = real["holdout"][0][t]
        shared = [c for c in mine.columns if c in theirs.columns]
        parts = [mine.select(shared), theirs.select(shared)]
        rules |= _rules({t: parts}, relations.root)
        types[t] = pl.concat([p.head(0) for p in parts], how="vertical_relaxed").schema
    parts = max(
        1, math.ceil(max(_most_keys(f, rules) for f in (train, holdout, synthetic)) / PART_KEYS)
    )
    with tempfile.TemporaryDirectory(prefix="synthpriv-histories-", dir=work) as tmp:
        encoded = {}

        def aligned(t: str, f: pl.DataFrame) -> pl.DataFrame:
            # a column one side drops as a numbering and another keeps is missing there
            return f.select(
                "__person",
                *[pl.col(c) if c in f.columns else pl.lit(None).alias(c) for c in rules[t].columns],
            ).cast(types[t], strict=False)

        for name, frames in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
            compared, people = real.pop(name) if name in real else histories(frames, relations)
            compared = {t: f for t, f in compared.items() if t in rules}
            encoded[name] = _spill(compared, rules, people, Path(tmp) / name, parts, aligned)
            del compared
        return _judged(encoded, Path(tmp))


def _judged(encoded: dict[str, Histories], work: Path) -> dict[str, Any]:
    """:func:`history_copies`' figures from each side's keys (``work``: where to spill)."""
    n_train, n_holdout = encoded["train"].people, encoded["holdout"].people
    both = encoded["train"].joined(encoded["holdout"])
    of_synthetic = closest(encoded["synthetic"], both, work=work)
    to_train = of_synthetic.filter(pl.col("ref") < n_train)
    synthetic_people = encoded["synthetic"].people
    share = _copied(to_train) / synthetic_people if synthetic_people else 0.0
    train_to_holdout = closest(encoded["train"], encoded["holdout"], work=work)
    natural = _copied(closest(encoded["holdout"], encoded["train"], work=work)) + _copied(
        closest(encoded["train"], encoded["train"], same=True, work=work)
    )
    base = natural / (n_train + n_holdout) if n_train + n_holdout else 0.0
    copies = share_difference(share, synthetic_people, base, n_train + n_holdout)
    # each synthetic person's closest real histories (ties kept), paired below at two levels
    best = of_synthetic.filter(pl.col("similarity") == pl.col("similarity").max().over("person"))
    close = best.join(
        encoded["synthetic"].sizes.filter(pl.col("rows") >= CLOSE_ROWS).select("person"),
        on="person",
    )
    return {
        "rule": (
            f"a history near-copies another when at least {HISTORY_SHARE:.0%} of each side's "
            f"rows match a row of the same table (agreeing on every compared column but at most "
            f"{ROW_MISMATCHES} where the table compares {MIN_COLUMNS_FOR_MISMATCH} or more, "
            f"or where it compares two and the other holds {MIN_DISTINCT_ALONE} or more "
            "distinct values; "
            "numbers and times within their tolerance; times of a person's rows counted from "
            "their first time below the root, the root's as years)"
        ),
        "copies": copies
        | {"people": {"synthetic": synthetic_people, "train": n_train, "holdout": n_holdout}},
        "paired": _paired(best, HISTORY_SHARE, n_train, n_holdout),
        "paired_close": _paired(close, CLOSE_SHARE, n_train, n_holdout)
        | {"similarity": CLOSE_SHARE, "min_rows": CLOSE_ROWS},
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


def _paired(best: pl.DataFrame, level: float, n_train: int, n_holdout: int) -> dict[str, Any]:
    """Synthetic people whose closest history is at least ``level`` similar, paired with it.

    ``best``: each person's closest real histories (ties kept). Each person is paired with the
    real history they copy most (ties shared): the share on a training
    person, as if both sets were equally large. Which side holds a person's closest history does
    not depend on how close it is for people who copy nobody, so the share is 0.5 for them at
    every level and for every set of people chosen by their own rows.

    At :data:`HISTORY_SHARE` the natural look-alikes are many where histories are short and
    their rows common (30% of a bank's accounts near-copy another's three or four rows), and
    5% of the people copied, numbers nudged, move the share from 0.51 to 0.58 only. So
    :func:`_judged` also pairs the people whose history has :data:`CLOSE_ROWS` rows or more at
    :data:`CLOSE_SHARE`: look-alikes are rare there (0.4-1.6% of real accounts) and copies are
    most of who is left (0.88 in the same run; bench/README.md, ``linked_leak_berka.py``). A
    history of fewer rows is a row or two, judged row by row in its tables.
    """
    landed = (
        best.filter(pl.col("similarity") >= level)
        .group_by("person")
        .agg((pl.col("ref") < n_train).mean().alias("train"))
    )
    on_train = float(landed.get_column("train").sum()) if landed.height else 0.0
    return paired_share(on_train, landed.height, n_train, n_holdout)
