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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from scipy.stats import norm

from synthpriv.config import Gates
from synthpriv.metrics.histories import HISTORY_SHARE
from synthpriv.metrics.privacy import difference_interval
from synthpriv.report.model import (
    RANK,
    Criterion,
    ExactCopies,
    FidelitySummary,
    GateResult,
    Privacy,
    Report,
    Verdict,
)
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
    GateSpec("holdout_copies", "privacy", "Copies of unseen real rows", True),
    GateSpec("dcr_share", "privacy", "Distance to closest record", True),
    GateSpec("membership_inference", "privacy", "Membership inference", True),
    GateSpec("singling_out", "privacy", "Singling out", True),
    GateSpec("linkability", "privacy", "Linkability", True),
    GateSpec("attribute_inference", "privacy", "Attribute inference", True),
    GateSpec("exposed_people", "privacy", "The most exposed people", True),
    GateSpec("replicated_uniques", "privacy", "Replicated unique records", True),
    GateSpec("residual_pii", "privacy", "Residual personal data", False),
    GateSpec("formal_privacy", "privacy", "Formal guarantee (differential privacy)", False, True),
)
TITLES = {g.name: g.title for g in GATES}
PRIVACY_GATES = tuple(g.name for g in GATES if g.category == "privacy" and not g.optional)
HOLDOUT_GATES = tuple(g.name for g in GATES if g.needs_holdout)
NEEDS_HOLDOUT = (
    "Not measured: needs real rows the model never saw (run does this itself; step by step, "
    "make them with `synthpriv split` and pass --holdout)."
)


def criterion(
    name: str,
    value: float | None,
    fail: float | None,
    *,
    warn: float | None = None,
    interval: tuple[float, float] | None = None,
    ideal: float | None = None,
    below: bool = False,
) -> Criterion:
    """One comparison a gate decides on, as report.json states it (see :meth:`Criterion.decide`)."""
    return Criterion(
        name,
        value,
        fail,
        "below" if below else "above",
        warn=warn,
        interval=None if interval is None else (float(interval[0]), float(interval[1])),
        ideal=ideal,
    )


def decided_status(criteria: Sequence[Criterion]) -> Verdict:
    """The worst status of ``criteria`` (what a gate with criteria reports)."""
    return max((c.decide() for c in criteria), key=RANK.__getitem__, default=Verdict.PASS)


def _gate(
    name: str,
    status: Verdict | None,
    value: Any,
    threshold: Any,
    message: str,
    *,
    applicable: bool = True,
    interval: tuple[float, float] | None = None,
    comparisons: int | None = None,
    criteria: list[Criterion] | None = None,
) -> GateResult:
    """A gate; with ``criteria`` its status, value, threshold and interval are the worst's.

    ``status`` is given only for a gate without criteria (SKIP): with criteria it is derived.
    """
    spec = next(g for g in GATES if g.name == name)
    if criteria:
        status = decided_status(criteria)
        worst = max(criteria, key=_severity)
        value, threshold, interval = worst.value, worst.fail, worst.interval
    assert status is not None, name
    return GateResult(
        name=name,
        category=spec.category,
        status=status,
        value=value,
        threshold=threshold,
        message=message,
        # A check with nothing to measure (no quasi-identifier) does not make a run incomplete.
        applicable=applicable if status == Verdict.SKIP else None,
        # the interval the status was decided on (of the excess, or of the value)
        interval=None
        if interval is None
        else (round(float(interval[0]), 4), round(float(interval[1]), 4)),
        comparisons=None if interval is None else comparisons or 1,
        criteria=tuple(criteria or ()),
    )


def _severity(c: Criterion) -> tuple[int, float]:
    """Order criteria: the worse status first, then the furthest past its fail threshold."""
    past = 0.0
    if c.value is not None and c.fail is not None:
        past = (c.fail - c.value) if c.direction == "below" else (c.value - c.fail)
    return RANK[c.decide()], past


def shown(value: float, other: float, scale: float = 1, digits: int = 1) -> str:
    """``value * scale`` with enough decimals that it does not print as ``other`` does.

    A risk of 20.26% against a 20% limit prints as 20.3, not as 20; 0.5968 against 0.60 as
    0.597: the sentence and the status never seem to disagree.
    """
    for places in range(digits, digits + 4):
        text = f"{value * scale:.{places}f}"
        if value == other or text != f"{other * scale:.{places}f}":
            return text
    return f"{value * scale:.{digits + 4}f}"


