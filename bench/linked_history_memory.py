"""The person-level history search alone: its heap step by step, on generated linked tables.

Usage:
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_history_memory.py PARENTS CHILDREN WORKDIR

Generates (once, in WORKDIR) a real folder of PARENTS patients and CHILDREN admissions and a
synthetic one of 80% of each with another seed (``linked_scale.generate``), splits the real
people 80/20 as a run does, holds the three sides on a shelf (memory-mapped, as a folder run
holds them) and runs ``history_copies``. Around each step it prints the heap (``RssAnon``:
anonymous memory, not the mapped tables) now and its peak since the last line, sampled every
30 ms. Set ``_RJEM_MALLOC_CONF`` before starting to compare polars' allocator settings
(importing synthpriv sets its own only when the variable is unset). Linux only.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from pathlib import Path

import polars as pl
from linked_scale import generate

from synthpriv import relations as rel
from synthpriv.io import held
from synthpriv.metrics import histories

STARTED = time.time()
STEPS = ["histories", "_spill", "closest", "_spread", "_gathered", "_judged"]


def _heap() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("RssAnon"))


class _Peak(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.since = self.overall = 0

    def run(self) -> None:
        while True:
            now = _heap()
            self.since, self.overall = max(self.since, now), max(self.overall, now)
            time.sleep(0.03)


PEAK = _Peak()


def mark(what: str) -> None:
    print(
        f"{time.time() - STARTED:7.1f}s {what:14s} heap {_heap():5d} MB, peak since last "
        f"{PEAK.since:5d}, overall {PEAK.overall:5d}",
        flush=True,
    )
    PEAK.since = _heap()


def _measured(name: str) -> None:
    step = getattr(histories, name)

    @functools.wraps(step)
    def wrapped(*args: object, **kwargs: object) -> object:
        mark(f"> {name}")
        out = step(*args, **kwargs)
        mark(f"< {name}")
        return out

    setattr(histories, name, wrapped)


def _load(folder: Path, seed: int, parents: int, children: int) -> dict[str, pl.DataFrame]:
    if not (folder / "patients.csv").exists():
        generate(folder, parents, children, seed)
    return {
        t: pl.read_csv(folder / f"{t}.csv", try_parse_dates=True)
        for t in ("patients", "admissions")
    }


def main() -> int:
    parents, children, work = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    PEAK.start()
    for name in STEPS:
        _measured(name)
    with held.shelf_in(work):
        real = _load(work / "real", 1, parents, children)
        synthetic = _load(work / "synthetic", 2, int(parents * 0.8), int(children * 0.8))
        relations = rel.discover(real)
        flags = rel.held_out(real, relations, 0.2, 0)
        train = {t: held.table(real[t].filter(~flags[t]), f"train-{t}") for t in real}
        holdout = {t: held.table(real[t].filter(flags[t]), f"holdout-{t}") for t in real}
        synthetic = {t: held.table(f, f"synthetic-{t}") for t, f in synthetic.items()}
        del real, flags
        time.sleep(2)  # the allocator's pages freed by reading given back, at its own pace
        mark("start")
        out = histories.history_copies(train, holdout, synthetic, relations, work=work)
        mark("end")
    print(json.dumps(out["copies"], default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
