"""Benchmark: synthesis engines on public tables, beside plain SDV, scored by SDMetrics.

Usage: .venv/bin/python bench/synthesis.py [--tables adult,bank_marketing,insurance]
       [--engines plain_sdv,gaussian_copula,ctgan,tvae,copulagan] [--epochs 10]
Each (table, engine) runs in its own process so that its peak RSS is its own. Every engine is
fitted on the whole table (SDMetrics compares with the same rows) with seed 0, through
synthpriv's fit (our metadata, marginals, orders and rare pooling), except ``plain_sdv``:
SDV's GaussianCopula with detected metadata and its defaults. CTGAN, TVAE and CopulaGAN run a
bounded number of epochs on this 2-core CPU. Then 1,000,000 rows are sampled from the Adult
model in chunks streamed to CSV, with peak RSS. Writes results/synthesis.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _common import SHARED_DATA, peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent


def one(table: str, engine: str, epochs: int) -> dict:
    warnings.simplefilter("ignore")
    os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
    from sdmetrics.reports.single_table import QualityReport
    from sdv.metadata import Metadata

    from synthpriv import synth
    from synthpriv.io import read_table

    frame = read_table(SHARED_DATA / f"{table}.csv")
    real = frame.to_pandas()
    start = time.perf_counter()
    if engine == "plain_sdv":
        from sdv.single_table import GaussianCopulaSynthesizer

        model = GaussianCopulaSynthesizer(Metadata.detect_from_dataframes({"t": real}))
        model.fit({"t": real})
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        synthetic = model.sample(len(real))
        synthetic = synthetic["t"] if isinstance(synthetic, dict) else synthetic
    else:
        params = {"epochs": epochs} if engine in ("ctgan", "tvae", "copulagan") else {}
        model = synth.fit(frame, seed=0, engine=engine, params=params)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        synthetic = synth.sample(model, frame.height, seed=0).to_pandas()
    sample_seconds = time.perf_counter() - start
    metadata = Metadata.detect_from_dataframes({"t": real}).to_dict()["tables"]["t"]
    report = QualityReport()
    report.generate(real, synthetic[real.columns], metadata, verbose=False)
    shapes, pairs = (round(float(x), 4) for x in report.get_properties()["Score"])
    return {
        "quality_score": round(report.get_score(), 4),
        "column_shapes": shapes,
        "column_pair_trends": pairs,
        "fit_seconds": round(fit_seconds, 1),
        "sample_seconds": round(sample_seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def million() -> dict:
    warnings.simplefilter("ignore")
    os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
    from synthpriv import synth
    from synthpriv.io import read_table, write_sample

    model = synth.fit(read_table(SHARED_DATA / "adult.csv"), seed=0)
    before = peak_rss_mb()
    out = Path(tempfile.mkdtemp()) / "million.csv"
    start = time.perf_counter()
    rows = write_sample(synth.sample_chunks(model, 1_000_000, seed=0), out)
    return {
        "rows": rows,
        "seconds": round(time.perf_counter() - start, 1),
        "peak_rss_mb_after_fit": before,
        "peak_rss_mb": peak_rss_mb(),
        "file_mb": round(out.stat().st_size / 1e6, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", default="adult,bank_marketing,insurance")
    parser.add_argument("--engines", default="plain_sdv,gaussian_copula,ctgan,tvae,copulagan")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--million", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one, args.epochs)))
        return 0
    if args.million:
        print(json.dumps(million()))
        return 0
    if not (SHARED_DATA / "adult.csv").exists():
        print(f"skipped: {SHARED_DATA} not found", file=sys.stderr)
        return 0
    # A run with fewer engines or tables updates their entries and keeps the others.
    previous = HERE / "results" / "synthesis.json"
    results: dict = json.loads(previous.read_text()) if previous.exists() else {}
    results.setdefault("tables", {})
    results["epochs_for_neural_engines"] = args.epochs
    for table in args.tables.split(","):
        results["tables"].setdefault(table, {})
        for engine in args.engines.split(","):
            command = [
                sys.executable,
                __file__,
                "--one",
                table,
                engine,
                "--epochs",
                str(args.epochs),
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            entry = (
                json.loads(done.stdout.strip().splitlines()[-1])
                if done.returncode == 0
                else {"error": done.stderr.strip().splitlines()[-1][:300]}
            )
            results["tables"][table][engine] = entry
            print(table, engine, entry, file=sys.stderr, flush=True)
    done = subprocess.run([sys.executable, __file__, "--million"], capture_output=True, text=True)
    results["sample_1m_rows_adult"] = (
        json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else done.stderr
    )
    write_results("synthesis", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