def evaluate_gates(
    fidelity: FidelitySummary,
    privacy: Privacy,
    gates: Gates,
    synthesis: dict[str, Any] | None = None,
) -> list[GateResult]:
    """Return one verdict per gate, in the order of :data:`GATES` (optional ones if they apply)."""
    out = [_fidelity_gate(fidelity, gates), *privacy_gates(privacy, gates)]
    formal = formal_privacy_gate(synthesis, gates)
    return out if formal is None else [*out, formal]


def formal_privacy_gate(synthesis: dict[str, Any] | None, gates: Gates) -> GateResult | None:
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
            Verdict.SKIP,
            None,
            limit,
            "Not checked: the report was made without the model's privacy account.",
        )
    if dp is None:
        return _gate(
            "formal_privacy",
            Verdict.FAIL,
            None,
            limit,
            f"A differentially private model with ε at most {limit} is required; the "
            f"{synthesis.get('engine')} engine gives no formal guarantee.",
            criteria=[criterion("epsilon", None, limit)],
        )
    epsilon, delta = dp["epsilon_spent"], dp["delta_spent"]
    # ε is accounted in floating point: 1e-9 over the limit is the limit
    spent = criterion("epsilon", round(epsilon, 9), limit)
    status = spent.decide()
    bound = f" (at most {limit} required)" if limit is not None else ""
    promise = dp.get("guarantee") or {}
    unit = (
        "the input file"
        if str(promise.get("input_rows", "")).startswith("each input row")
        else "the table the model was fitted on"
    )
    not_covered = "; ".join(promise.get("not_covered", []))
    return _gate(
        "formal_privacy",
        status,
        epsilon,
        limit,
        f"The model file and every row sampled from it are ({epsilon:.6g}, {delta:.2g})-"
        f"differentially private{bound} with respect to one row added to or removed from "
        f"{unit}: that changes the probability of anything they show by a factor of at most "
        "e^ε (plus δ)."
        + (
            f" Not covered, and to be kept with the real data: {not_covered}."
            if not_covered
            else ""
        ),
        criteria=[spent],
    )


def _fidelity_gate(fidelity: FidelitySummary, gates: Gates) -> GateResult:
    score = fidelity.score
    if score is None:
        return _gate(
            "fidelity",
            Verdict.SKIP,
            None,
            gates.fidelity_min,
            "No fidelity metric could be computed.",
        )
    baseline = fidelity.baseline_score
    equal = fidelity.score_at_holdout_size
    versus = ""
    if baseline is not None and equal is not None:
        versus = (
            f" (on samples as small as the real holdout: synthetic {equal * 100:.0f}, "
            f"real holdout {baseline * 100:.0f})"
        )
    return _gate(
        "fidelity",
        None,
        score,
        gates.fidelity_min,
        f"Fidelity {shown(score, gates.fidelity_min, 100, 0)}/100{versus}; at least "
        f"{gates.fidelity_min * 100:.0f} is required.",
        criteria=[
            criterion("score", score, gates.fidelity_min, warn=gates.fidelity_warn, below=True)
        ],
    )


def privacy_gates(privacy: Privacy, gates: Gates) -> list[GateResult]:
    """One verdict per privacy check, in the order a reader should meet them."""
    figures = privacy.figures
    if not privacy.dcr:
        out = [_exact_copies_without_holdout(privacy.exact_copies, gates)]
        out += [_gate(name, Verdict.SKIP, None, None, NEEDS_HOLDOUT) for name in HOLDOUT_GATES[1:]]
        return [*out, _residual_gate(privacy, gates)]
    return [
        _exact_copies_gate(privacy.exact_copies, gates),
        _near_copies_gate(figures["near_copies"], gates),
        _holdout_copies_gate(
            figures["holdout_copies"], gates, figures.get("near_copies", {}).get("histories")
        ),
        _dcr_gate(privacy.dcr, gates),
        _membership_gate(figures["membership_inference"], gates),
        *_attack_gates(figures["attacks"], gates, len(privacy.columns)),
        _exposed_gate(figures.get("exposed") or {}, gates),
        _replicated_uniques_gate(privacy, gates),
        _residual_gate(privacy, gates),
    ]


def _agree(level: int) -> str:
    return ("every column", "all columns but one", "all columns but two")[level]


