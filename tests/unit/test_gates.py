import pytest

from synthpriv.config import Gates
from synthpriv.metrics.privacy import NEAR_COPY_LEVELS, copies_summary, share_difference
from synthpriv.report.gates import PRIVACY_GATES, evaluate_gates, exit_status_of, overall_verdict
from synthpriv.report.model import ExactCopies, GateResult, Privacy, Verdict
from synthpriv.status import ExitStatus
from tests.helpers import fidelity_summary

N = 10_000
NATURAL = (0.01, 0.25, 0.60)  # shares of unseen rows with a real row that close, per level


def levels(shares=NATURAL, base=NATURAL, n=N, n_base=N):
    """Near-copy levels as the metrics write them (the same constructor)."""
    return [
        {"mismatches": m} | share_difference(s, n, b, n_base)
        for m, s, b in zip(NEAR_COPY_LEVELS, shares, base, strict=True)
    ]


def group(people=(500, 200), copied=(0.02, 0.02), disclosed=None):
    entry = {
        "people": {"train": people[0], "holdout": people[1]},
        "copied": share_difference(copied[0], people[0], copied[1], people[1])
        | {"people": {"train": people[0], "holdout": people[1]}},
    }
    if disclosed:
        entry["disclosed"] = share_difference(disclosed[0], people[0], disclosed[1], people[1]) | {
            "people": {"train": people[0], "holdout": people[1]},
            "secret": "salary",
            "rule": "direct",
        }
    return entry


def safe_privacy(**changes):
    """A privacy section where every check passes, with ``changes`` applied (dotted keys)."""
    privacy = {
        "exact_copies": copies(0.0, 0.0, N, N)
        | {"of_unique_records": share_difference(0.0005, N, 0.0005, N) | {"unique_records": 9000}},
        "near_copies": {"levels": levels(), "rows": {"synthetic": N, "holdout": N, "train": 4 * N}},
        "holdout_copies": {
            "exact": share_difference(0.0, N, 0.0, 4 * N),
            "near": levels(),
            "rows": {"synthetic": N, "holdout": N, "train": 4 * N},
        },
        "dcr": {"share_closer_to_train": 0.5, "share_ci95": [0.48, 0.52]},
        "membership_inference": {"auc": 0.5, "ci95": [0.47, 0.53]},
        "attacks": {
            "singling_out": {"univariate": {"risk": 0.0}, "multivariate": {"risk": 0.01}},
            "linkability": {"risk": 0.0},
            "inference": {"salary": {"risk": 0.02}, "diagnosis": {"risk": 0.0}},
        },
        "exposed": {
            "rare_values": group(),
            "unique_on_quasi_identifiers": group(disclosed=(0.05, 0.05)),
        },
        "quasi_identifiers": ["age", "zip"],
        "replicated_uniques": {"share": 0.01, "baseline_holdout": 0.01, "rows": 10000},
        "rare_categories": {"threshold": 5, "reappearing": 2, "baseline_holdout": 2},
        "residual_identifiers": [],
    }
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        node = privacy
        for key in path:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return privacy


def copies(share, base, n_synthetic, n_holdout):
    """A copies section as the privacy metrics write it (their own constructor)."""
    return copies_summary(share, base, n_synthetic, n_holdout, 4 * n_holdout)


def evaluate(fidelity, privacy, gates=None):
    """The gates of figures given as report.json states them, read through the report's types."""
    return evaluate_gates(
        fidelity_summary(**fidelity), Privacy.from_dict(privacy), gates or Gates()
    )


def exact(share, base=0.0, n=N, n_holdout=N):
    return {"exact_copies": copies(share, base, n, n_holdout)}


def unique_copies(share, base=0.0005, n=N):
    return {"exact_copies__of_unique_records": share_difference(share, n, base, n)}


def near(level, share, n=N):
    """Near copies with ``share`` at one level (the natural shares elsewhere)."""
    shares = list(NATURAL)
    shares[level] = share
    return {"near_copies__levels": levels(shares, n=n, n_base=n)}


