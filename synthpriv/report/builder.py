"""Measure a synthetic table against the real one and decide the gates.

The report holds aggregates only. Category labels appear in charts only for categories seen at
least ``MIN_LABEL_COUNT`` times in the real rows (rarer ones are pooled as "other"), and numeric
bins span the 1st to 99th percentile, so no single person's extreme value is printed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from synthpriv import __version__
from synthpriv.config import Gates
from synthpriv.metrics.base import MetricResult, attempt, failure, mean_score
from synthpriv.metrics.detection import discriminator_auc, pmse
from synthpriv.metrics.fidelity import Comparison, as_float, independent_columns, sample_pairs
from synthpriv.metrics.privacy import exact_copy_share, privacy_metrics
from synthpriv.metrics.utility import ml_utility
from synthpriv.schema import Kind, kinds_of
from synthpriv.status import ExitStatus

REPORT_VERSION = "1.0"
MIN_LABEL_COUNT = 10
TOP_CATEGORIES = 8
HIST_BINS = 12
MAX_PAIRS = 300
MAX_FIDELITY_ROWS = 250_000
# Privacy gates that compare with a real holdout (skipped without one), in report order.
HOLDOUT_GATES = (
    "near_copies",
    "dcr_share",
    "membership_inference",
    "singling_out",
    "linkability",
    "attribute_inference",
)
PRIVACY_GATES = ("exact_copies", *HOLDOUT_GATES, "replicated_uniques", "residual_pii")


def _with_baseline(results: list[MetricResult], baseline: list[MetricResult]) -> list[MetricResult]:
    by_columns = {tuple(b.columns): b.score for b in baseline}
    for result in results:
        result.baseline = by_columns.get(tuple(result.columns))
    return results


def _fidelity(
    train: pl.DataFrame,
    synthetic: pl.DataFrame,
    holdout: pl.DataFrame | None,
    kinds: dict[str, Kind],
    seed: int,
) -> dict[str, Any]:
    full_rows = {"train": train.height, "synthetic": synthetic.height}
    train, synthetic = _rows_for_fidelity(train, seed), _rows_for_fidelity(synthetic, seed + 1)
    pair_list = sample_pairs(kinds, MAX_PAIRS, seed)
    versus_synthetic = Comparison(train, synthetic, kinds)
    shapes = versus_synthetic.column_shapes()
    pairs = versus_synthetic.pair_trends(pair_list)
    details = versus_synthetic.details()
    associations = versus_synthetic.pair_associations(pair_list)
    baseline_score = equal_size_score = None
    if holdout is not None:
        # A smaller sample scores lower by chance (rare categories go missing), so the baseline
        # is only comparable with a synthetic sample of the holdout's size.
        size = min(holdout.height, synthetic.height)
        equal = synthetic.sample(size, seed=seed) if size < synthetic.height else synthetic
        equal_size_score = _headline_score(Comparison(train, equal, kinds), pair_list)
        versus_holdout = Comparison(train, holdout, kinds)
        shapes = _with_baseline(shapes, versus_holdout.column_shapes())
        pairs = _with_baseline(pairs, versus_holdout.pair_trends(pair_list))
        details = _with_baseline(details, versus_holdout.details())
        associations = _with_baseline(associations, versus_holdout.pair_associations(pair_list))
        baseline_score = _combine(
            mean_score([MetricResult(r.metric, r.columns, r.baseline) for r in shapes]),
            mean_score([MetricResult(r.metric, r.columns, r.baseline) for r in pairs]),
        )
    shape_score, pair_score = mean_score(shapes), mean_score(pairs)
    n_pairs = len(kinds) * (len(kinds) - 1) // 2
    independent = independent_columns(train.select(list(kinds)), synthetic.height, seed)
    independent_score = _headline_score(Comparison(train, independent, kinds), pair_list)
    return {
        "score": _round(_combine(shape_score, pair_score)),
        "baseline_score": _round(baseline_score),
        "score_at_holdout_size": _round(equal_size_score),
        "independent_columns_score": _round(independent_score),
        "formula": "mean of (mean column-shape score, mean column-pair score), each pair and "
        "column weighted equally; 1.0 is identical distributions",
        "rows_compared": {"train": train.height, "synthetic": synthetic.height},
        "rows_sampled": train.height < full_rows["train"]
        or synthetic.height < full_rows["synthetic"],
        "column_shapes": {
            "score": _round(shape_score),
            "details": [r.to_dict() for r in shapes],
        },
        "column_pair_trends": {
            "score": _round(pair_score),
            "pairs_total": n_pairs,
            "pairs_scored": len(pairs),
            "details": [r.to_dict() for r in pairs],
        },
        "column_details": {
            "score": _round(mean_score(details)),
            "details": [r.to_dict() for r in details],
        },
        "column_pair_associations": {
            "score": _round(mean_score(associations)),
            "baseline_score": _round(
                mean_score([MetricResult(r.metric, r.columns, r.baseline) for r in associations])
            ),
            "details": [r.to_dict() for r in associations],
        },
        "whole_table": _whole_table(train, synthetic, holdout, independent, kinds, seed),
    }


def _rows_for_fidelity(frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """At most ``MAX_FIDELITY_ROWS`` rows, a seeded sample (the report says when it sampled)."""
    if frame.height <= MAX_FIDELITY_ROWS:
        return frame
    return frame.sample(MAX_FIDELITY_ROWS, seed=seed)


def _ml_utility(
    train: pl.DataFrame,
    holdout: pl.DataFrame | None,
    synthetic: pl.DataFrame,
    target: str,
    kinds: dict[str, Kind],
    seed: int,
) -> dict[str, Any]:
    """Train-on-synthetic vs train-on-real, tested on the holdout; errors are recorded."""
    if holdout is None:
        return {"target": target, "error": "needs a real holdout to test on"}
    return {"target": target} | attempt(
        lambda: ml_utility(train, holdout, synthetic, target, kinds, seed)
    )


def _whole_table(
    train: pl.DataFrame,
    synthetic: pl.DataFrame,
    holdout: pl.DataFrame | None,
    independent: pl.DataFrame,
    kinds: dict[str, Kind],
    seed: int,
) -> dict[str, Any]:
    """Discriminator AUC and pMSE for the synthetic table and for its two baselines."""
    if not kinds:
        return {"error": "no column to compare"}
    out: dict[str, Any] = {}
    candidates = {"synthetic": synthetic, "holdout": holdout, "independent_columns": independent}
    for label, other in candidates.items():
        if other is None:
            continue
        entry: dict[str, Any] = {}
        try:
            entry["discriminator_auc"] = round(discriminator_auc(train, other, kinds, seed), 4)
            entry.update(
                {
                    k: _round(v) if isinstance(v, float) else v
                    for k, v in pmse(train, other, kinds, seed).items()
                }
            )
        except Exception as exc:  # noqa: BLE001 - one metric must not stop the report
            entry["error"] = failure(exc)
        out[label] = entry
    return out


def _headline_score(comparison: Comparison, pairs: list[tuple[str, str]]) -> float | None:
    """The fidelity score formula (shapes and pairs) of a comparison with the training rows."""
    return _combine(
        mean_score(comparison.column_shapes()), mean_score(comparison.pair_trends(pairs))
    )


def _combine(a: float | None, b: float | None) -> float | None:
    parts = [x for x in (a, b) if x is not None]
    return sum(parts) / len(parts) if parts else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _gate(name: str, category: str, status: str, value: Any, threshold: Any, message: str) -> dict:
    return {
        "name": name,
        "category": category,
        "status": status,
        "value": value,
        "threshold": threshold,
        "message": message,
    }


def evaluate_gates(fidelity: dict[str, Any], privacy: dict[str, Any], gates: Gates) -> list[dict]:
    """Return one verdict per gate: PASS, WARN, FAIL, or SKIP when it could not be measured."""
    out = []
    score = fidelity["score"]
    if score is None:
        out.append(
            _gate(
                "fidelity",
                "fidelity",
                "SKIP",
                None,
                gates.fidelity_min,
                "No fidelity metric could be computed.",
            )
        )
    else:
        status = (
            "FAIL"
            if score < gates.fidelity_min
            else "WARN"
            if score < gates.fidelity_warn
            else "PASS"
        )
        baseline = fidelity.get("baseline_score")
        equal = fidelity.get("score_at_holdout_size")
        versus = ""
        if baseline is not None and equal is not None:
            versus = (
                f" (on samples as small as the real holdout: synthetic {equal * 100:.0f}, "
                f"real holdout {baseline * 100:.0f})"
            )
        out.append(
            _gate(
                "fidelity",
                "fidelity",
                status,
                score,
                gates.fidelity_min,
                f"Fidelity {score * 100:.0f}/100{versus}; at least "
                f"{gates.fidelity_min * 100:.0f} is required.",
            )
        )
    return out + privacy_gates(privacy, gates)


def _level(value: float, warn: float, fail: float) -> str:
    return "FAIL" if value > fail else "WARN" if value > warn else "PASS"


def _significant(lower_bound: float, ideal: float, status: str) -> str:
    """Keep a WARN or FAIL only when the 95% interval excludes the ideal value (else noise)."""
    return status if lower_bound > ideal else "PASS"


def privacy_gates(privacy: dict[str, Any], gates: Gates) -> list[dict]:
    """One verdict per privacy check, in the order a reader should meet them."""
    out = []
    copies = privacy["exact_copies"]
    share, base = copies["share_of_train"], copies.get("baseline_share_of_holdout")
    limit = (base or 0.0) + gates.exact_copy_margin
    out.append(
        _gate(
            "exact_copies",
            "privacy",
            "FAIL" if share > limit else "PASS",
            share,
            round(limit, 4),
            f"{share * 100:.1f}% of synthetic rows are exact copies of a training row"
            + (
                f" (baseline from unseen real rows: {base * 100:.1f}%)."
                if base is not None
                else "."
            ),
        )
    )
    needs_holdout = "Needs a real holdout to compare with (pass --holdout)."
    dcr = privacy.get("dcr")
    if not dcr:
        for name in HOLDOUT_GATES:
            out.append(_gate(name, "privacy", "SKIP", None, None, needs_holdout))
    else:
        near = privacy["near_copies"]
        limit = near["baseline_share_of_holdout"] + gates.near_copy_margin
        out.append(
            _gate(
                "near_copies",
                "privacy",
                "FAIL" if near["share_of_train"] > limit else "PASS",
                near["share_of_train"],
                round(limit, 4),
                f"{near['share_of_train'] * 100:.1f}% of synthetic rows are near copies of a "
                f"training row (closer than 95% of unseen real rows are); the same test against "
                f"unseen real rows gives {near['baseline_share_of_holdout'] * 100:.1f}%.",
            )
        )
        value = dcr["share_closer_to_train"]
        low, high = dcr["share_ci95"]
        out.append(
            _gate(
                "dcr_share",
                "privacy",
                _significant(low, 0.5, _level(value, gates.dcr_share_warn, gates.dcr_share_max)),
                value,
                gates.dcr_share_max,
                f"Synthetic rows sit closer to a training row than to an unseen real row "
                f"{value * 100:.0f}% of the time (95% CI {low * 100:.0f}-{high * 100:.0f}%); "
                f"50% means no memorization, above {gates.dcr_share_max * 100:.0f}% fails "
                "when the interval excludes 50%.",
            )
        )
        mia = privacy["membership_inference"]
        out.append(
            _gate(
                "membership_inference",
                "privacy",
                _significant(
                    mia["ci95"][0],
                    0.5,
                    _level(mia["auc"], gates.membership_auc_warn, gates.membership_auc_max),
                ),
                mia["auc"],
                gates.membership_auc_max,
                f"An attacker who uses the synthetic table to guess whether a person was in the "
                f"training data is right with AUC {mia['auc']:.2f} (95% CI {mia['ci95'][0]:.2f}-"
                f"{mia['ci95'][1]:.2f}); 0.50 is a coin toss, above "
                f"{gates.membership_auc_max:.2f} fails when the interval excludes 0.50.",
            )
        )
        attacks = privacy["attacks"]
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
        for name, (entries, what) in checks.items():
            known = [e for e in entries if e and e.get("risk") is not None]
            if not known:
                out.append(_gate(name, "privacy", "SKIP", None, None, f"Could not {what}."))
                continue
            worst_entry = max(known, key=lambda e: e["risk"])
            worst = worst_entry["risk"]
            out.append(
                _gate(
                    name,
                    "privacy",
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
    out.append(_replicated_uniques_gate(privacy, gates))
    out.append(_residual_gate(privacy))
    return out


def _replicated_uniques_gate(privacy: dict[str, Any], gates: Gates) -> dict:
    rep = privacy.get("replicated_uniques")
    if not rep:
        reason = (
            "No quasi-identifier is known (scan the table, or pass --schema)."
            if not privacy.get("quasi_identifiers")
            else "Needs a real holdout to compare with (pass --holdout)."
        )
        return _gate("replicated_uniques", "privacy", "SKIP", None, None, reason)
    # Both shares are estimated on as many rows as the holdout has: allow for their noise.
    n = max(rep.get("rows", 0), 1)
    noise = 1.96 * math.sqrt(sum(p * (1 - p) for p in (rep["share"], rep["baseline_holdout"])) / n)
    limit = rep["baseline_holdout"] + gates.replicated_uniques_margin + noise
    return _gate(
        "replicated_uniques",
        "privacy",
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
            "privacy",
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
            "privacy",
            "WARN",
            rare["reappearing"],
            rare["baseline_holdout"],
            f"{rare['reappearing']} categories seen fewer than {rare['threshold']} times in the "
            f"training rows reappear in the synthetic table ({rare['baseline_holdout']} in unseen "
            "real rows): consider suppressing rare categories before fitting.",
        )
    return _gate(
        "residual_pii",
        "privacy",
        "PASS",
        0,
        0,
        (
            "No original direct-identifier value appears in the synthetic table; r"
            if checked
            else "R"
        )
        + "are categories reappear no more often than in unseen real rows.",
    )


def overall_verdict(gates: list[dict]) -> str:
    """FAIL if any gate failed, WARN if any warned, else PASS."""
    statuses = {g["status"] for g in gates}
    return "FAIL" if "FAIL" in statuses else "WARN" if "WARN" in statuses else "PASS"


def exit_status_for(report: dict[str, Any]) -> ExitStatus:
    """Map a report's gates to the process exit code (privacy failures take precedence)."""
    failed = {g["category"] for g in report["gates"] if g["status"] == "FAIL"}
    if "privacy" in failed:
        return ExitStatus.PRIVACY_GATE_FAILED
    if "fidelity" in failed:
        return ExitStatus.FIDELITY_GATE_FAILED
    return ExitStatus.SUCCESS


