"""Benchmark: column-level PII detection on real public tables nobody here generated.

Usage: .venv/bin/python bench/scan_realtables.py [--corpus ../shared/data/pii-dev] [--no-structured]
       .venv/bin/python bench/scan_realtables.py --corpus /work/corpora/pii-dev2 \
           --labels bench/corpus/pii-dev2/labels.csv --no-structured

Reads every table of the labelled corpus (`labels.csv`: file, column, label, entity; rules in the
corpus README) with synthpriv's own reader, scans it twice (real headers, then meaningless headers
c0, c1, ...) with synthpriv and with presidio-structured (no NLP model, Presidio's default
recognizers) in the same run, and scores per table and overall:

* direct-identifier recall and precision: a column counts as found when the tool gives it a
  direct-identifier or free-text-PII role (synthpriv) or any entity (presidio-structured, which
  has no roles);
* non-PII columns flagged: columns labelled non_pii that get any role but none (synthpriv) or any
  entity (presidio-structured).

Leave-one-repository-out: tables of one repository often share a generator, so a rule tuned to
one of them would lift several. The overall figures are recomputed with each repository's tables
left out (``provenance.csv`` beside the labels names each file's repository); the lowest recall
and precision over those runs are reported beside the overall ones, with per-repository figures.

Writes bench/results/scan_realtables.json (pii-dev) or scan_realtables_<corpus>.json and prints
the tables (Markdown).
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


def load_labels(labels: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Per file, the (column, label, entity) rows in header order of labels.csv."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    with labels.open(newline="", encoding="utf-8") as handle:
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
    parser.add_argument("--labels", type=Path, help="labels.csv [CORPUS/labels.csv]")
    args = parser.parse_args()
    labels_path = args.labels or args.corpus / "labels.csv"
    if not labels_path.exists() or not args.corpus.is_dir():
        print(f"skipped: {args.corpus} not present (the corpus lives outside the repo)")
        return 0
    repos = load_repos(labels_path.parent / "provenance.csv")
    warnings.simplefilter("ignore")
    from synthpriv.io import read_table
    from synthpriv.pii.detector import ColumnDetector, DetectorSettings

    detector = ColumnDetector(DetectorSettings(nlp_model="none"))
    engine = None if args.no_structured else structured_engine()
    labels = load_labels(labels_path)
    tools = ["synthpriv"] + ([] if args.no_structured else ["presidio_structured"])
    results: dict = {"corpus": str(args.corpus.name), "tables": {}, "overall": {}}
    pooled: dict = defaultdict(list)
    by_table: dict = defaultdict(dict)
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
                by_table[(tool, headers)][name] = pairs
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
    results["leave_one_repository_out"] = {
        f"{tool}/{headers}": leave_one_out(tables, repos)
        for (tool, headers), tables in by_table.items()
    }
    _print(results, tools)
    _print_loro(results["leave_one_repository_out"])
    if args.show_misses:
        print("\n".join(misses))
    results["misses_synthpriv"] = misses
    (HERE / "results").mkdir(exist_ok=True)
    stem = "scan_realtables" + ("" if args.corpus.name == "pii-dev" else f"_{args.corpus.name}")
    (HERE / "results" / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


def load_repos(provenance: Path) -> dict[str, str]:
    """File -> repository, from the corpus's provenance.csv (each file its own if absent)."""
    if not provenance.exists():
        return {}
    with provenance.open(newline="", encoding="utf-8") as handle:
        return {row["file"]: row["repo"] for row in csv.DictReader(handle)}


def leave_one_out(tables: dict[str, list], repos: dict[str, str]) -> dict:
    """Per repository: its own figures, and the overall figures without its tables."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name in tables:
        groups[repos.get(name, name)].append(name)
    out: dict = {"repositories": {}}
    for repo, names in sorted(groups.items()):
        own = [pair for n in names for pair in tables[n]]
        rest = [pair for n, pairs in tables.items() if n not in names for pair in pairs]
        out["repositories"][repo] = {"tables": names, "own": score(own), "without": score(rest)}
    without = [r["without"] for r in out["repositories"].values()]
    for key in ("recall", "precision"):
        values = [w[key] for w in without if w[key] is not None]
        out[f"lowest_{key}_without_one"] = min(values) if values else None
        out[f"highest_{key}_without_one"] = max(values) if values else None
    return out


def _print_loro(loro: dict) -> None:
    print("\nleave one repository out (overall figures with one repository's tables removed):")
    for key, figures in loro.items():
        print(
            f"{key}: recall {figures['lowest_recall_without_one']}-"
            f"{figures['highest_recall_without_one']}, precision "
            f"{figures['lowest_precision_without_one']}-"
            f"{figures['highest_precision_without_one']} over "
            f"{len(figures['repositories'])} repositories"
        )
        for repo, r in figures["repositories"].items():
            own = r["own"]
            print(
                f"    {repo}: own R {own['found']}/{own['direct']} P {own['precision']}; "
                f"without it R {r['without']['recall']} P {r['without']['precision']}"
            )


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
