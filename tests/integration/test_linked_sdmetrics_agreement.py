"""Cardinality and parent-child trends against SDMetrics' multi-table QualityReport.

The same real and synthetic linked tables, the same column types (SDMetrics' metadata is
written from ours): our per-link figures, averaged as SDMetrics averages them, must give its
property scores.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from synthpriv.frames import is_time
from synthpriv.metrics import relational
from synthpriv.relations import key_columns
from tests.linked_fixture import fitted_hospital

sdmetrics = pytest.importorskip("sdmetrics", reason="sdmetrics is a dev dependency")
pytestmark = pytest.mark.integration


def _metadata(frames: dict[str, pl.DataFrame], relations) -> dict:
    tables = {}
    for table, frame in frames.items():
        keys = set(key_columns(relations, table, frame))
        columns = {}
        for name, dtype in frame.schema.items():
            if name in keys:
                columns[name] = {"sdtype": "id"}
            elif is_time(dtype):
                columns[name] = {"sdtype": "datetime"}
            elif dtype.is_numeric():
                columns[name] = {"sdtype": "numerical"}
            else:
                columns[name] = {"sdtype": "categorical"}
        tables[table] = {"columns": columns}
        if table in relations.keys:
            tables[table]["primary_key"] = relations.keys[table]
    links = [
        {
            "parent_table_name": k.parent,
            "parent_primary_key": k.key,
            "child_table_name": k.child,
            "child_foreign_key": k.column,
        }
        for k in relations.links
        if k.kind == "parent"
    ]
    return {"tables": tables, "relationships": links}


@pytest.fixture(scope="module")
def hospital():
    return fitted_hospital(300, seed=11)


def test_cardinality_and_intertable_trends_agree_with_sdmetrics(hospital):
    from sdmetrics.reports.multi_table import QualityReport
    from sdmetrics.reports.multi_table._properties import InterTableTrends

    real, fake, relations = hospital.train, hospital.clean, hospital.relations
    pandas_real = {t: f.to_pandas() for t, f in real.items()}
    pandas_fake = {t: f.to_pandas() for t, f in fake.items()}
    metadata = _metadata(real, relations)
    report = QualityReport()
    report.generate(pandas_real, pandas_fake, metadata, verbose=False)
    cardinality = relational.cardinality(real, fake, relations)
    ours = np.mean([entry["similarity"] for entry in cardinality.values()])
    assert ours == pytest.approx(
        report.get_properties().set_index("Property").loc["Cardinality", "Score"], abs=0.005
    )

    # the report averages only pairs a real correlation passes a threshold for (none here: the
    # random hospital's columns are independent); the property itself scores every pair
    trends = InterTableTrends()
    trends.get_score(pandas_real, pandas_fake, metadata)
    theirs = {
        f"{row['Parent Table']}.{row['Column 1']} ~ {row['Child Table']}.{row['Column 2']}": (
            row["Metric"],
            row["Score"],
        )
        for _, row in trends.details.iterrows()
    }
    ours = {
        pair: score
        for entry in relational.pair_trends(real, fake, relations).values()
        for pair, score in entry["pairs"].items()
    }
    assert set(ours) == set(theirs)
    mixed = 0
    for pair, score in ours.items():
        metric, their_score = theirs[pair]
        if metric == "ContingencySimilarity" and _mixed(pair, metadata):
            # SDMetrics' property bins a number on each table's own range (a synthetic column
            # spread over a century is cut into ten bins of its own): we bin both on the real
            # range, as SDMetrics' discretize_column does; its own functions must agree
            their_score = _on_real_bins(pair, real, fake, relations)
            mixed += 1
        assert score == pytest.approx(their_score, abs=0.01), pair
    assert mixed > 0
    # and the synthetic tables are not the real ones: the figures are not trivially 1
    assert min(ours.values()) < 0.99


def _sdtype(column: str, metadata: dict) -> str:
    table, name = column.split(".", 1)
    return metadata["tables"][table]["columns"][name]["sdtype"]


def _mixed(pair: str, metadata: dict) -> bool:
    kinds = {_sdtype(c, metadata) in ("numerical", "datetime") for c in pair.split(" ~ ")}
    return kinds == {True, False}


def _on_real_bins(pair: str, real, fake, relations) -> float:
    import pandas as pd
    from sdmetrics.column_pairs import ContingencySimilarity
    from sdmetrics.utils import discretize_column

    left, right = pair.split(" ~ ")
    parent, parent_column = left.split(".", 1)
    child, child_column = right.split(".", 1)
    link = next(k for k in relations.links if k.parent == parent and k.child == child)

    def joined(frames):
        parents = frames[parent].select(
            pl.col(link.key).alias(link.column), pl.col(parent_column).alias("__p")
        )
        frame = frames[child].join(parents, on=link.column).select("__p", child_column)
        return frame.with_columns(
            [pl.col(c).dt.epoch("us") for c in frame.columns if is_time(frame.schema[c])]
        ).to_pandas()

    r, f = joined(real), joined(fake)
    numeric = "__p" if _numeric_sdtype(r["__p"]) else child_column
    r[numeric], f[numeric] = discretize_column(r[numeric], f[numeric])
    return float(ContingencySimilarity.compute(pd.DataFrame(r), pd.DataFrame(f)))


def _numeric_sdtype(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series)
