"""Metrics against hand-computed values."""

import numpy as np
import polars as pl
import pytest

from synthpriv.metrics.base import guarded
from synthpriv.metrics.fidelity import (
    column_pair_trends,
    column_shapes,
    contingency_similarity,
    correlation_similarity,
    ks_complement,
    tv_complement,
)
from synthpriv.metrics.privacy import (
    encode,
    exact_copy_share,
    nearest_distances,
    privacy_metrics,
    wilson_interval,
)
from synthpriv.schema import Kind


def test_ks_complement_hand_computed():
    # ECDFs of [1,2,3,4] and [3,4,5,6] differ by at most 0.5 (at x in [2,3)).
    assert ks_complement(pl.Series([1, 2, 3, 4]), pl.Series([3, 4, 5, 6])) == pytest.approx(0.5)
    assert ks_complement(pl.Series([1.0, None, 2.0]), pl.Series([1.0, 2.0])) == 1.0


def test_tv_complement_hand_computed():
    # p = (a .5, b .5), q = (a .25, b .25, c .5): TVD = 0.5 * (.25 + .25 + .5) = 0.5
    assert tv_complement(pl.Series(["a", "b"]), pl.Series(["a", "b", "c", "c"])) == pytest.approx(
        0.5
    )


def test_correlation_similarity():
    real = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})
    opposite = pl.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    assert correlation_similarity(real, real, "a", "b") == pytest.approx(1.0)
    assert correlation_similarity(real, opposite, "a", "b") == pytest.approx(0.0)


def test_contingency_similarity_hand_computed():
    kinds = {"a": Kind.CATEGORICAL, "b": Kind.CATEGORICAL}
    real = pl.DataFrame({"a": ["x", "y"], "b": ["u", "v"]})
    synth = pl.DataFrame({"a": ["x", "x"], "b": ["u", "v"]})
    # joint real: (x,u) .5 (y,v) .5; synth: (x,u) .5 (x,v) .5 -> TVD .5
    assert contingency_similarity(real, synth, "a", "b", kinds) == pytest.approx(0.5)


def test_failures_are_recorded_not_raised():
    kinds = {"a": Kind.NUMERICAL, "b": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    real = pl.DataFrame(
        {"a": [1.0, 1.0], "b": [1.0, 2.0], "c": [None, None]}, schema_overrides={"c": pl.String}
    )
    shapes = {r.columns[0]: r for r in column_shapes(real, real, kinds)}
    assert shapes["c"].score is None and shapes["c"].error == "MetricError: no non-missing values"
    pairs = {tuple(r.columns): r for r in column_pair_trends(real, real, kinds)}
    assert pairs[("a", "b")].error == "MetricError: a column is constant, correlation undefined"
    assert guarded("X", ["a"], lambda: 1 / 0).error.startswith("ZeroDivisionError")


def test_gower_nearest_distance_hand_computed():
    kinds = {"n": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    reference = pl.DataFrame({"n": [0.0, 10.0], "c": ["a", "b"]})
    query = pl.DataFrame({"n": [5.0, 10.0, None], "c": ["a", "b", "b"]})
    ref, q = encode([reference, query], kinds)
    # row 0: to ref0 (.5 + 0)/2 = .25; row 1: identical to ref1 -> 0;
    # row 2: missing number (1) + equal category -> .5
    assert nearest_distances(q, ref).tolist() == pytest.approx([0.25, 0.0, 0.5])


def test_nearest_neighbours_match_brute_force():
    from synthpriv.metrics.neighbors import nearest

    rng = np.random.default_rng(0)
    n = 400
    kinds = {"x": Kind.NUMERICAL, "y": Kind.NUMERICAL, "c": Kind.CATEGORICAL, "d": Kind.CATEGORICAL}
    frame = pl.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "y": rng.integers(0, 5, n).astype(float),
            "c": rng.choice(["a", "b", "c"], n),
            "d": rng.choice(list("pqrstu"), n),
        }
    ).with_columns(
        pl.col("x").fill_nan(None),
        pl.when(pl.int_range(pl.len()) % 9 == 0).then(None).otherwise(pl.col("d")).alias("d"),
    )
    ref, q = encode([frame[:250], frame[250:]], kinds)
    distances, index = nearest(q, ref, 3)
    # brute force on the same encoding: numbers capped at 1, NaN-NaN 0, NaN-value 1
    num = np.abs(q.numbers[:, None, :] - ref.numbers[None, :, :])
    both = np.isnan(q.numbers)[:, None, :] & np.isnan(ref.numbers)[None, :, :]
    num = np.where(both, 0.0, np.where(np.isnan(num), 1.0, np.minimum(num, 1.0)))
    full = (num.sum(axis=2) + (q.codes[:, None, :] != ref.codes[None, :, :]).sum(axis=2)) / 4
    expected = np.sort(full, axis=1)[:, :3]
    assert np.allclose(distances, expected)
    assert np.allclose(full[np.arange(len(index))[:, None], index], distances)


