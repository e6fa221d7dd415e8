"""Fidelity across linked tables: children per parent, parent-child trends, sequences.

- **Cardinality**: for each parent link, the distribution of how many children a parent has,
  real against synthetic: mean, share with none, 90th percentile, and the similarity
  ``1 - KS`` of the two distributions (SDMetrics' ``CardinalityShapeSimilarity``).
- **Pair trends** between a parent's columns and its children's (SDMetrics' ``InterTableTrends``
  computed the same way): each child row joined to its parent; for every pair of a parent
  column and a child column, two numbers (or times) score ``1 - |r_real - r_synthetic| / 2``
  on their Pearson correlation, other pairs ``1 - TVD`` of their joint distribution (the
  single-table report's ``correlation_similarity`` and ``contingency_similarity``, checked
  against SDMetrics'); the score is the mean over pairs.
- **Sequences**: the rows of one parent in time order (by the table's first complete time). The
  gaps between consecutive rows (days), real against synthetic (quantiles and ``1 - KS``), and
  for each category column the share of consecutive rows that repeat the previous row's value.

Keys, links and row numbers are never compared (they are fresh surrogates in synthetic tables).
Every figure is a share, a quantile of gaps or counts, or a similarity: no value of a row.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import is_time, micros
from synthpriv.metrics.base import MetricError
from synthpriv.metrics.fidelity import contingency_similarity, correlation_similarity, ks_complement
from synthpriv.relations import Relations, joinable, key_columns, step_columns
from synthpriv.schema import Kind

DAY_SECONDS = 86_400.0


def _parent_links(relations: Relations) -> list[Any]:
    return [k for k in relations.links if k.kind == "parent"]


COUNTED_ROWS = 1_000_000  # a child table's rows counted per parent at a time


def _children_per_parent(frames: dict[str, pl.DataFrame], link: Any) -> np.ndarray:
    """Each parent's children (0 for none), counted :data:`COUNTED_ROWS` rows at a time."""
    pointers = frames[link.child].get_column(link.column)
    counts = (
        pl.concat(
            [
                pointers.slice(start, COUNTED_ROWS).to_frame().group_by(link.column).len()
                for start in range(0, max(pointers.len(), 1), COUNTED_ROWS)
            ]
        )
        .group_by(link.column)
        .agg(pl.col("len").sum())
    )
    return (
        frames[link.parent]
        .select(pl.col(link.key).alias(link.column))
        .join(counts, on=link.column, how="left")
        .get_column("len")
        .fill_null(0)
        .to_numpy()
    )


def similarity(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """``1 - KS statistic`` of two samples (1: alike); ``None`` when one is empty."""
    real, synthetic = real[np.isfinite(real)], synthetic[np.isfinite(synthetic)]
    if real.size == 0 or synthetic.size == 0:
        return None
    return round(ks_complement(pl.Series(real), pl.Series(synthetic)), 4)


def cardinality(
    real: dict[str, pl.DataFrame], synthetic: dict[str, pl.DataFrame], relations: Relations
) -> dict[str, Any]:
    """Per parent link: children per parent, real and synthetic, and their similarity."""
    out = {}
    for link in _parent_links(relations):
        counts = {
            side: _children_per_parent(f, link)
            for side, f in (("real", real), ("synthetic", synthetic))
        }
        entry: dict[str, Any] = {
            side: {
                "mean": round(float(c.mean()) if c.size else 0.0, 3),
                "share_with_none": round(float((c == 0).mean()) if c.size else 0.0, 4),
                "p90": int(np.quantile(c, 0.9)) if c.size else 0,
            }
            for side, c in counts.items()
        }
        entry["similarity"] = similarity(
            counts["real"].astype(float), counts["synthetic"].astype(float)
        )
        out[f"{link.child}.{link.column} -> {link.parent}"] = entry
    return out


def _compared(frame: pl.DataFrame, table: str, relations: Relations) -> list[str]:
    named = set(key_columns(relations, table, frame))
    return [c for c in frame.columns if c not in named]


def _numeric(dtype: pl.DataType) -> bool:
    return (dtype.is_numeric() and dtype != pl.Boolean) or is_time(dtype)


def _as_number(series: pl.Series) -> np.ndarray:
    if is_time(series.dtype):
        series = micros(series)
    return series.cast(pl.Float64).fill_null(np.nan).to_numpy()


def _pair_score(real: pl.DataFrame, fake: pl.DataFrame, x: str, y: str) -> float | None:
    """SDMetrics' score of one column pair, by the same functions the single-table report uses."""
    kinds = {c: Kind.NUMERICAL if _numeric(real.schema[c]) else Kind.CATEGORICAL for c in (x, y)}
    real, fake = (_times_as_numbers(f.select(x, y)) for f in (real, fake))
    try:
        if kinds[x] == kinds[y] == Kind.NUMERICAL:
            score = correlation_similarity(real, fake, x, y)
        else:
            score = contingency_similarity(real, fake, x, y, kinds)
    except MetricError:  # a constant column, or no row with both: the pair says nothing
        return None
    return None if not np.isfinite(score) else float(score)


def _times_as_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        [micros(frame.get_column(c)).alias(c) for c in frame.columns if is_time(frame.schema[c])]
    )


