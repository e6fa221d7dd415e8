"""Person names in running text without an NLP model: name dictionaries plus word shape.

The dictionaries are :func:`synthpriv.pii.names.name_lists` with ``common=True`` (Faker's main
Western locales and the US Census lists: the broad lists hold names that are everyday words). It
runs when no spaCy pipeline is installed, and beside one.
"""

from __future__ import annotations

import re

from synthpriv.pii.names import name_lists
from synthpriv.pii.recognizers._base import SingleEntityRecognizer

TITLES = {"mr", "mrs", "ms", "miss", "dr", "prof", "herr", "frau", "sr", "sra"}
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]*\.?")


class PersonNameRecognizer(SingleEntityRecognizer):
    """Find person names by dictionary and shape.

    Scores: known given name + known surname 0.85; title + known name 0.75; known given name +
    capitalized word 0.6; a known given name alone 0.4, or 0.3 where a sentence starts.
    ``Smith, John`` is read as well.
    """

    ENTITY = "PERSON"

    def load(self) -> None:
        """Load the name lists (cached across instances)."""
        name_lists(common=True)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        """Return the name spans in ``text``."""
        return find_names(text)


def find_names(text: str) -> list[tuple[int, int, float]]:
    """Return ``(start, end, score)`` for each name-like span in ``text``."""
    first, last = name_lists(common=True)
    tokens = []
    for m in _WORD.finditer(text):
        word = m.group().rstrip(".")
        # a trailing period belongs to titles and initials ("Dr.", "Q.") but not to a sentence's end
        keep_dot = word.lower() in TITLES or len(word) == 1
        tokens.append((m.start(), m.end() if keep_dot else m.start() + len(word), word))
    found: list[tuple[int, int, float]] = []
    i = 0
    while i < len(tokens):
        span = _name_at(tokens, i, first, last, text)
        if span:
            found.append(span[:3])
            i = span[3]
        else:
            i += 1
    return found


def _capitalized(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper()


def _name_at(
    tokens: list[tuple[int, int, str]],
    i: int,
    first: frozenset[str],
    last: frozenset[str],
    text: str,
) -> tuple[int, int, float, int] | None:
    start, end, word = tokens[i]
    lower = word.lower()
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if lower in TITLES and nxt and _capitalized(nxt[2]):
        j = i + 1
        if (
            j + 1 < len(tokens)
            and _capitalized(tokens[j + 1][2])
            and tokens[j + 1][2].lower() in last
        ):
            j += 1
        return start, tokens[j][1], 0.75, j + 1
    if not _capitalized(word):
        return None
    # "Smith, John"
    if lower in last and nxt and text[end : nxt[0]].strip() == "," and nxt[2].lower() in first:
        if _capitalized(nxt[2]):
            return start, nxt[1], 0.8, i + 2
    if lower not in first:
        return None
    j = i + 1
    # optional middle initial or middle name
    if j < len(tokens) and len(tokens[j][2]) == 1 and tokens[j][2].isupper():
        j += 1
    if j < len(tokens) and _capitalized(tokens[j][2]) and _adjacent(text, tokens[j - 1], tokens[j]):
        score = 0.85 if tokens[j][2].lower() in last else 0.6
        return start, tokens[j][1], score, j + 1
    # a lone given name where grammar capitalises anyway ("Honey bee IgE", "In the past year")
    # says little; mid-sentence ("met Anna there") it says more
    return start, end, 0.3 if _sentence_start(text, start) else 0.4, i + 1


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(“‘")
    return not before or before[-1] in ".!?:;\n"


def _adjacent(text: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    """True when only spaces (or a period after an initial) separate two tokens."""
    gap = text[left[1] : right[0]]
    return gap.strip(" .") == "" and "\n" not in gap
