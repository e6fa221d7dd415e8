"""Benchmark: privacy metrics. Discrimination on UCI Adult, speed at 100k, SDMetrics ratio at 10k.

Usage: .venv/bin/python bench/privacy.py [--rows N] [--skip-sdmetrics]
1. Adult (../shared/data/adult.csv) split in three equal parts: training rows, the holdout, and
   fresh rows. Three candidate "synthetic" tables go through the report's privacy gates: a copy
   of the training rows, the training rows with 10% of cells replaced by another row's value,
   and the fresh real rows. The first two must fail, the third must pass.
2. DCR, DCR share and NNDR on generated 100k synthetic x 100k training x 100k holdout rows x 15
   mixed columns (7 numbers, 8 categories of 2 to 100 levels, 6% missing in one): time and peak
   RSS; then every privacy metric on the same tables.
3. The same DCR work on 10k x 10k x 10k rows, beside SDMetrics' DCROverfittingProtection (the
   equivalent DCR share) on the same tables.
Writes results/privacy.json.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import polars as pl
from _common import SHARED_DATA, peak_rss_mb, write_results


def mixed_table(rows: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=rows)
    columns = {}
    for j in range(7):
        columns[f"n{j}"] = np.round(base * 0.5 + rng.normal(size=rows) * (1 + j / 4), 2)
    for j, levels in enumerate([2, 3, 4, 6, 9, 16, 40, 100]):
        codes = np.abs(base * levels / 3 + rng.normal(size=rows) * levels / 4).astype(int) % levels
        columns[f"c{j}"] = np.char.add("v", codes.astype(str))
    frame = pl.DataFrame(columns)
    missing = pl.Series(rng.random(rows) < 0.06)
    return frame.with_columns(pl.when(missing).then(None).otherwise(pl.col("n0")).alias("n0"))


def adult_cases(report: dict) -> None:
    from synthpriv.io import read_table
    from synthpriv.metrics.privacy import perturbed_copy
    from synthpriv.report.builder import build_report
    from synthpriv.schema import Role

    source = SHARED_DATA / "adult.csv"
    if not source.exists():
        report["adult_cases"] = f"skipped: {source} not found"
        return
    frame = read_table(source).sample(fraction=1.0, shuffle=True, seed=0)
    third = frame.height // 3
    train, holdout, fresh = frame[:third], frame[third : 2 * third], frame[2 * third :]
    roles = {c: Role.QUASI_IDENTIFIER for c in ("age", "sex", "race", "native-country")}
    roles |= {"income-per-year": Role.SENSITIVE, "occupation": Role.SENSITIVE}
    scan = {"columns": [{"name": c, "role": str(r)} for c, r in roles.items()]}
    cases = {}
    for label, synthetic in (
        ("copy_of_training_rows", train),
        ("training_rows_10pct_cells_perturbed", perturbed_copy(train, 0.10, seed=1)),
        ("real_holdout_as_synthetic", fresh),
    ):
        start = time.perf_counter()
        result = build_report(
            train=train, holdout=holdout, synthetic=synthetic, scan=scan, residual_identifiers=[]
        )
        gates = {g.name: [g.status.value, g.value] for g in result.gates}
        cases[label] = {
            "privacy_verdict": "FAIL"
            if any(g.status == "FAIL" for g in result.gates if g.category == "privacy")
            else "PASS",
            "gates": gates,
            "report_seconds": round(time.perf_counter() - start, 1),
        }
        print(label, cases[label]["privacy_verdict"], file=sys.stderr)
    report["adult_cases"] = {"rows_each": third, "cases": cases}


def dcr_speed(rows: int) -> dict:
    from synthpriv.metrics.neighbors import encode
    from synthpriv.metrics.privacy import distance_metrics
    from synthpriv.schema import Kind

    train, holdout, synthetic = (mixed_table(rows, s) for s in (0, 1, 2))
    kinds = {c: Kind.NUMERICAL if c.startswith("n") else Kind.CATEGORICAL for c in train.columns}
    start = time.perf_counter()
    encoded = encode([train, holdout, synthetic], kinds)
    # every training and holdout row; the holdout rows are the baselines' queries
    result = distance_metrics(*encoded, encoded[1], np.random.default_rng(0))
    return {
        "tables": (train, holdout, synthetic, kinds),
        "seconds": round(time.perf_counter() - start, 2),
        "dcr_share": result["dcr"]["share_closer_to_train"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-sdmetrics", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from synthpriv.metrics.neighbors import encode, nearest
    from synthpriv.metrics.privacy import privacy_metrics
    from synthpriv.schema import Kind

    report: dict = {}
    # numba compiles on first use (cached afterwards): warm it outside the timings
    warm = encode([mixed_table(50, 0)], {"n0": Kind.NUMERICAL})
    nearest(warm[0], warm[0], 2)
    adult_cases(report)

    big = dcr_speed(args.rows)
    report["dcr_dcr_share_nndr"] = {
        "rows": {"synthetic": args.rows, "train": args.rows, "holdout": args.rows},
        "columns": 15,
        "seconds": big["seconds"],
        "dcr_share": big["dcr_share"],
        "peak_rss_mb": peak_rss_mb(),
    }
    train, holdout, synthetic, kinds = big["tables"]
    start = time.perf_counter()
    privacy_metrics(train, holdout, synthetic, kinds, quasi_identifiers=["c0", "c1", "n1"])
    report["all_privacy_metrics_seconds"] = round(time.perf_counter() - start, 1)
    report["peak_rss_mb"] = peak_rss_mb()

    small = dcr_speed(10_000)
    entry = {"synthpriv_seconds": small["seconds"], "synthpriv_dcr_share": small["dcr_share"]}
    if not args.skip_sdmetrics:
        from sdmetrics.single_table import DCROverfittingProtection

        train, holdout, synthetic, _ = small["tables"]
        metadata = {
            "columns": {
                c: {"sdtype": "numerical" if c.startswith("n") else "categorical"}
                for c in train.columns
            }
        }
        start = time.perf_counter()
        theirs = DCROverfittingProtection.compute_breakdown(
            train.to_pandas(), synthetic.to_pandas(), holdout.to_pandas(), metadata, None
        )
        seconds = time.perf_counter() - start
        entry |= {
            "sdmetrics_dcr_overfitting_protection_seconds": round(seconds, 1),
            "sdmetrics_share_closer_to_train": theirs.get("synthetic_data_percentages", {}).get(
                "closer_to_training"
            ),
            "speedup": round(seconds / small["seconds"], 1),
        }
    report["sdmetrics_comparison_10k"] = entry
    write_results("privacy", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
