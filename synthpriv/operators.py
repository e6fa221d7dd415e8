"""De-identification operators: each a small class over one polars column, found by name.

Every operator returns the new column (``None`` to drop it), how many cells changed and a one-line
detail for the audit log; none of these ever holds a value. Operators that need a secret (``hash``,
``fake``) take it from :class:`OperatorContext`, which gets it from a key file or an environment
variable, never from the command line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import polars as pl

from synthpriv.errors import ConfigError
from synthpriv.frames import COUNT, holders
from synthpriv.schema import POOLED_LABEL, ColumnInfo


@dataclass
class OperatorContext:
    """What operators may need besides the column: a redactor factory and the pseudonym key."""

    redactor: Callable[[], Any] | None = None
    key: bytes | None = None
    key_hint: str = "set SYNTHPRIV_PSEUDONYM_KEY or give a key file"
    fitted: dict[str, Any] | None = None
    """What a data-dependent operator learned on the training rows (``Outcome.fitted``), to be
    applied as it is to other rows (the holdout); ``None`` while fitting."""
    people: pl.Series | None = None
    """The person each row belongs to (linked tables; a row of nobody is its own person): a
    value is rare when fewer than k *people* hold it, however many rows repeat it."""

    def require_key(self, operator: str) -> bytes:
        """Return the pseudonym key or explain how to provide one."""
        if not self.key:
            raise ConfigError(f"operator {operator!r} needs a secret key: {self.key_hint}")
        return self.key


@dataclass
class Outcome:
    """The result of one operator on one column."""

    series: pl.Series | None
    cells_changed: int
    detail: str = ""
    spans: dict[str, int] = field(default_factory=dict)
    fitted: dict[str, Any] = field(default_factory=dict)
    """What the operator learned from these rows (categories kept, bin edges); see
    ``OperatorContext.fitted``."""


def _changed(before: pl.Series, after: pl.Series) -> int:
    a, b = before.cast(pl.String), after.cast(pl.String)
    return int(a.ne_missing(b).sum())


class Operator:
    """Base class: ``name`` and ``apply``; ``params`` documents the accepted parameters."""

    name: ClassVar[str]
    params: ClassVar[tuple[str, ...]] = ()

    def apply(
        self, series: pl.Series, column: ColumnInfo, params: dict[str, Any], ctx: OperatorContext
    ) -> Outcome:
        """Transform ``series``."""
        raise NotImplementedError


class Keep(Operator):
    """Leave the column as it is."""

    name = "keep"

    def apply(self, series, column, params, ctx):  # noqa: D102
        return Outcome(series, 0)


class Drop(Operator):
    """Remove the column."""

    name = "drop"

    def apply(self, series, column, params, ctx):  # noqa: D102
        return Outcome(None, series.len() - series.null_count(), "column removed")


class Redact(Operator):
    """Replace PII spans inside free text with ``<ENTITY_TYPE>``; the rest stays readable."""

    name = "redact"

    def apply(self, series, column, params, ctx):  # noqa: D102
        if ctx.redactor is None:  # pragma: no cover - the pipeline always provides one
            raise ConfigError("redact needs the PII analyzers")
        cleaned, counts = ctx.redactor().redact_series(series)
        return Outcome(
            cleaned, _changed(series, cleaned), "PII spans replaced", dict(counts.most_common())
        )


class Mask(Operator):
    """Hide all but the last ``keep`` characters (default 4) behind ``char`` (default ``*``)."""

    name = "mask"
    params = ("keep", "char")

    def apply(self, series, column, params, ctx):  # noqa: D102
        keep, char = int(params.get("keep", 4)), str(params.get("char", "*"))
        # Int64, not len_chars' UInt32: length - keep must be able to go below zero.
        length = pl.col("t").str.len_chars().cast(pl.Int64)
        hidden = pl.max_horizontal(length - keep, pl.lit(0, dtype=pl.Int64))
        stars = pl.lit(char).repeat_by(length).list.join("")
        masked = (
            pl.DataFrame({"t": series.cast(pl.String)})
            .select(
                pl.when(length <= keep)  # short values would show whole: hide them entirely
                .then(stars)
                .otherwise(
                    pl.lit(char).repeat_by(hidden).list.join("") + pl.col("t").str.slice(hidden)
                )
            )
            .to_series()
            .alias(series.name)
        )
        return Outcome(
            masked, _changed(series, masked), f"all but the last {keep} characters masked"
        )


def _digest(key: bytes, value: str) -> bytes:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).digest()


def pseudonym(key: bytes, value: str, length: int = 16, prefix: str = "") -> str:
    """The ``hash`` operator's pseudonym of ``value``: keyed HMAC-SHA256, hex, ``length`` long."""
    return prefix + _digest(key, value).hex()[:length]


def _per_distinct(series: pl.Series, func: Callable[[str], str]) -> pl.Series:
    """Apply ``func`` once per distinct value (cheap on repeated values), keep nulls."""
    text = series.cast(pl.String)
    mapping = {v: func(v) for v in text.drop_nulls().unique(maintain_order=True).to_list()}
    return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(series.name)


