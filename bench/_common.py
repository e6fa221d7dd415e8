"""What every benchmark script shares: peak memory and writing its figures to results/."""

from __future__ import annotations

import json
import resource
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED_DATA = HERE.parent.parent / "shared" / "data"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_results(name: str, results: dict) -> None:
    """Write ``results`` to results/<name>.json and print them."""
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def run_measured(
    command: list[str], env: dict[str, str], before_exec: Callable[[], None] | None = None
) -> tuple[dict, object]:
    """Run a child process; its exit code, wall and CPU seconds, peak RSS, and the process.

    ``before_exec`` runs in the child before the command starts (e.g. to join a cgroup).

    CPU and RSS are the children's (``RUSAGE_CHILDREN``): a grandchild such as a Spark JVM counts
    once it exits and is waited for. The peak RSS is the largest child's of this process so far.
    """
    import subprocess
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, preexec_fn=before_exec
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    figures = {
        "exit_code": done.returncode,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(after.ru_maxrss / 1024),
    }
    return figures, done