FAMILY_CONFIDENCE = 0.95
JUDGED_PRIVACY_GATES = 10  # the privacy gates that decide on an interval (all but residual PII)


def family_confidence(comparisons: int) -> float:
    """Each interval's confidence so that all the report's privacy comparisons hold at 95%.

    A gate that takes the worst of several comparisons (levels, groups, secrets, readings), in
    a verdict that takes the worst of ten gates, would fail tables that leak nothing far more
    often than one time in twenty; Bonferroni's correction over the gate's ``comparisons`` and
    the ten gates keeps the whole verdict's false alarms at 5%.
    """
    return 1.0 - (1.0 - FAMILY_CONFIDENCE) / (max(comparisons, 1) * JUDGED_PRIVACY_GATES)


def _z(comparisons: int) -> float:
    return float(norm.ppf(1.0 - (1.0 - family_confidence(comparisons)) / 2))


@dataclass(frozen=True)
class Comparison:
    """One share beside its baseline, judged on a margin: a row of a gate's family."""

    entry: dict[str, Any]
    margin: float
    label: str = ""

    def interval(self, comparisons: int) -> tuple[float, float]:
        """The excess's interval at the family's confidence (stored 95% one without row counts)."""
        rows = self.entry.get("rows")
        if isinstance(rows, list) and len(rows) == 2:
            share, base = self.entry["share"], self.entry["baseline"]
            low, high = difference_interval(
                share, rows[0], base, rows[1], family_confidence(comparisons)
            )
            return round(low, 4), round(high, 4)
        return tuple(self.entry["excess_ci95"])


def _judge(
    family: list[Comparison], comparisons: int | None = None
) -> tuple[Comparison, tuple[float, float], bool, int]:
    """The worst comparison of a family, its corrected interval, whether it fails, and k.

    A comparison fails when its excess passes its margin and its interval (corrected for the
    ``comparisons`` the family makes; default: its size) excludes 0. The worst is the failing
    one with the largest excess over its margin, else the one with the largest excess.
    """
    k = comparisons or len(family)
    judged = [(c, c.interval(k)) for c in family]
    failing = [(c, i) for c, i in judged if c.entry["excess"] > c.margin and i[0] > 0]
    worst, interval = max(failing or judged, key=lambda ci: ci[0].entry["excess"] - ci[0].margin)
    return worst, interval, bool(failing), k


def _ci(interval: tuple[float, float], k: int, digits: int = 1) -> str:
    low, high = interval
    over = f"{k} comparisons of this check and the" if k > 1 else "the"
    return (
        f"interval {low * 100:+.{digits}f} to {high * 100:+.{digits}f}, at 95% over {over} "
        "report's ten privacy checks"
    )


def _family_gate(
    name: str,
    judged: tuple[Comparison, tuple[float, float], bool, int],
    text: str,
    family: list[Comparison] | None = None,
    extra: list[Criterion] | None = None,
) -> GateResult:
    """The gate of a judged family (:func:`_judge`): ``text``, then its worst excess, judged."""
    worst, interval, failed, k = judged
    x = worst.entry
    # a pairing judged beside the shares: say which one decides when the shares do not
    deciding = [c.name for c in extra or [] if c.decide() != Verdict.PASS]
    decided = (
        f" The {' and the '.join(deciding)} decide{'s' if len(deciding) == 1 else ''} this check."
        if deciding and not failed
        else ""
    )
    return _gate(
        name,
        None,  # from the criteria
        x["excess"],
        worst.margin,
        f"{text} The excess is {x['excess'] * 100:+.1f} points ({_ci(interval, k)}); above "
        f"{worst.margin * 100:.1f} points fails when the interval excludes 0.{decided}",
        interval=interval,
        comparisons=k,
        criteria=_family_criteria(judged, family) + (extra or []),
    )


def _family_criteria(
    judged: tuple[Comparison, tuple[float, float], bool, int],
    family: list[Comparison] | None = None,
) -> list[Criterion]:
    """Each comparison of a judged family: its excess against its margin, interval from 0."""
    worst, _, _, k = judged
    members = family or [worst]
    return [
        criterion(
            c.label or "excess",
            c.entry["excess"],
            c.margin,
            interval=c.interval(k),
            ideal=0.0,
        )
        for c in members
    ]


