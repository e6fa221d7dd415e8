"""Every leak shape of tests/leak_shapes.py on a real table: each gate's status and figures.

The table is split three ways (seeded): training rows and a holdout, which the report is given,
and unseen real rows, which it is not (a perfect generator's rows). Each leaky table goes
through ``build_report`` with the scan's roles, as ``synthpriv report --holdout --schema`` does.

    .venv/bin/python bench/leak_shapes.py [--table adult] [--seeds 0] [--shapes a,b]

Writes results/leak_shapes_<table>.json: per shape, the verdict, the exit code and each privacy
gate's status and value, with the seconds the report took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import SHARED_DATA, peak_rss_mb, write_results  # noqa: E402

from synthpriv.io import read_table  # noqa: E402
from synthpriv.report.builder import build_report, exit_status_for  # noqa: E402
from tests import leak_shapes as shapes  # noqa: E402

ROLES = {  # from the shared data README (quasi-identifiers and sensitive columns)
    "adult": (  # as synthpriv scan marks them
        ["age", "marital-status", "occupation", "race", "sex", "native-country"],
        ["income-per-year", "capital-gain", "capital-loss"],
        "income-per-year",
    ),
    "bank_marketing": (["age", "job", "marital"], ["default", "balance", "loan"], "loan"),
}


def three_way(frame: pl.DataFrame, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Training 60%, holdout 20%, unseen 20%: a seeded permutation."""
    order = np.random.default_rng(seed).permutation(frame.height)
    a, b = int(0.6 * frame.height), int(0.8 * frame.height)
    return tuple(frame[np.sort(order[s])] for s in (slice(0, a), slice(a, b), slice(b, None)))


def _cart(train: pl.DataFrame, memorize: bool, seed: int) -> pl.DataFrame:
    """The default engine (or the memorizing one) fitted on the training rows, as many rows."""
    from synthpriv import synth

    params = shapes.memorizing_engine_params() if memorize else {}
    model = synth.fit(train, seed=seed, params=params, keep_rare=memorize)
    return synth.sample(model, train.height, seed=seed)


def cases(train, holdout, unseen, quasi, secret, seed):
    """Name -> (the table offered as synthetic, what the verdict must be)."""
    return {
        "unseen_real_rows": (lambda: unseen, "pass"),
        "every_row_nudged": (lambda: shapes.every_row_nudged(train, seed), "fail"),
        "two_columns_redrawn": (lambda: shapes.two_columns_redrawn(train, seed), "fail"),
        "copies_5pct": (lambda: shapes.copies_mixed_in(unseen, train, 0.05, seed), "fail"),
        "copies_10pct": (lambda: shapes.copies_mixed_in(unseen, train, 0.10, seed), "fail"),
        "outside_seeded_sample_5pct": (
            lambda: shapes.copies_outside_a_seeded_sample(
                unseen, train, holdout.height, 0.05, seed
            ),
            "fail",
        ),
        "labels_flipped": (
            lambda: shapes.labels_flipped(train, unseen, quasi, secret, seed),
            "fail",
        ),
        "labels_true": (
            lambda: shapes.labels_flipped(train, unseen, quasi, secret, seed, flip=False),
            "fail",
        ),
        "cart_default": (lambda: _cart(train, False, seed), "pass"),
        "cart_memorizing": (lambda: _cart(train, True, seed), "fail"),
        # the honest engine's rows with copies mixed in: the generator's own near matches are
        # the background the copies must stand out from, not unseen rows'
        "cart_plus_copies_5pct": (
            lambda: shapes.copies_mixed_in(_cart(train, False, seed), train, 0.05, seed),
            "fail",
        ),
        "rare_holders_0.5pct": (
            lambda: shapes.rare_value_holders_copied(unseen, train, 0.005, seed),
            "fail",
        ),
        "uniques_with_secret_20pct": (
            lambda: shapes.uniques_with_their_secret(unseen, train, quasi, secret, 0.2, seed),
            "fail",
        ),
        "holdout_offered": (lambda: shapes.holdout_offered(holdout), "fail"),
        "holdout_nudged": (lambda: shapes.holdout_nudged(holdout, seed), "fail"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", default="adult", choices=sorted(ROLES))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--shapes", default="")
    parser.add_argument("--report-seeds", default="0", help="report seeds tried per table")
    args = parser.parse_args()
    path = SHARED_DATA / f"{args.table}.csv"
    if not path.exists():
        print(f"skipped: {path} not found (../shared/data is kept outside the repo)")
        return
    frame = read_table(path)
    quasi, sensitive, secret = ROLES[args.table]
    scan = {
        "columns": [{"name": c, "role": "quasi_identifier"} for c in quasi]
        + [{"name": c, "role": "sensitive"} for c in sensitive]
    }
    results: dict = {"table": args.table, "rows": frame.height, "cases": {}}
    for seed in (int(s) for s in args.seeds.split(",")):
        train, holdout, unseen = three_way(frame, seed)
        for name, (make, expected) in cases(train, holdout, unseen, quasi, secret, seed).items():
            if args.shapes and name not in args.shapes.split(","):
                continue
            synthetic = make()
            for report_seed in (int(s) for s in args.report_seeds.split(",")):
                started = time.perf_counter()
                report = build_report(
                    train=train,
                    holdout=holdout,
                    synthetic=synthetic,
                    scan=scan,
                    residual_identifiers=[],
                    seed=report_seed,
                )
                seconds = round(time.perf_counter() - started, 1)
                code = int(exit_status_for(report))
                gates = {
                    g.name: [g.status.value, g.value]
                    for g in report.gates
                    if g.category == "privacy"
                }
                ok = (code == 6) == (expected == "fail")
                key = f"{name}/seed{seed}/report_seed{report_seed}"
                results["cases"][key] = {
                    "expected": expected,
                    "verdict": report.verdict.value,
                    "exit": code,
                    "as_expected": ok,
                    "seconds": seconds,
                    "gates": gates,
                }
                failed = [n for n, (s, _) in gates.items() if s == "FAIL"]
                print(
                    f"{'ok ' if ok else 'BAD'} {key:55s} exit {code} {report.verdict.value:10s} "
                    f"{seconds:6.1f}s failed: {', '.join(failed) or '-'}",
                    flush=True,
                )
    results["peak_rss_mb"] = peak_rss_mb()
    results["as_expected"] = sum(c["as_expected"] for c in results["cases"].values())
    results["cases_run"] = len(results["cases"])
    write_results(f"leak_shapes_{args.table}", results)


if __name__ == "__main__":
    main()
