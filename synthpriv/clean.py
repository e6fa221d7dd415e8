"""De-identification: apply a policy to a table, keep an audit log, and prove nothing is left.

:func:`clean_table` asks the :class:`~synthpriv.policy.Policy` which operator each column gets
(a column's ``action`` in the column schema overrides it) and runs it from
:mod:`synthpriv.operators`. :func:`verify_clean` then re-scans the output and searches it for
every original direct-identifier value; any hit raises :class:`~synthpriv.errors.ResidualPIIError`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl
from presidio_analyzer import BatchAnalyzerEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from synthpriv.errors import ConfigError, ResidualPIIError
from synthpriv.frames import COUNT, value_counts
from synthpriv.operators import (
    OPERATORS,
    PSEUDONYMIZING,
    OperatorContext,
    changed_cells,
    frequent_values,
    rare_phrase,
    suppress_rare,
)
from synthpriv.pii.detector import ColumnDetector
from synthpriv.pii.engine import Analyzers
from synthpriv.pii.entities import role_of
from synthpriv.pii.spans import plausible_spans
from synthpriv.policy import Policy, load_policy
from synthpriv.schema import POOLED_LABEL, ColumnInfo, Kind, Role, TableSchema, infer_kind

log = logging.getLogger(__name__)

REDACT_SCORE = 0.35
REDACT_PASSES = 2
SECOND_PASS_MAX_CHARS = 2_000  # a second look only where a replaced span may change the rest
BATCH_CHARS = 200_000  # text handed to the NLP pipeline at once (bounds its memory)
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
class Step:
    """One operator applied to one column, and what it learned from the rows it saw."""

    column: str
    operator: str
    params: dict[str, Any]
    info: ColumnInfo
    fitted: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CleanResult:
    """The cleaned table, its audit log, and the schema with each column's applied action.

    Frozen: a stage that changes a cleaning (verification escalating a column, the pipeline
    adding what it searched) returns a new result (:func:`dataclasses.replace`), so a result
    handed to another module stays what it was when it was made.
    """

    frame: pl.DataFrame
    audit: tuple[ColumnAudit, ...]
    policy: Policy
    schema: TableSchema
    schema_sha256: str = ""
    verification: dict[str, Any] | None = None
    information_kept: dict[str, float | None] = field(default_factory=dict)
    """Per original column, the share of its information (entropy) the cleaned column keeps:
    1 unchanged, 0 dropped or pooled into one value; ``None`` for free text."""
    steps: tuple[Step, ...] = ()
    """Every operator applied, in order, with what it learned: :func:`apply_steps` replays them
    on other rows (the holdout), so cleaning choices are fitted on the training rows only."""

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
            "information_kept": self.information_kept,
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
        """Redact every text; return the results in order and the spans replaced per type.

        Texts go to the analyzer in batches of about ``BATCH_CHARS`` characters, so memory does
        not grow with the length of the cells. The second pass looks again only at short cells
        that changed: in a long note one replaced name rarely explains another.
        """
        counts: Counter[str] = Counter()
        current = list(texts)
        todo = list(range(len(texts)))
        for round_ in range(REDACT_PASSES):
            if round_:
                todo = [i for i in todo if len(current[i]) <= SECOND_PASS_MAX_CHARS]
            changed = []
            for batch in _batches(todo, [len(current[i]) for i in todo]):
                results = self.batch.analyze_iterator(
                    [current[i] for i in batch], language="en", batch_size=max(len(batch), 1)
                )
                for index, found in zip(batch, results, strict=True):
                    text, replaced = self._apply(current[index], found)
                    if replaced:
                        counts.update(replaced)
                        current[index] = text
                        changed.append(index)
            todo = changed
            if not todo:
                break
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


MAX_SUPPRESSED_SHARE = 0.05


def _coarse_enough_zip(
    series: pl.Series, info: ColumnInfo, params: dict[str, Any], k: int, ctx: OperatorContext
) -> dict[str, Any]:
    """Fewer ZIP digits until rare-area suppression would take at most 5% of the cells.

    Generalize before suppressing, as Safe Harbor and k-anonymity tools do: where three digits
    still leave most areas with fewer than ``k`` people, suppression would pool the whole column
    into one label (the column's information lost); two digits keep regions. The digits chosen
    are a parameter of the step, so the holdout gets the same. Not a ZIP column: unchanged.
    """
    if "ZIP_CODE" not in info.entity_types and "zip_digits" not in params:
        return params
    generalize = OPERATORS["generalize"]
    for digits in range(int(params.get("zip_digits", 3)), 0, -1):
        trial = {**params, "zip_digits": digits}
        out = generalize.apply(series, info, trial, ctx).series
        if out is None:
            return params
        text = out.cast(pl.String)
        rare = int((text.is_not_null() & ~text.is_in(frequent_values(text, k, ctx.people))).sum())
        if rare <= MAX_SUPPRESSED_SHARE * max(out.len() - out.null_count(), 1):
            return trial
    return {**params, "zip_digits": 1}


def _over_budget(series: pl.Series, limit: int | None) -> int | None:
    """The column's distinct characters when they exceed ``limit`` (``None`` when within)."""
    if limit is None:
        return None
    chars = int(series.drop_nulls().cast(pl.String).unique().str.len_chars().sum() or 0)
    return chars if chars > limit else None


def _batches(indices: list[int], lengths: list[int]) -> list[list[int]]:
    """Split ``indices`` into runs of at most ``BATCH_CHARS`` characters (at least one each)."""
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for index, length in zip(indices, lengths, strict=True):
        if current and (size + length > BATCH_CHARS or len(current) >= 128):
            out.append(current)
            current, size = [], 0
        current.append(index)
        size += length
    if current:
        out.append(current)
    return out


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
    redact_chars: int | None = None,
    row_by_row: bool = False,
    people: pl.Series | None = None,
) -> CleanResult:
    """Apply ``policy`` (default ``strict``) with per-column overrides to ``frame``.

    ``people`` (linked tables): the person each row belongs to; rare categories and ZIP areas
    are then those fewer than k people hold, since one person's rows repeat their values.

    ``row_by_row`` (for a differentially private engine) skips every step fitted on the rows,
    so that one row more or less changes no other row's cleaned values: rare categories are not
    pooled (the engine's noisy threshold drops them), ZIP codes keep the policy's digits, and a
    policy asking for bins fitted on the rows is refused.

    Columns missing from ``schema`` are kept as they are and noted in the audit. A free-text
    column whose distinct cells hold more than ``redact_chars`` characters is not redacted
    (that would take hours) but given the policy's identifier action, which the audit says.

    Raises:
        ConfigError: an unknown operator in a column override, or a missing pseudonym key.
    """
    policy = policy or load_policy("strict")
    redactor: Redactor | None = None

    def get_redactor() -> Redactor:
        nonlocal redactor
        redactor = redactor or Redactor(analyzers)
        return redactor

    ctx = OperatorContext(redactor=get_redactor, key=key, people=people)
    steps: list[Step] = []
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
        over = _over_budget(series, redact_chars) if operator == "redact" else None
        if over is not None:
            operator, params = policy.choose(
                replace(info, role=Role.DIRECT_IDENTIFIER, action=None)
            )
            log.warning(
                "column %r: %d distinct free-text characters exceed the redaction budget (%d); "
                "the policy's identifier action '%s' applied instead",
                name,
                over,
                redact_chars,
                operator,
            )
        if row_by_row and operator == "generalize" and "bins" in params:
            raise ConfigError(
                f"column {name!r}: the policy generalizes it into bins fitted on the rows, which "
                "a differentially private engine cannot pay for; give fixed bands ('band') instead"
            )
        if (
            operator == "generalize"
            and policy.suppresses_rare_in(info, operator)
            and not row_by_row
        ):
            asked = params.get("zip_digits", 3)
            params = _coarse_enough_zip(series, info, params, policy.suppress_rare_k or 2, ctx)
        else:
            asked = None
        outcome = OPERATORS[operator].apply(series, info, params, ctx)
        if asked is not None and params.get("zip_digits", asked) < asked:
            outcome.detail += (
                f" ({asked} digits would leave more than {MAX_SUPPRESSED_SHARE:.0%} of cells in "
                f"areas of fewer than {policy.suppress_rare_k or 2} "
                f"{'people' if people is not None else 'rows'}, all pooled to "
                f"{POOLED_LABEL!r}; fewer digits keep the regions)"
            )
        steps.append(Step(name, operator, params, info, outcome.fitted))
        if over is not None:
            outcome.detail = (
                f"over the redaction budget ({over} distinct characters > redact_chars "
                f"{redact_chars}); the policy's identifier action applied instead of redaction"
            )
        if (
            outcome.series is not None
            and outcome.series.dtype == pl.String
            and policy.suppresses_rare_in(info, operator)
            and row_by_row
        ):
            outcome.detail += (
                f"{'; ' if outcome.detail else ''}rare categories left to the differentially "
                "private engine's noisy threshold (pooling them is fitted on the rows)"
            )
        elif (
            outcome.series is not None
            and outcome.series.dtype == pl.String
            and policy.suppresses_rare_in(info, operator)
        ):
            k = policy.suppress_rare_k or 2
            outcome.series, rare, categories = suppress_rare(outcome.series, k, people=people)
            steps.append(Step(name, "suppress_rare", {"k": k}, info, {"kept": categories}))
            if rare:
                # a cell both generalized and pooled is one changed cell, not two
                outcome.cells_changed = changed_cells(series, outcome.series)
                outcome.detail += (
                    f"{'; ' if outcome.detail else ''}{rare} cells of "
                    f"{rare_phrase(k, people)} to {POOLED_LABEL!r}"
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
        frame=cleaned,
        audit=tuple(audit),
        policy=policy,
        schema=applied,
        schema_sha256=digest,
        steps=tuple(steps),
    )


