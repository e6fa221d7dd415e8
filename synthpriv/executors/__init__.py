"""Where a run's row-wise work happens: on this machine or on Spark, behind one protocol.

The orchestrator (:func:`synthpriv.pipeline.run`) chains the stages once; an executor holds the
table and does what touches every row:

=================  ===============================================================================
``read``           the input, typed as :func:`synthpriv.io.read.plan_types` decides, and its record
``split``          training and holdout rows by :func:`~synthpriv.executors.rows.with_hashes`
``rows``           the ``n`` rows with the smallest sampling order, as polars on the driver
``map``            a polars stage over every row (a Spark executor runs it in partitions)
``search``         :func:`synthpriv.clean.find_leaks`' rules over every row
``copies``         exact copies of training rows among synthetic and holdout rows, every row
``draw``           synthetic rows, chunk ``i`` with a seed spawned from the run's
``write``          the synthetic table, in the input's form
=================  ===============================================================================

Both executors hash rows with the same function and draw the same chunks, so one seed gives the
same split, the same samples and the same synthetic rows on either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from synthpriv.clean import Leak
from synthpriv.config import RunConfig
from synthpriv.schema import TableSchema

Table = Any  # a polars DataFrame on this machine, a Spark DataFrame on Spark


@dataclass(frozen=True)
class Loaded:
    """The input as an executor holds it, and its record for the manifest and report."""

    table: Table
    columns: list[str]
    source: dict[str, Any]


@dataclass(frozen=True)
class Split:
    """Training and holdout rows (with their hash columns) and their counts."""

    whole: Table
    train: Table
    holdout: Table
    n_train: int
    n_holdout: int
    facts: dict[str, Any]


class Executor(Protocol):
    """What the orchestrator asks of the place rows live."""

    name: str
    every_row: bool  # the report's frames are every row (True) or seeded samples (False)

    def refuse(self, config: RunConfig) -> None:
        """Raise ConfigError for what this executor cannot run, before anything starts."""

    def read(self, path: str | Path, config: RunConfig) -> Loaded:
        """Read the input."""

    def split(self, loaded: Loaded, config: RunConfig, *, secret: bool) -> Split:
        """Split into training and holdout rows (``secret``: by coins nobody can recompute)."""

    def rows(self, table: Table, n: int, total: int) -> pl.DataFrame:
        """The ``n`` rows of ``table`` (of ``total``) first in sampling order, in that order."""

    def map(
        self,
        table: Table,
        stage: Callable[[pl.DataFrame], Iterable[pl.DataFrame]],
        like: pl.DataFrame,
        *,
        keep: bool = False,
    ) -> Table:
        """``stage`` over every row; its frames have ``like``'s columns and types.

        ``keep``: the result is used more than once (a Spark executor keeps it on disk).
        """

    def search(
        self,
        original: Table,
        target: Table,
        schema: TableSchema,
        kinds: dict[str, Any],
        replaced_in_place: frozenset[str] = frozenset(),
    ) -> list[Leak]:
        """Where a direct identifier's value of ``original`` appears in ``target``."""

    def copies(
        self, train: Table, holdout: Table, synthetic: Table, columns: list[str]
    ) -> dict[str, Any]:
        """Exact copies of a training row among synthetic and holdout rows, over every row."""

    def draw(self, backend: Any, model: Any, rows: int, seed: int) -> Table:
        """``rows`` synthetic rows: ``synth.sample(model, rows, seed=seed)``'s rows."""

    def collect(self, table: Table, n: int) -> pl.DataFrame:
        """The first ``n`` rows of ``table`` on the driver."""

    def write(
        self, synthetic: Table, rows: int, work: Path, config: RunConfig, model: Any
    ) -> Table:
        """Write the synthetic rows into ``work``; return them as written."""

    def describe(self) -> dict[str, Any]:
        """The report's ``scale_out`` section: where the run ran (empty on this machine)."""

    def versions(self) -> dict[str, str]:
        """Versions of what the executor ran on, for the report's provenance."""

    def manifest(self) -> dict[str, Any]:
        """What the manifest records of the executor."""

    def release(self, *tables: Table) -> None:
        """Drop what was kept of ``tables`` (cached partitions)."""


@contextmanager
def executor_for(config: RunConfig) -> Iterator[Executor]:
    """The executor the config asks for: Spark when ``spark_master`` is set, else this machine."""
    if config.spark_master:
        from synthpriv.executors.spark import SparkExecutor, session

        with session(config.spark_master, config.spark_conf) as spark:
            yield SparkExecutor(spark)
        return
    from synthpriv.executors.local import LocalExecutor

    yield LocalExecutor()