def test_wilson_interval():
    low, high = wilson_interval(50, 100)
    assert (round(low, 4), round(high, 4)) == (0.4038, 0.5962)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_exact_copy_share_counts_missing_as_equal():
    real = pl.DataFrame({"a": [1, 2, None], "b": ["x", "y", "z"]})
    synth = pl.DataFrame({"a": [1, None, 3, 2], "b": ["x", "z", "x", "q"]})
    assert exact_copy_share(synth, real) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def census():
    rng = np.random.default_rng(1)
    n = 1200
    age = rng.integers(18, 90, n)
    frame = pl.DataFrame(
        {
            "age": age,
            "income": np.round(20000 + 800 * age + rng.normal(0, 9000, n), -2),
            "sex": rng.choice(["F", "M"], n),
            "job": rng.choice(["a", "b", "c", "d", "e"], n),
        }
    )
    kinds = {
        "age": Kind.NUMERICAL,
        "income": Kind.NUMERICAL,
        "sex": Kind.CATEGORICAL,
        "job": Kind.CATEGORICAL,
    }
    return frame[:800], frame[800:], kinds


def test_copy_of_training_rows_is_caught(census):
    train, holdout, kinds = census
    result = privacy_metrics(train, holdout, train[:400], kinds)
    assert result["exact_copies"]["share_of_train"] > 0.3
    assert result["dcr"]["share_closer_to_train"] > 0.6


def test_a_large_synthetic_table_is_sampled_for_distances_but_copies_count_every_row(census):
    train, holdout, kinds = census
    synthetic = pl.concat([holdout, train[:50]])  # 50 copies of training rows
    result = privacy_metrics(train, holdout, synthetic, kinds, max_rows=100)
    assert result["rows_compared"] == {
        "train": 800,
        "holdout": 400,
        "synthetic": 450,
        "synthetic_searched_from": 100,
        "members_attacked": 100,
        "non_members_attacked": 100,
        "attack_samples": 100,
    }
    # the near copies are counted over every synthetic row, against every training row
    assert result["near_copies"]["rows"] == {"synthetic": 450, "holdout": 400, "train": 800}
    [hit] = [h for h in result["budget_hits"] if h["budget"] == "privacy_rows"]
    assert (hit["budget"], hit["limit"], hit["needed"]) == ("privacy_rows", 100, train.height)
    copies = result["exact_copies"]["share_of_train"]
    assert copies == pytest.approx(50 / synthetic.height, abs=0.005)


def test_real_holdout_offered_as_synthetic_looks_safe(census):
    train, holdout, kinds = census
    result = privacy_metrics(train[:600], train[600:], holdout, kinds)
    assert result["exact_copies"]["share_of_train"] == 0.0
    low, high = result["dcr"]["share_ci95"]
    assert low <= 0.5 + 0.05 and result["dcr"]["share_closer_to_train"] < 0.6