INFORMATION_BINS = 20


def _entropy(series: pl.Series) -> float:
    """Shannon entropy (bits) of a column: numbers and dates in 20 quantile bins, else values."""
    present = series.drop_nulls()
    if present.len() == 0:
        return 0.0
    if present.dtype.is_numeric() or present.dtype.is_temporal():
        values = present.to_physical().cast(pl.Float64)
        values = values.filter(values.is_finite())
        if values.n_unique() > INFORMATION_BINS:
            present = values.qcut(INFORMATION_BINS, allow_duplicates=True)
    counts = value_counts(present).get_column(COUNT).to_numpy().astype(float)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def information_kept(
    original: pl.DataFrame, cleaned: pl.DataFrame, schema: TableSchema
) -> dict[str, float | None]:
    """How much of each original column's information cleaning kept (entropy ratio, 0 to 1).

    The utility spent on privacy, per column: a dropped column keeps 0; ZIP codes cut to three
    digits keep part; a quasi-identifier whose every value was rare and pooled into one label
    keeps 0, though the cleaned column would score perfectly against itself. Free text is
    ``None`` (the audit counts the spans redacted).
    """
    out: dict[str, float | None] = {}
    for name in original.columns:
        info = schema[name] if name in schema else None
        if info is not None and info.kind == Kind.TEXT:
            out[name] = None
            continue
        if name not in cleaned.columns:
            out[name] = 0.0
            continue
        before = _entropy(original.get_column(name))
        after = _entropy(cleaned.get_column(name))
        out[name] = 1.0 if before == 0 else round(min(max(after / before, 0.0), 1.0), 4)
    return out


