"""The column schema: what each column is (kind) and what it means for privacy (role).

``scan`` writes it, a person may edit it, and ``clean`` and ``fit`` honour it. It is JSON validated
against ``schemas/column-schema.schema.json``. It never holds a raw value: examples are masked.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl

from synthpriv.errors import ConfigError

SCHEMA_VERSION = "1"
# The one label for categories pooled because too few rows hold them: by cleaning (suppress
# rare), by synthesis (values fewer than 5 rows share never enter the model) and in the report's
# charts. Only text columns ever hold it.
POOLED_LABEL = "(other)"


class Role(StrEnum):
    """What a column means for privacy."""

    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE = "sensitive"
    FREE_TEXT_PII = "free_text_pii"
    NONE = "none"


class Kind(StrEnum):
    """The statistical type of a column, as a synthesizer sees it."""

    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"
    ID = "id"


@dataclass
class Entity:
    """One kind of personal data found in a column, with the detector's confidence (0-1)."""

    type: str
    score: float


@dataclass
class ColumnInfo:
    """Everything the scan learned about one column.

    ``action`` is a user override (an operator name: ``drop``, ``redact``, ``mask``, ``hash``,
    ``fake``, ``generalize``, ``suppress_rare``, ``keep``) that ``clean`` applies instead of the
    policy's choice. ``review`` says why the scan wants a person to look at the column (it is
    treated by its role meanwhile); delete it once reviewed.
    """

    name: str
    dtype: str
    kind: Kind
    role: Role
    entities: list[Entity] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    action: str | None = None
    review: str | None = None

    @property
    def entity_types(self) -> list[str]:
        """The entity type names, most confident first."""
        return [e.type for e in sorted(self.entities, key=lambda e: -e.score)]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of this column."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["role"] = str(self.role)
        for optional in ("action", "review"):
            if data[optional] is None:
                del data[optional]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnInfo:
        """Build a column from its JSON form (already validated)."""
        return cls(
            name=data["name"],
            dtype=data["dtype"],
            kind=Kind(data["kind"]),
            role=Role(data["role"]),
            entities=[Entity(e["type"], float(e["score"])) for e in data.get("entities", [])],
            evidence=dict(data.get("evidence", {})),
            examples=list(data.get("examples", [])),
            action=data.get("action"),
            review=data.get("review"),
        )


