"""Render the report as one self-contained HTML page (inline CSS and SVG, no network) and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from synthpriv.io import atomic_path, write_json
from synthpriv.report.gates import TITLES
from synthpriv.schema import validate

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHART_W, CHART_H = 320, 120


def _bars(dist: dict[str, Any]) -> dict[str, Any]:
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
        caption = ""
        labels = dist.get("labels", [])
    return {"w": CHART_W, "h": CHART_H, "rects": rects, "caption": caption, "labels": labels}


def _heat(score: float | None) -> str:
    """Colour for a pair score: green when alike, red when not, grey when not computed."""
    if score is None:
        return "#ddd"
    bad = min(max((1 - score) * 4, 0.0), 1.0)
    return f"rgb({int(60 + 190 * bad)},{int(170 - 110 * bad)},{int(90 - 40 * bad)})"


DEFAULT_CHART_COLUMNS = 60


def shown_columns(report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The columns drawn (charts, heat map) and those only listed, by the chart budget.

    On a wide table the page draws the columns whose shapes differ most (lowest scores): those
    are the ones a reader needs to see. The page stays a few hundred kB whatever the width.
    """
    columns = report["data"]["columns_compared"]
    limit = (
        (report.get("budgets") or {}).get("limits", {}).get("chart_columns", DEFAULT_CHART_COLUMNS)
    )
    if len(columns) <= limit:
        return columns, []
    score = {d["columns"][0]: d["score"] for d in report["fidelity"]["column_shapes"]["details"]}
    ranked = sorted(columns, key=lambda c: (score.get(c) is not None, score.get(c) or 0.0))
    shown = set(ranked[:limit])
    return [c for c in columns if c in shown], [c for c in columns if c not in shown]


def _heatmap(report: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    cells = {}
    for detail in report["fidelity"]["column_pair_trends"]["details"]:
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
    return {"size": size, "n": len(columns), "cells": rows, "columns": columns}


def render_html(report: dict[str, Any]) -> str:
    """Return the HTML page for ``report``."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters["pct"] = lambda v, digits=1: "n/a" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["score100"] = lambda v: "n/a" if v is None else f"{v * 100:.0f}"
    env.filters["num"] = lambda v, digits=3: "n/a" if v is None else f"{v:.{digits}f}"
    shown, listed = shown_columns(report)
    charts = {
        name: _bars(dist)
        for name, dist in report["distributions"].items()
        if "real" in dist and name in shown
    }
    return env.get_template("report.html.j2").render(
        r=report,
        charts=charts,
        heatmap=_heatmap(report, shown),
        not_drawn=listed,
        gate_titles=TITLES,
    )


def write_report(report: dict[str, Any], directory: Path) -> tuple[Path, Path]:
    """Validate ``report`` and write ``report.json`` and ``report.html`` into ``directory``."""
    validate(report, "report", origin="report.json (internal error: report does not match schema)")
    json_path, html_path = directory / "report.json", directory / "report.html"
    write_json(report, json_path)
    with atomic_path(html_path) as tmp:
        tmp.write_text(render_html(report), encoding="utf-8")
    return json_path, html_path
