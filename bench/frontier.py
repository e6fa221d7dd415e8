"""Benchmark: how far a classifier can tell each engine's rows from real ones (issue 15's table).

Usage: .venv/bin/python bench/frontier.py [--tables adult,bank_marketing,insurance]
       [--engines gaussian_copula,cart,plain_sdv]

Each table is shuffled with ``random.Random(7)``; 10,000 rows (a third for small tables) are kept
apart as test rows, the rest train. Every engine samples as many rows as train has, and the same
judge scores them all in one run:

* SDMetrics QualityReport (overall and column pair trends), synthetic vs train;
* discriminator AUC: synthpriv's gradient-boosted classifier, 3-fold, at most 10,000 rows a side
  (0.5 = indistinguishable);
* TSTR AUC: gradient boosting trained on the synthetic rows, scored on the test rows, beside
  TRTR (trained on train) - for the table's binary target;
* DCR share: share of synthetic rows closer (range-scaled Gower) to a train row than to a test
  row, on equal-size samples (0.5 ideal), with its 95% interval;
* CPU seconds of fit + sample, and the process's peak RSS.

Each (table, engine) runs in its own process, so its CPU time and peak RSS are its own.
Writes results/frontier.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import time
import warnings
from pathlib import Path

from _common import SHARED_DATA, peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent
TARGETS = {"adult": "income-per-year", "bank_marketing": "deposit", "insurance": "smoker"}


def split(table: str):
    from synthpriv.io import read_table

    frame = read_table(SHARED_DATA / f"{table}.csv")
    order = list(range(frame.height))
    random.Random(7).shuffle(order)
    n_test = min(10_000, frame.height // 3)
    return frame[order[n_test:]], frame[order[:n_test]]


ARGN = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from mostlyai.engine import TabularARGN
source, out, minutes = sys.argv[1], sys.argv[2], float(sys.argv[3])
df = pd.read_csv(source)
cpu = time.process_time()
model = TabularARGN(max_training_time=minutes, verbose=0)
model.fit(df)
model.sample(n_samples=len(df)).to_csv(out, index=False)
print(json.dumps({"cpu": time.process_time() - cpu}))
"""


def peer(python: str, script: str, train, *arguments: str):
    """Run a peer engine's ``script`` in another Python (its own environment) on ``train``."""
    import tempfile

    import polars as pl

    with tempfile.TemporaryDirectory() as work:
        source, out = Path(work) / "train.csv", Path(work) / "out.csv"
        train.write_csv(source)
        (Path(work) / "peer.py").write_text(script)
        done = subprocess.run(
            [python, str(Path(work) / "peer.py"), str(source), str(out), *arguments],
            capture_output=True,
            text=True,
            check=True,
        )
        cpu = json.loads(done.stdout.strip().splitlines()[-1])["cpu"]
        return pl.read_csv(out, infer_schema_length=None), cpu


