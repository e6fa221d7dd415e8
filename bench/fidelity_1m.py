"""Benchmark: every fidelity metric on a 1,000,000 x 20 table pair, time and peak memory.

Usage: .venv/bin/python bench/fidelity_1m.py [--rows N]
Generates the tables in memory (10 numeric columns, correlated, 5% missing in three; 10
categorical columns of 2 to 5,000 levels), takes the "synthetic" table as a second draw of the
same generator, and runs the report's fidelity section with a 200,000-row holdout. Rows above
250,000 are sampled with the seed, which the report states. Writes results/fidelity_1m.json.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from _common import peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent


def make_table(rows: int, seed: int):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    base = rng.normal(size=rows)
    columns = {}
    for j in range(10):
        values = base * (j / 10) + rng.normal(size=rows) * (1 - j / 10) + j
        if j < 3:
            values[rng.random(rows) < 0.05] = np.nan
        columns[f"n{j}"] = np.round(values, 3)
    for j, levels in enumerate([2, 3, 5, 8, 12, 20, 50, 200, 1000, 5000]):
        codes = np.clip((base * levels / 4 + rng.normal(size=rows) * levels / 3), 0, None)
        codes = codes.astype(np.int64) % levels
        columns[f"c{j}"] = np.char.add("v", codes.astype(str))
    return pl.DataFrame(columns).with_columns(pl.col(f"n{j}").fill_nan(None) for j in range(3))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from synthpriv.report.builder import _fidelity
    from synthpriv.schema import Kind

    start = time.perf_counter()
    train, synthetic = make_table(args.rows, 0), make_table(args.rows, 1)
    holdout = make_table(200_000, 2)
    made = time.perf_counter() - start
    rss_data = peak_rss_mb()
    kinds = {c: Kind.NUMERICAL if c.startswith("n") else Kind.CATEGORICAL for c in train.columns}
    start = time.perf_counter()
    result = _fidelity(train, synthetic, holdout, kinds, 0)
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    out = {
        "rows": args.rows,
        "columns": len(kinds),
        "table_generation_seconds": round(made, 1),
        "fidelity_seconds": round(seconds, 1),
        "rows_compared": result.rows_compared.to_dict(),
        "rows_sampled": result.rows_sampled,
        "pairs_scored": result.column_pair_trends["pairs_scored"],
        "score": result.score,
        "baseline_score": result.baseline_score,
        "peak_rss_mb_after_tables": round(rss_data, 1),
        "peak_rss_mb": round(rss, 1),
    }
    write_results("fidelity_1m", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
