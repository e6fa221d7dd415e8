"""Benchmark: `synthpriv run` on UCI Adult, beside plain SDV and SDMetrics in the same process.

Usage: .venv/bin/python bench/run_adult.py [--rows N]
Needs ../shared/data/adult.csv. Writes bench/results/adult.json and prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from _common import peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "adult.csv"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None, help="use the first N rows only")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: {DATA} not found", file=sys.stderr)
        return 0
    os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
    warnings.simplefilter("ignore")
    import polars as pl

    from synthpriv.config import RunConfig
    from synthpriv.io import read_table
    from synthpriv.metrics.base import mean_score
    from synthpriv.pipeline import run
    from synthpriv.report.builder import _combine, _fidelity
    from synthpriv.schema import Kind, kinds_of

    source = DATA
    if args.rows:
        source = Path(tempfile.mkdtemp()) / "adult_head.csv"
        read_table(DATA).head(args.rows).write_csv(source)
    results: dict[str, object] = {"input": str(DATA.name), "rows": args.rows or 32561}

    # 1. synthpriv end to end (model-free scan, as on a machine without spaCy models)
    out = Path(tempfile.mkdtemp()) / "run"
    result, seconds = timed(lambda: run(source, out, RunConfig(seed=0, nlp_model="none")))
    results["synthpriv_run_seconds"] = round(seconds, 2)
    results["synthpriv_stage_seconds"] = result.timings
    results["synthpriv_fidelity"] = result.report.fidelity.score
    results["synthpriv_fidelity_baseline"] = result.report.fidelity.baseline_score
    results["synthpriv_dcr_share"] = result.report.privacy.dcr["share_closer_to_train"]

    # 2. plain SDV on the same table: detect metadata, fit, sample
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    real = read_table(source).to_pandas()

    def plain_sdv():
        metadata = Metadata.detect_from_dataframes({"t": real})
        synthesizer = GaussianCopulaSynthesizer(metadata)
        synthesizer.fit({"t": real})
        sampled = synthesizer.sample(len(real))
        return sampled["t"] if isinstance(sampled, dict) else sampled

    plain, seconds = timed(plain_sdv)
    results["plain_sdv_fit_sample_seconds"] = round(seconds, 2)

    # 3. fidelity metrics: ours vs SDMetrics QualityReport on the same pair of tables.
    # "core" is what QualityReport computes (column shapes and every pair's trend); "all" adds
    # details, associations, MI, the holdout and independent-columns baselines, the
    # discriminator and pMSE.
    from synthpriv.metrics.fidelity import Comparison, sample_pairs

    synthetic = pl.from_pandas(plain)
    train = read_table(source)
    kinds = {c: k for c, k in kinds_of(train).items() if k not in (Kind.TEXT, Kind.ID)}

    def core():
        comparison = Comparison(train, synthetic, kinds)
        return comparison.column_shapes(), comparison.pair_trends(sample_pairs(kinds, None, 0))

    (shapes, pairs), core_seconds = timed(core)
    fit_rows = int(train.height * 0.8)
    ours, ours_seconds = timed(
        lambda: _fidelity(train[:fit_rows], synthetic, train[fit_rows:], kinds, 0)
    )
    from sdmetrics.reports.single_table import QualityReport

    sdv_meta = Metadata.detect_from_dataframes({"t": real}).to_dict()["tables"]["t"]
    report = QualityReport()
    _, sdm_seconds = timed(lambda: report.generate(real, plain, sdv_meta, verbose=False))
    results["fidelity_metrics_seconds"] = {
        "synthpriv_core": round(core_seconds, 3),
        "synthpriv_all": round(ours_seconds, 2),
        "sdmetrics_quality_report": round(sdm_seconds, 2),
        "speedup_core": round(sdm_seconds / core_seconds, 1),
        "speedup_all": round(sdm_seconds / ours_seconds, 2),
    }
    results["plain_sdv_quality"] = {
        "synthpriv_score": _combine(mean_score(shapes), mean_score(pairs)),
        "sdmetrics_score": round(report.get_score(), 4),
        "synthpriv_column_shapes": round(mean_score(shapes), 4),
        "sdmetrics_column_shapes": round(float(report.get_properties()["Score"][0]), 4),
    }
    results["peak_rss_mb"] = peak_rss_mb()
    write_results("adult", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
