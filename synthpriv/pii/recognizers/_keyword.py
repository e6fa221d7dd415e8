"""A base for recognizers that need a keyword right before the value (account no., phone...).

Only the value is reported as the span, so a redaction keeps the keyword readable.
"""

from __future__ import annotations

import re
from typing import ClassVar

from synthpriv.pii.recognizers._base import SingleEntityRecognizer


class KeywordAnchoredRecognizer(SingleEntityRecognizer):
    """Find ``VALUE`` right after one of ``KEYWORDS``; subclasses set the class attributes.

    ``KEYWORDS`` and ``VALUE`` are regular expressions (case-insensitive); ``MIN_DIGITS`` filters
    out short numbers.
    """

    ENTITY: ClassVar[str]
    KEYWORDS: ClassVar[str]
    VALUE: ClassVar[str]
    SCORE: ClassVar[float] = 0.6
    MIN_DIGITS: ClassVar[int] = 6
    _compiled: ClassVar[re.Pattern[str] | None] = None

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Return the compiled keyword + separator + value expression."""
        if cls.__dict__.get("_compiled") is None:
            cls._compiled = re.compile(
                rf"\b(?:{cls.KEYWORDS})\b(?:\s*(?:no\.?|number|nr\.?|num\.?))?\s*[:#]*\s*({cls.VALUE})",
                re.IGNORECASE,
            )
        return cls._compiled

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Return the value spans in ``text``."""
        return [
            (m.start(1), m.end(1), self.SCORE)
            for m in self.pattern().finditer(text)
            if sum(c.isdigit() for c in m.group(1)) >= self.MIN_DIGITS
        ]
