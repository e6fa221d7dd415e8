"""Column-level PII detection: decide each column's role from all the evidence there is.

Four kinds of evidence, weighed in this order:

1. **The header's meaning** (:mod:`synthpriv.pii.headers`): ``last_name``, ``Nachname``,
   ``Apellidos``, ``CustomerId``, ``merch_lat``. A header that names a direct identifier is
   enough on its own unless the values contradict it: they are of the wrong class (a "city" of
   integers), too few to point at anyone (an "email" column of Y/N), or clearly something else
   (a checksum-valid SSN under any header).
2. **The values' shape** (:mod:`synthpriv.pii.profile`): name-like words and how they spread,
   near-unique keys, UUIDs and codes, coordinates, decades of past dates, sex codes; plus
   Presidio's recognizers and synthpriv's own on a seeded sample of distinct values.
3. **The neighbouring columns**: a surname next to a given-name column, a latitude next to a
   longitude, a card's expiry beside its number.
4. **What is left unexplained**: a text column with many distinct values that nothing above
   explains is never silently ``none``: it is marked for review and treated as an identifier.

Cost is bounded by design: each column contributes at most ``budget`` distinct values (a seeded
sample) to the recognizers, so a 1M-row table costs about as much as a 10k-row one. Every
decision keeps its evidence in the schema; examples are masked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from presidio_analyzer import BatchAnalyzerEngine

from synthpriv.config import default_of
from synthpriv.masking import mask_value
from synthpriv.pii import vocabulary as v
from synthpriv.pii.engine import Analyzers, build_analyzers
from synthpriv.pii.entities import ENTITY_ROLES, ROLE_RANK, VALIDATED, role_of
from synthpriv.pii.headers import HeaderMeaning, interpret_header
from synthpriv.pii.profile import (
    Profile,
    birth_dates_likely,
    coordinate_like,
    few_distinct,
    profile_column,
)
from synthpriv.pii.recognizers.cl_rut import rut_check_digit
from synthpriv.pii.spans import plausible_spans
from synthpriv.pii.vocabulary import Concept
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema, infer_kind

MIN_SCORE = 0.3
ACCEPT_SHARE = 0.5
VALIDATED_SHARE = 0.5
MIXED_COVERAGE = 0.8
PARTIAL_SHARE = 0.2
WEAK_SCORE = 0.5
TEXT_ENTITY_SCORE = 0.4
TEXT_ACCEPT_SHARE = 0.02
COVERAGE = 0.85
EXAMPLES = 3
MAX_SCAN_CHARS = 5_000
# A person-name column: most values shaped like names, a fair share in a name dictionary.
NAME_SHAPE_VALUES = 0.85
NAME_SHAPE_WEAK_HEADER = 0.7
NAME_DICTIONARY_VALUES = 0.35
NAME_DICTIONARY_WEAK_HEADER = 0.25
NAME_MIN_DISTINCT = 20
# A text column this varied that nothing explains goes to review.
BLOB_SHARE = 0.8
KEY_RATIO = 0.99  # a key repeats by accident, if at all; a measurement (a monthly rate) does
SMALL_KEY_ROWS = 5
CHECK_DIGIT_SHARE = 0.9
CHECK_DIGIT_ROWS = 5
CHECK_DIGIT_SAMPLE = 20_000
REVIEW_RATIO = 0.5
REVIEW_DISTINCT = 1000
_TEXT_ENTITIES_IGNORED = {"DATE_TIME", "ICD10_CODE", "ZIP_CODE", "URL"}
_DIGIT_IDENTIFIERS = {"phone", "ssn", "national_id", "account", "health_id", "card"}


@dataclass
class DetectorSettings:
    """Knobs of the column detector (all have defaults that suit tables up to millions of rows)."""

    budget: int = default_of("scan_budget")  # the one default lives in synthpriv/config.py
    text_budget: int = 60
    seed: int = 0
    nlp_model: str | None = "auto"
    recognizers: str | None = None


def distinct_strings(series: pl.Series, unique: pl.Series | None = None) -> pl.Series:
    """The distinct non-empty values of ``series`` as stripped strings (from ``unique`` if given).

    Distinct values are taken in the column's own type first: casting a million numbers to
    text costs more than finding their few distinct values.
    """
    values = series.drop_nulls().unique() if unique is None else unique
    values = values.cast(pl.String).str.strip_chars()
    return values.filter(values.str.len_chars() > 0).unique().sort()


def sample_distinct(
    series: pl.Series, budget: int, seed: int, *, strings: pl.Series | None = None
) -> list[str]:
    """Return up to ``budget`` distinct non-null values of ``series`` as strings, seeded.

    Each value is cut to its first ``MAX_SCAN_CHARS`` characters: enough to classify a column,
    and a bound on the cost of one huge cell. ``strings`` (from :func:`distinct_strings`) saves
    finding the distinct values again.
    """
    values = distinct_strings(series) if strings is None else strings
    if values.len() > budget:
        values = values.sample(budget, seed=seed)
    return values.str.slice(0, MAX_SCAN_CHARS).sort().to_list()


@dataclass
class Observation:
    """Everything looked at for one column, before deciding."""

    series: pl.Series
    kind: Kind
    meaning: HeaderMeaning
    profile: Profile
    strings: pl.Series
    shares: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    text_shares: dict[str, float] | None = None


@dataclass
class Decision:
    """A column's role, entities, the reason, and whether a person should look at it."""

    role: Role
    entities: list[Entity]
    reason: str
    concept: str | None = None
    review: str | None = None


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
        observations = []
        decisions = []
        for name in frame.columns:
            observation = self.observe(frame.get_column(name))
            observations.append(observation)
            decisions.append(decide(observation))
            if on_column:
                on_column(name)
        table_pass(observations, decisions)
        columns = [self._column(o, d) for o, d in zip(observations, decisions, strict=True)]
        detector = {
            "engine": "presidio+synthpriv",
            "nlp_model": self.analyzers.nlp_model or "none",
            "budget": self.settings.budget,
            "text_budget": self.settings.text_budget,
            "seed": self.settings.seed,
        }
        return TableSchema(columns=columns, source=source or {}, detector=detector)

    def detect_column(self, series: pl.Series) -> ColumnInfo:
        """Return the findings for one column on its own (no neighbouring columns)."""
        observation = self.observe(series)
        return self._column(observation, decide(observation))

    def observe(self, series: pl.Series) -> Observation:
        """Read the header, profile the values and run the recognizers on a sample."""
        unique = series.drop_nulls().unique()
        strings = distinct_strings(series, unique)
        kind = infer_kind(series, distinct=unique.len())
        sample = sample_distinct(series, self.settings.budget, self.settings.seed, strings=strings)
        meaning = interpret_header(series.name)
        profile = profile_column(series, sample, distinct=unique.len())
        observation = Observation(series, kind, meaning, profile, strings)
        if kind == Kind.TEXT:
            observation.text_shares = self._text_entities(series, strings)
        elif observation.profile.value_class in (v.TEXT, v.INT):
            observation.shares, observation.scores = self._value_shares(sample, meaning.words)
        return observation

    def _value_shares(
        self, values: list[str], context: list[str]
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
                if (r.end - r.start) >= COVERAGE * len(value) and r.score >= MIN_SCORE:
                    best[r.entity_type] = max(best.get(r.entity_type, 0.0), r.score)
            counts.update(best.keys())
            score_sums.update(best)
        scores = {e: round(score_sums[e] / n, 3) for e, n in counts.items()}
        return {e: round(n / len(values), 4) for e, n in counts.most_common()}, scores

    def _text_entities(self, series: pl.Series, strings: pl.Series) -> dict[str, float]:
        values = sample_distinct(
            series, self.settings.text_budget, self.settings.seed, strings=strings
        )
        if not values:
            return {}
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
        return {e: round(n / len(values), 4) for e, n in counts.most_common()}

    def _column(self, observation: Observation, decision: Decision) -> ColumnInfo:
        series = observation.series
        top = decision.entities[0].type if decision.entities else None
        shown = sample_distinct(
            series, EXAMPLES, self.settings.seed + 1, strings=observation.strings
        )
        examples = [mask_value(x, top) for x in shown]
        profile = observation.profile
        evidence: dict[str, Any] = {
            "rows": profile.rows,
            "null_share": round(1 - profile.non_null / max(profile.rows, 1), 4),
            "distinct_ratio": round(profile.distinct_ratio, 4),
            "decided_by": decision.reason,
            "header": observation.meaning.describe(),
            "values": profile.describe(),
            "sampled_values": profile.sampled,
        }
        if decision.concept:
            evidence["concept"] = decision.concept
        if observation.shares:
            evidence["value_match_share"] = observation.shares
            evidence["value_match_score"] = observation.scores
        if observation.text_shares is not None:
            evidence["cell_share_with_entity"] = observation.text_shares
        return ColumnInfo(
            name=series.name,
            dtype=str(series.dtype),
            kind=observation.kind,
            role=decision.role,
            entities=decision.entities,
            evidence=evidence,
            examples=examples,
            review=decision.review,
        )


# ------------------------------------------------------------------------------ decisions


def decide(o: Observation) -> Decision:
    """Decide one column from its header, its values and the recognizers' findings."""
    p = o.profile
    if p.non_null == 0:
        return Decision(Role.NONE, [], "no values")
    validated = _validated(o)
    if "UUID" in validated and set(o.meaning.words) & _NOT_PEOPLE and not _people(o):
        # A UUID is the shape of a key; whose key it is, the header says (PAYER, ORGANIZATION).
        validated.remove("UUID")
    candidates = [c for c in o.meaning.concepts if fits(c, o)]
    if candidates:
        concept = max(candidates, key=lambda c: _rank(c, o))
        decision = _from_concept(concept, o)
        if validated and decision.role != Role.DIRECT_IDENTIFIER:
            return _from_values(validated, o, "values (a checksum or format the header missed)")
        if validated:
            # The checked values say more precisely what the identifier is.
            rest = [e for e in decision.entities if e.type not in validated]
            decision.entities = [Entity(e, 0.95) for e in validated] + rest
        return decision
    return _values_only(o, validated)


def _rank(concept: Concept, o: Observation) -> tuple:
    """Prefer the higher role, then a strong header, then one the values support."""
    supported = concept.entity is not None and o.shares.get(concept.entity, 0.0) > 0
    return (ROLE_RANK[concept.role], concept.strong, supported)


def _validated(o: Observation) -> list[str]:
    """Direct entities that checksum/format recognizers or the user's own find in most values.

    An entity synthpriv does not know comes from a user recognizer: the user's explicit word.
    """
    return [
        e
        for e, share in o.shares.items()
        if (e in VALIDATED or e not in ENTITY_ROLES)
        and share >= VALIDATED_SHARE
        and role_of(e) == Role.DIRECT_IDENTIFIER
    ]


def fits(concept: Concept, o: Observation) -> bool:
    """Whether the values are compatible with what the header says (no contradiction)."""
    p = o.profile
    klass = p.value_class
    if klass not in concept.values and not (klass == v.BOOL and v.INT in concept.values):
        return False
    name = concept.name
    # A person's name is a name however often it repeats (a ward's three attending physicians).
    repeated = (
        name == "person_key"
        or (name in ("person_name", "person_name?") and repeated_names(p))
        or (name == "key" and _people_only(o.meaning.words))
    )
    if (
        concept.role == Role.DIRECT_IDENTIFIER
        and few_distinct(p)
        and name != "password"
        and not repeated
    ):
        return False
    if name == "person_name":
        return (p.name_like >= 0.4 or p.in_dictionary >= 0.3) and p.org_marked < 0.5
    if name == "person_name?":
        return repeated or _names_by_values(
            p, NAME_SHAPE_WEAK_HEADER, NAME_DICTIONARY_WEAK_HEADER, 5
        )
    if name in ("person_key", "entity_key"):
        return klass in (v.INT, v.TEXT)
    if name == "key":
        return klass in (v.INT, v.TEXT) and (
            p.distinct_ratio >= 0.05 or p.distinct >= 100 or repeated
        )
    if name == "key?":
        return klass in (v.INT, v.TEXT) and (p.distinct_ratio >= 0.9 or p.uuid_like >= 0.5)
    if name in _DIGIT_IDENTIFIERS:
        return klass == v.INT or p.has_digits >= 0.5 or o.shares.get("LONG_NUMBER", 0) >= 0.5
    if name == "geo":
        return coordinate_like(p, 180.0) or (klass == v.TEXT and p.has_digits >= 0.8)
    if name == "ip":
        return p.ip_like >= 0.3 or o.shares.get("IP_ADDRESS", 0) >= 0.3
    if name == "email":
        return p.email_like >= 0.3 or o.shares.get("EMAIL_ADDRESS", 0) >= 0.3
    if name == "age":
        return klass == v.TEXT or (p.minimum is not None and 0 <= p.minimum and p.maximum <= 130)
    if name == "sex":
        return p.distinct <= 12
    if name == "birth_date":
        if klass == v.INT:
            return p.minimum is not None and 1850 <= p.minimum and p.maximum <= 2100
        return True
    if name in ("place", "nationality", "occupation", "department", "organization"):
        return klass != v.TEXT or p.has_digits < 0.5
    if name == "card_secret":
        return klass != v.TEXT or p.has_digits >= 0.5
    return True


def repeated_names(p: Profile, full: bool = False) -> bool:
    """Few distinct values, nearly all of them names (``full``: given name and surname each).

    Distinct counts say nothing here: three names over 400 rows are still three people.
    """
    if p.value_class != v.TEXT or p.org_marked >= 0.15 or p.places >= 0.3:
        return False
    if full:
        return p.name_like >= 0.9 and p.given >= 0.8 and p.surname >= 0.8 and p.mean_words >= 2
    return p.name_like >= 0.8 and p.in_dictionary >= 0.5


def _names_by_values(p: Profile, shape: float, dictionary: float, min_distinct: int) -> bool:
    return (
        p.value_class == v.TEXT
        and p.name_like >= shape
        and p.in_dictionary >= dictionary
        and p.distinct >= min_distinct
        and p.org_marked < 0.15
        and p.places < 0.3
    )


def _from_concept(concept: Concept, o: Observation) -> Decision:
    role = concept.role
    entities: dict[str, float] = {}
    top = 0.9 if concept.strong else 0.75
    if concept.entity:
        entities[concept.entity] = top
    # Confident identifier findings in the values are kept beside (after) the header's entity.
    for entity, share in o.shares.items():
        confident = entity in VALIDATED or o.scores.get(entity, 0.0) >= WEAK_SCORE
        if (
            role == Role.DIRECT_IDENTIFIER
            and confident
            and share >= ACCEPT_SHARE
            and role_of(entity) == role
            and entity not in entities
        ):
            entities[entity] = round(min(share, top - 0.05), 2)
    if concept.name == "text" and o.kind == Kind.TEXT:
        return _free_text(o, "header (free text) and values")
    kind_note = "header" if concept.strong else "header and values"
    return Decision(role, _entities(entities), kind_note, concept=concept.name)


def _entities(found: dict[str, float]) -> list[Entity]:
    return [Entity(t, s) for t, s in sorted(found.items(), key=lambda kv: -kv[1])]


def _from_values(entities: list[str], o: Observation, reason: str) -> Decision:
    found = {e: round(min(o.shares.get(e, 1.0), 0.95), 2) for e in dict.fromkeys(entities)}
    role = max((role_of(e) for e in found), key=lambda r: ROLE_RANK[r])
    return Decision(role, _entities(found), reason)


def _values_only(o: Observation, validated: list[str]) -> Decision:
    """No header concept fits: the values decide."""
    p = o.profile
    if validated:
        return _from_values([*validated, *_accepted_shares(o)], o, "values (checksum or format)")
    if p.blob_like >= BLOB_SHARE:
        # however often one repeats: a photo or scanned document is a person's, and no model
        # can learn a value from it
        return Decision(
            Role.DIRECT_IDENTIFIER,
            [Entity("BINARY_OBJECT", 0.9)],
            "values (binary objects written as text: photos, scans or files)",
        )
    if p.sex_values:
        return Decision(Role.QUASI_IDENTIFIER, [Entity("SEX", 0.8)], "values (sex codes)")
    if p.user_agent_like >= 0.8:
        # version numbers look like phone numbers to a recognizer; a device, not a person
        return Decision(
            Role.QUASI_IDENTIFIER, [Entity("USER_AGENT", 0.8)], "values (browser user agents)"
        )
    if o.kind == Kind.TEXT and not _names_by_values(p, 0.8, NAME_DICTIONARY_VALUES, 5):
        return _free_text(o, "values (free text)")
    if _names_by_values(p, NAME_SHAPE_VALUES, NAME_DICTIONARY_VALUES, _name_minimum(p)):
        return Decision(
            Role.DIRECT_IDENTIFIER,
            [Entity("PERSON", round(min(0.95, p.name_like * 0.5 + p.in_dictionary * 0.5), 2))],
            "values (shaped like names; in name dictionaries)",
        )
    if p.distinct >= 2 and repeated_names(p, full=True):
        return Decision(
            Role.DIRECT_IDENTIFIER,
            [Entity("PERSON", 0.7)],
            "values (a few full names, each repeated)",
            review="a few people's full names, each on many rows (staff, advisers?): names of "
            "people however often they repeat; treated as an identifier until a person decides",
        )
    if p.value_class == v.DATE:
        if birth_dates_likely(p):
            return Decision(
                Role.QUASI_IDENTIFIER,
                [Entity("DATE_OF_BIRTH", 0.6)],
                "values (dates over decades, all past: birth dates)",
            )
        return Decision(Role.NONE, [Entity("DATE_TIME", 0.9)], "values (dates of events)")
    key = _key_by_values(p)
    if key and set(o.meaning.words) & _NOT_PEOPLE:
        # ORGANIZATION, PAYER, PROVIDER holding UUIDs: keys of other entities, not of people.
        return Decision(
            Role.NONE,
            [Entity("ENTITY_KEY", 0.7)],
            f"{key[:-1]} of a thing the header names, not a person)",
        )
    if key:
        return Decision(Role.DIRECT_IDENTIFIER, [Entity("ID", 0.7)], key)
    accepted = _accepted_shares(o)
    if p.distinct < _name_minimum(p):
        # Ten purpose codes or three countries point at nobody, whatever a pattern thinks.
        accepted = {e: s for e, s in accepted.items() if role_of(e) != Role.DIRECT_IDENTIFIER}
    if accepted:
        role = max((role_of(e) for e in accepted), key=lambda r: ROLE_RANK[r])
        return Decision(role, _entities(accepted), "values (recognizers)")
    if _unexplained(p):
        return Decision(
            Role.DIRECT_IDENTIFIER,
            [Entity("UNEXPLAINED_TEXT", 0.5)],
            "values (many distinct texts nothing explains)",
            review="many distinct text values and no recognizable meaning: check whether they "
            "identify people; treated as an identifier until a person decides",
        )
    return Decision(Role.NONE, [], "nothing found")


_NOT_PEOPLE = (v.THING_WORDS | v.ORG_WORDS) - v.PERSON_WORDS


def _people(o: Observation) -> bool:
    return bool(set(o.meaning.words) & v.PERSON_WORDS)


def _people_only(words: list[str]) -> bool:
    """A header about a person and nothing else (staff_id, not customer_type_id)."""
    found = set(words)
    return bool(found & v.PERSON_WORDS) and not found & (_NOT_PEOPLE | v.EVENT_WORDS)


def _name_minimum(p: Profile) -> int:
    return min(NAME_MIN_DISTINCT, max(5, p.non_null // 2))


def _key_by_values(p: Profile) -> str | None:
    if p.uuid_like >= 0.8:
        return "values (UUIDs or long hex keys)"
    if (
        p.value_class == v.INT
        and p.consecutive
        and p.distinct == p.non_null >= SMALL_KEY_ROWS
        and not p.unique
    ):
        # a dozen staff numbered 1..12: too few rows to call "unique" evidence, but numbering
        # every row without a gap is what a table's own key does
        return "values (integers numbering every row: a record key)"
    if not p.unique:
        return None
    if p.value_class == v.INT and (
        p.consecutive or (p.digits >= 5 and p.distinct_ratio >= KEY_RATIO)
    ):
        return "values (unique integers: a record key)"
    if p.value_class == v.TEXT and p.code_like >= 0.8:
        return "values (unique codes: a record key)"
    return None


def _accepted_shares(o: Observation) -> dict[str, float]:
    """Recognizer findings that cover most values (or, together, a mixed column)."""
    entities: dict[str, float] = {}
    for entity, share in o.shares.items():
        weak = o.scores.get(entity, 1.0) < WEAK_SCORE
        if share >= ACCEPT_SHARE and not (weak and o.profile.distinct_ratio < 0.1):
            entities[entity] = round(min(1.0, share), 2)
    partial = {e: s for e, s in o.shares.items() if s >= PARTIAL_SHARE and e not in entities}
    # A mixed column (emails and phones) needs its partial findings; a column one entity already
    # explains does not (a fifth of US states also reads as given names: Georgia, Virginia).
    explained = max((o.shares[e] for e in entities), default=0.0)
    if (
        partial
        and explained < MIXED_COVERAGE
        and sum(o.shares[e] for e in {*partial, *entities}) >= MIXED_COVERAGE
    ):
        entities.update({e: round(s, 2) for e, s in partial.items()})
    if entities.get("URL") and entities.get("EMAIL_ADDRESS"):
        entities.pop("URL")
    if "DATE_TIME" in entities and len(entities) > 1:
        entities.pop("DATE_TIME")
    return entities


def _unexplained(p: Profile) -> bool:
    return (
        p.value_class == v.TEXT
        and p.distinct >= NAME_MIN_DISTINCT
        and (p.distinct_ratio >= REVIEW_RATIO or p.distinct >= REVIEW_DISTINCT)
    )


def _free_text(o: Observation, reason: str) -> Decision:
    shares = o.text_shares or {}
    entities = [Entity(t, s) for t, s in shares.items() if s >= TEXT_ACCEPT_SHARE]
    direct = [e for e in entities if role_of(e.type) == Role.DIRECT_IDENTIFIER]
    return Decision(Role.FREE_TEXT_PII if direct else Role.NONE, entities, reason)


# ----------------------------------------------------------------------------- table pass


def table_pass(observations: list[Observation], decisions: list[Decision]) -> None:
    """Decisions that need the neighbouring columns.

    Coordinates, surnames, card data, check digits kept apart, accounts inside IBANs and
    references to the table's own people.
    """
    _coordinate_pairs(observations, decisions)
    _name_neighbours(observations, decisions)
    _card_context(observations, decisions)
    _rut_check_digits(observations, decisions)
    _accounts_in_ibans(observations, decisions)
    _references_to_people(observations, decisions)


def _undecided(d: Decision) -> bool:
    return d.role == Role.NONE and d.concept is None


def _coordinate_pairs(observations: list[Observation], decisions: list[Decision]) -> None:
    """Two adjacent columns of degrees: one within +-90, the next within +-180 (or reversed)."""
    for i in range(len(observations) - 1):
        a, b = observations[i].profile, observations[i + 1].profile
        if not (_undecided(decisions[i]) or decisions[i].concept == "geo"):
            continue
        if not (_undecided(decisions[i + 1]) or decisions[i + 1].concept == "geo"):
            continue
        latitude_first = coordinate_like(a, 90.0) and coordinate_like(b, 180.0)
        longitude_first = coordinate_like(a, 180.0) and coordinate_like(b, 90.0)
        if latitude_first or longitude_first:
            for j in (i, i + 1):
                decisions[j] = Decision(
                    Role.DIRECT_IDENTIFIER,
                    [Entity("GEO_COORDINATE", 0.8)],
                    "values (a latitude/longitude pair with the next column)",
                    concept="geo",
                )


def _name_neighbours(observations: list[Observation], decisions: list[Decision]) -> None:
    """A name-shaped column beside a person-name column is a name too (given or surname)."""
    for i, decision in enumerate(decisions):
        if not _undecided(decision) and decision.review is None:
            continue
        p = observations[i].profile
        beside = [j for j in (i - 1, i + 1) if 0 <= j < len(decisions)]
        if not any(_is_person(decisions[j]) for j in beside):
            continue
        if _names_by_values(p, NAME_SHAPE_VALUES, 0.0, 5) and p.single_word >= 0.8:
            decisions[i] = Decision(
                Role.DIRECT_IDENTIFIER,
                [Entity("PERSON", 0.7)],
                "values and neighbours (name-shaped, next to a name column)",
                concept="person_name",
            )


def _is_person(decision: Decision) -> bool:
    return any(e.type == "PERSON" for e in decision.entities)


def _card_context(observations: list[Observation], decisions: list[Decision]) -> None:
    """An expiry column is card data when the table holds card numbers; else just a date."""
    has_card = any(
        any(e.type in ("CREDIT_CARD", "LONG_NUMBER") for e in d.entities) for d in decisions
    )
    for i, decision in enumerate(decisions):
        if decision.concept != "card_expiry?":
            continue
        if not has_card:
            decisions[i] = Decision(
                Role.NONE, [Entity("DATE_TIME", 0.5)], "header (an expiry date, no card beside)"
            )
        else:
            decisions[i] = Decision(
                Role.DIRECT_IDENTIFIER,
                [Entity("CARD_SECURITY", 0.8)],
                "header and neighbours (a card's expiry beside its number)",
                concept="card_expiry",
            )


def _checked(d: Decision) -> bool:
    """Decided by a checksum or unambiguous format already (a plain "ID" may say more)."""
    return any(e.type in VALIDATED for e in d.entities)


def _digits_mostly(p: Profile) -> bool:
    return p.value_class == v.INT or (p.value_class == v.TEXT and p.has_digits >= 0.9)


def _paired(a: pl.Series, b: pl.Series) -> pl.DataFrame:
    """Rows where both columns hold a value, as text (the first ``CHECK_DIGIT_SAMPLE``)."""
    frame = pl.DataFrame({"a": a.cast(pl.Utf8), "b": b.cast(pl.Utf8)}).drop_nulls()
    return frame.head(CHECK_DIGIT_SAMPLE)


def _rut_check_digits(observations: list[Observation], decisions: list[Decision]) -> None:
    """A number column whose mod-11 check digits sit in another column is a Chilean RUT/RUN.

    Chance agreement is one row in eleven, so nine rows in ten agreeing is no coincidence.
    """
    digit_columns = [
        j
        for j, o in enumerate(observations)
        if 2 <= o.profile.distinct <= 11
        and set(o.strings.str.to_uppercase().str.strip_chars().to_list()) <= set("0123456789K")
    ]
    for i, o in enumerate(observations):
        p = o.profile
        if _checked(decisions[i]) or not _digits_mostly(p):
            continue
        if p.value_class == v.INT and not (p.maximum is not None and abs(p.maximum) >= 1e6):
            continue
        for j in digit_columns:
            if j == i:
                continue
            pairs = _paired(o.series, observations[j].series)
            if pairs.height < CHECK_DIGIT_ROWS:
                continue
            agree = sum(
                body.isdigit() and 6 <= len(body) <= 8 and rut_check_digit(body) == dv
                for body, dv in zip(
                    pairs["a"].str.strip_chars().str.strip_chars_start("-").to_list(),
                    pairs["b"].str.strip_chars().str.to_uppercase().to_list(),
                    strict=True,
                )
            )
            if agree >= CHECK_DIGIT_SHARE * pairs.height:
                decisions[i] = Decision(
                    Role.DIRECT_IDENTIFIER,
                    [Entity("CL_RUT", 0.95)],
                    f"values and neighbours (Chilean RUT/RUN: column {j + 1} holds its check "
                    "digits)",
                    concept=decisions[i].concept,
                )
                break


def _accounts_in_ibans(observations: list[Observation], decisions: list[Decision]) -> None:
    """A number that ends the same row's IBAN is the account number the IBAN is built on."""
    ibans = [j for j, d in enumerate(decisions) if any(e.type == "IBAN_CODE" for e in d.entities)]
    for i, o in enumerate(observations):
        if not ibans or i in ibans or _checked(decisions[i]):
            continue
        if not _digits_mostly(o.profile):
            continue
        for j in ibans:
            pairs = _paired(o.series, observations[j].series)
            if pairs.height < 3:
                continue
            account = pairs["a"].str.replace_all(r"[\s.-]", "").str.strip_chars_start("0")
            iban = pairs["b"].str.replace_all(r"\s", "").str.to_uppercase()
            inside = ((account.str.len_chars() >= 5) & account.str.contains(r"^\d+$")) & pl.Series(
                [b.endswith(a) for a, b in zip(account, iban, strict=True)]
            )
            if inside.mean() >= CHECK_DIGIT_SHARE:
                decisions[i] = Decision(
                    Role.DIRECT_IDENTIFIER,
                    [Entity("BANK_ACCOUNT", 0.9)],
                    f"values and neighbours (the account number that ends column {j + 1}'s IBANs)",
                    concept=decisions[i].concept,
                )
                break


def _references_to_people(observations: list[Observation], decisions: list[Decision]) -> None:
    """A numbered column pointing at the table's own people (a manager's, a supervisor's number).

    Only headers that say "a number of something" (``VORG_NR``, ``boss_no``), undecided or read
    as a counter, whose every value is a value of the table's person key: the key of a person
    all the same, whatever the unknown word in front means.
    """
    keys = [
        j
        for j, (o, d) in enumerate(zip(observations, decisions, strict=True))
        if d.role == Role.DIRECT_IDENTIFIER
        and d.concept in ("person_key", "key")
        and o.profile.distinct == o.profile.non_null
    ]
    for i, (o, d) in enumerate(zip(observations, decisions, strict=True)):
        if not keys or d.role != Role.NONE or d.concept not in (None, "row_counter", "key?"):
            continue
        words = set(o.meaning.words)
        qualifiers = words - v.GENERIC_KEY_HEADS - v.ROW_WORDS
        if not (words & v.GENERIC_KEY_HEADS and qualifiers) or o.profile.value_class != v.INT:
            continue
        values = set(o.series.drop_nulls().unique().to_list())
        for j in keys:
            if j == i or not values:
                continue
            key_values = set(observations[j].series.drop_nulls().unique().to_list())
            repeats_or_gaps = o.profile.distinct < o.profile.rows
            if values <= key_values and repeats_or_gaps:
                decisions[i] = Decision(
                    Role.DIRECT_IDENTIFIER,
                    [Entity("ID", 0.7)],
                    f"header and neighbours (every value is one of column {j + 1}'s person keys: "
                    "a reference to a person)",
                    concept="person_key",
                )
                break


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
