"""Measure a synthetic table against the real one and assemble report.json.

The gates' rules are in ``gates.py``, the chart data in ``charts.py``. The report holds
aggregates only: chart labels are categories seen at least ten times, numeric bins span the 1st
to 99th percentile, so no single person's value is printed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl

from synthpriv import __version__
from synthpriv.config import Budgets, Gates, budget_hit
from synthpriv.errors import InputError
from synthpriv.filtering import TooClose
from synthpriv.metrics.base import MetricResult, attempt, failure, mean_score
from synthpriv.metrics.detection import auc_interval, balanced_rows, discriminator_auc, pmse
from synthpriv.metrics.fidelity import Comparison, independent_columns, sample_pairs
from synthpriv.metrics.privacy import (
    canonical,
    comparable,
    content_key,
    distance_summary,
    exact_copy_share,
    privacy_metrics,
    row_order,
)
from synthpriv.metrics.utility import ml_utility
from synthpriv.report.charts import distribution
from synthpriv.report.gates import (  # noqa: F401 - re-exported for callers
    HOLDOUT_GATES,
    PRIVACY_GATES,
    evaluate_gates,
    exit_status_for,
    overall_verdict,
)
from synthpriv.report.model import (
    BudgetUse,
    DataSummary,
    FidelitySummary,
    Privacy,
    Report,
    RowCounts,
    Settings,
)
from synthpriv.schema import Kind, aligned, kinds_of

# 1.1: near copies by record linkage, holdout copies, exposed people; 1.2: each gate lists its
# criteria, and the copy gates state the excess against its margin as value and threshold
REPORT_VERSION = "1.2"


def _with_baseline(results: list[MetricResult], baseline: list[MetricResult]) -> list[MetricResult]:
    """Attach to each result the same metric on the same columns between training and holdout."""
    by_key = {(b.metric, tuple(b.columns)): b.score for b in baseline}
    for result in results:
        result.baseline = by_key.get((result.metric, tuple(result.columns)))
    return results


def _fidelity(
    train: pl.DataFrame,
    synthetic: pl.DataFrame,
    holdout: pl.DataFrame | None,
    kinds: dict[str, Kind],
    seed: int,
    budgets: Budgets,
    hits: list[dict[str, Any]],
) -> FidelitySummary:
    full_rows = {"train": train.height, "synthetic": synthetic.height}
    limit = budgets.fidelity_rows
    train, synthetic = _rows(train, limit, seed), _rows(synthetic, limit, seed + 1)
    if max(full_rows.values()) > limit:
        hits.append(
            budget_hit("fidelity_rows", limit, max(full_rows.values()), "a seeded sample compared")
        )
    pair_list = sample_pairs(kinds, budgets.pairs, seed)
    n_pairs_all = len(kinds) * (len(kinds) - 1) // 2
    if n_pairs_all > budgets.pairs:
        hits.append(
            budget_hit("pairs", budgets.pairs, n_pairs_all, "a seeded sample of pairs scored")
        )
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
    return FidelitySummary(
        score=_round(_combine(shape_score, pair_score)),
        baseline_score=_round(baseline_score),
        score_at_holdout_size=_round(equal_size_score),
        independent_columns_score=_round(independent_score),
        formula="mean of (mean column-shape score, mean column-pair score), each pair and "
        "column weighted equally; 1.0 is identical distributions",
        rows_compared=RowCounts(train=train.height, synthetic=synthetic.height),
        rows_sampled=train.height < full_rows["train"] or synthetic.height < full_rows["synthetic"],
        column_shapes={
            "score": _round(shape_score),
            "details": [r.to_dict() for r in shapes],
        },
        column_pair_trends={
            "score": _round(pair_score),
            "pairs_total": n_pairs,
            "pairs_scored": len(pairs),
            "details": [r.to_dict() for r in pairs],
        },
        column_details={
            "score": _round(mean_score(details)),
            "details": [r.to_dict() for r in details],
        },
        column_pair_associations={
            "score": _round(mean_score(associations)),
            "baseline_score": _round(
                mean_score([MetricResult(r.metric, r.columns, r.baseline) for r in associations])
            ),
            "details": [r.to_dict() for r in associations],
        },
        whole_table=_whole_table(
            train, synthetic, holdout, independent, kinds, seed, budgets.discriminator_rows
        ),
    )


def _rows(frame: pl.DataFrame, limit: int, seed: int) -> pl.DataFrame:
    """At most ``limit`` rows, a seeded sample (the report says when it sampled)."""
    return frame if frame.height <= limit else frame.sample(limit, seed=seed)


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
    max_rows: int,
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
            auc = discriminator_auc(train, other, kinds, seed, max_rows=max_rows)
            entry["discriminator_auc"] = round(auc, 4)
            low, high = auc_interval(auc, balanced_rows(train, other, max_rows))
            entry["discriminator_auc_interval"] = [round(low, 4), round(high, 4)]
            entry.update(
                {
                    k: _round(v) if isinstance(v, float) else v
                    for k, v in pmse(train, other, kinds, seed, max_rows=max_rows).items()
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


def filter_effect(
    train: pl.DataFrame,
    holdout: pl.DataFrame | None,
    before: pl.DataFrame,
    after: pl.DataFrame,
    kinds: dict[str, Kind],
    seed: int,
    budgets: Budgets,
    distance_threshold: float | None = None,
) -> dict[str, Any]:
    """Fidelity, discriminator AUC, DCR share and membership inference before and after filtering.

    Both sides are measured on the same seeded rows of train and holdout, so the difference is
    the filter's: a filter that drops rows near training rows must not open a membership signal
    (the MIA AUC after filtering, with its interval, says whether it did). With the privacy
    check on, ``unseen_real`` says what the check does to rows that cannot be copies of anyone
    (:func:`unseen_through_check`): the share after filtering is read against that, not 0.5.
    """
    pair_list = sample_pairs(kinds, budgets.pairs, seed)
    limit = budgets.fidelity_rows
    real = _rows(train, limit, seed)
    out: dict[str, Any] = {}
    columns = list(kinds)
    before, after = aligned(before, train, columns), aligned(after, train, columns)
    if holdout is not None:
        holdout = aligned(holdout, train, columns)
    for label, frame in (("before", before), ("after", after)):
        entry: dict[str, Any] = {
            "rows": frame.height,
            "fidelity_score": _round(
                _headline_score(Comparison(real, _rows(frame, limit, seed + 1), kinds), pair_list)
            ),
        }
        try:
            entry["discriminator_auc"] = round(
                discriminator_auc(train, frame, kinds, seed, max_rows=budgets.discriminator_rows),
                4,
            )
        except Exception as exc:  # noqa: BLE001 - one metric must not stop the report
            entry["discriminator_error"] = failure(exc)
        if holdout is not None and holdout.height > 0:
            entry |= distance_summary(train, holdout, frame, kinds, seed, budgets.privacy_rows)
        out[label] = entry
    if distance_threshold is not None and holdout is not None:
        out["unseen_real"] = unseen_through_check(
            train,
            holdout,
            kinds,
            distance_threshold,
            seed,
            budgets,
            synthetic={"before": before, "after": after},
        )
    return out


UNSEEN_MIN_ROWS = 100  # rows in each half of the holdout for the privacy check's own pull


def unseen_through_check(
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    kinds: dict[str, Kind],
    threshold: float,
    seed: int,
    budgets: Budgets,
    synthetic: dict[str, pl.DataFrame] | None = None,
) -> dict[str, Any]:
    """DCR share and membership inference of unseen real rows, before and after the privacy check.

    Dropping rows near training rows lowers the DCR share by itself, even for rows that are no
    copy of anyone: a row close to some training row is more often closer to the training
    sample than to the holdout. On Adult, with the training sample nearly all training rows,
    unseen real rows measure 0.500 and, through the 5% check, 0.484 (bench/filter_pull.py); the
    smaller the sample of training rows the share is measured on, the smaller the pull. So half
    of the holdout plays a perfect generator's rows: it goes through the same check (the
    filter's distance) and is measured against the training rows and the other half, and so are
    the ``synthetic`` frames (``before`` and ``after`` filtering): the same seeded references,
    so the synthetic rows' share after filtering is read against the unseen rows' after it.
    """
    half, needed = holdout.height // 2, 2 * UNSEEN_MIN_ROWS
    if half < UNSEEN_MIN_ROWS:
        return {"skipped": f"the holdout has {holdout.height} rows; this needs {needed}"}
    order = np.random.default_rng(seed).permutation(holdout.height)
    as_synthetic, reference = holdout[np.sort(order[:half])], holdout[np.sort(order[half:])]
    passed = TooClose(train, None, kinds, threshold).keep(as_synthetic)
    out: dict[str, Any] = {"rows": as_synthetic.height, "rows_kept": int(passed.sum())}
    frames = {"unseen": {"before": as_synthetic, "after": as_synthetic.filter(pl.Series(passed))}}
    if synthetic:
        frames["synthetic"] = synthetic
    for name, sides in frames.items():
        out[name] = {
            label: distance_summary(train, reference, frame, kinds, seed, budgets.privacy_rows)
            for label, frame in sides.items()
            if frame.height
        }
    return out


HIDDEN_LABEL = "(hidden: an identifier's value)"


def hide_identifier_labels(
    distributions: dict[str, dict[str, Any]], identifier_values: list[pl.Series]
) -> list[str]:
    """Replace chart labels that are an original identifier's value; say where, never what."""
    found = []
    for column, chart in distributions.items():
        labels = chart.get("labels")
        if not labels or not identifier_values:
            continue
        cells = pl.Series(labels, dtype=pl.String).str.strip_chars()
        hit = np.zeros(len(labels), dtype=bool)
        for values in identifier_values:
            hit |= cells.is_in(values.cast(pl.String).str.strip_chars().implode()).to_numpy()
        if hit.any():
            chart["labels"] = [HIDDEN_LABEL if h else v for v, h in zip(labels, hit, strict=True)]
            found.append(
                f"{int(hit.sum())} chart label(s) of {column!r} are values of a direct "
                "identifier (hidden in this report)"
            )
    return found


