"""Every registered engine keeps the engine contract; a new engine is one class and one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from synthpriv import engines, synth
from synthpriv.errors import ConfigError, ModelError
from synthpriv.synthesis_plan import with_budget
from tests.engines_fixture import BootstrapEngine

# the least work each engine can do on a tiny table, so that every one runs in the test suite
FAST = {
    "mst": {"epsilon": 1.0, "delta": 1e-6},
    "ctgan": {"epochs": 1, "batch_size": 20},
    "tvae": {"epochs": 1, "batch_size": 20},
    "copulagan": {"epochs": 1, "batch_size": 20},
}


def table_a() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "charges": rng.gamma(2.0, 3000.0, n),
            "sex": rng.choice(["F", "M"], n),
            "plan": rng.choice(["a", "b", "c"], n),
            "visits": rng.integers(0, 4, n),
            "smoker": rng.random(n) < 0.3,
        }
    )


def table_b() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 60
    return pd.DataFrame({"height": rng.normal(170, 10, n), "region": rng.choice(["n", "s"], n)})


@pytest.fixture
def bootstrap():
    """The fixture engine, registered for one test and removed after it."""
    engines.register(BootstrapEngine)
    try:
        yield BootstrapEngine
    finally:
        engines.unregister(BootstrapEngine.name)


def test_the_registry_names_every_engine_and_the_private_ones():
    assert engines.names() == ["cart", "gaussian_copula", "ctgan", "tvae", "copulagan", "mst"]
    assert engines.DEFAULT == synth.DEFAULT_ENGINE == "cart"
    assert engines.private_names() == ["mst"]
    assert engines.is_private("mst") and not engines.is_private("cart")
    assert [n for n in engines.names() if engines.get(n).copula] == [
        "gaussian_copula",
        "copulagan",
    ]


def test_an_unknown_engine_names_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        engines.get("gan")
    assert str(error.value) == (
        "unknown engine 'gan'; valid engines: cart, gaussian_copula, ctgan, tvae, copulagan, mst"
    )
    with pytest.raises(ConfigError, match="unknown engine 'gan'"):
        engines.is_private("gan")


@pytest.mark.parametrize("name", engines.names())
def test_check_params_refuses_an_unknown_parameter_by_name(name):
    engine = engines.get(name)
    engine.check_params(FAST.get(name, {}))  # what the engine takes passes
    with pytest.raises(ConfigError) as error:
        engine.check_params({**FAST.get(name, {}), "no_such_knob": 1})
    message = str(error.value)
    assert message.startswith(f"unknown parameter(s) no_such_knob for engine {name!r}; valid: ")
    assert "\n" not in message
    assert all(p in message for p in FAST.get(name, {}))
    with pytest.raises(ConfigError, match="no_such_knob"):
        engine(no_such_knob=1)


@pytest.mark.parametrize("name", engines.names())
def test_a_second_fit_replaces_the_first(name):
    engine = engines.get(name)(**FAST.get(name, {}))
    assert engine.fit(table_a(), seed=0) is engine
    assert list(engine.sample(10, seed=1).columns) == list(table_a().columns)
    engine.fit(table_b(), seed=0)
    out = engine.sample(25, seed=2)
    assert list(out.columns) == ["height", "region"] and len(out) == 25
    assert set(out["region"].dropna()) <= {"n", "s", "(other)"}  # mst pools what is rare
    pd.testing.assert_frame_equal(out, engine.sample(25, seed=2))  # seeded


def test_the_estimators_under_cart_and_mst_forget_an_earlier_fit():
    from synthpriv.dp import PrivateMST
    from synthpriv.sequential import SequentialTrees

    for estimator in (SequentialTrees(), PrivateMST(epsilon=1.0, delta=1e-6)):
        estimator.fit(table_a(), seed=0)
        estimator.fit(table_b(), seed=0)
        assert list(estimator.sample(8, seed=0).columns) == ["height", "region"]


def test_an_invalid_parameter_value_is_a_config_error():
    with pytest.raises(ConfigError, match="invalid parameter for engine 'cart': min_samples_leaf"):
        engines.get("cart")(min_samples_leaf=1).fit(table_a())


def test_the_budget_goes_to_private_engines_only():
    assert with_budget("mst", {}, 1.0, 1e-6) == {"epsilon": 1.0, "delta": 1e-6}
    with pytest.raises(ConfigError, match=r"differentially private engine \(mst\), not 'cart'"):
        with_budget("cart", {}, 1.0, None)


def test_a_new_engine_is_one_class_and_one_register_line(bootstrap, tmp_path):
    frame = pl.from_pandas(table_a()).with_columns(pl.col("charges").round(2))
    model = synth.fit(frame, seed=1, engine="bootstrap", params={"head": 40})
    assert isinstance(model.synthesizer, BootstrapEngine) and model.engine == "bootstrap"
    out = synth.sample(model, 30, seed=4)
    assert out.columns == model.columns and out.height == 30
    assert out.schema["age"] == pl.Int64 and out.schema["smoker"] == pl.Boolean
    # conditions by rejection: the engine does not support them itself
    assert set(synth.sample(model, 12, seed=4, conditions={"sex": "F"})["sex"]) == {"F"}
    synth.save_model(model, tmp_path / "m.synthpriv")
    loaded = synth.load_model(tmp_path / "m.synthpriv")
    assert loaded.describe() == model.describe() and loaded.describe()["copula"] is False
    assert synth.sample(loaded, 30, seed=4).equals(out)
    with pytest.raises(ConfigError, match="unknown parameter.s. heads for engine 'bootstrap'"):
        synth.fit(frame, engine="bootstrap", params={"heads": 1})
    with pytest.raises(ValueError, match="already registered"):
        engines.register(type("Other", (BootstrapEngine,), {}))


def test_the_fixture_engine_is_gone_after_its_test():
    assert "bootstrap" not in engines.names()
    with pytest.raises(ConfigError, match="unknown engine 'bootstrap'"):
        synth.fit(pl.from_pandas(table_a()), engine="bootstrap")


def test_a_model_file_of_format_3_still_loads(tmp_path, monkeypatch):
    """Format 3 stored the engine's estimator itself; loading wraps it in its engine."""
    frame = pl.from_pandas(table_a()).with_columns(pl.col("charges").round(2))
    model = synth.fit(frame, seed=2)
    expected = synth.sample(model, 40, seed=5)
    old = synth.SynthModel(**{**vars(model), "synthesizer": model.synthesizer.trees_})
    monkeypatch.setattr(synth, "MODEL_FORMAT", 3)
    synth.save_model(old, tmp_path / "old.synthpriv")
    monkeypatch.undo()
    assert b'"format": 3' in (tmp_path / "old.synthpriv").read_bytes()
    loaded = synth.load_model(tmp_path / "old.synthpriv")
    assert isinstance(loaded.synthesizer, engines.get("cart"))
    assert synth.sample(loaded, 40, seed=5).equals(expected)
    monkeypatch.setattr(synth, "MODEL_FORMAT", 2)
    synth.save_model(old, tmp_path / "older.synthpriv")
    monkeypatch.undo()
    with pytest.raises(ModelError, match="format 2 was written by another synthpriv version"):
        synth.load_model(tmp_path / "older.synthpriv")


