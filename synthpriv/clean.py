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
from synthpriv.schema import ColumnInfo, Kind, Role, TableSchema, infer_kind

REDACT_SCORE = 0.35
REDACT_PASSES = 2
MIN_LEAK_LENGTH = 4
MAX_ESCALATION_ROUNDS = 3
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
    escalated: bool = False


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


@dataclass
class Leak:
    """Values of a direct identifier found in another (or the same) column: counts, no values."""

    identifier: str
    column: str
    cells: int
    values: int

    def __str__(self) -> str:
        return (
            f"{self.cells} cell(s) of column {self.column!r} hold values of direct identifier "
            f"{self.identifier!r}"
        )


def _needles(original: pl.DataFrame, info: ColumnInfo) -> pl.Series | None:
    """The distinct values of one identifier column worth searching for (None: nothing to find)."""
    if info.name not in original.columns or info.action == "keep":
        return None
    if (info.evidence.get("values") or {}).get("consecutive"):
        return None  # record numbers 1..N say nothing about anyone
    values = original.get_column(info.name).cast(pl.String).str.strip_chars().drop_nulls()
    values = values.unique().filter(values.unique().str.len_chars() >= MIN_LEAK_LENGTH)
    return values if values.len() else None


def find_leaks(
    original: pl.DataFrame,
    cleaned: pl.DataFrame,
    schema: TableSchema,
    *,
    replaced_in_place: frozenset[str] = frozenset(),
) -> list[Leak]:
    """Return where an original direct-identifier value appears in ``cleaned``.

    Every distinct value (at least ``MIN_LEAK_LENGTH`` characters) of every column the schema
    marks as a direct identifier is looked for in every column of ``cleaned``: as a whole cell in
    short-valued columns (a department called like a person is not a leak, a surname column is),
    and as a word or phrase inside free text. A column in ``replaced_in_place`` (Faker
    replacements) is checked row by row against its own originals instead, since a fake name may
    by chance equal another person's real one. A match of a name counts only when two or more
    distinct names match (one coincidence is not a leak); any other identifier counts at once.
    """
    leaks = []
    for info in schema.by_role(Role.DIRECT_IDENTIFIER):
        needles = _needles(original, info)
        if needles is None:
            continue
        source = original.get_column(info.name).cast(pl.String).str.strip_chars()
        names = "PERSON" in info.entity_types
        for target in cleaned.columns:
            column = cleaned.get_column(target)
            if target == info.name and target in replaced_in_place:
                # The row's own value kept: always a leak, whatever its kind.
                cells = int((column.cast(pl.String) == source).fill_null(False).sum())
                found = max(cells, 2 * bool(cells))
            elif column.dtype == pl.String or column.dtype.is_integer():
                cells, found = _matches(column, needles)
            else:
                continue
            if cells and (found >= 2 or not names):
                leaks.append(Leak(info.name, target, cells, found))
    return leaks


def _matches(column: pl.Series, needles: pl.Series) -> tuple[int, int]:
    """(cells holding a needle, distinct needles found) in one column."""
    text = column.cast(pl.String).str.strip_chars()
    if infer_kind(column) != Kind.TEXT:
        hit = text.is_in(needles.implode())
        return int(hit.sum()), text.filter(hit).n_unique()
    phrases = needles.filter(needles.str.contains(r"\s"))
    words = needles.filter(~needles.str.contains(r"\s"))
    tokens = text.str.extract_all(r"[\w'’.@+-]+")
    in_words = tokens.list.eval(pl.element().is_in(words.implode())).list.any().fill_null(False)
    in_phrases = (
        text.str.contains_any(phrases.to_list()).fill_null(False)
        if phrases.len()
        else pl.Series([False] * text.len())
    )
    hit = in_words | in_phrases
    found_words = tokens.filter(in_words).explode()
    distinct = found_words.filter(found_words.is_in(words.implode())).n_unique()
    return int(hit.sum()), max(distinct, int(in_phrases.sum() > 0) * 2)


