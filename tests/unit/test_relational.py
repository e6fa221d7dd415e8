"""Fidelity across linked tables (synthpriv.metrics.relational) on tables written by hand."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from synthpriv.metrics import relational
from synthpriv.relations import discover


def _clinic(gaps: list[int], wards: list[str]) -> dict[str, pl.DataFrame]:
    """Four patients; patient 1 has every visit, at the gaps given, in the wards given."""
    days = [0]
    for gap in gaps:
        days.append(days[-1] + gap)
    visits = pl.DataFrame(
        {
            "VID": list(range(100, 100 + len(days) + 3)),
            "PID": [1] * len(days) + [2, 3, 4],
            "WARD": wards + ["A", "B", "A"],
            "COST": [10.0 * (i + 1) for i in range(len(days) + 3)],
            "DAY": [date(2020, 1, 1) + timedelta(days=d) for d in days] + [date(2021, 1, 1)] * 3,
        }
    )
    people = pl.DataFrame({"PID": [1, 2, 3, 4], "AGE": [30, 40, 50, 60], "SEX": list("FMFM")})
    return {"people": people, "visits": visits}


def test_the_same_tables_score_one_everywhere():
    tables = _clinic([2, 3, 5], ["A", "A", "B", "B"])
    relations = discover(tables)
    card = relational.cardinality(tables, tables, relations)
    (entry,) = card.values()
    assert entry["similarity"] == 1.0
    assert entry["real"] == entry["synthetic"] == {"mean": 1.75, "share_with_none": 0.0, "p90": 3}
    (trend,) = relational.pair_trends(tables, tables, relations).values()
    assert trend["score"] == 1.0
    assert set(trend["pairs"]) >= {"people.AGE ~ visits.COST", "people.SEX ~ visits.WARD"}


def test_children_counted_in_parts_are_counted_as_whole(monkeypatch):
    """A parent's children split between parts add up; a parent with none counts 0."""
    from tests.linked_fixture import random_hospital

    real, fake = random_hospital(60, 1), random_hospital(50, 2)
    relations = discover(real)
    whole = relational.cardinality(real, fake, relations)
    link = next(k for k in relations.links if k.kind == "parent")
    counts = relational._children_per_parent(real, link)
    monkeypatch.setattr(relational, "COUNTED_ROWS", 4)
    assert relational.cardinality(real, fake, relations) == whole
    assert relational._children_per_parent(real, link).tolist() == counts.tolist()
    expected = (
        real[link.parent]
        .select(pl.col(link.key).alias(link.column))
        .join(real[link.child].group_by(link.column).len(), on=link.column, how="left")
        .get_column("len")
        .fill_null(0)
    )
    assert counts.tolist() == expected.to_list() and counts.sum() == real[link.child].height


def test_sequences_measure_gaps_between_a_parents_consecutive_rows_and_repeats():
    real = _clinic([2, 3, 5], ["A", "A", "B", "B"])
    fake = _clinic([20, 30, 50], ["A", "B", "A", "B"])
    relations = discover(real)
    entry = relational.sequences(real, fake, relations)["visits"]
    assert entry["ordered_by"] == "DAY"
    assert entry["gap_days"]["real"]["p50"] == 3.0
    assert entry["gap_days"]["synthetic"]["p50"] == 30.0
    assert entry["gap_similarity"] == 0.0  # no gap of one is as long as any of the other
    # of patient 1's three consecutive pairs, real repeats the ward twice, synthetic never
    assert entry["repeats_previous"]["WARD"] == {
        "real": pytest.approx(0.6667, abs=1e-4),
        "synthetic": 0.0,
    }
    assert "COST" not in entry["repeats_previous"]  # numbers are not compared for repeats


def test_a_table_without_a_time_has_no_sequence_and_keys_are_never_compared():
    tables = _clinic([1, 1], ["A", "B", "A"])
    tables["visits"] = tables["visits"].drop("DAY")
    relations = discover(tables)
    assert relational.sequences(tables, tables, relations) == {}
    (trend,) = relational.pair_trends(tables, tables, relations).values()
    assert not any("ID" in pair for pair in trend["pairs"])


def test_a_constant_column_scores_no_pair_rather_than_failing():
    tables = _clinic([2, 3], ["A", "B", "A"])
    tables["people"] = tables["people"].with_columns(pl.lit(7).alias("AGE"))
    relations = discover(tables)
    (trend,) = relational.pair_trends(tables, tables, relations).values()
    assert not any(pair.startswith("people.AGE ~ visits.COST") for pair in trend["pairs"])
    assert trend["score"] == 1.0


def test_the_statistics_across_tables_sample_whole_parents_above_the_budget(monkeypatch):
    """At 2M children the joins and sorts of every row were the folder summary's peak."""
    from tests.linked_fixture import random_hospital

    real, fake = random_hospital(400, 1), random_hospital(400, 2)
    relations = discover(real)
    whole = relational.sequences(real, fake, relations)
    some = relational.sequences(real, fake, relations, max_rows=300, seed=3)
    again = relational.sequences(real, fake, relations, max_rows=300, seed=3)
    assert some == again
    for table, entry in whole.items():
        assert entry["sampled"] is False
        assert entry["rows_compared"]["real"] == real[table].height
    admissions = some["ADMISSIONS"]
    assert admissions["sampled"] is True
    assert 150 < admissions["rows_compared"]["real"] < 450  # whole patients: about 300 rows
    trends = relational.pair_trends(real, fake, relations, max_rows=300, seed=3)
    assert all(t["sampled"] and t["rows_compared"]["real"] < 600 for t in trends.values())
    assert relational.pair_trends(real, fake, relations) != trends
    # the parents' keys hashed a slice at a time draw the same parents
    monkeypatch.setattr(relational, "SAMPLED_ROWS", 7)
    assert relational.sequences(real, fake, relations, max_rows=300, seed=3) == some
    assert relational.pair_trends(real, fake, relations, max_rows=300, seed=3) == trends
