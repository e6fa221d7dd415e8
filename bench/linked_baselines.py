"""Linked-table baselines, judged by ``linked_judge``: SDV HMA (limits lifted) and independent
GaussianCopula tables with re-drawn keys, on the MIMIC-III demo and the AMLSim finance subset.

    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_baselines.py
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_baselines.py --sets mimic3-demo-core --seed 1
    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_baselines.py --methods synthpriv

Sets (``linked_sets.py``): ``mimic3-demo`` (8 tables, 4 levels), ``mimic3-demo-no-icu-links``
(8 tables, 3 levels), ``mimic3-demo-core`` (4 tables, 3 levels) and ``amlsim`` (accounts ->
transactions, two foreign keys; run ``bench/corpus/linked/fetch_linked.py`` first). A set
whose files are missing is skipped with a message.

(a) **HMA, Community limits lifted.** SDV 2.0's ``BaseMultiTableSynthesizer.__init__`` calls
``_validate_schema_complexity``, which raises ``SynthesizerInputError`` ("not designed to
handle a schema with more than 5 tables or relationship depth greater than 2 ... use SDV
Enterprise") when ``len(metadata.tables) > 5`` or ``metadata._get_max_schema_depth() > 2``.
``LiftedHMA`` below overrides that one method with a no-op; nothing else changes. What the
check protected against remains: HMA folds every child table's per-parent copula parameters
(means, scales, all pairwise correlations) into its parent as columns, level by level, so the
root's column count grows with the square of each level's. Before fitting, the script asks
SDV's own ``HMASynthesizer._estimate_num_columns(metadata)``; when a table would model more
than ``--hma-max-columns`` columns (default 10,000: the copula's correlation matrix alone is
columns^2 x 8 bytes, 0.8 GB at 10,000) HMA is not run and the estimate is recorded as the
reason.

(b) **Independent tables.** Each table is fitted alone by ``GaussianCopulaSynthesizer`` on its
columns minus its foreign keys (metadata of that table alone, same sdtypes) and sampled to the
real row count, parents first; the primary key is SDV's own generated id. Then every foreign
key column is re-drawn: each child row takes a parent key drawn uniformly, with replacement,
from the synthetic parent table (``numpy.random.default_rng(seed)``, one draw per row), and is
set to null with the real column's null share (an independent Bernoulli per row). So every
non-null key resolves, and the number of children per parent is Poisson-like whatever it was.

CPU seconds are ``time.process_time()`` plus the children's user and system time
(``os.times()``), for fitting and for sampling separately. Figures only are written
(results/linked_baselines.json); no value of any table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
import warnings
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd
from _common import peak_rss_mb, write_results
from linked_judge import _md_dict, date_orderings, fk_resolution, judge
from linked_sets import AMLSIM_DIR, MIMIC_DIR, LinkedSet, amlsim, mimic
from sdv.metadata import Metadata
from sdv.multi_table import HMASynthesizer
from sdv.single_table import GaussianCopulaSynthesizer

SETS = {
    "mimic3-demo": (lambda: mimic("full"), MIMIC_DIR),
    "mimic3-demo-no-icu-links": (lambda: mimic("no-icu-links"), MIMIC_DIR),
    "mimic3-demo-core": (lambda: mimic("core"), MIMIC_DIR),
    "amlsim": (amlsim, AMLSIM_DIR),
}
DEFAULT_SETS = "mimic3-demo,mimic3-demo-no-icu-links,mimic3-demo-core,amlsim"
HMA_MAX_COLUMNS = 10_000


class LiftedHMA(HMASynthesizer):
    """SDV's HMASynthesizer without the Community check on table count and depth.

    ``HMASynthesizer._validate_schema_complexity`` (sdv/multi_table/hma.py, SDV 2.0) refuses
    more than 5 tables or a relationship depth above 2; this subclass skips it. Everything
    else is SDV's own code.
    """

    def _validate_schema_complexity(self) -> None:
        return None


def cpu_seconds() -> float:
    """This process's CPU time plus that of its finished children."""
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def parents_first(md: dict) -> list[str]:
    """Tables ordered so that every parent comes before its children."""
    tables = list(md["tables"])
    parents = {t: set() for t in tables}
    for r in md.get("relationships", []):
        parents[r["child_table_name"]].add(r["parent_table_name"])
    order: list[str] = []
    while len(order) < len(tables):
        for t in tables:
            if t not in order and parents[t] <= set(order):
                order.append(t)
    return order


