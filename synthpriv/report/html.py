"""Render the report as one self-contained HTML page (inline CSS and SVG, no network) and JSON.

The chart data (bars, heat map, which columns are drawn) comes from ``charts.py``.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from synthpriv.io import atomic_path, write_json
from synthpriv.report.charts import (
    MIN_LABEL_COUNT,
    TOP_CATEGORIES,
    bars,
    heatmap,
    shown_columns,
)
from synthpriv.report.gates import TITLES
from synthpriv.report.model import Report, Verdict
from synthpriv.schema import validate

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_html(report: Report) -> str:
    """Return the HTML page for ``report``.

    The template reads the verdict and gates typed (statuses compared as :class:`Verdict`) and
    the figures from ``report.to_dict()``, as report.json states them.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    env.filters["pct"] = lambda v, digits=1: "n/a" if v is None else f"{v * 100:.{digits}f}%"
    env.filters["score100"] = lambda v: "n/a" if v is None else f"{v * 100:.0f}"
    env.filters["num"] = lambda v, digits=3: "n/a" if v is None else f"{v:.{digits}f}"
    shown, listed = shown_columns(report)
    charts = {
        name: bars(dist)
        for name, dist in report.distributions.items()
        if "real" in dist and name in shown
    }
    return env.get_template("report.html.j2").render(
        r=report.to_dict(),
        verdict=report.verdict,
        gates=report.gates,
        Verdict=Verdict,
        charts=charts,
        heatmap=heatmap(report, shown),
        not_drawn=listed,
        gate_titles=TITLES,
        top_categories=TOP_CATEGORIES,
        min_label_count=MIN_LABEL_COUNT,
    )


def write_report(report: Report, directory: Path, *, pdf: bool = False) -> tuple[Path, Path]:
    """Validate ``report`` and write ``report.json`` and ``report.html`` into ``directory``.

    ``pdf``: also ``report.pdf``, the page printed by headless Chromium (skipped with a warning
    when no Chromium is found; see :mod:`synthpriv.report.pdf`).
    """
    data = report.to_dict()
    validate(data, "report", origin="report.json (internal error: report does not match schema)")
    json_path, html_path = directory / "report.json", directory / "report.html"
    write_json(data, json_path)
    with atomic_path(html_path) as tmp:
        tmp.write_text(render_html(report), encoding="utf-8")
    if pdf:
        from synthpriv.report.pdf import print_report

        print_report(html_path, directory / "report.pdf")
    return json_path, html_path