def compared_kinds(train: pl.DataFrame, synthetic: pl.DataFrame) -> dict[str, Kind]:
    """The columns a report compares (in both tables, neither free text nor ID) and their kinds."""
    train_kinds = kinds_of(train)
    shared = [c for c in train.columns if c in synthetic.columns]
    return {c: train_kinds[c] for c in shared if train_kinds[c] not in (Kind.TEXT, Kind.ID)}


def build_report(
    *,
    train: pl.DataFrame,
    synthetic: pl.DataFrame,
    unfiltered: pl.DataFrame | None = None,
    holdout: pl.DataFrame | None = None,
    gates: Gates | None = None,
    seed: int = 0,
    scan: dict[str, Any] | None = None,
    cleaning: dict[str, Any] | None = None,
    synthesis: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    target: str | None = None,
    residual_identifiers: list[str] | None = None,
    budgets: Budgets | None = None,
    scale_out: dict[str, Any] | None = None,
    exact_copies: dict[str, Any] | None = None,
    identifier_values: list[pl.Series] | None = None,
    histories: dict[str, Any] | None = None,
) -> Report:
    """Measure ``synthetic`` against the real ``train`` rows (and ``holdout``, the baseline).

    ``identifier_values`` are the original values of the direct identifiers: no chart label may
    show one (a column that holds the same names as the identifier column would print them); a
    label that would is hidden and fails residual_pii.

    ``scale_out`` describes a Spark run (whole-table row counts, the samples measured here);
    ``exact_copies`` replaces the exact-copy figures with ones counted over every row there.
    ``histories``: on a folder's people flattened to rows, the near copies of their whole
    histories (:func:`synthpriv.metrics.histories.history_copies`), judged with the near copies.

    Every sample and attack of the report is drawn with a key taken from the three tables'
    content (:func:`synthpriv.metrics.privacy.content_key`), not from ``seed``: the same tables
    get the same figures and verdict whatever seed a run used, so a verdict near a threshold
    cannot be shopped for by trying seeds. ``seed`` is recorded in the settings.

    Only columns present in both tables, and neither free text nor identifier-like, are compared.
    Quasi-identifier and sensitive columns are read from the roles in ``scan`` (a column
    schema). ``residual_identifiers`` lists the problems found when the original
    direct-identifier values were searched for in the synthetic table (``None``: not searched).
    """
    gates = gates or Gates()
    budgets = budgets or Budgets()
    hits: list[dict[str, Any]] = []
    kinds = compared_kinds(train, synthetic)
    if not kinds:
        raise InputError(
            "the synthetic table shares no comparable column with the real table (names must "
            f"match exactly; the real table has {', '.join(train.columns[:5])}"
            f"{', ...' if train.width > 5 else ''})"
        )
    roles = {c["name"]: c["role"] for c in (scan or {}).get("columns", [])}
    # A direct identifier is never compared: a chart of it would print its values (three
    # physicians' names, each on many rows, pass any count threshold). In a synthetic table it
    # is a leak whatever its figures.
    identifying = [
        c for c in synthetic.columns if roles.get(c) in ("direct_identifier", "free_text_pii")
    ]
    kinds = {c: k for c, k in kinds.items() if c not in identifying}
    if not kinds:
        raise InputError(
            "the synthetic table shares no comparable column with the real table: every shared "
            "column is a direct identifier or free text"
        )
    skipped = sorted(set(train.columns) - set(kinds))
    # a column of the synthetic table the report does not compare could carry anything
    unmeasured = [c for c in synthetic.columns if c not in kinds and c not in identifying]
    synthetic = aligned(synthetic, train, list(kinds))
    if holdout is not None:
        holdout = aligned(holdout, train, list(kinds))
    # the order rows came in is judged once, here; every figure after is of the rows as a set
    by_position = row_order(comparable(synthetic), comparable(train.select(list(kinds))))
    train, synthetic = canonical(train), canonical(synthetic)
    holdout = canonical(holdout) if holdout is not None else None
    run_seed, seed = seed, content_key(train.select(list(kinds)), holdout, synthetic)
    fidelity = _fidelity(train, synthetic, holdout, kinds, seed, budgets, hits)
    # no row to measure from (a child table the model drew no rows for): copies only
    if holdout is not None and holdout.height > 0 and synthetic.height > 0 and kinds:
        privacy = privacy_metrics(
            train,
            holdout,
            synthetic,
            kinds,
            quasi_identifiers=[c for c in kinds if roles.get(c) == "quasi_identifier"],
            sensitive=[c for c in kinds if roles.get(c) == "sensitive"],
            seed=seed,
            max_rows=budgets.privacy_rows,
            attack_attempts=budgets.attack_attempts,
        )
        hits.extend(privacy.pop("budget_hits", []))
    else:
        privacy = {
            "columns": list(kinds),
            "exact_copies": {
                "share_of_train": round(
                    exact_copy_share(synthetic.select(list(kinds)), train.select(list(kinds))), 4
                ),
                "compared_with": "all training rows",
            },
            "dcr": None,
        }
    if exact_copies is not None:
        privacy["exact_copies"] = exact_copies
    if histories is not None and "near_copies" in privacy:
        privacy["near_copies"] = privacy["near_copies"] | {"histories": histories}
    privacy["residual_identifiers"] = residual_identifiers
    privacy["unmeasured_columns"] = unmeasured
    privacy["identifier_columns"] = identifying
    privacy["row_order"] = by_position
    if target:
        fidelity = replace(
            fidelity, ml_utility=_ml_utility(train, holdout, synthetic, target, kinds, seed)
        )
    distributions = {
        c: distribution(train.get_column(c), synthetic.get_column(c), k) for c, k in kinds.items()
    }
    shown = hide_identifier_labels(distributions, identifier_values or [])
    if shown:
        privacy["residual_identifiers"] = (residual_identifiers or []) + shown
    measured = Privacy.from_dict(privacy)  # a figure under a name the model lacks fails here
    gate_results = evaluate_gates(fidelity, measured, gates, synthesis)
    if unfiltered is not None and synthesis and synthesis.get("filter"):
        effect = filter_effect(
            train,
            holdout,
            unfiltered,
            synthetic,
            kinds,
            seed,
            budgets,
            distance_threshold=synthesis["filter"].get("distance_threshold"),
        )
        synthesis = synthesis | {"filter": synthesis["filter"] | {"effect": effect}}
    return Report(
        report_version=REPORT_VERSION,
        synthpriv_version=__version__,
        verdict=overall_verdict(gate_results),
        gates=tuple(gate_results),
        data=DataSummary(
            train_rows=train.height,
            holdout_rows=holdout.height if holdout is not None else None,
            synthetic_rows=synthetic.height,
            columns_compared=list(kinds),
            columns_not_compared=skipped,
            kinds={c: str(k) for c, k in kinds.items()},
            scale_out=scale_out or None,
        ),
        fidelity=fidelity,
        privacy=measured,
        distributions=distributions,
        scan=scan,
        cleaning=cleaning,
        synthesis=synthesis,
        provenance=provenance or {},
        settings=Settings(seed=run_seed, measurement_key=seed, gates=vars(gates), target=target),
        budgets=BudgetUse(limits=vars(budgets), hit=hits),
    )