def run_hma(ls: LinkedSet, seed: int, max_columns: int) -> tuple[dict, dict | None]:
    """Fit and sample LiftedHMA, or say why it was not run."""
    md = ls.metadata
    estimate = HMASynthesizer._estimate_num_columns(md)
    widest = max(estimate, key=estimate.get)
    info: dict[str, Any] = {
        "tables": len(md.tables),
        "depth": md._get_max_schema_depth(),
        "community_check_would_refuse": len(md.tables) > 5 or md._get_max_schema_depth() > 2,
        "estimated_modelled_columns": estimate,
    }
    if estimate[widest] > max_columns:
        gb = estimate[widest] ** 2 * 8 / 1e9
        info["status"] = "not run"
        info["reason"] = (
            f"HMA would model {estimate[widest]:,} columns for {widest} "
            f"({len(ls.tables[widest])} rows) by SDV's own estimate; its copula's correlation "
            f"matrix alone would be {gb:,.1f} GB of float64 (limit --hma-max-columns "
            f"{max_columns:,})"
        )
        return info, None
    seed_everything(seed)
    synth = LiftedHMA(md, verbose=False)
    c0 = cpu_seconds()
    w0 = time.perf_counter()
    synth.fit(ls.tables)
    c1 = cpu_seconds()
    w1 = time.perf_counter()
    sample = synth.sample_scale(scale=1.0)
    c2 = cpu_seconds()
    w2 = time.perf_counter()
    info.update(
        status="ok",
        cpu_s={"fit": round(c1 - c0, 2), "sample": round(c2 - c1, 2)},
        wall_s={"fit": round(w1 - w0, 2), "sample": round(w2 - w1, 2)},
    )
    return info, sample


def single_table_metadata(md: dict, table: str, drop: set[str]) -> Metadata:
    t = {k: v for k, v in md["tables"][table].items() if k != "columns"}
    t["columns"] = {c: m for c, m in md["tables"][table]["columns"].items() if c not in drop}
    return Metadata.load_from_dict({"tables": {table: t}, "relationships": []})


def run_independent(ls: LinkedSet, seed: int) -> tuple[dict, dict]:
    """Each table by GaussianCopula alone; foreign keys re-drawn uniformly (module docstring)."""
    md = _md_dict(ls.metadata)
    rels = md.get("relationships", [])
    rng = np.random.default_rng(seed)
    seed_everything(seed)
    out: dict[str, pd.DataFrame] = {}
    fit_s = sample_s = 0.0
    for table in parents_first(md):
        real = ls.tables[table]
        fks = {r["child_foreign_key"] for r in rels if r["child_table_name"] == table}
        tmd = single_table_metadata(md, table, fks)
        c0 = cpu_seconds()
        gc = GaussianCopulaSynthesizer(tmd)
        gc.fit({table: real.drop(columns=sorted(fks))})
        c1 = cpu_seconds()
        syn = gc.sample(len(real))
        if isinstance(syn, dict):  # SDV 2.0 returns {table: frame}
            syn = syn[table]
        for r in rels:
            if r["child_table_name"] != table:
                continue
            fk, pk = r["child_foreign_key"], r["parent_primary_key"]
            keys = out[r["parent_table_name"]][pk].to_numpy()
            drawn = pd.Series(rng.choice(keys, size=len(syn)), index=syn.index)
            null_share = float(real[fk].isna().mean())
            if null_share > 0:
                drawn = drawn.astype(object).where(rng.random(len(syn)) >= null_share, None)
            syn[fk] = drawn
        out[table] = syn[list(real.columns)]
        c2 = cpu_seconds()
        fit_s += c1 - c0
        sample_s += c2 - c1
    return {"status": "ok", "cpu_s": {"fit": round(fit_s, 2), "sample": round(sample_s, 2)}}, out