def test_the_description_says_whether_the_rows_were_prepared_for_a_copula():
    frame = pl.from_pandas(table_b())
    assert synth.fit(frame, engine="gaussian_copula").describe()["copula"] is True
    assert synth.fit(frame, engine="cart").describe()["copula"] is False


def test_the_report_shows_marginals_for_a_copula_engine_only():
    from synthpriv.report import build_report
    from synthpriv.report.html import render_html

    frame = pl.from_pandas(table_b())
    pages = {}
    for name in ("gaussian_copula", "cart"):
        model = synth.fit(frame, engine=name)
        synthetic = synth.sample(model, frame.height, seed=1)
        report = build_report(train=frame, synthetic=synthetic, synthesis=model.describe())
        pages[name] = render_html(report)
    assert "Fitted marginals" in pages["gaussian_copula"]
    assert "Fitted marginals" not in pages["cart"]


@pytest.mark.parametrize("name", ["gaussian_copula", "tvae"])
def test_conditions_hold_whether_the_engine_conditions_or_synthpriv_rejects(name):
    frame = pl.from_pandas(table_a()).with_columns(pl.col("charges").round(2))
    model = synth.fit(frame, seed=0, engine=name, params=FAST.get(name, {}))
    out = synth.sample(model, 20, seed=3, conditions={"sex": "M"})
    assert out.height == 20 and set(out["sex"]) == {"M"}
    assert out.equals(synth.sample(model, 20, seed=3, conditions={"sex": "M"}))
