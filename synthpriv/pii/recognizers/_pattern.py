"""A base for pattern recognizers declared entirely by class attributes."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer


class DeclaredPatternRecognizer(PatternRecognizer):
    """A :class:`PatternRecognizer` whose entity, patterns and context are class attributes.

    Subclasses set ``ENTITY``, ``PATTERNS`` (name, regex, score) and ``CONTEXT``; they may override
    ``validate_result`` to run a checksum.
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]]
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CASE_SENSITIVE: ClassVar[bool] = False

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=[Pattern(name, regex, score) for name, regex, score in self.PATTERNS],
            context=list(self.CONTEXT),
            supported_language=supported_language,
            name=type(self).__name__,
            global_regex_flags=re.DOTALL
            | re.MULTILINE
            | (0 if self.CASE_SENSITIVE else re.IGNORECASE),
        )
