"""Column-level PII detection: decide each column's role and entity types.

Cost is bounded by design: each column contributes at most ``budget`` distinct values (a seeded
sample), and Presidio only sees columns whose kind can hold PII, so a 1M-row table costs about as
much as a 10k-row one. Evidence is recorded per column; examples are masked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from presidio_analyzer import BatchAnalyzerEngine

from synthpriv.masking import mask_value
from synthpriv.pii.engine import Analyzers, build_analyzers
from synthpriv.pii.entities import (
    HEADER_ONLY,
    ID_LIKE,
    ROLE_RANK,
    header_entities,
    header_words,
    role_of,
)
from synthpriv.pii.spans import plausible_spans
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema, infer_kind

SEX_VALUES = {
    "m",
    "f",
    "male",
    "female",
    "w",
    "d",
    "x",
    "u",
    "unknown",
    "other",
    "man",
    "woman",
    "männlich",
    "weiblich",
    "divers",
    "masculino",
    "femenino",
    "homme",
    "femme",
}
MIN_SCORE = 0.3
ACCEPT_SHARE = 0.5
HEADER_ACCEPT_SHARE = 0.2
MIXED_COVERAGE = 0.8
WEAK_SCORE = 0.5
WEAK_MIN_DISTINCT = 0.1
TEXT_ENTITY_SCORE = 0.4
TEXT_ACCEPT_SHARE = 0.02
COVERAGE = 0.85
EXAMPLES = 3
MAX_SCAN_CHARS = 5_000
_TEXT_ENTITIES_IGNORED = {"DATE_TIME", "ICD10_CODE", "ZIP_CODE", "URL"}


@dataclass
class DetectorSettings:
    """Knobs of the column detector (all have defaults that suit tables up to millions of rows)."""

    budget: int = 100
    text_budget: int = 60
    seed: int = 0
    nlp_model: str | None = "auto"
    recognizers: str | None = None


def sample_distinct(series: pl.Series, budget: int, seed: int) -> list[str]:
    """Return up to ``budget`` distinct non-null values of ``series`` as strings, seeded.

    Each value is cut to its first ``MAX_SCAN_CHARS`` characters: enough to classify a column,
    and a bound on the cost of one huge cell.
    """
    values = series.drop_nulls().cast(pl.String).str.strip_chars()
    values = values.filter(values.str.len_chars() > 0).unique(maintain_order=True)
    if values.len() > budget:
        values = values.sample(budget, seed=seed)
    return values.str.slice(0, MAX_SCAN_CHARS).sort().to_list()


class ColumnDetector:
    """Classify the columns of a table.

    Args:
        settings: Sampling budget, seed and NLP model choice.
        analyzers: Presidio engines to use; built from ``settings.nlp_model`` when ``None`` (tests
            pass their own).
    """

    def __init__(
        self, settings: DetectorSettings | None = None, analyzers: Analyzers | None = None
    ):
        self.settings = settings or DetectorSettings()
        self.analyzers = analyzers or build_analyzers(
            self.settings.nlp_model, self.settings.recognizers
        )

    def detect(
        self,
        frame: pl.DataFrame,
        *,
        source: dict[str, Any] | None = None,
        on_column: Callable[[str], None] | None = None,
    ) -> TableSchema:
        """Return the column schema of ``frame``; ``on_column`` is called after each column."""
        columns = []
        for name in frame.columns:
            columns.append(self.detect_column(frame.get_column(name)))
            if on_column:
                on_column(name)
        detector = {
            "engine": "presidio+synthpriv",
            "nlp_model": self.analyzers.nlp_model or "none",
            "budget": self.settings.budget,
            "text_budget": self.settings.text_budget,
            "seed": self.settings.seed,
        }
        return TableSchema(columns=columns, source=source or {}, detector=detector)

    def detect_column(self, series: pl.Series) -> ColumnInfo:
        """Return the findings for one column."""
        kind = infer_kind(series)
        non_null = series.len() - series.null_count()
        distinct = series.drop_nulls().n_unique()
        hints = header_entities(series.name)
        if "DATE_OF_BIRTH" in hints:
            hints = [h for h in hints if h != "DATE_TIME"]
        evidence: dict[str, Any] = {
            "rows": series.len(),
            "null_share": round(series.null_count() / max(series.len(), 1), 4),
            "distinct_ratio": round(distinct / max(non_null, 1), 4),
            "header_hints": hints,
        }
        if kind == Kind.TEXT:
            scores, sampled = self._text_entities(series)
            evidence["sampled_values"] = sampled
            evidence["cell_share_with_entity"] = scores
            entities = [Entity(t, s) for t, s in scores.items() if s >= TEXT_ACCEPT_SHARE]
            direct = [e for e in entities if role_of(e.type) == Role.DIRECT_IDENTIFIER]
            role = Role.FREE_TEXT_PII if direct else Role.NONE
            return self._column(series, kind, role, entities, evidence)
        if kind == Kind.DATETIME:
            entity = "DATE_OF_BIRTH" if "DATE_OF_BIRTH" in hints else "DATE_TIME"
            return self._column(series, kind, role_of(entity), [Entity(entity, 1.0)], evidence)

        shares: dict[str, float] = {}
        scores: dict[str, float] = {}
        sampled = 0
        if self._worth_analyzing(series, kind):
            values = sample_distinct(series, self.settings.budget, self.settings.seed)
            sampled = len(values)
            shares, scores = self._value_shares(values, header_words(series.name), hints)
        evidence["sampled_values"] = sampled
        evidence["value_match_share"] = shares
        evidence["value_match_score"] = scores
        shares = self._drop_weak(shares, scores, hints, evidence["distinct_ratio"])
        entities = self._decide(series, kind, hints, shares, evidence)
        role = max(
            (role_of(e.type) for e in entities), key=lambda r: ROLE_RANK[r], default=Role.NONE
        )
        if role == Role.NONE and kind == Kind.ID:
            entities = [Entity("UNIQUE_ID", round(evidence["distinct_ratio"], 2))]
            role = Role.DIRECT_IDENTIFIER
        return self._column(series, kind, role, entities, evidence)

    @staticmethod
    def _worth_analyzing(series: pl.Series, kind: Kind) -> bool:
        if kind in (Kind.CATEGORICAL, Kind.ID):
            return True
        # Integers can be SSNs, accounts, phones or ZIPs; continuous floats hold no identifiers.
        return kind == Kind.NUMERICAL and series.dtype.is_integer()

    def _value_shares(
        self, values: list[str], context: list[str], hints: list[str]
    ) -> tuple[dict[str, float], dict[str, float]]:
        """Return per entity the share of values it covers and its mean Presidio score."""
        if not values:
            return {}, {}
        counts: Counter[str] = Counter()
        score_sums: Counter[str] = Counter()
        for value in values:
            results = self.analyzers.structured.analyze(value, language="en", context=context)
            best: dict[str, float] = {}
            for r in results:
                if (r.end - r.start) >= COVERAGE * len(value) and (
                    r.score >= MIN_SCORE or r.entity_type in hints
                ):
                    best[r.entity_type] = max(best.get(r.entity_type, 0.0), r.score)
            counts.update(best.keys())
            score_sums.update(best)
        if set(v.lower() for v in values) <= SEX_VALUES and 2 <= len(values) <= 6:
            counts["SEX"] = score_sums["SEX"] = len(values)
        scores = {e: round(score_sums[e] / n, 3) for e, n in counts.items()}
        return {e: round(n / len(values), 4) for e, n in counts.most_common()}, scores

    @staticmethod
    def _drop_weak(
        shares: dict[str, float], scores: dict[str, float], hints: list[str], distinct_ratio: float
    ) -> dict[str, float]:
        """Forget weak pattern matches the header does not support, unless values are identifying.

        Weak patterns (a driver-licence or ICD-10 shape, score below 0.5) match many category
        codes (``A11``, ``A34``); a column of a few repeated codes identifies nobody.
        """
        kept = {}
        for entity, share in shares.items():
            weak = scores.get(entity, 1.0) < WEAK_SCORE and entity not in hints
            identifying = role_of(entity) == Role.DIRECT_IDENTIFIER and (
                distinct_ratio >= WEAK_MIN_DISTINCT
            )
            if not weak or identifying:
                kept[entity] = share
        return kept

    def _decide(
        self,
        series: pl.Series,
        kind: Kind,
        hints: list[str],
        shares: dict[str, float],
        evidence: dict[str, Any],
    ) -> list[Entity]:
        entities: dict[str, float] = {}
        for entity, share in shares.items():
            if share >= ACCEPT_SHARE or (entity in hints and share >= HEADER_ACCEPT_SHARE):
                boost = 0.15 if entity in hints else 0.0
                entities[entity] = round(min(1.0, share + boost), 2)
        # A mixed column (phones and emails in one "contact" column): several partial matches that
        # together cover most values are each accepted.
        partial = {
            e: v for e, v in shares.items() if v >= HEADER_ACCEPT_SHARE and e not in entities
        }
        if partial and sum(shares[e] for e in {*partial, *entities}) >= MIXED_COVERAGE:
            entities.update({e: round(v, 2) for e, v in partial.items()})
        distinct_ratio = evidence["distinct_ratio"]
        for hint in hints:
            if hint in entities:
                continue
            if hint in ID_LIKE and distinct_ratio >= 0.5 and kind in (Kind.ID, Kind.NUMERICAL):
                entities[hint] = 0.8
            elif hint in HEADER_ONLY or hint == "SEX":
                if hint == "AGE" and kind != Kind.NUMERICAL:
                    continue
                entities[hint] = 0.7
        # A date recognized in a numeric/string column is just a date unless the header says birth.
        if "DATE_TIME" in entities and "DATE_OF_BIRTH" in hints:
            entities["DATE_OF_BIRTH"] = entities.pop("DATE_TIME")
        if entities.get("URL") and entities.get("EMAIL_ADDRESS"):
            entities.pop("URL")
        return [Entity(t, s) for t, s in sorted(entities.items(), key=lambda kv: -kv[1])]

    def _text_entities(self, series: pl.Series) -> tuple[dict[str, float], int]:
        values = sample_distinct(series, self.settings.text_budget, self.settings.seed)
        if not values:
            return {}, 0
        counts: Counter[str] = Counter()
        batch = BatchAnalyzerEngine(analyzer_engine=self.analyzers.text)
        for value, results in zip(
            values, batch.analyze_iterator(values, language="en"), strict=True
        ):
            counts.update(
                {
                    r.entity_type
                    for r in plausible_spans(value, results, TEXT_ENTITY_SCORE)
                    if r.entity_type not in _TEXT_ENTITIES_IGNORED
                }
            )
        return {e: round(n / len(values), 4) for e, n in counts.most_common()}, len(values)

    def _column(
        self,
        series: pl.Series,
        kind: Kind,
        role: Role,
        entities: list[Entity],
        evidence: dict[str, Any],
    ) -> ColumnInfo:
        top = entities[0].type if entities else None
        examples = [
            mask_value(v, top) for v in sample_distinct(series, EXAMPLES, self.settings.seed + 1)
        ]
        return ColumnInfo(
            name=series.name,
            dtype=str(series.dtype),
            kind=kind,
            role=role,
            entities=entities,
            evidence=evidence,
            examples=examples,
        )


def scan_table(
    frame: pl.DataFrame,
    *,
    settings: DetectorSettings | None = None,
    source: dict[str, Any] | None = None,
    detector: ColumnDetector | None = None,
    on_column: Callable[[str], None] | None = None,
) -> TableSchema:
    """Scan ``frame`` and return its column schema (convenience over :class:`ColumnDetector`)."""
    detector = detector or ColumnDetector(settings)
    return detector.detect(frame, source=source, on_column=on_column)
