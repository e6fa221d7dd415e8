"""What a metric result looks like, and how one failing metric is recorded instead of raised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


class MetricError(ValueError):
    """A metric cannot be computed on this input (constant column, no values...)."""


@dataclass
class MetricResult:
    """One metric on one column or pair: a score in [0, 1] (higher is better) or an error."""

    metric: str
    columns: list[str]
    score: float | None
    error: str | None = None
    baseline: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form, rounding the figures."""
        data = asdict(self)
        for key in ("score", "baseline"):
            if data[key] is not None:
                data[key] = round(float(data[key]), 4)
        return data


def failure(exc: BaseException) -> str:
    """How a failed metric is recorded: the exception type and a message of ours.

    A :class:`MetricError` carries our own wording; any other library's message is withheld,
    since numpy, scikit-learn or polars may quote a value in it.
    """
    if isinstance(exc, MetricError):
        return f"{type(exc).__name__}: {exc}"
    return f"{type(exc).__name__}: could not be computed on this data (library message withheld)"


def guarded(metric: str, columns: list[str], compute: Callable[[], float]) -> MetricResult:
    """Run ``compute``; a failure becomes a recorded error instead of an exception."""
    try:
        return MetricResult(metric, columns, float(compute()))
    except Exception as exc:  # noqa: BLE001 - one metric must not stop the report
        return MetricResult(metric, columns, None, failure(exc))


def attempt(compute: Callable[[], dict[str, Any]], **empty: Any) -> dict[str, Any]:
    """Run a metric that returns a dict; a failure becomes ``empty`` plus a recorded error."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - one metric must not stop the report
        return {**empty, "error": failure(exc)}


def mean_score(results: list[MetricResult]) -> float | None:
    """Average the scores that were computed (``None`` when none was)."""
    scores = [r.score for r in results if r.score is not None]
    return sum(scores) / len(scores) if scores else None
