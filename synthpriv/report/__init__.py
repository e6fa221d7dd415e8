"""The report: one model (a dict validated against ``schemas/report.schema.json``), three views.

:func:`build_report` measures; :func:`write_report` writes ``report.json`` and ``report.html``;
the CLI renders the terminal summary from the same dict.
"""

from synthpriv.report.builder import REPORT_VERSION, build_report
from synthpriv.report.gates import exit_status_for
from synthpriv.report.html import render_html, write_report

__all__ = ["REPORT_VERSION", "build_report", "exit_status_for", "render_html", "write_report"]
