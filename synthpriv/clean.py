"""De-identification: apply a policy to a table, keep an audit log, and prove nothing is left.

:func:`clean_table` asks the :class:`~synthpriv.policy.Policy` which operator each column gets
(a column's ``action`` in the column schema overrides it) and runs it from
:mod:`synthpriv.operators`. :func:`verify_clean` then re-scans the output and searches it for
every original direct-identifier value; any hit raises :class:`~synthpriv.errors.ResidualPIIError`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl
from presidio_analyzer import BatchAnalyzerEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from synthpriv.errors import ConfigError, ResidualPIIError
from synthpriv.operators import OPERATORS, PSEUDONYMIZING, OperatorContext, suppress_rare
from synthpriv.pii.detector import ColumnDetector
from synthpriv.pii.engine import Analyzers
from synthpriv.pii.entities import role_of
from synthpriv.pii.spans import plausible_spans
from synthpriv.policy import Policy, load_policy
from synthpriv.schema import Role, TableSchema

REDACT_SCORE = 0.35
REDACT_PASSES = 2
MIN_LEAK_LENGTH = 5
_REDACTED_ROLES = {Role.DIRECT_IDENTIFIER}
_ALSO_REDACTED = {"LOCATION", "DATE_OF_BIRTH"}


@dataclass
class ColumnAudit:
    """What cleaning did to one column (counts only, never values)."""

    column: str
    role: str
    entities: list[str]
    action: str
    cells_changed: int = 0
    spans_redacted: dict[str, int] = field(default_factory=dict)
    detail: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class CleanResult:
    """The cleaned table, its audit log, and the schema with each column's applied action."""

    frame: pl.DataFrame
    audit: list[ColumnAudit]
    policy: Policy
    schema: TableSchema
    schema_sha256: str = ""
    verification: dict[str, Any] | None = None

    def audit_dict(self) -> dict[str, Any]:
        """Return the audit log as JSON-ready data."""
        return {
            "policy": self.policy.name,
            "policy_sha256": self.policy.sha256,
            "policy_description": self.policy.description,
            "schema_source": self.schema.source,
            "schema_sha256": self.schema_sha256,
            "columns": [vars(a) for a in self.audit],
            "dropped": [a.column for a in self.audit if a.action == "drop"],
            "rows": self.frame.height,
            "verification": self.verification,
        }


class Redactor:
    """Replace PII spans in free text with ``<ENTITY_TYPE>`` placeholders.

    Distinct cells are analyzed once each, in batches (spaCy's ``nlp.pipe`` when a model is
    loaded); a second pass over the changed cells catches spans whose context only became clear
    once the first ones were replaced.
    """

    def __init__(self, analyzers: Analyzers, anonymizer: AnonymizerEngine | None = None):
        self.analyzer = analyzers.text
        self.batch = BatchAnalyzerEngine(analyzer_engine=self.analyzer)
        self.anonymizer = anonymizer or AnonymizerEngine()

    def redact_series(self, series: pl.Series) -> tuple[pl.Series, Counter[str]]:
        """Return the redacted column and the count of spans replaced per entity type."""
        distinct = series.drop_nulls().cast(pl.String).unique(maintain_order=True).to_list()
        redacted, counts = self.redact_many(distinct)
        mapping = dict(zip(distinct, redacted, strict=True))
        out = series.cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.String)
        return out.alias(series.name), counts

    def redact_many(self, texts: list[str]) -> tuple[list[str], Counter[str]]:
        """Redact every text; return the results in order and the spans replaced per type."""
        counts: Counter[str] = Counter()
        current = list(texts)
        todo = list(range(len(texts)))
        for _ in range(REDACT_PASSES):
            if not todo:
                break
            results = self.batch.analyze_iterator(
                [current[i] for i in todo], language="en", batch_size=128
            )
            changed = []
            for index, found in zip(todo, results, strict=True):
                text, replaced = self._apply(current[index], found)
                if replaced:
                    counts.update(replaced)
                    current[index] = text
                    changed.append(index)
            todo = changed
        return current, counts

    def redact_text(self, text: str) -> tuple[str, Counter[str]]:
        """Redact one text; return it and the spans replaced per type."""
        out, counts = self.redact_many([text])
        return out[0], counts

    def _apply(self, text: str, results: list[Any]) -> tuple[str, Counter[str]]:
        spans = [
            RecognizerResult(r.entity_type, r.start, r.end, r.score)
            for r in plausible_spans(text, results, REDACT_SCORE)
            if _redactable(r.entity_type)
        ]
        if not spans:
            return text, Counter()
        operators = {
            r.entity_type: OperatorConfig("replace", {"new_value": f"<{r.entity_type}>"})
            for r in spans
        }
        result = self.anonymizer.anonymize(text=text, analyzer_results=spans, operators=operators)
        return result.text, Counter(item.entity_type for item in result.items)


def _redactable(entity: str) -> bool:
    return role_of(entity) in _REDACTED_ROLES or entity in _ALSO_REDACTED


