"""The interface every synthesis engine implements, and what synthpriv tells an engine at fit.

An engine is a small class whose class attributes say what it is (``name``, ``private``,
``supports_conditions``, ``copula``) and whose two methods learn and draw, in the manner of a
scikit-learn estimator: parameters are given to ``__init__`` and kept as they are; ``fit``
replaces every fitted attribute (they end in ``_``) and returns ``self``, so fitting twice on
different tables leaves nothing of the first; ``sample`` is seeded, the same seed giving the
same rows. Engines see pandas frames: the boundary where synthpriv's polars tables meet SDV.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from synthpriv.errors import ConfigError, EngineError, SynthprivError
from synthpriv.schema import Kind

if TYPE_CHECKING:
    import pandas as pd

    from synthpriv.synthesis_plan import Plan


@dataclass(frozen=True)
class FitHints:
    """What synthpriv knows about the table given to :meth:`Engine.fit`, beyond its values.

    Attributes:
        kinds: synthpriv's kind of each column (empty: read off the pandas dtypes).
        types: A private engine's public column types, from the schema (see ``synth``).
        plan: The preparation the rows went through (orders, marginals, bins), if any.
    """

    kinds: dict[str, Kind] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    plan: Plan | None = None

    def kinds_of(self, data: pd.DataFrame) -> dict[str, Kind]:
        """The kinds given, or each column's kind read off its pandas dtype."""
        import pandas as pd

        if self.kinds:
            return {name: self.kinds[name] for name in data.columns}
        out = {}
        for name in data.columns:
            dtype = data[name].dtype
            if pd.api.types.is_bool_dtype(dtype):
                out[name] = Kind.BOOLEAN
            elif pd.api.types.is_datetime64_any_dtype(dtype):
                out[name] = Kind.DATETIME
            elif pd.api.types.is_numeric_dtype(dtype):
                out[name] = Kind.NUMERICAL
            else:
                out[name] = Kind.CATEGORICAL
        return out


class Engine(ABC):
    """A synthesizer synthpriv can fit, sample and store (see the module doc).

    Class attributes:
        name: The engine's name in configs, on the command line and in model files.
        private: Differentially private: needs ``epsilon`` and ``delta`` among its parameters,
            fits on every row and takes its column types from the schema.
        supports_conditions: ``sample`` honours ``conditions`` itself; for other engines
            synthpriv draws more rows and keeps those that match.
        copula: The rows are prepared for a copula (ordered categories, fitted marginals).
        wraps: For an engine around another estimator, the attribute holding it once fitted
            (model files of format 3 stored that estimator alone; see :meth:`from_fitted`).
    """

    name: ClassVar[str]
    private: ClassVar[bool] = False
    supports_conditions: ClassVar[bool] = False
    copula: ClassVar[bool] = False
    wraps: ClassVar[str | None] = None

    def __init__(self, **params: Any) -> None:
        self.check_params(params)
        self.params = dict(params)

    @classmethod
    @abstractmethod
    def parameters(cls) -> list[str]:
        """The keyword parameters a user may set for this engine."""

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> None:
        """Raise a one-line ConfigError naming an unknown parameter and the valid ones."""
        valid = cls.parameters()
        unknown = sorted(set(params) - set(valid))
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {', '.join(unknown)} for engine {cls.name!r}; "
                f"valid: {', '.join(valid)}"
            )

    @abstractmethod
    def fit(self, data: pd.DataFrame, *, seed: int = 0, hints: FitHints | None = None) -> Engine:
        """Learn ``data``, replacing everything a previous fit learned; return ``self``.

        Raises:
            ConfigError: a parameter has a value the engine refuses.
        """

    @abstractmethod
    def sample(
        self, rows: int, seed: int, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``rows`` rows with the fitted columns; the same seed gives the same rows.

        ``conditions`` (column -> value) is given only to an engine that
        ``supports_conditions``.
        """

    def build(self, factory: Callable[..., Any], *args: Any, **params: Any) -> Any:
        """Call ``factory`` with the parameters; a value it refuses becomes a ConfigError."""
        try:
            return factory(*args, **params)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"invalid parameter for engine {self.name!r}: {exc}") from None

    @classmethod
    def from_fitted(cls, fitted: Any, params: dict[str, Any]) -> Engine:
        """This engine around an estimator fitted by an earlier synthpriv (model format 3)."""
        if cls.wraps is None:
            raise TypeError(f"engine {cls.name!r} wraps no estimator")
        engine = cls.__new__(cls)
        engine.params = dict(params)
        setattr(engine, cls.wraps, fitted)
        return engine


@contextlib.contextmanager
def engine_errors(engine: str, stage: str) -> Iterator[None]:
    """Turn an engine's own exception into an :class:`EngineError` without its message.

    SDV, RDT and the models under them put cell values into their messages (an unknown category,
    a value out of range); those must not reach a log or a terminal.
    """
    try:
        yield
    except (SynthprivError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - every engine failure becomes ours
        raise EngineError(
            f"the {engine} engine failed while {stage} ({type(exc).__name__}); its message is "
            "withheld because it may quote input values (-v shows where it failed)"
        ) from exc