class Hash(Operator):
    """Keyed pseudonyms: HMAC-SHA256 of the value, hex, ``length`` characters (default 16).

    The same value and key always give the same pseudonym (joins across files and runs survive);
    another key gives unrelated pseudonyms; without the key nobody can recompute or reverse them.
    """

    name = "hash"
    params = ("length", "prefix")

    def apply(self, series, column, params, ctx):  # noqa: D102
        key = ctx.require_key(self.name)
        length, prefix = int(params.get("length", 16)), str(params.get("prefix", ""))
        out = _per_distinct(series, lambda v: pseudonym(key, v, length, prefix))
        return Outcome(out, _changed(series, out), "keyed HMAC-SHA256 pseudonyms")


class Fake(Operator):
    """Realistic replacements from Faker, the same for the same value and key.

    Names, emails, phones, addresses and SSNs get values of their kind; anything else keeps its
    shape (letters for letters, digits for digits, punctuation as is).
    """

    name = "fake"
    params = ("locale",)

    def apply(self, series, column, params, ctx):  # noqa: D102
        from faker import Faker

        key = ctx.require_key(self.name)
        fake = Faker(params.get("locale", "en_US"))
        entity = column.entity_types[0] if column.entities else None
        make = _FAKERS.get(entity or "", _same_shape)

        def replace(value: str) -> str:
            fake.seed_instance(int.from_bytes(_digest(key, value)[:8], "big"))
            return make(fake, value)

        out = _per_distinct(series, replace)
        original = series.cast(pl.String)
        same = int((out == original).fill_null(False).sum())
        return Outcome(
            out,
            _changed(series, out),
            f"Faker values ({entity or 'same shape'})",
            {"unchanged": same} if same else {},
        )


def _same_shape(fake: Any, value: str) -> str:
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(str(fake.random_digit()))
        elif ch.isalpha():
            letter = fake.random_uppercase_letter()
            out.append(letter if ch.isupper() else letter.lower())
        else:
            out.append(ch)
    return "".join(out)


_FAKERS: dict[str, Callable[[Any, str], str]] = {
    "PERSON": lambda f, v: f.name(),
    "EMAIL_ADDRESS": lambda f, v: f.email(),
    "PHONE_NUMBER": lambda f, v: f.phone_number(),
    "STREET_ADDRESS": lambda f, v: f.street_address(),
    "US_SSN": lambda f, v: f.ssn(),
    "CREDIT_CARD": lambda f, v: f.credit_card_number(),
    "IBAN_CODE": lambda f, v: f.iban(),
}


@cache
def restricted_zip3() -> frozenset[str]:
    """The 3-digit ZIP areas of 20,000 people or fewer that HIPAA Safe Harbor turns into ``000``."""
    data = json.loads(
        resources.files("synthpriv.policies").joinpath("restricted_zip3.json").read_text()
    )
    return frozenset(data["zip3"])