def one(
    table: str,
    engine: str,
    params: dict | None = None,
    peer_python: str | None = None,
    seed: int = 0,
) -> dict:
    warnings.simplefilter("ignore")
    os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
    import polars as pl
    from sdv.metadata import Metadata

    from synthpriv import synth

    train, test = split(table)
    cpu = time.process_time()
    if engine == "tabularargn":
        if not peer_python:
            raise SystemExit("tabularargn needs --peer-python (a Python with mostlyai-engine)")
        synthetic, peer_cpu = peer(peer_python, ARGN, train, str((params or {}).get("minutes", 10)))
        cpu -= peer_cpu  # the child's CPU is added below as this process's
    elif engine == "plain_sdv":
        from sdv.single_table import GaussianCopulaSynthesizer

        real = train.to_pandas()
        model = GaussianCopulaSynthesizer(Metadata.detect_from_dataframes({"t": real}))
        model.fit({"t": real})
        sampled = model.sample(train.height)
        synthetic = pl.from_pandas(sampled["t"] if isinstance(sampled, dict) else sampled)
    else:
        base, _, filters = engine.partition("+")
        model = synth.fit(train, seed=seed, engine=base, params=params)
        synthetic = synth.sample(model, train.height, seed=seed)
        if filters:
            from synthpriv.filtering import validate

            # the filter's holdout is the test rows: it takes one number from them (the 5th
            # percentile of their distance to train), see bench/README.md
            synthetic = validate(
                synthetic,
                train,
                test,
                lambda rows, round_: synth.sample(model, rows, seed=1000 + round_),
                privacy="privacy" in filters,
                quality="quality" in filters,
            ).frame
    cpu = time.process_time() - cpu
    return judge(table, train, test, synthetic) | {
        "engine": engine,
        "params": params or {},
        "seed": seed,
        "cpu_seconds_fit_sample": round(cpu, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def judge(table: str, train, test, synthetic) -> dict:
    """The one judge of every engine: SDMetrics quality, discriminator, TSTR, DCR share."""
    import polars as pl
    from sdmetrics.reports.single_table import QualityReport
    from sdv.metadata import Metadata

    from synthpriv.metrics.detection import discriminator_auc
    from synthpriv.metrics.privacy import distance_summary
    from synthpriv.metrics.utility import ml_utility
    from synthpriv.schema import Kind, kinds_of

    kinds = {c: k for c, k in kinds_of(train).items() if k not in (Kind.TEXT, Kind.ID)}
    synthetic = synthetic.select([pl.col(c).cast(train.schema[c], strict=False) for c in kinds])
    real_pd, synth_pd = train.select(list(kinds)).to_pandas(), synthetic.to_pandas()
    metadata = Metadata.detect_from_dataframes({"t": real_pd}).to_dict()["tables"]["t"]
    quality = QualityReport()
    quality.generate(real_pd, synth_pd, metadata, verbose=False)
    properties = quality.get_properties().set_index("Property")["Score"]
    utility = ml_utility(train, test, synthetic, TARGETS[table], kinds, seed=0)
    # every synthetic row against equal samples of train and test (at most 10,000 each): the
    # report's privacy_rows budget would also sample the synthetic rows and widen the interval
    privacy = distance_summary(train, test, synthetic, kinds, seed=0, max_rows=10_000)
    return {
        "table": table,
        "train_rows": train.height,
        "test_rows": test.height,
        "sdmetrics_quality": round(float(quality.get_score()), 3),
        "pair_trends": round(float(properties["Column Pair Trends"]), 3),
        "discriminator_auc": round(discriminator_auc(train, synthetic, kinds, seed=0), 3),
        "tstr": utility.get("train_synthetic_test_real"),
        "trtr": utility.get("train_real_test_real"),
        "dcr_share": privacy["dcr_share"],
        "dcr_share_ci95": privacy["dcr_share_ci95"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="adult,bank_marketing,insurance")
    parser.add_argument("--engines", default="cart,gaussian_copula,plain_sdv")
    parser.add_argument("--params", default="{}", help="engine parameters as JSON")
    parser.add_argument("--peer-python", help="a Python with mostlyai-engine (tabularargn)")
    parser.add_argument(
        "--seeds",
        default="0",
        help="seeds of synthpriv's engines (fit and sample), e.g. 0,1,2: the DCR share moves "
        "by about 0.005 between them, so compare settings on the same seeds",
    )
    parser.add_argument("--one", nargs=2, metavar=("TABLE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        params = json.loads(args.params)
        seed = int(args.seeds.split(",")[0])
        print(json.dumps(one(*args.one, params=params, peer_python=args.peer_python, seed=seed)))
        return
    if not SHARED_DATA.is_dir():
        sys.exit(f"skipped: {SHARED_DATA} (public tables kept outside the repo) is absent")
    rows = []
    for table in args.tables.split(","):
        for engine, seed in itertools.product(args.engines.split(","), args.seeds.split(",")):
            done = subprocess.run(
                [sys.executable, __file__, "--one", table, engine, "--params", args.params]
                + ["--seeds", seed]
                + (["--peer-python", args.peer_python] if args.peer_python else []),
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    write_results("frontier", {"runs": merged(rows)})


def merged(rows: list[dict]) -> list[dict]:
    """The earlier runs in results/frontier.json, with this run's replacing the same ones."""
    path = HERE / "results" / "frontier.json"
    earlier = json.loads(path.read_text())["runs"] if path.exists() else []

    def key(row: dict) -> tuple:
        params = json.dumps(row.get("params") or {}, sort_keys=True)
        return row["table"], row["engine"], params, row.get("seed", 0)

    fresh = {key(r) for r in rows}
    return [r for r in earlier if key(r) not in fresh] + rows


if __name__ == "__main__":
    main()