def run_synthpriv(ls: LinkedSet, seed: int) -> tuple[dict, dict]:
    """synthpriv's linked synthesizer (synthpriv.linked) on the same tables, keys found from the
    data (synthpriv.relations.discover), not taken from the set's metadata."""
    import polars as pl

    from synthpriv import linked
    from synthpriv.relations import discover, find_orderings

    frames = {t: pl.from_pandas(df) for t, df in ls.tables.items()}
    c0 = cpu_seconds()
    relations = discover(frames)
    orderings = find_orderings(frames, relations)
    model = linked.fit(frames, relations, orderings, seed=seed)
    c1 = cpu_seconds()
    drawn = linked.sample(model)
    c2 = cpu_seconds()
    out = {}
    for table, real in ls.tables.items():
        frame = drawn[table].to_pandas()
        for column in real.columns:
            try:
                frame[column] = frame[column].astype(real[column].dtype)
            except (TypeError, ValueError):
                pass
        out[table] = frame[list(real.columns)]
    info = {
        "status": "ok",
        "cpu_s": {"fit": round(c1 - c0, 2), "sample": round(c2 - c1, 2)},
        "found": {
            "primary_keys": relations.keys,
            "links": [
                f"{k.child}.{k.column} -> {k.parent}.{k.key} ({k.kind})" for k in relations.links
            ],
            "orderings": len(orderings),
        },
    }
    return info, out


def sequence_figures(ls: LinkedSet, sample: dict) -> dict:
    """Gaps between a parent's consecutive rows, real against synthetic, per child table.

    synthpriv's own measure (``synthpriv.metrics.relational.sequences``: 1 - KS of the gaps
    and their medians in days), on the links synthpriv finds in the real tables; SDMetrics has
    no sequence measure.
    """
    import polars as pl

    from synthpriv.metrics.relational import sequences
    from synthpriv.relations import discover

    real = {t: pl.from_pandas(df) for t, df in ls.tables.items()}
    fake = {t: pl.from_pandas(df) for t, df in sample.items()}
    try:
        found = sequences(real, fake, discover(real))
    except Exception as exc:  # recorded, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {
        t: {
            "gap_similarity": e["gap_similarity"],
            "median_gap_days": [e["gap_days"]["real"]["p50"], e["gap_days"]["synthetic"]["p50"]],
        }
        for t, e in found.items()
    }


def describe(ls: LinkedSet) -> dict:
    md = _md_dict(ls.metadata)
    return {
        "tables": {t: [len(df), len(df.columns)] for t, df in ls.tables.items()},
        "primary_keys": {t: m.get("primary_key") for t, m in md["tables"].items()},
        "relationships": [
            f"{r['child_table_name']}.{r['child_foreign_key']} -> "
            f"{r['parent_table_name']}.{r['parent_primary_key']}"
            for r in md.get("relationships", [])
        ],
        "depth": ls.metadata._get_max_schema_depth(),
        "root": ls.root,
        "notes": ls.notes,
        "real": {
            "fk_resolution": fk_resolution(ls.tables, ls.metadata)["overall"],
            "orderings": date_orderings(ls.tables, ls.orderings, ls.metadata),
        },
    }


METHODS = ("hma", "independent", "synthpriv")


