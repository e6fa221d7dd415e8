"""The privacy filter drops synthetic rows that copy training rows and draws replacements."""

import numpy as np
import polars as pl

from synthpriv.filtering import QUANTILE, privacy_filter


def people(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.gamma(2.0, 20_000.0, n), 2),
            "job": rng.choice(["clerk", "nurse", "driver", "chef"], n),
        }
    )


def test_copies_of_training_rows_are_replaced_by_new_draws():
    train, holdout = people(600, 1), people(200, 2)
    fresh = iter(range(3, 100))
    synthetic = pl.concat([train[:100], people(300, 99)])  # a quarter copies training rows
    draws = []

    def draw(rows: int, round_: int) -> pl.DataFrame:
        draws.append((rows, round_))
        return people(rows, next(fresh))

    result = privacy_filter(synthetic, train, holdout, draw)
    assert result.frame.height == synthetic.height and result.short == 0
    assert result.removed >= 100 and draws and draws[0][1] == 1
    assert 0.25 <= result.too_close_before < 0.25 + 3 * QUANTILE
    kept = set(result.frame.rows())
    assert not kept & set(train.rows())  # no training row survives as it was
    described = result.describe()
    assert described["rows_removed"] == result.removed and described["rounds"] >= 1


def test_rows_from_the_population_are_mostly_kept():
    train, holdout = people(600, 1), people(200, 2)
    synthetic = people(400, 5)
    result = privacy_filter(synthetic, train, holdout, lambda rows, _: people(rows, 6))
    # unseen real rows fall that close about QUANTILE of the time
    assert result.too_close_before < 4 * QUANTILE
