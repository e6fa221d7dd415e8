"""Scale of ``synthpriv run FOLDER``: generated parents x children through the whole job.

Usage:
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_scale.py [--parents 100000] [--children 2000000]
        [--memory-cap MB] [--results NAME]

Writes a folder of two linked tables (patients: key, sex, birth date, a category; admissions:
key, the patient's key, admission and discharge times, a type, a length of stay; about
``children / parents`` admissions each, geometric) into ``--workdir``, runs ``synthpriv run``
on it in a child process and records wall time, CPU seconds and the child's peak RSS, the exit
code and the report's figures. Writes bench/results/linked_scale.json (or NAME.json).
``--memory-cap MB`` runs the child in a memory cgroup with that hard limit (:func:`capped`):
a run whose memory is bounded finishes under a cap below what it would otherwise touch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
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


CGROUPS = Path("/sys/fs/cgroup/memory")  # cgroup v1's memory controller (root only)


def _oom_kills(group: Path) -> int:
    for line in (group / "memory.oom_control").read_text().splitlines():
        if line.startswith("oom_kill "):
            return int(line.split()[1])
    return 0


def capped(command: list[str], env: dict[str, str], cap_mb: int) -> tuple[dict, object]:
    """Run ``command`` as :func:`run_measured` does, inside a memory cgroup capped at ``cap_mb``.

    The cap counts everything the kernel charges the process: its heap and the file pages it
    touches (memory-mapped tables, the CSV read). Past it the kernel first drops file pages
    it can read again, then kills the process (exit -9). Also records the group's largest
    usage, how often a charge failed at the cap (``failcnt``), and the largest heap
    (anonymous pages, sampled every 0.2 s).
    """
    group = CGROUPS / f"synthpriv-bench-{os.getpid()}"
    group.mkdir()
    try:
        (group / "memory.limit_in_bytes").write_text(str(cap_mb * 1024 * 1024))
        (group / "memory.memsw.limit_in_bytes").write_text(str(cap_mb * 1024 * 1024))
        procs = str(group / "cgroup.procs")

        def enter() -> None:
            with open(procs, "w") as file:
                file.write(str(os.getpid()))

        anonymous = [0]
        running = threading.Event()
        running.set()

        def watch() -> None:  # the group's heap (``rss`` of memory.stat: anonymous pages)
            while running.is_set():
                for line in (group / "memory.stat").read_text().splitlines():
                    if line.startswith("rss "):
                        anonymous[0] = max(anonymous[0], int(line.split()[1]))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            figures, done = run_measured(command, env, before_exec=enter)
        finally:
            running.clear()
            watcher.join()
        figures["cgroup_peak_anonymous_mb"] = round(anonymous[0] / 2**20)
        figures |= {
            "memory_cap_mb": cap_mb,
            "cgroup_max_usage_mb": round(
                int((group / "memory.max_usage_in_bytes").read_text()) / 2**20
            ),
            # charges that met the cap (with no swap, the memory+swap counter meets it
            # first) and processes the group's OOM killer killed: an exit -9 with none was
            # not the cap's
            "cgroup_hit_cap": int((group / "memory.failcnt").read_text())
            + int((group / "memory.memsw.failcnt").read_text()),
            "cgroup_oom_kills": _oom_kills(group),
        }
        return figures, done
    finally:
        for _ in range(50):  # the group goes once its last process has been reaped
            try:
                group.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=100_000)
    parser.add_argument("--children", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/synthpriv-linked-scale"))
    parser.add_argument(
        "--memory-cap",
        type=int,
        default=None,
        metavar="MB",
        help="run inside a memory cgroup capped at MB (Linux, cgroup v1, root)",
    )
    parser.add_argument("--results", default="linked_scale", help="results/NAME.json")
    args = parser.parse_args()
    folder = args.workdir / f"export-{args.parents}-{args.children}"
    made = folder / "made.json"  # written last: the folder's tables are whole and of this seed
    if made.exists() and json.loads(made.read_text())["seed"] == args.seed:
        rows = json.loads(made.read_text())["rows"]  # the same arguments make the same files
    else:
        made.unlink(missing_ok=True)
        rows = generate(folder, args.parents, args.children, args.seed)
        made.write_text(json.dumps({"seed": args.seed, "rows": rows}))
    out = args.workdir / "run"
    shutil.rmtree(out, ignore_errors=True)
    env = os.environ | {
        "SYNTHPRIV_MODEL_KEY": "bench-model-key-0123456789",
        "SYNTHPRIV_CHROMIUM": "",
    }
    command = [sys.executable, "-m", "synthpriv", "--json", "--quiet", "run", str(folder)]
    command += ["-o", str(out), "--nlp-model", "none", "--no-pdf"]
    if args.memory_cap:
        figures, done = capped(command, env, args.memory_cap)
    else:
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
    write_results(args.results, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