def test_column_detail_metrics_hand_computed():
    from synthpriv.metrics.fidelity import Comparison

    def compare(real: list, other: list, kind: Kind) -> Comparison:
        return Comparison(pl.DataFrame({"v": real}), pl.DataFrame({"v": other}), {"v": kind})

    missing = compare([1, None, 3, None], [1, 2, 3, 4], Kind.NUMERICAL)
    assert missing.missing_rate_similarity("v") == 0.5
    assert compare([0.0, 10.0], [5.0, 20.0], Kind.NUMERICAL).range_coverage("v") == 0.5
    coverage = compare(["a", "b", "c", "d"], ["a", "b", "z"], Kind.CATEGORICAL)
    assert coverage.category_coverage("v") == 0.5
    invented = compare(["a", "b"], ["a", "z", "z", None], Kind.CATEGORICAL)
    assert invented.invented_category_share("v") == pytest.approx(2 / 3)


def test_independent_columns_keep_marginals_and_break_pairs():
    from synthpriv.metrics.fidelity import independent_columns

    rng = np.random.default_rng(3)
    x = rng.normal(size=2000)
    frame = pl.DataFrame({"x": x, "y": x * 2 + rng.normal(scale=0.1, size=2000)})
    out = independent_columns(frame, 2000, seed=1)
    assert ks_complement(frame["x"], out["x"]) > 0.95
    assert abs(np.corrcoef(out["x"], out["y"])[0, 1]) < 0.1


