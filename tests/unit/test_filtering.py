"""The validation filter drops copies, clearly synthetic rows and rule breakers, and draws again."""

import numpy as np
import polars as pl
import pytest

from synthpriv.filtering import QUANTILE, validate
from synthpriv.synthesis_plan import Constraint


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

    result = validate(synthetic, train, holdout, draw)
    assert result.frame.height == synthetic.height and result.short == 0
    assert result.removed["too_close"] >= 100 and draws and draws[0][1] == 1
    assert 0.25 <= result.share_removed_first_draw["too_close"] < 0.25 + 3 * QUANTILE
    kept = set(result.frame.rows())
    assert not kept & set(train.rows())  # no training row survives as it was
    described = result.describe()
    assert described["rows_removed"] == result.total_removed and described["rounds"] >= 1
    assert described["checks"] == {"privacy": True, "quality": False, "constraints": True}


def test_rows_from_the_population_are_mostly_kept():
    train, holdout = people(600, 1), people(200, 2)
    synthetic = people(400, 5)
    result = validate(synthetic, train, holdout, lambda rows, _: people(rows, 6))
    # unseen real rows fall that close about QUANTILE of the time
    assert result.share_removed_first_draw["too_close"] < 4 * QUANTILE


def broken(n: int, seed: int) -> pl.DataFrame:
    """Rows no real person has: nurses of 18 earning like executives."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "age": np.full(n, 18),
            "income": np.round(rng.uniform(900_000, 1_000_000, n), 2),
            "job": np.full(n, "nurse"),
        }
    )


def test_the_quality_filter_drops_rows_a_classifier_calls_clearly_synthetic():
    train = people(2000, 1)
    good = iter(range(10, 100))
    synthetic = pl.concat([people(900, 3), broken(100, 4)])

    def draw(rows: int, round_: int) -> pl.DataFrame:
        # the model's other draws: mostly good rows, a tenth of them broken like the first
        n_bad = rows // 10
        return pl.concat([people(rows - n_bad, next(good)), broken(n_bad, 50 + round_)])

    result = validate(synthetic, train, None, draw, privacy=False, quality=True)
    assert result.frame.height == synthetic.height
    assert result.removed == {"clearly_synthetic": result.total_removed}
    assert result.share_removed_first_draw["clearly_synthetic"] >= 0.09
    assert result.frame.filter(pl.col("income") > 800_000).height < 5
    # real-looking rows stay: most of the first draw's good rows are kept
    assert result.frame.join(synthetic[:900], on=["age", "income", "job"]).height > 800


def test_rows_breaking_a_constraint_are_dropped_and_redrawn():
    train = people(300, 1)
    synthetic = people(200, 2).with_columns(
        pl.when(pl.int_range(pl.len()) < 20).then(-1).otherwise(pl.col("age")).alias("age")
    )
    rule = Constraint.from_dict({"type": "positive", "column": "age"})
    result = validate(
        synthetic, train, None, lambda rows, _: people(rows, 7), privacy=False, constraints=[rule]
    )
    assert result.removed == {"breaks_constraint": 20}
    assert result.frame.height == 200 and (result.frame["age"] > 0).all()


def test_the_privacy_check_by_itself_lowers_the_dcr_share_of_rows_that_copy_nobody():
    from synthpriv.config import Budgets
    from synthpriv.filtering import TooClose
    from synthpriv.report.builder import unseen_through_check
    from synthpriv.schema import kinds_of

    train, holdout = people(3000, 1), people(2000, 2)
    kinds = kinds_of(train)
    threshold = TooClose(train, holdout, kinds).threshold
    copies = pl.concat([train[:300], people(700, 7)])  # synthetic rows, 30% copies
    synthetic = {"before": copies, "after": copies[300:]}
    pull = unseen_through_check(train, holdout, kinds, threshold, 0, Budgets(), synthetic)
    assert pull["rows"] == 1000 and 900 <= pull["rows_kept"] < 1000
    before, after = pull["unseen"]["before"], pull["unseen"]["after"]
    # half the holdout plays a perfect generator: no closer to train than to the other half...
    assert before["dcr_share_ci95"][0] < 0.5 < before["dcr_share_ci95"][1]
    # ...until the rows nearest a training row are dropped
    assert after["dcr_share"] < before["dcr_share"] - 0.005
    # the synthetic rows are measured against the same references: copies pull toward train
    assert pull["synthetic"]["before"]["dcr_share"] > pull["synthetic"]["after"]["dcr_share"] + 0.03
    assert "synthetic" not in unseen_through_check(train, holdout, kinds, threshold, 0, Budgets())
    # the same threshold keeps the same rows as the filter's check
    given, found = TooClose(train, None, kinds, threshold), TooClose(train, holdout, kinds)
    assert (given.keep(copies) == found.keep(copies)).all() and not given.keep(copies[:300]).any()
    with pytest.raises(ValueError, match="needs a holdout"):
        TooClose(train, None, kinds)
    small = unseen_through_check(train, holdout[:150], kinds, threshold, 0, Budgets())
    assert small == {"skipped": "the holdout has 150 rows; this needs 200"}


def test_tied_top_scores_never_drop_more_than_the_cap():
    """A calibrated classifier scored a whole draw alike: the cap holds, no draw is emptied."""
    from synthpriv.filtering import MAX_QUALITY_SHARE, _ClearlySynthetic
    from synthpriv.schema import Kind

    class Tied:
        def predict_proba(self, x):
            scores = np.where(np.arange(len(x)) % 10 < 6, 0.97, 0.2)  # 60% tied at the top
            return np.column_stack([1 - scores, scores])

    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"a": rng.normal(size=500), "b": rng.choice(["x", "y"], 500)})
    kinds = {"a": Kind.NUMERICAL, "b": Kind.CATEGORICAL}
    check = _ClearlySynthetic(frame, frame, kinds, 0.9, seed=0)

    def fit():
        check._model, check.levels = Tied(), {"b": pl.Series(["x", "y"])}

    check._fit = fit
    check.start(frame)
    kept = check.keep(frame)
    assert check.flagged == 0.6
    assert 1 - kept.mean() == pytest.approx(MAX_QUALITY_SHARE, abs=0.01)
    every = np.ones(frame.height, dtype=bool)
    assert 0 < kept.sum() < every.sum()
