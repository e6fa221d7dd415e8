"""Chart data for the report: what is drawn, and what may be printed on a chart.

``distribution`` turns a real and a synthetic column into the shares the page draws. Only
categories seen at least ``MIN_LABEL_COUNT`` times in the real rows are named (rarer ones are
pooled), and numeric bins span the 1st to 99th percentile, so no single person's value is
printed. The helpers below turn those shares, and the pair scores, into the bars and the heat
map of ``report.html``; ``shown_columns`` applies the chart budget on wide tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import value_counts
from synthpriv.metrics.fidelity import as_float
from synthpriv.report.model import Report
from synthpriv.schema import POOLED_LABEL, Kind

MIN_LABEL_COUNT = 10
TOP_CATEGORIES = 8
HIST_BINS = 12
CHART_W, CHART_H = 320, 120


def distribution(real: pl.Series, synthetic: pl.Series, kind: Kind) -> dict[str, Any]:
    """Shares of real and synthetic values per histogram bin or named category (see module)."""
    if kind in (Kind.NUMERICAL, Kind.DATETIME):
        r, s = as_float(real), as_float(synthetic)
        r, s = r[~np.isnan(r)], s[~np.isnan(s)]
        if r.size == 0:
            return {"type": "empty"}
        lo, hi = np.quantile(r, [0.01, 0.99])
        if hi <= lo:
            hi = lo + 1.0
        edges = np.linspace(lo, hi, HIST_BINS + 1)
        inner = edges[1:-1]

        def hist(values: np.ndarray) -> list[float]:
            counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=HIST_BINS)
            return [round(float(c) / max(values.size, 1), 4) for c in counts]

        if kind == Kind.DATETIME:
            labels = [str(np.datetime64(int(e), "us").astype("datetime64[D]")) for e in edges]
        else:
            labels = [f"{e:.4g}" for e in edges]
        return {"type": "histogram", "edges": labels, "real": hist(r), "synthetic": hist(s)}
    counts = value_counts(real.cast(pl.String).drop_nulls(), sort=True)
    total_r = max(real.len() - real.null_count(), 1)
    total_s = max(synthetic.len() - synthetic.null_count(), 1)
    # The cleaning's own pooled value goes into the chart's pooled bar: one "(other)" bar.
    shown = [v for v, n in counts.rows() if n >= MIN_LABEL_COUNT and v != POOLED_LABEL]
    shown = shown[:TOP_CATEGORIES]
    synth_counts = dict(value_counts(synthetic.cast(pl.String).drop_nulls()).rows())
    real_counts = dict(counts.rows())
    labels = shown + [POOLED_LABEL]
    real_share = [real_counts[v] / total_r for v in shown]
    synth_share = [synth_counts.get(v, 0) / total_s for v in shown]
    real_share.append(1 - sum(real_share))
    synth_share.append(1 - sum(synth_share))
    return {
        "type": "bars",
        "labels": labels,
        "real": [round(max(x, 0.0), 4) for x in real_share],
        "synthetic": [round(max(x, 0.0), 4) for x in synth_share],
        "hidden_categories": max(len(real_counts) - len(shown), 0),
        "pooled_share": round(max(real_share[-1], 0.0), 4),
    }


def bars(dist: dict[str, Any]) -> dict[str, Any]:
    """Turn a distribution into SVG rectangles: real and synthetic side by side per bin."""
    real, synth = dist.get("real", []), dist.get("synthetic", [])
    n = max(len(real), 1)
    top = max([*real, *synth, 1e-9])
    slot = CHART_W / n
    rects = []
    for i, (r, s) in enumerate(zip(real, synth, strict=True)):
        for j, (value, cls) in enumerate(((r, "real"), (s, "synth"))):
            height = (CHART_H - 14) * value / top
            rects.append(
                {
                    "x": round(i * slot + 1 + j * (slot - 2) / 2, 2),
                    "y": round(CHART_H - 14 - height, 2),
                    "w": round(max((slot - 2) / 2 - 0.5, 0.5), 2),
                    "h": round(height, 2),
                    "cls": cls,
                    "title": f"{'real' if cls == 'real' else 'synthetic'}: {value * 100:.1f}%",
                }
            )
    if dist["type"] == "histogram":
        edges = dist["edges"]
        caption = f"{edges[0]} … {edges[-1]} (1st–99th percentile of real values)"
        labels: list[str] = []
    else:
        hidden, share = dist.get("hidden_categories", 0), dist.get("pooled_share", 0.0)
        caption = (
            f"{POOLED_LABEL}: {hidden} other categor{'y' if hidden == 1 else 'ies'}, "
            f"{share * 100:.1f}% of real rows"
            if hidden
            else ""
        )
        labels = dist.get("labels", [])
    return {"w": CHART_W, "h": CHART_H, "rects": rects, "caption": caption, "labels": labels}


def _heat(score: float | None) -> str:
    """Colour for a pair score: green when alike, red when not, grey when not computed."""
    if score is None:
        return "#ddd"
    bad = min(max((1 - score) * 4, 0.0), 1.0)
    return f"rgb({int(60 + 190 * bad)},{int(170 - 110 * bad)},{int(90 - 40 * bad)})"


DEFAULT_CHART_COLUMNS = 60


def shown_columns(report: Report) -> tuple[list[str], list[str]]:
    """The columns drawn (charts, heat map) and those only listed, by the chart budget.

    On a wide table the page draws the columns whose shapes differ most (lowest scores): those
    are the ones a reader needs to see. The page stays a few hundred kB whatever the width.
    """
    columns = report.data.columns_compared
    limit = report.budgets.limits.get("chart_columns", DEFAULT_CHART_COLUMNS)
    if len(columns) <= limit:
        return columns, []
    score = {d["columns"][0]: d["score"] for d in report.fidelity.column_shapes["details"]}
    ranked = sorted(columns, key=lambda c: (score.get(c) is not None, score.get(c) or 0.0))
    shown = set(ranked[:limit])
    return [c for c in columns if c in shown], [c for c in columns if c not in shown]


def heatmap(report: Report, columns: list[str]) -> dict[str, Any]:
    """The pair-trend scores of ``columns`` as heat-map cells (shaded by score)."""
    cells = {}
    for detail in report.fidelity.column_pair_trends["details"]:
        a, b = detail["columns"]
        cells[(a, b)] = cells[(b, a)] = detail["score"]
    size = 18
    rows = []
    for i, a in enumerate(columns):
        for j, b in enumerate(columns):
            if i == j:
                continue
            score = cells.get((a, b))
            rows.append(
                {
                    "x": j * size,
                    "y": i * size,
                    "fill": _heat(score),
                    "title": f"{a} × {b}: {'n/a' if score is None else f'{score:.2f}'}",
                }
            )
    return {
        "size": size,
        "n": len(columns),
        "cells": rows,
        "columns": columns,
        "legend": HEAT_LEGEND,
    }


# Every colour a cell can take, by score: the shade runs from green (1.00) to red (0.75 and
# below, where _heat saturates); grey is a pair that could not be scored.
HEAT_LEGEND = [
    {"fill": _heat(score), "label": label}
    for score, label in ((1.0, "1.00"), (0.95, "0.95"), (0.9, "0.90"), (0.85, "0.85"))
] + [{"fill": _heat(0.75), "label": "0.75 or less"}, {"fill": _heat(None), "label": "not scored"}]
