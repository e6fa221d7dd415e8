"""Scale of ``synthpriv run FOLDER``: generated parents x children through the whole job.

Usage:
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_scale.py [--parents 100000] [--children 2000000]

Writes a folder of two linked tables (patients: key, sex, birth date, a category; admissions:
key, the patient's key, admission and discharge times, a type, a length of stay; about
``children / parents`` admissions each, geometric) into ``--workdir``, runs ``synthpriv run``
on it in a child process and records wall time, CPU seconds and the child's peak RSS, the exit
code and the report's figures. Writes bench/results/linked_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
from _common import run_measured, write_results

HERE = Path(__file__).resolve().parent


def generate(folder: Path, parents: int, children: int, seed: int) -> dict[str, int]:
    """Two linked tables with times in order; returns their row counts."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    born = np.datetime64("1930-01-01") + rng.integers(0, 25_000, parents).astype("timedelta64[D]")
    patients = pl.DataFrame(
        {
            "patient_id": np.arange(1_000_000, 1_000_000 + parents),
            "sex": rng.choice(["F", "M"], parents),
            "birth_date": born,
            "plan": rng.choice(["basic", "plus", "premium", "public"], parents),
        }
    )
    per = rng.geometric(parents / children, parents)
    owner = np.repeat(patients.get_column("patient_id").to_numpy(), per)
    n = owner.size
    admit = np.datetime64(datetime(2015, 1, 1)) + rng.integers(0, 3_000 * 24, n).astype(
        "timedelta64[h]"
    )
    stay = rng.gamma(2.0, 30.0, n).astype(int) + 1
    admissions = pl.DataFrame(
        {
            "admission_id": np.arange(50_000_000, 50_000_000 + n),
            "patient_id": owner,
            "admitted": admit,
            "discharged": admit + stay.astype("timedelta64[h]"),
            "type": rng.choice(
                ["emergency", "elective", "urgent", "newborn"], n, p=[0.5, 0.3, 0.15, 0.05]
            ),
            "stay_hours": stay,
        }
    )
    patients.write_csv(folder / "patients.csv")
    admissions.write_csv(folder / "admissions.csv")
    return {"patients": parents, "admissions": n}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=100_000)
    parser.add_argument("--children", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/synthpriv-linked-scale"))
    args = parser.parse_args()
    folder = args.workdir / f"export-{args.parents}-{args.children}"
    rows = generate(folder, args.parents, args.children, args.seed)
    out = args.workdir / "run"
    shutil.rmtree(out, ignore_errors=True)
    env = os.environ | {
        "SYNTHPRIV_MODEL_KEY": "bench-model-key-0123456789",
        "SYNTHPRIV_CHROMIUM": "",
    }
    command = [sys.executable, "-m", "synthpriv", "--json", "--quiet", "run", str(folder)]
    command += ["-o", str(out), "--nlp-model", "none", "--no-pdf"]
    figures, done = run_measured(command, env)
    results: dict[str, object] = {"rows": rows, **figures}
    report = out / "report.json"
    if report.exists():
        summary = json.loads(report.read_text())
        manifest = json.loads((out / "manifest.json").read_text())
        results |= {
            "verdict": summary["verdict"],
            "foreign_keys_resolved": summary["foreign_keys_resolved"],
            "orderings": summary["orderings"],
            "cardinality": summary["cardinality"],
            "tables": {
                t: {k: v[k] for k in ("rows", "fidelity", "failed_gates")}
                for t, v in summary["tables"].items()
            },
            "stage_seconds": manifest.get("timings_seconds"),
        }
    else:
        results["error"] = done.stderr.strip().splitlines()[-1:] if done.stderr else []
    print(json.dumps(results, indent=2, default=str))
    write_results("linked_scale", results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
