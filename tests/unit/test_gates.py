import pytest

from synthpriv.config import Gates
from synthpriv.report.builder import evaluate_gates, exit_status_for, overall_verdict
from synthpriv.status import ExitStatus


def gates_for(score, copies, base, share):
    fidelity = {"score": score, "baseline_score": 0.9}
    privacy = {
        "exact_copies": {"share_of_train": copies, "baseline_share_of_holdout": base},
        "dcr": {"share_closer_to_train": share, "share_ci95": [share - 0.02, share + 0.02]},
    }
    return {g["name"]: g["status"] for g in evaluate_gates(fidelity, privacy, Gates())}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.85, 0.0, 0.0, 0.50), {"fidelity": "PASS", "exact_copies": "PASS", "dcr_share": "PASS"}),
        ((0.75, 0.0, 0.0, 0.50), {"fidelity": "WARN", "exact_copies": "PASS", "dcr_share": "PASS"}),
        ((0.69, 0.0, 0.0, 0.50), {"fidelity": "FAIL", "exact_copies": "PASS", "dcr_share": "PASS"}),
        (
            (0.85, 0.02, 0.015, 0.5),
            {"fidelity": "PASS", "exact_copies": "PASS", "dcr_share": "PASS"},
        ),
        (
            (0.85, 0.03, 0.015, 0.5),
            {"fidelity": "PASS", "exact_copies": "FAIL", "dcr_share": "PASS"},
        ),
        ((0.85, 0.0, 0.0, 0.56), {"fidelity": "PASS", "exact_copies": "PASS", "dcr_share": "WARN"}),
        ((0.85, 0.0, 0.0, 0.61), {"fidelity": "PASS", "exact_copies": "PASS", "dcr_share": "FAIL"}),
    ],
)
def test_gate_thresholds(args, expected):
    assert gates_for(*args) == expected


def test_missing_holdout_skips_the_dcr_gate():
    fidelity = {"score": 0.9, "baseline_score": None}
    privacy = {"exact_copies": {"share_of_train": 0.0}, "dcr": None}
    result = evaluate_gates(fidelity, privacy, Gates())
    assert [g["status"] for g in result] == ["PASS", "PASS", "SKIP"]
    assert result[2]["message"] == "Needs a real holdout to compare with (pass --holdout)."


@pytest.mark.parametrize(
    ("statuses", "verdict", "code"),
    [
        ({"fidelity": "PASS", "privacy": "PASS"}, "PASS", ExitStatus.SUCCESS),
        ({"fidelity": "WARN", "privacy": "PASS"}, "WARN", ExitStatus.SUCCESS),
        ({"fidelity": "FAIL", "privacy": "PASS"}, "FAIL", ExitStatus.FIDELITY_GATE_FAILED),
        ({"fidelity": "PASS", "privacy": "FAIL"}, "FAIL", ExitStatus.PRIVACY_GATE_FAILED),
        ({"fidelity": "FAIL", "privacy": "FAIL"}, "FAIL", ExitStatus.PRIVACY_GATE_FAILED),
    ],
)
def test_verdict_and_exit_code(statuses, verdict, code):
    gates = [{"category": c, "status": s} for c, s in statuses.items()]
    assert overall_verdict(gates) == verdict
    assert exit_status_for({"gates": gates}) == code