def holdout_near(level, share):
    shares = list(NATURAL)
    shares[level] = share
    return {"holdout_copies__near": levels(shares)}


def dcr(share):
    """A DCR share with a tight interval around it (a large holdout)."""
    return {"dcr__share_closer_to_train": share, "dcr__share_ci95": [share - 0.02, share + 0.02]}


def auc(value):
    """A membership AUC with a tight interval around it."""
    return {"membership_inference__auc": value, "membership_inference__ci95": [value - 0.02, 1.0]}


def statuses(score=0.85, **changes):
    fidelity = {"score": score, "baseline_score": 0.9}
    return {g.name: g.status for g in evaluate(fidelity, safe_privacy(**changes))}


def test_a_safe_table_passes_every_gate():
    result = statuses()
    assert set(result.values()) == {"PASS"}
    assert list(result) == ["fidelity", *PRIVACY_GATES]


@pytest.mark.parametrize(
    ("score", "changes", "gate", "status"),
    [
        (0.75, {}, "fidelity", "WARN"),
        (0.69, {}, "fidelity", "FAIL"),
        (0.85, exact(0.01), "exact_copies", "PASS"),
        (0.85, exact(0.02), "exact_copies", "FAIL"),
        (0.85, exact(0.20, base=0.195), "exact_copies", "PASS"),  # natural duplicates
        # the 400-row table, 80-row holdout: 6.6% against 5.3% is noise
        (0.85, exact(0.066, base=0.053, n=320, n_holdout=80), "exact_copies", "PASS"),
        (0.85, exact(0.30, base=0.053, n=320, n_holdout=80), "exact_copies", "FAIL"),
        # margin 3 points, and the interval of the excess must exclude 0
        (0.85, near(1, 0.27), "near_copies", "PASS"),
        (0.85, near(1, 0.29), "near_copies", "FAIL"),
        (0.85, near(0, 0.05), "near_copies", "FAIL"),  # agree on every column: 5% against 1%
        (0.85, near(2, 0.70), "near_copies", "FAIL"),  # all but two columns: 70% against 60%
        (0.85, near(1, 0.35, n=100), "near_copies", "PASS"),  # a small table: noise
        (0.85, unique_copies(0.0015), "exact_copies", "PASS"),  # margin 0.2 points
        (0.85, unique_copies(0.005), "exact_copies", "FAIL"),  # 0.5% copy unique people
        (
            0.85,
            {"holdout_copies__exact": share_difference(0.02, N, 0.0, 4 * N)},
            "holdout_copies",
            "FAIL",
        ),
        (0.85, holdout_near(1, 0.40), "holdout_copies", "FAIL"),
        (0.85, holdout_near(1, 0.26), "holdout_copies", "PASS"),
        (0.85, {"exposed__rare_values": group(copied=(0.10, 0.02))}, "exposed_people", "FAIL"),
        (0.85, {"exposed__rare_values": group(copied=(0.03, 0.02))}, "exposed_people", "PASS"),
        (
            0.85,
            {"exposed__unique_on_quasi_identifiers": group(disclosed=(0.20, 0.05))},
            "exposed_people",
            "FAIL",
        ),
        # few people: a large excess whose interval includes 0 is noise
        (
            0.85,
            {"exposed__rare_values": group(people=(25, 20), copied=(0.12, 0.0))},
            "exposed_people",
            "PASS",
        ),
        (0.85, dcr(0.56), "dcr_share", "WARN"),
        (0.85, dcr(0.61), "dcr_share", "FAIL"),
        (0.85, auc(0.56), "membership_inference", "WARN"),
        (0.85, auc(0.61), "membership_inference", "FAIL"),
        (0.85, {"attacks__singling_out__multivariate__risk": 0.15}, "singling_out", "WARN"),
        (0.85, {"attacks__singling_out__univariate__risk": 0.25}, "singling_out", "FAIL"),
        (0.85, {"attacks__linkability__risk": 0.21}, "linkability", "FAIL"),
        (0.85, {"attacks__inference__salary__risk": 0.3}, "attribute_inference", "FAIL"),
        (0.85, {"attacks__inference__salary__risk": 0.11}, "attribute_inference", "WARN"),
        # an interval that includes 0 is noise, whatever the point estimate
        (
            0.85,
            {"attacks__linkability__ci95": [0.0, 0.5], "attacks__linkability__risk": 0.25},
            "linkability",
            "PASS",
        ),
        (
            0.85,
            {"attacks__linkability__ci95": [0.01, 0.5], "attacks__linkability__risk": 0.25},
            "linkability",
            "FAIL",
        ),
        # a tiny holdout: AUC and DCR share far from ideal, but their intervals include it
        (
            0.85,
            {"membership_inference__auc": 0.7, "membership_inference__ci95": [0.4, 1.0]},
            "membership_inference",
            "PASS",
        ),
        (
            0.85,
            {"dcr__share_closer_to_train": 0.7, "dcr__share_ci95": [0.45, 0.9]},
            "dcr_share",
            "PASS",
        ),
        # limit: 0.01 + 0.02 + z * sqrt((p * (1 - p) + 0.01 * 0.99) / 10000), z = 2.807 for
        # 95% over the report's ten privacy checks: 0.0358 at p = 0.035, 0.0360 at p = 0.037
        (0.85, {"replicated_uniques__share": 0.035}, "replicated_uniques", "PASS"),
        (0.85, {"replicated_uniques__share": 0.037}, "replicated_uniques", "FAIL"),
        (0.85, {"rare_categories__reappearing": 3}, "residual_pii", "WARN"),
        (0.85, {"residual_identifiers": ["2 cell(s) of column 'x'"]}, "residual_pii", "FAIL"),
    ],
)
def test_gate_thresholds(score, changes, gate, status):
    result = statuses(score, **changes)
    assert result[gate] == status
    assert all(s == "PASS" for name, s in result.items() if name != gate)


