"""A base for recognizers of one entity that find spans in code rather than by regex list."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


class SingleEntityRecognizer(EntityRecognizer):
    """Subclasses set ``ENTITY`` and implement :meth:`find`; Presidio's plumbing lives here."""

    ENTITY: ClassVar[str]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=[self.ENTITY],
            supported_language=supported_language,
            name=type(self).__name__,
        )

    def load(self) -> None:
        """Nothing to load by default (subclasses warm caches here)."""

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Return ``(start, end, score)`` for each span of ``ENTITY`` in ``text``."""
        raise NotImplementedError

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Presidio's entry point: the spans of :meth:`find` as results."""
        if entities and self.ENTITY not in entities:
            return []
        return [RecognizerResult(self.ENTITY, s, e, score) for s, e, score in self.find(text)]
