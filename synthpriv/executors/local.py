"""The executor of a run on this machine: the table is one polars frame in memory."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv import synth
from synthpriv.clean import Leak, find_leaks
from synthpriv.config import RunConfig
from synthpriv.executors import Loaded, Split
from synthpriv.executors.rows import HIDDEN, HOLDOUT, ORDER, with_hashes
from synthpriv.io import load_table, write_table
from synthpriv.manifest import input_record
from synthpriv.metrics.privacy import exact_copies
from synthpriv.schema import TableSchema


class LocalExecutor:
    """Every stage in this process, on polars frames."""

    name = "local"
    every_row = True

    def refuse(self, config: RunConfig) -> None:
        """A local run runs every engine and check."""

    def read(self, path: str | Path, config: RunConfig) -> Loaded:
        """Read the file as :func:`synthpriv.io.load_table` reads it."""
        path = Path(path)
        loaded = load_table(path, encoding=config.encoding)
        source = input_record(path, loaded.frame, read=loaded.facts)
        return Loaded(loaded.frame, loaded.frame.columns, source)

    def split(self, loaded: Loaded, config: RunConfig, *, secret: bool) -> Split:
        """Split by row hashes; a private engine's split is by coins from the OS instead.

        The coins: each row goes to the holdout with probability ``holdout_share``, drawn from
        the operating system's randomness, so one row added to the input changes no other
        row's side and nobody can recompute the split.
        """
        frame = with_hashes(loaded.table, config.seed, config.holdout_share)
        if secret:
            rng = np.random.default_rng(secrets.randbits(128))
            frame = frame.with_columns(
                pl.Series(HOLDOUT, rng.random(frame.height) < config.holdout_share)
            )
        held = frame.get_column(HOLDOUT)
        train, holdout = frame.filter(~held), frame.filter(held)
        return Split(frame, train, holdout, train.height, holdout.height, {})

    def rows(self, table: pl.DataFrame, n: int, total: int) -> pl.DataFrame:
        """The ``n`` rows first in sampling order."""
        return table.sort(ORDER, maintain_order=True).head(n).drop(HIDDEN, strict=False)

    def map(
        self,
        table: pl.DataFrame,
        stage: Callable[[pl.DataFrame], Iterable[pl.DataFrame]],
        like: Any = None,
        *,
        keep: bool = False,
    ) -> pl.DataFrame:
        """``stage`` over the whole frame at once."""
        return pl.concat(list(stage(table)), how="vertical")

    def search(
        self,
        original: pl.DataFrame,
        target: pl.DataFrame,
        schema: TableSchema,
        kinds: dict[str, Any] | None = None,
        replaced_in_place: frozenset[str] = frozenset(),
    ) -> list[Leak]:
        """:func:`synthpriv.clean.find_leaks` (``original`` and ``target`` row for row)."""
        return find_leaks(
            original.drop(HIDDEN, strict=False),
            target.select(c for c in target.columns if not c.startswith("__synthpriv")),
            schema,
            replaced_in_place=replaced_in_place,
        )

    def copies(
        self,
        train: pl.DataFrame,
        holdout: pl.DataFrame,
        synthetic: pl.DataFrame,
        columns: list[str],
    ) -> dict[str, Any]:
        """:func:`synthpriv.metrics.privacy.exact_copies` on the compared columns."""
        return exact_copies(
            synthetic.select(columns), holdout.select(columns), train.select(columns)
        )

    def draw(self, backend: Any, model: Any, rows: int, seed: int) -> pl.DataFrame:
        """``backend.sample`` (:func:`synthpriv.synth.sample` unless a test passes a fake)."""
        return backend.sample(model, rows, seed=seed)

    def collect(self, table: pl.DataFrame, n: int) -> pl.DataFrame:
        """The first ``n`` rows."""
        return table.head(n)

    def write(
        self, synthetic: pl.DataFrame, rows: int, work: Path, config: RunConfig, model: Any
    ) -> pl.DataFrame:
        """``synthetic.csv`` in the input's form (dates as the input wrote them)."""
        write_table(
            synth.in_input_form(model, synthetic),
            work / "synthetic.csv",
            formulas=not config.protect_formulas,
        )
        return synthetic

    def describe(self) -> dict[str, Any]:
        """Nothing to add: a local run is the default."""
        return {}

    def versions(self) -> dict[str, str]:
        """The package versions the manifest lists already cover a local run."""
        return {}

    def manifest(self) -> dict[str, Any]:
        """Nothing to add."""
        return {}

    def release(self, *tables: Any) -> None:
        """Frames are freed when dropped."""
