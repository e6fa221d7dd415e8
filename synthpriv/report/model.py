"""The report's structure as types: what ``report.json`` holds, checked by the code that builds it.

A report is a :class:`Report`: its verdict, one :class:`GateResult` per check (each with the
:class:`Criterion` rows its status was decided on), and its sections. :meth:`Report.to_dict` is
the one place it is serialised (``report.json`` is that dict, validated against
``schemas/report.schema.json``); :meth:`Report.from_dict` reads it back. Each ``from_dict``
refuses a key it does not know, so a figure written under a misspelt name fails where it is
read, not silently in a template.

Typed down to the gates, the verdict, the exact-copy figures, the fidelity headline and every
``rows`` count. The large bags of metric figures (fidelity's per-column details, the privacy
attacks and linkage levels, distributions, scan, cleaning, synthesis) stay ``dict[str, Any]``
fields of their typed section for now.

``rows`` in report.json is two things, kept apart here by type and name: the sizes of the
tables a section compared (:class:`RowCounts`, JSON ``{"train": .., "synthetic": ..,
"holdout": ..}``) and the two sizes a share and its baseline were measured on
(:attr:`Difference.sizes`, JSON ``[synthetic, baseline]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Literal

Interval = tuple[float, float]
Number = float | int


class Verdict(StrEnum):
    """A gate's status, and the report's verdict (INCOMPLETE: a verdict only; SKIP: a gate only)."""

    PASS = "PASS"
    WARN = "WARN"
    INCOMPLETE = "INCOMPLETE"
    FAIL = "FAIL"
    SKIP = "SKIP"


RANK = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.FAIL: 2}


def _strict(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as keyword arguments of ``cls``; an unknown key is an error naming it."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown key(s) {', '.join(unknown)}")
    return dict(data)


def _interval(value: Any) -> Interval | None:
    return None if value is None else (value[0], value[1])


def _without_none(pairs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pairs.items() if v is not None}


@dataclass(frozen=True)
class Criterion:
    """One comparison a gate decides on: ``value`` against ``fail`` (and ``warn``).

    Past ``fail`` in ``direction`` it FAILs, past ``warn`` it WARNs; each only when its
    ``interval`` (if it has one and an ``ideal``) excludes the ideal. A missing value FAILs.
    """

    name: str
    value: Number | None
    fail: Number | None
    direction: Literal["above", "below"] = "above"
    warn: Number | None = None
    interval: Interval | None = None
    ideal: Number | None = None

    def decide(self) -> Verdict:
        """This criterion's status."""
        if self.value is None:
            return Verdict.FAIL
        sign = -1 if self.direction == "below" else 1
        significant = True
        if self.interval is not None and self.ideal is not None:
            low, high = self.interval
            significant = low > self.ideal if sign > 0 else high < self.ideal

        def past(limit: Number | None) -> bool:
            return limit is not None and sign * self.value > sign * limit

        if significant and past(self.fail):
            return Verdict.FAIL
        if significant and past(self.warn):
            return Verdict.WARN
        return Verdict.PASS

    def to_dict(self) -> dict[str, Any]:
        """As report.json states it (``warn``, ``interval`` and ``ideal`` only when set)."""
        out: dict[str, Any] = {"name": self.name, "value": self.value, "fail": self.fail}
        out["direction"] = self.direction
        optional = {"warn": self.warn, "ideal": self.ideal}
        optional["interval"] = None if self.interval is None else list(self.interval)
        return out | _without_none(optional)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Criterion:
        """Read a criterion of report.json."""
        args = _strict(cls, data)
        args["interval"] = _interval(args.get("interval"))
        return cls(**args)


@dataclass(frozen=True)
class GateResult:
    """One check of the report: its status, the figure and threshold it turned on, and why.

    ``applicable`` is stated on a SKIP only (False: nothing to measure, which does not make the
    verdict INCOMPLETE); ``interval`` and ``comparisons`` when the status was decided on an
    interval; ``criteria`` whenever it was decided (not on a SKIP).
    """

    name: str
    category: Literal["fidelity", "privacy"]
    status: Verdict
    value: Number | None
    threshold: Number | None
    message: str
    applicable: bool | None = None
    interval: Interval | None = None
    comparisons: int | None = None
    criteria: tuple[Criterion, ...] = ()

    @property
    def unmeasured(self) -> bool:
        """A privacy check that could have been measured and was not (makes a run INCOMPLETE)."""
        return (
            self.category == "privacy"
            and self.status == Verdict.SKIP
            and self.applicable is not False
        )

    def to_dict(self) -> dict[str, Any]:
        """As report.json states it."""
        out = {
            "name": self.name,
            "category": self.category,
            "status": self.status.value,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
        }
        out |= _without_none(
            {
                "applicable": self.applicable,
                "interval": None if self.interval is None else list(self.interval),
                "comparisons": self.comparisons,
            }
        )
        if self.criteria:
            out["criteria"] = [c.to_dict() for c in self.criteria]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GateResult:
        """Read a gate of report.json."""
        args = _strict(cls, data)
        args["status"] = Verdict(args["status"])
        args["interval"] = _interval(args.get("interval"))
        args["criteria"] = tuple(Criterion.from_dict(c) for c in args.get("criteria", ()))
        return cls(**args)


