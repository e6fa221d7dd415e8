"""De-identification: apply a policy to a table, keep an audit log, and prove nothing is left.

This is the first policy, ``strict``: direct identifiers are dropped, free text is redacted span
by span (presidio-anonymizer), dates of birth become birth years, ZIP codes keep their first three
digits, ages are top-coded at 90. A column's ``action`` in the column schema overrides the policy.
After cleaning, :func:`verify_clean` re-scans the output and searches it for every original
direct-identifier value; any hit raises :class:`~synthpriv.errors.ResidualPIIError`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from presidio_analyzer import BatchAnalyzerEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from synthpriv.errors import ResidualPIIError
from synthpriv.pii.detector import ColumnDetector
from synthpriv.pii.engine import Analyzers
from synthpriv.pii.entities import ENTITY_ROLES
from synthpriv.pii.spans import plausible_spans
from synthpriv.schema import ColumnInfo, Role, TableSchema

POLICY = "strict"
ACTIONS = ("drop", "redact", "generalize", "keep")
REDACT_SCORE = 0.35
REDACT_PASSES = 2
MIN_LEAK_LENGTH = 5
AGE_TOP_CODE = 90
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


@dataclass
class CleanResult:
    """The cleaned table and its audit log."""

    frame: pl.DataFrame
    audit: list[ColumnAudit]
    policy: str = POLICY
    verification: dict[str, Any] | None = None

    def audit_dict(self) -> dict[str, Any]:
        """Return the audit log as JSON-ready data."""
        return {
            "policy": self.policy,
            "columns": [vars(a) for a in self.audit],
            "dropped": [a.column for a in self.audit if a.action == "drop"],
            "rows": self.frame.height,
            "verification": self.verification,
        }


def choose_action(column: ColumnInfo) -> str:
    """Return the operator the ``strict`` policy applies to ``column`` (or the user's override)."""
    if column.action:
        return column.action
    if column.role == Role.DIRECT_IDENTIFIER:
        return "drop"
    if column.role == Role.FREE_TEXT_PII:
        return "redact"
    if column.role == Role.QUASI_IDENTIFIER and {"DATE_OF_BIRTH", "ZIP_CODE", "AGE"} & set(
        column.entity_types
    ):
        return "generalize"
    return "keep"


def generalize(series: pl.Series, entities: list[str]) -> tuple[pl.Series, str]:
    """Coarsen a quasi-identifier: birth date to year, ZIP to 3 digits, age top-coded at 90."""
    if "DATE_OF_BIRTH" in entities and series.dtype.is_temporal():
        return series.dt.year().alias(series.name), "date of birth to year"
    if "ZIP_CODE" in entities:
        text = series.cast(pl.String).str.strip_chars()
        if series.dtype.is_integer():
            text = text.str.zfill(5)
        return text.str.slice(0, 3).alias(series.name), "ZIP code to first 3 digits"
    if "AGE" in entities and series.dtype.is_numeric():
        return series.clip(upper_bound=AGE_TOP_CODE).alias(
            series.name
        ), f"ages above {AGE_TOP_CODE - 1} to {AGE_TOP_CODE}"
    return series, "no generalization rule for this column; kept"


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
    return ENTITY_ROLES.get(entity) in _REDACTED_ROLES or entity in _ALSO_REDACTED


def clean_table(
    frame: pl.DataFrame,
    schema: TableSchema,
    analyzers: Analyzers,
    *,
    on_column: Callable[[str], None] | None = None,
) -> CleanResult:
    """Apply the ``strict`` policy (with per-column overrides) to ``frame``.

    Columns missing from ``schema`` are kept as they are and noted in the audit.
    """
    redactor: Redactor | None = None
    kept: list[pl.Series] = []
    audit: list[ColumnAudit] = []
    for name in frame.columns:
        series = frame.get_column(name)
        if name not in schema:
            audit.append(
                ColumnAudit(name, "unknown", [], "keep", detail="not in the column schema")
            )
            kept.append(series)
            continue
        info = schema[name]
        action = choose_action(info)
        entry = ColumnAudit(name, str(info.role), info.entity_types, action)
        if action == "drop":
            entry.cells_changed = series.len() - series.null_count()
        elif action == "redact":
            redactor = redactor or Redactor(analyzers)
            cleaned, counts = redactor.redact_series(series)
            entry.spans_redacted = dict(counts.most_common())
            entry.cells_changed = int((cleaned != series.cast(pl.String)).sum() or 0)
            kept.append(cleaned)
        elif action == "generalize":
            cleaned, entry.detail = generalize(series, info.entity_types)
            changed = cleaned.cast(pl.String) != series.cast(pl.String)
            entry.cells_changed = int(changed.sum() or 0)
            kept.append(cleaned)
        else:
            kept.append(series)
        audit.append(entry)
        if on_column:
            on_column(name)
    return CleanResult(frame=pl.DataFrame(kept) if kept else pl.DataFrame(), audit=audit)


def find_leaks(original: pl.DataFrame, cleaned: pl.DataFrame, schema: TableSchema) -> list[str]:
    """Return problems where an original direct-identifier value appears in ``cleaned``.

    Every distinct value (at least five characters) of every column the schema marks as a direct
    identifier is searched for in every string column of the output (as a substring, with one
    Aho-Corasick pass per column) and in every integer column (as an exact value). Messages name
    columns and counts, never values.
    """
    problems = []
    for info in schema.by_role(Role.DIRECT_IDENTIFIER):
        if info.name not in original.columns or info.action == "keep":
            continue
        values = (
            original.get_column(info.name).drop_nulls().cast(pl.String).str.strip_chars().unique()
        )
        values = values.filter(values.str.len_chars() >= MIN_LEAK_LENGTH)
        if values.len() == 0:
            continue
        needles = values.to_list()
        for target in cleaned.columns:
            column = cleaned.get_column(target)
            if column.dtype == pl.String:
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
    cleaned: pl.DataFrame,
    schema: TableSchema,
    detector: ColumnDetector,
) -> dict[str, Any]:
    """Prove the cleaned table holds no direct identifier; raise if it does.

    Returns:
        A summary for the audit log (columns re-scanned, checks run).

    Raises:
        ResidualPIIError: naming the first offending column.
    """
    problems = find_leaks(original, cleaned, schema)
    kept_on_purpose = {c.name for c in schema.columns if c.action == "keep"}
    rescan = detector.detect(cleaned)
    for column in rescan.columns:
        if column.name in kept_on_purpose:
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
    }
