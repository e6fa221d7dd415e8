"""``synthpriv run FOLDER`` with no flag on linked exports it was not tuned on.

Usage:
    .venv/bin/python bench/linked_exports.py [FOLDER ...]

Default folders: the Synthea (OHDSI dbt-synthea seeds), Berka/PKDD'99 and Northwind exports
under ``/work/corpora/linked`` (provenance in ``bench/corpus/linked/exports.md``), and the
MIMIC-III demo under ``../shared``. A folder holding a ``relations.toml`` is run with it
(as a user who named the root would). For each: exit code, wall and CPU seconds, peak RSS,
the root found, the verdicts, the failing gates per table and the share of synthetic foreign
keys that resolve. Writes bench/results/linked_exports.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from _common import SHARED_DATA, run_measured, write_results

CORPORA = Path("/work/corpora/linked")
DEFAULT = [
    CORPORA / "synthea-ohdsi27",
    CORPORA / "berka-pkdd99",
    CORPORA / "northwind",
    CORPORA / "amlsim-20k-cycle200" / "subset-a300-s0",
    SHARED_DATA / "relational-dev" / "mimic3-demo",
]


def run_one(folder: Path, work: Path) -> dict[str, object]:
    out = work / f"{folder.name}-out"
    shutil.rmtree(out, ignore_errors=True)
    env = os.environ | {
        "SYNTHPRIV_MODEL_KEY": "bench-model-key-0123456789",
        "SYNTHPRIV_CHROMIUM": "",
    }
    command = [sys.executable, "-m", "synthpriv", "--json", "--quiet", "run", str(folder)]
    command += ["-o", str(out), "--no-pdf"]
    figures, done = run_measured(command, env)
    result: dict[str, object] = {"folder": folder.name, **figures}
    report = out / "report.json"
    if not report.exists():
        result["error"] = (done.stderr or "").strip().splitlines()[-1:]
        return result
    summary = json.loads(report.read_text())
    resolved = [v for v in summary["foreign_keys_resolved"].values() if v is not None]
    kept = [o["kept_in_synthetic"] for o in summary["orderings"] if o["kept_in_synthetic"]]
    result |= {
        "root": summary["relations"]["root"],
        "tables": len(summary["tables"]),
        "verdict": summary["verdict"],
        "persons_verdict": summary["persons"]["verdict"],
        "persons_failed": [g["name"] for g in summary["persons"]["gates"] if g["status"] == "FAIL"],
        "tables_failed": {
            t: v["failed_gates"] for t, v in summary["tables"].items() if v["failed_gates"]
        },
        "tables_not_measured": [t for t, v in summary["tables"].items() if v["verdict"] == "SKIP"],
        "foreign_keys_resolved_min": min(resolved) if resolved else None,
        "orderings_kept_min": min(kept) if kept else None,
    }
    return result


def main() -> int:
    folders = [Path(a) for a in sys.argv[1:]] or [f for f in DEFAULT if f.is_dir()]
    with tempfile.TemporaryDirectory(prefix="linked-exports-") as tmp:
        results = [run_one(folder, Path(tmp)) for folder in folders]
    write_results("linked_exports", {"runs": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