def _near_copies_gate(near: dict[str, Any], gates: Gates) -> GateResult:
    """Record linkage against every training row, level by level and row by row.

    Each level is judged on its own baseline; and each synthetic row is paired with its
    closest real row (training or holdout). On a folder's people, their whole histories are
    judged too (:mod:`synthpriv.metrics.histories`): near copies of a training person's rows,
    and the pairing of each synthetic history with the real one it copies most.
    """
    margin = gates.near_copy_margin
    paired = near.get("paired")
    histories = near.get("histories")
    # histories: their copies, and their pairing at two levels of similarity
    k = len(near["levels"]) + (1 if paired else 0) + (3 if histories else 0)
    family = [Comparison(x, margin, _agree(x["mismatches"])) for x in near["levels"]]
    if histories:
        # a person's history repeated is the person-level exact copy: real people near-copy
        # another's 0.2-0.6% of the time, so the rows' 3-point margin would let 3% through
        family.append(Comparison(histories["copies"], gates.history_copy_margin, "whole histories"))
    judged = _judge(family, k)
    shares = "; ".join(
        f"{_agree(x['mismatches'])}: {x['share'] * 100:.1f}% (unseen real rows "
        f"{x['baseline'] * 100:.1f}%)"
        for x in near["levels"]
    )
    text = (
        f"Synthetic rows that agree with one of all {near['rows']['train']:,} training rows on "
        f"{shares}."
    )
    if histories:
        h = histories["copies"]
        text += (
            f" Whole histories: {h['share'] * 100:.1f}% of the {h['rows'][0]:,} synthetic people "
            f"near-copy a training person's rows (at least {HISTORY_SHARE:.0%} of each side's "
            f"rows matching); of the {h['rows'][1]:,} real people, {h['baseline'] * 100:.1f}% "
            "near-copy another training person's."
        )
    text += f" The largest excess is on {judged[0].label}."
    extra = []
    pairings = (
        ("rows", paired),
        ("people", (histories or {}).get("paired")),
        ("close", (histories or {}).get("paired_close")),
    )
    for what, pairing in pairings:
        if not pairing or not pairing["rows_linked"]:
            continue
        low, high = _balanced_interval(
            pairing["rows_linked_to_train"], pairing["rows_linked"], pairing["reference_rows"], k
        )
        value = pairing["share"]
        closest = {
            "rows": "closest real row (every training and holdout row; the fewest columns "
            "disagreeing, then the nearest)",
            "people": "closest real history (training or holdout: the one it near-copies most)",
            "close": "closest real history",
        }[what]
        searched = pairing.get("synthetic_searched_from")
        sampled = (
            f" (of a seeded sample of {searched:,} synthetic rows, each against every real row)"
            if what == "rows" and searched is not None and searched < near["rows"]["synthetic"]
            else ""
        )
        who, copying = (
            (
                f"people of {pairing['min_rows']} rows or more",
                f"repeat at least {pairing['similarity']:.0%} of someone's history",
            )
            if what == "close"
            else (what, "near-copy someone")
        )
        text += (
            f" Paired with its {closest}, {value * 100:.1f}% of the "
            f"{pairing['rows_linked']:,} synthetic {who}{sampled} that {copying} "
            f"{'repeat' if what == 'close' else 'near-copy'} a training person, as if both "
            f"sets were equally large (interval {low * 100:.1f}-{high * 100:.1f}%; 50% for "
            f"{who} that copy nobody, above {gates.dcr_share_warn * 100:.0f}% warns and above "
            f"{gates.dcr_share_max * 100:.0f}% fails, each only when the interval excludes 50%)."
        )
        name = (
            _close_name(pairing)
            if what == "close"
            else {"rows": "paired share", "people": "paired share of histories"}[what]
        )
        extra.append(_training_share(name, value, (low, high), gates))
    gate = _family_gate("near_copies", judged, text, family, extra)
    return replace(gate, comparisons=k)


def _close_name(close: dict[str, Any]) -> str:
    """The criterion of histories paired at the strict level (``histories.paired_close``)."""
    return f"paired share of histories {close['similarity']:.0%} alike, {close['min_rows']}+ rows"


