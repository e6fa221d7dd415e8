"""Our fidelity metrics against SDMetrics' own implementations on the same small tables."""

import numpy as np
import pandas as pd
import polars as pl
import pytest

from synthpriv.metrics.fidelity import (
    contingency_similarity,
    correlation_similarity,
    ks_complement,
    tv_complement,
)
from synthpriv.schema import Kind

sdmetrics = pytest.importorskip("sdmetrics", reason="sdmetrics is a dev dependency")
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(4)
    n = 600

    def make(shift: float) -> pd.DataFrame:
        age = rng.integers(18, 90, n)
        return pd.DataFrame(
            {
                "age": age,
                "income": 20000 + 700 * age + rng.normal(shift * 5000, 8000, n),
                "sex": rng.choice(["F", "M"], n, p=[0.5 + shift / 10, 0.5 - shift / 10]),
                "job": rng.choice(list("abcde"), n),
            }
        )

    return make(0.0), make(1.0)


def test_ks_and_tv_complements_agree(tables):
    from sdmetrics.single_column import KSComplement, TVComplement

    real, synth = tables
    for column in ("age", "income"):
        ours = ks_complement(pl.Series(real[column]), pl.Series(synth[column]))
        assert ours == pytest.approx(KSComplement.compute(real[column], synth[column]), abs=0.01)
    for column in ("sex", "job"):
        ours = tv_complement(pl.Series(real[column]), pl.Series(synth[column]))
        assert ours == pytest.approx(TVComplement.compute(real[column], synth[column]), abs=0.01)


def test_pair_metrics_agree(tables):
    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity

    real, synth = tables
    r, s = pl.from_pandas(real), pl.from_pandas(synth)
    ours = correlation_similarity(r, s, "age", "income")
    theirs = CorrelationSimilarity.compute(
        real[["age", "income"]], synth[["age", "income"]], coefficient="Pearson"
    )
    assert ours == pytest.approx(theirs, abs=0.01)
    kinds = {"sex": Kind.CATEGORICAL, "job": Kind.CATEGORICAL}
    ours = contingency_similarity(r, s, "sex", "job", kinds)
    theirs = ContingencySimilarity.compute(real[["sex", "job"]], synth[["sex", "job"]])
    assert ours == pytest.approx(theirs, abs=0.01)


def test_contingency_with_binned_numbers_agrees(tables):
    from sdmetrics.column_pairs import ContingencySimilarity

    real, synth = tables
    kinds = {"age": Kind.NUMERICAL, "sex": Kind.CATEGORICAL}
    ours = contingency_similarity(pl.from_pandas(real), pl.from_pandas(synth), "age", "sex", kinds)
    theirs = ContingencySimilarity.compute(
        real[["age", "sex"]],
        synth[["age", "sex"]],
        continuous_column_names=["age"],
        num_discrete_bins=10,
    )
    assert ours == pytest.approx(theirs, abs=0.01)
