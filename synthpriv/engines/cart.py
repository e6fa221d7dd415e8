"""The ``cart`` engine (the default): synthpop-style sequential trees (synthpriv.sequential)."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from synthpriv.engines.base import Engine, FitHints

if TYPE_CHECKING:
    import pandas as pd


class CartEngine(Engine):
    """Each column drawn from a CART tree on the columns before it; conditions by rejection."""

    name = "cart"
    wraps = "trees_"

    @classmethod
    def parameters(cls) -> list[str]:
        """``SequentialTrees``' keyword parameters."""
        from synthpriv.sequential import SequentialTrees

        return [p for p in inspect.signature(SequentialTrees.__init__).parameters if p != "self"]

    def fit(self, data: pd.DataFrame, *, seed: int = 0, hints: FitHints | None = None) -> Engine:
        """Fit new trees on ``data`` (``hints`` are not needed: the trees read the dtypes)."""
        from synthpriv.sequential import SequentialTrees

        self.trees_ = self.build(SequentialTrees, **self.params).fit(data, seed=seed)
        return self

    def sample(
        self, rows: int, seed: int, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``rows`` rows column by column."""
        return self.trees_.sample(rows, seed=seed)
