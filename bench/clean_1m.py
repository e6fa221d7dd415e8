"""Benchmark: `clean` (each built-in policy, with verification) on a generated 1M-row table.

Usage: .venv/bin/python bench/clean_1m.py [--rows N] [--distinct D] [--notes K]
The table is built from the healthcare generator: pools of D distinct fake people, drawn with
replacement, and K distinct clinical notes (redaction analyses each distinct note once, so K,
not the row count, sets its cost; its throughput is reported separately). Writes
bench/results/clean_1m.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
from _common import peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "sample_data"))


def build(rows: int, distinct: int, notes: int, seed: int = 0) -> pl.DataFrame:
    from generate import healthcare_rows

    people = pl.DataFrame(healthcare_rows(distinct, seed=seed))
    rng = np.random.default_rng(seed)
    frame = people[rng.integers(0, distinct, rows)]
    note_pool = people["clinical_note"].head(notes)
    frame = frame.with_columns(pl.Series("clinical_note", note_pool[rng.integers(0, notes, rows)]))
    return frame.with_columns(
        pl.col("date_of_birth").str.to_date(), pl.col("admission_date").str.to_date()
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=50_000)
    parser.add_argument("--notes", type=int, default=5_000)
    args = parser.parse_args()
    os.environ.setdefault("SYNTHPRIV_PSEUDONYM_KEY", "bench-pseudonym-key-0123456789")
    from synthpriv.clean import clean_table, verify_clean
    from synthpriv.pii.detector import ColumnDetector, DetectorSettings
    from synthpriv.policy import load_policy, pseudonym_key

    started = time.perf_counter()
    frame = build(args.rows, args.distinct, args.notes)
    results: dict[str, object] = {
        "rows": frame.height,
        "columns": frame.width,
        "distinct_people": args.distinct,
        "distinct_notes": args.notes,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    detector = ColumnDetector(DetectorSettings(nlp_model="none"))
    start = time.perf_counter()
    schema = detector.detect(frame)
    results["scan_seconds"] = round(time.perf_counter() - start, 2)
    for name in ("strict", "hipaa-safe-harbor", "pseudonymize"):
        start = time.perf_counter()
        result = clean_table(
            frame, schema, detector.analyzers, policy=load_policy(name), key=pseudonym_key()
        )
        cleaned = time.perf_counter() - start
        start = time.perf_counter()
        verify_clean(frame, result, schema, detector)  # a new result; timed, not kept
        verified = time.perf_counter() - start
        results[name] = {
            "clean_seconds": round(cleaned, 2),
            "verify_seconds": round(verified, 2),
            "rows_per_second": int(frame.height / (cleaned + verified)),
        }
        print(name, results[name], flush=True)
    notes = frame["clinical_note"].unique().head(1000)
    from synthpriv.clean import Redactor

    start = time.perf_counter()
    Redactor(detector.analyzers).redact_series(notes)
    results["redaction_cells_per_second_model_free"] = int(
        notes.len() / (time.perf_counter() - start)
    )
    results["peak_rss_mb"] = peak_rss_mb()
    write_results("clean_1m", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