def _holdout_copies_gate(
    copies: dict[str, Any], gates: Gates, histories: dict[str, Any] | None = None
) -> GateResult:
    """Exact and near copies of the holdout's real people, against training rows' copies.

    On a folder's people, whole histories too: synthetic people who near-copy a holdout
    person's history, against training people who do.
    """
    family = [Comparison(copies["exact"], gates.exact_copy_margin, "")] + [
        Comparison(x, gates.near_copy_margin, _agree(x["mismatches"])) for x in copies["near"]
    ]
    held = (histories or {}).get("holdout")
    if held is not None:
        family.append(Comparison(held, gates.history_copy_margin, "whole histories"))
    close = (histories or {}).get("paired_close") or {}
    paired = bool(close.get("rows_linked"))
    judged = _judge(family, len(family) + paired)
    worst = judged[0]
    extra = []
    if paired:
        # the pairing of the near-copy gate, read from the other side: people who repeat most of
        # a holdout person's history, where look-alikes are too many for the shares above
        low, high = _balanced_interval(
            close["rows_linked_to_train"], close["rows_linked"], close["reference_rows"], judged[3]
        )
        on_holdout = round(1 - close["share"], 4)
        extra.append(
            _training_share(
                f"{_close_name(close)}, on the holdout",
                on_holdout,
                (round(1 - high, 4), round(1 - low, 4)),
                gates,
            )
        )
    if histories is not None and worst.entry is held:
        people = histories["copies"]["people"]
        text = (
            f"{held['share'] * 100:.1f}% of the {people['synthetic']:,} synthetic people "
            f"near-copy the history of one of the {people['holdout']:,} holdout people, real "
            f"people the model never saw; {held['baseline'] * 100:.1f}% of the "
            f"{people['train']:,} training people do (real people outside the holdout): a "
            "set made from real people gives them away whichever set they were in."
        )
    else:
        what = f"agree on {worst.label} with" if worst.label else "are identical to"
        text = (
            f"{worst.entry['share'] * 100:.1f}% of synthetic rows {what} one of the "
            f"{copies['rows']['holdout']:,} holdout rows, real people the model never saw; "
            f"{worst.entry['baseline'] * 100:.1f}% of training rows do (real people outside "
            "the holdout): a table made from real rows gives those people away whichever set "
            "they were in."
        )
    if paired:
        text += (
            f" Of the {close['rows_linked']:,} synthetic people of {close['min_rows']} rows or "
            f"more who repeat at least {close['similarity']:.0%} of a real person's history, "
            f"{(1 - close['share']) * 100:.1f}% repeat a holdout person's, as if both sets were "
            f"equally large (interval {(1 - high) * 100:.1f}-{(1 - low) * 100:.1f}%; 50% for "
            f"people who copy nobody, above {gates.dcr_share_max * 100:.0f}% fails when the "
            "interval excludes 50%)."
        )
    return _family_gate("holdout_copies", judged, text, family, extra)


EXPOSED_GROUPS = {
    "rare_values": "people who hold a rare value",
    "unique_on_quasi_identifiers": "people unique on their quasi-identifiers",
}


def _exposed_gate(exposed: dict[str, Any], gates: Gates) -> GateResult:
    """Copies and disclosures aimed at the few most exposed people, each on its own baseline."""
    margin = gates.exposed_margin
    family, comparisons = [], 0
    for group in EXPOSED_GROUPS:
        entry = exposed.get(group) or {}
        for measure in ("copied", "disclosed"):
            figures = entry.get(measure) or {}
            if "excess" in figures:
                family.append(Comparison(figures, margin, f"{group}/{measure}"))
                comparisons += figures.get("comparisons", 1)
    if not family:
        return _gate(
            "exposed_people",
            Verdict.SKIP,
            None,
            margin,
            "Not applicable: too few people hold a rare value or are unique on their "
            "quasi-identifiers to measure them apart.",
            applicable=False,
        )
    judged = _judge(family, comparisons)
    group, measure = judged[0].label.split("/")
    x = judged[0].entry
    if measure == "copied":
        what = (
            "have a near copy in the synthetic table (a row agreeing on "
            f"{_agree(x.get('mismatches', 1))})"
        )
    else:
        what = (
            f"have their {x['secret']} given away by the synthetic rows that share their "
            "quasi-identifiers"
        )
    return _family_gate(
        "exposed_people",
        judged,
        f"Of the {x['people']['train']:,} training {EXPOSED_GROUPS[group]}, "
        f"{x['share'] * 100:.1f}% {what}; of the {x['people']['holdout']:,} such people in the "
        f"holdout, {x['baseline'] * 100:.1f}%.",
        family,
    )