@dataclass(frozen=True)
class RowCounts:
    """How many rows of each table a section compared (JSON: a section's ``rows`` object)."""

    train: int
    synthetic: int
    holdout: int | None = None

    def to_dict(self) -> dict[str, int]:
        """``{"train": .., "synthetic": .., "holdout": ..}`` (holdout only when there was one)."""
        return _without_none(
            {"train": self.train, "synthetic": self.synthetic, "holdout": self.holdout}
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RowCounts:
        """Read a section's ``rows`` object."""
        return cls(**_strict(cls, data))


@dataclass(frozen=True)
class Difference:
    """A share beside its baseline share, with the excess and its 95% interval.

    ``sizes`` are the rows each share was measured on (JSON: ``rows``, a pair).
    ``unique_records`` is set on the copies of records only one training row has.
    """

    share: float
    baseline: float
    excess: float
    excess_ci95: Interval
    sizes: tuple[int, int]
    unique_records: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """As the privacy metrics write it."""
        return _without_none(
            {
                "share": self.share,
                "baseline": self.baseline,
                "excess": self.excess,
                "excess_ci95": list(self.excess_ci95),
                "rows": list(self.sizes),
                "unique_records": self.unique_records,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Difference:
        """Read a share difference (``rows`` is its pair of sizes)."""
        args = dict(data)
        if "rows" in args:
            args["sizes"] = tuple(args.pop("rows"))
        args = _strict(cls, args)
        args["excess_ci95"] = _interval(args["excess_ci95"])
        return cls(**args)


@dataclass(frozen=True)
class ExactCopies:
    """Synthetic rows identical to a training row, beside the holdout's (natural duplicates).

    Without a holdout only ``share_of_train`` is measured; with one, the baseline, the excess,
    its interval and the row counts all are.
    """

    share_of_train: float
    compared_with: str
    baseline_holdout_share_of_train: float | None = None
    excess: float | None = None
    excess_ci95: Interval | None = None
    rows: RowCounts | None = None
    of_unique_records: Difference | None = None

    def __post_init__(self) -> None:
        baseline = (self.baseline_holdout_share_of_train, self.excess, self.excess_ci95, self.rows)
        if any(x is None for x in baseline) and any(x is not None for x in baseline):
            raise ValueError(
                "ExactCopies: the baseline, excess, excess_ci95 and rows come together"
            )

    @property
    def has_baseline(self) -> bool:
        """Whether the copies were measured against a holdout."""
        return self.baseline_holdout_share_of_train is not None

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``privacy.exact_copies``."""
        return _without_none(
            {
                "share_of_train": self.share_of_train,
                "compared_with": self.compared_with,
                "baseline_holdout_share_of_train": self.baseline_holdout_share_of_train,
                "excess": self.excess,
                "excess_ci95": None if self.excess_ci95 is None else list(self.excess_ci95),
                "rows": None if self.rows is None else self.rows.to_dict(),
                "of_unique_records": None
                if self.of_unique_records is None
                else self.of_unique_records.to_dict(),
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExactCopies:
        """Read the exact-copy figures (as the metrics write them)."""
        args = _strict(cls, data)
        args["excess_ci95"] = _interval(args.get("excess_ci95"))
        if args.get("rows") is not None:
            args["rows"] = RowCounts.from_dict(args["rows"])
        if args.get("of_unique_records") is not None:
            args["of_unique_records"] = Difference.from_dict(args["of_unique_records"])
        return cls(**args)


@dataclass(frozen=True)
class FidelitySummary:
    """The fidelity headline (score and baselines) and its properties' detail tables.

    The property sections (``column_shapes`` ...) and ``whole_table`` hold the metric rows as
    the metrics write them (``{"score": .., "details": [..]}``).
    """

    score: float | None
    baseline_score: float | None
    score_at_holdout_size: float | None
    independent_columns_score: float | None
    formula: str
    rows_compared: RowCounts
    rows_sampled: bool
    column_shapes: dict[str, Any]
    column_pair_trends: dict[str, Any]
    column_details: dict[str, Any]
    column_pair_associations: dict[str, Any]
    whole_table: dict[str, Any]
    ml_utility: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``fidelity``."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rows_compared"] = self.rows_compared.to_dict()
        if self.ml_utility is None:
            del out["ml_utility"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FidelitySummary:
        """Read report.json's ``fidelity``."""
        args = _strict(cls, data)
        args["rows_compared"] = RowCounts.from_dict(args["rows_compared"])
        return cls(**args)


PRIVACY_FIELDS = (
    "columns",
    "exact_copies",
    "dcr",
    "residual_identifiers",
    "unmeasured_columns",
    "identifier_columns",
    "row_order",
)


@dataclass(frozen=True)
class Privacy:
    """The privacy section: the exact copies typed, the attack and linkage figures in ``figures``.

    ``dcr`` is None without a holdout (then the comparative checks are not measured).
    ``residual_identifiers`` is None when the original identifiers were not searched for.
    ``figures`` holds every other key of report.json's ``privacy`` as the metrics write it
    (near_copies, holdout_copies, membership_inference, attacks, exposed, replicated_uniques,
    rare_categories, ...).
    """

    exact_copies: ExactCopies
    dcr: dict[str, Any] | None
    columns: list[str] = field(default_factory=list)
    residual_identifiers: list[str] | None = None
    unmeasured_columns: list[str] = field(default_factory=list)
    identifier_columns: list[str] = field(default_factory=list)
    row_order: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``privacy``: the typed fields beside the figures."""
        out = dict(self.figures)
        out |= {name: getattr(self, name) for name in PRIVACY_FIELDS}
        out["exact_copies"] = self.exact_copies.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Privacy:
        """Read report.json's ``privacy`` (or the section the builder assembles)."""
        args = {k: v for k, v in data.items() if k in PRIVACY_FIELDS}
        args["exact_copies"] = ExactCopies.from_dict(data["exact_copies"])
        args.setdefault("dcr", None)
        figures = {k: v for k, v in data.items() if k not in PRIVACY_FIELDS}
        return cls(**args, figures=figures)


@dataclass(frozen=True)
class DataSummary:
    """What was compared: row counts of the three tables and the columns."""

    train_rows: int
    holdout_rows: int | None
    synthetic_rows: int
    columns_compared: list[str]
    columns_not_compared: list[str]
    kinds: dict[str, str]
    scale_out: dict[str, Any] | None = None  # a run on Spark: whole-table counts, samples

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``data`` (``scale_out`` only on a Spark run)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if not self.scale_out:
            del out["scale_out"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataSummary:
        """Read report.json's ``data``."""
        return cls(**_strict(cls, data))


@dataclass(frozen=True)
class Settings:
    """The settings a report was measured with."""

    seed: int
    measurement_key: int
    gates: dict[str, Any]
    target: str | None

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``settings``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Read report.json's ``settings``."""
        return cls(**_strict(cls, data))


@dataclass(frozen=True)
class BudgetUse:
    """The work bounds of a report and each one the data hit (with what was done instead)."""

    limits: dict[str, Any]
    hit: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """As report.json's ``budgets``."""
        return {"limits": self.limits, "hit": self.hit}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BudgetUse:
        """Read report.json's ``budgets``."""
        return cls(**_strict(cls, data))


@dataclass(frozen=True)
class Report:
    """A report: the verdict, the gates and the sections of report.json."""

    report_version: str
    synthpriv_version: str
    verdict: Verdict
    gates: tuple[GateResult, ...]
    data: DataSummary
    fidelity: FidelitySummary
    privacy: Privacy
    distributions: dict[str, Any]
    scan: dict[str, Any] | None
    cleaning: dict[str, Any] | None
    synthesis: dict[str, Any] | None
    provenance: dict[str, Any]
    settings: Settings
    budgets: BudgetUse

    def gate(self, name: str) -> GateResult:
        """The gate called ``name`` (KeyError if the report has none)."""
        for gate in self.gates:
            if gate.name == name:
                return gate
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """report.json: the one serialisation of a report."""
        return {
            "report_version": self.report_version,
            "synthpriv_version": self.synthpriv_version,
            "verdict": self.verdict.value,
            "gates": [g.to_dict() for g in self.gates],
            "data": self.data.to_dict(),
            "fidelity": self.fidelity.to_dict(),
            "privacy": self.privacy.to_dict(),
            "distributions": self.distributions,
            "scan": self.scan,
            "cleaning": self.cleaning,
            "synthesis": self.synthesis,
            "provenance": self.provenance,
            "settings": self.settings.to_dict(),
            "budgets": self.budgets.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Read report.json back (an unknown key anywhere typed is an error naming it)."""
        args = _strict(cls, data)
        args["verdict"] = Verdict(args["verdict"])
        args["gates"] = tuple(GateResult.from_dict(g) for g in args["gates"])
        args["data"] = DataSummary.from_dict(args["data"])
        args["fidelity"] = FidelitySummary.from_dict(args["fidelity"])
        args["privacy"] = Privacy.from_dict(args["privacy"])
        args["settings"] = Settings.from_dict(args["settings"])
        args["budgets"] = BudgetUse.from_dict(args["budgets"])
        return cls(**args)
