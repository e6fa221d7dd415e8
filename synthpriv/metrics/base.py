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


def guarded(metric: str, columns: list[str], compute: Callable[[], float]) -> MetricResult:
    """Run ``compute``; a failure becomes a recorded ``Type: message`` instead of an exception."""
    try:
        return MetricResult(metric, columns, float(compute()))
    except (MetricError, ValueError, ZeroDivisionError, TypeError) as exc:
        return MetricResult(metric, columns, None, f"{type(exc).__name__}: {exc}")


def mean_score(results: list[MetricResult]) -> float | None:
    """Average the scores that were computed (``None`` when none was)."""
    scores = [r.score for r in results if r.score is not None]
    return sum(scores) / len(scores) if scores else None
