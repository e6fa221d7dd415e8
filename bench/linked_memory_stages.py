"""Where ``synthpriv run FOLDER`` holds its memory: resident memory around each stage.

Usage:
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_memory_stages.py FOLDER OUT [--inner] [--tail]

Runs ``run FOLDER -o OUT`` in this process with each stage function wrapped. Around each
stage it prints the resident memory before, the stage's peak (``VmHWM``, reset through
``/proc/self/clear_refs``), after, and after ``malloc_trim(0)``: the last is what the stage
left live, not what the allocator kept. ``--inner`` measures the steps inside each table's
report too (an enclosing stage's peak then counts from its last inner step only). Beside each,
the anonymous memory (``RssAnon``, sampled: what the process holds in its heap, without the
pages of the memory-mapped files it reads its tables from). Linux only. ``--tail`` reaches
the steps after the per-table reports in minutes, not the hour those take at 8M rows: each
table's report is made of the first 20,000 rows of each side (its figures are then not the
table's), and each later step is measured (:data:`TAIL`).
Make the folder with ``linked_scale.py``
(``--workdir``): e.g. ``/tmp/synthpriv-linked-scale/export-100000-2000000``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
import time

os.environ.setdefault("SYNTHPRIV_MODEL_KEY", "bench-model-key-0123456789")
os.environ.setdefault("SYNTHPRIV_CHROMIUM", "")

from synthpriv import linked, linked_run  # noqa: E402
from synthpriv.cli import main  # noqa: E402

LIBC = ctypes.CDLL("libc.so.6")
STARTED = time.time()
STAGES = [
    "read_tables",
    "split_people",
    "scan_tables",
    "clean_tables",
    "clean_alike",
    "searched_only",
    "fit_tables",
    "build_report",
    "history_copies",
    "person_report",
    "_summary",
    "write_synthetic",
    "write_folder_report",
]


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) // 1024
    return 0


class _AnonPeak(threading.Thread):
    """The largest anonymous resident memory (``RssAnon``: the heap, not mapped files) seen.

    Sampled every 50 ms: the kernel keeps a peak of the whole resident memory only, which
    counts the pages of memory-mapped files the kernel may drop whenever memory is short.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.overall = 0

    def run(self) -> None:
        while True:
            now = _status("RssAnon")
            self.peak = max(self.peak, now)
            self.overall = max(self.overall, now)
            time.sleep(0.05)


ANON = _AnonPeak()


def _measured(module: object, name: str) -> None:
    stage = getattr(module, name)

    @functools.wraps(stage)
    def wrapped(*args: object, **kwargs: object) -> object:
        LIBC.malloc_trim(0)
        before = _status("VmRSS")
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current resident memory
        ANON.peak = _status("RssAnon")
        anon_before = ANON.peak
        out = stage(*args, **kwargs)
        peak, after = _status("VmHWM"), _status("VmRSS")
        anon_peak = ANON.peak
        LIBC.malloc_trim(0)
        print(
            f"{time.time() - STARTED:7.1f}s {name:20s} before {before:6d} peak {peak:6d} "
            f"after {after:6d} trimmed {_status('VmRSS'):6d} MB; anonymous {anon_before:6d} "
            f"-> peak {anon_peak:6d} (run's peak {ANON.overall:6d})",
            flush=True,
        )
        return out

    setattr(module, name, wrapped)


# inside a table's report (--inner): each privacy and fidelity step, where the report peaks
INNER = {
    "synthpriv.metrics.privacy": [
        "near_copy_levels",
        "linked_share",
        "distance_metrics",
        "membership_inference",
        "attack_metrics",
        "exposed_people",
        "exact_copies",
        "unique_record_copies",
        "holdout_copies",
        "linkable",
    ],
    "synthpriv.report.builder": ["privacy_metrics", "_fidelity"],
    # the person-level history search: each side's compared rows, their keys, each search
    "synthpriv.metrics.histories": ["histories", "_spill", "closest"],
}


# after the per-table reports (--tail): the people's report, the folder summary, writing
TAIL = {
    "synthpriv.linked_run": [
        "residual_identifiers",
        "_key_leaks",
        "flatten",
        "kept_share",
        "write_table",
        "write_manifest",
    ],
    "synthpriv.metrics.relational": ["cardinality", "pair_trends", "sequences"],
}
TAIL_ROWS = 20_000


def _reports_cut() -> None:
    """Per-table reports on :data:`TAIL_ROWS` rows of each side; the people's report whole."""
    whole = linked_run.build_report

    def cut(**sides: object) -> object:
        if "histories" not in sides:  # a table's report, not the people's
            for side in ("train", "holdout", "synthetic"):
                sides[side] = sides[side].head(TAIL_ROWS)  # type: ignore[attr-defined]
        return whole(**sides)

    linked_run.build_report = cut


def run() -> None:
    ANON.start()
    for name in STAGES:
        _measured(linked_run, name)
    _measured(linked, "sample")
    if "--inner" in sys.argv:
        import importlib

        sys.argv.remove("--inner")
        for module, names in INNER.items():
            for name in names:
                _measured(importlib.import_module(module), name)
    if "--tail" in sys.argv:
        import importlib

        sys.argv.remove("--tail")
        _reports_cut()
        for module, names in TAIL.items():
            for name in names:
                _measured(importlib.import_module(module), name)
    folder, out = sys.argv[1:3]
    sys.argv = ["synthpriv", "--quiet", "run", folder, "-o", out, "--nlp-model", "none"]
    sys.argv += ["--no-pdf"]
    main()


if __name__ == "__main__":
    run()
