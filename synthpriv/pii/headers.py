"""Read a column header for meaning: split it into words, then find the concepts it names.

``interpret_header("Patient_ID")`` gives the concept *key*; ``"merch_lat"`` gives *geo*;
``"NumOfProducts"`` gives *measure* (a count, not an identifier); ``"c7"`` gives nothing. A header
can name several concepts ("adresse IP"): all are returned, with the words they span, and the
detector lets the values choose among them. A phrase inside a longer matched phrase is dropped
("date" inside "date of birth").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from synthpriv.pii import vocabulary as v
from synthpriv.pii.vocabulary import Concept


@dataclass(frozen=True)
class HeaderMatch:
    """One concept named by a header: the concept, the phrase and the word span it covers."""

    concept: Concept
    phrase: str
    start: int
    end: int

    @property
    def length(self) -> int:
        """Number of header words the phrase covers."""
        return self.end - self.start


@dataclass
class HeaderMeaning:
    """What a header says: its words and the concepts it names (most specific first)."""

    header: str
    words: list[str]
    matches: list[HeaderMatch] = field(default_factory=list)
    flag: bool = False

    @property
    def concepts(self) -> list[Concept]:
        """The concepts, most specific first, without repeats."""
        seen: list[Concept] = []
        for match in self.matches:
            if match.concept not in seen:
                seen.append(match.concept)
        return seen

    def describe(self) -> dict:
        """JSON-ready evidence: words and concept names (a header is not a value)."""
        return {
            "words": self.words,
            "concepts": [m.concept.name for m in self.matches],
            "flag_prefix": self.flag,
        }


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def header_words(header: str) -> list[str]:
    """Split a header into lower-case, accent-free words (camelCase, snake_case, digits)."""
    text = _strip_accents(header.strip())
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", text)
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def normalize_header(header: str) -> str:
    """The header's words joined by ``_``: ``birthDate-Of Patient`` -> ``birth_date_of_patient``."""
    return "_".join(header_words(header))


_ADDRESS_PARTS = frozenset({"LOCATION", "ZIP_CODE", "NATIONALITY"})


_QUALIFIERS = v.PERSON_WORDS | v.THING_WORDS | v.ORG_WORDS | v.PLACE_WORDS | v.EVENT_WORDS
_HEADS = tuple(sorted(v.GENERIC_NAME_HEADS | {"id", "nr", "no", "number", "code"}, key=len))


def _split_compounds(words: list[str]) -> list[str]:
    """Split a known qualifier written together with a generic head (``ownername``).

    All-capital SQL exports write OWNERNAME for owner name; a word that is a phrase of its own
    (``username``, ``lastname``) is left alone.
    """
    out: list[str] = []
    for word in words:
        for head in _HEADS:
            prefix = word[: -len(head)]
            if word.endswith(head) and prefix in _QUALIFIERS and word not in _phrase_index():
                out += [prefix, head]
                break
        else:
            out.append(word)
    return out


def _content(words: list[str]) -> list[str]:
    return [w for w in words if w not in v.STOP_WORDS]


@cache
def _phrase_index() -> dict[str, list[tuple[tuple[str, ...], Concept]]]:
    """Phrases by their first word, longest first."""
    index: dict[str, list[tuple[tuple[str, ...], Concept]]] = {}
    for concept, phrases in v.ALL_CONCEPTS.items():
        for phrase in phrases:
            words = tuple(_content(phrase.split()))
            if words:
                index.setdefault(words[0], []).append((words, concept))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@cache
def interpret_header(header: str) -> HeaderMeaning:
    """Return the concepts ``header`` names (empty for meaningless headers such as ``c7``)."""
    words = _content(_split_compounds(header_words(header)))
    meaning = HeaderMeaning(header=header, words=words)
    if not words:
        return meaning
    found: list[HeaderMatch] = []
    index = _phrase_index()
    for start, word in enumerate(words):
        for phrase, concept in index.get(word, ()):
            end = start + len(phrase)
            if tuple(words[start:end]) == phrase:
                found.append(HeaderMatch(concept, " ".join(phrase), start, end))
    found.extend(_generic_heads(words, found))
    meaning.flag = words[0] in v.FLAG_PREFIXES and len(words) > 1
    # Drop a match inside a longer one; keep ties (the values choose).
    kept = [
        m
        for m in found
        if not any(o.length > m.length and o.start <= m.start and m.end <= o.end for o in found)
    ]
    # "address_city", "endereco_estado", "addr_zip": a part of an address, not a street address.
    parts = [m for m in kept if m.concept.entity in _ADDRESS_PARTS]
    kept = [
        m
        for m in kept
        if not (m.concept.entity == "STREET_ADDRESS" and any(p.start >= m.end for p in parts))
    ]
    # Most specific first; among equals, the rightmost (the head of an English compound).
    kept.sort(key=lambda m: (-m.length, -m.end))
    if meaning.flag:
        # "has_card", "is_member": a yes/no about the person, never an identifier of one.
        kept = [m for m in kept if m.concept.role != v.DIRECT]
        kept.append(HeaderMatch(v.FLAG, words[0], 0, len(words)))
    meaning.matches = kept
    return meaning


def _generic_heads(words: list[str], found: list[HeaderMatch]) -> list[HeaderMatch]:
    """Meaning of "name", "id", "number"... from the words beside them (a product's name...)."""
    out = []
    covered = {i for m in found if m.length > 1 for i in range(m.start, m.end)}
    for i, word in enumerate(words):
        if i in covered:
            continue
        others = {w: j for j, w in enumerate(words) if j != i}
        if word in v.GENERIC_NAME_HEADS:
            concept, qualifiers = _name_head(others)
        elif word in v.GENERIC_KEY_HEADS:
            concept, qualifiers = _key_head(word, others)
        else:
            continue
        span = [i, *(others[w] for w in qualifiers)]
        out.append(HeaderMatch(concept, word, min(span), max(span) + 1))
    return out


def _qualified(others: dict[str, int], words: frozenset[str]) -> list[str]:
    return [w for w in others if w in words]


def _name_head(others: dict[str, int]) -> tuple[Concept, list[str]]:
    for words, concept in (
        (v.PERSON_WORDS, v.PERSON_NAME),
        (v.ORG_WORDS, v.ORGANIZATION),
        (v.PLACE_WORDS, v.PLACE),
        (v.THING_WORDS, v.THING),
    ):
        if found := _qualified(others, words):
            return concept, found
    return v.PERSON_NAME_WEAK, []


def _key_head(head: str, others: dict[str, int]) -> tuple[Concept, list[str]]:
    people = _qualified(others, v.PERSON_WORDS)
    if people and not _qualified(others, v.THING_WORDS | v.ORG_WORDS | v.EVENT_WORDS):
        return v.PERSON_KEY, people  # staff_id, manager_no: a person's key
    for words, concept in (
        (v.PERSON_WORDS | v.EVENT_WORDS, v.KEY),
        (v.ORG_WORDS, v.ORG_CODE),
        (v.THING_WORDS, v.ENTITY_KEY),
        (v.ROW_WORDS, v.ROW_COUNTER),
    ):
        if found := _qualified(others, words):
            return concept, found
    if head in {"id", "ids", "key", "identifier", "uid", "uuid", "guid"}:
        return v.KEY, []
    return v.KEY_WEAK, []