def run_set(name: str, seed: int, max_columns: int, methods: tuple[str, ...] = METHODS) -> dict:
    loader, folder = SETS[name]
    if not folder.exists():
        print(f"skip {name}: {folder} not found", file=sys.stderr)
        return {"status": "skipped", "reason": f"{folder} not found"}
    ls = loader()
    res = describe(ls)
    runners = {
        "hma": lambda: run_hma(ls, seed, max_columns),
        "independent": lambda: run_independent(ls, seed),
        "synthpriv": lambda: run_synthpriv(ls, seed),
    }
    for method, runner in ((m, runners[m]) for m in methods):
        print(f"{name}: {method} ...", file=sys.stderr, flush=True)
        try:
            info, sample = runner()
        except Exception as exc:  # recorded, not fatal: the other baseline still runs
            info, sample = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}, None
        if sample is not None:
            c0 = cpu_seconds()
            info["judge"] = judge(ls.tables, sample, ls.metadata, ls.root, ls.orderings, seed)
            info["judge_cpu_s"] = round(cpu_seconds() - c0, 2)
            info["sequences"] = sequence_figures(ls, sample)
        res[method] = info
    return res


def fmt(x: Any, nd: int = 3) -> str:
    return "-" if x is None else (f"{x:.{nd}f}" if isinstance(x, float) else str(x))


def print_table(results: dict) -> None:
    head = (
        "set | method | quality | shapes | pairs | cardinality | intertable | FK resolved | "
        "orderings held (real) | history AUC | sequence gaps (1-KS) | CPU s fit+sample"
    )
    print(head)
    print("|".join(["---"] * len(head.split("|"))))
    for name, res in results["sets"].items():
        if res.get("status") == "skipped":
            print(f"{name} | skipped | {res['reason']}")
            continue
        real_ord = res["real"]["orderings"]
        for method in ("hma", "independent", "synthpriv"):
            info = res.get(method)
            if info is None:
                continue
            if info.get("status") != "ok":
                print(f"{name} | {method} | {info.get('status')}: {info.get('reason')}")
                continue
            j = info["judge"]
            q = j["quality"]
            props = q.get("properties", {})
            ords = "; ".join(
                f"{k} {fmt(v['share'])} ({fmt(real_ord[k]['share'])})"
                for k, v in j["orderings"].items()
            )
            h = j["history_auc"]
            print(
                " | ".join(
                    [
                        name,
                        method,
                        fmt(q.get("overall")),
                        fmt(props.get("Column Shapes")),
                        fmt(props.get("Column Pair Trends")),
                        fmt(props.get("Cardinality")),
                        fmt(props.get("Intertable Trends")),
                        fmt(j["fk_resolution"]["overall"]),
                        ords,
                        fmt(h.get("auc")) if "auc" in h else h.get("error", "-"),
                        "; ".join(
                            f"{t} {fmt(v['gap_similarity'])}"
                            for t, v in (info.get("sequences") or {}).items()
                            if isinstance(v, dict)
                        )
                        or "-",
                        f"{info['cpu_s']['fit']}+{info['cpu_s']['sample']}",
                    ]
                )
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hma-max-columns", type=int, default=HMA_MAX_COLUMNS)
    ap.add_argument("--out", default="linked_baselines", help="results/<out>.json")
    ap.add_argument(
        "--methods", default=",".join(METHODS), help="comma-separated (default: all three)"
    )
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    names = [s for s in args.sets.split(",") if s]
    unknown = sorted(set(names) - set(SETS))
    if unknown:
        ap.error(f"unknown sets {unknown}; known: {sorted(SETS)}")
    methods = tuple(m for m in args.methods.split(",") if m)
    if set(methods) - set(METHODS):
        ap.error(f"unknown methods {sorted(set(methods) - set(METHODS))}; known: {METHODS}")
    results: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": args.seed,
        "hma_max_columns": args.hma_max_columns,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "versions": {p: version(p) for p in ("sdv", "sdmetrics", "rdt", "scikit-learn", "pandas")},
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "sets": {},
    }
    for name in names:
        results["sets"][name] = run_set(name, args.seed, args.hma_max_columns, methods)
    results["peak_rss_mb"] = peak_rss_mb()
    write_results(args.out, results)
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
