"""Keys and links between the tables of a folder, found from the data, with their evidence.

A database or EHR export is one file per table. Which column identifies a table's rows (its
primary key) and which columns point to another table's rows (foreign keys) is found from the
values, and names break ties:

* a **key candidate** is a column of integers or text that is unique and complete in its table;
* a **link** is a column of one table whose distinct values are all (at least
  ``LINK_COVERAGE`` of them) among a key candidate's values in another table. Values decide;
  names help: a dense run of integers (1..n) is contained in too many columns by chance, so a
  link to one needs a name that says so (the same name, or the parent table's name with ``id``);
  a table's own unique row counter is not a link unless its name names the other table;
* each table's **primary key** is the candidate other tables point to, else the one its name
  calls a key;
* a table's **parent** is the most specific table it links to with a complete column (an
  admission rather than the patient, when the admission itself links to the patient); its other
  links are **implied** (the parent's own link gives the same value on every row) or
  **secondary** (a further, possibly empty, pointer such as a prescription's ICU stay);
* the **root** is the table without a parent that most rows descend from: the people (patients,
  customers) whose rows go together into training or holdout.

Links whose values are not all found are kept with a warning naming the table, the column and
how many values point nowhere (a broken export), never an error. Nothing here reads or writes a
value into a message: counts and names only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from synthpriv.executors.rows import row_hashes

LINK_COVERAGE = 0.99  # share of a column's distinct values found in the parent key for a link
NAMED_COVERAGE = 0.9  # with a name that says so: a broken export, warned about
MIN_LINK_VALUES = 2  # a column of one distinct value points nowhere in particular
KEY_NAMES = ("id", "key", "no", "nr", "num", "number", "code")


@dataclass(frozen=True)
class Link:
    """``child.column`` points to ``parent.key``; ``kind``: parent, implied or secondary."""

    child: str
    column: str
    parent: str
    key: str
    kind: str = "parent"
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """As written in the schema."""
        return {
            "child": self.child,
            "column": self.column,
            "parent": self.parent,
            "key": self.key,
            "kind": self.kind,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Relations:
    """The tables of a folder, their primary keys, the links between them and the root."""

    tables: tuple[str, ...]
    keys: dict[str, str]
    links: tuple[Link, ...]
    root: str | None
    warnings: tuple[str, ...] = ()

    def parent_of(self, table: str) -> Link | None:
        """The link from ``table`` to its parent (``None`` for a root)."""
        return next((k for k in self.links if k.child == table and k.kind == "parent"), None)

    def children_of(self, table: str) -> list[Link]:
        """The links from the tables whose parent is ``table``."""
        return [k for k in self.links if k.parent == table and k.kind == "parent"]

    def order(self) -> list[str]:
        """Every table, each after its parent (roots first, then by name)."""
        done: list[str] = []
        pending = sorted(self.tables)
        while pending:
            ready = [
                t for t in pending if (link := self.parent_of(t)) is None or link.parent in done
            ]
            if not ready:  # a cycle cannot come from parent links, but never loop forever
                ready = pending[:1]
            done += ready
            pending = [t for t in pending if t not in ready]
        return done

    def to_dict(self) -> dict[str, Any]:
        """As written in the schema: keys, links with evidence, the root and the order."""
        return {
            "tables": list(self.tables),
            "primary_keys": dict(sorted(self.keys.items())),
            "links": [k.to_dict() for k in self.links],
            "root": self.root,
            "order": self.order(),
            "warnings": list(self.warnings),
        }


def _stem(table: str) -> str:
    """A table's name as a column would name it: lower case, a plural's ``s`` off."""
    name = re.sub(r"[^a-z0-9]", "", table.lower())
    for suffix in ("ies", "s"):
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            return name[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return name


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def names_table(column: str, table: str) -> bool:
    """Whether ``column`` is named after ``table`` and a key word (``patient_id`` of patients)."""
    squashed, stem = _squash(column), _stem(table)
    return any(squashed in (stem + word, word + stem) for word in KEY_NAMES) or squashed == stem


def _keyish(column: str) -> bool:
    words = re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", column).lower())
    return bool(words) and words[-1] in KEY_NAMES


def _name_score(column: str, parent: str, key: str) -> int:
    """2: the child names the parent's key or table; 0: nothing in the names says so."""
    if _squash(column) == _squash(key) and _squash(key) not in ("id", "rowid", "key"):
        return 2
    if names_table(column, parent):
        return 2
    return 0


def _keyable(series: pl.Series) -> bool:
    return series.dtype == pl.String or series.dtype.is_integer()


