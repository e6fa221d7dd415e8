"""Fit/sample with real SDV on small tables: metadata, reproducibility, model file signatures."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from synthpriv import synth
from synthpriv.errors import ConfigError, ModelError, ResidualPIIError
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    n = 300
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "charges": rng.gamma(2.0, 3000.0, n).round(2),
            "sex": rng.choice(["F", "M"], n),
            "smoker": rng.random(n) < 0.2,
            "admitted": [
                dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 365, n)
            ],
            "note": ["routine visit with no findings of any concern"] * n,
            "record": [f"R{i:05d}" for i in range(n)],
        }
    )


@pytest.fixture(scope="module")
def model(table):
    return synth.fit(table, seed=3)


def test_metadata_comes_from_our_kinds(table):
    modelled, excluded = synth.plan_columns(table, None)
    assert modelled == {
        "age": Kind.NUMERICAL,
        "charges": Kind.NUMERICAL,
        "sex": Kind.CATEGORICAL,
        "smoker": Kind.BOOLEAN,
        "admitted": Kind.DATETIME,
    }
    assert set(excluded) == {"note", "record"}
    assert synth.sdv_metadata({"sex": Kind.CATEGORICAL})["tables"]["table"]["columns"] == {
        "sex": {"sdtype": "categorical"}
    }


def test_types_survive_synthesis(model, table):
    out = synth.sample(model, 50)
    assert out.schema == pl.Schema(
        {
            "age": pl.Int64,
            "charges": pl.Float64,
            "sex": pl.String,
            "smoker": pl.Boolean,
            "admitted": pl.Date,
        }
    )
    assert out["admitted"].min() >= dt.date(2024, 1, 1) and out["admitted"].max() <= dt.date(
        2024, 12, 31
    )
    assert set(out["sex"].unique()) <= {"F", "M"}


def test_same_seed_same_rows_other_seed_other_rows(model, table):
    first = synth.sample(model, 40, seed=1)
    assert synth.sample(model, 40, seed=1).equals(first)
    assert not synth.sample(model, 40, seed=2).equals(first)
    refit = synth.fit(table, seed=3)
    assert synth.sample(refit, 40, seed=1).equals(first)


def test_direct_identifier_is_refused(table):
    schema = TableSchema(
        [
            ColumnInfo(
                "sex", "String", Kind.CATEGORICAL, Role.DIRECT_IDENTIFIER, [Entity("PERSON", 0.9)]
            )
        ]
    )
    with pytest.raises(
        ResidualPIIError,
        match="column 'sex' is a direct identifier .PERSON.; run 'synthpriv clean' first",
    ):
        synth.fit(table, schema=schema)


def test_unknown_engine_lists_valid_ones(table):
    with pytest.raises(ConfigError, match="unknown engine 'gan'; valid engines: gaussian_copula"):
        synth.fit(table, engine="gan")
    with pytest.raises(ConfigError, match="number of rows must be at least 1"):
        synth.sample(synth.fit(table.select("age", "sex")), 0)


def test_model_file_round_trip_and_tampering(model, tmp_path):
    path = tmp_path / "m.synthpriv"
    synth.save_model(model, path)
    assert synth.load_model(path).columns == model.columns
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / "tampered").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt or was modified"):
        synth.load_model(tmp_path / "tampered")
    (tmp_path / "pickle").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ModelError, match="not a synthpriv model file"):
        synth.load_model(tmp_path / "pickle")


def test_model_signed_under_another_key_is_refused(model, tmp_path, monkeypatch):
    path = tmp_path / "m.synthpriv"
    synth.save_model(model, path)
    monkeypatch.setenv("SYNTHPRIV_MODEL_KEY", "someone-else")
    with pytest.raises(ModelError, match="signature does not verify"):
        synth.load_model(path)


def test_key_file_is_created_private(model, tmp_path, monkeypatch):
    monkeypatch.delenv("SYNTHPRIV_MODEL_KEY")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    synth.save_model(model, tmp_path / "m.synthpriv")
    key = tmp_path / "synthpriv" / "model.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert synth.load_model(tmp_path / "m.synthpriv").seed == 3
