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
* the **root** is the people (patients, customers) whose rows go together into training or
  holdout: the table the most other tables point to (an EHR export puts the patient's key in
  most tables; a reference table such as organizations is pointed to by a few), then one whose
  name says people (patients, customers), then the one the most rows reach; ``root`` in
  ``relations.toml`` names it instead;
* a table's **parent** is the most specific table it links to with a complete column (an
  admission rather than the patient, when the admission itself links to the patient), among
  the links that keep it under the root if any does (an encounter's patient, not its
  provider); its other links are **implied** (the parent's own link gives the same value on
  every row) or **secondary** (a further, possibly empty, pointer such as a prescription's ICU
  stay, or the root's own pointer to a reference table);
* an integer column not named after the table it would point to is a link only if its values
  spread over that table's keys as some of its rows would (not a count of 1 to 11 that falls
  at the bottom of account numbers up to 11,382);

Links whose values are not all found are kept with a warning naming the table, the column and
how many values point nowhere (a broken export), never an error. Nothing here reads or writes a
value into a message: counts and names only.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv.errors import ConfigError
from synthpriv.executors.rows import row_hashes
from synthpriv.frames import is_time, micros
from synthpriv.io import held

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


def integral_keys(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Key-named columns a writer stored as floats (``1001.0``) as the integers they are.

    A column named as a key (``..._id``, ``key``, after a table) whose values are all whole
    numbers: pandas writes an integer column with a missing cell as floats, and a link then
    matches no parent's key. Other float columns are left as they are.
    """
    out = {}
    for table, frame in frames.items():
        cast = []
        for column, dtype in frame.schema.items():
            if not dtype.is_float():
                continue
            if not (_keyish(column) or any(names_table(column, t) for t in frames)):
                continue
            values = frame.get_column(column).drop_nulls()
            if (
                values.len()
                and bool((values == values.round(0)).all())
                and bool((values.abs() < 2**53).all())
            ):
                cast.append(pl.col(column).cast(pl.Int64))
        out[table] = frame.with_columns(cast) if cast else frame
    return out


def _keyable(series: pl.Series) -> bool:
    return series.dtype == pl.String or series.dtype.is_integer()


def _dense(values: pl.Series) -> bool:
    """Integers that fill most of a short range (row numbers), which other columns fall into."""
    if not values.dtype.is_integer() or values.len() == 0:
        return False
    low, high = values.min(), values.max()
    return (high - low + 1) <= 2 * values.len()


SPREAD_ALPHA = 1e-3  # a pointer's values are rejected as not spread at this significance


def _spread(series: pl.Series, key_series: pl.Series) -> bool:
    """Whether integers spread over the parent's keys as some of its rows would.

    A pointer names some of the parent's rows, wherever they sit among its keys; a count or a
    code that happens to fall within a long run of integer keys (a district's number of towns,
    1 to 11, among account numbers up to 11,382) sits at their bottom. The ranks of the column's
    distinct values among the sorted keys are tested against uniform (Kolmogorov-Smirnov at
    :data:`SPREAD_ALPHA`); text is not tested (its order says nothing).
    """
    if not series.dtype.is_integer():
        return True
    keys = np.sort(key_series.drop_nulls().to_numpy())
    values = np.sort(series.drop_nulls().unique().to_numpy())
    if keys.size == 0 or values.size == 0:
        return True
    ranks = (np.searchsorted(keys, values) + 0.5) / keys.size
    # one-sample KS statistic against uniform on [0, 1]
    n = values.size
    steps = np.arange(1, n + 1) / n
    stat = float(max(np.max(steps - ranks), np.max(ranks - (steps - 1 / n))))
    return stat <= math.sqrt(-0.5 * math.log(SPREAD_ALPHA / 2)) / math.sqrt(n)


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


def row_counters(frame: pl.DataFrame, table: str, key: str | None) -> list[str]:
    """Other columns that only number or name rows.

    Unique integers in a short run (1..n), or a unique column its name calls a key. A unique
    text that names people (an e-mail, a name) is not one: the scan and cleaning decide.
    """
    return [
        c
        for c in candidates(frame)
        if c != key and (_dense(frame.get_column(c)) or _keyish(c) or names_table(c, table))
    ]


def parent_positions(frame: pl.DataFrame, link: str | None, columns: list[str]) -> dict[str, int]:
    """Integer columns numbering each parent's rows (1..n or 0..n-1 within every parent).

    Each with the number it starts at. They hold the rows' order, not their content (a
    diagnosis's SEQ_NUM): a history with its rows reordered is the same history, and a
    synthetic table numbers its own rows so.
    """
    if link is None or frame.height == 0:
        return {}
    out = {}
    for c in columns:
        if not frame.schema[c].is_integer():
            continue
        rank = pl.col(c).rank("ordinal").over(link)
        low = pl.col(c).min().over(link)
        ok, start = frame.select(
            ((pl.col(c) - low + 1 == rank) & low.is_in([0, 1])).mean().alias("ok"),
            low.mode().first().alias("start"),
        ).row(0)
        if ok is not None and ok >= 0.95:
            out[c] = int(start) if start in (0, 1) else 1
    return out


def _as_text(series: pl.Series) -> pl.Series:
    return series.cast(pl.String).str.strip_chars()


def _distinct_text(series: pl.Series) -> pl.Series:
    """The distinct values of ``series`` as text, without nulls.

    Integers are made distinct first: the same values as casting every cell (an integer's
    text is its own), without a text copy of each of millions of rows.
    """
    if series.dtype.is_integer():
        return series.drop_nulls().unique().cast(pl.String)
    return _as_text(series).drop_nulls().unique()


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
            values = _distinct_text(series)
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
    root = overrides.get("root") or _root(frames, found)
    links = _kinds(frames, found, root)
    warnings = tuple(
        f"table {k.child!r} column {k.column!r}: {k.evidence['orphans']} value(s) point to no "
        f"row of {k.parent!r} ({k.key!r})"
        for k in links
        if k.evidence.get("orphans")
    ) + tuple(_broken_keys(frames, keys))
    return Relations(tuple(frames), keys, tuple(links), root, warnings)


BROKEN_KEY_SHARE = 0.01  # a key-named column with this share (or one) of cells repeated or empty


def _key_faults(series: pl.Series) -> tuple[int, int]:
    """What keeps a column from being a key: (values that repeat, empty cells)."""
    empty = series.null_count()
    return series.len() - empty - series.drop_nulls().n_unique(), empty


def _broken_keys(frames: dict[str, pl.DataFrame], keys: dict[str, str]) -> list[str]:
    """A column named as a key that is almost one: a few values repeat or cells are empty.

    Nothing can link to it, so the rows of the tables below lose their parent: said, never
    silent (counts only, never the values). A link column repeats far more (a patient's many
    admissions) and is not named here.
    """
    out = []
    for table, frame in frames.items():
        for column in frame.columns:
            if keys.get(table) == column or not (_keyish(column) or names_table(column, table)):
                continue
            repeated, empty = _key_faults(frame.get_column(column))
            if 0 < repeated + empty <= max(BROKEN_KEY_SHARE * frame.height, 1):
                out.append(
                    f"table {table!r} column {column!r} is named as its key but "
                    f"{repeated} value(s) repeat and {empty} cell(s) are empty: "
                    "no link to it is drawn (name the key in relations.toml once it is mended)"
                )
    return out


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
    if names == 0 and not _spread(series, key_series):
        return None  # a count or code that falls within a long run of integer keys
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


def _distances(links: list[Link], root: str | None) -> dict[str, int]:
    """Each table's fewest links to ``root`` (the tables that reach it, and the root: 0)."""
    if root is None:
        return {}
    dist = {root: 0}
    changed = True
    while changed:
        changed = False
        for k in links:
            if k.parent in dist and dist.get(k.child, len(links) + 1) > dist[k.parent] + 1:
                dist[k.child] = dist[k.parent] + 1
                changed = True
    return dist


def _loop(parents: dict[str, Link], start: str) -> list[str]:
    """The tables of the parent chain from ``start`` that come round again (empty: none)."""
    seen: list[str] = []
    table: str | None = start
    while table is not None and table not in seen:
        seen.append(table)
        table = parents[table].parent if table in parents else None
    return seen[seen.index(table) :] if table is not None else []


def _kinds(frames: dict[str, pl.DataFrame], found: list[Link], root: str | None) -> list[Link]:
    """Choose each table's parent; the other links are implied by it or secondary.

    A table with a chain of links to the root takes its parent among the links that keep it
    under the root (an encounter's patient, not its provider: the provider's table is shared by
    everyone); among those, the most specific (the admission rather than the patient). The
    root has no parent: its own links (a client's district) are secondary. Parents never form a
    loop: a table on one takes the link nearest the root instead, or none off the root's tree.
    """
    dist = _distances(found, root)
    by_child: dict[str, list[Link]] = {}
    for link in found:
        by_child.setdefault(link.child, []).append(link)
    parents: dict[str, Link] = {}
    for child, links in by_child.items():
        if child == root:
            continue
        if child in dist:
            links = [k for k in links if k.parent in dist]
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
    for table in sorted(parents):
        while loop := _loop(parents, table):
            under = [t for t in loop if t in dist]
            if under:  # toward the root, one link nearer it each time
                for t in under:
                    nearest = min(dist[k.parent] for k in by_child[t] if k.parent in dist)
                    parents[t] = max(
                        (k for k in by_child[t] if dist.get(k.parent) == nearest), key=_rank
                    )
            else:  # off the root's tree: the weakest link of the loop is no parent
                del parents[min(loop, key=lambda t: (_rank(parents[t]), t))]
    chosen = [
        Link(k.child, k.column, k.parent, k.key, "parent", k.evidence) for k in parents.values()
    ]
    out = list(chosen)
    for child, links in by_child.items():
        parent = parents.get(child)
        for link in links:
            if link is parent:
                continue
            kind = (
                "implied"
                if parent is not None
                and _implied(frames, chosen, parent, link)
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


PEOPLE_WORDS = (
    "patient applicant beneficiary citizen client customer donor employee individual member "
    "participant people person policyholder resident respondent student subject user"
).split()


def _names_people(table: str) -> bool:
    """Whether a table's name says it holds people (``PATIENTS``, ``customer``, ``tbl_users``)."""
    return any(_stem(word) in PEOPLE_WORDS for word in re.findall(r"[a-z]+", table.lower()))


def _root(frames: dict[str, pl.DataFrame], links: list[Link]) -> str | None:
    """The people: the table the most others point to, then one named for people.

    An EHR or bank export puts the person's key in most of its tables (every MIMIC table has
    the patient's); a reference table (organizations, districts) is pointed to by a few. On a
    tie, a name that says people (patients, customers) decides, then the rows that reach the
    table by any chain of links. ``None``: nothing links.
    """
    if not links:
        return None
    pointing: dict[str, set[str]] = {}
    for k in links:
        pointing.setdefault(k.parent, set()).add(k.child)

    def reached(table: str) -> int:
        return sum(frames[t].height for t in _distances(links, table) if t != table)

    return max(sorted(pointing), key=lambda t: (len(pointing[t]), _names_people(t), reached(t)))


MIN_SPLIT_ROWS = 20  # a reference table with fewer rows stays whole in training


def split_by_root(
    frames: dict[str, pl.DataFrame], relations: Relations, share: float, seed: int
) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Each table's (training, holdout) rows, one person's rows all on one side.

    The root's rows are split by a seeded hash of their key (as a single table's rows are split
    by a hash of their values); every other row goes where the row its parent link points to
    went, down any depth. A reference table (organizations, districts: a table with no parent
    other than the root) is split the same way by its own rows, its children going with them,
    so that its synthetic rows have unseen real rows as a baseline too; one of fewer than
    :data:`MIN_SPLIT_ROWS` rows, and a row whose parent is missing, stay in training.
    """
    return {
        table: (frames[table].filter(~flags), frames[table].filter(flags))
        for table, flags in held_out(frames, relations, share, seed).items()
    }


def held_out(
    frames: dict[str, pl.DataFrame], relations: Relations, share: float, seed: int
) -> dict[str, pl.Series]:
    """Per table, which rows :func:`split_by_root` holds out (True), in ``relations.order()``.

    Only flags and the link columns are made: a caller can take one side of one table at a
    time.
    """
    root = relations.root
    if root is None:
        raise ValueError("no root table: nothing links the tables")
    cut = np.uint64(int(round(share * 1_000_000)))

    def split(table: str) -> pl.Series:
        frame = frames[table]
        key = relations.keys.get(table)
        if table != root and frame.height < MIN_SPLIT_ROWS:
            return pl.Series("__held", np.zeros(frame.height, bool))
        # by the key's hash, or the whole row's for a table without a key
        values = frame.select(pl.col(key).cast(pl.String)) if key in frame.columns else frame
        hashes = row_hashes(values, seed)
        return pl.Series("__held", hashes % np.uint64(1_000_000) < cut)

    held = {root: split(root)}
    for table in relations.order():
        if table == root:
            continue
        link = relations.parent_of(table)
        frame = frames[table]
        if link is None:
            held[table] = split(table)
            continue
        if link.parent not in held:
            held[table] = pl.Series("__held", np.zeros(frame.height, bool))
            continue
        keys, pointers = joinable(
            frames[link.parent].get_column(link.key), frame.get_column(link.column)
        )
        sides = pl.DataFrame({"__key": keys, "__held": held[link.parent]})
        joined = (
            pointers.alias("__key")
            .to_frame()
            .join(sides, on="__key", how="left", maintain_order="left")
        )
        held[table] = joined.get_column("__held").fill_null(False)
    return held


def joinable(keys: pl.Series, pointers: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A parent's key and a child's link column, as columns to join on.

    Keys and links meet as text (a key read as numbers in one table and as text in another
    still links); where both columns already have the same integer or text type they are
    joined as they are, which is the same match without a copy of every child row as text.
    """
    same = keys.dtype == pointers.dtype and (keys.dtype.is_integer() or keys.dtype == pl.String)
    if same:
        return keys, pointers
    return keys.cast(pl.String), pointers.cast(pl.String)


def key_columns(relations: Relations, table: str, frame: pl.DataFrame) -> list[str]:
    """The columns of ``table`` that name rows: its key, its links, its other row counters."""
    named = {relations.keys.get(table)} | {k.column for k in relations.links if k.child == table}
    counters = set(row_counters(frame, table, relations.keys.get(table)))
    return [c for c in frame.columns if c in named or c in counters]


def persons(frames: dict[str, pl.DataFrame], relations: Relations) -> dict[str, pl.Series]:
    """Each table's rows' person: the root key (as text) their parent links lead to.

    Only tables under the root appear; a row whose parent is missing has a null person.

    A child table's people are found :data:`PERSON_ROWS` rows at a time and, in a run, each
    part goes to its shelf as it is made (:func:`synthpriv.io.held.streamed`): a column of
    text a row was in the heap whole for every table and side (386 MB held for 8M rows).
    What is held whole is the parent's keys with their people, the lookup.
    """
    root = relations.root
    if root is None:
        return {}
    key = relations.keys[root]
    owner = {root: held.column(frames[root].get_column(key).cast(pl.String).alias("__person"))}
    for table in relations.order():
        link = relations.parent_of(table)
        if table == root or link is None or link.parent not in owner:
            continue
        parent_keys = frames[link.parent].get_column(link.key)
        pointers = frames[table].get_column(link.column)
        keys, _ = joinable(parent_keys, pointers.head(0))  # each slice is cast as the keys are
        lookup = pl.DataFrame([keys.alias("__k"), owner[link.parent]]).unique("__k", keep="first")
        parts = (
            pointers.slice(start, PERSON_ROWS)
            .cast(keys.dtype)
            .alias("__k")
            .to_frame()
            .join(lookup, on="__k", how="left", maintain_order="left")
            .select("__person")
            for start in range(0, max(pointers.len(), 1), PERSON_ROWS)
        )
        owner[table] = held.streamed(parts, f"persons-{table}").to_series()
    return owner


PERSON_ROWS = 1_000_000  # rows of a child table whose people are found at a time


FIRST_ROWS = 1_000_000  # rows of a table whose people's first times are found at a time


def first_times(
    frames: dict[str, pl.DataFrame],
    relations: Relations,
    owner: dict[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """Each person's first time in the tables below the root: ``__person``, ``__t0``.

    Microseconds since 1970, over every time column but keys and links (the root's own dates
    are often generalized or missing: they anchor nothing). ``owner``: :func:`persons`, when
    the caller has it. People with no time below the root are absent.
    """
    owner = persons(frames, relations) if owner is None else owner
    starts = []
    for table, person in owner.items():
        if table == relations.root:
            continue
        frame = frames[table]
        named = set(key_columns(relations, table, frame))
        times = [c for c, d in frame.schema.items() if is_time(d) and c not in named]
        # each person's earliest a million rows at a time, then the earliest of those: a
        # table's rows with their person and time were not all in the heap at once
        for start in range(0, frame.height if times else 0, FIRST_ROWS):
            rows = frame.slice(start, FIRST_ROWS)
            earliest = pl.min_horizontal([micros(rows.get_column(c)) for c in times])
            starts.append(
                pl.select(person.slice(start, FIRST_ROWS).alias("__person"), earliest.alias("__t0"))
                .drop_nulls("__person")
                .group_by("__person")
                .agg(pl.col("__t0").min())
            )
    if not starts:
        return pl.DataFrame(schema={"__person": pl.String, "__t0": pl.Int64})
    return pl.concat(starts).group_by("__person").agg(pl.col("__t0").min())


# ----------------------------------------------------------------------------- given relations


def load_overrides(path: str | Path, frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    """Read ``relations.toml``: ``root``, ``[primary_keys]`` and ``[[links]]``, checked.

    Every table and column it names must exist in ``frames``, and every column it names as a
    key (a primary key, a link's ``key``) must be one: complete, no value repeated. Else a
    link would join two people into one, or be dropped without a word.

    Raises:
        ConfigError: unreadable TOML, an unknown key, a table or column the folder lacks, or
            a key that is not one; the message names the file and the entry.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not readable as TOML ({type(exc).__name__})") from None
    unknown = sorted(set(data) - {"root", "primary_keys", "links"})
    if unknown:
        raise ConfigError(f"{path}: unknown entry {unknown[0]!r} (root, primary_keys, links)")

    def column(where: str, table: Any, name: Any) -> None:
        if table not in frames:
            raise ConfigError(f"{path}: {where}: no table {table!r} in the folder")
        if name not in frames[table].columns:
            raise ConfigError(f"{path}: {where}: {name!r} is not a column of table {table!r}")

    def key(where: str, table: Any, name: Any) -> None:
        column(where, table, name)
        repeated, empty = _key_faults(frames[table].get_column(name))
        if repeated or empty:
            raise ConfigError(
                f"{path}: {where}: column {name!r} of table {table!r} is not a key: "
                f"{repeated} value(s) repeat and {empty} cell(s) are empty"
            )

    if "root" in data and data["root"] not in frames:
        raise ConfigError(f"{path}: root: no table {data['root']!r} in the folder")
    primary = data.get("primary_keys") or {}
    for table, name in primary.items():
        key(f"primary_keys.{table}", table, name)
    links = data.get("links") or []
    if not isinstance(links, list):
        raise ConfigError(f"{path}: links: write each as a [[links]] table")
    for number, link in enumerate(links):
        where = f"links[{number}]"
        missing = [k for k in ("child", "column", "parent", "key") if k not in link]
        if missing:
            raise ConfigError(f"{path}: {where}: {missing[0]!r} is missing")
        column(f"{where}.column", link["child"], link["column"])
        key(f"{where}.key", link["parent"], link["key"])
        if primary.get(link["parent"], link["key"]) != link["key"]:
            raise ConfigError(
                f"{path}: {where}.key: {link['key']!r} is not the key primary_keys names for "
                f"table {link['parent']!r} ({primary[link['parent']]!r})"
            )
    return data


# ------------------------------------------------------------------------------------- orderings


MIN_ORDERED_ROWS = 20  # fewer pairs than this say nothing about an order


@dataclass(frozen=True)
class Ordering:
    """A time never after another in the data: ``before`` in ``after_table`` or an ancestor.

    ``rows``: how many rows had both times.
    """

    before_table: str
    before: str
    after_table: str
    after: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        """As written in the schema."""
        return {
            "before": f"{self.before_table}.{self.before}",
            "after": f"{self.after_table}.{self.after}",
            "rows": self.rows,
        }


def _times(frame: pl.DataFrame) -> list[str]:
    return [c for c, t in frame.schema.items() if t == pl.Date or isinstance(t, pl.Datetime)]


def _as_time(series: pl.Series) -> pl.Series:
    """Dates and times compared on one scale (a date is its midnight), naive UTC."""
    if series.dtype == pl.Date:
        return series.cast(pl.Datetime("us"))
    if series.dtype.time_zone is not None:  # type: ignore[union-attr]
        series = series.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return series.dt.cast_time_unit("us")


def with_ancestors(
    frames: dict[str, pl.DataFrame], relations: Relations, table: str
) -> tuple[pl.DataFrame, dict[str, tuple[str, str]]]:
    """``table``'s rows with the time columns of its parent, grandparent… joined on.

    Returns the frame and, for each added column, the (table, column) it came from.
    """
    frame = frames[table]
    origin: dict[str, tuple[str, str]] = {}
    link, hop = relations.parent_of(table), 0
    pointer = link.column if link else None
    while link is not None and hop < len(frames):
        hop += 1
        parent = frames[link.parent]
        up = relations.parent_of(link.parent)
        wanted = _times(parent)
        carried = [up.column] if up is not None else []
        renamed = {c: f"__a{hop}_{c}" for c in [*wanted, *carried]}
        keys, pointers = joinable(parent.get_column(link.key), frame.get_column(pointer))
        right = parent.with_columns(keys.alias("__k")).select(
            "__k", *[pl.col(c).alias(n) for c, n in renamed.items()]
        )
        frame = frame.with_columns(pointers.alias("__k")).join(
            right, on="__k", how="left", maintain_order="left"
        )
        frame = frame.drop("__k")
        origin |= {renamed[c]: (link.parent, c) for c in wanted}
        pointer = renamed[up.column] if up is not None else None
        link = up
    return frame, origin


def find_orderings(frames: dict[str, pl.DataFrame], relations: Relations) -> list[Ordering]:
    """Pairs of times that are in order on every row where both are known.

    Within a table (admission before discharge) and from an ancestor's time to a descendant's
    (birth before admission, admission before an ICU stay's start). A pair needs
    ``MIN_ORDERED_ROWS`` rows with both times; equal times count as in order.
    """
    found: list[Ordering] = []
    for table in relations.order() if relations.root else sorted(frames):
        frame, origin = with_ancestors(frames, relations, table)
        own = _times(frames[table])
        sources = [(c, (table, c)) for c in own] + list(origin.items())
        for after in own:
            later = _as_time(frame.get_column(after))
            for name, (source_table, source) in sources:
                if name == after:
                    continue
                earlier = _as_time(frame.get_column(name))
                both = earlier.is_not_null() & later.is_not_null()
                rows = int(both.sum())
                if rows >= MIN_ORDERED_ROWS and bool((earlier <= later).filter(both).all()):
                    found.append(Ordering(source_table, source, table, after, rows))
    complete = {
        (table, column)
        for table, frame in frames.items()
        for column in _times(frame)
        if frame.get_column(column).null_count() == 0
    }
    return _reduced(found, complete)


def _reduced(found: list[Ordering], complete: set[tuple[str, str]]) -> list[Ordering]:
    """The orderings without those two others imply; what stays implies every one found.

    Birth before discharge follows from birth before admission and admission before discharge.
    A middle time implies an ordering only if it is never missing (``complete``): a death date
    known for a few people says nothing of the others.
    """
    kept = list(found)
    for ordering in found:
        start = (ordering.before_table, ordering.before)
        end = (ordering.after_table, ordering.after)
        firsts = {(o.after_table, o.after) for o in kept if (o.before_table, o.before) == start}
        seconds = {(o.before_table, o.before) for o in kept if (o.after_table, o.after) == end}
        if ((firsts & seconds) & complete) - {start, end}:
            kept.remove(ordering)
    return kept


KEPT_ROWS = 1_000_000  # a table's rows joined to their ancestors' times at a time


def kept_share(
    frames: dict[str, pl.DataFrame], relations: Relations, ordering: Ordering
) -> float | None:
    """The share of rows with both times in which ``ordering`` holds (``None``: no such row).

    :data:`KEPT_ROWS` rows of the later table at a time are given their ancestors' times.
    """
    table = frames[ordering.after_table]
    kept = both = 0
    for start in range(0, max(table.height, 1), KEPT_ROWS):
        part = frames | {ordering.after_table: table.slice(start, KEPT_ROWS)}
        frame, origin = with_ancestors(part, relations, ordering.after_table)
        if ordering.before_table == ordering.after_table:
            name = ordering.before
        else:
            name = next(
                (n for n, src in origin.items() if src == (ordering.before_table, ordering.before)),
                None,
            )
        if name is None or ordering.after not in frame.columns:
            return None
        earlier = _as_time(frame.get_column(name))
        later = _as_time(frame.get_column(ordering.after))
        known = earlier.is_not_null() & later.is_not_null()
        kept += int((earlier <= later).filter(known).sum())
        both += int(known.sum())
    return kept / both if both else None


# --------------------------------------------------------------------------------- steps


STEP_NAME = re.compile(r"(?i)(^|[_ .-])(t|time|timestep|step|tick|period|day|week|month)s?$")


def step_columns(frame: pl.DataFrame, relations: Relations, table: str) -> list[str]:
    """A child table's integer column that orders its rows where it has no time.

    A simulation's or a ledger's step (AMLSim's ``time``: 0..199): a column of non-negative
    integers named as a time or step is, in a table below the root with no date or time,
    the order of each parent's rows. It is modelled as days (gaps between a parent's
    consecutive rows, as a time's) and written back as the integers it was.
    """
    if relations.parent_of(table) is None or any(is_time(t) for t in frame.schema.values()):
        return []
    named = {relations.keys.get(table)} | {k.column for k in relations.links if k.child == table}
    for column, dtype in frame.schema.items():
        if column in named or not dtype.is_integer() or not STEP_NAME.search(column):
            continue
        values = frame.get_column(column).drop_nulls()
        if values.len() and int(values.min()) >= 0 and int(values.max()) < 2**31 - 1:
            return [column]
    return []