def verify_clean(
    original: pl.DataFrame,
    result: CleanResult,
    schema: TableSchema,
    detector: ColumnDetector,
    *,
    key: bytes | None = None,
) -> dict[str, Any]:
    """Prove the cleaned table holds no direct identifier, escalating columns that still do.

    The cleaned table is searched for every original direct-identifier value and re-scanned. A
    column found to hold identifiers gets the policy's identifier action (what it does to a
    ``direct_identifier`` column: drop under strict, hash under pseudonymize), is recorded as an
    escalation in the audit, and everything is checked again. Only what cannot be escalated (a
    column the user chose to keep, an action that leaves it as it was) stops the run.

    Returns:
        A summary for the audit log (columns re-scanned, checks run, escalations).

    Raises:
        ResidualPIIError: naming the first column still holding identifiers after escalation.
    """
    escalations: list[dict[str, Any]] = []
    user_kept = {c.name for c in schema.columns if c.action == "keep"}
    for round_ in range(MAX_ESCALATION_ROUNDS + 1):
        problems = _problems(original, result, schema, detector)
        if not problems:
            break
        escalated = round_ < MAX_ESCALATION_ROUNDS and any(
            [
                _escalate(result, schema, column, reason, key, escalations)
                for column, reason in problems.items()
                if column not in user_kept and column in result.frame.columns
            ]
        )
        if not escalated:
            column, reason = next(iter(problems.items()))
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ResidualPIIError(
                f"residual PII after cleaning: column {column!r}: {reason}{more}"
            )
    actions = {c.name: c.action for c in result.schema.columns}
    return {
        "verified": True,
        "value_search_columns": len(schema.by_role(Role.DIRECT_IDENTIFIER)),
        "rescanned_columns": result.frame.width,
        "pseudonymized_columns": sorted(n for n, a in actions.items() if a in PSEUDONYMIZING),
        "escalations": escalations,
    }


def _problems(
    original: pl.DataFrame, result: CleanResult, schema: TableSchema, detector: ColumnDetector
) -> dict[str, str]:
    """Column -> why it still holds identifiers (value search first, then the re-scan)."""
    cleaned = result.frame
    actions = {c.name: c.action for c in result.schema.columns}
    faked = frozenset(name for name, action in actions.items() if action == "fake")
    problems: dict[str, str] = {}
    for leak in find_leaks(original, cleaned, schema, replaced_in_place=faked):
        problems.setdefault(leak.column, str(leak).split(f"column {leak.column!r} ", 1)[-1])
    # Columns kept by the user's override or pseudonymized on purpose are handled columns.
    handled = {c.name for c in schema.columns if c.action == "keep"} | {
        name for name, action in actions.items() if action in PSEUDONYMIZING
    }
    for column in detector.detect(cleaned).columns:
        if column.name in handled or column.name in problems:
            continue
        # A generalized quasi-identifier can still be mostly distinct in a small table (ZIP3 of
        # 200 rows); that is re-identification risk for the privacy metrics, not leftover PII.
        known = schema[column.name] if column.name in schema else None
        if known is not None and known.role != Role.DIRECT_IDENTIFIER:
            if column.review or column.entity_types in (["ID"], ["UNEXPLAINED_TEXT"]):
                continue
        if column.role in (Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII):
            problems[column.name] = (
                f"still looks like {column.role} ({', '.join(column.entity_types) or 'unique'})"
            )
    return problems


def _escalate(
    result: CleanResult,
    schema: TableSchema,
    column: str,
    reason: str,
    key: bytes | None,
    escalations: list[dict[str, Any]],
) -> bool:
    """Apply the policy's identifier action to ``column``; False when that changes nothing."""
    info = (
        schema[column]
        if column in schema
        else ColumnInfo(column, "String", Kind.CATEGORICAL, Role.NONE)
    )
    as_identifier = replace(info, role=Role.DIRECT_IDENTIFIER, action=None)
    operator, params = result.policy.choose(as_identifier)
    if operator == "keep":
        return False
    ctx = OperatorContext(key=key)
    outcome = OPERATORS[operator].apply(result.frame.get_column(column), as_identifier, params, ctx)
    if outcome.series is None:
        result.frame = result.frame.drop(column)
        result.schema.columns = [c for c in result.schema.columns if c.name != column]
    else:
        result.frame = result.frame.with_columns(outcome.series.alias(column))
        result.schema.columns = [
            replace(c, action=operator) if c.name == column else c for c in result.schema.columns
        ]
    detail = f"escalated after verification ({reason}); the policy's identifier action applied"
    for entry in result.audit:
        if entry.column == column:
            entry.action, entry.detail = operator, detail
            entry.cells_changed = outcome.cells_changed
            entry.escalated = True
    escalations.append({"column": column, "reason": reason, "action": operator})
    return True
