"""Per-table reports of the small tables a folder of linked tables has beside its big ones."""

from __future__ import annotations

import polars as pl

from synthpriv.config import RunConfig
from synthpriv.report import build_report
from synthpriv.report.html import render_html


def _rows(n: int, offset: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "type": ["classic" if (i + offset) % 3 else "gold" for i in range(n)],
            "year": [1993 + (i + offset) % 6 for i in range(n)],
        }
    )


def test_a_table_the_model_drew_no_rows_for_is_reported_not_a_crash():
    # a child table of three real rows (Synthea's devices): its count model drew none
    config = RunConfig()
    report = build_report(
        train=_rows(40), holdout=_rows(12, 1), synthetic=_rows(0), gates=config.gates, seed=0
    )
    privacy = report.to_dict()["privacy"]
    assert privacy["dcr"] is None
    assert privacy["exact_copies"]["share_of_train"] == 0.0
    assert "<html" in render_html(report)


def test_an_attack_that_cannot_run_on_one_column_is_shown_as_such():
    # a table of one column besides its keys (Berka's cards: a type): no attack can be formed
    config = RunConfig()
    train, holdout, synthetic = (f.select("type") for f in (_rows(60), _rows(30, 1), _rows(60, 2)))
    report = build_report(
        train=train, holdout=holdout, synthetic=synthetic, gates=config.gates, seed=0
    )
    attacks = report.to_dict()["privacy"]["attacks"]
    assert attacks["inference"]["type"]["error"] == "MetricError: no auxiliary column"
    page = render_html(report)  # before: the page's template stopped on the missing reading
    assert "Inference of type" in page


def test_a_report_of_tables_held_in_parts_on_a_shelf_is_the_report_made_in_the_heap(
    tmp_path, monkeypatch
):
    # a run holds its tables on a shelf, large ones written and put in order a part at a
    # time: every figure must be the one measured on the same rows in the heap
    import datetime as dt

    import numpy as np

    from synthpriv.io import held

    rng = np.random.default_rng(5)

    def rows(n: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "type": rng.choice(["a", "b", "c"], n),
                "amount": rng.integers(0, 500, n),
                "score": rng.normal(size=n).round(2),
                "day": [
                    dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 400, n)
                ],
            }
        )

    train, holdout = rows(400), rows(150)
    synthetic = pl.concat([rows(380), train.head(20)])  # a few copies to find
    config = RunConfig()

    def report() -> dict:
        made = build_report(
            train=train, holdout=holdout, synthetic=synthetic, gates=config.gates, seed=0
        ).to_dict()
        return {k: made[k] for k in ("fidelity", "privacy", "verdict")}

    in_heap = report()
    monkeypatch.setattr(held, "FILTER_ROWS", 37)
    monkeypatch.setattr(held, "HELD_BYTES", 64)
    with held.shelved(held.Shelf(tmp_path / "shelf")):
        on_shelf = report()
    assert in_heap["privacy"]["exact_copies"]["share_of_train"] > 0
    assert on_shelf == in_heap
