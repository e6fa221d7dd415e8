"""A census-like population written for the tests: what the leak-shape tests split three ways.

Columns behave like a real people table's: a near-unique sampling weight, skewed categories with
rare values (countries), correlated numbers, a binary label; enough rows that the report's
exposed groups hold more than a few people on each side.
"""

from __future__ import annotations

import numpy as np
import polars as pl

COUNTRIES = [f"C{i:02d}" for i in range(40)]
JOBS = ["clerk", "nurse", "driver", "teacher", "chef", "admin", "sales", "guard", "cook", "tech"]
QUASI = ["age", "sex", "race", "country", "job"]
SENSITIVE = ["income", "label"]


def population(rows: int = 6000, seed: int = 7) -> pl.DataFrame:
    """``rows`` people drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 91, rows)
    sex = rng.choice(["F", "M"], rows)
    race = rng.choice(["A", "B", "C", "D", "E"], rows, p=[0.8, 0.1, 0.06, 0.03, 0.01])
    weights = 1.0 / np.arange(1, len(COUNTRIES) + 1) ** 1.6
    country = rng.choice(COUNTRIES, rows, p=weights / weights.sum())
    job = rng.choice(JOBS, rows)
    schooling = np.clip(np.round(rng.normal(10 + (age < 40) * 2, 3, rows)), 1, 16).astype(int)
    hours = np.clip(np.round(rng.normal(40, 10, rows)), 5, 99).astype(int)
    income = np.round(12000 + 700 * age + 2500 * schooling + rng.normal(0, 9000, rows), -2)
    label = np.where(income + rng.normal(0, 8000, rows) > 60000, ">50K", "<=50K")
    weight = rng.integers(20_000, 900_000, rows)
    gain = np.where(rng.random(rows) < 0.08, rng.integers(1, 400, rows) * 100, 0)
    return pl.DataFrame(
        {
            "age": age,
            "sex": sex,
            "race": race,
            "country": country,
            "job": job,
            "schooling": schooling,
            "hours": hours,
            "income": income,
            "gain": gain,
            "weight": weight,
            "label": label,
        }
    )


def three_way(frame: pl.DataFrame, seed: int = 0) -> tuple[pl.DataFrame, ...]:
    """Training rows (60%), a holdout (20%) and unseen rows (20%): a seeded permutation."""
    order = np.random.default_rng(seed).permutation(frame.height)
    a, b = int(0.6 * frame.height), int(0.8 * frame.height)
    return tuple(frame[np.sort(order[s])] for s in (slice(0, a), slice(a, b), slice(b, None)))


SCAN = {
    "columns": [{"name": c, "role": "quasi_identifier"} for c in QUASI]
    + [{"name": c, "role": "sensitive"} for c in SENSITIVE]
}
