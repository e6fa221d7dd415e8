"""The report: one model, :class:`Report`, and three views (JSON, HTML, terminal).

The model is serialised once (:meth:`Report.to_dict`) and validated against
``schemas/report.schema.json``. :func:`build_report` measures; :func:`write_report` writes
``report.json`` and ``report.html``; the CLI renders the terminal summary (``terminal.py``)
from the same :class:`Report`.
"""

from synthpriv.report.builder import REPORT_VERSION, build_report
from synthpriv.report.gates import exit_status_for
from synthpriv.report.html import render_html, write_report
from synthpriv.report.model import GateResult, Report, Verdict

__all__ = [
    "REPORT_VERSION",
    "GateResult",
    "Report",
    "Verdict",
    "build_report",
    "exit_status_for",
    "render_html",
    "write_report",
]
