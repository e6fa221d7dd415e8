"""Filters shared by scanning and redaction for spans found in free text."""

from __future__ import annotations

import re
from typing import Protocol

PLACEHOLDER = re.compile(r"<[A-Z0-9_]+>")


class Span(Protocol):
    """What a Presidio result offers: an entity type, a score and offsets."""

    entity_type: str
    start: int
    end: int
    score: float


def plausible_spans(text: str, results: list[Span], min_score: float) -> list[Span]:
    """Drop weak spans, spans over an existing ``<ENTITY>`` placeholder, and 'names' with digits.

    NER models tag codes such as ``I50.9`` as persons; a person's name has no digits.
    """
    placeholders = [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
    return [
        r
        for r in results
        if r.score >= min_score
        and not any(r.start < end and start < r.end for start, end in placeholders)
        and not (r.entity_type == "PERSON" and any(c.isdigit() for c in text[r.start : r.end]))
    ]