def _distribution(real: pl.Series, synthetic: pl.Series, kind: Kind) -> dict[str, Any]:
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
    counts = (
        real.cast(pl.String)
        .drop_nulls()
        .value_counts()
        .sort(["count", real.name], descending=[True, False])
    )
    total_r = max(real.len() - real.null_count(), 1)
    total_s = max(synthetic.len() - synthetic.null_count(), 1)
    shown = [v for v, n in counts.rows() if n >= MIN_LABEL_COUNT][:TOP_CATEGORIES]
    synth_counts = dict(synthetic.cast(pl.String).drop_nulls().value_counts().rows())
    real_counts = dict(counts.rows())
    labels = shown + ["(other)"]
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
    }


def build_report(
    *,
    train: pl.DataFrame,
    synthetic: pl.DataFrame,
    holdout: pl.DataFrame | None = None,
    gates: Gates | None = None,
    seed: int = 0,
    scan: dict[str, Any] | None = None,
    cleaning: dict[str, Any] | None = None,
    synthesis: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    target: str | None = None,
    residual_identifiers: list[str] | None = None,
) -> dict[str, Any]:
    """Measure ``synthetic`` against the real ``train`` rows (and ``holdout``, the baseline).

    Only columns present in both tables, and neither free text nor identifier-like, are compared.
    Quasi-identifier and sensitive columns are read from the roles in ``scan`` (a column
    schema). ``residual_identifiers`` lists the problems found when the original
    direct-identifier values were searched for in the synthetic table (``None``: not searched).
    """
    gates = gates or Gates()
    train_kinds = kinds_of(train)
    shared = [c for c in train.columns if c in synthetic.columns]
    kinds = {c: train_kinds[c] for c in shared if train_kinds[c] not in (Kind.TEXT, Kind.ID)}
    skipped = sorted(set(train.columns) - set(kinds))
    synthetic = _align(synthetic, train, list(kinds))
    if holdout is not None:
        holdout = _align(holdout, train, list(kinds))
    fidelity = _fidelity(train, synthetic, holdout, kinds, seed)
    roles = {c["name"]: c["role"] for c in (scan or {}).get("columns", [])}
    if holdout is not None and holdout.height > 0 and kinds:
        privacy = privacy_metrics(
            train,
            holdout,
            synthetic,
            kinds,
            quasi_identifiers=[c for c in kinds if roles.get(c) == "quasi_identifier"],
            sensitive=[c for c in kinds if roles.get(c) == "sensitive"],
            seed=seed,
        )
    else:
        privacy = {
            "columns": list(kinds),
            "exact_copies": {
                "share_of_train": round(
                    exact_copy_share(synthetic.select(list(kinds)), train.select(list(kinds))), 4
                )
            },
            "dcr": None,
        }
    privacy["residual_identifiers"] = residual_identifiers
    if target:
        fidelity["ml_utility"] = _ml_utility(train, holdout, synthetic, target, kinds, seed)
    gate_results = evaluate_gates(fidelity, privacy, gates)
    return {
        "report_version": REPORT_VERSION,
        "synthpriv_version": __version__,
        "verdict": overall_verdict(gate_results),
        "gates": gate_results,
        "data": {
            "train_rows": train.height,
            "holdout_rows": holdout.height if holdout is not None else None,
            "synthetic_rows": synthetic.height,
            "columns_compared": list(kinds),
            "columns_not_compared": skipped,
            "kinds": {c: str(k) for c, k in kinds.items()},
        },
        "fidelity": fidelity,
        "privacy": privacy,
        "distributions": {
            c: _distribution(train.get_column(c), synthetic.get_column(c), k)
            for c, k in kinds.items()
        },
        "scan": scan,
        "cleaning": cleaning,
        "synthesis": synthesis,
        "provenance": provenance or {},
        "settings": {"seed": seed, "gates": vars(gates), "target": target},
    }


def _align(frame: pl.DataFrame, like: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Select ``columns`` and cast them to ``like``'s dtypes (CSV round trips change some)."""
    return frame.select(
        [
            pl.col(c).cast(like.schema[c], strict=False)
            if frame.schema[c] != like.schema[c]
            else pl.col(c)
            for c in columns
        ]
    )