def _exact_copies_gate(copies: ExactCopies, gates: Gates) -> GateResult:
    """Exact copies of any training row, and of records only one training row has.

    Each fails when its excess over the holdout's passes its margin and its interval (the two
    corrected together) excludes zero.
    """
    rows = copies.rows
    every = {
        "share": copies.share_of_train,
        "baseline": copies.baseline_holdout_share_of_train,
        "excess": copies.excess,
        "excess_ci95": copies.excess_ci95,
        "rows": [rows.synthetic, rows.holdout],
    }
    family = [Comparison(every, gates.exact_copy_margin, "every")]
    unique = copies.of_unique_records
    if unique:
        family.append(Comparison(unique.to_dict(), gates.unique_copy_margin, "unique"))
    worst, interval, failed, k = _judge(family)
    every_interval = family[0].interval(k)
    message = (
        f"{every['share'] * 100:.1f}% of synthetic rows are exact copies of a training row "
        f"(compared with all {rows.train:,} training rows); {every['baseline'] * 100:.1f}% "
        f"of real rows the model never saw are, too: an excess of "
        f"{every['excess'] * 100:+.1f} points ({_ci(every_interval, k)}); above "
        f"{gates.exact_copy_margin * 100:.0f} points fails when the interval excludes 0."
    )
    if unique:
        message += (
            f" {unique.share * 100:.2f}% copy a record only one training person has (unseen "
            f"real rows: {unique.baseline * 100:.2f}%): an excess of "
            f"{unique.excess * 100:+.2f} points ({_ci(family[1].interval(k), k, 2)}); above "
            f"{gates.unique_copy_margin * 100:.1f} points fails when the interval excludes 0."
        )
    return _gate(
        "exact_copies",
        None,  # from the criteria
        worst.entry["excess"],
        worst.margin,
        message,
        interval=interval,
        comparisons=k,
        criteria=_family_criteria((worst, interval, failed, k), family),
    )


def _exact_copies_without_holdout(copies: ExactCopies, gates: Gates) -> GateResult:
    share = copies.share_of_train
    return _gate(
        "exact_copies",
        Verdict.FAIL if share > gates.exact_copy_margin else Verdict.SKIP,
        share,
        gates.exact_copy_margin,
        f"{share * 100:.1f}% of synthetic rows are exact copies of a training row. "
        + (
            "That is more than any baseline could explain."
            if share > gates.exact_copy_margin
            else "Without unseen real rows there is no baseline to judge this against. "
            + NEEDS_HOLDOUT
        ),
        criteria=[criterion("share", share, gates.exact_copy_margin)]
        if share > gates.exact_copy_margin
        else None,
    )


def _balanced_interval(
    to_train: int, rows: int, sizes: dict[str, int], comparisons: int
) -> tuple[float, float]:
    """The exact interval of a share of rows nearest a training row, as if both sets were equal."""
    from synthpriv.metrics.privacy import balanced_share, exact_interval

    low, high = (
        round(balanced_share(p, sizes["train"], sizes["holdout"]), 4)
        for p in exact_interval(to_train, rows, family_confidence(comparisons))
    )
    return low, high


def _training_share(
    name: str, value: float, interval: tuple[float, float], gates: Gates
) -> Criterion:
    """A share of rows nearer training people, against the DCR limits, judged off 50%."""
    return criterion(
        name,
        value,
        gates.dcr_share_max,
        warn=gates.dcr_share_warn,
        interval=interval,
        ideal=0.5,
    )


def _dcr_gate(dcr: dict[str, Any], gates: Gates) -> GateResult:
    value = dcr["share_closer_to_train"]
    low, high = dcr["share_ci95"]
    if "rows_searched" in dcr:
        low, high = _balanced_interval(
            dcr["rows_nearest_a_training_row"], dcr["rows_searched"], dcr["reference_rows"], 1
        )
    return _gate(
        "dcr_share",
        None,
        value,
        gates.dcr_share_max,
        f"Synthetic rows sit closer to a training row than to an unseen real row "
        f"{shown(value, gates.dcr_share_max, 100)}% of the time (interval {low * 100:.1f}-"
        f"{high * 100:.1f}%, at 95% over the report's ten privacy checks); 50% means no "
        f"memorization, above {gates.dcr_share_max * 100:.0f}% fails when the interval excludes "
        "50%.",
        interval=(low, high),
        criteria=[_training_share("share closer to training", value, (low, high), gates)],
    )