class Generalize(Operator):
    """Coarsen a value so that fewer people share each one.

    Dates to ``year`` or ``month``; ZIP to ``zip_digits`` (with Safe Harbor's ``000``); ages
    top-coded at ``top_code`` or banded by ``band``; numbers into ``bins`` quantile bins. Without
    parameters the entity decides: birth date to year, ZIP to 3 digits, age top-coded at 90.
    """

    name = "generalize"
    params = ("date", "zip_digits", "restricted_zip3", "top_code", "band", "bins")

    def apply(self, series, column, params, ctx):  # noqa: D102
        entities = set(column.entity_types)
        if series.dtype.is_temporal() and (
            params.get("date") or entities & {"DATE_OF_BIRTH", "DATE_TIME"}
        ):
            return self._date(series, params.get("date", "year"))
        if "zip_digits" in params or "ZIP_CODE" in entities:
            return self._zip(
                series, int(params.get("zip_digits", 3)), bool(params.get("restricted_zip3"))
            )
        if series.dtype.is_numeric() and (
            "band" in params or "top_code" in params or "AGE" in entities
        ):
            return self._age(series, params.get("top_code", 90), params.get("band"))
        if series.dtype.is_numeric() and "bins" in params:
            return self._bins(series, int(params["bins"]), ctx.fitted)
        return Outcome(series, 0, "no generalization rule applies to this column; kept")

    @staticmethod
    def _date(series: pl.Series, unit: str) -> Outcome:
        if unit == "year":
            out = series.dt.year().alias(series.name)
        elif unit == "month":
            out = series.dt.strftime("%Y-%m").alias(series.name)
        else:
            raise ConfigError(f"generalize: date must be 'year' or 'month', got {unit!r}")
        return Outcome(out, series.len() - series.null_count(), f"dates to {unit}")

    @staticmethod
    def _zip(series: pl.Series, digits: int, restricted: bool) -> Outcome:
        numbers = series
        if series.dtype.is_float():  # 42420.0, as pandas writes a ZIP column with a gap
            numbers = series.cast(pl.Int64, strict=False)
        # a spreadsheet keeps a ZIP's leading zero by writing it as text: '02134
        text = numbers.cast(pl.String).str.strip_chars().str.strip_chars_start("'")
        if numbers.dtype.is_integer():
            text = text.str.zfill(5)
        out = text.str.slice(0, digits)
        detail = f"ZIP codes to first {digits} digits"
        if restricted:
            out = pl.select(
                pl.when(out.is_in(list(restricted_zip3())))
                .then(pl.lit("0" * digits))
                .otherwise(out)
            ).to_series()
            detail += "; the 17 areas of 20,000 people or fewer to 000"
        out = out.alias(series.name)
        return Outcome(out, _changed(series, out), detail)

    @staticmethod
    def _age(series: pl.Series, top: Any, band: Any) -> Outcome:
        top = int(top)
        if band:
            width = int(band)
            low = (series.clip(upper_bound=top) // width) * width
            labels = pl.select(
                pl.when(series >= top)
                .then(pl.lit(f"{top}+"))
                .otherwise(
                    low.cast(pl.Int64).cast(pl.String)
                    + "-"
                    + (low + width - 1).cast(pl.Int64).cast(pl.String)
                )
            ).to_series()
            out = labels.alias(series.name)
            return Outcome(
                out, _changed(series, out), f"ages in bands of {width}, {top} and over together"
            )
        out = series.clip(upper_bound=top).alias(series.name)
        return Outcome(out, _changed(series, out), f"ages above {top - 1} to {top}")

    @staticmethod
    def _bins(series: pl.Series, bins: int, fitted: dict[str, Any] | None) -> Outcome:
        if fitted is None:  # interior quantiles of these rows: no edge is one person's extreme
            inner = series.drop_nulls().quantile
            breaks = sorted({float(inner(i / bins, "linear")) for i in range(1, bins)})
        else:
            breaks = list(fitted["breaks"])
        out = series.cut(breaks).cast(pl.String).alias(series.name)
        return Outcome(
            out,
            series.len() - series.null_count(),
            f"numbers into {bins} quantile bins",
            fitted={"breaks": breaks},
        )


class SuppressRare(Operator):
    """Categories seen fewer than ``k`` times (default 10) become ``other`` (default ``Other``)."""

    name = "suppress_rare"
    params = ("k", "other")

    def apply(self, series, column, params, ctx):  # noqa: D102
        k, other = int(params.get("k", 10)), str(params.get("other", POOLED_LABEL))
        kept = None if ctx.fitted is None else ctx.fitted["kept"]
        out, n, kept = suppress_rare(series, k, other, kept=kept, people=ctx.people)
        return Outcome(out, n, f"{rare_phrase(k, ctx.people)} to {other!r}", fitted={"kept": kept})


def changed_cells(before: pl.Series, after: pl.Series) -> int:
    """Cells whose value differs (as text; a value that became missing, or the reverse, too)."""
    a, b = before.cast(pl.String), after.cast(pl.String)
    return int(((a != b).fill_null(True) & ~(a.is_null() & b.is_null())).sum())


def rare_phrase(k: int, people: pl.Series | None) -> str:
    """How the audit says what was pooled."""
    return f"categories {'held by' if people is not None else 'seen'} fewer than {k} " + (
        "people" if people is not None else "times"
    )


def frequent_values(text: pl.Series, k: int, people: pl.Series | None = None) -> list[str]:
    """The values of ``text`` at least ``k`` rows hold, or with ``people``, ``k`` people.

    One person's rows repeat their values (a customer's city on each of their orders), so
    counting rows would keep a value only one person has. A row whose person is missing counts
    as a person of its own.
    """
    if people is not None:
        if people.len() != text.len():
            raise ValueError(f"{people.len()} people for {text.len()} rows")
        people = (
            pl.DataFrame({"p": people.cast(pl.String)})
            .select(pl.coalesce("p", pl.format("\x00{}", pl.int_range(pl.len()))))
            .to_series()
        )
    counts = holders(text.alias("__v"), people)
    return sorted(counts.filter(pl.col(COUNT) >= k).get_column("__v").to_list())


def suppress_rare(
    series: pl.Series,
    k: int,
    other: str = POOLED_LABEL,
    *,
    kept: list[str] | None = None,
    people: pl.Series | None = None,
) -> tuple[pl.Series, int, list[str]]:
    """Replace categories seen fewer than ``k`` times (held by fewer than ``k`` ``people``).

    With ``kept`` (the categories kept when this was fitted on the training rows) every other
    category is pooled, however often it occurs here. Returns the column, the cells changed and
    the categories kept.
    """
    text = series.cast(pl.String)
    if kept is None:
        kept = frequent_values(text, k, people)
    pooled = text.is_not_null() & ~text.is_in(kept)
    changed = int(pooled.sum())
    if not changed:
        return series, 0, kept
    out = (
        pl.select(pl.when(pooled).then(pl.lit(other)).otherwise(text))
        .to_series()
        .alias(series.name)
    )
    return out, changed, kept


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (Keep(), Drop(), Redact(), Mask(), Hash(), Fake(), Generalize(), SuppressRare())
}
PSEUDONYMIZING = {"hash", "fake", "mask"}
