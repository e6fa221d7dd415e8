"""The three discrimination cases: a copy and a 10%-perturbed copy fail, fresh real rows pass."""

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from synthpriv.metrics.privacy import perturbed_copy
from synthpriv.report.builder import build_report, exit_status_for
from synthpriv.status import ExitStatus


def people(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    sex = rng.choice(["F", "M"], n)
    return pl.DataFrame(
        {
            "age": age,
            "sex": sex,
            "zip3": rng.choice([f"{z:03d}" for z in range(100, 140)], n),
            "income": np.round(15000 + 600 * age + rng.normal(0, 8000, n), -2),
            "hours": rng.integers(10, 60, n),
            "job": rng.choice(["clerk", "nurse", "driver", "teacher", "chef", "admin"], n),
            "diagnosis": rng.choice(["A10", "B20", "C30", "D40", "E50"], n),
        }
    )


SCAN = {
    "columns": [
        {"name": "age", "role": "quasi_identifier"},
        {"name": "sex", "role": "quasi_identifier"},
        {"name": "zip3", "role": "quasi_identifier"},
        {"name": "diagnosis", "role": "sensitive"},
    ]
}


@pytest.fixture(scope="module")
def split():
    frame = people(2400, seed=3)
    return frame[:800], frame[800:1600], frame[1600:]


def report_for(train, holdout, synthetic, **extra):
    return build_report(
        train=train,
        holdout=holdout,
        synthetic=synthetic,
        scan=SCAN,
        residual_identifiers=[],
        **extra,
    )


def privacy_verdicts(train, holdout, synthetic):
    report = report_for(train, holdout, synthetic)
    gates = {g.name: g.status for g in report.gates if g.category == "privacy"}
    return report, gates


def test_a_copy_of_the_training_rows_fails(split):
    train, holdout, _ = split
    report, gates = privacy_verdicts(train, holdout, train)
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED
    for gate in ("exact_copies", "near_copies", "dcr_share", "membership_inference"):
        assert gates[gate] == "FAIL", gate
    for gate in ("singling_out", "linkability", "attribute_inference", "replicated_uniques"):
        assert gates[gate] == "FAIL", gate


def test_training_rows_with_a_tenth_of_cells_perturbed_fail(split):
    train, holdout, _ = split
    report, gates = privacy_verdicts(train, holdout, perturbed_copy(train, 0.10, seed=4))
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED
    for gate in ("exact_copies", "near_copies", "dcr_share", "membership_inference", "linkability"):
        assert gates[gate] == "FAIL", gate


def test_unseen_real_rows_offered_as_synthetic_pass(split):
    train, holdout, fresh = split
    report, gates = privacy_verdicts(train, holdout, fresh)
    assert set(gates.values()) <= {"PASS", "WARN"}, gates
    assert exit_status_for(report) == ExitStatus.SUCCESS


def test_budgets_bound_the_report_and_are_reported_when_hit(split):
    from synthpriv.config import Budgets
    from synthpriv.report.html import render_html, shown_columns

    train, holdout, fresh = split
    budgets = Budgets(
        fidelity_rows=500, privacy_rows=300, pairs=5, chart_columns=3, attack_attempts=50
    )
    report = report_for(train, holdout, fresh, budgets=budgets)
    hit = {h["budget"]: h for h in report.budgets.hit}
    assert set(hit) >= {"fidelity_rows", "privacy_rows", "pairs"}
    assert (hit["pairs"]["limit"], hit["pairs"]["needed"]) == (5, 21)
    assert report.fidelity.rows_compared.to_dict() == {"train": 500, "synthetic": 500}
    assert len(report.fidelity.column_pair_trends["details"]) == 5
    drawn, listed = shown_columns(report)
    assert len(drawn) == 3 and len(listed) == 4
    page = render_html(replace(report, scan=None))  # SCAN above holds roles only
    assert all(name in page for name in listed)
    assert "fidelity_rows" in page  # the officer sees that a sample was compared


@pytest.mark.parametrize(
    ("auc", "phrase"),
    [(0.52, "can barely tell"), (0.7, "part of the time"), (0.95, "almost always")],
)
def test_the_page_says_what_the_discriminator_and_utility_figures_mean(split, auc, phrase):
    from synthpriv.report.html import render_html

    train, holdout, fresh = split
    report = report_for(train, holdout, fresh, target="sex")
    report.fidelity.whole_table["synthetic"]["discriminator_auc"] = auc
    utility = report.fidelity.ml_utility
    utility["train_real_test_real"]["auc"] = 0.90
    utility["train_synthetic_test_real"]["auc"] = 0.70
    page = render_html(replace(report, scan=None))
    assert phrase in page.split('id="discriminator-meaning"')[1].split("</p>")[0]
    meaning = page.split('id="utility-meaning"')[1].split("</p>")[0]
    assert "reaches AUC 0.700" in meaning and "should be trained on the real data" in meaning


def test_the_cleaning_table_separates_the_detail_from_the_spans_redacted(split):
    from synthpriv.report.html import render_html

    train, holdout, fresh = split
    cleaning = {
        "policy": "strict",
        "columns": [
            {
                "column": "note",
                "role": "free_text_pii",
                "action": "redact",
                "cells_changed": 3,
                "detail": "PII spans replaced",
                "spans_redacted": {"PERSON": 2, "PHONE_NUMBER": 1},
            }
        ],
        "dropped": [],
        "verification": None,
        "information_kept": {"note": None},
    }
    page = render_html(replace(report_for(train, holdout, fresh), scan=None, cleaning=cleaning))
    assert "PII spans replaced: PERSON: 2, PHONE_NUMBER: 1" in page


def test_the_paired_share_pairs_a_sample_against_every_real_row_and_says_so(split):
    """Pairing every row of a dense table costs rows x ties; a seeded sample still finds copies."""
    from synthpriv.config import Budgets

    train, holdout, fresh = split
    leaky = pl.concat([fresh[:600], train[:200]])  # a quarter copied
    whole = report_for(train, holdout, leaky).privacy.to_dict()["near_copies"]
    assert whole["paired"]["synthetic_searched_from"] == leaky.height
    sampled = report_for(train, holdout, leaky, budgets=Budgets(privacy_rows=300))
    near = sampled.privacy.to_dict()["near_copies"]
    assert near["paired"]["synthetic_searched_from"] == 300
    assert near["levels"][0]["rows"][0] == leaky.height  # the levels still count every row
    assert near["paired"]["reference_rows"] == {"train": 800, "holdout": 800}
    assert near["paired"]["share"] > 0.6
    gate = next(g for g in sampled.gates if g.name == "near_copies")
    assert gate.status == "FAIL"
    assert "of a seeded sample of 300 synthetic rows, each against every real row" in gate.message
