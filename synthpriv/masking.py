"""Masked renderings of values, for examples in schemas, logs and reports.

A masked example shows the shape of a value and never the value: ``J*** S****``,
``***-**-1234``, ``s***@h***.com``. Only the last four characters of long digit identifiers are
kept, as on a bank statement.
"""

from __future__ import annotations

import re

_DIGIT_IDS = {"US_SSN", "CREDIT_CARD", "PHONE_NUMBER", "US_BANK_NUMBER", "IBAN_CODE", "US_ITIN"}


def mask_value(value: object, entity: str | None = None) -> str:
    """Return a masked rendering of ``value`` for the given entity type (or a generic shape)."""
    text = str(value)
    if entity in _DIGIT_IDS and sum(c.isalnum() for c in text) > 6:
        return _keep_last(text, 4)
    if entity == "EMAIL_ADDRESS" and "@" in text:
        local, _, domain = text.partition("@")
        host, dot, tld = domain.rpartition(".")
        return f"{local[:1]}***@{host[:1]}***{dot}{tld}"
    if entity in {"PERSON", "STREET_ADDRESS", "LOCATION"}:
        return " ".join(_word(w) for w in text.split()[:4])
    if len(text) > 40 or len(text.split()) > 3:
        words = [_word(w) for w in text.split()[:6]]
        return " ".join(words) + (" …" if len(text.split()) > 6 else "")
    return shape(text)


def shape(text: str) -> str:
    """Return the character shape of ``text``: letters as ``X``/``x``, digits as ``9``."""
    out = re.sub(r"[^\W\d_]", lambda m: "X" if m.group().isupper() else "x", text)
    return re.sub(r"\d", "9", out)


def _keep_last(text: str, keep: int) -> str:
    positions = [i for i, c in enumerate(text) if c.isalnum()]
    hidden = set(positions[:-keep])
    return "".join("*" if i in hidden else c for i, c in enumerate(text))


def _word(word: str) -> str:
    if not word:
        return word
    head = word[0] if word[0].isalpha() else "*"
    return head + "*" * max(3, min(len(word) - 1, 6))