def _with_parent(
    frames: dict[str, pl.DataFrame], link: Any, parent_cols: list[str], child_cols: list[str]
) -> pl.DataFrame:
    """The child's ``child_cols`` beside its parent's ``parent_cols`` (named ``parent.column``)."""
    child = frames[link.child]
    keys, pointers = joinable(
        frames[link.parent].get_column(link.key), child.get_column(link.column)
    )
    parent = (
        frames[link.parent]
        .with_columns(keys.alias("__k"))
        .select("__k", *[pl.col(c).alias(f"{link.parent}.{c}") for c in parent_cols])
    )
    return (
        child.with_columns(pointers.alias("__k"))
        .select("__k", *[c for c in child_cols if c in child.columns])
        .join(parent, on="__k", how="inner")
        .drop("__k")
    )


SAMPLED_ROWS = 1_000_000  # parents' keys hashed at a time to sample them


def _some_parents(frame: pl.DataFrame, column: str, rows: int | None, seed: int) -> pl.DataFrame:
    """The rows of a seeded sample of parents holding about ``rows`` rows (all within it).

    Whole parents, so that each parent's consecutive rows stay together; chosen by a seeded
    hash of the parent's key, so the same tables give the same sample.
    """
    if rows is None or frame.height <= rows:
        return frame
    cut = int(rows / frame.height * 2**32)
    keys = frame.get_column(column)
    drawn = [  # the keys' text hashed a slice at a time: 8 million keys' text is never held
        keys.slice(start, SAMPLED_ROWS).cast(pl.String).hash(seed) % (2**32) < cut
        for start in range(0, keys.len(), SAMPLED_ROWS)
    ]
    return frame.filter(pl.concat(drawn))


def _sampled(sides: dict[str, pl.DataFrame], full: dict[str, int]) -> dict[str, Any]:
    """The rows compared on each side, and whether they are a sample of the table's."""
    rows = {side: frame.height for side, frame in sides.items()}
    return {"rows_compared": rows, "sampled": any(rows[s] < full[s] for s in rows)}


