"""Linked tables synthesized together: every child row is drawn for a synthetic parent.

The root table (patients, customers) is drawn as a single table is, by the ``cart`` engine
(:class:`~synthpriv.sequential.SequentialTrees`). Then, table by table down the relations (any
depth), for each synthetic parent row:

* **how many children** it has: a tree model of the count given the parent's columns (a
  patient's age and sex shape how many admissions they have);
* **the children's columns**, drawn conditioned on the parent's columns (the same trees with the
  parent's columns visited first and given).

Times are modelled as **gaps**, not dates: each time column is the gap from an earlier time of
the same row when the data always keeps that order (discharge after admission), else from the
parent's reference time (an admission's time from the patient's birth: the age at admission; a
prescription's start from its admission), so that a drawn gap of a kept ordering is never
negative (the trees never draw beyond the values they saw) and the ordering holds in every
synthetic row. The root's first time is drawn as a date.

Keys are fresh surrogates (integers above every input key, or ``<table>-000001`` for text keys):
no key value of the input reaches the output, and every synthetic foreign key points to a
synthetic parent. A column that repeats an ancestor's key (a diagnosis's patient) is copied from
the synthetic ancestor; a further pointer to a sibling table (a prescription's ICU stay) points,
as often as in the data, to a synthetic row of that table under the same parent.

What a model stores follows the cart engine's rules (leaves of at least k rows, smoothed
numbers, categories shared by fewer than ``RARE_MIN_COUNT`` rows pooled before fitting).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from synthpriv.engines import engine_errors
from synthpriv.frames import holders, is_time, micros
from synthpriv.relations import (
    Ordering,
    Relations,
    parent_positions,
    persons,
    row_counters,
    split_by_root,
    step_columns,
    with_ancestors,
)
from synthpriv.sequential import SequentialTrees, people_bound
from synthpriv.synthesis_plan import ORDERED_MAX_LEVELS, RARE_LABEL, RARE_MIN_COUNT

COUNT = "__children"
PARENT = "__parent."
GAP = "__gap."
PREVIOUS = "__previous."  # the same parent's previous row's modelled columns
POSITION = "__position"  # a row's place among its parent's rows (0: the first)
LENGTH = "__length"  # how many rows a sequence's parent has
SECONDS = 1_000_000  # microseconds in a second: gaps are modelled in seconds


@dataclass
class TablePlan:
    """How one table is modelled: its own columns, its time gaps and its links."""

    name: str
    key: str | None
    pointer: str | None  # the column naming the parent's key
    parent: str | None
    columns: list[str]  # as modelled (time columns as gaps)
    output: list[str]  # the input's columns, in order
    dtypes: dict[str, pl.DataType]
    anchors: dict[str, str | None]  # time column -> the own time it is a gap from, or None
    signs: dict[str, int]  # -1: the column is its anchor minus the gap (it comes before it)
    reference: str | None  # the time children measure their gaps from (a complete one)
    from_parent: list[str]  # time columns measured from the parent's reference
    absolute: list[str]  # time columns drawn as dates (the root's first)
    implied: dict[str, str] = field(default_factory=dict)  # column -> ancestor table
    secondary: dict[str, tuple[str, float]] = field(default_factory=dict)  # -> (table, share)
    key_start: int | None = None  # integer surrogates start here; None: text surrogates
    counters: dict[str, int | None] = field(default_factory=dict)  # other row ids -> start
    resolution: dict[str, int] = field(default_factory=dict)  # time column -> microseconds
    sequence: bool = False  # rows drawn in order, each given its parent's previous row
    carried: list[str] = field(default_factory=list)  # a sequence's columns a parent keeps
    steps: list[str] = field(default_factory=list)  # integer steps modelled as days
    window: tuple[float, float] | None = None  # a sequence's dates: the span k people reach
    positions: dict[str, int] = field(default_factory=dict)  # 1..n within a parent -> start


@dataclass
class LinkedModel:
    """What :func:`fit` learned; :func:`sample` draws linked tables from it."""

    relations: Relations
    plans: dict[str, TablePlan]
    rows: dict[str, SequentialTrees | None]
    counts: dict[str, SequentialTrees]
    root_rows: int
    seed: int
    orderings: list[Ordering] = field(default_factory=list)
    following: dict[str, SequentialTrees] = field(default_factory=dict)  # later rows of a sequence
    # rows of each table with no parent (the root and reference tables: organizations)
    top_rows: dict[str, int] = field(default_factory=dict)
    # rows of every table per root row, as fitted (0: not known, a model fitted before)
    rows_per_root: float = 0.0
    # rows drawn per part of people (:func:`sample_parts`): the fitting's ``max_rows``
    part_rows: int | None = None


def _pooled(
    frame: pl.DataFrame, columns: list[str], people: pl.Series | None = None
) -> pl.DataFrame:
    """Text values fewer than ``RARE_MIN_COUNT`` people hold become one pooled label.

    ``people``: each row's person (rows of a child table); without, each row is a person.
    """
    out = []
    for name in columns:
        series = frame.get_column(name)
        if series.dtype in (pl.String, pl.Categorical):
            series = series.cast(pl.String)
            held = holders(series, people)
            rare = held.filter(pl.col("count") < RARE_MIN_COUNT).get_column(name)
            series = pl.Series(name, series).set(series.is_in(rare.implode()), RARE_LABEL)
        elif series.dtype.is_numeric():
            series = pooled_numbers(series, people)
        out.append(series)
    return pl.DataFrame(out) if out else pl.DataFrame()


def pooled_numbers(series: pl.Series, people: pl.Series | None = None) -> pl.Series:
    """Numbers the trees draw as categories (few distinct values) with none of one person's.

    Distinct values, in order, are grouped until each group holds at least
    ``RARE_MIN_COUNT`` people (a value that many share is a group of its own; ``people``: each
    row's person, else each row is one); every value becomes its group's median (univariate
    microaggregation). A patient with 41 admissions is drawn with a count several patients
    near the top share.
    """
    if series.n_unique() > ORDERED_MAX_LEVELS or series.drop_nulls().len() < RARE_MIN_COUNT:
        return series
    counts = holders(series, people).sort(series.name)
    if bool((counts.get_column("count") >= RARE_MIN_COUNT).all()):
        return series
    values = counts.get_column(series.name).cast(pl.Float64).to_list()
    if people is None:
        sizes = counts.get_column("count").to_list()
        owners = [set() for _ in values]
    else:
        held = (
            pl.DataFrame([series.cast(pl.Float64).alias("__v"), people.alias("__who")])
            .drop_nulls("__v")
            .group_by("__v")
            .agg(pl.col("__who").unique())
        )
        by_value = {v: (set(w), 0) for v, w in held.iter_rows()}
        owners = [by_value[v][0] for v in values]
        sizes = [len(w) for w in owners]  # the median of a group is its middle person's
    groups: list[list[tuple[float, int]]] = [[]]
    within: set[Any] = set()

    def enough(group: list[tuple[float, int]]) -> bool:
        if people is None:
            return sum(n for _, n in group) >= RARE_MIN_COUNT
        return len(within) >= RARE_MIN_COUNT

    for value, size, who in zip(values, sizes, owners, strict=True):
        if enough(groups[-1]):
            groups.append([])
            within = set()
        groups[-1].append((value, size))
        within |= who
    if len(groups) > 1 and not enough(groups[-1]):
        last = groups.pop()  # the last values, too few alone: with those before them
        groups[-1] = groups[-1] + last
    target: dict[float, float] = {}
    for group in groups:
        target |= _medians(group)
    moved = series.cast(pl.Float64).replace_strict(
        list(target), list(target.values()), default=None, return_dtype=pl.Float64
    )
    return moved.cast(series.dtype, strict=False)


def _medians(group: list[tuple[float, int]]) -> dict[float, float]:
    """Each value of a group of (value, rows) -> the group's median value (one of them)."""
    half, seen = sum(n for _, n in group) / 2, 0
    for value, size in group:
        seen += size
        if seen >= half:
            return {v: value for v, _ in group}
    return {v: group[-1][0] for v, _ in group}


def _chronology(frame: pl.DataFrame, times: list[str]) -> list[str]:
    """Time columns from the earliest to the latest (by median), complete ones first on ties."""
    return sorted(
        times,
        key=lambda c: (
            micros(frame.get_column(c)).median() or 0,
            frame.get_column(c).null_count(),
        ),
    )


def _plan(
    name: str,
    frame: pl.DataFrame,
    relations: Relations,
    orderings: list[Ordering],
    parent_plan: TablePlan | None,
    top: int = 0,
) -> TablePlan:
    link = relations.parent_of(name)
    links = [k for k in relations.links if k.child == name]
    key = relations.keys.get(name)
    pointers = {k.column for k in links}
    # another column that names each row (a row counter beside the key) is renumbered too
    counters = {
        c: _start(frame.get_column(c), top)
        for c in row_counters(frame, name, key)
        if c not in pointers
    }
    own = [c for c in frame.columns if c != key and c not in pointers and c not in counters]
    # a column numbering each parent's rows (a diagnosis's SEQ_NUM) is numbered again, not drawn
    positions = parent_positions(frame, link.column if link else None, own)
    own = [c for c in own if c not in positions]
    times = _chronology(frame, [c for c in own if is_time(frame.schema[c])])
    ordered = {(o.before, o.after) for o in orderings if o.before_table == o.after_table == name}
    complete = {c for c in times if frame.get_column(c).null_count() == 0}
    # complete times first, then by median: an anchor is always placed before what it anchors
    times = sorted(times, key=lambda c: (frame.get_column(c).null_count() > 0, times.index(c)))
    reference = next((c for c in times if c in complete), None)
    has_parent_time = parent_plan is not None and parent_plan.reference is not None
    anchors: dict[str, str | None] = {}
    signs: dict[str, int] = {}
    absolute: list[str] = []
    from_parent: list[str] = []
    for position, column in enumerate(times):
        known = frame.get_column(column).is_not_null()

        def covers(other: str, known: pl.Series = known) -> bool:
            return bool(frame.get_column(other).filter(known).is_not_null().all())

        placed = times[:position]
        before = [c for c in placed if (c, column) in ordered and covers(c)]
        after = [c for c in placed if (column, c) in ordered and covers(c)]
        options = [(c, 1) for c in before] + [(c, -1) for c in after]
        if reference is not None and column != reference:
            options.append((reference, 0))  # a gap of either sign from the row's reference
        if options:  # the anchor with the smallest typical gap; a kept order's gap is >= 0
            anchor, sign = min(options, key=lambda o: _typical_gap(frame, o[0], column))
            anchors[column], signs[column] = anchor, sign or 1
        elif has_parent_time:
            anchors[column] = None  # the reference (or no complete time): from the parent's
            from_parent.append(column)
        elif not absolute:
            absolute.append(column)
        else:
            anchors[column] = absolute[0]
    anchors = _restore_order(anchors, absolute)
    return TablePlan(
        name=name,
        key=key,
        pointer=link.column if link else None,
        parent=link.parent if link else None,
        columns=[c for c in own if c not in times]
        + [GAP + c for c in times if c not in absolute]
        + absolute,
        output=list(frame.columns),
        dtypes=dict(frame.schema),
        anchors=anchors,
        signs=signs,
        reference=reference,
        from_parent=from_parent,
        absolute=absolute,
        implied={k.column: k.parent for k in links if k.kind == "implied"},
        secondary={
            k.column: (k.parent, 1 - frame.get_column(k.column).null_count() / max(frame.height, 1))
            for k in links
            if k.kind == "secondary"
        },
        key_start=_start(frame.get_column(key), top) if key else None,
        counters=counters,
        positions=positions,
        resolution={c: _resolution(frame.get_column(c)) for c in times},
    )


def _typical_gap(frame: pl.DataFrame, anchor: str, column: str) -> float:
    """The median absolute gap between two times of a row (infinite when never both known)."""
    gap = (micros(frame.get_column(column)) - micros(frame.get_column(anchor))).abs()
    median = gap.drop_nulls().median()
    return float("inf") if median is None else float(median)


def _restore_order(anchors: dict[str, str | None], absolute: list[str]) -> dict[str, str | None]:
    """``anchors`` with every time after the time it is a gap from (so it can be restored)."""
    done = set(absolute)
    ordered: dict[str, str | None] = {}
    pending = dict(anchors)
    while pending:
        ready = [c for c, a in pending.items() if a is None or a in done]
        for column in ready or list(pending)[:1]:
            ordered[column] = pending.pop(column)
            done.add(column)
    return ordered


def surrogate_start(top: int) -> int | None:
    """Where integer surrogates start: a power of ten above ``top``, the input's largest key.

    ``None`` near the 64-bit limit: the surrogates are text there, never an input key.
    """
    start = 10 ** (len(str(top)) + 1)
    return start if start < 2**62 else None


def _start(series: pl.Series, top: int = 0) -> int | None:
    """Integer surrogates start above the column's values and ``top`` (a power of ten).

    ``None`` for text (its surrogates are text) and near the 64-bit limit.
    """
    if not series.dtype.is_integer():
        return None
    return surrogate_start(max(int(series.abs().max() or 0), top))


def key_columns_of(relations: Relations) -> dict[str, list[str]]:
    """Each table's primary key and link columns."""
    columns: dict[str, list[str]] = {t: [k] for t, k in relations.keys.items()}
    for link in relations.links:
        columns.setdefault(link.child, []).append(link.column)
    return columns


def key_values_top(frames: dict[str, pl.DataFrame], columns: dict[str, list[str]]) -> int:
    """The largest integer (in magnitude) ``columns`` (table -> key columns) of ``frames`` hold.

    Text that reads as an integer counts; other text does not.
    """
    return max(
        (
            int(frames[t].get_column(c).cast(pl.Int64, strict=False).abs().max() or 0)
            for t, names in columns.items()
            if t in frames
            for c in names
            if c in frames[t].columns
        ),
        default=0,
    )


def _resolution(series: pl.Series) -> int:
    """The coarsest of a day, an hour, a minute and a second every value is a multiple of."""
    values = micros(series).drop_nulls()
    for unit in (86_400, 3_600, 60, 1):
        if values.len() and bool(((values % (unit * SECONDS)) == 0).all()):
            return unit * SECONDS
    return 1


def _modelled(
    frame: pl.DataFrame,
    plan: TablePlan,
    parent_reference: pl.Series | None,
    people: pl.Series | None = None,
) -> pl.DataFrame:
    """``frame``'s own columns as modelled: text pooled, times as gaps in seconds."""
    plain = [c for c in plan.columns if not c.startswith(GAP) and c not in plan.absolute]
    columns = [_pooled(frame, plain, people)] if plain else []
    gaps = []
    for column, anchor in plan.anchors.items():
        if anchor is not None:
            base = micros(frame.get_column(anchor))
        else:
            base = parent_reference
        sign = plan.signs.get(column, 1)
        gap = sign * (micros(frame.get_column(column)) - base).cast(pl.Float64) / SECONDS
        gaps.append(gap.alias(GAP + column))
    modelled = pl.concat([*columns, pl.DataFrame(gaps)], how="horizontal") if gaps else None
    if modelled is None:
        modelled = columns[0] if columns else pl.DataFrame()
    if plan.absolute:  # microseconds since 1970: the trees see a number, not a date
        dates = pl.DataFrame([micros(frame.get_column(c)).alias(c) for c in plan.absolute])
        # (a table of only a date has nothing else to put them beside)
        modelled = pl.concat([modelled, dates], how="horizontal") if modelled.width else dates
    return modelled.select(plan.columns) if plan.columns else pl.DataFrame()


def _pandas(frame: pl.DataFrame) -> pd.DataFrame:
    return frame.to_pandas(use_pyarrow_extension_array=False)


def fit(
    frames: dict[str, pl.DataFrame],
    relations: Relations,
    orderings: list[Ordering],
    *,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    max_rows: int | None = None,
    key_top: int = 0,
) -> LinkedModel:
    """Fit the root's rows, and each child table's counts and rows given its parent.

    ``frames`` are the cleaned training rows of every table, keys and links intact.
    ``max_rows``: when a table has more rows, the model is fitted on a seeded sample of people
    (each with all their rows) small enough that no table has more; it still samples as many
    people as ``frames`` holds. The work and memory of fitting are then bounded by this, not by
    the number of children.
    """
    if relations.root is None:
        raise ValueError("no root table: nothing links the tables")
    people_in_all = frames[relations.root].height
    # integer surrogates start above every integer of every key and link column (and
    # ``key_top``, the input's largest, holdout included): no new key equals an input key
    top = max(key_top, key_values_top(frames, key_columns_of(relations)))
    top_rows = {t: f.height for t, f in frames.items() if relations.parent_of(t) is None}
    rows_per_root = sum(f.height for f in frames.values()) / max(1, people_in_all)
    frames = _people_sample(frames, relations, max_rows, seed)
    params = params or {}
    # whose each row is: k (rows a leaf, a label, a group of numbers stands for) counts people
    # (a row whose parent is missing is a person of its own)
    people = {
        t: pl.select(
            pl.coalesce(p, pl.format("\x00{}", pl.int_range(p.len(), dtype=pl.Int64)))
        ).to_series()
        for t, p in persons(frames, relations).items()
    }
    plans: dict[str, TablePlan] = {}
    rows: dict[str, SequentialTrees | None] = {}
    counts: dict[str, SequentialTrees] = {}
    following: dict[str, SequentialTrees] = {}  # a sequence's later rows
    context: dict[str, pl.DataFrame] = {}  # table -> key + modelled columns (for children)
    for table in relations.order():
        frame = frames[table]
        parent_plan = (
            plans.get(relations.parent_of(table).parent) if relations.parent_of(table) else None
        )
        if relations.parent_of(table) is not None and parent_plan is None:
            continue  # under a table left out: nothing to attach it to
        stepping = step_columns(frame, relations, table)
        if stepping:  # an integer step orders a parent's rows as a time would: drawn as days
            original = dict(frame.schema)
            frame = frame.with_columns(pl.col(c).cast(pl.Int32).cast(pl.Date) for c in stepping)
            frames = {**frames, table: frame}
        plan = _plan(table, frame, relations, orderings, parent_plan, top)
        if stepping:
            plan = replace(
                plan,
                dtypes={**plan.dtypes, **{c: original[c] for c in stepping}},
                steps=stepping,
            )
        plans[table] = plan
        parent_ref = None
        given = None
        if plan.parent is not None:
            parent = context[plan.parent]
            keys = frame.get_column(plan.pointer).cast(pl.String)
            lookup = parent.with_columns(pl.col("__key").cast(pl.String))
            joined = pl.DataFrame({"__key": keys}).join(
                lookup, on="__key", how="left", maintain_order="left"
            )
            given = joined.drop("__key", "__ref").rename(lambda c: PARENT + c)
            parent_ref = joined.get_column("__ref")
            if _calendar_tighter(frame, plan, parent_ref):
                plan = _on_the_calendar(plan)
                plans[table] = plan
            # how many children each training parent has (none is a count too)
            per_parent = (
                pl.DataFrame({"__key": keys}).group_by("__key").len().rename({"len": COUNT})
            )
            with_counts = (
                lookup.join(per_parent, on="__key", how="left", maintain_order="left")
                .with_columns(pl.col(COUNT).fill_null(0))
                .drop("__key", "__ref")
            )
            # a parent table below the root has several rows per person: k counts people
            parents_of = people.get(plan.parent) if plan.parent != relations.root else None
            with_counts = with_counts.with_columns(
                pooled_numbers(with_counts.get_column(COUNT), parents_of)
            )
            named = with_counts.rename(lambda c: c if c == COUNT else PARENT + c)
            first = tuple(c for c in named.columns if c != COUNT)
            counts[table] = _fit_trees(
                params, _pandas(named), seed=seed, first=first, groups=parents_of
            )
        owners = people.get(table) if table != relations.root else None
        modelled = _modelled(frame, plan, parent_ref, owners)
        train = modelled if given is None else pl.concat([given, modelled], how="horizontal")
        first = tuple(given.columns) if given is not None else ()
        position = _sequence_order(frame, plan) if given is not None and plan.columns else None
        later = _later_rows(frame, plan, position)
        if later is not None:
            # a sequence: the first row of each parent given the parent, every later row given
            # the parent and the row before it (its time a step from that row's)
            steps, previous = _in_order(frame, plan, modelled, position)
            plan = replace(
                plan,
                sequence=True,
                carried=_carried(modelled, previous, later, plan),
                window=_window(modelled, plan, owners, params),
            )
            plans[table] = plan
            # every row is drawn knowing how many rows its parent has: a history of forty
            # starts earlier and steps shorter than one of two. (Where the row before is in
            # time was tried too: on MIMIC it let the trees give PRESCRIPTIONS' training
            # people away, attribute inference 4.4% -> 26.2%.)
            given = given.with_columns(_lengths(frame.get_column(plan.pointer)))
            first = (*first, LENGTH)
            train = pl.concat([given, modelled], how="horizontal")
            context_of_row = pl.concat([given, previous, steps], how="horizontal")
            following[table] = _fit_trees(
                params,
                _pandas(context_of_row.filter(later)),
                seed=seed,
                first=(*first, POSITION, *[PREVIOUS + c for c in steps.columns]),
                groups=None if owners is None else owners.filter(later),
            )
            train = train.filter(~later)
            owners = None if owners is None else owners.filter(~later)
        rows[table] = (
            _fit_trees(params, _pandas(train), seed=seed, first=first, groups=owners)
            if plan.columns
            else None
        )
        reference = (
            micros(frame.get_column(plan.reference))
            if plan.reference is not None
            else pl.Series([None] * frame.height, dtype=pl.Int64)
        )
        context[table] = pl.concat(
            [
                pl.DataFrame(
                    {"__key": frame.get_column(plan.key) if plan.key else range(frame.height)}
                ),
                modelled,
                pl.DataFrame({"__ref": reference}),
            ],
            how="horizontal",
        )
    return LinkedModel(
        relations,
        plans,
        rows,
        counts,
        people_in_all,
        seed,
        list(orderings),
        following,
        top_rows,
        rows_per_root,
        max_rows,
    )


def _people_sample(
    frames: dict[str, pl.DataFrame], relations: Relations, max_rows: int | None, seed: int
) -> dict[str, pl.DataFrame]:
    """A seeded sample of people, all their rows, with no table above ``max_rows`` rows."""
    largest = max(f.height for f in frames.values())
    if max_rows is None or largest <= max_rows:
        return frames
    share = max_rows / largest
    # the side split_by_root holds out is ``share`` of the people, chosen by a hash of the key
    kept = split_by_root(frames, relations, share, seed + 1)
    under = set(persons(frames, relations))  # a table no person's rows are in stays whole
    return {t: parts[1] if t in under else frames[t] for t, parts in kept.items()}


MIN_LATER_ROWS = 20  # fewer rows after a parent's first: no sequence model (too few to learn)


def _later_rows(
    frame: pl.DataFrame, plan: TablePlan, position: pl.Series | None
) -> pl.Series | None:
    """Which rows come after their parent's first (``None``: no order, or too few rows)."""
    if position is None:
        return None
    later = (position > 0) & frame.get_column(plan.pointer).is_not_null()
    return later if int(later.sum()) >= MIN_LATER_ROWS else None


def _sequence_order(frame: pl.DataFrame, plan: TablePlan) -> pl.Series | None:
    """Each row's place among its parent's rows: by the row's reference time, then as read.

    ``None`` for rows without a time: they have no order the data shows.
    """
    if plan.reference is None:
        return None
    return (
        pl.DataFrame({"p": frame.get_column(plan.pointer), "t": micros(frame[plan.reference])})
        .with_row_index("i")
        .select(pl.struct("t", "i").rank("ordinal").over("p").cast(pl.Int64) - 1)
        .to_series()
        .alias(POSITION)
    )


def _calendar_tighter(frame: pl.DataFrame, plan: TablePlan, parent_ref: pl.Series) -> bool:
    """Whether a child's reference time is tighter on the calendar than from its parent's.

    Admissions are a gap from a birth when each patient's dates are shifted on their own (the
    MIMIC export); transactions of one year are dates of that year, not a gap from each
    account's opening years before. The narrower interquartile range decides.
    """
    if plan.reference is None or plan.reference not in plan.from_parent:
        return False
    own = micros(frame.get_column(plan.reference))
    both = own.is_not_null() & parent_ref.is_not_null()
    if int(both.sum()) < 2:
        return False
    own, gap = own.filter(both), (own - parent_ref).filter(both)

    def spread(values: pl.Series) -> float:
        return float((values.quantile(0.75) or 0) - (values.quantile(0.25) or 0))

    return spread(own) < spread(gap)


def _on_the_calendar(plan: TablePlan) -> TablePlan:
    """``plan`` with its reference time drawn as a date (the others still gaps from it)."""
    ref = plan.reference
    plain = [c for c in plan.columns if not c.startswith(GAP) and c not in plan.absolute]
    gaps = [c for c in plan.columns if c.startswith(GAP) and c != GAP + ref]
    absolute = [ref, *plan.absolute]
    anchors = {c: a for c, a in plan.anchors.items() if c != ref}
    return replace(
        plan,
        columns=plain + gaps + absolute,
        anchors=_restore_order(anchors, absolute),
        from_parent=[c for c in plan.from_parent if c != ref],
        absolute=absolute,
    )


def _stepped(plan: TablePlan) -> str | None:
    """The column a sequence's reference time is drawn as steps in.

    Its gap from the parent, or its date when the calendar is tighter.
    """
    if plan.reference is None or plan.parent is None:
        return None
    if plan.reference in plan.from_parent:
        return GAP + plan.reference
    if plan.reference in plan.absolute:
        return plan.reference
    return None


def _in_order(
    frame: pl.DataFrame, plan: TablePlan, modelled: pl.DataFrame, position: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A sequence's rows as steps, and what each later row is drawn given.

    Returns ``modelled`` with its reference time as steps (the first row's its gap from the
    parent, every later row's the time since the row before it: the time between two
    admissions, not each one's age), and each row's place with the previous row's stepped
    columns (missing for a parent's first row: a value the trees split on like any other).
    """
    column = _stepped(plan)
    ordered = modelled.with_columns(
        frame.get_column(plan.pointer).alias("__p"),
        position,
        pl.int_range(frame.height).alias("__i"),
    ).sort("__p", POSITION)
    if column is not None:
        ordered = ordered.with_columns(
            pl.coalesce(pl.col(column) - pl.col(column).shift(1).over("__p"), pl.col(column))
        )
    back = ordered.with_columns(
        [pl.col(c).shift(1).over("__p").alias(PREVIOUS + c) for c in modelled.columns]
    ).sort("__i")
    previous = back.select(POSITION, *[PREVIOUS + c for c in modelled.columns])
    return back.select(modelled.columns), previous


CARRIED_SHARE = 0.99  # a column a parent's later rows repeat this often is carried over


def _lengths(pointer: pl.Series) -> pl.Series:
    """Each row's parent's number of rows (a row without a parent: 1)."""
    return (
        pl.DataFrame({"__p": pointer})
        .select(
            pl.when(pl.col("__p").is_null())
            .then(1)
            .otherwise(pl.len().over("__p"))
            .cast(pl.Int64)
            .alias(LENGTH)
        )
        .get_column(LENGTH)
    )


def _carried(
    modelled: pl.DataFrame, previous: pl.DataFrame, later: pl.Series, plan: TablePlan
) -> list[str]:
    """The columns every parent keeps from row to row: a person's ethnicity on each admission.

    A column (not a time) whose later rows repeat the previous row's value at least
    :data:`CARRIED_SHARE` of the time. Its later rows are copied from the row before them
    instead of drawn: trees whose leaves hold k people's rows would otherwise draw a new
    value for a person's second admission as often as the leaf's people differ.
    """
    times = {*plan.anchors, *plan.absolute}
    out = []
    for column in modelled.columns:
        if column in times or column.startswith(GAP):
            continue
        now = modelled.get_column(column).filter(later)
        before = previous.get_column(PREVIOUS + column).filter(later)
        same = (now == before) | (now.is_null() & before.is_null())
        if float(same.fill_null(False).mean() or 0.0) >= CARRIED_SHARE:
            out.append(column)
    return out


def _window(
    modelled: pl.DataFrame, plan: TablePlan, owners: pl.Series | None, params: dict[str, Any]
) -> tuple[float, float] | None:
    """The span a sequence drawn on the calendar stays in: the dates k people reach.

    Summed step by step, a long history drifts past the export's end (AMLSim's steps of 3-149
    reached 442). The bounds are the earliest and latest dates at least k people reach, as
    the trees' bounds are, never one person's.
    """
    column = _stepped(plan)
    if column is None or column not in plan.absolute or owners is None:
        return None
    k = int(params.get("min_samples_leaf", SequentialTrees().min_samples_leaf))
    values = modelled.get_column(column).cast(pl.Float64).to_numpy()
    people = owners.to_numpy()
    return (
        people_bound(values, people, k, high=False),
        people_bound(values, people, k, high=True),
    )


def _from_steps(modelled: pl.DataFrame, plan: TablePlan, parents: np.ndarray) -> pl.DataFrame:
    """Steps back to gaps from the parent: each parent's rows (in place order) summed."""
    column = _stepped(plan)
    if column is None:
        return modelled
    steps = modelled.select(pl.col(column).cast(pl.Float64), pl.Series("__p", parents))
    summed = steps.select(pl.col(column).fill_null(0).cum_sum().over("__p")).get_column(column)
    if plan.window is not None:
        # a history that would end past the span is drawn closer together to end within it:
        # its order and its start kept, its steps shrunk alike (an export ends; time does not)
        low, high = plan.window
        span = steps.with_columns(summed.alias("__t")).select(
            pl.col("__t").first().over("__p").alias("__first"),
            pl.col("__t").max().over("__p").alias("__last"),
            pl.col("__t"),
        )
        first, last, at = (span.get_column(c) for c in ("__first", "__last", "__t"))
        start = first.clip(low, high)
        shrink = ((high - start) / (last - first)).clip(0.0, 1.0).fill_nan(1.0).fill_null(1.0)
        summed = (start + (at - first) * shrink).clip(low, high)
    return modelled.with_columns(
        pl.when(modelled.get_column(column).is_null()).then(None).otherwise(summed).alias(column)
    )


def _fit_trees(
    params: dict[str, Any],
    data: pd.DataFrame,
    *,
    seed: int,
    first: tuple[str, ...],
    groups: pl.Series | None = None,
) -> SequentialTrees:
    """The cart trees fitted as the cart engine fits them: its errors ours, sklearn quiet.

    ``groups``: each row's person (rows of a table below the root): k counts people.
    """
    owners = None if groups is None else groups.to_numpy()
    with warnings.catch_warnings(), engine_errors("cart", "fitting"):
        warnings.simplefilter("ignore")
        return SequentialTrees(**params).fit(data, seed=seed, first=first, groups=owners)


def _seed(seed: int, table: str, part: int) -> int:
    return int(np.random.SeedSequence([seed, part, *table.encode()]).generate_state(1)[0])


def _surrogates(
    plan: TablePlan, n: int, name: str | None = None, start: int | None = None, before: int = 0
) -> pl.Series:
    """Fresh row identifiers: integers from ``start``, else ``<table>-0000001`` text.

    ``before``: rows drawn in earlier parts (:func:`sample_parts`), numbered past them.
    """
    name = name or plan.key or "__key"
    start = plan.key_start if name == plan.key else start
    if start is not None:
        return pl.Series(name, np.arange(start + before, start + before + n))
    stem = "".join(ch for ch in plan.name.lower() if ch.isalnum())[:12] or "row"
    return pl.Series(name, [f"{stem}-{i:07d}" for i in range(before + 1, before + n + 1)])


def part_roots(model: LinkedModel, rows: int | None = None) -> int | None:
    """Root rows per part of :func:`sample_parts` drawing about ``rows`` rows in all tables.

    ``rows`` defaults to the model's ``part_rows`` (the rows it was fitted on at most). None
    where the tables are drawn at once: no such bound, a model that does not know its rows
    per root (fitted before), or one with tables drawn beside the people (reference tables
    such as districts, which people of every part point to).
    """
    rows = getattr(model, "part_rows", None) if rows is None else rows  # None: fitted before
    per_root = getattr(model, "rows_per_root", 0.0)
    root = model.relations.root
    beside = [t for t, p in model.plans.items() if p.parent is None and t != root]
    if rows is None or per_root <= 0 or beside:
        return None
    return max(1, int(rows / per_root))


def sample_parts(
    model: LinkedModel,
    roots: int | None = None,
    *,
    seed: int | None = None,
    rows: int | None = None,
) -> Iterator[dict[str, pl.DataFrame]]:
    """:func:`sample`'s tables drawn in parts of whole people, each of about ``rows`` rows.

    ``rows`` defaults to the rows the model was fitted on at most (``fit_rows``), so ``run``
    and ``sample`` of its model draw the same parts.

    The tables are the parts' rows one after another: the work and memory of drawing grow
    with a part, not with the number of children (each part can be written or held before the
    next is drawn). Keys run on from part to part, so each stays unique and every foreign key
    points to a parent of its own part. The first part is drawn with ``seed``, so a draw that
    fits in one part is :func:`sample`'s; each later part with its own seed from it. Pointers
    to a table other than a parent or a sibling point within their part.
    """
    seed = model.seed if seed is None else seed
    roots = model.root_rows if roots is None else roots
    per = part_roots(model, rows)
    if per is None or roots <= per:
        yield sample(model, roots, seed=seed)
        return
    before = dict.fromkeys(model.plans, 0)
    for part, start in enumerate(range(0, roots, per)):
        part_seed = seed if part == 0 else _seed(seed, "part", part)
        drawn = sample(model, min(per, roots - start), seed=part_seed, before=before)
        for table, frame in drawn.items():
            before[table] += frame.height
        yield drawn


def sample(
    model: LinkedModel,
    roots: int | None = None,
    *,
    seed: int | None = None,
    before: dict[str, int] | None = None,
) -> dict[str, pl.DataFrame]:
    """Draw linked tables: ``roots`` root rows and their descendants.

    ``roots`` defaults to as many as the model was fitted on; every synthetic foreign key points
    to a synthetic parent. ``before``: rows of each table drawn in earlier parts
    (:func:`sample_parts`), whose keys these run on from.
    """
    before = before or {}
    seed = model.seed if seed is None else seed
    roots = model.root_rows if roots is None else roots
    drawn: dict[str, pl.DataFrame] = {}
    context: dict[str, pl.DataFrame] = {}
    parents_of: dict[str, pl.Series] = {}
    for table, plan in model.plans.items():
        given = None
        parent_keys = None
        parent_ref = None
        if plan.parent is None:
            # a reference table (not the people's) keeps its size, scaled as the people are
            own = getattr(model, "top_rows", {}).get(table)
            top = model.relations.root
            n = (
                roots
                if own is None or table == top
                else max(1, round(own * roots / model.root_rows))
            )
        else:
            parent = context[plan.parent]
            named = parent.drop("__key", "__ref").rename(lambda c: PARENT + c)
            numbers = model.counts[table].sample(
                parent.height, _seed(seed, table, 1), given=_pandas(named)
            )
            how_many = np.clip(np.round(numbers[COUNT].astype(float).fillna(0).to_numpy()), 0, None)
            index = np.repeat(np.arange(parent.height), how_many.astype(int))
            given = named[index]
            parent_keys = parent.get_column("__key")[index]
            parent_ref = parent.get_column("__ref")[index]
            n = index.size
        trees = model.rows[table]
        if trees is not None and n and plan.sequence:
            if LENGTH in trees.order:  # drawn knowing its parent's number of rows
                given = given.with_columns(pl.Series(LENGTH, how_many[index].astype(np.int64)))
            modelled = _draw_in_order(
                trees, model.following[table], plan, given, how_many.astype(int), seed
            )
        elif trees is not None and n:
            out = trees.sample(
                n, _seed(seed, table, 2), given=_pandas(given) if given is not None else None
            )
            modelled = pl.from_pandas(out[[c for c in plan.columns]])
        else:
            modelled = (
                pl.DataFrame({c: [] for c in plan.columns}) if plan.columns else pl.DataFrame()
            )
        restorable = _from_steps(modelled, plan, index) if plan.sequence else modelled
        frame = _restore(restorable, plan, parent_ref, n)
        done = before.get(table, 0)
        keys = _surrogates(plan, n, before=done)
        columns = {plan.key: keys} if plan.key else {}
        columns |= {
            c: _surrogates(plan, n, c, start, before=done) for c, start in plan.counters.items()
        }
        if plan.pointer is not None:
            columns[plan.pointer] = parent_keys.alias(plan.pointer)
            parents_of[table] = parent_keys
        frame = frame.with_columns(list(columns.values())) if columns else frame
        frame = _numbered(frame, plan)
        reference = (
            micros(frame.get_column(plan.reference))
            if plan.reference is not None
            else pl.Series([None] * n, dtype=pl.Int64)
        )
        context[table] = pl.concat(
            [
                pl.DataFrame({"__key": keys.alias("__key")}),
                restorable,  # children were fitted on gaps from the parent, not steps
                pl.DataFrame({"__ref": reference}),
            ],
            how="horizontal",
        )
        drawn[table] = frame
    for table, plan in model.plans.items():
        drawn[table] = _links(drawn, model, table, plan, seed)
    for table in model.plans:
        drawn[table] = _kept_in_order(drawn, model, table)
    for table, plan in model.plans.items():
        drawn[table] = drawn[table].select(
            [
                pl.col(c).cast(pl.Date).cast(pl.Int32).cast(plan.dtypes[c])
                if c in plan.steps
                else pl.col(c).cast(plan.dtypes[c], strict=False)
                if c in drawn[table].columns
                else pl.lit(None, dtype=plan.dtypes[c]).alias(c)
                for c in plan.output
            ]
        )
    return drawn


def _numbered(frame: pl.DataFrame, plan: TablePlan) -> pl.DataFrame:
    """Each parent's rows numbered from their first (by time where the table has one)."""
    positions = getattr(plan, "positions", {})  # models fitted before: drawn as any column
    if not positions or plan.pointer is None:
        return frame
    order = (
        pl.col(plan.reference).rank("ordinal").over(plan.pointer) - 1
        if plan.reference is not None
        else pl.int_range(pl.len()).over(plan.pointer)
    )
    return frame.with_columns(
        (order + start).cast(pl.Int64).alias(column) for column, start in positions.items()
    )


def _draw_in_order(
    trees: SequentialTrees,
    following: SequentialTrees,
    plan: TablePlan,
    given: pl.DataFrame,
    counts: np.ndarray,
    seed: int,
) -> pl.DataFrame:
    """A parent's rows drawn one place at a time, each given the one drawn before it.

    ``given`` holds each row's parent columns, rows grouped by parent (``counts`` each); the
    rows of every parent's first place are drawn together (by ``trees``, given the parent),
    then every parent's second (by ``following``, given the parent and the first), and so on,
    so the work grows with the longest history, not with the number of parents.
    """
    starts = np.cumsum(counts) - counts
    places = int(counts.max()) if counts.size else 0
    parts: list[tuple[np.ndarray, pd.DataFrame]] = []
    previous: pd.DataFrame | None = None
    previous_parents = np.array([], dtype=int)
    for place in range(places):
        parents = np.flatnonzero(counts > place)
        rows = starts[parents] + place
        context = _pandas(given[rows])
        if previous is not None:
            context[POSITION] = place
            # the parents still drawing are a subset of those drawn at the place before
            at = np.searchsorted(previous_parents, parents)
            for c in plan.columns:
                context[PREVIOUS + c] = previous[c].to_numpy()[at]
        drawer = trees if previous is None else following
        out = drawer.sample(rows.size, _seed(seed, plan.name, 2 + place), given=context)
        out = out[list(plan.columns)].reset_index(drop=True)
        if previous is not None:
            for c in plan.carried:  # kept by every parent: the row before's value
                out[c] = previous[c].to_numpy()[at]
        parts.append((rows, out))
        previous, previous_parents = out, parents
    order = np.argsort(np.concatenate([rows for rows, _ in parts]), kind="stable")
    # a place whose column is all missing takes the other places' type: left out of the
    # concatenation and filled back (pandas deprecates leaving it out of the dtype itself)
    stacked = pd.concat(
        [out.dropna(axis=1, how="all") for _, out in parts], ignore_index=True
    ).reindex(columns=list(plan.columns))
    return pl.from_pandas(stacked.iloc[order].reset_index(drop=True))


def _kept_in_order(drawn: dict[str, pl.DataFrame], model: LinkedModel, table: str) -> pl.DataFrame:
    """``table``'s times moved up where a drawn gap broke an ordering the data always keeps.

    Gaps from a kept order's anchor are never negative; the other orderings of a row (a time
    after two others, or after an ancestor's) can be broken by independent draws. The later
    time is then set to the earlier one (a gap of zero), in table order, so that a time is final
    before a descendant's is compared with it. A row's times move only forward.
    """
    mine = [o for o in model.orderings if o.after_table == table]
    if not mine:
        return drawn[table]
    joined, origin = with_ancestors(drawn, model.relations, table)
    frame = drawn[table]
    for _ in range(2):  # a time raised may now be before another: once more settles it
        for ordering in mine:
            if ordering.before_table == table:
                earlier = frame.get_column(ordering.before)
            else:
                name = next(
                    (n for n, s in origin.items() if s == (ordering.before_table, ordering.before)),
                    None,
                )
                if name is None:
                    continue
                earlier = joined.get_column(name)
            later = frame.get_column(ordering.after)
            start, end = micros(earlier), micros(later)
            moved = pl.when(start > end).then(start).otherwise(end)
            raised = pl.select(moved).to_series().cast(pl.Datetime("us")).cast(later.dtype)
            frame = frame.with_columns(raised.alias(ordering.after))
    return frame


def _restore(
    modelled: pl.DataFrame, plan: TablePlan, parent_ref: pl.Series | None, n: int
) -> pl.DataFrame:
    """Own columns back in the input's form: gaps added to their anchors, in time order."""
    plain = [c for c in plan.columns if not c.startswith(GAP)]
    frame = modelled.select(plain) if plain else pl.DataFrame({"__n": range(n)}).drop("__n")
    times: dict[str, pl.Series] = {
        c: modelled.get_column(c).cast(pl.Float64).round().cast(pl.Int64)
        // plan.resolution.get(c, 1)
        * plan.resolution.get(c, 1)
        for c in plan.absolute
    }
    for column in plan.anchors:  # in time order: an anchor is restored before what it anchors
        gap = (modelled.get_column(GAP + column).cast(pl.Float64) * SECONDS).round().cast(pl.Int64)
        anchor = plan.anchors[column]
        base = times.get(anchor) if anchor is not None else parent_ref
        if base is None:
            times[column] = pl.Series([None] * n, dtype=pl.Int64)
            continue
        unit = plan.resolution.get(column, 1)  # the input's own grain: whole days, hours…
        times[column] = (base + plan.signs.get(column, 1) * gap) // unit * unit
    restored = [times[c].cast(pl.Datetime("us")).alias(c) for c in times]
    return frame.with_columns(restored) if restored else frame


def _links(
    drawn: dict[str, pl.DataFrame], model: LinkedModel, table: str, plan: TablePlan, seed: int
) -> pl.DataFrame:
    """Columns that repeat an ancestor's key, and the further pointers (secondary links).

    A pointer to a sibling table (both under the same parent) points to a synthetic row of it
    under the same synthetic parent; a pointer to any other table (a transfer's receiving
    account) to a synthetic row of it drawn uniformly. Either is missing as often as in the
    data.
    """
    frame = drawn[table]
    for column, ancestor in plan.implied.items():
        values = _ancestor_key(drawn, model, table, ancestor)
        if values is not None:
            frame = frame.with_columns(values.alias(column))
    rng = np.random.default_rng(_seed(seed, table, 3))
    for column, (target, share) in plan.secondary.items():
        target_plan = model.plans.get(target)
        if target_plan is None or target_plan.key is None:
            frame = frame.with_columns(pl.lit(None).alias(column))
            continue
        if target_plan.parent is None or target_plan.parent != plan.parent or not plan.pointer:
            keys = drawn[target].get_column(target_plan.key)
            picked = keys.gather(rng.integers(0, keys.len(), frame.height)) if keys.len() else None
            present = pl.Series(rng.random(frame.height) < share)
            values = (
                picked if picked is not None else pl.repeat(None, frame.height, dtype=keys.dtype)
            )
            frame = frame.with_columns(pl.when(present).then(values).otherwise(None).alias(column))
            continue
        siblings = drawn[target].select(
            pl.col(target_plan.pointer).alias("__p"), pl.col(target_plan.key).alias("__t")
        )
        groups = dict(siblings.group_by("__p", maintain_order=True).agg("__t").iter_rows())
        chosen = []
        for parent_key in frame.get_column(plan.pointer).to_list():
            options = groups.get(parent_key) or []
            chosen.append(
                options[rng.integers(len(options))] if options and rng.random() < share else None
            )
        frame = frame.with_columns(pl.Series(column, chosen, dtype=siblings.schema["__t"]))
    return frame


def _ancestor_key(
    drawn: dict[str, pl.DataFrame], model: LinkedModel, table: str, ancestor: str
) -> pl.Series | None:
    """For each row of ``table``, the key of its ancestor row in ``ancestor``."""
    plan = model.plans[table]
    current = drawn[table].get_column(plan.pointer) if plan.pointer else None
    at = plan.parent
    while current is not None and at is not None and at != ancestor:
        up = model.plans[at]
        if up.pointer is None:
            return None
        lookup = drawn[at].select(pl.col(up.key).alias("__k"), pl.col(up.pointer).alias("__up"))
        current = (
            pl.DataFrame({"__k": current})
            .join(lookup, on="__k", how="left", maintain_order="left")
            .get_column("__up")
        )
        at = up.parent
    return current if at == ancestor else None
