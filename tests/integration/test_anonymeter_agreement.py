"""Our singling-out, linkability and inference risks against Anonymeter's on the same data.

Anonymeter (Giomi et al., PoPETs 2023) is the reference implementation of the three Article 29
criteria. Its package pins numpy < 1.27 but runs on numpy 2 here, so the Makefile installs it
with --no-deps as a test-only dependency. Linkability and inference attack every row on both
sides (no sampling of targets), so only the implementations differ; singling out draws its
predicates at random on both sides, so the two risks agree within Anonymeter's interval.
"""

import numpy as np
import pandas as pd
import polars as pl
import pytest

from synthpriv.metrics.attacks import inference, linkability, singling_out
from synthpriv.metrics.neighbors import encode
from synthpriv.schema import Kind

anonymeter = pytest.importorskip("anonymeter", reason="anonymeter is a test dependency")
pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore")]

N = 1000
KINDS = {
    "age": Kind.NUMERICAL,
    "income": Kind.NUMERICAL,
    "zip": Kind.CATEGORICAL,
    "job": Kind.CATEGORICAL,
    "dx": Kind.CATEGORICAL,
}


@pytest.fixture(autouse=True)
def numba_pool_size(monkeypatch):
    """The pool size numba started with, in the environment numba reads again when it compiles.

    Earlier tests may have restored an environment without it (their monkeypatch); numba would
    then read the machine's core count, refuse to resize its running pool and fail the compile.
    """
    import numba

    monkeypatch.setenv("NUMBA_NUM_THREADS", str(numba.config.NUMBA_NUM_THREADS))


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(8)
    n = 3 * N
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.lognormal(10, 0.6, n), -1),
            "zip": rng.choice([f"z{z:03d}" for z in range(60)], n),
            "job": rng.choice(list("abcdefgh"), n),
            "dx": rng.choice(list("ABCDE"), n),
        }
    )
    train, control, fresh = (frame[i * N : (i + 1) * N].reset_index(drop=True) for i in range(3))
    # half copies of training rows, half unseen rows: a medium leak, far from 0 and from 1
    synthetic = pd.concat([train[: N // 2], fresh[: N // 2]]).reset_index(drop=True)
    return train, control, synthetic


def within(ours: float, theirs) -> bool:
    low, high = theirs.ci
    return low - 1e-9 <= ours <= high + 1e-9


def test_singling_out_agrees(tables):
    from anonymeter.evaluators import SinglingOutEvaluator

    train, control, synthetic = tables
    theirs = SinglingOutEvaluator(
        ori=train, syn=synthetic, control=control, n_attacks=300, seed=0
    ).evaluate(mode="multivariate")
    ours = singling_out(
        *(pl.from_pandas(t) for t in tables), mode="multivariate", seed=0, n_attacks=300
    )
    assert within(ours["risk"], theirs.risk()), (ours, theirs.risk())
    assert ours["risk"] > 0.1  # the leak is seen by both


def test_linkability_agrees(tables):
    from anonymeter.evaluators import LinkabilityEvaluator

    train, control, synthetic = tables
    aux = (["age", "zip", "dx"], ["income", "job"])
    np.random.seed(0)
    theirs = LinkabilityEvaluator(
        ori=train, syn=synthetic, control=control, n_attacks=None, aux_cols=aux
    ).evaluate(n_jobs=1)  # in process: loky workers would keep numba pools between tests
    enc = encode([pl.from_pandas(t) for t in tables], KINDS)
    ours = linkability(*enc, aux, KINDS, seed=0, n_attacks=N)
    assert within(ours["risk"], theirs.risk()), (ours, theirs.risk())
    assert ours["risk"] > 0.2


def test_inference_agrees(tables):
    from anonymeter.evaluators import InferenceEvaluator

    train, control, synthetic = tables
    aux = ["age", "income", "zip", "job"]
    np.random.seed(0)
    theirs = InferenceEvaluator(
        ori=train, syn=synthetic, control=control, aux_cols=aux, secret="dx", n_attacks=N
    ).evaluate(n_jobs=1)  # in process: loky workers would keep numba pools between tests
    frames = [pl.from_pandas(t) for t in tables]
    enc = encode(frames, KINDS)
    secret = [(e, f.get_column("dx")) for e, f in zip(enc, frames, strict=True)]
    ours = inference(*secret, aux, KINDS, Kind.CATEGORICAL, seed=0, n_attacks=N)
    assert within(ours["risk"], theirs.risk()), (ours, theirs.risk())
    assert ours["risk"] > 0.2
