"""`synthpriv run --spark` on generated tables of 1M, 5M and 20M rows, in local[1] and local[2].

Beside it, the single-process `synthpriv run` on the same table where it fits. Each run is a
separate `synthpriv` process; its memory and CPU time are read from /proc every half second: the
Python driver (the process synthpriv runs in), the JVM it starts (driver and, in local mode, the
executors) and the Python workers the JVM forks; cores_busy is CPU seconds / wall seconds.
Wall time per run, and the ratio local[1] / local[2]
(on 2 cores, near 2 means the work spreads over the cores).

    .venv/bin/python bench/spark_scale.py [--rows 1000000,5000000,20000000]
        [--masters local[1],local[2]] [--single-process-max 5000000] [--workdir /tmp/sp-bench]

The tables come from bench/spark_table.py (names from mimesis, not Faker). After each run the
outputs are searched for every input SSN and e-mail (there must be none).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import write_results
from spark_table import generate

HERE = Path(__file__).resolve().parent
SYNTHPRIV = Path(sys.executable).parent / "synthpriv"


def _processes() -> tuple[dict[int, list[int]], dict[int, float]]:
    """Each process's children, and its user + system CPU seconds so far: one stat read each."""
    tree: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return tree, cpu


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class Watch(threading.Thread):
    """Peak RSS of a process, of the JVM under it and of everything else under it."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.cpu: dict[int, float] = {}  # CPU seconds per process of the tree, last seen
        self.peak = {
            "python_driver_mb": 0.0,
            "jvm_mb": 0.0,
            "python_workers_mb": 0.0,
            "total_mb": 0.0,
        }

    def run(self) -> None:
        while not self.done.wait(0.5):
            tree, cpu = _processes()
            now = {"python_driver_mb": _rss_mb(self.pid), "jvm_mb": 0.0, "python_workers_mb": 0.0}
            self.cpu[self.pid] = cpu.get(self.pid) or self.cpu.get(self.pid, 0.0)
            stack = list(tree.get(self.pid, []))
            while stack:
                pid = stack.pop()
                stack += tree.get(pid, [])
                key = "jvm_mb" if _name(pid) == "java" else "python_workers_mb"
                now[key] += _rss_mb(pid)
                self.cpu[pid] = cpu.get(pid) or self.cpu.get(pid, 0.0)
            now["total_mb"] = sum(now.values())
            for key, value in now.items():
                self.peak[key] = max(self.peak[key], round(value, 1))


def run_once(table: Path, out: Path, master: str | None) -> dict:
    """One `synthpriv run` (with --spark master when given): wall time, memory, exit code."""
    shutil.rmtree(out, ignore_errors=True)
    command = [str(SYNTHPRIV), "-q", "--json", "run", str(table), "-o", str(out)]
    if master:
        command += ["--spark", master]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watch = Watch(process.pid)
    watch.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    watch.done.set()
    watch.join()
    result = {
        "master": master or "single process",
        "wall_s": round(wall, 1),
        "exit_code": process.returncode,
    }
    result |= watch.peak
    cpu = sum(watch.cpu.values())
    result |= {"cpu_s": round(cpu, 1), "cores_busy": round(cpu / wall, 2)}
    if process.returncode in (0, 6, 7, 9):
        summary = json.loads(stdout)
        result["verdict"] = summary["verdict"]
        manifest = json.loads((out / "manifest.json").read_text())
        result["stages_s"] = manifest["timings_seconds"]
    else:
        result["error"] = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return result


SSN = r"[0-9]{3}-[0-9]{2}-[0-9]{4}"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+"


def _shaped_like_inputs(out: Path) -> set[str]:
    """Every SSN-shaped and e-mail-shaped string in any output file, Parquet decoded.

    Text and binary files (the pickled model) are read byte for byte; Parquet part files are
    decoded first (their pages are compressed, so a byte search would miss values in them).
    """
    import polars as pl

    found: set[str] = set()
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            for name in frame.columns:
                column = frame[name].cast(pl.String)
                for pattern in (SSN, EMAIL):
                    hits = column.str.extract_all(pattern).explode().drop_nulls().unique()
                    found.update(hits.to_list())
        else:
            text = path.read_bytes().decode("latin-1")
            for pattern in (SSN, EMAIL):
                found.update(re.findall(pattern, text))
    return found


def leaked(table: Path, out: Path) -> int:
    """How many input SSNs and e-mails appear in any output file.

    Not `grep -F` of every input value: at 20M rows that is 40M patterns. Every SSN- or
    e-mail-shaped string of the outputs is collected instead (longest match: a value glued to
    characters an e-mail may contain would be missed) and joined with the input values.
    """
    import polars as pl

    found = pl.DataFrame({"value": sorted(_shaped_like_inputs(out))}, schema={"value": pl.String})
    inputs = pl.scan_parquet(table / "*.parquet")
    values = pl.concat([inputs.select(value="ssn"), inputs.select(value="email")])
    return values.join(found.lazy(), on="value", how="semi").select(pl.len()).collect().item()


def _one_file(table: Path) -> Path:
    import polars as pl

    single = table.with_suffix(".single.parquet")
    if not single.exists():
        pl.scan_parquet(table / "*.parquet").sink_parquet(single)
    return single


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,5000000,20000000")
    parser.add_argument("--masters", default="local[1],local[2]", help="'' for none")
    parser.add_argument("--single-process-max", type=int, default=5_000_000)
    parser.add_argument("--results", default="spark_scale", help="results/NAME.json")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/synthpriv-spark-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": f"{os.cpu_count()} cores", "runs": []}
    for rows in [int(r) for r in args.rows.split(",")]:
        table = args.workdir / f"claims-{rows}.parquet"
        if not table.exists():
            generate(rows, table)
        peers = [m for m in args.masters.split(",") if m]
        peers += [None] if rows <= args.single_process_max else []
        for master in peers:
            out = args.workdir / f"out-{rows}-{(master or 'single').strip('[]').replace('[', '')}"
            # the single-process run reads one file, not a folder of part files
            source = table if master else _one_file(table)
            result = {"rows": rows} | run_once(source, out, master)
            result["input_ssn_or_email_in_outputs"] = leaked(table, out) if out.exists() else None
            results["runs"].append(result)
            print(json.dumps(result), flush=True)
            shutil.rmtree(out, ignore_errors=True)
        walls = {r["master"]: r["wall_s"] for r in results["runs"] if r["rows"] == rows}
        if "local[1]" in walls and "local[2]" in walls:
            results.setdefault("speedup_local2_over_local1", {})[rows] = round(
                walls["local[1]"] / walls["local[2]"], 2
            )
    write_results(args.results, results)


if __name__ == "__main__":
    main()
