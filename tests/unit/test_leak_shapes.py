"""Tables made to leak, in the shapes an auditor tries: each must fail a privacy gate (exit 6).

The population is written for the tests (tests/population.py) and split three ways: training
rows and a holdout, which the report is given, and unseen real rows, which it is not: what a
perfect generator would draw. The same shapes run on UCI Adult in
tests/integration/test_leak_shapes_adult.py and, with every figure, in bench/leak_shapes.py.
"""

from dataclasses import replace

import pytest

from synthpriv import synth
from synthpriv.report.builder import build_report, exit_status_for
from synthpriv.report.model import Verdict
from synthpriv.status import ExitStatus
from tests import leak_shapes as shapes
from tests.helpers import assert_gates_consistent
from tests.population import QUASI, SCAN, population, three_way


@pytest.fixture(scope="module")
def parts():
    return three_way(population(6000), seed=0)


def report_on(parts, synthetic, **extra):
    train, holdout, _ = parts
    report = build_report(
        train=train,
        holdout=holdout,
        synthetic=synthetic,
        scan=SCAN,
        residual_identifiers=[],
        **extra,
    )
    assert_gates_consistent(report.to_dict())  # every table made to leak, and every clean one
    return report


def failed(report):
    return {g.name for g in report.gates if g.status == Verdict.FAIL}


LEAKS = {
    # the first audit: near copies hidden by a changed category, redrawn columns, or a sample
    "every_row_nudged": (lambda t, h, u: shapes.every_row_nudged(t), "near_copies"),
    "two_columns_redrawn": (lambda t, h, u: shapes.two_columns_redrawn(t), "near_copies"),
    "copies_5pct": (lambda t, h, u: shapes.copies_mixed_in(u, t, 0.05), "near_copies"),
    "copies_10pct": (lambda t, h, u: shapes.copies_mixed_in(u, t, 0.10), "near_copies"),
    # the second audit's mechanisms
    "copies_outside_the_seeded_sample": (
        lambda t, h, u: shapes.copies_outside_a_seeded_sample(u, t, h.height, 0.05),
        "near_copies",
    ),
    "labels_flipped": (
        lambda t, h, u: shapes.labels_flipped(t, u, QUASI, "label"),
        "exposed_people",
    ),
    "rare_value_holders_copied": (
        lambda t, h, u: shapes.rare_value_holders_copied(u, t, 0.01),
        "exact_copies",
    ),
    "uniques_with_their_secret": (
        lambda t, h, u: shapes.uniques_with_their_secret(u, t, QUASI, "label", 0.2),
        "exposed_people",
    ),
    "holdout_offered": (lambda t, h, u: shapes.holdout_offered(h), "holdout_copies"),
    "holdout_nudged": (lambda t, h, u: shapes.holdout_nudged(h), "holdout_copies"),
    # the independent audit's: a column nobody measures, copies re-cased, secrets by position
    "records_in_an_extra_column": (
        lambda t, h, u: shapes.records_in_an_extra_column(u, t),
        "residual_pii",
    ),
    "copies_recased": (lambda t, h, u: shapes.copies_recased(u, t, 0.10), "exact_copies"),
    "secrets_by_position": (
        lambda t, h, u: shapes.secrets_by_position(u, t, ["income", "label"]),
        "residual_pii",
    ),
    "secrets_rows_50_apart": (
        lambda t, h, u: shapes.secrets_by_offset(u, t, ["label"], 50, reverse=False),
        "residual_pii",
    ),
    "secrets_in_reverse": (
        lambda t, h, u: shapes.secrets_by_offset(u, t, ["income", "label"], 0, reverse=True),
        "residual_pii",
    ),
}


@pytest.mark.parametrize("shape", sorted(LEAKS))
def test_a_table_made_to_leak_fails(parts, shape):
    make, gate = LEAKS[shape]
    report = report_on(parts, make(*parts))
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED
    assert gate in failed(report)


def test_flipped_labels_are_judged_as_telling_as_true_ones(parts):
    train, _, unseen = parts
    told = report_on(parts, shapes.labels_flipped(train, unseen, QUASI, "label", flip=False))
    flipped = report_on(parts, shapes.labels_flipped(train, unseen, QUASI, "label"))
    exposed = [r.privacy.figures["exposed"] for r in (told, flipped)]
    figures = [e["unique_on_quasi_identifiers"]["disclosed"] for e in exposed]
    assert [f["rule"] for f in figures] == ["direct", "best_rule"]
    assert figures[1]["share"] == pytest.approx(figures[0]["share"], abs=0.03)
    assert "exposed_people" in failed(told) and "exposed_people" in failed(flipped)


def test_unseen_real_rows_pass_every_gate(parts):
    report = report_on(parts, parts[2])
    assert exit_status_for(report) == ExitStatus.SUCCESS
    assert failed(report) == set()


@pytest.fixture(scope="module")
def engines(parts):
    train = parts[0]
    default = synth.fit(train, seed=0)
    memorizing = synth.fit(train, seed=0, params=shapes.memorizing_engine_params(), keep_rare=True)
    return {
        name: synth.sample(model, train.height, seed=0)
        for name, model in (("default", default), ("memorizing", memorizing))
    }


def test_the_default_engine_passes(parts, engines):
    report = report_on(parts, engines["default"])
    assert failed(report) == set()
    assert exit_status_for(report) == ExitStatus.SUCCESS


def test_a_memorizing_engine_fails_on_near_copies(parts, engines):
    report = report_on(parts, engines["memorizing"])
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED
    assert {"near_copies", "membership_inference"} <= failed(report)


def test_the_default_engine_with_copies_mixed_in_fails_on_near_copies(parts, engines):
    # the engine's own near matches, not unseen rows', are the background copies hide in
    train = parts[0]
    report = report_on(parts, shapes.copies_mixed_in(engines["default"], train, 0.05))
    assert exit_status_for(report) == ExitStatus.PRIVACY_GATE_FAILED
    assert "near_copies" in failed(report)


@pytest.mark.parametrize("shape", ["copies_5pct", "unseen"])
def test_the_verdict_does_not_move_with_the_seed(parts, shape):
    synthetic = parts[2] if shape == "unseen" else LEAKS[shape][0](*parts)
    reports = [report_on(parts, synthetic, seed=seed) for seed in (0, 1, 2)]
    assert len({r.verdict for r in reports}) == 1
    gates = [[(g.name, g.status, g.value) for g in r.gates] for r in reports]
    assert gates[0] == gates[1] == gates[2]
    assert [r.settings.seed for r in reports] == [0, 1, 2]


def test_the_order_of_the_rows_moves_no_figure(parts):
    synthetic = shapes.copies_mixed_in(parts[2], parts[0], 0.05)
    reports = [
        report_on(parts, synthetic.sample(fraction=1.0, shuffle=True, seed=seed)) for seed in (1, 2)
    ]
    assert reports[0].gates == reports[1].gates
    privacy = [replace(r.privacy, row_order={}) for r in reports]
    assert privacy[0] == privacy[1]


def test_a_synthetic_table_sharing_no_column_is_bad_input(parts):
    from synthpriv.errors import InputError

    train = parts[0]
    upper = parts[2].rename({c: c.upper() for c in train.columns})
    with pytest.raises(InputError, match="shares no comparable column with the real table"):
        report_on(parts, upper)
