"""Benchmark: the report stage on a busy machine, with and without synthpriv's thread settings.

Usage: .venv/bin/python bench/busy_machine.py [--rows 16000] [--competitors 2]

The report on UCI Adult (16,000 training + 16,000 synthetic + 16,000 holdout rows; the synthetic
table is an independent-columns sample, which costs the report the same as a model's) runs in a
fresh process four times: idle and beside ``--competitors`` processes that keep every core busy,
each with synthpriv's thread sizing (pools sized to the cores other processes leave free) and
with the libraries' defaults (a thread per core, spinning while they wait). Wall and CPU
seconds are compared in the same run. Writes bench/results/busy_machine.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADULT = HERE.parent.parent / "shared" / "data" / "adult.csv"


def spin() -> None:
    while True:
        pass


def one(rows: int) -> dict:
    from synthpriv import threads

    count = threads.configure()  # as the command line does, before any pool starts
    import numpy as np

    from synthpriv.io import read_table
    from synthpriv.metrics.fidelity import independent_columns
    from synthpriv.report import build_report
    from synthpriv.schema import kinds_of

    frame = read_table(ADULT)
    order = np.random.default_rng(7).permutation(frame.height)
    train, holdout = frame[order[:rows]], frame[order[rows : 2 * rows]]
    synthetic = independent_columns(train, rows, 1)
    kinds_of(train)
    start, cpu = time.perf_counter(), time.process_time()
    build_report(train=train, synthetic=synthetic, holdout=holdout, seed=0)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(time.perf_counter() - start, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "threads": count,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=16_000)
    parser.add_argument("--competitors", type=int, default=2)
    parser.add_argument("--one", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.rows)))
        return 0
    if not ADULT.exists():
        print(f"skipped: {ADULT} not present")
        return 0
    results = []
    for busy in (False, True):
        if not busy:  # let the load of whatever ran before fade from the 1-minute average
            deadline = time.monotonic() + 300
            while os.getloadavg()[0] > 0.5 and time.monotonic() < deadline:
                time.sleep(5)
        competitors = []
        if busy:
            competitors = [multiprocessing.Process(target=spin) for _ in range(args.competitors)]
            for process in competitors:
                process.start()
            time.sleep(65)  # let the 1-minute load average see them
        try:
            for settings in ("synthpriv", "openmp defaults"):
                env = dict(os.environ)
                if settings == "openmp defaults":
                    env["SYNTHPRIV_THREADS"] = "off"  # leave the thread pools alone
                done = subprocess.run(
                    [sys.executable, __file__, "--one", "--rows", str(args.rows)],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                )
                result = json.loads(done.stdout.strip().splitlines()[-1])
                result |= {"machine": "busy" if busy else "idle", "settings": settings}
                results.append(result)
                print(result, flush=True)
        finally:
            for process in competitors:
                process.terminate()
    (HERE / "results").mkdir(exist_ok=True)
    summary = {"rows": args.rows, "competitors": args.competitors, "runs": results}
    (HERE / "results" / "busy_machine.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
