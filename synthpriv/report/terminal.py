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


def gates_table(report: Report) -> Table:
    """The verdict and one line per gate: check, result, what it means."""
    verdict = report.verdict
    table = Table(title=f"synthpriv verdict: [{STATUS_STYLE[verdict]}]{verdict.value}[/]")
    table.add_column("check")
    table.add_column("result")
    table.add_column("what it means")
    for gate in report.gates:
        status = gate.status
        table.add_row(gate.name, f"[{STATUS_STYLE[status]}]{status.value}[/]", gate.message)
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