def test_missing_holdout_skips_the_comparative_gates_and_is_incomplete():
    fidelity = {"score": 0.9, "baseline_score": None}
    privacy = {
        "exact_copies": ExactCopies(0.0, compared_with="all training rows").to_dict(),
        "dcr": None,
        "quasi_identifiers": [],
        "residual_identifiers": None,
    }
    result = evaluate(fidelity, privacy)
    assert [g.status for g in result] == ["PASS"] + ["SKIP"] * 10 + ["PASS"]
    assert result[2].message.startswith("Not measured: needs real rows the model never saw")
    assert "synthpriv split" in result[2].message
    assert overall_verdict(result) == "INCOMPLETE"
    assert exit_status_of(result) == ExitStatus.INCOMPLETE
    # copies far beyond any baseline fail even without a holdout
    privacy["exact_copies"]["share_of_train"] = 0.5
    assert evaluate(fidelity, privacy)[1].status == Verdict.FAIL


def test_a_gate_with_nothing_to_measure_does_not_make_the_verdict_incomplete():
    result = evaluate({"score": 0.9}, safe_privacy(replicated_uniques=None, quasi_identifiers=[]))
    skipped = [g for g in result if g.status == "SKIP"]
    assert [(g.name, g.applicable) for g in skipped] == [("replicated_uniques", False)]
    assert overall_verdict(result) == "PASS"


