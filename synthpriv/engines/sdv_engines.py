"""SDV's synthesizers as engines: ``gaussian_copula``, ``ctgan``, ``tvae`` and ``copulagan``.

The one module that imports SDV (and RDT and torch under it). Metadata comes from synthpriv's
own column kinds, never from SDV's detection (which types a name column as categorical and
would replay real names). The copula engines get the plan's chosen marginals and its ordered
columns (SDV's OrderedUniformEncoder), see :mod:`synthpriv.synthesis_plan`.
"""

from __future__ import annotations

import contextlib
import inspect
import random
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from synthpriv.engines.base import Engine, FitHints, engine_errors
from synthpriv.errors import ModelError
from synthpriv.schema import Kind

if TYPE_CHECKING:
    import pandas as pd

_SDTYPES = {
    Kind.NUMERICAL: "numerical",
    Kind.CATEGORICAL: "categorical",
    Kind.BOOLEAN: "boolean",
    Kind.DATETIME: "datetime",
}


def sdv_metadata(kinds: dict[str, Kind]) -> dict[str, Any]:
    """Return an SDV metadata dictionary for the modelled columns (``kinds`` already filtered)."""
    columns = {name: {"sdtype": _SDTYPES[kind]} for name, kind in kinds.items()}
    return {"METADATA_SPEC_VERSION": "V1", "tables": {"table": {"columns": columns}}}


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed the global generators SDV and torch draw from, and give them back as they were.

    SDV's engines draw from Python's, numpy's and torch's global generators; a library must not
    leave them changed for its caller (a notebook's own ``np.random`` draws would repeat).
    """
    import torch

    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])


class SdvEngine(Engine):
    """One SDV single-table synthesizer, the class ``sdv_class`` of ``sdv.single_table``."""

    sdv_class: ClassVar[str]
    supports_conditions = True
    wraps = "synthesizer_"

    @classmethod
    def synthesizer_class(cls) -> Any:
        """The SDV class (imported on first use: SDV takes seconds to import)."""
        import sdv.single_table

        return getattr(sdv.single_table, cls.sdv_class)

    @classmethod
    def parameters(cls) -> list[str]:
        """SDV's keyword parameters, minus metadata and GPU."""
        signature = inspect.signature(cls.synthesizer_class().__init__)
        return [p for p in signature.parameters if p not in ("self", "metadata", "enable_gpu")]

    def arguments(self, plan: Any) -> dict[str, Any]:
        """The SDV synthesizer's keyword arguments: the parameters as given."""
        return dict(self.params)

    def fit(self, data: pd.DataFrame, *, seed: int = 0, hints: FitHints | None = None) -> Engine:
        """Fit a new SDV synthesizer on ``data`` with metadata from the hints' kinds."""
        from sdv.metadata import Metadata

        hints = hints or FitHints()
        plan = hints.plan
        metadata = Metadata.load_from_dict(sdv_metadata(hints.kinds_of(data)))
        synthesizer = self.build(self.synthesizer_class(), metadata, **self.arguments(plan))
        ordered = plan.ordered if plan is not None else {}
        with warnings.catch_warnings(), engine_errors(self.name, "fitting"), seeded(seed):
            warnings.simplefilter("ignore")
            if ordered:
                from rdt.transformers import OrderedUniformEncoder

                synthesizer.auto_assign_transformers({"table": data})
                synthesizer.update_transformers(
                    {
                        name: OrderedUniformEncoder(
                            order=order + ([None] if data[name].isna().any() else [])
                        )
                        for name, order in ordered.items()
                    }
                )
            synthesizer.fit({"table": data})
        self.synthesizer_ = synthesizer
        return self

    def sample(
        self, rows: int, seed: int, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``rows`` rows from SDV's sampler, seeded through SDV's own hook."""
        synthesizer = self.synthesizer_
        synthesizer.reset_sampling()
        with seeded(seed):
            synthesizer._set_random_state(
                seed
            )  # SDV's own hook; public API only offers a fixed seed
            return _sdv_sample(synthesizer, rows, conditions or {})


class CopulaEngine(SdvEngine):
    """An SDV engine over a Gaussian copula: the plan's marginals and orders are used."""

    copula = True

    def arguments(self, plan: Any) -> dict[str, Any]:
        """The parameters, with the plan's marginals unless the parameters name one."""
        arguments = dict(self.params)
        marginals = plan.marginals if plan is not None else {}
        binned = plan.binned if plan is not None else {}
        ordered = plan.ordered if plan is not None else {}
        chosen = {n: m["distribution"] for n, m in marginals.items() if n not in binned}
        uniform = {n: "uniform" for n in ordered}
        arguments["numerical_distributions"] = (
            uniform | chosen | dict(self.params.get("numerical_distributions") or {})
        )
        arguments.setdefault("default_distribution", "norm")
        return arguments


class GaussianCopulaEngine(CopulaEngine):
    """SDV's GaussianCopula with synthpriv's marginals and orders."""

    name = "gaussian_copula"
    sdv_class = "GaussianCopulaSynthesizer"


class CopulaGanEngine(CopulaEngine):
    """SDV's CopulaGAN: a CTGAN on copula-transformed columns."""

    name = "copulagan"
    sdv_class = "CopulaGANSynthesizer"


class CtganEngine(SdvEngine):
    """SDV's CTGAN (a conditional GAN)."""

    name = "ctgan"
    sdv_class = "CTGANSynthesizer"


class TvaeEngine(SdvEngine):
    """SDV's TVAE (a variational autoencoder); SDV cannot condition it, synthpriv rejects."""

    name = "tvae"
    sdv_class = "TVAESynthesizer"
    supports_conditions = False


def _sdv_sample(synthesizer: Any, rows: int, conditions: dict[str, Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if conditions:
            from sdv.sampling import Condition

            try:
                sampled = synthesizer.sample_from_conditions(
                    [Condition(num_rows=rows, column_values=conditions)]
                )
            except Exception as exc:  # SDV raises several types for impossible conditions
                raise ModelError(
                    f"conditional sampling failed ({type(exc).__name__}); the condition may "
                    "name a value the model never saw"
                ) from None
        else:
            with engine_errors("SDV", "sampling"):
                sampled = synthesizer.sample(rows)
    return next(iter(sampled.values())) if isinstance(sampled, dict) else sampled