def _membership_gate(mia: dict[str, Any], gates: Gates) -> GateResult:
    low, high = mia["ci95"]
    if mia.get("standard_error") is not None:
        half = _z(1) * mia["standard_error"]
        low, high = round(max(0.0, mia["auc"] - half), 4), round(min(1.0, mia["auc"] + half), 4)
    return _gate(
        "membership_inference",
        None,
        mia["auc"],
        gates.membership_auc_max,
        f"An attacker who uses the synthetic table to guess whether a person was in the "
        f"training data is right with AUC {shown(mia['auc'], gates.membership_auc_max, 1, 3)} "
        f"(interval {low:.3f}-{high:.3f}, at 95% over the report's ten privacy checks); 0.50 is "
        f"a coin toss, above {gates.membership_auc_max:.2f} fails when the interval excludes "
        "0.50.",
        interval=(low, high),
        criteria=[
            criterion(
                "AUC",
                mia["auc"],
                gates.membership_auc_max,
                warn=gates.membership_auc_warn,
                interval=(low, high),
                ideal=0.5,
            )
        ],
    )


def _attack_gates(attacks: dict[str, Any], gates: Gates, columns: int) -> list[GateResult]:
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
            out.append(_gate(name, Verdict.SKIP, None, None, message, applicable=False))
            continue
        if name == "attribute_inference" and not entries:
            # every compared column is a quasi-identifier: no other value to infer (the
            # singling-out and linkability attacks still use them all)
            message = (
                "Not applicable: every compared column is a quasi-identifier and none is "
                "sensitive, so there is no other value to infer (mark a column sensitive in the "
                "schema to attack it)."
            )
            out.append(_gate(name, Verdict.SKIP, None, None, message, applicable=False))
            continue
        if not known:
            out.append(_gate(name, Verdict.SKIP, None, None, f"Could not {what}."))
            continue
        # each inference is the worse of two readings (directly, through the best rule)
        k = len(known) * (2 if name == "attribute_inference" else 1)
        z = _z(k)
        criteria: list[Criterion] = []
        for entry in known:
            if entry.get("standard_error") is not None:
                low = max(0.0, entry["risk"] - z * entry["standard_error"])
                high = min(1.0, entry["risk"] + z * entry["standard_error"])
            else:
                low, high = (entry.get("ci95") or [entry["risk"]] * 2)[:2]
            criteria.append(
                criterion(
                    entry.get("attack") or name,
                    entry["risk"],
                    gates.attack_risk_max,
                    warn=gates.attack_risk_warn,
                    interval=(low, high),
                    ideal=0.0,
                )
            )
        top = max(criteria, key=_severity)  # the message speaks of the gate's deciding attack
        worst, interval = top.value, top.interval
        out.append(
            _gate(
                name,
                None,
                worst,
                gates.attack_risk_max,
                f"Risk {shown(worst, gates.attack_risk_max, 100)}% that an attacker can {what}, "
                f"beyond what unseen real rows allow (in points: {_ci(interval, k)}); 0% is "
                f"ideal, above {gates.attack_risk_max * 100:.0f}% fails when the interval "
                "excludes 0.",
                interval=interval,
                comparisons=k,
                criteria=criteria,
            )
        )
    return out


def _replicated_uniques_gate(privacy: Privacy, gates: Gates) -> GateResult:
    rep = privacy.figures.get("replicated_uniques")
    if not rep:
        return _gate(
            "replicated_uniques",
            Verdict.SKIP,
            None,
            None,
            "No quasi-identifier column is known, so no combination of them can single out a "
            "person (mark columns quasi_identifier in the schema to measure it).",
            applicable=False,
        )
    # Both shares are estimated on as many rows as the holdout has: allow for their noise.
    n = max(rep.get("rows", 0), 1)
    noise = _z(1) * math.sqrt(sum(p * (1 - p) for p in (rep["share"], rep["baseline_holdout"])) / n)
    limit = rep["baseline_holdout"] + gates.replicated_uniques_margin + noise
    return _gate(
        "replicated_uniques",
        Verdict.FAIL if rep["share"] > limit else Verdict.PASS,
        rep["share"],
        round(limit, 4),
        f"{shown(rep['share'], limit, 100)}% of training rows are unique on the "
        f"quasi-identifiers and reappear as a unique synthetic row (unseen real rows: "
        f"{rep['baseline_holdout'] * 100:.1f}%); above {shown(limit, rep['share'], 100)}% fails.",
        criteria=[criterion("replicated uniques", rep["share"], round(limit, 4))],
    )