@pytest.mark.parametrize(
    ("statuses", "verdict", "code"),
    [
        ({"fidelity": "PASS", "privacy": "PASS"}, "PASS", ExitStatus.SUCCESS),
        ({"fidelity": "WARN", "privacy": "PASS"}, "WARN", ExitStatus.SUCCESS),
        ({"fidelity": "FAIL", "privacy": "PASS"}, "FAIL", ExitStatus.FIDELITY_GATE_FAILED),
        ({"fidelity": "PASS", "privacy": "FAIL"}, "FAIL", ExitStatus.PRIVACY_GATE_FAILED),
        ({"fidelity": "FAIL", "privacy": "FAIL"}, "FAIL", ExitStatus.PRIVACY_GATE_FAILED),
        ({"fidelity": "PASS", "privacy": "SKIP"}, "INCOMPLETE", ExitStatus.INCOMPLETE),
        ({"fidelity": "WARN", "privacy": "SKIP"}, "INCOMPLETE", ExitStatus.INCOMPLETE),
        ({"fidelity": "FAIL", "privacy": "SKIP"}, "FAIL", ExitStatus.FIDELITY_GATE_FAILED),
    ],
)
def test_verdict_and_exit_code(statuses, verdict, code):
    gates = [GateResult(c, c, Verdict(s), None, None, "") for c, s in statuses.items()]
    assert overall_verdict(gates) == verdict
    assert exit_status_of(gates) == code


def test_attacks_that_need_two_columns_are_not_applicable_to_one():
    one_column = safe_privacy(
        columns=["birth_year"],
        attacks__linkability={"risk": None, "error": "MetricError: needs at least two columns"},
        attacks__inference={},
    )
    result = {g.name: g for g in evaluate({"score": 0.9}, one_column)}
    assert result["linkability"].applicable is False
    assert result["attribute_inference"].message.startswith("Not applicable: with 1 column")
    assert overall_verdict(list(result.values())) == "PASS"
    # with several columns, an attack that could not run leaves the report incomplete
    two = safe_privacy(columns=["a", "b"], attacks__linkability={"risk": None, "error": "x"})
    assert overall_verdict(evaluate({"score": 0.9}, two)) == "INCOMPLETE"


def test_inference_does_not_apply_when_every_column_is_a_quasi_identifier():
    # the audit's honest folder whose patients hold sex, birth date, insurance, ethnicity only:
    # no secret to infer, and the verdict was INCOMPLETE (exit 9) for ever
    every_qi = safe_privacy(
        columns=["sex", "birth_date", "insurance"],
        quasi_identifiers=["sex", "birth_date", "insurance"],
        attacks__inference={},
    )
    result = {g.name: g for g in evaluate({"score": 0.9}, every_qi)}
    assert (result["attribute_inference"].status, result["attribute_inference"].applicable) == (
        "SKIP",
        False,
    )
    assert "every compared column is a quasi-identifier" in result["attribute_inference"].message
    assert overall_verdict(list(result.values())) == "PASS"


def test_the_exact_copies_message_names_the_training_rows_with_thousands_separators():
    gates = evaluate({"score": 0.85, "baseline_score": 0.9}, safe_privacy())
    message = next(g.message for g in gates if g.name == "exact_copies")
    assert "(compared with all 40,000 training rows)" in message


def test_the_exposed_gate_does_not_apply_when_nobody_is_measured_apart():
    result = statuses(exposed={"rare_values": {"people": {"train": 3, "holdout": 1}}})
    gates = evaluate(
        {"score": 0.9}, safe_privacy(exposed={"rare_values": {"copied": {"skipped": "too few"}}})
    )
    gate = next(g for g in gates if g.name == "exposed_people")
    assert (gate.status, gate.applicable) == ("SKIP", False)
    assert result["exposed_people"] == "SKIP"
    assert overall_verdict(gates) == "PASS"


def test_the_near_copies_message_gives_every_level_and_the_failing_one():
    gates = evaluate({"score": 0.9}, safe_privacy(**near(2, 0.70)))
    gate = next(g for g in gates if g.name == "near_copies")
    assert gate.status == "FAIL"
    assert "every column: 1.0% (unseen real rows 1.0%)" in gate.message
    assert "all columns but two: 70.0% (unseen real rows 60.0%)" in gate.message
    assert "largest excess is on all columns but two. The excess is +10.0 points" in gate.message
    # report.json states the comparison the gate made: the excess against the margin
    assert gate.value == pytest.approx(0.1) and gate.threshold == 0.03
    worst = max(gate.criteria, key=lambda c: c.value)
    assert worst.name == "all columns but two" and worst.ideal == 0.0