def _dense(values: pl.Series) -> bool:
    """Integers that fill most of a short range (row numbers), which other columns fall into."""
    if not values.dtype.is_integer() or values.len() == 0:
        return False
    low, high = values.min(), values.max()
    return (high - low + 1) <= 2 * values.len()


def candidates(frame: pl.DataFrame) -> list[str]:
    """Columns of integers or text, unique and complete: what could be the table's key."""
    return [
        c
        for c in frame.columns
        if _keyable(frame.get_column(c))
        and frame.height > 0
        and frame.get_column(c).null_count() == 0
        and frame.get_column(c).n_unique() == frame.height
    ]


def _as_text(series: pl.Series) -> pl.Series:
    return series.cast(pl.String).str.strip_chars()


def discover(frames: dict[str, pl.DataFrame], overrides: dict[str, Any] | None = None) -> Relations:
    """Find the primary keys, links and root of ``frames`` (table name -> rows).

    ``overrides`` (from ``relations.toml``): ``primary_keys`` (table -> column), ``links``
    (a list of ``{child, column, parent, key}``, kept whatever the values say) and ``root``.
    """
    overrides = overrides or {}
    cands = {t: candidates(f) for t, f in frames.items()}
    forced_keys = dict(overrides.get("primary_keys") or {})
    for table, column in forced_keys.items():
        cands[table] = [column, *[c for c in cands.get(table, []) if c != column]]
    found: list[Link] = []
    for child, frame in frames.items():
        for column in frame.columns:
            series = frame.get_column(column)
            if not _keyable(series):
                continue
            values = _as_text(series).drop_nulls().unique()
            if values.len() < MIN_LINK_VALUES:
                continue
            best: Link | None = None
            for parent, keys in cands.items():
                if parent == child:
                    continue
                for key in keys:
                    link = _link(child, column, series, values, parent, key, frames[parent])
                    if link is not None and (best is None or _rank(link) > _rank(best)):
                        best = link
            if best is not None:
                found.append(best)
    for item in overrides.get("links") or []:
        found = [k for k in found if (k.child, k.column) != (item["child"], item["column"])]
        found.append(
            Link(
                item["child"], item["column"], item["parent"], item["key"], evidence={"given": True}
            )
        )
    keys = _primary_keys(frames, cands, found, forced_keys)
    found = [k for k in found if keys.get(k.parent) == k.key]
    links = _kinds(frames, found)
    root = overrides.get("root") or _root(frames, links)
    warnings = tuple(
        f"table {k.child!r} column {k.column!r}: {k.evidence['orphans']} value(s) point to no "
        f"row of {k.parent!r} ({k.key!r})"
        for k in links
        if k.evidence.get("orphans")
    )
    return Relations(tuple(frames), keys, tuple(links), root, warnings)


def _link(
    child: str,
    column: str,
    series: pl.Series,
    values: pl.Series,
    parent: str,
    key: str,
    parent_frame: pl.DataFrame,
) -> Link | None:
    """The link ``child.column`` -> ``parent.key`` if the values (and names) make one."""
    key_series = parent_frame.get_column(key)
    if series.dtype.is_integer() != key_series.dtype.is_integer():
        return None
    names = _name_score(column, parent, key)
    own_key = series.null_count() == 0 and series.n_unique() == series.len()
    if own_key and names == 0:
        return None  # a table's own row counter, not a pointer
    if _dense(key_series) and names == 0:
        return None  # 1..n holds any small integer column
    found = values.is_in(_as_text(key_series).implode())
    share = float(found.mean())
    if share < LINK_COVERAGE and not (names and not own_key and share >= NAMED_COVERAGE):
        return None
    orphans = int((~found).sum())
    return Link(
        child,
        column,
        parent,
        key,
        evidence={
            "values": values.len(),
            "found_in_parent": round(share, 4),
            "orphans": orphans,
            "missing_cells": series.null_count(),
            "named_after_parent": bool(names),
        },
    )


def _rank(link: Link) -> tuple[int, float, int]:
    ev = link.evidence
    if ev.get("given"):
        return (3, 1.0, 0)
    return (int(ev["named_after_parent"]), ev["found_in_parent"], -ev["values"])


def _primary_keys(
    frames: dict[str, pl.DataFrame],
    cands: dict[str, list[str]],
    links: list[Link],
    forced: dict[str, str],
) -> dict[str, str]:
    keys = dict(forced)
    for table, columns in cands.items():
        if table in keys or not columns:
            continue
        pointed = sorted(
            (c for c in columns if any(k.parent == table and k.key == c for k in links)),
            key=lambda c: -sum(k.parent == table and k.key == c for k in links),
        )
        named = [c for c in columns if names_table(c, table) or _keyish(c)]
        keys[table] = (pointed or named or columns)[0]
    return keys


