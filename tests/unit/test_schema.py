import json

import polars as pl
import pytest

from synthpriv.errors import ConfigError, InputError
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema, infer_kind


def sample_schema() -> TableSchema:
    return TableSchema(
        columns=[
            ColumnInfo(
                "ssn",
                "String",
                Kind.ID,
                Role.DIRECT_IDENTIFIER,
                [Entity("US_SSN", 0.99)],
                {"sampled_values": 10},
                ["***-**-1234"],
            ),
            ColumnInfo("age", "Int64", Kind.NUMERICAL, Role.QUASI_IDENTIFIER, [Entity("AGE", 0.7)]),
        ],
        source={"file": "t.csv", "rows": 10, "columns": 2},
    )


def test_round_trip(tmp_path):
    schema = sample_schema()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(schema.to_dict()))
    loaded = TableSchema.load(path)
    assert loaded.to_dict() == schema.to_dict()
    assert loaded["ssn"].entity_types == ["US_SSN"]


def test_user_override_is_kept(tmp_path):
    data = sample_schema().to_dict()
    data["columns"][0]["role"] = "none"
    data["columns"][0]["action"] = "keep"
    loaded = TableSchema.from_dict(data)
    assert loaded["ssn"].role == Role.NONE and loaded["ssn"].action == "keep"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["columns"][0].update(role="boss"),
            "invalid at columns/0/role: must be one of",
        ),
        (lambda d: d["columns"][0].update(action="shred"), "invalid at columns/0/action"),
        (lambda d: d.update(extra=1), "invalid at (top level): unknown key(s): extra"),
        (
            lambda d: d["columns"][1]["entities"][0].update(score=2),
            "columns/1/entities/0/score: must be at most 1",
        ),
    ],
)
def test_invalid_schema_names_the_place(mutate, message):
    data = sample_schema().to_dict()
    mutate(data)
    with pytest.raises(ConfigError) as info:
        TableSchema.from_dict(data, origin="s.json")
    assert str(info.value).startswith("s.json: ") and message in str(info.value)


def test_unreadable_schema_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match=r"s\.json: column schema is not valid JSON at line 1"):
        TableSchema.load(path)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1, 2, 3], Kind.NUMERICAL),
        ([True, False, None], Kind.BOOLEAN),
        (["a", "b", "a"] * 10, Kind.CATEGORICAL),
        ([f"id{i}" for i in range(30)], Kind.ID),
        (["the patient was seen today and is well"] * 5, Kind.TEXT),
        ([None, None], Kind.CATEGORICAL),
    ],
)
def test_infer_kind(values, kind):
    assert infer_kind(pl.Series("x", values)) == kind