def test_discriminator_and_pmse_separate_different_tables():
    from synthpriv.metrics.detection import discriminator_auc, pmse

    rng = np.random.default_rng(5)
    kinds = {"x": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    real = pl.DataFrame({"x": rng.normal(size=1500), "c": rng.choice(["a", "b"], 1500)})
    same = pl.DataFrame({"x": rng.normal(size=1500), "c": rng.choice(["a", "b"], 1500)})
    shifted = pl.DataFrame({"x": rng.normal(3, 1, size=1500), "c": rng.choice(["a", "b"], 1500)})
    assert 0.4 < discriminator_auc(real, same, kinds) < 0.6
    assert discriminator_auc(real, shifted, kinds) > 0.95
    null = pmse(real, same, kinds)
    assert null["parameters"] == 3 and null["s_pmse"] < 5
    assert pmse(real, shifted, kinds)["s_pmse"] > 100


def test_ml_utility_tells_a_faithful_table_from_a_broken_one():
    from synthpriv.metrics.utility import ml_utility, task_for

    rng = np.random.default_rng(11)
    n = 1500
    x = rng.normal(size=n)
    frame = pl.DataFrame(
        {"x": x, "z": rng.normal(size=n), "y": np.where(x + rng.normal(0, 0.3, n) > 0, "yes", "no")}
    )
    kinds = {"x": Kind.NUMERICAL, "z": Kind.NUMERICAL, "y": Kind.CATEGORICAL}
    train, holdout = frame[:1000], frame[1000:]
    faithful = ml_utility(train, holdout, train, "y", kinds)
    assert faithful["task"] == "classification"
    assert faithful["train_synthetic_test_real"] == faithful["train_real_test_real"]
    assert faithful["train_real_test_real"]["auc"] > 0.9
    broken = train.with_columns(pl.col("y").shuffle(seed=1))
    assert ml_utility(train, holdout, broken, "y", kinds)["train_synthetic_test_real"]["auc"] < 0.65
    assert task_for(pl.Series([1.5, 2.5]), Kind.NUMERICAL) == "regression"
    assert task_for(pl.Series([0, 1, 1]), Kind.NUMERICAL) == "classification"


def test_spearman_and_cramers_v_hand_computed():
    from synthpriv.metrics.fidelity import column_pair_associations, cramers_v, spearman_similarity

    assert cramers_v(
        pl.Series(["a", "a", "b", "b"]), pl.Series(["x", "x", "y", "y"])
    ) == pytest.approx(1.0)
    assert cramers_v(
        pl.Series(["a", "b", "a", "b"]), pl.Series(["x", "x", "y", "y"])
    ) == pytest.approx(0.0)
    x = np.arange(50.0)
    cubic, falling = pl.DataFrame({"x": x, "y": x**3}), pl.DataFrame({"x": x, "y": -x})
    assert spearman_similarity(cubic, cubic, "x", "y") == pytest.approx(1.0)  # rho 1 vs 1
    assert spearman_similarity(cubic, falling, "x", "y") == pytest.approx(0.0)  # rho 1 vs -1
    kinds = {"x": Kind.NUMERICAL, "y": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    frame = cubic.with_columns(pl.Series("c", ["a"] * 50))
    results = {r.metric: r for r in column_pair_associations(frame, frame, kinds)}
    assert results["SpearmanSimilarity"].score == pytest.approx(1.0)
    assert results["CramersVSimilarity"].error == "MetricError: a column has a single category"


def test_mutual_information_hand_computed():
    from synthpriv.metrics.fidelity import Comparison, normalized_mutual_information

    # a == b over two equally likely values: I = H = ln 2, so NMI = 1; a product table gives 0.
    rows, cols = np.array([0, 1]), np.array([0, 1])
    assert normalized_mutual_information(rows, cols, np.array([5, 5])) == pytest.approx(1.0)
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    assert normalized_mutual_information(rows, cols, np.array([3, 3, 3, 3])) == pytest.approx(0.0)
    kinds = {"a": Kind.CATEGORICAL, "b": Kind.CATEGORICAL}
    tied = pl.DataFrame({"a": ["x", "y"] * 50, "b": ["u", "v"] * 50})
    crossed = pl.DataFrame({"a": ["x", "y"] * 50, "b": ["u", "u", "v", "v"] * 25})
    comparison = Comparison(tied, crossed, kinds)
    assert comparison.mutual_information_similarity("a", "b") == pytest.approx(0.0)
    assert Comparison(tied, tied, kinds).mutual_information_similarity("a", "b") == 1.0


def test_comparison_codes_are_shared_between_tables():
    from synthpriv.metrics.fidelity import Comparison

    kinds = {"c": Kind.CATEGORICAL, "n": Kind.NUMERICAL}
    real = pl.DataFrame({"c": ["a", "b", None, "a"], "n": [0.0, 10.0, 5.0, None]})
    other = pl.DataFrame({"c": ["z", "a", "b", None], "n": [-3.0, 10.0, 4.9, 12.0]})
    comparison = Comparison(real, other, kinds)
    c = comparison.column("c")
    assert c.real_codes[0] == c.real_codes[3] == c.other_codes[1]
    assert c.real_codes[2] == c.other_codes[3] == -1 and c.levels == 3
    # numbers binned on the real range [0, 10] in 10 bins; beyond it clipped to the end bins
    assert comparison.column("n").other_codes.tolist() == [0, 9, 4, 9]
    assert comparison.invented_category_share("c") == pytest.approx(1 / 3)
    assert comparison.category_coverage("c") == 1.0


def test_fidelity_samples_rows_of_large_tables_and_records_the_budget_hit():
    from synthpriv.config import Budgets
    from synthpriv.report import builder
    from synthpriv.report.model import RowCounts

    rng = np.random.default_rng(2)
    frame = pl.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    kinds = {"x": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    hits: list = []
    result = builder._fidelity(frame, frame, None, kinds, 0, Budgets(fidelity_rows=100), hits)
    assert result.rows_sampled is True
    assert result.rows_compared == RowCounts(train=100, synthetic=100)
    assert [(h["budget"], h["limit"], h["needed"]) for h in hits] == [("fidelity_rows", 100, 300)]
    hits = []
    small = builder._fidelity(frame[:50], frame[:50], None, kinds, 0, Budgets(), hits)
    assert small.rows_sampled is False and hits == []


def test_degenerate_tables_record_errors_instead_of_crashing():
    from synthpriv.config import Budgets
    from synthpriv.report.builder import _fidelity

    kinds = {
        "nan": Kind.NUMERICAL,
        "const": Kind.NUMERICAL,
        "empty": Kind.CATEGORICAL,
        "c": Kind.CATEGORICAL,
    }
    frame = pl.DataFrame(
        {
            "nan": [1.0, float("nan"), None],
            "const": [7.0, 7.0, 7.0],
            "empty": [None, None, None],
            "c": ["a", "b", "a"],
        },
        schema_overrides={"empty": pl.String},
    )
    one_row = frame[:1]
    result = _fidelity(frame, one_row, one_row, kinds, 0, Budgets(), [])
    shapes = {d["columns"][0]: d for d in result.column_shapes["details"]}
    assert shapes["empty"]["error"] == "MetricError: no non-missing values"
    assert shapes["nan"]["score"] is not None  # NaN counts as missing, the rest is compared
    pairs = {tuple(d["columns"]): d for d in result.column_pair_trends["details"]}
    assert pairs[("nan", "const")]["error"] == (
        "MetricError: a column is constant, correlation undefined"
    )
    assert "error" in result.whole_table["synthetic"]  # too few rows for a classifier


def test_membership_auc_and_nndr_hand_computed():
    from synthpriv.metrics.privacy import auc_with_interval, nndr

    assert auc_with_interval(np.array([3.0, 4.0]), np.array([1.0, 2.0]))["auc"] == 1.0
    assert auc_with_interval(np.array([1.0, 1.0]), np.array([1.0, 1.0]))["auc"] == 0.5
    # members 2 and 3 against non-members 1 and 4: two of four pairs ordered right
    result = auc_with_interval(np.array([2.0, 3.0]), np.array([1.0, 4.0]))
    assert result["auc"] == 0.5 and result["ci95"][0] < 0.5 < result["ci95"][1]
    ratios = nndr(np.array([[0.1, 0.2], [0.0, 0.0], [0.3, 0.3]]))
    assert ratios.tolist() == [0.5, 0.0, 1.0]


def test_attack_risk_formula_hand_computed():
    from synthpriv.metrics.attacks import risk_of, success_rate

    # Wilson centre (k + z^2/2) / (n + z^2) with z = 1.96: 50 of 100 -> 0.5
    assert success_rate(100, 50).value == pytest.approx(0.5)
    rate = success_rate(100, 20)
    assert rate.value == pytest.approx((20 + 1.9208) / 103.8415, abs=1e-4)
    result = risk_of(100, 60, 20)
    attack, control = success_rate(100, 60).value, rate.value
    assert result["risk"] == pytest.approx((attack - control) / (1 - control), abs=1e-4)
    assert result["ci95"][0] < result["risk"] < result["ci95"][1]
    assert risk_of(100, 10, 30)["risk"] == 0.0  # control more attackable: no excess risk
    assert risk_of(0, 0, 0)["error"] == "no attack could be formed"


def test_a_secret_unseen_people_give_away_anyway_has_no_risk_to_measure():
    """A column missing for nearly everyone: missing is guessed as missing by anyone.

    15,909 of 15,909 attacks and 4,091 of 4,091 controls right read as a risk of 0.74 with an
    interval from 0.38 (a 100,000-people folder's flattened histories failed on it).
    """
    from synthpriv.metrics.attacks import risk_of

    result = risk_of(15_909, 15_909, 4_091, 4_091)
    assert result["risk"] is None and "nothing to infer" in result["error"]
    assert result["control_rate"] > 0.99
    # a control right 90% of the time still leaves room: measured
    assert risk_of(1_000, 990, 900)["risk"] == pytest.approx(0.9, abs=0.03)


def test_singling_out_linkability_and_inference_on_a_copy_and_on_fresh_rows():
    from synthpriv.metrics.attacks import inference, linkability, singling_out

    rng = np.random.default_rng(8)
    n = 600
    frame = pl.DataFrame(
        {
            "age": rng.integers(18, 90, 3 * n),
            "income": np.round(rng.lognormal(10, 0.6, 3 * n), -1),
            "zip": rng.choice([f"{z:03d}" for z in range(60)], 3 * n),
            "diagnosis": rng.choice(list("ABCDEFGH"), 3 * n),
        }
    )
    kinds = {
        "age": Kind.NUMERICAL,
        "income": Kind.NUMERICAL,
        "zip": Kind.CATEGORICAL,
        "diagnosis": Kind.CATEGORICAL,
    }
    train, control, fresh = frame[:n], frame[n : 2 * n], frame[2 * n :]
    copy = singling_out(train, control, train, mode="multivariate", seed=1)
    other = singling_out(train, control, fresh, mode="multivariate", seed=1)
    assert copy["risk"] > 0.5 and other["risk"] < 0.1
    for synthetic, low, high in ((train, 0.5, 1.0), (fresh, 0.0, 0.1)):
        enc = encode([train, control, synthetic], kinds)
        aux = (["age", "zip"], ["income", "diagnosis"])
        link = linkability(enc[0], enc[1], enc[2], aux, kinds, seed=1)
        assert low <= link["risk"] <= high
        secret = [
            (e, f.get_column("diagnosis"))
            for e, f in zip(enc, (train, control, synthetic), strict=True)
        ]
        guess = inference(*secret, ["age", "income", "zip"], kinds, Kind.CATEGORICAL, seed=1)
        assert low <= guess["risk"] <= high


def test_equivalence_classes_repu_and_rare_categories_hand_computed():
    from synthpriv.metrics.privacy import (
        equivalence_classes,
        rare_categories,
        replicated_uniques,
    )

    real = pl.DataFrame(
        {
            "age": [30, 30, 30, 40, 50],
            "sex": ["F", "F", "F", "M", "M"],
            "dx": ["a", "b", "a", "c", "c"],
        }
    )
    classes = equivalence_classes(real, ["age", "sex"], ["dx"])
    # groups: (30,F) x3, (40,M) x1, (50,M) x1
    assert classes["classes"] == 3 and classes["k_min"] == 1
    assert classes["share_of_rows_below_k"] == 1.0 and classes["share_of_rows_unique"] == 0.4
    assert classes["l_diversity"]["dx"] == {
        "l_min": 1,
        "share_of_rows_in_homogeneous_classes": 0.4,
    }
    synthetic = pl.DataFrame({"age": [40, 50, 50, 30], "sex": ["M", "M", "M", "F"]})
    # real uniques (40,M) and (50,M): only (40,M) is unique in the synthetic rows too -> 1/5
    assert replicated_uniques(real, synthetic, ["age", "sex"]) == pytest.approx(0.2)
    kinds = {"sex": Kind.CATEGORICAL, "dx": Kind.CATEGORICAL}
    other = pl.DataFrame({"sex": ["F"], "dx": ["b"]})
    # every category is rare (< 5 times); F and b reappear
    assert rare_categories(real, other, kinds) == 2


def test_a_fold_the_discriminator_cannot_fit_is_left_out_silently():
    # a column empty in the real rows and in all but one synthetic row (Synthea's devices):
    # a fold without its one value could not be fitted; the AUC was NaN and sklearn printed
    # the fold's traceback to the user's terminal
    import warnings

    from synthpriv.metrics.detection import discriminator_auc

    n = 30
    real = pl.DataFrame(
        {
            "a": [float(i % 5) for i in range(n)],
            "x": [None] * n,
            "c": ["p" if i % 2 else "q" for i in range(n)],
        },
        schema={"a": pl.Float64, "x": pl.Float64, "c": pl.String},
    )
    synthetic = real.with_columns(
        pl.Series("x", [1.5 if i == 3 else None for i in range(n)], dtype=pl.Float64)
    )
    kinds = {"a": Kind.NUMERICAL, "x": Kind.NUMERICAL, "c": Kind.CATEGORICAL}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        auc = discriminator_auc(real, synthetic, kinds)
    assert 0.0 <= auc <= 1.0
    assert not [w for w in caught if "fits failed" in str(w.message)]