def apply_steps(
    frame: pl.DataFrame, result: CleanResult, *, key: bytes | None = None
) -> pl.DataFrame:
    """Clean other rows of the same table (the holdout) exactly as ``result`` cleaned its rows.

    Every step is replayed with what it learned on the training rows: a category rare there is
    pooled here too, bins keep the training edges, a dropped or escalated column goes the same
    way. Nothing is fitted on these rows, so they stay a fair baseline for the training rows.
    Free text is dropped instead of redacted: the report never compares free text, and
    redacting the holdout would double the cost of cleaning. The result has the columns of
    ``result.frame``, in its order.
    """
    ctx = OperatorContext(key=key)
    columns = {name: frame.get_column(name) for name in frame.columns}
    for step in result.steps:
        series = columns.get(step.column)
        if series is None:
            continue
        if step.operator in ("redact", "drop"):
            del columns[step.column]
            continue
        ctx.fitted = step.fitted if step.fitted else None
        outcome = OPERATORS[step.operator].apply(series, step.info, step.params, ctx)
        if outcome.series is None:
            del columns[step.column]
        else:
            columns[step.column] = outcome.series.alias(step.column)
    wanted = [name for name in result.frame.columns if name in columns]
    return pl.DataFrame([columns[name] for name in wanted])


@dataclass
class Leak:
    """Values of a direct identifier found in another (or the same) column: counts, no values."""

    identifier: str
    column: str
    cells: int
    values: int

    def __str__(self) -> str:
        return f"{self.cells} cell(s) of column {self.column!r} {self.reason()}"

    def reason(self) -> str:
        """What is wrong with the column, without naming it."""
        return f"hold values of direct identifier {self.identifier!r}"


