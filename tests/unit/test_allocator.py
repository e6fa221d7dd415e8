"""Importing synthpriv makes polars' allocator give freed pages back at once."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads RssAnon from /proc (Linux only)"
)

# 800 columns of 1 MB made by polars (its allocator: numpy's would be glibc's), then freed;
# prints the heap (RssAnon, MB) with them and right after they are gone
_PROBE = """
import os, sys
os.environ.pop("_RJEM_MALLOC_CONF", None)
if sys.argv[1] == "synthpriv":
    import synthpriv  # noqa: F401
import polars as pl

def heap():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) // 1024 for l in status if l.startswith("RssAnon"))

chunks = [pl.int_range(0, 125_000, eager=True) * i for i in range(800)]
held = heap()
del chunks
print(held, heap())
"""


def _heap(first_import: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, first_import],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    held, freed = out.stdout.split()
    return int(held), int(freed)


def test_pages_polars_frees_are_given_back_at_once_after_importing_synthpriv():
    held, freed = _heap("synthpriv")
    assert held > 600
    assert freed < held - 600


def test_without_it_polars_keeps_the_pages_it_freed():
    # the case the setting is for: were polars' default to change, the first test would
    # pass without synthpriv's setting, and this one says so
    held, freed = _heap("polars")
    assert held > 600
    assert freed > held - 100