def _reaches(links: list[Link], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        table = todo.pop()
        if table == goal:
            return True
        if table in seen:
            continue
        seen.add(table)
        todo += [k.parent for k in links if k.child == table and k.kind == "parent"]
    return False


def _kinds(frames: dict[str, pl.DataFrame], found: list[Link]) -> list[Link]:
    """Choose each table's parent; the other links are implied by it or secondary."""
    by_child: dict[str, list[Link]] = {}
    for link in found:
        by_child.setdefault(link.child, []).append(link)
    parents: dict[str, Link] = {}
    for child, links in by_child.items():
        complete = [k for k in links if not k.evidence.get("missing_cells")] or links
        # the most specific: a parent that itself links (directly) to another candidate
        specific = [
            k
            for k in complete
            if any(
                o.parent != k.parent
                and any(p.child == k.parent and p.parent == o.parent for p in found)
                for o in complete
            )
        ]
        parents[child] = max(specific or complete, key=_rank)
    chosen = [
        Link(k.child, k.column, k.parent, k.key, "parent", k.evidence) for k in parents.values()
    ]
    out = list(chosen)
    for child, links in by_child.items():
        parent = parents[child]
        for link in links:
            if link is parent:
                continue
            kind = (
                "implied"
                if _implied(frames, chosen, parent, link)
                and _reaches(chosen, parent.parent, link.parent)
                else "secondary"
            )
            out.append(Link(link.child, link.column, link.parent, link.key, kind, link.evidence))
    return sorted(out, key=lambda k: (k.child, k.kind != "parent", k.column))


def _implied(frames: dict[str, pl.DataFrame], chosen: list[Link], parent: Link, link: Link) -> bool:
    """Whether ``link``'s column equals, row for row, what the parent's own chain points to."""
    parent_frame = frames[parent.parent]
    if link.column not in parent_frame.columns:
        return False
    child = frames[parent.child].select(
        pl.col(parent.column).cast(pl.String).alias("__p"), pl.col(link.column).alias("__v")
    )
    lookup = parent_frame.select(
        pl.col(parent.key).cast(pl.String).alias("__p"), pl.col(link.column).alias("__w")
    )
    joined = child.join(lookup, on="__p", how="left")
    same = (joined.get_column("__v") == joined.get_column("__w")).fill_null(False)
    return bool(same.all())


def _root(frames: dict[str, pl.DataFrame], links: list[Link]) -> str | None:
    """The table without a parent that the most rows descend from (``None``: nothing links)."""
    parents = {k.child: k.parent for k in links if k.kind == "parent"}
    if not parents:
        return None
    below: dict[str, int] = {}
    for table, frame in frames.items():
        top = table
        for _ in range(len(frames)):
            if top not in parents:
                break
            top = parents[top]
        if top != table:
            below[top] = below.get(top, 0) + frame.height
    return max(sorted(below), key=lambda t: below[t]) if below else None


def split_by_root(
    frames: dict[str, pl.DataFrame], relations: Relations, share: float, seed: int
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Each table's (training, holdout) rows, one person's rows all on one side.

    The root's rows are split by a seeded hash of their key (as a single table's rows are split
    by a hash of their values); every other row goes where the row its parent link points to
    went, down any depth. A table not under the root (a reference table) and a row whose parent
    is missing stay in training: they are no one's history.
    """
    root = relations.root
    if root is None:
        raise ValueError("no root table: nothing links the tables")
    key = relations.keys[root]
    hashes = row_hashes(frames[root].select(pl.col(key).cast(pl.String)), seed)
    cut = np.uint64(int(round(share * 1_000_000)))
    held = {
        root: frames[root].with_columns(pl.Series("__held", hashes % np.uint64(1_000_000) < cut))
    }
    for table in relations.order():
        if table == root:
            continue
        link = relations.parent_of(table)
        frame = frames[table]
        if link is None or link.parent not in held:
            held[table] = frame.with_columns(pl.lit(False).alias("__held"))
            continue
        sides = held[link.parent].select(pl.col(link.key).cast(pl.String).alias("__key"), "__held")
        joined = frame.with_columns(pl.col(link.column).cast(pl.String).alias("__key")).join(
            sides, on="__key", how="left", maintain_order="left"
        )
        held[table] = joined.drop("__key").with_columns(pl.col("__held").fill_null(False))
    return {
        table: (
            frame.filter(~pl.col("__held")).drop("__held"),
            frame.filter(pl.col("__held")).drop("__held"),
        )
        for table, frame in held.items()
    }