def pair_trends(
    real: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    relations: Relations,
    max_rows: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Per parent link, the mean pair score of every parent column with every child column.

    With ``max_rows``, each side's children are those of a seeded sample of parents holding
    about that many rows (the report's ``fidelity_rows``): its memory and time do not grow with
    the children.
    """
    out: dict[str, Any] = {}
    for link in _parent_links(relations):
        parent_cols = _compared(real[link.parent], link.parent, relations)
        child_cols = _compared(real[link.child], link.child, relations)
        if not parent_cols or not child_cols:
            continue
        joined = {
            side: _with_parent(
                frames
                | {link.child: _some_parents(frames[link.child], link.column, max_rows, seed)},
                link,
                parent_cols,
                child_cols,
            )
            for side, frames in (("real", real), ("synthetic", synthetic))
        }
        if joined["real"].height == 0 or joined["synthetic"].height == 0:
            continue
        pairs = {}
        for p, c in itertools.product(parent_cols, child_cols):
            score = _pair_score(joined["real"], joined["synthetic"], f"{link.parent}.{p}", c)
            if score is not None:
                pairs[f"{link.parent}.{p} ~ {link.child}.{c}"] = round(score, 4)
        if pairs:
            full = {"real": real[link.child].height, "synthetic": synthetic[link.child].height}
            out[f"{link.child}.{link.column} -> {link.parent}"] = {
                "score": round(float(np.mean(list(pairs.values()))), 4),
                "pairs": pairs,
            } | _sampled(joined, full)
    return out


def order_time(frame: pl.DataFrame, columns: list[str]) -> str | None:
    """The time a table's rows are ordered by: its complete time with the earliest median."""
    complete = [
        c for c in columns if is_time(frame.schema[c]) and frame.get_column(c).null_count() == 0
    ]
    if not complete:
        return None
    return min(
        complete, key=lambda c: (micros(frame.get_column(c)).median() or 0, complete.index(c))
    )


def _consecutive(frame: pl.DataFrame, link: Any, time: str, columns: list[str]) -> pl.DataFrame:
    """``columns`` in order within their parent, with the previous row's parent and time beside.

    Sorted once, of the columns asked only: at 2M rows every sorted copy of the table costs
    more than the figures.
    """
    rows = frame.select(link.column, *dict.fromkeys([time, *columns]))
    rows = rows.sort(link.column, time, maintain_order=True)
    return rows.with_columns(
        pl.col(link.column).shift(1).alias("__prev_parent"),
        micros(rows.get_column(time)).shift(1).alias("__prev_time"),
    )


def sequences(
    real: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    relations: Relations,
    max_rows: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Per child table with a time: gaps between a parent's consecutive rows, and repeats.

    With ``max_rows``, of a seeded sample of parents holding about that many rows per side
    (each parent's rows whole).
    """
    out: dict[str, Any] = {}
    for link in _parent_links(relations):
        table = link.child
        columns = _compared(real[table], table, relations)
        time = order_time(real[table], columns)
        full = {"real": real[table].height, "synthetic": synthetic[table].height}
        sides = {
            "real": _some_parents(real[table], link.column, max_rows, seed),
            "synthetic": _some_parents(synthetic[table], link.column, max_rows, seed),
        }
        entry: dict[str, Any] = {}
        if time is None:
            # an integer step orders the rows (AMLSim's ``time``): its gaps in steps, as days
            steps = step_columns(real[table], relations, table)
            if not steps:
                continue
            time = steps[0]
            sides = {
                side: f.with_columns(pl.col(time).cast(pl.Int32, strict=False).cast(pl.Date))
                for side, f in sides.items()
            }
            entry["steps"] = True
        entry = {"ordered_by": time} | entry
        gaps, repeats = {}, {}
        text = [c for c in columns if c != time and not _numeric(real[table].schema[c])]
        for side, frame in sides.items():
            rows = _consecutive(frame, link, time, [c for c in text if c in frame.columns])
            same = rows.get_column("__prev_parent") == rows.get_column(link.column)
            same = same.fill_null(False)
            now = micros(rows.get_column(time))
            gap = (
                (now - rows.get_column("__prev_time")).cast(pl.Float64) / 1e6 / DAY_SECONDS
            ).filter(same)
            gaps[side] = gap.drop_nulls().to_numpy()
            for c in text:
                if c not in rows.columns or _numeric(rows.schema[c]):
                    continue
                values = rows.get_column(c).cast(pl.String)
                repeated = (values == values.shift(1)).fill_null(False).filter(same)
                repeats.setdefault(c, {})[side] = (
                    round(float(repeated.mean()), 4) if repeated.len() else None
                )
        if gaps["real"].size == 0:
            continue
        entry["gap_days"] = {
            side: {
                q: round(float(np.quantile(g, p)), 3) if g.size else None
                for q, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))
            }
            for side, g in gaps.items()
        }
        entry["gap_similarity"] = similarity(gaps["real"], gaps["synthetic"])
        entry["repeats_previous"] = repeats
        entry |= _sampled(sides, full)
        out[table] = entry
    return out
