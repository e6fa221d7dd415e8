"""The typed report: serialised once, read back equal, and a misspelt figure fails to construct."""

import json
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from synthpriv.config import Gates
from synthpriv.metrics.privacy import copies_summary, share_difference
from synthpriv.report import build_report, exit_status_for, write_report
from synthpriv.report.gates import evaluate_gates
from synthpriv.report.model import (
    Criterion,
    ExactCopies,
    GateResult,
    Privacy,
    Report,
    RowCounts,
    Verdict,
)
from synthpriv.report.terminal import gates_table, summary
from synthpriv.schema import validate
from tests.helpers import assert_gates_consistent, fidelity_summary


def people(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    return pl.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["F", "M"], n),
            "zip3": rng.choice([f"{z:03d}" for z in range(100, 120)], n),
            "income": np.round(15000 + 600 * age + rng.normal(0, 8000, n), -2),
            "diagnosis": rng.choice(["A10", "B20", "C30"], n),
        }
    )


SCAN = {
    "columns": [
        {"name": "age", "role": "quasi_identifier"},
        {"name": "sex", "role": "quasi_identifier"},
        {"name": "diagnosis", "role": "sensitive"},
    ]
}


@pytest.fixture(scope="module")
def reports():
    """A report with a holdout (and a target), and one without (its exact copies unjudged)."""
    frame = people(900, seed=5)
    train, holdout, fresh = frame[:400], frame[400:600], frame[600:]
    measured = build_report(
        train=train,
        holdout=holdout,
        synthetic=fresh,
        scan=SCAN,
        target="sex",
        residual_identifiers=[],
    )
    unjudged = build_report(train=train, synthetic=train, scan=SCAN)
    return measured, unjudged


def test_a_built_report_reads_back_equal_through_report_json(reports):
    for report in reports:
        data = report.to_dict()
        assert Report.from_dict(data) == report
        assert Report.from_dict(json.loads(json.dumps(data))) == report


def test_the_serialised_report_is_valid_and_what_write_report_writes(reports, tmp_path):
    for report in reports:
        data = report.to_dict()
        validate(data, "report", origin="test")  # raises on a mismatch
        assert_gates_consistent(data)
    report = replace(reports[0], scan=None)  # SCAN above holds roles only, not a page's scan
    write_report(report, tmp_path, pdf=False)
    written = (tmp_path / "report.json").read_text()
    assert json.loads(written) == json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(json.loads(written)) == report


def test_the_typed_sections_hold_what_report_json_states(reports):
    measured, unjudged = reports
    data = measured.to_dict()
    assert data["verdict"] == measured.verdict.value
    assert isinstance(measured.verdict, Verdict)
    assert [g["status"] for g in data["gates"]] == [g.status.value for g in measured.gates]
    copies = measured.privacy.exact_copies
    assert copies.has_baseline and copies.rows == RowCounts(train=400, synthetic=300, holdout=200)
    assert copies.of_unique_records is not None and copies.of_unique_records.sizes == (300, 200)
    assert data["privacy"]["exact_copies"]["of_unique_records"]["rows"] == [300, 200]
    assert data["fidelity"]["rows_compared"] == {"train": 400, "synthetic": 300}
    assert measured.fidelity.ml_utility["target"] == "sex"
    # no holdout: the copies are a share alone, every comparative gate unmeasured
    assert not unjudged.privacy.exact_copies.has_baseline
    assert unjudged.privacy.dcr is None
    assert set(unjudged.to_dict()["privacy"]["exact_copies"]) == {"share_of_train", "compared_with"}
    assert unjudged.verdict == Verdict.FAIL  # the training rows themselves: all exact copies
    assert unjudged.gate("exact_copies").status == Verdict.FAIL
    assert "scale_out" not in data["data"] and "ml_utility" not in unjudged.to_dict()["fidelity"]


def test_the_exact_copy_figures_are_those_the_metrics_write():
    figures = copies_summary(0.02, 0.01, 1000, 500, 2000)
    unique = share_difference(0.001, 1000, 0.0, 500) | {"unique_records": 1800}
    copies = ExactCopies.from_dict(figures | {"of_unique_records": unique})
    assert copies.to_dict() == figures | {"of_unique_records": unique}
    assert copies.rows == RowCounts(train=2000, synthetic=1000, holdout=500)
    assert copies.of_unique_records.unique_records == 1800