def searched(info: ColumnInfo) -> bool:
    """Whether the values of identifier column ``info`` are looked for in other tables."""
    # a kept column is the user's choice; record numbers 1..N say nothing about anyone
    return info.action != "keep" and not (info.evidence.get("values") or {}).get("consecutive")


def counts_as_leak(info: ColumnInfo, cells: int, found: int) -> bool:
    """Whether ``cells`` holding ``found`` distinct values of identifier ``info`` are a leak.

    One name found is a coincidence (a department called like a person); two are a leak. Any
    other identifier counts at once.
    """
    return bool(cells) and (found >= 2 or "PERSON" not in info.entity_types)


def _needles(original: pl.DataFrame, info: ColumnInfo) -> pl.Series | None:
    """The distinct values of one identifier column worth searching for (None: nothing to find)."""
    if info.name not in original.columns or not searched(info):
        return None
    distinct = searchable(original.get_column(info.name))
    return distinct if distinct.len() else None


def searchable(column: pl.Series) -> pl.Series:
    """An identifier column's distinct values worth looking for.

    Trimmed, of at least :data:`MIN_LEAK_LENGTH` characters, and not a missing-value mark (a
    name column's "None" is nobody's name, nor is it in the "None" of a flag column beside it).
    """
    from synthpriv.io.read import MISSING_TOKENS

    # one unique(): two calls need not list the values in the same order, and a length mask
    # of one applied to the other kept '' (an export's quoted empty cells), which every empty
    # cell of every other column then "held"
    distinct = column.cast(pl.String).str.strip_chars().drop_nulls().unique()
    return distinct.filter(
        (distinct.str.len_chars() >= MIN_LEAK_LENGTH)
        & ~distinct.str.to_lowercase().is_in(list(MISSING_TOKENS))
    )


def find_leaks(
    original: pl.DataFrame,
    cleaned: pl.DataFrame,
    schema: TableSchema,
    *,
    replaced_in_place: frozenset[str] = frozenset(),
    inside: bool = False,
) -> list[Leak]:
    """Return where an original direct-identifier value appears in ``cleaned``.

    Every distinct value (at least ``MIN_LEAK_LENGTH`` characters) of every column the schema
    marks as a direct identifier is looked for in every column of ``cleaned``: as a whole cell in
    short-valued columns (a department called like a person is not a leak, a surname column is),
    and as a word or phrase inside free text; with ``inside`` (another linked table's
    identifiers), as a full name, an e-mail, a phone or an SSN inside any cell too. A column
    in ``replaced_in_place`` (Faker replacements) is checked row by row against its own
    originals instead, since a fake name may by chance equal another person's real one. A
    match of a name counts only when two or more distinct names match (one coincidence is not
    a leak); any other identifier counts at once.
    """
    leaks = []
    for info in schema.by_role(Role.DIRECT_IDENTIFIER):
        needles = _needles(original, info)
        if needles is None:
            continue
        source = original.get_column(info.name).cast(pl.String).str.strip_chars()
        for target in cleaned.columns:
            column = cleaned.get_column(target)
            if target == info.name and target in replaced_in_place:
                # The row's own value kept: always a leak, whatever its kind.
                cells = int((column.cast(pl.String) == source).fill_null(False).sum())
                found = max(cells, 2 * bool(cells))
            elif column.dtype == pl.String or column.dtype.is_integer():
                cells, found = _matches(column, needles, inside)
            else:
                continue
            if counts_as_leak(info, cells, found):
                leaks.append(Leak(info.name, target, cells, found))
    return leaks


