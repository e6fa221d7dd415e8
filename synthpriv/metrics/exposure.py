"""The most exposed people: their own figures, so a leak aimed at a few is not averaged away.

Every other privacy figure is an average over all rows: copying 0.5% of rows verbatim, chosen
among the people who hold a rare value, moves it by half a point. What an attacker gains there
is concentrated on exactly the people easiest to re-identify. So the report picks them out and
measures them apart, each group against its own baseline (the same kind of people among the
holdout rows, whom the model never saw):

* **holders of a rare value**: a category fewer than :data:`RARE_BELOW` real rows share, or a
  number fewer than that many real rows come within its tolerance of (the near-copy tolerance of
  :mod:`synthpriv.metrics.linkage`); missing values are not rare;
* **people unique on their quasi-identifiers** among the real rows (when the schema names
  quasi-identifiers).

Real rows are the training rows and the holdout together, so both sides are picked by one rule.
For each group the report gives the share of its training people who have a near copy in the
synthetic table (a row agreeing with them on all columns but at most one) against the same share
of its holdout people; and, for the unique people, the share whose quasi-identifiers lead an
attacker to their true sensitive value (the synthetic rows with exactly their quasi-identifiers,
the most common value among them, read directly or through the best rule learned on half of the
people and applied to the other half), against the same for the holdout's unique people.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from synthpriv.frames import fresh
from synthpriv.metrics.attacks import rule_hits
from synthpriv.metrics.linkage import Agreement, copy_levels, fewest_mismatches
from synthpriv.metrics.neighbors import Encoded
from synthpriv.schema import Kind

RARE_BELOW = 5
MIN_PEOPLE = 20  # fewer exposed people on a side: the group is reported, not judged


RARE_ROWS = 1_000_000  # rows whose neighbours within a tolerance are counted at a time


def rare_value_holders(real: pl.DataFrame, rule: Agreement) -> np.ndarray:
    """Rows holding a value fewer than :data:`RARE_BELOW` real rows share (see module doc)."""
    rare = np.zeros(real.height, dtype=bool)
    numeric = set(rule.numeric)
    for name in rule.kinds:
        column = real.get_column(name)
        present = column.is_not_null().to_numpy()
        if name in numeric:
            from synthpriv.metrics.linkage import _as_float

            values = _as_float(column)[0]
            tol = rule.tolerance[name] * (1 + 1e-9)
            ordered = np.sort(values[np.isfinite(values)])
            # each row's neighbours within the tolerance, counted a million rows at a time:
            # the lookups' arrays (some 40 bytes a row) are a slice's, not every row's
            for start in range(0, values.size, RARE_ROWS):
                part = values[start : start + RARE_ROWS]
                near = np.searchsorted(ordered, part + tol, "right") - np.searchsorted(
                    ordered, part - tol, "left"
                )
                rare[start : start + RARE_ROWS] |= np.isfinite(part) & (near < RARE_BELOW)
        else:
            # a value's count among its distinct values, not a count beside every row
            counts = column.value_counts(name="__n")
            scarce = counts.filter(pl.col("__n") < RARE_BELOW).get_column(name)
            rare |= present & column.is_in(scarce.implode()).fill_null(False).to_numpy()
    return rare


def unique_on(real: pl.DataFrame, quasi: list[str]) -> np.ndarray:
    """Rows whose combination of ``quasi`` values no other real row has (missing equals missing)."""
    return (real.select(pl.len().over(quasi)).to_series() == 1).to_numpy()


def _share_test(hits: np.ndarray, base: np.ndarray) -> dict[str, Any]:
    from synthpriv.metrics.privacy import share_difference

    return share_difference(float(hits.mean()), hits.size, float(base.mean()), base.size) | {
        "people": {"train": int(hits.size), "holdout": int(base.size)}
    }


def copied(
    exposed: np.ndarray,
    members: Encoded,
    others: Encoded,
    synthetic: Encoded,
    tolerance: np.ndarray,
    seed: int,
) -> dict[str, Any] | None:
    """Near copies in the synthetic table of exposed training people and of exposed holdout people.

    ``exposed`` flags the rows of the training rows followed by the holdout rows.
    """
    mine, theirs = exposed[: members.rows], exposed[members.rows :]
    if mine.sum() < MIN_PEOPLE or theirs.sum() < MIN_PEOPLE:
        return None
    most = max(copy_levels(synthetic, (0, 1)))  # all columns but one, if three still agree
    hits = [
        fewest_mismatches(side.take(np.flatnonzero(rows)), synthetic, tolerance, seed, most) <= most
        for side, rows in ((members, mine), (others, theirs))
    ]
    return _share_test(*hits)


def disclosed(
    exposed: np.ndarray,
    train: pl.DataFrame,
    holdout: pl.DataFrame,
    synthetic: pl.DataFrame,
    quasi: list[str],
    secrets: list[str],
    kinds: dict[str, Kind],
    seed: int,
) -> dict[str, Any] | None:
    """How often synthetic rows sharing exposed people's quasi-identifiers give away a secret.

    The worst secret is the figure; ``None`` when too few people are exposed.
    """
    mine, theirs = exposed[: train.height], exposed[train.height :]
    if mine.sum() < MIN_PEOPLE or theirs.sum() < MIN_PEOPLE or not secrets:
        return None
    worst: dict[str, Any] | None = None
    said = fresh("__guess", synthetic.columns)
    for secret in secrets:
        guesses = synthetic.group_by(quasi).agg(
            pl.col(secret).drop_nulls().mode().sort().first().alias(said)
        )
        sides = []
        for frame, rows in ((train, mine), (holdout, theirs)):
            people = frame.filter(pl.Series(rows)).select([*quasi, secret])
            joined = people.join(guesses, on=quasi, how="left", nulls_equal=True)
            sides.append(joined)
        hits = rule_hits(
            *((j.get_column(said), j.get_column(secret)) for j in sides),
            kinds[secret],
            seed,
        )
        sides = [
            tuple(h & j.get_column(said).is_not_null().to_numpy() for h in side)
            for side, j in zip(hits, sides, strict=True)
        ]
        results = {
            rule: _share_test(sides[0][i], sides[1][i])
            for i, rule in enumerate(("direct", "best_rule"))
        }
        rule = max(results, key=lambda r: results[r]["excess"])
        entry = results[rule] | {
            "secret": secret,
            "rule": rule,
            "comparisons": 2 * len(secrets),  # the worst of each secret, read two ways
        }
        if worst is None or entry["excess"] > worst["excess"]:
            worst = entry
    return worst
