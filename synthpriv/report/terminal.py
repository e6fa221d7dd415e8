"""The report's third view: the summary a terminal shows and ``--json`` prints.

The CLI prints what these functions return; they read the report and never the input.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from synthpriv.report.model import Report, Verdict

STATUS_STYLE = {
    Verdict.PASS: "bold green",
    Verdict.WARN: "bold yellow",
    Verdict.INCOMPLETE: "bold magenta",
    Verdict.FAIL: "bold red",
    Verdict.SKIP: "dim",
}


def summary(report: Report, exit_code: int, output: str, files: list[str]) -> dict[str, Any]:
    """The machine summary ``--json`` prints: verdict, exit code, files, scores and gates."""
    result = {
        "verdict": report.verdict.value,
        "exit_code": exit_code,
        "output": output,
        "files": files,
        "fidelity_score": report.fidelity.score,
        "fidelity_baseline": report.fidelity.baseline_score,
        "gates": [
            {"name": g.name, "status": g.status.value, "value": g.value, "threshold": g.threshold}
            for g in report.gates
        ],
    }
    dp = dp_account(report.synthesis)
    if dp and dp.get("guarantee"):
        result["differential_privacy"] = {
            "epsilon": dp["epsilon_spent"],
            "delta": dp["delta_spent"],
        } | dp["guarantee"]
    return result


def dp_account(synthesis: dict[str, Any] | None) -> dict[str, Any] | None:
    """A DP model's account as its description states it, or ``None``."""
    return ((synthesis or {}).get("preparation") or {}).get("differential_privacy")


def gates_table(report: Report, title: str | None = None) -> Table:
    """The verdict and one line per gate: check, result, what it means (``title``: of what)."""
    verdict = report.verdict
    about = f" of {title}" if title else ""
    table = Table(title=f"synthpriv verdict{about}: [{STATUS_STYLE[verdict]}]{verdict.value}[/]")
    table.add_column("check")
    table.add_column("result")
    table.add_column("what it means")
    for gate in report.gates:
        status = gate.status
        table.add_row(gate.name, f"[{STATUS_STYLE[status]}]{status.value}[/]", gate.message)
    return table


def linked_summary(linked: dict[str, Any]) -> dict[str, Any]:
    """What ``--json`` adds for a folder of linked tables: its verdict, each table, the links."""
    kept = [
        o["kept_in_synthetic"] for o in linked["orderings"] if o["kept_in_synthetic"] is not None
    ]
    resolved = [v for v in linked["foreign_keys_resolved"].values() if v is not None]
    return {
        "verdict": linked["verdict"],
        "persons_verdict": linked["persons"]["verdict"],
        "tables": {
            name: {k: t[k] for k in ("verdict", "exit_code", "fidelity", "failed_gates")}
            for name, t in linked["tables"].items()
        },
        "foreign_keys_resolved_min": min(resolved) if resolved else None,
        "orderings_kept_min": min(kept) if kept else None,
    }


def score_text(value: float | None) -> str:
    """A fidelity score out of 100 ("not measured" for a table with no rows to measure)."""
    return "not measured" if value is None else f"{value * 100:.0f}/100"


def tables_table(linked: dict[str, Any]) -> Table:
    """A folder run's verdict and one line per table: rows, verdict, fidelity, failed gates."""
    verdict = Verdict(linked["verdict"])
    table = Table(
        title=f"synthpriv verdict of {len(linked['tables'])} linked tables: "
        f"[{STATUS_STYLE[verdict]}]{verdict.value}[/]"
    )
    for header in (
        "table",
        "rows real (training) / synthetic",
        "result",
        "fidelity",
        "failed gates",
    ):
        table.add_column(header)
    for name, t in linked["tables"].items():
        status = Verdict(t["verdict"])
        table.add_row(
            name,
            f"{t['rows']['real']:,}"
            + (f" ({t['rows']['train']:,})" if "train" in t["rows"] else "")
            + f" / {t['rows']['synthetic']:,}",
            f"[{STATUS_STYLE[status]}]{status.value}[/]",
            score_text(t["fidelity"]),
            ", ".join(t["failed_gates"]) or "-",
        )
    return table


def dp_lines(synthesis: dict[str, Any] | None) -> list[str]:
    """On a DP model, one line of what its guarantee covers and one of what it does not."""
    dp = dp_account(synthesis)
    promise = (dp or {}).get("guarantee")
    if not promise:
        return []
    return [
        f"differential privacy ({dp['epsilon_spent']:.6g}, {dp['delta_spent']:.2g}): covers "
        f"{promise['covers']}; input rows: {promise['input_rows']}",
        "not covered (keep with the real data: "
        + ", ".join(promise["keep_confidential"])
        + "): "
        + "; ".join(promise["not_covered"]),
    ]