def _matches(column: pl.Series, needles: pl.Series, inside: bool = False) -> tuple[int, int]:
    """(cells holding a needle, distinct needles found) in one column.

    ``inside``: in a column that is not free text, a full name, an e-mail, a phone or an SSN
    inside a longer cell counts too ("Patient Ann Lee seen, call 555-0199"), as a phrase in
    free text does; never a bare number (an MRN inside another code).
    """
    text = column.cast(pl.String).str.strip_chars()
    if infer_kind(column) != Kind.TEXT:
        whole = text.is_in(needles.implode()).fill_null(False)
        phrases = needles.filter(needles.str.contains(r"\s|@|\d[-(). ]+\d")) if inside else None
        if phrases is None or not phrases.len():
            return int(whole.sum()), text.filter(whole).n_unique()
        within = text.str.contains_any(phrases.to_list()).fill_null(False) & ~whole
        return int((whole | within).sum()), max(
            text.filter(whole).n_unique(), int(within.any()) * 2
        )
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
    search: Callable[[CleanResult], list[Leak]] | None = None,
    scanned_here: bool = False,
) -> CleanResult:
    """Prove the cleaned table holds no direct identifier, escalating columns that still do.

    The cleaned table is searched for every original direct-identifier value and re-scanned. A
    column found to hold identifiers gets the policy's identifier action (what it does to a
    ``direct_identifier`` column: drop under strict, hash under pseudonymize), is recorded as an
    escalation in the audit, and everything is checked again. Only what cannot be escalated (a
    column the user chose to keep, an action that leaves it as it was) stops the run.

    ``search``, when given, looks for the identifier values in more rows than ``original``
    holds (a Spark run searches every row of the table; ``original`` is the driver's sample):
    what it finds is escalated like what the search of ``original`` finds. It is given the
    result as escalated so far, each round.

    ``scanned_here``: ``schema`` is what ``detector`` found in ``original`` in this same run
    (``run`` scans, then cleans), so a column cleaning kept value for value is not scanned
    again (the same values give the same decision). A schema from elsewhere (``clean --schema``,
    perhaps edited) gets every column re-scanned.

    ``result`` is left as it is.

    Returns:
        A new result: ``result`` with its escalations applied and, as ``verification``, the
        summary for the audit log (columns re-scanned, checks run, escalations).

    Raises:
        ResidualPIIError: naming the first column still holding identifiers after escalation.
    """
    escalations: list[dict[str, Any]] = []
    user_kept = {c.name for c in schema.columns if c.action == "keep"}
    for round_ in range(MAX_ESCALATION_ROUNDS + 1):
        problems = _problems(original, result, schema, detector, scanned_here)
        for leak in search(result) if search and not problems else []:
            problems.setdefault(leak.column, leak.reason())
        if not problems:
            break
        escalated = result
        if round_ < MAX_ESCALATION_ROUNDS:
            for column, reason in problems.items():
                if column in user_kept or column not in escalated.frame.columns:
                    continue
                outcome = _escalate(escalated, schema, column, reason, key)
                if outcome is not None:
                    escalated, entry = outcome
                    escalations.append(entry)
        if escalated is result:
            column, reason = next(iter(problems.items()))
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise ResidualPIIError(
                f"residual PII after cleaning: column {column!r}: {reason}{more}"
            )
        result = escalated
    actions = {c.name: c.action for c in result.schema.columns}
    rescan = _rescanned(original, result.frame, scanned_here)
    summary = {
        "verified": True,
        "value_search_columns": len(schema.by_role(Role.DIRECT_IDENTIFIER)),
        "rescanned_columns": len(rescan),
        "unchanged_columns": result.frame.width - len(rescan),
        "pseudonymized_columns": sorted(n for n, a in actions.items() if a in PSEUDONYMIZING),
        "escalations": escalations,
    }
    return replace(result, verification=summary)


