"""``run FOLDER``: a folder of linked tables (one file per table) through the whole job.

The stages of a single table's run, for every table and across them:

1. **read** every table (:func:`synthpriv.io.load_folder`: two-digit years put in the century
   the linked tables say); **relations**: keys and links found from the values
   (:mod:`synthpriv.relations`), a ``relations.toml`` in the folder overriding them;
2. **split by person**: the root's rows by a seeded hash of their key, every other row with its
   person (:func:`~synthpriv.relations.split_by_root`);
3. **scan** each table's training rows, its key and link columns aside (they are replaced by
   fresh surrogates, never cleaned, synthesized or written);
4. **clean** each table under the policy, with every *other* table's direct-identifier values
   searched for in it too (a name of one table in another's notes is escalated like its own);
5. **fit and sample** the linked model (:mod:`synthpriv.linked`): every synthetic foreign key
   points to a synthetic parent, learned time orderings are kept;
6. **report**: a report per table as for a single table, and one on each person's whole history
   flattened to a row (root columns, how many rows of each table, their numbers' means): its
   privacy gates are the person-level gates (copies and near copies of whole histories, DCR,
   membership), against the holdout persons. The exit code is the worst of every gate.

Outputs: ``synthetic/TABLE.csv`` (Parquet in, Parquet out), ``report.json`` and ``report.html``
(the relations drawn, the person-level gates, a line per table), ``tables/TABLE/report.*`` and
``persons/report.*`` (the full reports), ``schema.json``, ``audit.json``, ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy import stats
from sklearn.exceptions import ConvergenceWarning

from synthpriv import linked
from synthpriv.clean import Leak, apply_steps, find_leaks
from synthpriv.config import RunConfig
from synthpriv.errors import ConfigError, InputError, ResidualPIIError
from synthpriv.frames import is_time, micros
from synthpriv.io import (
    ReadResult,
    atomic_directory,
    check_output,
    held,
    load_folder,
    read_json,
    sha256_file,
    write_json,
    write_table,
)
from synthpriv.io.held import Shelf
from synthpriv.manifest import package_versions, write_manifest
from synthpriv.metrics import relational
from synthpriv.metrics.histories import history_copies
from synthpriv.operators import PSEUDONYMIZING
from synthpriv.pipeline import (
    NullProgress,
    Progress,
    RunResult,
    Timer,
    clean_and_verify,
    identifier_values,
    make_detector,
    prepare,
    scan,
)
from synthpriv.relations import (
    Ordering,
    Relations,
    discover,
    find_orderings,
    first_times,
    held_out,
    integral_keys,
    kept_share,
    key_columns,
    load_overrides,
)
from synthpriv.relations import persons as persons_of
from synthpriv.report import build_report, exit_status_for, write_report
from synthpriv.report.gates import exit_status_of, overall_verdict
from synthpriv.report.model import Report
from synthpriv.report.terminal import score_text
from synthpriv.schema import Kind, Role, TableSchema, infer_kind
from synthpriv.status import ExitStatus

log = logging.getLogger(__name__)

RELATIONS_FILE = "relations.toml"
SCHEMA_FILE = "schema.json"
AUDIT_FILE = "audit.json"
LINKED_REPORT_FORMAT = "synthpriv-linked-report/1"
MIN_PERSONS = 20
DAY = 86_400_000_000  # microseconds


def is_linked_folder(path: Path) -> bool:
    """A folder of two or more tables (a folder of one table's part files is not)."""
    from synthpriv.io.read import _is_table_file

    if not path.is_dir():
        return False
    stems = {
        p.name.split(".")[0]
        for p in path.iterdir()
        if p.is_file() and not p.name.startswith((".", "_", "part-")) and _is_table_file(p)
    }
    return len(stems) >= 2


def refuse(config: RunConfig) -> None:
    """What a folder run cannot do yet, refused in one line before anything starts."""
    if config.spark_master:
        raise ConfigError("--spark takes one table; a folder of linked tables runs without --spark")
    if config.engine != "cart":
        raise ConfigError(
            f"engine {config.engine!r} cannot synthesize linked tables: a folder is "
            "synthesized with the cart engine (leave --engine out)"
        )
    if config.privacy_filter or config.quality_filter or config.constraints:
        raise ConfigError(
            "--privacy-filter, --quality-filter and constraints are for one table; "
            "a folder of linked tables runs without them"
        )


def keep_event_times(schema: TableSchema, frame: pl.DataFrame, *, root: bool) -> TableSchema:
    """The schema with event times (not birth dates) kept as times, unless a user chose.

    A person is born once: a birth date is the root table's earliest time, if the scan calls it
    one. Every time of a child table, and the root's later times, are events (an admission's
    time looks like a birth date to a scan of one table; in a linked export it is not one).

    A policy generalizes dates to years because a model of one table would store them; the
    linked model stores none: a time is a gap from an earlier time of the same person, smoothed
    over groups of rows like every number the cart trees keep (never one person's), and the
    root's first time a smoothed marginal. Generalized to years, an admission could end before
    it began. Dates of birth stay under the policy; the person-level report measures what the
    kept times let an attacker do (their first time in each table is part of each history).
    """
    times = [c for c, t in frame.schema.items() if t == pl.Date or isinstance(t, pl.Datetime)]
    earliest = min(
        (c for c in times if frame.get_column(c).drop_nulls().len()),
        key=lambda c: frame.get_column(c).drop_nulls().cast(pl.Datetime("us")).median(),
        default=None,
    )
    columns = []
    for info in schema.columns:
        timed = info.name in times
        birth = root and info.name == earliest and "DATE_OF_BIRTH" in info.entity_types
        event = not birth and info.role != Role.DIRECT_IDENTIFIER
        if timed and event and info.action is None:
            info = replace(info, action="keep")
        columns.append(info)
    return replace(schema, columns=columns)


def flatten(frames: dict[str, pl.DataFrame], relations: Relations) -> pl.DataFrame:
    """One row per person: a person's history as one row, for the privacy gates.

    The root's own columns (its times as years), how many rows each table holds of the person,
    the mean of each number there and each time's first day counted from the person's first
    time in the tables below the root (a history copied with its dates moved is still the same
    history; the root's own dates are often generalized or missing, so they anchor nothing).
    """
    root = relations.root
    key = relations.keys[root]
    keys_of = {t: key_columns(relations, t, f) for t, f in frames.items()}
    owner = persons_of(frames, relations)
    own = frames[root]
    times = [c for c in own.columns if c not in keys_of[root] and is_time(own.schema[c])]
    flat = own.select(
        pl.col(key).cast(pl.String).alias("__person"),
        *[
            pl.col(c).dt.year().alias(c) if c in times else pl.col(c)
            for c in own.columns
            if c not in keys_of[root]
        ],
    )
    below = [t for t in relations.order() if t != root and t in owner]
    later = {
        t: [c for c, d in frames[t].schema.items() if is_time(d) and c not in keys_of[t]]
        for t in below
    }
    first = first_times(frames, relations, owner)
    flat = flat.join(first, on="__person", how="left")
    for table in below:
        frame = frames[table]
        numbers = [c for c, t in frame.schema.items() if t.is_numeric() and c not in keys_of[table]]
        summary = _per_person(frame, owner[table], numbers, later[table])
        summary = summary.join(flat.select("__person", "__t0"), on="__person", how="left")
        summary = summary.select(
            "__person",
            pl.col("__rows").alias(f"{table}.rows"),
            *[
                pl.when(pl.col(f"__n.{c}") > 0)
                .then(pl.col(f"__sum.{c}") / pl.col(f"__n.{c}"))
                .alias(f"{table}.{c}.mean")
                for c in numbers
            ],
            *[
                ((pl.col(f"__min.{c}") - pl.col("__t0")) // DAY).alias(f"{table}.{c}.first_day")
                for c in later[table]
            ],
        )
        flat = flat.join(summary, on="__person", how="left").with_columns(
            pl.col(f"{table}.rows").fill_null(0)
        )
    return flat.drop("__person", "__t0")


FLAT_ROWS = 1_000_000  # a table's rows summed per person at a time by :func:`flatten`


def _per_person(
    frame: pl.DataFrame, owner: pl.Series, numbers: list[str], times: list[str]
) -> pl.DataFrame:
    """Per person: rows, each number's sum and count, each time's earliest (as microseconds).

    Summed over :data:`FLAT_ROWS` rows at a time, then over the parts: a person's rows in two
    parts add up as in one, and no copy of the whole table is made.
    """
    parts = []
    for start in range(0, max(frame.height, 1), FLAT_ROWS):
        part = frame.slice(start, FLAT_ROWS)
        rows = pl.DataFrame(
            [
                owner.slice(start, FLAT_ROWS).alias("__person"),
                *[part.get_column(c).cast(pl.Float64) for c in numbers],
                *[micros(part.get_column(c)) for c in times],
            ]
        )
        parts.append(
            rows.group_by("__person").agg(
                pl.len().alias("__rows"),
                *[pl.col(c).sum().alias(f"__sum.{c}") for c in numbers],
                *[pl.col(c).count().alias(f"__n.{c}") for c in numbers],
                *[pl.col(c).min().alias(f"__min.{c}") for c in times],
            )
        )
    return (
        pl.concat(parts)
        .group_by("__person")
        .agg(
            pl.col("__rows").sum(),
            *[pl.col(f"__sum.{c}").sum() for c in numbers],
            *[pl.col(f"__n.{c}").sum() for c in numbers],
            *[pl.col(f"__min.{c}").min() for c in times],
        )
    )


@dataclass(frozen=True)
class Tables:
    """A folder of linked tables as read: each table, the relations drawn, the key columns.

    ``keys`` holds each table's key and link columns: they are set aside from every stage that
    looks at values (scan, clean, the model's columns) and replaced by fresh surrogates.
    ``mark``: the schema ``clean FOLDER`` left in the folder (:func:`cleaned_mark`; None for
    real, uncleaned rows).
    """

    folder: Path
    read: dict[str, ReadResult]
    relations: Relations
    keys: dict[str, list[str]]
    files: dict[str, Path]
    hashes: dict[str, str]
    mark: dict[str, Any] | None

    @property
    def frames(self) -> dict[str, pl.DataFrame]:
        """Each table's rows, by table name."""
        return {name: result.frame for name, result in self.read.items()}

    @property
    def suffixes(self) -> dict[str, str]:
        """Each table's file suffix: Parquet in, Parquet out; anything else is written as CSV."""
        return {
            t: ".parquet" if r.facts.get("format") == "parquet" else ".csv"
            for t, r in self.read.items()
        }


@dataclass(frozen=True)
class CleanedTables:
    """Every table scanned and cleaned under the policy, its key columns put back untouched.

    ``cleaned`` is None for a folder ``clean FOLDER`` wrote: its tables are taken as they are,
    with the schemas and audits written beside them.
    """

    schemas: dict[str, TableSchema]
    cleaned: dict[str, Any] | None  # table -> synthpriv.clean.CleanResult (frame, audit, schema)
    frames: dict[str, pl.DataFrame]  # key columns + cleaned columns
    audits: dict[str, dict[str, Any]]  # table -> its audit log, as written
    applied: dict[str, TableSchema]  # table -> its schema with the actions applied

    @functools.cached_property
    def unsynthesized(self) -> dict[str, list[str]]:
        """Each table's columns not synthesized, as for a single table.

        The identifiers kept as pseudonyms (a pseudonym repeated over a person's rows would
        otherwise be learned as a category), free text (long wordy values, redacted in the
        cleaned training rows) and text nearly every row of which is its own (a product's
        name): the training rows decide, so every side drops the same. Keys and links stay.
        """
        return {
            t: [
                c.name
                for c in self.applied[t].columns
                if c.name in f.columns
                and (
                    (c.role == Role.DIRECT_IDENTIFIER and c.action in PSEUDONYMIZING)
                    or infer_kind(f.get_column(c.name)) in (Kind.TEXT, Kind.ID)
                )
            ]
            for t, f in self.frames.items()
        }

    def modelled(self, frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        """``frames`` without the columns not synthesized (:attr:`unsynthesized`)."""
        drop = self.unsynthesized
        return {t: f.drop([c for c in drop[t] if c in f.columns]) for t, f in frames.items()}


def read_tables(folder: Path, config: RunConfig) -> Tables:
    """Stage *read*: every table of ``folder``, the relations (``relations.toml`` overriding).

    Raises:
        InputError: a table cannot be read, or no table links to another.
        ConfigError: ``relations.toml`` is invalid.
    """
    overrides_path = folder / RELATIONS_FILE
    read = load_folder(folder, encoding=config.encoding)
    # a key a writer stored as floats (1001.0) is the integer it names: else no link matches
    frames = integral_keys({name: result.frame for name, result in read.items()})
    read = {name: replace(result, frame=frames[name]) for name, result in read.items()}
    overrides = load_overrides(overrides_path, frames) if overrides_path.exists() else None
    relations = discover(frames, overrides)
    for warning in relations.warnings:
        log.warning("%s: %s", folder.name, warning)
    if relations.root is None:
        raise InputError(
            f"{folder}: no table links to another (no column's values are all another "
            f"table's keys); name the links in {RELATIONS_FILE}, or run each table alone"
        )
    files = dict(zip(frames, _files(folder, frames), strict=True))
    return Tables(
        folder=folder,
        read=read,
        relations=relations,
        keys={t: key_columns(relations, t, f) for t, f in frames.items()},
        files=files,
        hashes={t: sha256_file(p) for t, p in files.items()},
        mark=cleaned_mark(folder),
    )


def read_held(folder: Path, config: RunConfig, shelf: Shelf) -> Tables:
    """:func:`read_tables`, each table held on ``shelf`` (a large CSV is read onto it)."""
    tables = read_tables(folder, config)
    return replace(
        tables,
        read={
            t: replace(r, frame=shelf.hold(r.frame, f"input-{t}")) for t, r in tables.read.items()
        },
    )


def searched_only(tables: Tables, schemas: dict[str, TableSchema]) -> Tables:
    """``tables`` holding only what the report searches the synthetic tables for.

    That is each table's keys and the columns its schema calls identifiers: the rest of the
    input is not kept past cleaning (its rows are the cleaned tables' now).
    """
    roles = (Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII)
    kept = {
        t: set(tables.keys[t]) | {c.name for c in schemas[t].by_role(*roles)} for t in tables.read
    }
    return replace(
        tables,
        read={
            t: replace(r, frame=r.frame.select([c for c in r.frame.columns if c in kept[t]]))
            for t, r in tables.read.items()
        },
    )


def split_people(
    tables: Tables, config: RunConfig
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    """Stage *split*: the root's people by a seeded hash of their key, each with all their rows.

    Returns:
        The training and the holdout rows of every table (real, uncleaned).

    Raises:
        InputError: too few people to hold some out, or the split left one side empty.
    """
    frames, root = tables.frames, tables.relations.root
    assert root is not None  # read_tables refused a folder without one
    persons = frames[root].height
    if persons < MIN_PERSONS:
        raise InputError(
            f"{tables.folder}: table {root!r} has {persons} rows (people); at least "
            f"{MIN_PERSONS} are needed to hold people out for the privacy baseline (if another "
            "table holds the people, name it as root in relations.toml)"
        )
    flags = held_out(frames, tables.relations, config.holdout_share, config.seed)
    # one side of one table at a time, each held (when a run holds its tables) once made
    train, holdout = {}, {}
    for table in flags:
        train[table] = held.filtered(frames[table], ~flags[table], f"train-raw-{table}")
        holdout[table] = held.filtered(frames[table], flags[table], f"holdout-raw-{table}")
    if not holdout[root].height or not train[root].height:
        raise InputError(
            f"{tables.folder}: the seeded split of its {persons} people left one side empty; "
            "try another seed or holdout share"
        )
    return train, holdout


def scan_tables(
    frames: dict[str, pl.DataFrame],
    tables: Tables,
    config: RunConfig,
    detector: Any,
    progress: Progress,
) -> dict[str, TableSchema]:
    """Stage *scan*: each table's columns but its keys, its event times kept as times."""
    schemas = {}
    for table, frame in frames.items():
        schemas[table] = scan(
            frame.drop(tables.keys[table]),
            config,
            source={"file": table, "folder": tables.folder.name},
            detector=detector,
        )
        progress.advance()
    return {
        t: keep_event_times(schema, frames[t], root=t == tables.relations.root)
        for t, schema in schemas.items()
    }


def clean_tables(
    frames: dict[str, pl.DataFrame],
    tables: Tables,
    config: RunConfig,
    detector: Any,
    progress: Progress,
    *,
    policy: Any,
    key: bytes | None,
    schemas: dict[str, TableSchema] | None = None,
    scanned_here: bool | None = None,
) -> CleanedTables:
    """Stage *clean*: each table under the policy, every other table's identifiers searched for.

    Without ``schemas`` the tables are scanned first. Given ``schemas`` (a reviewed
    ``scan FOLDER``) are honoured, and every cleaned column is scanned again
    (:func:`synthpriv.clean.verify_clean`) unless ``scanned_here`` says they are this run's
    scan. A folder ``clean FOLDER`` wrote (:func:`cleaned_mark`) is not cleaned again: its
    files must be those it wrote, and no column its schema calls a direct identifier may be
    left unpseudonymized (but one a reviewer chose to keep, as for a table).

    Raises:
        ConfigError: a cleaned folder's table changed since it was written.
        ResidualPIIError: an identifier is left in a cleaned table.
    """
    if tables.mark is not None:
        return _already_cleaned(frames, tables, tables.mark, schemas)
    if scanned_here is None:
        scanned_here = schemas is None
    if schemas is None:
        schemas = scan_tables(frames, tables, config, detector, progress)
    keys = tables.keys
    # a value is rare when few people hold it: one person's rows repeat their values
    owner = persons_of(frames, tables.relations)
    cleaned = {}
    for table, frame in frames.items():

        def elsewhere(result: Any, table: str = table) -> list[Leak]:
            found: list[Leak] = []
            for other, other_frame in frames.items():
                if other != table:
                    found += find_leaks(
                        other_frame.drop(keys[other]), result.frame, schemas[other], inside=True
                    )
            return found

        cleaned[table] = clean_and_verify(
            frame.drop(keys[table]),
            schemas[table],
            detector,
            policy=policy,
            key=key,
            redact_chars=config.budgets.redact_chars,
            search=elsewhere,
            scanned_here=scanned_here,
            people=owner.get(table),
        )
        progress.advance()
    return CleanedTables(
        schemas=schemas,
        cleaned=cleaned,
        frames={
            t: pl.concat([frames[t].select(keys[t]), cleaned[t].frame], how="horizontal")
            for t in frames
        },
        audits={t: c.audit_dict() for t, c in cleaned.items()},
        applied={t: c.schema for t, c in cleaned.items()},
    )


def cleaned_mark(folder: Path) -> dict[str, Any] | None:
    """The schema ``clean FOLDER`` left in ``folder`` (None: a folder of real, uncleaned rows)."""
    path = folder / SCHEMA_FILE
    if not path.is_file():
        return None
    data = read_json(path, what="folder schema")
    return data if isinstance(data, dict) and data.get("cleaned") else None


def given_schemas(data: Any, tables: Tables, path: Path) -> dict[str, TableSchema]:
    """Each table's schema from a folder schema (``scan FOLDER``'s, possibly reviewed).

    Raises:
        ConfigError: it names other tables, or a table's columns (keys aside) differ.
    """
    given = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(given, dict):
        raise ConfigError(
            f"{path}: no 'tables' in it; give the schema 'synthpriv scan FOLDER' wrote"
        )
    names = sorted(tables.read)
    if sorted(given) != names:
        raise ConfigError(
            f"{path}: its tables ({', '.join(sorted(given))}) are not those of "
            f"{tables.folder.name} ({', '.join(names)})"
        )
    drawn = data.get("relations")
    if isinstance(drawn, dict) and _relations_shape(drawn) != _relations_shape(
        tables.relations.to_dict()
    ):
        raise ConfigError(
            f"{path}: its keys and links are not those found in {tables.folder.name} (an "
            f"edited schema, or another folder's); name keys and links in {RELATIONS_FILE}"
        )
    schemas = {}
    for table in names:
        schema = TableSchema.from_dict(given[table], origin=f"{path} (table {table!r})")
        columns = [c for c in tables.frames[table].columns if c not in tables.keys[table]]
        named = [c.name for c in schema.columns]
        for column in columns:
            if column not in named:
                raise ConfigError(
                    f"{path}: table {table!r}: column {column!r} of the folder is not in the schema"
                )
        for column in named:
            if column not in columns:
                raise ConfigError(
                    f"{path}: table {table!r}: column {column!r} of the schema is not in the "
                    "folder (or is one of its keys)"
                )
        schemas[table] = schema
    return schemas


def _check_written(folder: Path, mark: dict[str, Any], hashes: dict[str, str]) -> None:
    """Refuse a cleaned folder whose tables are not the files ``clean FOLDER`` wrote."""
    written = mark["cleaned"].get("sha256") if isinstance(mark["cleaned"], dict) else None
    for table, digest in hashes.items():
        if not isinstance(written, dict) or written.get(table) != digest:
            raise ConfigError(
                f"{folder / table}: not the table 'synthpriv clean' wrote into {folder.name} "
                f"(its {SCHEMA_FILE} holds another checksum); clean the real folder again"
            )


def _relations_shape(relations: dict[str, Any]) -> tuple[Any, ...]:
    """The root, keys and links of written relations (their evidence aside)."""
    links = relations.get("links") or []
    return (
        relations.get("root"),
        tuple(sorted((relations.get("primary_keys") or {}).items())),
        tuple(
            sorted(
                tuple(str(k.get(f)) for f in ("child", "column", "parent", "key"))
                for k in links
                if isinstance(k, dict)
            )
        ),
    )


def _already_cleaned(
    frames: dict[str, pl.DataFrame],
    tables: Tables,
    mark: dict[str, Any],
    schemas: dict[str, TableSchema] | None,
) -> CleanedTables:
    path = tables.folder / SCHEMA_FILE
    _check_written(tables.folder, mark, tables.hashes)
    schemas = schemas or given_schemas(mark, tables, path)
    for table, schema in schemas.items():
        for info in schema.columns:
            if (
                info.role == Role.DIRECT_IDENTIFIER
                and info.action not in PSEUDONYMIZING
                and info.action != "keep"
            ):
                raise ResidualPIIError(
                    f"{tables.files[table]}: column {info.name!r} is a direct identifier the "
                    "schema does not say was pseudonymized; clean the real folder again"
                )
    # the report states what was cleaned: a folder without its audit would say nothing was
    audit_path = tables.folder / AUDIT_FILE
    if not audit_path.is_file():
        raise ConfigError(
            f"{audit_path}: missing; 'synthpriv clean' writes a folder's audit log beside its "
            "tables; clean the real folder again"
        )
    audits = read_json(audit_path, what="audit log")
    for table in frames:
        if not isinstance(audits, dict) or not isinstance(audits.get(table), dict):
            raise ConfigError(
                f"{audit_path}: no audit of table {table!r}; clean the real folder again"
            )
    return CleanedTables(
        schemas=schemas,
        cleaned=None,
        frames=frames,
        audits={t: audits[t] for t in frames},
        applied=schemas,
    )


def clean_alike(
    frames: dict[str, pl.DataFrame], clean: CleanedTables, tables: Tables, key: bytes | None
) -> dict[str, pl.DataFrame]:
    """Other real rows (a holdout) cleaned with the choices fitted on the training rows.

    Rows of a folder ``clean FOLDER`` wrote are taken as they are (its holdout was cleaned with
    its training rows' choices then).
    """
    keys = tables.keys
    if clean.cleaned is None:
        return frames
    return {
        t: pl.concat(
            [
                frames[t].select(keys[t]),
                apply_steps(frames[t].drop(keys[t]), clean.cleaned[t], key=key),
            ],
            how="horizontal",
        )
        for t in frames
    }


def fit_tables(
    train: dict[str, pl.DataFrame],
    relations: Relations,
    config: RunConfig,
    real: Tables | None = None,
) -> tuple[list[Ordering], linked.LinkedModel]:
    """Stage *fit*: the time orderings the cleaned tables always keep, and the linked model.

    The model is fitted on at most ``fit_rows`` rows per table (a sample of whole people).
    ``real``: the input (both sides), whose key columns the synthetic keys start above.
    """
    orderings = find_orderings(train, relations)
    model = linked.fit(
        train,
        relations,
        orderings,
        seed=config.seed,
        max_rows=config.fit_rows,
        key_top=linked.key_values_top(real.frames, real.keys) if real is not None else 0,
    )
    return orderings, model


def _held_cleaning(clean: CleanedTables, shelf: Shelf, keys: dict[str, list[str]]) -> CleanedTables:
    """``clean`` with its cleaned tables held on ``shelf``, its results pointing to them too.

    Each cleaning result keeps its frame: the held one, so the heap's copy is let go.
    """
    frames = shelf.hold_tables(clean.frames, "train")
    cleaned = clean.cleaned and {
        t: replace(result, frame=frames[t].drop(keys[t])) for t, result in clean.cleaned.items()
    }
    return replace(clean, frames=frames, cleaned=cleaned)


def drawn_held(
    model: linked.LinkedModel, roots: int | None, seed: int | None, shelf: Shelf
) -> dict[str, pl.DataFrame]:
    """Synthetic tables drawn in parts of whole people of about ``fit_rows`` rows (the model's).

    Each part is held on ``shelf`` before the next is drawn: the tables are the parts one
    after another, read from disk (:func:`synthpriv.linked.sample_parts`).
    """
    parts = [
        shelf.hold_tables(part, f"synthetic-{i}")
        for i, part in enumerate(linked.sample_parts(model, roots, seed=seed))
    ]
    return {
        t: pl.concat([p[t] for p in parts], how="vertical_relaxed", rechunk=False) for t in parts[0]
    }


def write_synthetic(
    synthetic: dict[str, pl.DataFrame],
    folder: Path,
    suffixes: dict[str, str],
    config: RunConfig,
) -> list[Path]:
    """Write each synthetic table to ``folder/TABLE.csv`` (or ``.parquet``), times readable."""
    return write_tables(synthetic, folder, suffixes, formulas=not config.protect_formulas)


def write_tables(
    frames: dict[str, pl.DataFrame], folder: Path, suffixes: dict[str, str], *, formulas: bool
) -> list[Path]:
    """Write each table to ``folder/TABLE`` + its suffix; a CSV's times as ISO text.

    ``formulas``: cells that start like a spreadsheet formula are written as they are (real
    rows going back into synthpriv), else prefixed (:func:`synthpriv.io.write_table`).
    """
    written = []
    for table, frame in frames.items():
        path = folder / f"{table}{suffixes[table]}"
        parquet = suffixes[table] == ".parquet"
        write_table(
            frame, path, formulas=formulas, each=None if parquet else _readable_times(frame)
        )
        written.append(path)
    return written


def run_folder(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> RunResult:
    """Run the whole job on a folder of linked tables; see the module's docstring.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    progress = progress or NullProgress()
    folder, output = Path(input_path), Path(output)
    refuse(config)
    inputs = [folder, config.key_file, config.recognizers]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    _, policy, key = prepare(config)
    timer = Timer()
    with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
        # every table held between stages is a memory-mapped file of the output being written
        # and so is each large array the report's searches encode the rows into
        with held.shelf_in(work) as shelf:
            result = _run_folder(folder, work, config, progress, timer, shelf, policy, key)
    persons_report, summary, manifest = result
    return _folder_result(output, persons_report, summary, manifest, timer.seconds)


def _run_folder(
    folder: Path,
    work: Path,
    config: RunConfig,
    progress: Progress,
    timer: Timer,
    shelf: Shelf,
    policy: Any,
    key: bytes | None,
) -> tuple[Report, dict[str, Any], dict[str, Any]]:
    """:func:`run_folder`'s stages, writing into ``work``; each table held on ``shelf``."""
    with timer.stage("read", progress):
        tables = read_held(folder, config, shelf)
    frames, relations, keys = tables.frames, tables.relations, tables.keys
    with timer.stage("split", progress):
        train_raw, holdout_raw = split_people(tables, config)
    detector = make_detector(config)
    schemas = None
    if tables.mark is None:
        with timer.stage("scan", progress, total=len(frames)):
            schemas = scan_tables(train_raw, tables, config, detector, progress)
    with timer.stage("clean", progress, total=len(frames)):
        clean = clean_tables(
            train_raw,
            tables,
            config,
            detector,
            progress,
            policy=policy,
            key=key,
            schemas=schemas,
            scanned_here=True,
        )
        clean = _held_cleaning(clean, shelf, keys)
        train = clean.modelled(clean.frames)
        holdout = shelf.hold_tables(
            clean.modelled(clean_alike(holdout_raw, clean, tables, key)), "holdout"
        )
    # the raw sides are cleaned; of the input the report needs its keys and identifiers only
    del train_raw, holdout_raw
    tables = searched_only(tables, clean.schemas)
    frames = tables.frames
    with timer.stage("fit", progress):
        orderings, model = fit_tables(train, relations, config, real=tables)
    with timer.stage("sample", progress):
        synthetic = drawn_held(model, config.rows or None, config.seed, shelf)
    files, hashes = tables.files, tables.hashes
    with timer.stage("report", progress):
        reports, persons_report, summary = report_tables(
            tables, clean, train, holdout, synthetic, orderings, config, spill=work
        )
    with timer.stage("write", progress):
        (work / "synthetic").mkdir()
        write_synthetic(synthetic, work / "synthetic", tables.suffixes, config)
        write_folder_report(reports, persons_report, summary, work)
        write_json(
            {
                "relations": relations.to_dict(),
                "orderings": [o.to_dict() for o in orderings],
                # columns every parent keeps from row to row, copied to its later rows
                "carried": {t: p.carried for t, p in model.plans.items() if p.carried},
                "tables": {t: s.to_dict() for t, s in clean.schemas.items()},
                "key_columns": keys,
            },
            work / SCHEMA_FILE,
        )
        write_json(clean.audits, work / AUDIT_FILE)
        shelf.remove()  # not an output: the frames still mapped keep their pages
        manifest = write_manifest(
            work,
            "run",
            input={
                "folder": folder.name,
                "tables": {
                    t: {"file": files[t].name, "rows": f.height, "sha256": hashes[t]}
                    for t, f in frames.items()
                },
            },
            config=config.to_dict(),
            seed=config.seed,
            rows={
                t: {
                    "train": train[t].height,
                    "holdout": holdout[t].height,
                    "synthetic": synthetic[t].height,
                }
                for t in frames
            },
            timings_seconds=timer.seconds,
            versions=package_versions(),
        )
    return persons_report, summary, manifest


def report_tables(
    tables: Tables,
    clean: CleanedTables,
    train: dict[str, pl.DataFrame],
    holdout: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    orderings: list[Ordering],
    config: RunConfig,
    real: dict[str, pl.DataFrame] | None = None,
    *,
    spill: Path | None = None,
) -> tuple[dict[str, Report], Report, dict[str, Any]]:
    """Stage *report*: a report per table, the person-level report and the folder's summary.

    ``real`` (default: ``tables`` as read) are every real row, both sides, uncleaned: each of
    their identifiers and keys is searched for in the synthetic tables. ``train`` and
    ``holdout`` are the cleaned sides, keys kept. ``spill``: where the search for copied
    histories writes its partitions (the output's folder being written: on the disk the
    user chose for the output, not a ``/tmp`` that may be memory; default: a temporary one).
    """
    frames = tables.frames if real is None else real
    keys, schemas = tables.keys, clean.schemas
    files, hashes = tables.files, tables.hashes
    key_hashes = _key_text_hashes(_input_keys(frames, keys))  # searched in every table
    with warnings.catch_warnings():
        # a classifier of 82 people's histories may stop short of convergence: the
        # report states its figures and intervals; the warning would only scroll by
        warnings.simplefilter("ignore", ConvergenceWarning)
        reports = {}
        for table in frames:
            mine = keys[table]
            if synthetic[table].drop(mine).width == 0:
                # keys and links only (a client linked to a district, an employee to a
                # territory): nothing to compare row by row; its rows are measured by the
                # relations (children per parent) and in the people's histories
                leaks = _key_leaks(frames, synthetic, keys, table, key_hashes)
                if leaks:
                    raise ResidualPIIError(f"synthetic table {table!r}: {leaks[0]}")
                continue
            residual = residual_identifiers(table, frames, synthetic, train, keys, schemas)
            reports[table] = build_report(
                train=train[table].drop(mine),
                holdout=holdout[table].drop(mine),
                synthetic=synthetic[table].drop(mine),
                gates=config.gates,
                seed=config.seed,
                scan=schemas[table].to_dict(),
                cleaning=clean.audits[table],
                budgets=config.budgets,
                residual_identifiers=residual
                + _key_leaks(frames, synthetic, keys, table, key_hashes),
                identifier_values=identifier_values(frames[table], schemas[table]),
                provenance={
                    "input": {"file": files[table].name, "sha256": hashes[table]},
                    "versions": package_versions(),
                },
            )
        persons_report = person_report(
            train,
            holdout,
            synthetic,
            tables.relations,
            config,
            spill=spill,
            provenance={
                "input": {
                    "file": f"{tables.folder.name}/ (each person's rows in {len(frames)} tables)",
                    "sha256": hashlib.sha256(
                        "".join(hashes[t] for t in sorted(hashes)).encode()
                    ).hexdigest(),
                },
                "versions": package_versions(),
            },
        )
        summary = _summary(
            tables.folder,
            tables.relations,
            orderings,
            frames,
            synthetic,
            reports,
            persons_report,
            train,
            config.budgets.fidelity_rows,
            config.seed,
        )
    return reports, persons_report, summary


def residual_identifiers(
    table: str,
    real: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    train: dict[str, pl.DataFrame],
    keys: dict[str, list[str]],
    schemas: dict[str, TableSchema],
) -> list[str]:
    """Identifier values of any real table (every row) in ``table``'s synthetic rows.

    As :func:`synthpriv.clean.find_leaks` counts them.
    Searched for another table's identifiers, a number the same column of the cleaned
    training rows holds is that column's own value, not a leak: Berka's count of crimes in a
    district equals the number of one account written in a transfer order, in the real
    district table as in a synthetic one that keeps it. The other numbers of such a column
    count when more equal the identifier's than chance gives (:func:`by_chance`).
    """
    mine = synthetic[table].drop(keys[table])
    own = train[table]
    searched = any(
        schemas[other].by_role(Role.DIRECT_IDENTIFIER) for other in real if other != table
    )
    numbers = [c for c, d in mine.schema.items() if d.is_numeric() and c in own.columns]
    explained = (
        mine.with_columns(
            pl.when(
                pl.col(c)
                .cast(pl.Float64)
                .is_in(own.get_column(c).cast(pl.Float64, strict=False).implode())
            )
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in numbers
        )
        if searched
        else mine
    )
    found = []
    for other in real:
        for leak in find_leaks(
            real[other].drop(keys[other]),
            mine if other == table else explained,
            schemas[other],
            inside=other != table,
        ):
            if (
                other != table
                and leak.column in numbers
                and by_chance(
                    explained.get_column(leak.column),
                    real[other].get_column(leak.identifier),
                    leak.cells,
                )
            ):
                continue
            found.append(str(leak))
    return found


CHANCE_P = 0.001  # numbers found as often as this probability allows by chance are no leak
CHANCE_SPREAD = 50  # at least this many units either side of an identifier's numbers
CHANCE_SHARE = 0.05  # or this share of the column's interquartile range, if wider


def by_chance(column: pl.Series, identifier: pl.Series, cells: int) -> bool:
    """Whether ``cells`` numbers of a synthetic number column equal to an identifier's are chance.

    A model draws amounts and counts it never saw as such; now and then one equals another
    table's account number or a district's population (Berka: a synthetic loan of 112,065,
    one district's inhabitants, in about one run in eighteen). How often is estimated from the
    column's numbers within a window either side of each of the identifier's (not themselves
    the identifier's): their count per unit of the windows, times the identifier's numbers, is
    the count expected at them. Chance when at least ``cells`` have a probability above
    :data:`CHANCE_P` (Poisson). With no number near, any found is a leak; identifier values
    that are not all bare integers are never chance.
    """
    text = identifier.drop_nulls().cast(pl.String).str.strip_chars()
    if not text.len() or not text.str.contains(r"^-?\d{1,18}$").all():
        return False
    numbers = np.unique(text.cast(pl.Int64).to_numpy()).astype(np.float64)
    values = column.cast(pl.Float64, strict=False).drop_nulls().to_numpy()
    values = np.sort(values[~np.isin(values, numbers)])
    if values.size == 0:
        return False
    spread = float(np.subtract(*np.quantile(values, [0.75, 0.25])))
    window = max(float(CHANCE_SPREAD), math.ceil(CHANCE_SHARE * spread))
    near = np.searchsorted(values, numbers + window, side="right") - np.searchsorted(
        values, numbers - window, side="left"
    )
    expected = float(near.sum()) / (2 * window)
    return float(stats.poisson.sf(cells - 1, expected)) > CHANCE_P


def write_folder_report(
    reports: dict[str, Report], persons: Report, summary: dict[str, Any], work: Path
) -> None:
    """Write ``tables/TABLE/report.*``, ``persons/report.*``, ``report.json``, ``report.html``."""
    for table, report in reports.items():
        (work / "tables" / table).mkdir(parents=True)
        write_report(report, work / "tables" / table)
    (work / "persons").mkdir()
    write_report(persons, work / "persons")
    write_json(summary, work / "report.json")
    (work / "report.html").write_text(_page(summary), encoding="utf-8")


def person_report(
    train: dict[str, pl.DataFrame],
    holdout: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    relations: Relations,
    config: RunConfig,
    provenance: dict[str, Any] | None = None,
    *,
    spill: Path | None = None,
) -> Report:
    """The report on whole histories: every person flattened to a row (:func:`flatten`).

    Its privacy gates are the person-level gates: a synthetic person whose history repeats a
    training person's (in every table) is an exact or near copy of that person's row, and
    near copies are judged on the rows of whole histories too
    (:func:`~synthpriv.metrics.histories.history_copies`); DCR and membership are measured on
    people, against the holdout people as baseline.

    The flattened columns are made from tables already scanned, cleaned and checked for
    residual identifiers one by one: a column the scan would call an identifier by its name
    here (``DOD_SSN``'s year) is measured as a quasi-identifier, not failed as residual data.
    """
    flat = {
        side: flatten(frames, relations)
        for side, frames in (("train", train), ("holdout", holdout), ("synthetic", synthetic))
    }
    # the training side's columns: a table's column another side holds as numbers and this
    # one does not (a one-row table's code, cleaned away there) has no aggregate to compare
    model = flat["train"].schema
    flat |= {
        side: flat[side].select(
            pl.col(c).cast(d, strict=False) if c in flat[side].columns else pl.lit(None, d).alias(c)
            for c, d in model.items()
        )
        for side in ("holdout", "synthetic")
    }
    detected = make_detector(config).detect(flat["train"])
    identifying = (Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII)
    schema = replace(
        detected,
        columns=[
            replace(c, role=Role.QUASI_IDENTIFIER) if c.role in identifying else c
            for c in detected.columns
        ],
    )
    copies = history_copies(train, holdout, synthetic, relations, work=spill)
    return build_report(
        train=flat["train"],
        holdout=flat["holdout"],
        synthetic=flat["synthetic"],
        gates=config.gates,
        seed=config.seed,
        scan=schema.to_dict(),
        budgets=config.budgets,
        residual_identifiers=[],
        provenance=provenance,
        histories=copies,
    )


def _readable_times(frame: pl.DataFrame) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """What makes a slice of ``frame``'s times ISO text for a CSV: a date, or one to the second.

    Decided per column on the whole table (a column whose every time is at midnight is
    written as dates), applied to each slice written. An export's own form is not kept: a
    spreadsheet's two-digit years would lose the century that reading restored.
    """
    formats = {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            column = pl.col(name).drop_nulls()
            midnight = frame.select(
                (
                    (column.dt.hour() == 0) & (column.dt.minute() == 0) & (column.dt.second() == 0)
                ).all()
            ).item()
            formats[name] = "%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S"

    def readable(part: pl.DataFrame) -> pl.DataFrame:
        return part.with_columns(pl.col(c).dt.strftime(f) for c, f in formats.items())

    return readable


def _files(folder: Path, frames: dict[str, pl.DataFrame]) -> list[Path]:
    from synthpriv.io.read import _is_table_file

    files = {p.name.split(".")[0]: p for p in folder.iterdir() if p.is_file() and _is_table_file(p)}
    return [files[t] for t in frames]


KEY_ROWS = 1_000_000  # key cells made text and hashed at a time by :func:`_key_leaks`
KEY_HASH_SEED = 20_251


def _input_keys(frames: dict[str, pl.DataFrame], keys: dict[str, list[str]]) -> list[pl.Series]:
    """Every key column of every input table."""
    return [frames[t].get_column(c) for t in frames for c in keys[t]]


def _key_texts(column: pl.Series) -> Iterator[pl.Series]:
    """A key column's cells as text, :data:`KEY_ROWS` at a time (missing cells left out)."""
    for start in range(0, column.len(), KEY_ROWS):
        yield column.slice(start, KEY_ROWS).drop_nulls().cast(pl.String)


def _key_text_hashes(columns: list[pl.Series]) -> np.ndarray:
    """The sorted hashes of the key columns' cells as text (repeats kept), on the shelf.

    Made :data:`KEY_ROWS` cells at a time into one array of the active shelf (a run's: a file,
    not the heap) and sorted in place: no list of parts, no sorted copy.
    """
    hashes = held.empty((sum(c.len() for c in columns),), np.uint64)
    end = 0
    for column in columns:
        for text in _key_texts(column):
            part = text.hash(seed=KEY_HASH_SEED).to_numpy()
            hashes[end : end + part.size] = part
            end += part.size
    hashes = hashes[:end]
    hashes.sort()
    return hashes


def _key_leaks(
    frames: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    keys: dict[str, list[str]],
    table: str,
    hashes: np.ndarray | None = None,
) -> list[str]:
    """Key values of the input (any table's) found in this synthetic table's key columns.

    Compared as text (the key 123 is the text ``123``). Of 8 million keys a side, neither
    side's text is held: the input's keys are held as the sorted hashes of their text
    (``hashes``: :func:`_key_text_hashes` of :func:`_input_keys`, made once for every table
    searched), the synthetic cells whose hash is among them (a key value, or by chance
    another's hash) are then compared as text with the input's keys, a slice at a time.
    """
    real = _input_keys(frames, keys)
    hashes = _key_text_hashes(real) if hashes is None else hashes
    found = []
    for column in keys[table] if hashes.size else []:
        maybe = []
        for text in _key_texts(synthetic[table].get_column(column)):
            code = text.hash(seed=KEY_HASH_SEED).to_numpy()
            at = np.minimum(np.searchsorted(hashes, code), hashes.size - 1)
            maybe.append(text.filter(pl.Series(hashes[at] == code)))
        if not sum(m.len() for m in maybe):
            continue
        candidates = pl.concat(maybe)
        distinct = candidates.unique().implode()
        matched = [text.filter(text.is_in(distinct)) for c in real for text in _key_texts(c)]
        hits = int(candidates.is_in(pl.concat(matched).implode()).sum())
        if hits:
            found.append(f"{hits} cell(s) of key column {column!r} hold an input key value")
    return found


def _folder_result(
    output: Path,
    persons_report: Report,
    summary: dict[str, Any],
    manifest: dict[str, Any],
    timings: dict[str, float],
) -> RunResult:
    """What ``run`` or ``report`` on a folder returns.

    Its exit code is the one the summary states: the worst of the person-level gates and
    every table's.
    """
    return RunResult(
        output=output,
        report=persons_report,
        exit_status=ExitStatus(summary["exit_code"]),
        files=manifest["outputs"],
        timings=timings,
        linked=summary,
    )


def _summary(
    folder: Path,
    relations: Relations,
    orderings: list[Any],
    frames: dict[str, pl.DataFrame],
    synthetic: dict[str, pl.DataFrame],
    reports: dict[str, Report],
    persons: Report,
    train: dict[str, pl.DataFrame],
    rows: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    gates = [*persons.gates, *[g for r in reports.values() for g in r.gates]]
    status = exit_status_of(gates)
    resolution = {}
    for link in relations.links:
        pointers = synthetic[link.child].get_column(link.column).drop_nulls()
        parent = synthetic[link.parent].get_column(link.key).implode()
        resolution[f"{link.child}.{link.column} -> {link.parent}.{link.key}"] = (
            round(float(pointers.is_in(parent).mean()), 4) if pointers.len() else None
        )
    verdict = overall_verdict(gates).value

    def counts(t: str) -> dict[str, int]:
        return {
            "real": frames[t].height,
            "train": train[t].height,
            "synthetic": synthetic[t].height,
        }

    return {
        "format": LINKED_REPORT_FORMAT,
        "folder": folder.name,
        "verdict": verdict,
        "exit_code": int(status),
        "relations": relations.to_dict(),
        "foreign_keys_resolved": resolution,
        "orderings": [
            o.to_dict() | {"kept_in_synthetic": kept_share(synthetic, relations, o)}
            for o in orderings
        ],
        "cardinality": relational.cardinality(train, synthetic, relations),
        # of parents holding at most fidelity_rows children a side, as a table's fidelity
        "pair_trends": relational.pair_trends(train, synthetic, relations, rows, seed),
        "sequences": relational.sequences(train, synthetic, relations, rows, seed),
        "persons": {
            "verdict": persons.verdict.value,
            "exit_code": int(exit_status_for(persons)),
            "gates": [g.to_dict() for g in persons.gates],
            "report": "persons/report.html",
        },
        "tables": {
            t: {
                "rows": counts(t),
                "verdict": r.verdict.value,
                "exit_code": int(exit_status_for(r)),
                "fidelity": r.fidelity.score,
                "failed_gates": [g.name for g in r.gates if g.status.value == "FAIL"],
                "report": f"tables/{t}/report.html",
            }
            for t, r in reports.items()
        }
        | {
            t: {
                "rows": counts(t),
                "verdict": "SKIP",
                "exit_code": 0,
                "fidelity": None,
                "failed_gates": [],
                "report": None,
                "not_measured": "keys and links only: measured by the relations and the "
                "people's histories",
            }
            for t in frames
            if t not in reports
        },
    }


def _page(summary: dict[str, Any]) -> str:
    """The officer's page: verdict, the relations drawn, person-level gates, a line per table."""
    e = html.escape
    tables = summary["relations"]["order"]
    depth: dict[str, int] = {}
    parent = {k["child"]: k for k in summary["relations"]["links"] if k["kind"] == "parent"}
    for t in tables:
        depth[t] = depth[parent[t]["parent"]] + 1 if t in parent else 0
    columns: dict[int, list[str]] = {}
    for t in tables:
        columns.setdefault(depth[t], []).append(t)
    box_w, box_h, gap_x, gap_y = 170, 34, 70, 18
    where = {}
    for level, names in columns.items():
        for i, name in enumerate(names):
            where[name] = (20 + level * (box_w + gap_x), 20 + i * (box_h + gap_y))
    width = 40 + (max(columns) + 1) * (box_w + gap_x)
    height = 40 + max(len(v) for v in columns.values()) * (box_h + gap_y)
    shapes = []
    for link in summary["relations"]["links"]:
        if link["kind"] != "parent":
            continue
        (cx, cy), (px, py) = where[link["child"]], where[link["parent"]]
        shapes.append(
            f'<line x1="{cx}" y1="{cy + box_h / 2}" x2="{px + box_w}" y2="{py + box_h / 2}" '
            'stroke="#555" marker-end="url(#arrow)"/>'
        )
    for name, (x, y) in where.items():
        key = summary["relations"]["primary_keys"].get(name) or ""
        shapes.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="4" fill="#eef3f8" '
            f'stroke="#345"/><text x="{x + 8}" y="{y + 15}" font-size="12" font-weight="bold">'
            f'{e(name)}</text><text x="{x + 8}" y="{y + 28}" font-size="10">key {e(key)}</text>'
        )
    svg = (
        f'<svg width="{width}" height="{height}" role="img" aria-label="tables and links">'
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>'
        + "".join(shapes)
        + "</svg>"
    )
    gate_rows = "".join(
        f"<tr><td>{e(g['name'])}</td><td class='{e(g['status'])}'>{e(g['status'])}</td>"
        f"<td>{e(g['message'])}</td></tr>"
        for g in summary["persons"]["gates"]
    )
    table_rows = "".join(
        f"<tr><td>{_named(name, t['report'])}</td><td>{_real_rows(t['rows'])}</td>"
        f"<td>{t['rows']['synthetic']:,}</td><td class='{e(t['verdict'])}'>{e(t['verdict'])}</td>"
        f"<td>{score_text(t['fidelity'])}</td>"
        f"<td>{e(', '.join(t['failed_gates']) or '-')}</td></tr>"
        for name, t in summary["tables"].items()
    )
    kept = [
        o["kept_in_synthetic"] for o in summary["orderings"] if o["kept_in_synthetic"] is not None
    ]
    resolved = [v for v in summary["foreign_keys_resolved"].values() if v is not None]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>synthpriv report: {e(summary["folder"])}</title><style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}
.PASS{{color:#176317;font-weight:bold}}.WARN{{color:#8a6d00;font-weight:bold}}
.FAIL{{color:#a11;font-weight:bold}}.INCOMPLETE{{color:#7a2a7a;font-weight:bold}}
</style></head><body>
<h1>Linked tables of {e(summary["folder"])}:
<span class="{e(summary["verdict"])}">{e(summary["verdict"])}</span></h1>
<p>Exit code {summary["exit_code"]}. {len(tables)} tables synthesized together; the people of
table <b>{e(summary["relations"]["root"] or "")}</b> were split into training and holdout, each
with every row that belongs to them.</p>
<h2>Tables and links</h2>{svg}
<p>{sum(v == 1.0 for v in resolved)} of {len(resolved)} links: every synthetic foreign key
points to a synthetic row. {sum(k == 1.0 for k in kept)} of {len(kept)} time orderings the data
always keeps hold in every synthetic row.</p>
{_relations_section(summary)}
<h2>Privacy of each person's whole history</h2>
<p>Each person's rows flattened to one row (their own columns, how many rows of each table, the
means of its numbers, the first of its times), compared with training and with holdout people;
near copies are also judged row by row on whole histories (a synthetic person whose rows repeat
60% or more of a real person's rows, and the reverse)
(<a href="{e(summary["persons"]["report"])}">full report</a>).</p>
<table><tr><th>check</th><th>result</th><th>what it means</th></tr>{gate_rows}</table>
<h2>Each table</h2>
<table><tr><th>table</th><th>real rows (training)</th><th>synthetic rows</th><th>verdict</th>
<th>fidelity</th><th>failed gates</th></tr>{table_rows}</table>
</body></html>"""


def _real_rows(rows: dict[str, int]) -> str:
    """Every real row, and in brackets the training rows the synthetic ones are sized to."""
    return f"{rows['real']:,}" + (f" ({rows['train']:,})" if "train" in rows else "")


def _named(table: str, report: str | None) -> str:
    """A table's name, a link to its report if it has one (not a table of keys only)."""
    e = html.escape
    return e(table) if report is None else f"<a href='{e(report)}'>{e(table)}</a>"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _relations_section(summary: dict[str, Any]) -> str:
    """Per link: children per parent, parent-child trends, and the gaps of each sequence."""
    e = html.escape
    trends = summary.get("pair_trends", {})
    sequences = summary.get("sequences", {})
    rows = []
    for link, c in summary.get("cardinality", {}).items():
        child = link.split(".", 1)[0]
        sequence = sequences.get(child) or {}
        gaps = sequence.get("gap_days") or {}
        median = (
            f"{gaps['real']['p50']:.1f} / {gaps['synthetic']['p50']:.1f} "
            f"{'steps of ' + e(sequence['ordered_by']) if sequence.get('steps') else 'days'} "
            f"({_share(sequence.get('gap_similarity'))})"
            if gaps.get("real", {}).get("p50") is not None
            and gaps.get("synthetic", {}).get("p50") is not None
            else "-"
        )
        rows.append(
            f"<tr><td>{e(link)}</td><td>{c['real']['mean']:.2f} / {c['synthetic']['mean']:.2f}"
            f"</td><td>{_share(c.get('similarity'))}</td>"
            f"<td>{_share((trends.get(link) or {}).get('score'))}</td><td>{median}</td></tr>"
        )
    if not rows:
        return ""
    return f"""<h2>Across tables</h2>
<p>For each link: children per parent (mean, real / synthetic, and how alike the two
distributions are: 100% is the same), how parent columns go with their children's columns (the
mean over every pair, scored as SDMetrics' inter-table trends), and, for a table whose rows have
a time, the typical gap between a parent's consecutive rows (real / synthetic, and how alike
the gaps' distributions are).</p>
<table><tr><th>link</th><th>children per parent</th><th>alike</th><th>parent-child trends</th>
<th>gap between consecutive rows</th></tr>{"".join(rows)}</table>"""


# ------------------------------------------------------------------ the step-by-step commands


def scan_folder(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> tuple[dict[str, Any], dict[str, TableSchema], dict[str, int]]:
    """``scan FOLDER``: the links and keys drawn, and each table's column schema, for review.

    Each table is scanned as :func:`run_folder` scans it (keys aside, event times kept as
    times), on every row of the folder: give ``split``'s ``train/`` to see what ``fit``
    will clean. Writes ``output`` in the form of ``run``'s ``schema.json`` (without the
    orderings, which are learned on the cleaned tables).

    Returns:
        What was written, each table's schema and each table's rows.

    Raises:
        InputError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    folder, output = Path(input_path), Path(output)
    check_output(output, inputs=[folder, config.recognizers], overwrite=overwrite)
    progress = progress or NullProgress()
    with held.shelf_beside(output) as shelf:  # the tables held on disk, as run holds them
        tables = read_held(folder, config, shelf)
        detector = make_detector(config)
        progress.start("scan", len(tables.frames))  # a step per table
        schemas = scan_tables(tables.frames, tables, config, detector, progress)
        progress.finish()
    written = {
        "relations": tables.relations.to_dict(),
        "tables": {t: s.to_dict() for t, s in schemas.items()},
        "key_columns": tables.keys,
    }
    write_json(written, output)
    return written, schemas, {t: f.height for t, f in tables.frames.items()}


def split_folder(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    file_format: str = "same",
    overwrite: bool = False,
) -> dict[str, Any]:
    """``split FOLDER``: ``output/train/TABLE.*`` and ``output/holdout/TABLE.*``, split by person.

    The people of the root table are split as :func:`run_folder` splits them (the same seed and
    share give the same people on each side), each with every row of theirs in every table.
    A ``relations.toml`` in the folder is copied to both sides, so later steps draw the same
    links. Both sides hold real, uncleaned rows (their times written as ISO text).

    Returns:
        The manifest written (``rows``: per side, the rows of each table).

    Raises:
        InputError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    folder, output = Path(input_path), Path(output)
    refuse(config)
    check_output(output, inputs=[folder], overwrite=overwrite, directory=True)
    with held.shelf_beside(output) as shelf:  # the tables held on disk, as run holds them
        tables = read_held(folder, config, shelf)
        train, holdout = split_people(tables, config)
        suffixes = (
            tables.suffixes
            if file_format == "same"
            else dict.fromkeys(tables.read, f".{file_format}")
        )
        overrides = folder / RELATIONS_FILE
        with atomic_directory(output, overwrite=overwrite, inputs=[folder]) as work:
            for side, frames in (("train", train), ("holdout", holdout)):
                (work / side).mkdir()
                # real rows going back into synthpriv: written as they are (no formula prefix)
                write_tables(frames, work / side, suffixes, formulas=True)
                if overrides.exists():
                    (work / side / RELATIONS_FILE).write_bytes(overrides.read_bytes())
            manifest = write_manifest(
                work,
                "split",
                input={
                    "folder": folder.name,
                    "tables": {
                        t: {
                            "file": tables.files[t].name,
                            "rows": f.height,
                            "sha256": tables.hashes[t],
                        }
                        for t, f in tables.frames.items()
                    },
                },
                seed=config.seed,
                holdout_share=config.holdout_share,
                root=tables.relations.root,
                rows={
                    "train": {t: f.height for t, f in train.items()},
                    "holdout": {t: f.height for t, f in holdout.items()},
                },
            )
    log.info(
        "split %s: %d training people, %d holdout people",
        folder.name,
        *(manifest["rows"][side][tables.relations.root] for side in ("train", "holdout")),
    )
    return manifest


@dataclass
class FolderModel:
    """A model file's content for a folder: the linked model and each table's file suffix.

    The linked model holds no input value that is one person's: surrogate keys start at a
    power of ten above the input's keys, every number and time the cart trees keep is
    smoothed over groups of people, rare categories are pooled by the clean stage.
    """

    model: linked.LinkedModel
    suffixes: dict[str, str]

    def describe(self) -> dict[str, Any]:
        """JSON-ready settings of this model (no data): the model file's header."""
        model = self.model
        return {
            "kind": "linked",
            "engine": "cart",
            "seed": model.seed,
            "root": model.relations.root,
            "people": model.root_rows,
            "tables": {
                t: {"columns": plan.output, "file": f"{t}{self.suffixes[t]}"}
                | ({"carried": plan.carried} if plan.carried else {})
                for t, plan in model.plans.items()
            },
            "relations": model.relations.to_dict(),
            "orderings": [o.to_dict() for o in model.orderings],
        }


def fit_folder(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    schema: str | Path | None = None,
    overwrite: bool = False,
) -> tuple[FolderModel, dict[str, Any]]:
    """``fit FOLDER``: scan and clean every table as :func:`run_folder` does, fit, save.

    ``input_path`` is the training side (``split FOLDER``'s ``train/``, or the folder
    ``clean FOLDER`` wrote from it): every row is fitted on. Key columns are set aside, the
    other columns cleaned under ``config.policy`` with every other table's identifiers searched
    for (with ``schema``, a reviewed ``scan FOLDER``, its roles and actions instead of a scan);
    the model file is signed as a single table's is.

    Returns:
        The model and the header of the model file written.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    from synthpriv import synth

    folder, output = Path(input_path), Path(output)
    refuse(config)
    schema_path = Path(schema) if schema is not None else None
    check_output(
        output,
        inputs=[folder, schema_path, config.key_file, config.recognizers],
        overwrite=overwrite,
    )
    _, policy, key = prepare(config)
    with held.shelf_beside(output) as shelf:  # the tables held on disk, as run holds them
        tables = read_held(folder, config, shelf)
        clean = _held_cleaning(
            _step_clean(tables, config, policy, key, schema_path), shelf, tables.keys
        )
        _, model = fit_tables(clean.modelled(clean.frames), tables.relations, config, tables)
    folder_model = FolderModel(model=model, suffixes=tables.suffixes)
    return folder_model, synth.save_model(folder_model, output)


def sample_folder(
    model_path: str | Path,
    output: str | Path,
    people: int | None,
    config: RunConfig,
    *,
    seed: int | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """``sample MODEL`` of a folder: ``output/TABLE.csv`` for every table, ``people`` roots.

    ``seed`` defaults to the model's; the same model, people and seed give the same tables,
    and, for the seed and tables :func:`run_folder` fitted, its synthetic tables.

    Returns:
        The rows written to each table.

    Raises:
        ModelError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    from synthpriv import synth

    model_path, output = Path(model_path), Path(output)
    check_output(output, inputs=[model_path], overwrite=overwrite, directory=True)
    progress = progress or NullProgress()
    folder_model = synth.load_model(model_path, kinds=(FolderModel,))
    with atomic_directory(output, overwrite=overwrite, inputs=[model_path]) as work:
        with held.shelf_in(work) as shelf:
            progress.start("sample")
            synthetic = drawn_held(folder_model.model, people, seed, shelf)
            progress.finish()
            progress.start("write")
            write_synthetic(synthetic, work, folder_model.suffixes, config)
            progress.finish()
        write_manifest(
            work,
            "sample",
            model={"file": model_path.name, "sha256": sha256_file(model_path)},
            seed=folder_model.model.seed if seed is None else seed,
            rows={t: f.height for t, f in synthetic.items()},
        )
    return {t: f.height for t, f in synthetic.items()}


def report_folder(
    real: str | Path,
    synthetic: str | Path,
    holdout: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    schema: str | Path | None = None,
    overwrite: bool = False,
) -> RunResult:
    """``report`` of a folder: the report :func:`run_folder` writes, from the steps' folders.

    Give it the ``schema`` ``fit`` was given (a reviewed ``scan FOLDER``), or the folders
    ``clean FOLDER`` wrote (``real`` and its holdout), so that it compares the tables the model
    was fitted on.

    ``real`` and ``holdout`` are ``split FOLDER``'s sides (real rows): they are scanned and
    cleaned as ``fit FOLDER`` cleaned them (the same policy and key give the same tables), the
    holdout with the choices fitted on ``real``; every identifier and key of both sides is
    searched for in the synthetic tables. ``synthetic`` is ``sample``'s folder. Writes
    ``report.json``, ``report.html``, ``tables/TABLE/report.*``, ``persons/report.*``.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    real_path, synthetic_path, holdout_path = Path(real), Path(synthetic), Path(holdout)
    output = Path(output)
    refuse(config)
    schema_path = Path(schema) if schema is not None else None
    inputs = [
        real_path,
        synthetic_path,
        holdout_path,
        schema_path,
        config.key_file,
        config.recognizers,
    ]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    _, policy, key = prepare(config)
    with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
        # as in run_folder: the tables read and the report's encodings are held on disk
        with held.shelf_in(work):
            tables = read_tables(real_path, config)
            names = sorted(tables.read)
            others = {
                path: _same_tables(path, tables, config) for path in (synthetic_path, holdout_path)
            }
            _same_columns(holdout_path, others[holdout_path], tables.frames, real_path.name)
            holdout_mark = cleaned_mark(holdout_path)
            if (tables.mark is None) != (holdout_mark is None):
                raise InputError(
                    f"{holdout_path}: give both sides as 'synthpriv clean' wrote them, or "
                    "both as 'synthpriv split' wrote them"
                )
            if holdout_mark is not None:
                _check_written(holdout_path, holdout_mark, _hashes(holdout_path, names))
            clean = _step_clean(tables, config, policy, key, schema_path)
            train = clean.modelled(clean.frames)
            holdout_frames = clean.modelled(clean_alike(others[holdout_path], clean, tables, key))
            orderings = find_orderings(train, tables.relations)
            _same_columns(
                synthetic_path, others[synthetic_path], train, f"{real_path.name} cleaned"
            )
            synthetic_frames = {
                t: frame.cast(train[t].schema, strict=False)
                for t, frame in others[synthetic_path].items()
            }
            # every real row, as run_folder's input: both sides' identifiers and keys are
            # searched for (of the input, as in run_folder, only they are kept past cleaning)
            tables = searched_only(tables, clean.schemas)
            unseen = others.pop(holdout_path)
            real_rows = {
                t: pl.concat([f, unseen[t].select(f.columns)], how="vertical_relaxed")
                for t, f in tables.frames.items()
            }
            reports, persons_report, summary = report_tables(
                tables,
                clean,
                train,
                holdout_frames,
                synthetic_frames,
                orderings,
                config,
                real_rows,
                spill=work,
            )
            write_folder_report(reports, persons_report, summary, work)
        manifest = write_manifest(
            work,
            "report",
            inputs={
                name: {"folder": path.name, "sha256": _hashes(path, names)}
                for name, path in (
                    ("real", real_path),
                    ("synthetic", synthetic_path),
                    ("holdout", holdout_path),
                )
            },
            seed=config.seed,
            gates=vars(config.gates),
        )
    return _folder_result(output, persons_report, summary, manifest, {})


def replace_keys(
    sides: list[dict[str, pl.DataFrame]],
    tables: Tables,
    *,
    pseudonym_key: bytes | None,
    seed: int,
) -> list[dict[str, pl.DataFrame]]:
    """Every key and link column of every side replaced, the links between them kept.

    A primary key and every link to it share one mapping, over every side (a holdout's rows
    keep pointing at their own parents): with ``pseudonym_key`` each value becomes its keyed
    HMAC-SHA256 pseudonym (16 hex characters, the ``hash`` operator's: the same value and key
    give the same pseudonym in every table, file and run), else a fresh number, the numbers
    drawn in a seeded random order so they tell nothing of the input's order or values, all
    above every integer a key column of the input holds. A link's value found in no parent
    row gets a number of its own (the link stays broken, as the input's was). Other row
    counters become each side's row numbers, from the same start.
    """
    from synthpriv.operators import pseudonym

    relations = tables.relations
    link_of = {(k.child, k.column): (k.parent, k.key) for k in relations.links}

    def domain(table: str, column: str) -> tuple[str, str]:
        seen = set()
        while (table, column) in link_of and (table, column) not in seen:
            seen.add((table, column))
            table, column = link_of[(table, column)]
        return table, column

    def text(frame: pl.DataFrame, column: str) -> pl.Series:
        return frame.get_column(column).cast(pl.String).str.strip_chars()

    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for table, columns in tables.keys.items():
        for column in columns:
            if (table, column) in link_of or relations.keys.get(table) == column:
                members.setdefault(domain(table, column), []).append((table, column))
    rng = np.random.default_rng(seed)
    # numbers start above every integer any key column of the input holds (a power of ten), so
    # that no new key equals an input key
    top = max((linked.key_values_top(side, tables.keys) for side in sides), default=0)
    start = linked.surrogate_start(top)

    def numbered(numbers: np.ndarray, name: str) -> pl.Series:
        if start is None:  # near the 64-bit limit: numbers as text, never an input key
            return pl.Series(name, [f"k{n:09d}" for n in numbers], dtype=pl.String)
        return pl.Series(name, numbers + start, dtype=pl.Int64)

    mappings: dict[tuple[str, str], pl.DataFrame] = {}
    for home in sorted(members):
        values = (
            pl.concat([text(side[t], c) for t, c in members[home] for side in sides])
            .drop_nulls()
            .unique(maintain_order=True)
        )
        if pseudonym_key is not None:
            new = pl.Series(
                [pseudonym(pseudonym_key, v) for v in values.to_list()], dtype=pl.String
            )
        else:
            new = numbered(rng.permutation(values.len()), "__new")
        mappings[home] = pl.DataFrame({"__old": values, "__new": new})
    out = []
    for side in sides:
        replaced = {}
        for table, frame in side.items():
            columns = []
            for column in frame.columns:
                if column not in tables.keys[table]:
                    columns.append(frame.get_column(column))
                elif (table, column) in link_of or relations.keys.get(table) == column:
                    mapping = mappings[domain(table, column)]
                    columns.append(
                        pl.DataFrame({"__old": text(frame, column)})
                        .join(mapping, on="__old", how="left", maintain_order="left")
                        .get_column("__new")
                        .alias(column)
                    )
                else:
                    columns.append(numbered(np.arange(frame.height), column))
            replaced[table] = pl.DataFrame(columns)
        out.append(replaced)
    return out


def relations_toml(relations: Relations) -> str:
    """``relations.toml`` naming the keys, links and root as drawn (for a cleaned folder)."""
    lines = [f"root = {json.dumps(relations.root)}", "", "[primary_keys]"]
    lines += [f"{json.dumps(t)} = {json.dumps(c)}" for t, c in sorted(relations.keys.items())]
    for link in relations.links:
        lines += ["", "[[links]]"]
        lines += [
            f"{name} = {json.dumps(value)}"
            for name, value in (
                ("child", link.child),
                ("column", link.column),
                ("parent", link.parent),
                ("key", link.key),
            )
        ]
    return "\n".join(lines) + "\n"


def clean_folder(
    input_path: str | Path,
    schema: str | Path,
    output: str | Path,
    config: RunConfig,
    *,
    holdout: str | Path | None = None,
    holdout_output: str | Path | None = None,
    overwrite: bool = False,
) -> FolderCleaning:
    """``clean FOLDER``: every table cleaned as ``fit`` cleans it, written with new keys.

    ``schema`` is ``scan FOLDER``'s (possibly reviewed): its roles and actions are honoured.
    Each table is cleaned under ``config.policy`` with every other table's identifiers searched
    for in it, and verified. Keys and links are replaced by :func:`replace_keys` (pseudonyms
    under a policy that needs the pseudonym key, else fresh numbers), so the cleaned tables
    still join. With ``holdout`` (``split FOLDER``'s ``holdout/``), its tables are cleaned with
    the choices fitted on ``input_path`` and their keys mapped the same way. Each output folder
    holds the tables, ``schema.json`` (each table's schema with the actions applied, the
    relations, each file's checksum), ``audit.json`` and ``relations.toml``: ``fit``,
    ``report`` and ``run`` take it as cleaned and do not clean it again.

    Returns:
        Each table's cleaning and the rows written to each folder.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    folder, output, schema_path = Path(input_path), Path(output), Path(schema)
    holdout_path = Path(holdout) if holdout is not None else None
    holdout_out = None
    if holdout_path is not None:
        holdout_out = (
            Path(holdout_output)
            if holdout_output is not None
            else output.with_name(f"{output.name}.holdout")
        )
    refuse(config)
    inputs = [folder, schema_path, holdout_path, config.key_file, config.recognizers]
    outputs = [p for p in (output, holdout_out) if p is not None]
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise ConfigError(f"{output}: --holdout-output must differ from the output folder")
    for path in outputs:
        check_output(path, inputs=inputs, overwrite=overwrite, directory=True)
    _, policy, key = prepare(config)
    with held.shelf_beside(output) as shelf:  # the tables held on disk, as run holds them
        tables = read_held(folder, config, shelf)
        if tables.mark is not None:
            raise InputError(f"{folder}: 'synthpriv clean' wrote it already; give the real folder")
        held_out = None
        if holdout_path is not None:  # read before the long cleaning: a wrong folder fails at once
            held_out = _same_tables(holdout_path, tables, config)
            _same_columns(holdout_path, held_out, tables.frames, folder.name)
        clean = _step_clean(tables, config, policy, key, schema_path)
        sides = {output: clean.frames}
        if held_out is not None and holdout_out is not None:
            sides[holdout_out] = clean_alike(held_out, clean, tables, key)
        keyed = replace_keys(
            list(sides.values()),
            tables,
            pseudonym_key=key if policy.needs_key() else None,
            seed=config.seed,
        )
        keys_as = "pseudonyms" if policy.needs_key() else "surrogates"
        order = {t: tables.frames[t].columns for t in tables.read}
        rows: dict[str, dict[str, int]] = {}
        with contextlib.ExitStack() as stack:
            works = {
                path: stack.enter_context(
                    atomic_directory(path, overwrite=overwrite, inputs=inputs)
                )
                for path in sides
            }
            for (path, work), frames in zip(works.items(), keyed, strict=True):
                frames = {
                    t: f.select([c for c in order[t] if c in f.columns]) for t, f in frames.items()
                }
                files = write_tables(
                    frames, work, tables.suffixes, formulas=not config.protect_formulas
                )
                (work / RELATIONS_FILE).write_text(
                    relations_toml(tables.relations), encoding="utf-8"
                )
                write_json(clean.audits, work / AUDIT_FILE)
                write_json(
                    {
                        "relations": tables.relations.to_dict(),
                        "tables": {t: c.schema.to_dict() for t, c in (clean.cleaned or {}).items()},
                        "key_columns": tables.keys,
                        "cleaned": {
                            "policy": policy.name,
                            "policy_sha256": policy.sha256,
                            "keys": keys_as,
                            "side": "holdout" if path == holdout_out else "train",
                            "sha256": {
                                t: sha256_file(f) for t, f in zip(frames, files, strict=True)
                            },
                        },
                    },
                    work / SCHEMA_FILE,
                )
                rows[str(path)] = {t: f.height for t, f in frames.items()}
    return FolderCleaning(
        tables=clean.cleaned or {},
        keys=keys_as,
        rows=rows,
        people=tables.frames[str(tables.relations.root)].height,
    )


@dataclass(frozen=True)
class FolderCleaning:
    """What ``clean FOLDER`` did: each table's verified cleaning, the keys, the rows written."""

    tables: dict[str, Any]  # table -> synthpriv.clean.CleanResult
    keys: str  # "pseudonyms" or "surrogates"
    rows: dict[str, dict[str, int]]  # output folder -> rows of each table
    people: int

    @property
    def audit(self) -> tuple[Any, ...]:
        """Every table's column audits, each column named ``TABLE.COLUMN``."""
        return tuple(
            replace(a, column=f"{t}.{a.column}") for t, r in self.tables.items() for a in r.audit
        )

    def audit_dict(self) -> dict[str, Any]:
        """The audit log as written: each table's, by table."""
        return {t: r.audit_dict() for t, r in self.tables.items()} | {"keys": self.keys}


def _step_clean(
    tables: Tables, config: RunConfig, policy: Any, key: bytes | None, schema: Path | None
) -> CleanedTables:
    """What ``clean``, ``fit`` and ``report`` of a folder clean: every row, as ``run`` would.

    With ``schema`` (a reviewed ``scan FOLDER``), its roles and actions, every cleaned column
    scanned again.
    """
    return clean_tables(
        tables.frames,
        tables,
        config,
        make_detector(config),
        NullProgress(),
        policy=policy,
        key=key,
        schemas=_reviewed(schema, tables),
    )


def _reviewed(path: Path | None, tables: Tables) -> dict[str, TableSchema] | None:
    """The per-table schemas of a reviewed folder schema (None: none given)."""
    if path is None:
        return None
    return given_schemas(read_json(path, what="folder schema"), tables, path)


def _same_tables(path: Path, tables: Tables, config: RunConfig) -> dict[str, pl.DataFrame]:
    """Another folder of ``tables``' tables (a holdout, a synthetic set), keys read alike.

    Raises:
        InputError: it holds other tables.
    """
    read = load_folder(path, encoding=config.encoding)
    names = sorted(tables.read)
    if sorted(read) != names:
        raise InputError(
            f"{path}: its tables ({', '.join(sorted(read))}) are not those of "
            f"{tables.folder.name} ({', '.join(names)})"
        )
    return integral_keys({t: read[t].frame for t in names})


def _same_columns(
    path: Path, frames: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame], what: str
) -> None:
    for table, frame in frames.items():
        if frame.columns != expected[table].columns:
            raise InputError(
                f"{path}: the columns of table {table!r} are not those of {what}; give the "
                "folders of the same 'split' and 'sample'"
            )


def _hashes(folder: Path, tables: list[str]) -> dict[str, str]:
    files = _files(folder, dict.fromkeys(tables, pl.DataFrame()))
    return {t: sha256_file(p) for t, p in zip(tables, files, strict=True)}
