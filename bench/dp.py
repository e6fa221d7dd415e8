"""Benchmark: the differentially private engine beside smartnoise-synth's MST (issue 16's table).

Usage: .venv/bin/python bench/dp.py [--epsilons 1,5] [--delta 1e-6] [--repeats 3]
       [--peer-python /path/to/python-with-smartnoise-synth]

On the Adult split of bench/frontier.py (22,561 train, 10,000 test rows, ``random.Random(7)``),
for each ε: synthpriv's ``mst`` engine with no bounds or categories in config (so it spends
part of the budget finding them, and says so) and, when ``--peer-python`` names a Python that
has smartnoise-synth 1.0.8, smartnoise's MST at the same ε and δ (its preprocessor given 10% of
ε for bounds, as its documentation suggests). Both are scored by frontier.py's judge: SDMetrics
quality, discriminator AUC, TSTR (TRTR beside it), DCR share. The DP noise is drawn from the
operating system, so each engine is fitted ``--repeats`` times and the mean and range reported.
CPU seconds are the process time of fit + sample. smartnoise-synth is not a synthpriv
dependency: it pulls torch, JAX and opendp; install it in a separate environment.
Writes results/dp.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

from _common import SHARED_DATA, write_results
from frontier import judge, peer, split

PEER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from snsynth import Synthesizer
train, out, epsilon, delta = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
df = pd.read_csv(train)
categorical = [c for c in df.columns if df[c].dtype == object]
continuous = [c for c in df.columns if c not in categorical]
cpu = time.process_time()
model = Synthesizer.create("mst", epsilon=epsilon, delta=delta)
model.fit(df, preprocessor_eps=0.1 * epsilon, categorical_columns=categorical,
          continuous_columns=continuous)
model.sample(len(df)).to_csv(out, index=False)
print(json.dumps({"cpu": time.process_time() - cpu}))
"""


def ours(train, epsilon: float, delta: float, seed: int):
    """Fit and sample synthpriv's mst engine; CPU seconds and the model's budget account."""
    from synthpriv import synth

    cpu = time.process_time()
    model = synth.fit(train, seed=seed, engine="mst", params={"epsilon": epsilon, "delta": delta})
    synthetic = synth.sample(model, train.height, seed=seed)
    account = model.synthesizer.accounting
    return synthetic, time.process_time() - cpu, account


def summarise(runs: list[dict]) -> dict:
    """Mean and range of each judged figure over the repeats."""
    figures = {
        "sdmetrics_quality": [r["sdmetrics_quality"] for r in runs],
        "pair_trends": [r["pair_trends"] for r in runs],
        "discriminator_auc": [r["discriminator_auc"] for r in runs],
        "tstr_auc": [(r["tstr"] or {}).get("auc") for r in runs],
        "dcr_share": [r["dcr_share"] for r in runs],
        "cpu_seconds": [r["cpu_seconds"] for r in runs],
    }
    out = {}
    for name, values in figures.items():
        values = [v for v in values if v is not None and v == v]
        if values:
            out[name] = {
                "mean": round(sum(values) / len(values), 3),
                "min": round(min(values), 3),
                "max": round(max(values), 3),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epsilons", default="1,5")
    parser.add_argument("--delta", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-python", help="a Python with smartnoise-synth installed")
    args = parser.parse_args()
    if not SHARED_DATA.is_dir():
        sys.exit(f"skipped: {SHARED_DATA} (public tables kept outside the repo) is absent")
    warnings.simplefilter("ignore")
    os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
    train, test = split("adult")
    results = []
    for epsilon in (float(e) for e in args.epsilons.split(",")):
        engines = {"synthpriv mst": [], "smartnoise-synth mst": []}
        account = None
        for repeat in range(args.repeats):
            synthetic, cpu, account = ours(train, epsilon, args.delta, seed=repeat)
            engines["synthpriv mst"].append(
                judge("adult", train, test, synthetic) | {"cpu_seconds": cpu}
            )
            if args.peer_python:
                synthetic, cpu = peer(args.peer_python, PEER, train, str(epsilon), str(args.delta))
                engines["smartnoise-synth mst"].append(
                    judge("adult", train, test, synthetic) | {"cpu_seconds": cpu}
                )
        for engine, runs in engines.items():
            if runs:
                row = {"epsilon": epsilon, "delta": args.delta, "engine": engine}
                row |= {"repeats": len(runs), **summarise(runs)}
                if engine == "synthpriv mst":
                    row["budget_by_use_rho"] = account["rho_by_use"]
                    row["trtr_auc"] = (runs[0]["trtr"] or {}).get("auc")
                results.append(row)
                print(json.dumps(row), flush=True)
    write_results("dp", {"runs": results})


if __name__ == "__main__":
    main()
