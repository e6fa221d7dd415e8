"""Linked tables drawn together: keys that resolve, counts per parent, times that keep order."""

from __future__ import annotations

import logging
import warnings

import polars as pl
import pytest

from synthpriv import linked
from synthpriv.relations import discover, find_orderings, kept_share
from tests.conftest import SHARED_DATA
from tests.unit.test_relations import _hospital, _timed

MIMIC = SHARED_DATA / "relational-dev" / "mimic3-demo"


@pytest.fixture(scope="module")
def drawn():
    tables = _timed(_hospital(300))
    relations = discover(tables)
    orderings = find_orderings(tables, relations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn on small category counts
        model = linked.fit(tables, relations, orderings, seed=3)
        return tables, relations, orderings, model, linked.sample(model)


def test_every_synthetic_foreign_key_points_to_a_synthetic_parent(drawn):
    tables, relations, _, _, synthetic = drawn
    assert set(synthetic) == set(tables)
    for link in relations.links:
        pointers = synthetic[link.child].get_column(link.column)
        assert pointers.null_count() == 0
        assert pointers.is_in(synthetic[link.parent].get_column(link.key).implode()).all()
    # the implied column agrees with the admission's own patient
    joined = synthetic["DIAGNOSES_ICD"].join(
        synthetic["ADMISSIONS"].select("HADM_ID", pl.col("SUBJECT_ID").alias("via")), on="HADM_ID"
    )
    assert (joined.get_column("SUBJECT_ID") == joined.get_column("via")).all()


def test_no_key_or_row_counter_of_the_input_comes_out(drawn):
    tables, _, _, _, synthetic = drawn
    for table, frame in synthetic.items():
        assert frame.schema == tables[table].schema
        for column in ("ROW_ID", "SUBJECT_ID", "HADM_ID"):
            if column in frame.columns:
                real = tables[table].get_column(column).implode()
                assert not frame.get_column(column).is_in(real).any(), (table, column)
        assert frame.get_column("ROW_ID").n_unique() == frame.height


def test_children_per_parent_follow_the_data(drawn):
    tables, _, _, _, synthetic = drawn

    def per_parent(frames, child, column, parent, key):
        counts = frames[child].group_by(column).len()
        return (
            frames[parent]
            .select(pl.col(key).alias(column))
            .join(counts, on=column, how="left")
            .get_column("len")
            .fill_null(0)
        )

    for child, column, parent in [
        ("ADMISSIONS", "SUBJECT_ID", "PATIENTS"),
        ("DIAGNOSES_ICD", "HADM_ID", "ADMISSIONS"),
    ]:
        real = per_parent(tables, child, column, parent, column)
        fake = per_parent(synthetic, child, column, parent, column)
        assert fake.mean() == pytest.approx(real.mean(), rel=0.15)
        assert set(fake.unique()) <= set(real.unique())  # no count the data never had
    assert synthetic["PATIENTS"].height == tables["PATIENTS"].height


def test_learned_orderings_hold_in_every_synthetic_row(drawn):
    _, relations, orderings, _, synthetic = drawn
    assert len(orderings) == 3
    for ordering in orderings:
        assert kept_share(synthetic, relations, ordering) == 1.0
    # times come out at the input's grain (whole hours here), not as smoothed microseconds
    admit = synthetic["ADMISSIONS"].get_column("ADMITTIME")
    assert (admit.dt.minute() == 0).all() and (admit.dt.second() == 0).all()


def test_the_same_seed_draws_the_same_tables(drawn):
    _, _, _, model, synthetic = drawn
    again = linked.sample(model)
    assert all(again[t].equals(synthetic[t]) for t in synthetic)
    other = linked.sample(model, seed=4)
    assert not other["ADMISSIONS"].equals(synthetic["ADMISSIONS"])
    assert linked.sample(model, roots=50)["PATIENTS"].height == 50


@pytest.mark.skipif(not MIMIC.is_dir(), reason=f"relational corpus not here: {MIMIC}")
def test_the_mimic_demo_drawn_as_one_linked_set():
    from synthpriv.io import load_folder

    logging.disable(logging.WARNING)
    try:
        frames = {name: read.frame for name, read in load_folder(MIMIC).items()}
    finally:
        logging.disable(logging.NOTSET)
    relations = discover(frames)
    orderings = find_orderings(frames, relations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthetic = linked.sample(linked.fit(frames, relations, orderings, seed=0))
    for link in relations.links:
        pointers = synthetic[link.child].get_column(link.column).drop_nulls()
        assert pointers.is_in(synthetic[link.parent].get_column(link.key).implode()).all()
    for table, frame in synthetic.items():
        assert frame.schema == frames[table].schema
        assert 0.7 * frames[table].height < frame.height < 1.3 * frames[table].height
    # every ordering the data keeps (26, within tables and from an ancestor) holds in every row
    assert len(orderings) >= 20
    for ordering in orderings:
        assert kept_share(synthetic, relations, ordering) == 1.0, ordering
