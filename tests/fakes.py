"""Small fakes for collaborators, so tests about something else stay fast."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv import synth


@dataclass
class FakeModel:
    """What :class:`FakeSynthesizer` 'learns': each modelled column's values, shuffled."""

    columns: list[str]
    values: dict[str, pl.Series]
    seed: int
    excluded: dict[str, str] = field(default_factory=dict)
    engine: str = "fake"
    constraints: list[dict[str, Any]] = field(default_factory=list)

    @property
    def training_rows(self) -> int:
        return len(next(iter(self.values.values()), []))

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "params": {},
            "seed": self.seed,
            "columns": self.columns,
            "kinds": {},
            "excluded": self.excluded,
            "training_rows": len(next(iter(self.values.values()), [])),
            "constraints": [],
            "preparation": {},
        }


class FakeSynthesizer:
    """Draws each column independently from the training values: no SDV, milliseconds.

    It keeps the real module's safety check (``plan_columns`` refuses direct identifiers), so
    pipeline behaviour around it is the real one.
    """

    def __init__(self) -> None:
        self.fitted: list[FakeModel] = []
        self.fit_calls: list[dict[str, Any]] = []
        self.sample_calls: list[dict[str, Any]] = []

    def fit(
        self,
        frame: pl.DataFrame,
        *,
        schema=None,
        seed: int = 0,
        engine: str = synth.DEFAULT_ENGINE,
        params: dict[str, Any] | None = None,
        constraints: list[dict[str, Any]] | None = None,
        keep_rare: bool = False,
        fit_rows: int | None = synth.FIT_ROWS,
        rows_from: str | None = None,
        sampled_from_rows: int | None = None,
    ) -> FakeModel:
        """synth.fit's parameters, each recorded (a test of the signature keeps them in step)."""
        self.fit_calls.append(
            {
                "engine": engine,
                "params": params,
                "constraints": constraints,
                "keep_rare": keep_rare,
                "fit_rows": fit_rows,
                "rows_from": rows_from,
                "sampled_from_rows": sampled_from_rows,
                "seed": seed,
            }
        )
        modelled, excluded = synth.plan_columns(frame, schema)
        model = FakeModel(
            columns=list(modelled),
            values={name: frame.get_column(name) for name in modelled},
            seed=seed,
            excluded=excluded,
        )
        self.fitted.append(model)
        return model

    def sample(
        self,
        model: FakeModel,
        rows: int,
        *,
        seed: int | None = None,
        conditions: dict[str, Any] | None = None,
    ):
        """synth.sample's parameters; conditions are met by setting the column (a fake)."""
        self.sample_calls.append({"rows": rows, "seed": seed, "conditions": conditions})
        rng = np.random.default_rng(model.seed if seed is None else seed)
        drawn = pl.DataFrame([_draw(model.values[name], rows, rng) for name in model.columns])
        return drawn.with_columns(
            pl.lit(value).cast(drawn.schema[name]).alias(name)
            for name, value in (conditions or {}).items()
        )

    def save_model(self, model: FakeModel, path: str | Path) -> dict[str, Any]:
        Path(path).write_text(json.dumps(model.describe()))
        return {"model": model.describe()}


def _draw(values: pl.Series, rows: int, rng: np.random.Generator) -> pl.Series:
    """Draw ``rows`` values like ``values`` without replaying what one person holds.

    Categories seen fewer than three times are not drawn, numbers get noise of an eighth of their
    spread: a fake that replayed rare values would single real people out, and the privacy
    gates (rightly) fail it, which is not what the tests using it are about.
    """
    if values.dtype == pl.String:
        counts = values.drop_nulls().value_counts(name="n_")
        common = counts.filter(pl.col("n_") >= 3).get_column(values.name)
        pool = common if common.len() else values
        return pool[rng.integers(0, len(pool), rows)].alias(values.name)
    drawn = values[rng.integers(0, len(values), rows)]
    if values.dtype.is_numeric() and values.dtype != pl.Boolean and values.drop_nulls().len() > 1:
        spread = float(values.drop_nulls().cast(pl.Float64).std() or 0.0)
        noisy = drawn.cast(pl.Float64) + rng.normal(0.0, spread / 8, rows)
        if values.dtype.is_integer():
            noisy = noisy.round(0)
        return noisy.cast(values.dtype, strict=False).alias(values.name)
    return drawn
