"""Which real rows are exposed: rare values, counted as the module's rule says, in slices."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from synthpriv.metrics import exposure
from synthpriv.metrics.linkage import agreement
from synthpriv.schema import Kind


@pytest.mark.parametrize("rows", [None, 7])  # counted whole, or 7 rows at a time
def test_rare_value_holders_are_the_rows_whose_value_few_rows_share(monkeypatch, rows):
    if rows:
        monkeypatch.setattr(exposure, "RARE_ROWS", rows)
    rng = np.random.default_rng(4)
    n = 120
    real = pl.DataFrame(
        {
            "amount": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 60, n) * 10.0),
            "ward": rng.choice(
                ["a", "b", "c", "rare1", "rare2", None],
                n,
                p=[0.4] * 2 + [0.1] + [0.02] * 2 + [0.06],
            ),
        }
    ).with_columns(pl.col("amount").fill_nan(None))
    rule = agreement([real], {"amount": Kind.NUMERICAL, "ward": Kind.CATEGORICAL})
    found = exposure.rare_value_holders(real, rule)
    # by the rule's words: a value fewer than RARE_BELOW real rows share (numbers: within the
    # tolerance), a missing value never rare
    amount = real.get_column("amount").to_numpy().astype(float)
    tol = rule.tolerance["amount"]
    near = np.array([np.sum(np.abs(amount - a) <= tol) for a in amount])
    by_amount = ~np.isnan(amount) & (near < exposure.RARE_BELOW)
    ward = real.get_column("ward").to_list()
    by_ward = np.array([w is not None and ward.count(w) < exposure.RARE_BELOW for w in ward])
    assert found.tolist() == (by_amount | by_ward).tolist()
    assert by_ward.any() and (by_amount & ~by_ward).any()
