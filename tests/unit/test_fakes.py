"""The fake synthesizer the CLI and pipeline tests inject takes exactly what synth takes."""

from __future__ import annotations

import inspect

import polars as pl
import pytest

from synthpriv import synth
from tests.fakes import FakeSynthesizer


@pytest.mark.parametrize("name", ["fit", "sample"])
def test_the_fake_has_synths_parameters(name):
    real = inspect.signature(getattr(synth, name)).parameters
    fake = inspect.signature(getattr(FakeSynthesizer(), name)).parameters
    assert [(p.name, p.kind, p.default) for p in fake.values()] == [
        (p.name, p.kind, p.default) for p in real.values()
    ]


def test_the_fake_refuses_what_synth_refuses_and_records_what_it_is_given():
    fake = FakeSynthesizer()
    frame = pl.DataFrame({"age": [30, 41, 52] * 10, "plan": ["a", "b", "c"] * 10})
    with pytest.raises(TypeError):
        fake.fit(frame, epochs=3)  # not a parameter of synth.fit: a test could not pass it
    model = fake.fit(frame, seed=4, engine="cart", keep_rare=True)
    assert fake.fit_calls[-1]["keep_rare"] is True and fake.fit_calls[-1]["seed"] == 4
    drawn = fake.sample(model, 12, seed=1, conditions={"plan": "b"})
    assert drawn.height == 12 and set(drawn["plan"]) == {"b"}
