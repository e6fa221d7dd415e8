"""The near-copy check against every training row, beside the check it replaced, at scale.

Usage: .venv/bin/python bench/near_copies.py [--rows 100000,1000000] [--holdout-share 0.25]

Tables: UCI Adult rows drawn with replacement to N training rows, N synthetic rows and a holdout
of a quarter of N, every number moved by a few units (so rows are near, not equal, to others).
Each check runs in a fresh process, so its peak memory is its own:

* ``record_linkage`` (this release): every synthetic row and every holdout row against every
  training row, fewest columns disagreeing up to two (numbers within tolerance), plus the same
  for synthetic and training rows against the holdout (the report's holdout copies);
* ``distance_sample`` (the check it replaced): Gower distances from the synthetic rows and the
  holdout to a seeded sample of the training rows as large as the holdout (the near-copy
  threshold is the holdout's 5th percentile), as the report computed them before.

Writes bench/results/near_copies.json: wall and CPU seconds and peak RSS per check and size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def tables(rows: int, holdout_share: float):
    import numpy as np
    import polars as pl
    from _common import SHARED_DATA

    from synthpriv.io import read_table

    frame = read_table(SHARED_DATA / "adult.csv")

    def grow(n: int, seed: int) -> pl.DataFrame:
        rng = np.random.default_rng(seed)
        f = frame[rng.integers(0, frame.height, n)]
        numbers = [c for c, t in f.schema.items() if t.is_numeric()]
        return f.with_columns(
            (pl.col(c) + pl.Series(rng.integers(-3, 4, n))).cast(f.schema[c]) for c in numbers
        )

    return grow(rows, 1), grow(int(rows * holdout_share), 2), grow(rows, 3)


def child(check: str, rows: int, holdout_share: float) -> None:
    """Run one check in this process and print its figures as JSON."""
    import numpy as np

    from synthpriv.metrics.linkage import agreement, fewest_mismatches, linkable
    from synthpriv.metrics.neighbors import encode, nearest
    from synthpriv.report.builder import compared_kinds

    train, holdout, synthetic = tables(rows, holdout_share)
    kinds = compared_kinds(train, synthetic)
    started, cpu = time.perf_counter(), time.process_time()
    if check == "record_linkage":
        rule = agreement([train, holdout], kinds)
        (t, h, s), tolerance = linkable([train, holdout, synthetic], kinds, rule)
        shares = {
            "synthetic_to_train": fewest_mismatches(s, t, tolerance, 0, 2),
            "holdout_to_train": fewest_mismatches(h, t, tolerance, 0, 2),
            "synthetic_to_holdout": fewest_mismatches(s, h, tolerance, 0, 2),
            "train_to_holdout": fewest_mismatches(t, h, tolerance, 0, 2),
        }
        figures = {
            name: [round(float(np.mean(found <= level)), 4) for level in (0, 1, 2)]
            for name, found in shares.items()
        }
    else:
        rng = np.random.default_rng(0)
        sample = train[np.sort(rng.choice(train.height, holdout.height, replace=False))]
        t, h, s = encode([sample, holdout, synthetic], kinds)
        to_train = nearest(s, t, 2)[0][:, 0]
        natural = nearest(h, t, 2)[0][:, 0]
        to_holdout = nearest(s, h, 1)[0][:, 0]
        near = float(np.quantile(natural, 0.05))
        figures = {
            "near_share": round(float(np.mean(to_train <= near)), 4),
            "baseline": round(float(np.mean(to_holdout <= near)), 4),
        }
    print(
        json.dumps(
            {
                "wall_seconds": round(time.perf_counter() - started, 1),
                "cpu_seconds": round(time.process_time() - cpu, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "figures": figures,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--holdout-share", type=float, default=0.25)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        check, rows = args.child.split(":")
        child(check, int(rows), args.holdout_share)
        return
    from _common import SHARED_DATA, write_results

    if not (SHARED_DATA / "adult.csv").exists():
        print(f"skipped: {SHARED_DATA / 'adult.csv'} not found")
        return
    results: dict = {"holdout_share": args.holdout_share, "runs": {}}
    for rows in (int(r) for r in args.rows.split(",")):
        for check in ("record_linkage", "distance_sample"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    f"{check}:{rows}",
                    "--holdout-share",
                    str(args.holdout_share),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            results["runs"][f"{check}@{rows}"] = figures
            print(check, rows, figures, flush=True)
    write_results("near_copies", results)


if __name__ == "__main__":
    main()
