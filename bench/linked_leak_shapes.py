"""Person-level leaks an auditor would plant in a linked synthetic set, and the verdicts.

    OMP_NUM_THREADS=1 .venv/bin/python bench/linked_leak_shapes.py [--people 600,2500] [--seeds 2,5]

A random hospital (``tests/linked_fixture.py``: patients, 1-4 admissions each, 1-6 diagnoses per
admission, every value drawn at random) is split by person (80/20), the linked model is fitted
on the training people and sampled; then a share of synthetic people is replaced by copies of
real people's whole histories (keys renewed), in each shape of ``SHAPES``: as they are, moved
a day with a code changed per stay, moved -3..+3 days each with codes reordered and stays 5%
longer, every other stay, or given to another sex and decade. Planted from training people
they must fail the person-level near-copy gate (exit 6); planted from holdout people (real,
never trained on) they must not fail it. Figures only (results/linked_leak_shapes.json).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from _common import write_results

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synthpriv.config import RunConfig  # noqa: E402
from synthpriv.linked_run import person_report  # noqa: E402
from synthpriv.report import exit_status_for  # noqa: E402
from tests.linked_fixture import SHAPES, fitted_hospital, planted  # noqa: E402


def verdicts(people: int, seed: int, shares: tuple[float, ...]) -> list[dict]:
    hospital = fitted_hospital(people, seed=seed)
    config = RunConfig(nlp_model="none")
    cases = [("clean", "-", 0.0, hospital.clean)]
    for share in shares:
        for shape in SHAPES:
            cases.append(
                ("train", shape, share, planted(hospital.train, hospital.clean, share, shape))
            )
    cases += [
        ("holdout", shape, 0.25, planted(hospital.holdout, hospital.clean, 0.25, shape))
        for shape in ("exact", "jitter")
    ]
    out = []
    for source, shape, share, tables in cases:
        report = person_report(hospital.train, hospital.holdout, tables, hospital.relations, config)
        histories = report.to_dict()["privacy"]["near_copies"]["histories"]
        out.append(
            {
                "people": people,
                "seed": seed,
                "planted_from": source,
                "shape": shape,
                "share": share,
                "exit_code": int(exit_status_for(report)),
                "near_copies": report.gate("near_copies").status.value,
                "failed": [g.name for g in report.gates if g.status.value == "FAIL"],
                "history_copies": histories["copies"]["share"],
                "real_baseline": histories["copies"]["baseline"],
                "paired_share": histories["paired"]["share"],
                "paired_close": histories["paired_close"]["share"],
                "paired_close_people": histories["paired_close"]["rows_linked"],
            }
        )
        print(
            f"{people:>5} seed {seed} {source:>7} {shape:>8} {share:4.2f}: exit "
            f"{out[-1]['exit_code']} near_copies {out[-1]['near_copies']:4} copies "
            f"{out[-1]['history_copies']:.3f} vs real {out[-1]['real_baseline']:.3f} paired "
            f"{out[-1]['paired_share']:.2f} close {out[-1]['paired_close']:.2f} of "
            f"{out[-1]['paired_close_people']}",
            flush=True,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="600,2500")
    parser.add_argument("--seeds", default="2,5")
    parser.add_argument("--shares", default="0.05,0.02")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    shares = tuple(float(s) for s in args.shares.split(","))
    rows = []
    for people in (int(p) for p in args.people.split(",")):
        for seed in (int(s) for s in args.seeds.split(",")):
            rows += verdicts(people, seed, shares)
    write_results("linked_leak_shapes", {"cases": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
