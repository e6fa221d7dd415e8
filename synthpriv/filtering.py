"""The privacy filter: drop synthetic rows that sit too close to a training row, draw again.

A synthetic row is too close when its distance to the nearest training row is at most the
distance within which only ``quantile`` (5%) of unseen real rows (the holdout) fall: closer to a
real person than real people who were never in the data usually come. Such rows are dropped and
replaced by new draws, up to ``MAX_ROUNDS`` times. Distances are the report's (range-scaled
Gower over the compared columns, :mod:`synthpriv.metrics.neighbors`), against every training row.

Filtering by distance to training rows changes how synthetic rows sit around them, which could
itself tell an attacker who was a member: the report's membership-inference gate is computed on
the filtered rows, and the figures before filtering are kept beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from synthpriv.metrics.neighbors import encode, nearest_distances
from synthpriv.schema import Kind, kinds_of

QUANTILE = 0.05
MAX_ROUNDS = 5


@dataclass
class FilterResult:
    """The rows kept, and counts for the report (never values)."""

    frame: pl.DataFrame
    threshold: float
    drawn: int
    removed: int
    rounds: int
    too_close_before: float | None
    short: int = 0

    def describe(self) -> dict[str, Any]:
        """JSON-ready account for the report."""
        return {
            "quantile": QUANTILE,
            "distance_threshold": round(self.threshold, 6),
            "rows_drawn": self.drawn,
            "rows_removed": self.removed,
            "rounds": self.rounds,
            "rows_short": self.short,
            "share_too_close_before": self.too_close_before,
        }


def _aligned(frame: pl.DataFrame, train: pl.DataFrame, kinds: dict[str, Kind]) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(train.schema[c], strict=False) for c in kinds])


def privacy_filter(
    synthetic: pl.DataFrame,
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    draw: Callable[[int, int], pl.DataFrame],
) -> FilterResult:
    """Keep synthetic rows farther from every training row than 95% of holdout rows are.

    ``draw(rows, round)`` samples more rows from the same model (its own seed per round).
    """
    kinds = {
        c: k
        for c, k in kinds_of(train).items()
        if k not in (Kind.TEXT, Kind.ID) and c in holdout.columns and c in synthetic.columns
    }
    if not kinds or holdout.height == 0:
        return FilterResult(synthetic, 0.0, synthetic.height, 0, 0, None)
    train_c = _aligned(train, train, kinds)
    # ranges from the training rows
    enc_train, enc_holdout = encode([train_c, _aligned(holdout, train, kinds)], kinds)
    threshold = float(np.quantile(nearest_distances(enc_holdout, enc_train), QUANTILE))
    wanted = synthetic.height
    kept: list[pl.DataFrame] = []
    have = drawn = removed = rounds = 0
    batch = synthetic
    before = None
    while True:
        # re-encoded with the training rows: category codes are shared within one encoding
        encoded = encode([train_c, _aligned(batch, train, kinds)], kinds)
        to_train = nearest_distances(encoded[1], encoded[0])
        ok = to_train > threshold
        if before is None:  # of the first draw; unseen real rows: QUANTILE by construction
            before = round(float(1.0 - ok.mean()), 4) if ok.size else 0.0
        drawn += batch.height
        removed += int((~ok).sum())
        kept.append(batch.filter(pl.Series(ok)))
        have += int(ok.sum())
        if have >= wanted or rounds >= MAX_ROUNDS:
            break
        rounds += 1
        rate = max(have / drawn, 0.05)
        batch = draw(math.ceil((wanted - have) / rate * 1.1), rounds)
    frame = pl.concat(kept).head(wanted)
    return FilterResult(
        frame, threshold, drawn, removed, rounds, before, short=wanted - frame.height
    )
