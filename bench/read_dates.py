"""Benchmark: reading 1M x 20 CSV rows with dates in the forms systems write.

Usage: .venv/bin/python bench/read_dates.py [--rows 1000000] [--naive]

Writes a table of four ISO 8601 columns with a zone (``2014-10-14T04:17:47Z``; ``--naive``
writes them without one, so an older reader can be compared), one US 12-hour column, one
dd.mm.yyyy column, six amounts, four codes and four name columns into a temporary folder, and
times :func:`synthpriv.io.load_table` on it (type inference included). Writes
bench/results/read_dates.json and prints the figure.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent


def table(rows: int, naive: bool) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    base = np.datetime64("2010-01-01T00:00:00")
    seconds = rng.integers(0, 400_000_000, rows).astype("timedelta64[s]")
    times = pl.Series((base + seconds).astype("datetime64[ms]"))
    iso = "%Y-%m-%d %H:%M:%S" if naive else "%Y-%m-%dT%H:%M:%SZ"
    cols = {
        f"when{k}": pl.Series(
            (base + seconds + np.timedelta64(k, "D")).astype("datetime64[ms]")
        ).dt.strftime(iso)
        for k in range(4)
    }
    cols["visit"] = times.dt.strftime("%m/%d/%Y %I:%M %p")
    cols["dob"] = times.dt.strftime("%d.%m.%Y")
    for k in range(6):
        cols[f"amount{k}"] = pl.Series(rng.normal(100, 30, rows).round(2))
    for k in range(4):
        cols[f"code{k}"] = pl.Series([f"C{x:05d}" for x in rng.integers(0, 50_000, rows)])
    names = ["Anna Smith", "John Brown", "Olga Novak", "Ivan Petrov", "Maria Garcia"]
    for k in range(4):
        cols[f"name{k}"] = pl.Series(names)[rng.integers(0, len(names), rows)]
    return pl.DataFrame(cols)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive", action="store_true")
    args = parser.parse_args()
    from synthpriv.io import load_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        table(args.rows, args.naive).write_csv(path)
        start = time.perf_counter()
        result = load_table(path)
        seconds = time.perf_counter() - start
    dates = [c for c in result.frame.columns if result.frame.schema[c].is_temporal()]
    out = {"rows": args.rows, "columns": 20, "zoned": not args.naive, "seconds": round(seconds, 2)}
    out["date_columns"] = len(dates)
    print(out)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "read_dates.json").write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
