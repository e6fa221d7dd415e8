"""Benchmark: what the privacy filter does to the DCR share of rows that copy nobody.

Usage: .venv/bin/python bench/filter_pull.py [--tables adult,bank_marketing] [--repeats 10]
       [--quantiles 0.05,0.1,0.2]

A perfect generator's rows are unseen real rows. Each table is shuffled (``random.Random(r)`` for
repeat r) and cut in three: "synthetic" rows (unseen real people), test rows and train rows, a
third each. The privacy check of synthpriv's validation filter (drop rows nearer a training row
than the q-quantile of the test rows' distance to train) is applied to the unseen rows, and the
DCR share and membership-inference AUC are measured before and after, by the report's function
(``distance_summary``, equal samples of train and test of at most 10,000 rows).

Before the check the share is 0.5 by construction; whatever the check moves it by is its own
pull, not privacy: the DCR share of filtered synthetic rows is to be read against it.
Writes results/filter_pull.json.
"""

from __future__ import annotations

import argparse
import random
import sys

import numpy as np
import polars as pl
from _common import SHARED_DATA, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="adult,bank_marketing")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--quantiles", default="0.05,0.1,0.2")
    args = parser.parse_args()
    if not SHARED_DATA.is_dir():
        sys.exit(f"skipped: {SHARED_DATA} (public tables kept outside the repo) is absent")
    from synthpriv.filtering import TooClose
    from synthpriv.io import read_table
    from synthpriv.metrics.neighbors import encode, nearest_distances
    from synthpriv.metrics.privacy import distance_summary
    from synthpriv.schema import Kind, aligned, kinds_of

    quantiles = [0.0] + [float(q) for q in args.quantiles.split(",")]
    out = []
    for table in args.tables.split(","):
        frame = read_table(SHARED_DATA / f"{table}.csv")
        kinds = {c: k for c, k in kinds_of(frame).items() if k not in (Kind.TEXT, Kind.ID)}
        third = frame.height // 3
        runs: dict[float, list[tuple[float, float, float]]] = {q: [] for q in quantiles}
        for repeat in range(args.repeats):
            order = list(range(frame.height))
            random.Random(repeat).shuffle(order)
            unseen, test, train = (
                frame[order[:third]],
                frame[order[third : 2 * third]],
                frame[order[2 * third :]],
            )
            columns = list(kinds)
            enc_train, enc_test = encode(
                [aligned(train, train, columns), aligned(test, train, columns)], kinds
            )
            to_train = nearest_distances(enc_test, enc_train)
            for q in quantiles:
                rows = unseen
                if q:
                    check = TooClose(train, None, kinds, float(np.quantile(to_train, q)))
                    rows = unseen.filter(pl.Series(check.keep(unseen)))
                summary = distance_summary(train, test, rows, kinds, seed=repeat, max_rows=10_000)
                removed = 1 - rows.height / unseen.height
                runs[q].append((summary["dcr_share"], summary["mia_auc"], removed))
        for q, values in runs.items():
            share, mia, removed = np.array(values).T
            out.append(
                {
                    "table": table,
                    "quantile": q,
                    "repeats": args.repeats,
                    "unseen_rows": third,
                    "share_removed": round(float(removed.mean()), 4),
                    "dcr_share_mean": round(float(share.mean()), 4),
                    "dcr_share_sd": round(float(share.std(ddof=1)), 4),
                    "mia_auc_mean": round(float(mia.mean()), 4),
                    "mia_auc_sd": round(float(mia.std(ddof=1)), 4),
                }
            )
            print(out[-1], flush=True)
    write_results("filter_pull", {"runs": out})


if __name__ == "__main__":
    main()
