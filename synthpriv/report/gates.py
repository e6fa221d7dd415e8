"""The report's gates: what each check measures, when it fails, and what the verdict is.

Every gate is one row of :data:`GATES` (its name, category, title and whether it needs a real
holdout) and one rule below that turns the measured figures into PASS, WARN, FAIL or SKIP with a
message for the officer. A WARN or FAIL on a measured share stands only when its 95% interval
excludes the ideal value, so a small table does not fail on noise.

The verdict is FAIL if any gate failed, INCOMPLETE if a privacy gate could not be measured (no
holdout, or an attack that could not run), WARN if any gate warned, else PASS. INCOMPLETE is
never shareable: skipped privacy checks are not passed privacy checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from synthpriv.config import Gates
from synthpriv.status import ExitStatus


@dataclass(frozen=True)
class GateSpec:
    """One check of the report."""

    name: str
    category: str
    title: str
    needs_holdout: bool
    optional: bool = False  # reported only when it applies


GATES = (
    GateSpec("fidelity", "fidelity", "Fidelity", False),
    GateSpec("exact_copies", "privacy", "Exact copies", True),
    GateSpec("near_copies", "privacy", "Near copies", True),
    GateSpec("dcr_share", "privacy", "Distance to closest record", True),
    GateSpec("membership_inference", "privacy", "Membership inference", True),
    GateSpec("singling_out", "privacy", "Singling out", True),
    GateSpec("linkability", "privacy", "Linkability", True),
    GateSpec("attribute_inference", "privacy", "Attribute inference", True),
    GateSpec("replicated_uniques", "privacy", "Replicated unique records", True),
    GateSpec("residual_pii", "privacy", "Residual personal data", False),
    GateSpec("formal_privacy", "privacy", "Formal guarantee (differential privacy)", False, True),
)
TITLES = {g.name: g.title for g in GATES}
PRIVACY_GATES = tuple(g.name for g in GATES if g.category == "privacy" and not g.optional)
HOLDOUT_GATES = tuple(g.name for g in GATES if g.needs_holdout)
VERDICTS = ("PASS", "WARN", "INCOMPLETE", "FAIL")
NEEDS_HOLDOUT = (
    "Not measured: needs real rows the model never saw (run does this itself; step by step, "
    "make them with `synthpriv split` and pass --holdout)."
)


def _gate(
    name: str,
    status: str,
    value: Any,
    threshold: Any,
    message: str,
    *,
    applicable: bool = True,
) -> dict[str, Any]:
    spec = next(g for g in GATES if g.name == name)
    gate = {
        "name": name,
        "category": spec.category,
        "status": status,
        "value": value,
        "threshold": threshold,
        "message": message,
    }
    if status == "SKIP":
        # A check with nothing to measure (no quasi-identifier) does not make a run incomplete.
        gate["applicable"] = applicable
    return gate


def _level(value: float, warn: float, fail: float) -> str:
    return "FAIL" if value > fail else "WARN" if value > warn else "PASS"


def _significant(lower_bound: float, ideal: float, status: str) -> str:
    """Keep a WARN or FAIL only when the 95% interval excludes the ideal value (else noise)."""
    return status if lower_bound > ideal else "PASS"


def evaluate_gates(
    fidelity: dict[str, Any],
    privacy: dict[str, Any],
    gates: Gates,
    synthesis: dict[str, Any] | None = None,
) -> list[dict]:
    """Return one verdict per gate, in the order of :data:`GATES` (optional ones if they apply)."""
    out = [_fidelity_gate(fidelity, gates), *privacy_gates(privacy, gates)]
    formal = formal_privacy_gate(synthesis, gates)
    return out if formal is None else [*out, formal]


def formal_privacy_gate(synthesis: dict[str, Any] | None, gates: Gates) -> dict[str, Any] | None:
    """The model's (ε, δ)-DP guarantee against ``[gates] max_epsilon``.

    Without a DP engine and without ``max_epsilon`` it does not apply (None: not reported);
    ``max_epsilon`` set and no DP model is a FAIL; without the model's account (a standalone
    report) it cannot be checked (SKIP, so INCOMPLETE).
    """
    limit = gates.max_epsilon
    dp = ((synthesis or {}).get("preparation") or {}).get("differential_privacy")
    if dp is None and limit is None:
        return None
    if synthesis is None:
        return _gate(
            "formal_privacy",
            "SKIP",
            None,
            limit,
            "Not checked: the report was made without the model's privacy account.",
        )
    if dp is None:
        return _gate(
            "formal_privacy",
            "FAIL",
            None,
            limit,
            f"A differentially private model with ε at most {limit} is required; the "
            f"{synthesis.get('engine')} engine gives no formal guarantee.",
        )
    epsilon, delta = dp["epsilon_spent"], dp["delta_spent"]
    status = "FAIL" if limit is not None and epsilon > limit + 1e-9 else "PASS"
    bound = f" (at most {limit} required)" if limit is not None else ""
    return _gate(
        "formal_privacy",
        status,
        round(epsilon, 4),
        limit,
        f"The model and every row sampled from it are ({epsilon:.3g}, {delta:.2g})-"
        f"differentially private{bound}: adding or removing one person's row changes the "
        "probability of any output by at most that much.",
    )


def _fidelity_gate(fidelity: dict[str, Any], gates: Gates) -> dict[str, Any]:
    score = fidelity["score"]
    if score is None:
        return _gate(
            "fidelity", "SKIP", None, gates.fidelity_min, "No fidelity metric could be computed."
        )
    status = _level(-score, -gates.fidelity_warn, -gates.fidelity_min)
    baseline = fidelity.get("baseline_score")
    equal = fidelity.get("score_at_holdout_size")
    versus = ""
    if baseline is not None and equal is not None:
        versus = (
            f" (on samples as small as the real holdout: synthetic {equal * 100:.0f}, "
            f"real holdout {baseline * 100:.0f})"
        )
    return _gate(
        "fidelity",
        status,
        score,
        gates.fidelity_min,
        f"Fidelity {score * 100:.0f}/100{versus}; at least {gates.fidelity_min * 100:.0f} is "
        "required.",
    )


def privacy_gates(privacy: dict[str, Any], gates: Gates) -> list[dict]:
    """One verdict per privacy check, in the order a reader should meet them."""
    if not privacy.get("dcr"):
        out = [_exact_copies_without_holdout(privacy["exact_copies"], gates)]
        out += [_gate(name, "SKIP", None, None, NEEDS_HOLDOUT) for name in HOLDOUT_GATES[1:]]
        return [*out, _residual_gate(privacy)]
    return [
        _copies_gate("exact_copies", privacy["exact_copies"], gates.exact_copy_margin),
        _copies_gate("near_copies", privacy["near_copies"], gates.near_copy_margin),
        _dcr_gate(privacy["dcr"], gates),
        _membership_gate(privacy["membership_inference"], gates),
        *_attack_gates(privacy["attacks"], gates, len(privacy.get("columns") or [])),
        _replicated_uniques_gate(privacy, gates),
        _residual_gate(privacy),
    ]


def _copies_gate(name: str, copies: dict[str, Any], margin: float) -> dict[str, Any]:
    """Exact or near copies: FAIL when the excess over the baseline passes the margin.

    ...and only when the excess's 95% interval excludes zero.
    """
    share, excess, (low, high) = copies["share_of_train"], copies["excess"], copies["excess_ci95"]
    base = share - excess
    status = _significant(low, 0.0, "FAIL" if excess > margin else "PASS")
    if name == "exact_copies":
        what = (
            f"{share * 100:.1f}% of synthetic rows are exact copies of a training row (compared "
            f"with all {copies['rows']['train']:,} training rows); {base * 100:.1f}% of real rows "
            "the model never saw are, too"
        )
    else:
        what = (
            f"{share * 100:.1f}% of synthetic rows are near copies of a training row (closer "
            f"than 95% of unseen real rows are); the same test against unseen real rows gives "
            f"{base * 100:.1f}%"
        )
    return _gate(
        name,
        status,
        share,
        round(base + margin, 4),
        f"{what}. The excess is {excess * 100:+.1f} points (95% CI {low * 100:+.1f} to "
        f"{high * 100:+.1f}); above {margin * 100:.0f} points fails when the interval excludes 0.",
    )


def _exact_copies_without_holdout(copies: dict[str, Any], gates: Gates) -> dict[str, Any]:
    share = copies["share_of_train"]
    return _gate(
        "exact_copies",
        "FAIL" if share > gates.exact_copy_margin else "SKIP",
        share,
        gates.exact_copy_margin,
        f"{share * 100:.1f}% of synthetic rows are exact copies of a training row. "
        + (
            "That is more than any baseline could explain."
            if share > gates.exact_copy_margin
            else "Without unseen real rows there is no baseline to judge this against. "
            + NEEDS_HOLDOUT
        ),
    )


def _dcr_gate(dcr: dict[str, Any], gates: Gates) -> dict[str, Any]:
    value = dcr["share_closer_to_train"]
    low, high = dcr["share_ci95"]
    return _gate(
        "dcr_share",
        _significant(low, 0.5, _level(value, gates.dcr_share_warn, gates.dcr_share_max)),
        value,
        gates.dcr_share_max,
        f"Synthetic rows sit closer to a training row than to an unseen real row "
        f"{value * 100:.0f}% of the time (95% CI {low * 100:.0f}-{high * 100:.0f}%); "
        f"50% means no memorization, above {gates.dcr_share_max * 100:.0f}% fails "
        "when the interval excludes 50%.",
    )


def _membership_gate(mia: dict[str, Any], gates: Gates) -> dict[str, Any]:
    low, high = mia["ci95"]
    level = _level(mia["auc"], gates.membership_auc_warn, gates.membership_auc_max)
    return _gate(
        "membership_inference",
        _significant(low, 0.5, level),
        mia["auc"],
        gates.membership_auc_max,
        f"An attacker who uses the synthetic table to guess whether a person was in the "
        f"training data is right with AUC {mia['auc']:.2f} (95% CI {low:.2f}-{high:.2f}); 0.50 "
        f"is a coin toss, above {gates.membership_auc_max:.2f} fails when the interval excludes "
        "0.50.",
    )


def _attack_gates(attacks: dict[str, Any], gates: Gates, columns: int) -> list[dict[str, Any]]:
    checks = {
        "singling_out": (
            list(attacks["singling_out"].values()),
            "isolate one real person with a rule learned from the synthetic rows",
        ),
        "linkability": (
            [attacks["linkability"]],
            "link two halves of a real person's record through the synthetic rows",
        ),
        "attribute_inference": (
            list(attacks["inference"].values()),
            "infer a person's other values from their quasi-identifiers",
        ),
    }
    out = []
    for name, (entries, what) in checks.items():
        known = [e for e in entries if e and e.get("risk") is not None]
        if not known and name != "singling_out" and columns < 2:
            # Linking halves of a record, or inferring one value from the others, needs two
            # columns: with one there is nothing to link or infer from.
            message = f"Not applicable: with {columns} column compared there is nothing to {what}."
            out.append(_gate(name, "SKIP", None, None, message, applicable=False))
            continue
        if not known:
            out.append(_gate(name, "SKIP", None, None, f"Could not {what}."))
            continue
        worst_entry = max(known, key=lambda e: e["risk"])
        worst = worst_entry["risk"]
        out.append(
            _gate(
                name,
                _significant(
                    (worst_entry.get("ci95") or [worst])[0],
                    0.0,
                    _level(worst, gates.attack_risk_warn, gates.attack_risk_max),
                ),
                worst,
                gates.attack_risk_max,
                f"Risk {worst * 100:.0f}% that an attacker can {what}, beyond what unseen "
                f"real rows allow (0% is ideal; above {gates.attack_risk_max * 100:.0f}% "
                "fails when the 95% interval excludes 0).",
            )
        )
    return out


def _replicated_uniques_gate(privacy: dict[str, Any], gates: Gates) -> dict:
    rep = privacy.get("replicated_uniques")
    if not rep:
        return _gate(
            "replicated_uniques",
            "SKIP",
            None,
            None,
            "No quasi-identifier column is known, so no combination of them can single out a "
            "person (mark columns quasi_identifier in the schema to measure it).",
            applicable=False,
        )
    # Both shares are estimated on as many rows as the holdout has: allow for their noise.
    n = max(rep.get("rows", 0), 1)
    noise = 1.96 * math.sqrt(sum(p * (1 - p) for p in (rep["share"], rep["baseline_holdout"])) / n)
    limit = rep["baseline_holdout"] + gates.replicated_uniques_margin + noise
    return _gate(
        "replicated_uniques",
        "FAIL" if rep["share"] > limit else "PASS",
        rep["share"],
        round(limit, 4),
        f"{rep['share'] * 100:.1f}% of training rows are unique on the quasi-identifiers and "
        f"reappear as a unique synthetic row (unseen real rows: "
        f"{rep['baseline_holdout'] * 100:.1f}%); above {limit * 100:.1f}% fails.",
    )


def _residual_gate(privacy: dict[str, Any]) -> dict:
    residual = privacy.get("residual_identifiers")
    rare = privacy.get("rare_categories") or {}
    if residual:
        return _gate(
            "residual_pii",
            "FAIL",
            len(residual),
            0,
            "Values of original direct identifiers appear in the synthetic table: "
            + "; ".join(residual)
            + ".",
        )
    checked = residual is not None
    extra = rare.get("reappearing", 0) - rare.get("baseline_holdout", 0)
    if rare and extra > 0:
        return _gate(
            "residual_pii",
            "WARN",
            rare["reappearing"],
            rare["baseline_holdout"],
            f"{rare['reappearing']} categories seen fewer than {rare['threshold']} times in the "
            f"training rows reappear in the synthetic table ({rare['baseline_holdout']} in unseen "
            "real rows): consider suppressing rare categories before fitting.",
        )
    searched = "No original direct-identifier value appears in the synthetic table; r"
    return _gate(
        "residual_pii",
        "PASS",
        0,
        0,
        (searched if checked else "R") + "are categories reappear no more often than in unseen "
        "real rows.",
    )


def overall_verdict(gates: list[dict]) -> str:
    """FAIL, then INCOMPLETE (a privacy check not measured), then WARN, then PASS."""
    statuses = {g["status"] for g in gates}
    if "FAIL" in statuses:
        return "FAIL"
    if any(_unmeasured(g) for g in gates):
        return "INCOMPLETE"
    return "WARN" if "WARN" in statuses else "PASS"


def _unmeasured(gate: dict[str, Any]) -> bool:
    return (
        gate["category"] == "privacy" and gate["status"] == "SKIP" and gate.get("applicable", True)
    )


def exit_status_for(report: dict[str, Any]) -> ExitStatus:
    """Map a report's gates to the exit code: privacy FAIL, fidelity FAIL, INCOMPLETE, success."""
    failed = {g["category"] for g in report["gates"] if g["status"] == "FAIL"}
    if "privacy" in failed:
        return ExitStatus.PRIVACY_GATE_FAILED
    if "fidelity" in failed:
        return ExitStatus.FIDELITY_GATE_FAILED
    if any(_unmeasured(g) for g in report["gates"]):
        return ExitStatus.INCOMPLETE
    return ExitStatus.SUCCESS
