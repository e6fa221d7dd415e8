"""Small helpers shared by CLI tests."""

from __future__ import annotations

import re

from synthpriv.report.model import FidelitySummary, RowCounts

# what synthpriv.progress_lines writes when stderr is not a terminal (CliRunner's is not)
PROGRESS_LINE = re.compile(r"^(?:INFO\s+)?[a-z]+: (?:done in|running for) [0-9][^:]*$")


def without_progress(stderr: str) -> str:
    """``stderr`` without the stage lines a log file gets, so an error can be read alone."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not PROGRESS_LINE.match(line.strip())
    )


RANK = {"PASS": 0, "WARN": 1, "FAIL": 2}


def _by_hand(c: dict) -> str:
    """A criterion's status, worked out again here (not with synthpriv's own decide)."""
    if c["value"] is None:
        return "FAIL"
    above = c["direction"] == "above"
    interval, ideal = c.get("interval"), c.get("ideal")
    clear = True
    if interval is not None and ideal is not None:
        clear = interval[0] > ideal if above else interval[1] < ideal

    def past(limit):
        if limit is None:
            return False
        return c["value"] > limit if above else c["value"] < limit

    return (
        "FAIL" if clear and past(c["fail"]) else "WARN" if clear and past(c.get("warn")) else "PASS"
    )


def assert_gates_consistent(report: dict) -> None:
    """Every decided gate states its criteria, and its status, value and threshold follow them."""
    for gate in report["gates"]:
        criteria = gate.get("criteria")
        if gate["status"] == "SKIP":
            assert not criteria, gate["name"]
            continue
        assert criteria, f"{gate['name']}: a decided gate must say what it decided on"
        worst = max((_by_hand(c) for c in criteria), key=RANK.__getitem__)
        assert gate["status"] == worst, (gate["name"], gate["status"], criteria)
        assert any(
            c["value"] == gate["value"] and c["fail"] == gate["threshold"] for c in criteria
        ), gate["name"]
        deciding = [c for c in criteria if _by_hand(c) == gate["status"]]
        if gate["status"] != "PASS" and "interval" in gate:
            assert any(
                c.get("interval") and [round(x, 4) for x in c["interval"]] == gate["interval"]
                for c in deciding
            ), gate["name"]


def fidelity_summary(score: float | None, baseline_score: float | None = None, **figures):
    """A fidelity section with ``score`` (and what else is given); empty detail tables."""
    empty = {"score": None, "details": []}
    fields = {
        "score": score,
        "baseline_score": baseline_score,
        "score_at_holdout_size": None,
        "independent_columns_score": None,
        "formula": "",
        "rows_compared": RowCounts(train=0, synthetic=0),
        "rows_sampled": False,
        "column_shapes": empty,
        "column_pair_trends": empty,
        "column_details": empty,
        "column_pair_associations": empty,
        "whole_table": {},
    }
    return FidelitySummary(**(fields | figures))