def test_a_misspelt_figure_fails_to_construct():
    with pytest.raises(TypeError, match="baseline_share_of_holdout"):
        ExactCopies(share_of_train=0.0, compared_with="all", baseline_share_of_holdout=0.0)
    figures = copies_summary(0.0, 0.0, 100, 100, 400)
    figures["baseline_share_of_holdout"] = figures.pop("baseline_holdout_share_of_train")
    with pytest.raises(ValueError, match="ExactCopies: unknown key"):
        ExactCopies.from_dict(figures)
    # a privacy section holding it cannot reach the gates
    with pytest.raises(ValueError, match="baseline_share_of_holdout"):
        Privacy.from_dict({"exact_copies": figures, "dcr": None})
    with pytest.raises(ValueError, match="GateResult: unknown key.* treshold"):
        GateResult.from_dict(
            {"name": "x", "category": "privacy", "status": "PASS", "value": 0, "treshold": 0}
            | {"message": ""}
        )
    with pytest.raises(ValueError, match="not a valid Verdict"):
        GateResult.from_dict(
            {"name": "x", "category": "privacy", "status": "PAS", "value": 0, "threshold": 0}
            | {"message": ""}
        )


def test_a_report_json_with_a_misspelt_key_does_not_read_back(reports):
    data = reports[0].to_dict()
    data["gates"][0]["criterion"] = data["gates"][0].pop("criteria")
    with pytest.raises(ValueError, match="criterion"):
        Report.from_dict(data)
    data = reports[0].to_dict()
    data["fidelity"]["baseline"] = data["fidelity"].pop("baseline_score")
    with pytest.raises(ValueError, match="FidelitySummary: unknown key"):
        Report.from_dict(data)


def test_exact_copies_measured_against_a_holdout_state_every_figure():
    with pytest.raises(ValueError, match="come together"):
        ExactCopies(0.1, "all training rows", baseline_holdout_share_of_train=0.0)


@pytest.mark.parametrize(
    ("criterion", "status", "written"),
    [
        (Criterion("n", 3, 0), Verdict.FAIL, {"name": "n", "value": 3, "fail": 0}),
        (Criterion("n", None, 0), Verdict.FAIL, {"name": "n", "value": None, "fail": 0}),
        (
            Criterion("score", 0.75, 0.7, "below", warn=0.8),
            Verdict.WARN,
            {"name": "score", "value": 0.75, "fail": 0.7, "direction": "below", "warn": 0.8},
        ),
        # past its limit, but the interval includes the ideal: noise
        (
            Criterion("auc", 0.7, 0.6, interval=(0.45, 0.9), ideal=0.5),
            Verdict.PASS,
            {"name": "auc", "value": 0.7, "fail": 0.6, "interval": [0.45, 0.9], "ideal": 0.5},
        ),
    ],
)
def test_a_criterion_decides_and_states_only_what_it_has(criterion, status, written):
    assert criterion.decide() == status
    assert criterion.to_dict() == {"direction": "above"} | written
    assert Criterion.from_dict(criterion.to_dict()) == criterion


def test_a_gate_states_applicable_on_a_skip_only():
    privacy = Privacy.from_dict(
        {
            "exact_copies": {"share_of_train": 0.0, "compared_with": "all training rows"},
            "dcr": None,
            "residual_identifiers": None,
        }
    )
    gates = evaluate_gates(fidelity_summary(0.9), privacy, Gates())
    assert {g.status for g in gates} == {Verdict.PASS, Verdict.SKIP}
    for gate in gates:
        written = gate.to_dict()
        assert ("applicable" in written) == (gate.status == Verdict.SKIP), gate.name
        assert ("criteria" in written) == (gate.status != Verdict.SKIP), gate.name


def test_the_views_read_the_typed_report(reports):
    measured, _ = reports
    code = exit_status_for(measured)
    printed = summary(measured, int(code), "out", ["report.json"])
    assert json.loads(json.dumps(printed))["verdict"] == measured.verdict.value
    assert [g["status"] for g in printed["gates"]] == [g.status.value for g in measured.gates]
    assert gates_table(measured).row_count == len(measured.gates)
    # the exit code follows the gates, whatever the verdict field says
    failed = replace(measured.gates[0], status=Verdict.FAIL)
    assert int(exit_status_for(replace(measured, gates=(failed, *measured.gates[1:])))) == 7
