"""Each operator alone, including the HIPAA edges: 89 vs 90, restricted ZIP3, leap days."""

import datetime as dt

import polars as pl
import pytest

from synthpriv.errors import ConfigError
from synthpriv.operators import (
    OPERATORS,
    OperatorContext,
    frequent_values,
    restricted_zip3,
    suppress_rare,
)
from synthpriv.schema import POOLED_LABEL, ColumnInfo, Entity, Kind, Role

KEY = OperatorContext(key=b"0123456789abcdef-one")
OTHER_KEY = OperatorContext(key=b"0123456789abcdef-two")


def info(*entities, kind=Kind.CATEGORICAL, role=Role.QUASI_IDENTIFIER):
    return ColumnInfo("c", "String", kind, role, [Entity(e, 0.9) for e in entities])


def apply(name, values, params=None, ctx=KEY, column=None, dtype=None):
    series = pl.Series("c", values, dtype=dtype)
    return OPERATORS[name].apply(series, column or info(), params or {}, ctx)


def test_keep_and_drop():
    assert apply("keep", ["a"]).series.to_list() == ["a"]
    out = apply("drop", ["a", None, "b"])
    assert out.series is None and out.cells_changed == 2


def test_mask_keeps_last_characters():
    out = apply("mask", ["464-38-0445", "abc", None], {"keep": 4})
    assert out.series.to_list() == ["*******0445", "***", None]
    assert out.cells_changed == 2


def test_hash_is_stable_keyed_and_one_way():
    first = apply("hash", ["Ann Lee", "Bob Ray", "Ann Lee", None]).series.to_list()
    assert first[0] == first[2] and first[0] != first[1] and first[3] is None
    assert len(first[0]) == 16 and "Ann" not in first[0]
    assert apply("hash", ["Ann Lee"]).series.to_list()[0] == first[0]  # across runs
    assert apply("hash", ["Ann Lee"], ctx=OTHER_KEY).series.to_list()[0] != first[0]  # across keys


def test_pseudonyms_need_a_key():
    with pytest.raises(ConfigError, match="operator 'hash' needs a secret key"):
        apply("hash", ["x"], ctx=OperatorContext())


def test_fake_is_deterministic_and_realistic():
    column = info("PERSON", role=Role.DIRECT_IDENTIFIER)
    names = apply("fake", ["Ann Lee", "Bob Ray", "Ann Lee"], column=column).series.to_list()
    assert names[0] == names[2] and names[0] != "Ann Lee" and len(names[0].split()) >= 2
    assert apply("fake", ["Ann Lee"], column=column, ctx=OTHER_KEY).series[0] != names[0]


def test_fake_preserves_shape_of_unknown_codes():
    out = apply("fake", ["AB-1234"], column=info("UNIQUE_ID")).series[0]
    assert out != "AB-1234" and out[:2].isupper() and out[2] == "-" and out[3:].isdigit()


@pytest.mark.parametrize(
    ("values", "params", "expected"),
    [
        ([dt.date(2000, 2, 29), dt.date(1931, 12, 31)], {"date": "year"}, [2000, 1931]),
        ([dt.date(2000, 2, 29), None], {"date": "month"}, ["2000-02", None]),
    ],
)
def test_generalize_dates(values, params, expected):
    assert (
        apply("generalize", values, params, column=info("DATE_OF_BIRTH")).series.to_list()
        == expected
    )


def test_generalize_zip_with_safe_harbor_restricted_areas():
    out = apply(
        "generalize",
        ["03601", "10001-2345", "89301", "07036", None],
        {"zip_digits": 3, "restricted_zip3": True},
        column=info("ZIP_CODE"),
    )
    assert out.series.to_list() == ["000", "100", "000", "070", None]
    ints = apply("generalize", [7036, 10001], {"zip_digits": 3}, column=info("ZIP_CODE"))
    assert ints.series.to_list() == ["070", "100"]
    assert len(restricted_zip3()) == 17 and "036" in restricted_zip3()


def test_zip_codes_as_exports_write_them_keep_their_leading_digits():
    """pandas writes a ZIP column with a gap as floats (2134.0 for 02134); a shop's export
    keeps the leading zero as spreadsheet text ('02134), which generalized to one digit gave
    the apostrophe."""
    floats = apply(
        "generalize", [2134.0, 42420.0, None], {"zip_digits": 3}, column=info("ZIP_CODE")
    )
    assert floats.series.to_list() == ["021", "424", None]
    quoted = apply("generalize", ["'02134", "'90210"], {"zip_digits": 1}, column=info("ZIP_CODE"))
    assert quoted.series.to_list() == ["0", "9"]


def test_generalize_ages_at_the_89_90_edge():
    out = apply(
        "generalize", [89, 90, 104, None], {"top_code": 90}, column=info("AGE", kind=Kind.NUMERICAL)
    )
    assert out.series.to_list() == [89, 90, 90, None]
    bands = apply(
        "generalize",
        [0, 4, 5, 89, 90, 97],
        {"band": 5, "top_code": 90},
        column=info("AGE", kind=Kind.NUMERICAL),
    )
    assert bands.series.to_list() == ["0-4", "0-4", "5-9", "85-89", "90+", "90+"]


def test_generalize_numbers_into_bins():
    out = apply("generalize", list(range(100)), {"bins": 4}, column=info(kind=Kind.NUMERICAL))
    assert out.series.n_unique() == 4


def test_suppress_rare():
    out = apply("suppress_rare", ["a"] * 10 + ["b"] * 9 + [None], {"k": 10})
    assert out.series.to_list() == ["a"] * 10 + [POOLED_LABEL] * 9 + [None]
    assert out.cells_changed == 9


def test_rare_means_held_by_few_people_when_rows_have_people():
    """One person's ten rows do not make a value common; a row of nobody is a person of its own."""
    text = pl.Series(["own"] * 10 + ["shared"] * 10 + ["orphans"] * 3 + [None])
    people = pl.Series(["p1"] * 10 + [f"q{i % 5}" for i in range(10)] + [None] * 3 + ["p2"])
    assert frequent_values(text, 3) == ["orphans", "own", "shared"]
    assert frequent_values(text, 3, people) == ["orphans", "shared"]
    assert frequent_values(text, 4, people) == ["shared"]
    out, changed, kept = suppress_rare(text, 4, people=people)
    assert (changed, kept) == (13, ["shared"])
    assert out.to_list() == [POOLED_LABEL] * 10 + ["shared"] * 10 + [POOLED_LABEL] * 3 + [None]
