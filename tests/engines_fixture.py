"""A tiny engine, to show that a new engine is one file and one ``register`` line.

It learns each column's values and draws every column independently (a column-wise bootstrap):
no privacy, only the interface. Tests register it and remove it again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthpriv.engines import Engine, FitHints


class BootstrapEngine(Engine):
    """Each column drawn with replacement from its own training values."""

    name = "bootstrap"

    @classmethod
    def parameters(cls) -> list[str]:
        """One parameter: draw the first ``head`` values of each column only (0: all)."""
        return ["head"]

    def fit(self, data: pd.DataFrame, *, seed: int = 0, hints: FitHints | None = None) -> Engine:
        """Keep each column's values."""
        head = int(self.params.get("head", 0)) or len(data)
        self.values_ = {name: data[name].to_numpy()[:head] for name in data.columns}
        return self

    def sample(
        self, rows: int, seed: int, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``rows`` values per column, independently."""
        rng = np.random.default_rng(seed)
        return pd.DataFrame(
            {
                name: values[rng.integers(0, len(values), rows)]
                for name, values in self.values_.items()
            }
        )
