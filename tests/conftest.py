"""Shared fixtures: isolated model keys and config dirs, small tables, the model-free analyzers."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from synthpriv.pii.engine import build_analyzers

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
SHARED_DATA = ROOT.parent / "shared" / "data"
MODEL_KEY = "test-model-key-0123456789"

# Set before any fixture, module- and session-scoped ones included (they run before the
# function-scoped autouse fixture below): one model key, and no PDF printing unless a test of
# report.pdf asks for it (it sets SYNTHPRIV_CHROMIUM to the browser).
os.environ["SYNTHPRIV_MODEL_KEY"] = MODEL_KEY
os.environ["SYNTHPRIV_CHROMIUM"] = ""


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """Never touch the user's key file or config; every test gets the same model key."""
    monkeypatch.setenv("SYNTHPRIV_MODEL_KEY", MODEL_KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    # The CLI sizes thread pools through environment variables, once per process; in this one
    # process numba and OpenMP have already started, so the tests leave the pools alone.
    monkeypatch.setenv("SYNTHPRIV_THREADS", "off")


@pytest.fixture(scope="session")
def analyzers():
    """Presidio engines without an NLP model (the default path on a machine with no model)."""
    return build_analyzers("none")


@pytest.fixture(scope="session")
def healthcare() -> pl.DataFrame:
    from synthpriv.io import read_table

    return read_table(SAMPLE / "healthcare.csv")


@pytest.fixture(scope="session")
def finance() -> pl.DataFrame:
    from synthpriv.io import read_table

    return read_table(SAMPLE / "finance.csv")