def clean_table(
    frame: pl.DataFrame,
    schema: TableSchema,
    analyzers: Analyzers,
    *,
    policy: Policy | None = None,
    key: bytes | None = None,
    on_column: Callable[[str], None] | None = None,
) -> CleanResult:
    """Apply ``policy`` (default ``strict``) with per-column overrides to ``frame``.

    Columns missing from ``schema`` are kept as they are and noted in the audit.

    Raises:
        ConfigError: an unknown operator in a column override, or a missing pseudonym key.
    """
    policy = policy or load_policy("strict")
    redactor: Redactor | None = None

    def get_redactor() -> Redactor:
        nonlocal redactor
        redactor = redactor or Redactor(analyzers)
        return redactor

    ctx = OperatorContext(redactor=get_redactor, key=key)
    kept: list[pl.Series] = []
    audit: list[ColumnAudit] = []
    applied = TableSchema(columns=[], source=schema.source, detector=schema.detector)
    for name in frame.columns:
        series = frame.get_column(name)
        if name not in schema:
            audit.append(
                ColumnAudit(name, "unknown", [], "keep", detail="not in the column schema")
            )
            kept.append(series)
            continue
        info = schema[name]
        operator, params = policy.choose(info)
        if operator not in OPERATORS:
            raise ConfigError(
                f"column {name!r}: unknown action {operator!r}; valid: {', '.join(OPERATORS)}"
            )
        outcome = OPERATORS[operator].apply(series, info, params, ctx)
        if (
            outcome.series is not None
            and outcome.series.dtype == pl.String
            and policy.suppresses_rare_in(info, operator)
        ):
            outcome.series, rare = suppress_rare(outcome.series, policy.suppress_rare_k or 2)
            if rare:
                outcome.cells_changed += rare
                outcome.detail += (
                    f"{'; ' if outcome.detail else ''}{rare} cells of categories seen fewer than "
                    f"{policy.suppress_rare_k} times to 'Other'"
                )
        audit.append(
            ColumnAudit(
                name,
                str(info.role),
                info.entity_types,
                operator,
                outcome.cells_changed,
                outcome.spans,
                outcome.detail,
                params,
            )
        )
        if outcome.series is not None:
            kept.append(outcome.series)
            applied.columns.append(replace(info, action=operator))
        if on_column:
            on_column(name)
    cleaned = pl.DataFrame(kept) if kept else pl.DataFrame()
    digest = hashlib.sha256(json.dumps(schema.to_dict(), sort_keys=True).encode()).hexdigest()
    return CleanResult(
        frame=cleaned, audit=audit, policy=policy, schema=applied, schema_sha256=digest
    )


def find_leaks(
    original: pl.DataFrame,
    cleaned: pl.DataFrame,
    schema: TableSchema,
    *,
    replaced_in_place: frozenset[str] = frozenset(),
) -> list[str]:
    """Return problems where an original direct-identifier value appears in ``cleaned``.

    Every distinct value (at least five characters) of every column the schema marks as a direct
    identifier is searched for in every string column of the output (as a substring, with one
    Aho-Corasick pass per column) and in every integer column (as an exact value). A column in
    ``replaced_in_place`` (Faker replacements) is checked row by row against its own originals
    instead, since a fake name may by chance equal another person's real one. Messages name
    columns and counts, never values.
    """
    problems = []
    for info in schema.by_role(Role.DIRECT_IDENTIFIER):
        if info.name not in original.columns or info.action == "keep":
            continue
        source = original.get_column(info.name).cast(pl.String).str.strip_chars()
        values = source.drop_nulls().unique()
        values = values.filter(values.str.len_chars() >= MIN_LEAK_LENGTH)
        if values.len() == 0:
            continue
        needles = values.to_list()
        for target in cleaned.columns:
            column = cleaned.get_column(target)
            if target == info.name and target in replaced_in_place:
                hits = int((column.cast(pl.String) == source).fill_null(False).sum())
            elif column.dtype == pl.String:
                hits = column.str.contains_any(needles).sum()
            elif column.dtype.is_integer():
                hits = column.cast(pl.String).is_in(values).sum()
            else:
                continue
            if hits:
                problems.append(
                    f"{hits} cell(s) of column {target!r} contain values of direct "
                    f"identifier {info.name!r}"
                )
    return problems


def verify_clean(
    original: pl.DataFrame,
    result: CleanResult,
    schema: TableSchema,
    detector: ColumnDetector,
) -> dict[str, Any]:
    """Prove the cleaned table holds no direct identifier; raise if it does.

    Args:
        original: The table before cleaning.
        result: What :func:`clean_table` returned.
        schema: The column schema cleaning was given (with the user's overrides).
        detector: The detector for the re-scan.

    Returns:
        A summary for the audit log (columns re-scanned, checks run).

    Raises:
        ResidualPIIError: naming the first offending column.
    """
    cleaned = result.frame
    actions = {c.name: c.action for c in result.schema.columns}
    faked = frozenset(name for name, action in actions.items() if action == "fake")
    problems = find_leaks(original, cleaned, schema, replaced_in_place=faked)
    # Columns kept by the user's override or pseudonymized on purpose are handled columns.
    handled = {c.name for c in schema.columns if c.action == "keep"} | {
        name for name, action in actions.items() if action in PSEUDONYMIZING
    }
    rescan = detector.detect(cleaned)
    for column in rescan.columns:
        if column.name in handled:
            continue
        # A generalized quasi-identifier can still be mostly distinct in a small table (ZIP3 of 200
        # rows); that is re-identification risk for the privacy metrics, not leftover PII.
        if column.entity_types == ["UNIQUE_ID"] and column.name in schema:
            if schema[column.name].role != Role.DIRECT_IDENTIFIER:
                continue
        if column.role in (Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII):
            problems.append(
                f"column {column.name!r} still looks like {column.role} "
                f"({', '.join(column.entity_types) or 'unique values'})"
            )
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ResidualPIIError(f"residual PII after cleaning: {problems[0]}{more}")
    return {
        "verified": True,
        "value_search_columns": len(schema.by_role(Role.DIRECT_IDENTIFIER)),
        "rescanned_columns": len(rescan.columns),
        "pseudonymized_columns": sorted(handled & set(actions)),
    }
