"""Benchmark: `scan` wall time and peak memory on 100k, 1M and 5M rows x 20 columns.

Usage: .venv/bin/python bench/scan_speed.py [--sizes 100000,1000000,5000000]
Rows are drawn with replacement from 20,000 generated rows (scan_accuracy's mimesis columns:
names, e-mails, phones, addresses, cards, coordinates, dates, amounts...), so each column keeps up
to 20,000 distinct values. Each size runs in its own process (fresh peak
RSS). presidio-structured's PandasAnalysisBuilder runs on the 100k table in the same way, once on
a 1,000-row sample (its `n`) and once on all rows when --structured-full is given. Writes
bench/results/scan_speed.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def table(rows: int) -> pl.DataFrame:
    from scan_accuracy import make_table

    from synthpriv.io import infer_types

    pool, _ = make_table(20_000, "en", "snake", seed=7)
    pool = infer_types(pool.select(pool.columns[1:21]).with_columns(pl.all().cast(pl.String)))
    index = np.random.default_rng(0).integers(0, pool.height, rows)
    return pool[index]


def one(rows: int, tool: str, sample: int | None) -> dict:
    warnings.simplefilter("ignore")
    frame = table(rows)
    start = time.perf_counter()
    if tool == "synthpriv":
        from synthpriv.pii.detector import ColumnDetector, DetectorSettings

        ColumnDetector(DetectorSettings(nlp_model="none")).detect(frame)
    else:
        from scan_realtables import structured_engine, structured_predict

        structured_predict(frame, structured_engine(), sample or rows)
    seconds = time.perf_counter() - start
    return {
        "tool": tool,
        "rows": rows,
        "columns": frame.width,
        "sample": sample,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--structured-full", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("ROWS", "TOOL", "SAMPLE"))
    args = parser.parse_args()
    if args.one:
        rows, tool, sample = args.one
        print(json.dumps(one(int(rows), tool, int(sample) or None)))
        return 0
    runs = [(int(n), "synthpriv", 0) for n in args.sizes.split(",")]
    runs.append((100_000, "presidio_structured", 1000))
    if args.structured_full:
        runs.append((100_000, "presidio_structured", 0))
    results = []
    for rows, tool, sample in runs:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(rows), tool, str(sample)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    ours = next(r for r in results if r["tool"] == "synthpriv" and r["rows"] == 100_000)
    theirs = [r for r in results if r["tool"] == "presidio_structured"]
    summary = {
        "runs": results,
        "ratio_presidio_structured_over_synthpriv_100k": {
            f"sample_{r['sample'] or 'all'}": round(r["seconds"] / ours["seconds"], 1)
            for r in theirs
        },
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scan_speed.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary["ratio_presidio_structured_over_synthpriv_100k"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
