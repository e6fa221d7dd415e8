"""Benchmark: column-level PII detection on real public tables nobody here generated.

Usage: .venv/bin/python bench/scan_realtables.py [--corpus ../shared/data/pii-dev] [--no-structured]

Reads every table of the labelled corpus (`labels.csv`: file, column, label, entity; rules in the
corpus README) with synthpriv's own reader, scans it twice (real headers, then meaningless headers
c0, c1, ...) with synthpriv and with presidio-structured (no NLP model, Presidio's default
recognizers) in the same run, and scores per table and overall:

* direct-identifier recall and precision: a column counts as found when the tool gives it a
  direct-identifier or free-text-PII role (synthpriv) or any entity (presidio-structured, which
  has no roles);
* non-PII columns flagged: columns labelled non_pii that get any role but none (synthpriv) or any
  entity (presidio-structured).

Writes bench/results/scan_realtables.json and prints the tables (Markdown).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "data" / "pii-dev"
DIRECT_ROLES = {"direct_identifier", "free_text_pii"}


def load_labels(corpus: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Per file, the (column, label, entity) rows in header order of labels.csv."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    with (corpus / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out[row["file"]].append((row["column"], row["label"], row["entity"]))
    return out


def synthpriv_predict(frame: pl.DataFrame, detector) -> list[dict]:
    schema = detector.detect(frame)
    return [
        {
            "role": str(c.role),
            "entities": c.entity_types,
            "review": bool(getattr(c, "review", None)),
        }
        for c in schema.columns
    ]


def structured_predict(frame: pl.DataFrame, engine, sample: int) -> list[dict]:
    from presidio_structured import PandasAnalysisBuilder

    pdf = frame.with_columns(pl.all().cast(pl.String).fill_null("")).to_pandas()
    analysis = PandasAnalysisBuilder(analyzer=engine).generate_analysis(
        pdf, n=min(sample, len(pdf))
    )
    out = []
    for name in frame.columns:
        entity = analysis.entity_mapping.get(name)
        out.append(
            {"role": "direct_identifier" if entity else "none", "entities": [entity] * bool(entity)}
        )
    return out


def structured_engine():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "no_op"}])
    nlp.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp, languages=["en"])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def score(pairs: list[tuple[str, dict]]) -> dict:
    """Counts and rates from (truth label, prediction) pairs."""
    tp = sum(t == "direct_identifier" and p["role"] in DIRECT_ROLES for t, p in pairs)
    fn = sum(t == "direct_identifier" and p["role"] not in DIRECT_ROLES for t, p in pairs)
    fp = sum(t != "direct_identifier" and p["role"] in DIRECT_ROLES for t, p in pairs)
    non_pii = [p for t, p in pairs if t == "non_pii"]
    flagged = sum(p["role"] != "none" for p in non_pii)
    return {
        "direct": tp + fn,
        "found": tp,
        "false_direct": fp,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "non_pii": len(non_pii),
        "non_pii_flagged": flagged,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-structured", action="store_true")
    parser.add_argument("--structured-sample", type=int, default=1000)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if not (args.corpus / "labels.csv").exists():
        print(f"skipped: {args.corpus} not present (the corpus lives outside the repo)")
        return 0
    warnings.simplefilter("ignore")
    from synthpriv.io import read_table
    from synthpriv.pii.detector import ColumnDetector, DetectorSettings

    detector = ColumnDetector(DetectorSettings(nlp_model="none"))
    engine = None if args.no_structured else structured_engine()
    labels = load_labels(args.corpus)
    tools = ["synthpriv"] + ([] if args.no_structured else ["presidio_structured"])
    results: dict = {"corpus": str(args.corpus.name), "tables": {}, "overall": {}}
    pooled: dict = defaultdict(list)
    misses: list[str] = []
    for name, truth in sorted(labels.items()):
        frame = read_table(args.corpus / name)
        if frame.width != len(truth):
            raise SystemExit(f"{name}: {frame.width} columns read, {len(truth)} labelled")
        per_table: dict = {}
        for headers in ("real", "meaningless"):
            view = (
                frame
                if headers == "real"
                else frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
            )
            for tool in tools:
                start = time.perf_counter()
                if tool == "synthpriv":
                    predicted = synthpriv_predict(view, detector)
                else:
                    predicted = structured_predict(view, engine, args.structured_sample)
                seconds = time.perf_counter() - start
                pairs = [(label, p) for (_, label, _), p in zip(truth, predicted, strict=True)]
                pooled[(tool, headers)].extend(pairs)
                per_table[f"{tool}/{headers}"] = score(pairs) | {"seconds": round(seconds, 2)}
                if tool == "synthpriv":
                    for (column, label, entity), p in zip(truth, predicted, strict=True):
                        wrong_direct = (label == "direct_identifier") != (p["role"] in DIRECT_ROLES)
                        flagged = label == "non_pii" and p["role"] != "none"
                        if wrong_direct or flagged:
                            misses.append(
                                f"{headers:11} {name}:{column!r} label={label}/{entity} "
                                f"got={p['role']} {p['entities']}"
                            )
        results["tables"][name] = per_table
    for (tool, headers), pairs in pooled.items():
        results["overall"][f"{tool}/{headers}"] = score(pairs)
    _print(results, tools)
    if args.show_misses:
        print("\n".join(misses))
    results["misses_synthpriv"] = misses
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "scan_realtables.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _print(results: dict, tools: list[str]) -> None:
    columns = [f"{t}/{h}" for h in ("real", "meaningless") for t in tools]
    print("| table | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    rows = list(results["tables"].items()) + [("**overall**", results["overall"])]
    for name, per in rows:
        cells = []
        for key in columns:
            s = per[key]
            cells.append(
                f"R {s['found']}/{s['direct']} P {s['precision']} flagged {s['non_pii_flagged']}"
                f"/{s['non_pii']}"
            )
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for key in columns:
        s = results["overall"][key]
        print(
            f"{key}: recall {s['recall']} precision {s['precision']} "
            f"non-PII flagged {s['non_pii_flagged']} of {s['non_pii']}"
        )


if __name__ == "__main__":
    sys.exit(main())