def _changed_columns(original: pl.DataFrame, cleaned: pl.DataFrame) -> list[str]:
    """The cleaned columns cleaning changed (or made): those the re-scan has to look at.

    A column cleaning kept value for value was scanned already in this run, with the whole
    table around it; scanning it again cannot find more (the re-scan's neighbours are fewer,
    not more). On a wide table of kept columns this halves the scan's cost.
    """
    before, after = original.schema, cleaned.schema  # once: each is built anew when asked
    return [
        name
        for name, dtype in after.items()
        if name not in before
        or original.height != cleaned.height
        or before[name] != dtype
        or not original.get_column(name).equals(cleaned.get_column(name), check_names=False)
    ]


def _rescanned(original: pl.DataFrame, cleaned: pl.DataFrame, scanned_here: bool) -> list[str]:
    return _changed_columns(original, cleaned) if scanned_here else list(cleaned.columns)


def _problems(
    original: pl.DataFrame,
    result: CleanResult,
    schema: TableSchema,
    detector: ColumnDetector,
    scanned_here: bool = False,
) -> dict[str, str]:
    """Column -> why it still holds identifiers (value search first, then the re-scan)."""
    cleaned = result.frame
    actions = {c.name: c.action for c in result.schema.columns}
    faked = frozenset(name for name, action in actions.items() if action == "fake")
    problems: dict[str, str] = {}
    for leak in find_leaks(original, cleaned, schema, replaced_in_place=faked):
        problems.setdefault(leak.column, leak.reason())
    # Columns kept by the user's override or pseudonymized on purpose are handled columns.
    handled = {c.name for c in schema.columns if c.action == "keep"} | {
        name for name, action in actions.items() if action in PSEUDONYMIZING
    }
    rescan = cleaned.select(_rescanned(original, cleaned, scanned_here))
    for column in detector.detect(rescan).columns:
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
) -> tuple[CleanResult, dict[str, Any]] | None:
    """``result`` with the policy's identifier action applied to ``column``, and the escalation.

    None when that action changes nothing (``keep``). ``result`` is left as it is.
    """
    info = (
        schema[column]
        if column in schema
        else ColumnInfo(column, "String", Kind.CATEGORICAL, Role.NONE)
    )
    as_identifier = replace(info, role=Role.DIRECT_IDENTIFIER, action=None)
    operator, params = result.policy.choose(as_identifier)
    if operator == "keep":
        return None
    ctx = OperatorContext(key=key)
    outcome = OPERATORS[operator].apply(result.frame.get_column(column), as_identifier, params, ctx)
    if outcome.series is None:
        frame = result.frame.drop(column)
        columns = [c for c in result.schema.columns if c.name != column]
    else:
        frame = result.frame.with_columns(outcome.series.alias(column))
        columns = [
            replace(c, action=operator) if c.name == column else c for c in result.schema.columns
        ]
    detail = f"escalated after verification ({reason}); the policy's identifier action applied"
    audit = tuple(
        replace(
            entry,
            action=operator,
            detail=detail,
            cells_changed=outcome.cells_changed,
            escalated=True,
        )
        if entry.column == column
        else entry
        for entry in result.audit
    )
    escalated = replace(
        result,
        frame=frame,
        schema=replace(result.schema, columns=columns),
        audit=audit,
        steps=(*result.steps, Step(column, operator, params, as_identifier, outcome.fitted)),
    )
    return escalated, {"column": column, "reason": reason, "action": operator}