@dataclass
class TableSchema:
    """The column schema of one table."""

    columns: list[ColumnInfo]
    source: dict[str, Any] = field(default_factory=dict)
    detector: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ColumnInfo:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(column.name == name for column in self.columns)

    def by_role(self, *roles: Role) -> list[ColumnInfo]:
        """Return the columns whose role is one of ``roles``."""
        return [column for column in self.columns if column.role in roles]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the schema."""
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source,
            "detector": self.detector,
            "columns": [column.to_dict() for column in self.columns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "column schema") -> TableSchema:
        """Validate ``data`` against the JSON Schema and build a :class:`TableSchema`."""
        validate(data, "column-schema", origin=origin)
        return cls(
            columns=[ColumnInfo.from_dict(c) for c in data["columns"]],
            source=dict(data.get("source", {})),
            detector=dict(data.get("detector", {})),
        )

    @classmethod
    def load(cls, path: str | Path) -> TableSchema:
        """Read and validate a column schema file."""
        from synthpriv.io import read_json

        return cls.from_dict(read_json(path, what="column schema"), origin=str(path))


def schemas_dir() -> Path:
    """Return the folder of JSON Schemas (repo checkout first, then the installed data files)."""
    candidates = [
        Path(__file__).resolve().parent.parent / "schemas",
        Path(sys.prefix) / "share" / "synthpriv" / "schemas",
    ]
    for candidate in candidates:
        if (candidate / "report.schema.json").exists():
            return candidate
    raise FileNotFoundError("synthpriv's JSON Schemas are not installed")


@cache
def load_json_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema ``schemas/<name>.schema.json``."""
    return json.loads((schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(data: Any, name: str, *, origin: str) -> None:
    """Validate ``data`` against ``schemas/<name>.schema.json``.

    Raises:
        ConfigError: naming ``origin`` and the JSON path of the first problem.
    """
    validator = jsonschema.Draft202012Validator(load_json_schema(name))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise ConfigError(f"{origin}: invalid at {where}: {_short(first)}")


def _short(error: jsonschema.ValidationError) -> str:
    """A one-line description of a validation error that does not echo long values."""
    if error.validator == "additionalProperties":
        return "unknown key(s): " + ", ".join(re.findall(r"'([^']+)'", error.message))
    bounds = {
        "minimum": "at least",
        "maximum": "at most",
        "exclusiveMinimum": "greater than",
        "exclusiveMaximum": "less than",
    }
    if error.validator in bounds:
        return f"must be {bounds[error.validator]} {error.validator_value}"
    if error.validator == "enum":
        return "must be one of " + ", ".join(map(str, error.validator_value))
    if error.validator == "required":
        return error.message
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    return error.message.splitlines()[0][:200]


KIND_SAMPLE = 20_000


def infer_kind(series: pl.Series, distinct: int | None = None) -> Kind:
    """Return the statistical kind of ``series`` from its dtype and values.

    Strings that are long and wordy are ``text``; strings that are almost all distinct are ``id``;
    other strings are categorical. Integers and floats are numerical, dates and datetimes datetime.
    Lengths and word counts are averaged over a seeded sample of at most ``KIND_SAMPLE`` values;
    ``distinct`` (the number of distinct non-null values) is counted when not given.
    """
    dtype = series.dtype
    if dtype == pl.Boolean:
        return Kind.BOOLEAN
    if dtype.is_temporal():
        return Kind.DATETIME
    if dtype.is_numeric():
        return Kind.NUMERICAL
    values = series.drop_nulls()
    if values.len() == 0:
        return Kind.CATEGORICAL
    sample = values if values.len() <= KIND_SAMPLE else values.sample(KIND_SAMPLE, seed=0)
    sample = sample.cast(pl.String)
    if sample.str.len_chars().mean() >= 25 and sample.str.count_matches(r"\S+").mean() >= 4:
        return Kind.TEXT
    distinct = values.n_unique() if distinct is None else distinct
    if values.len() >= 20 and distinct / values.len() >= 0.9:
        return Kind.ID
    return Kind.CATEGORICAL


def kinds_of(frame: pl.DataFrame) -> dict[str, Kind]:
    """Return :func:`infer_kind` for every column of ``frame``."""
    return {name: infer_kind(frame.get_column(name)) for name in frame.columns}


def compare_schemas(previous: TableSchema, current: TableSchema) -> list[dict[str, Any]]:
    """List what a fresh scan says differently from a previous (possibly edited) schema.

    Each change is ``{"column", "change", "previous", "current"}`` with change one of ``added``,
    ``removed``, ``role``, ``entities``. Values are roles and entity names, never data.
    """
    changes: list[dict[str, Any]] = []
    before = {c.name: c for c in previous.columns}
    after = {c.name: c for c in current.columns}
    for name in after.keys() - before.keys():
        changes.append(
            {"column": name, "change": "added", "previous": None, "current": str(after[name].role)}
        )
    for name in before.keys() - after.keys():
        changes.append(
            {
                "column": name,
                "change": "removed",
                "previous": str(before[name].role),
                "current": None,
            }
        )
    for name in before.keys() & after.keys():
        old, new = before[name], after[name]
        if old.role != new.role:
            changes.append(
                {
                    "column": name,
                    "change": "role",
                    "previous": str(old.role),
                    "current": str(new.role),
                }
            )
        elif set(old.entity_types) != set(new.entity_types):
            changes.append(
                {
                    "column": name,
                    "change": "entities",
                    "previous": sorted(old.entity_types),
                    "current": sorted(new.entity_types),
                }
            )
    # new scan's column order first; removed columns after it
    order = {c.name: len(current.columns) + i for i, c in enumerate(previous.columns)}
    order |= {c.name: i for i, c in enumerate(current.columns)}
    return sorted(changes, key=lambda c: order[c["column"]])


def keep_reviewed(previous: TableSchema, current: TableSchema) -> TableSchema:
    """Return ``current`` with role, entities and action taken from ``previous`` where it has them.

    The previous file is the reviewed one: a person may have corrected a role or set an action,
    and a re-scan must not undo that. Columns new in ``current`` keep the scan's findings.
    """
    before = {c.name: c for c in previous.columns}
    columns = []
    for column in current.columns:
        old = before.get(column.name)
        if old is not None:
            column = ColumnInfo(
                name=column.name,
                dtype=column.dtype,
                kind=column.kind,
                role=old.role,
                entities=old.entities,
                evidence=column.evidence,
                examples=column.examples,
                action=old.action,
                review=old.review,
            )
        columns.append(column)
    return TableSchema(columns=columns, source=current.source, detector=current.detector)


def aligned(frame: pl.DataFrame, like: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Select ``columns`` and cast them to ``like``'s dtypes (CSV round trips change some)."""
    mine, theirs = frame.schema, like.schema  # once: polars builds a schema when asked
    return frame.select(
        [
            pl.col(c).cast(theirs[c], strict=False) if mine[c] != theirs[c] else pl.col(c)
            for c in columns
        ]
    )