def _residual_gate(privacy: Privacy, gates: Gates | None = None) -> GateResult:
    residual = privacy.residual_identifiers
    rare = privacy.figures.get("rare_categories") or {}
    unmeasured = privacy.unmeasured_columns
    identifying = privacy.identifier_columns
    if identifying:
        return _gate(
            "residual_pii",
            Verdict.FAIL,
            len(identifying),
            0,
            f"The synthetic table holds {len(identifying)} column(s) the scan calls direct "
            f"identifiers or free text with personal data ({', '.join(identifying)}): a table "
            "to share has none. They are not charted, so no value of theirs is printed here.",
            criteria=[criterion("identifier columns", len(identifying), 0)],
        )
    if unmeasured:
        return _gate(
            "residual_pii",
            Verdict.FAIL,
            len(unmeasured),
            0,
            f"The synthetic table has {len(unmeasured)} column(s) the report does not measure "
            f"({', '.join(unmeasured)}): not in the real table, or free text or identifiers "
            "there. Nothing vouches for what they hold; a table to share has only measured "
            "columns.",
            criteria=[criterion("unmeasured columns", len(unmeasured), 0)],
        )
    order = privacy.row_order
    margin = (gates or Gates()).exposed_margin
    if "excess" in order:
        judged = _judge([Comparison(order, margin, order["column"])], order["columns"])
        if judged[2]:
            how = order.get("alignment")
            row = "i"
            if how:
                row = "n - 1 - i" if how["reversed"] else "i"
                row += f" + {how['shift']}" if how["shift"] else ""
                row += " (of the first n rows, counted round)" if how["shift"] else ""
            return _family_gate(
                "residual_pii",
                judged,
                f"Synthetic row i repeats training row {row}'s {order['column']} "
                f"{order['share'] * 100:.1f}% of the time, rows a few apart "
                f"{order['baseline'] * 100:.1f}%: the order of the rows carries training "
                "people's values.",
            )
    if residual:
        return _gate(
            "residual_pii",
            Verdict.FAIL,
            len(residual),
            0,
            "Values of original direct identifiers appear in the synthetic table: "
            + "; ".join(residual)
            + ".",
            criteria=[criterion("identifier values", len(residual), 0)],
        )
    checked = residual is not None
    extra = rare.get("reappearing", 0) - rare.get("baseline_holdout", 0)
    if rare and extra > 0:
        return _gate(
            "residual_pii",
            Verdict.WARN,
            rare["reappearing"],
            rare["baseline_holdout"],
            f"{rare['reappearing']} categories seen fewer than {rare['threshold']} times in the "
            f"training rows reappear in the synthetic table ({rare['baseline_holdout']} in unseen "
            "real rows): consider suppressing rare categories before fitting.",
            criteria=[
                criterion(
                    "rare categories",
                    rare["reappearing"],
                    None,
                    warn=rare["baseline_holdout"],
                )
            ],
        )
    searched = "No original direct-identifier value appears in the synthetic table; r"
    return _gate(
        "residual_pii",
        Verdict.PASS,
        0,
        0,
        (searched if checked else "R") + "are categories reappear no more often than in unseen "
        "real rows.",
        criteria=[criterion("identifier values", len(residual or []), 0)],
    )


def overall_verdict(gates: Sequence[GateResult]) -> Verdict:
    """FAIL, then INCOMPLETE (a privacy check not measured), then WARN, then PASS."""
    statuses = {g.status for g in gates}
    if Verdict.FAIL in statuses:
        return Verdict.FAIL
    if any(g.unmeasured for g in gates):
        return Verdict.INCOMPLETE
    return Verdict.WARN if Verdict.WARN in statuses else Verdict.PASS


def exit_status_of(gates: Sequence[GateResult]) -> ExitStatus:
    """Map gates to the exit code: privacy FAIL, fidelity FAIL, INCOMPLETE, success."""
    failed = {g.category for g in gates if g.status == Verdict.FAIL}
    if "privacy" in failed:
        return ExitStatus.PRIVACY_GATE_FAILED
    if "fidelity" in failed:
        return ExitStatus.FIDELITY_GATE_FAILED
    if any(g.unmeasured for g in gates):
        return ExitStatus.INCOMPLETE
    return ExitStatus.SUCCESS


def exit_status_for(report: Report) -> ExitStatus:
    """The exit code of a report (:func:`exit_status_of` its gates)."""
    return exit_status_of(report.gates)
