"""The ``mst`` engine: differentially private MST, :mod:`synthpriv.dp`."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from synthpriv.engines.base import Engine, FitHints

if TYPE_CHECKING:
    import pandas as pd


class MstEngine(Engine):
    """MST under an (ε, δ) budget; conditions by rejection (post-processing, no budget).

    Once fitted, ``accounting_`` is the budget's account and ``rows_estimate_`` the number of
    rows as the noisy measurements tell it (the true count is private).
    """

    name = "mst"
    private = True
    wraps = "mst_"

    @classmethod
    def parameters(cls) -> list[str]:
        """``PrivateMST``'s keyword parameters (``epsilon`` and ``delta`` among them)."""
        from synthpriv.dp import PrivateMST

        return [p for p in inspect.signature(PrivateMST.__init__).parameters if p != "self"]

    def fit(self, data: pd.DataFrame, *, seed: int = 0, hints: FitHints | None = None) -> Engine:
        """Fit on every row of ``data``, typed by ``hints.types`` (the schema's public types)."""
        from synthpriv.dp import PrivateMST

        types = dict(hints.types) if hints is not None else {}
        self.mst_ = self.build(PrivateMST, **self.params).fit(data, seed=seed, types=types)
        return self

    @property
    def accounting_(self) -> dict[str, Any]:
        """The budget's account of the last fit."""
        return self.mst_.accounting

    @property
    def rows_estimate_(self) -> float:
        """The row count the noisy one-way marginals estimate."""
        return self.mst_.rows_estimate

    def sample(
        self, rows: int, seed: int, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``rows`` rows from the fitted tree of marginals."""
        return self.mst_.sample(rows, seed=seed)
