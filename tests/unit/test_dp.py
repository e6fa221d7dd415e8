"""The differentially private engine: accounting, domains, decoding, seeds and refusals."""

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest

from synthpriv import synth
from synthpriv.config import Gates
from synthpriv.dp import Accountant, PrivateMST, cdp_delta, cdp_rho, guarantee
from synthpriv.errors import ConfigError
from synthpriv.report.gates import formal_privacy_gate
from synthpriv.schema import ColumnInfo, Kind, Role, TableSchema

BUDGET = {"epsilon": 1.0, "delta": 1e-6}
KINDS = {
    "age": ("Int64", Kind.NUMERICAL),
    "income": ("Float64", Kind.NUMERICAL),
    "gain": ("Float64", Kind.NUMERICAL),
    "job": ("String", Kind.CATEGORICAL),
    "smoker": ("Boolean", Kind.BOOLEAN),
    "notes": ("String", Kind.CATEGORICAL),
}


def schema_of(columns) -> TableSchema:
    """The column schema a scan would write for these columns (public to the DP engine)."""
    return TableSchema(
        columns=[ColumnInfo(c, KINDS[c][0], KINDS[c][1], Role.NONE) for c in columns]
    )


def fit_mst(frame, **extra):
    frame = frame if isinstance(frame, pl.DataFrame) else pl.from_pandas(frame)
    return synth.fit(frame, schema=schema_of(frame.columns), engine="mst", params=BUDGET | extra)


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 4000
    age = rng.integers(18, 90, n)
    return pd.DataFrame(
        {
            "age": age,
            "income": np.round(rng.gamma(2.0, 20_000.0, n) * (age / 50), 2),
            "gain": np.where(rng.random(n) < 0.9, 0.0, rng.uniform(100, 9000, n)).round(0),
            "job": rng.choice(["clerk", "nurse", "driver", "chef"], n, p=[0.4, 0.3, 0.2, 0.1]),
            "smoker": rng.random(n) < 0.2,
        }
    )


def test_rho_and_delta_conversions_agree():
    for epsilon, delta in [(0.1, 1e-9), (1.0, 1e-6), (5.0, 1e-5)]:
        rho = cdp_rho(epsilon, delta)
        assert 0 < rho < epsilon
        assert cdp_delta(rho, epsilon) <= delta
        assert cdp_delta(rho * 1.05, epsilon) > delta  # the largest such ρ, not any


def test_the_budget_parts_add_up_to_epsilon(people):
    model = PrivateMST(epsilon=1.0, delta=1e-6).fit(people)
    account = model.accounting
    assert math.isclose(sum(account["rho_by_use"].values()), account["rho"], rel_tol=1e-9)
    assert account["epsilon_spent"] == pytest.approx(1.0, abs=1e-6)
    assert account["delta_spent"] <= 1e-6 * (1 + 1e-9)
    uses = set(account["rho_by_use"])
    assert {"one-way marginals", "tree selection", "two-way marginals"} <= uses
    one_third = account["rho_by_use"]["one-way marginals"]
    assert one_third == pytest.approx(account["rho_by_use"]["two-way marginals"])


def test_without_bounds_in_config_the_fit_spends_budget_on_them_and_says_so(people):
    private = PrivateMST(epsilon=1.0, delta=1e-6).fit(people).accounting
    assert private["columns"]["age"]["source"] == "dp"
    assert "domain: bounds of age" in private["rho_by_use"]
    assert "domain: categories of job" in private["rho_by_use"]
    assert private["delta_by_use"]["domain: categories of job"] > 0
    assert private["columns"]["smoker"]["source"] == "type"  # yes/no costs nothing
    public = PrivateMST(
        epsilon=1.0,
        delta=1e-6,
        bounds={"age": [0, 120], "income": [0, 500_000], "gain": [0, 10_000]},
        categories={"job": ["clerk", "nurse", "driver", "chef"]},
    ).fit(people)
    assert not any(use.startswith("domain") for use in public.accounting["rho_by_use"])
    assert {c["source"] for c in public.accounting["columns"].values()} == {"config", "type"}
    # the budget the domain did not need went to the measurements
    assert (
        public.accounting["rho_by_use"]["one-way marginals"]
        > private["rho_by_use"]["one-way marginals"]
    )


def test_same_seed_same_rows_and_the_noise_does_not_come_from_the_seed(people):
    model = PrivateMST(epsilon=2.0, delta=1e-6).fit(people, seed=3)
    pd.testing.assert_frame_equal(model.sample(500, seed=7), model.sample(500, seed=7))
    assert not model.sample(500, seed=7).equals(model.sample(500, seed=8))
    again = PrivateMST(epsilon=2.0, delta=1e-6).fit(people, seed=3)
    assert not all(np.array_equal(a, b) for a, b in zip(model.one_way, again.one_way, strict=True))


def test_numbers_are_drawn_within_bins_and_zero_stays_a_spike(people):
    model = PrivateMST(epsilon=5.0, delta=1e-6, bounds={"income": [0, 400_000]}).fit(people)
    out = model.sample(4000, seed=0)
    assert out["income"].nunique() > 1000  # not 32 bin values
    # noise may put a little mass on the missing code; every number is within the bounds
    assert out["income"].isna().mean() < 0.01
    assert out["income"].dropna().between(0, 400_000).all()
    assert abs((out["gain"] == 0).mean() - 0.9) < 0.05
    assert out["age"].dropna().map(float.is_integer).all()
    assert set(out["smoker"].dropna()) <= {True, False}


def test_a_value_one_person_has_is_not_in_the_model(people, tmp_path):
    frame = people.copy()
    frame.loc[0, "job"] = "astronaut-zq"
    model = fit_mst(frame)
    path = tmp_path / "m.synthpriv"
    synth.save_model(model, path)
    assert b"astronaut-zq" not in path.read_bytes()
    assert "astronaut-zq" not in set(synth.sample(model, 2000, seed=0)["job"].to_list())


@pytest.mark.parametrize(
    ("epsilon", "delta", "message"),
    [
        (None, 1e-6, "engine 'mst' needs --epsilon (the privacy budget, e.g. 1.0)"),
        (1.0, None, "engine 'mst' needs --delta (e.g. 1e-6, below 1 / rows)"),
        (0.0, 1e-6, "--epsilon must be a positive number, got 0.0"),
        (-1.0, 1e-6, "--epsilon must be a positive number, got -1.0"),
        (1.0, 1.5, "--delta must be between 0 and 1 (exclusive), got 1.5"),
    ],
)
def test_a_missing_or_impossible_budget_is_refused(epsilon, delta, message):
    with pytest.raises(ConfigError) as error:
        Accountant(epsilon, delta, private_domain=False)
    assert str(error.value) == message


def test_the_formal_privacy_gate():
    account = {"epsilon_spent": 1.0, "delta_spent": 1e-6}
    dp = {"engine": "mst", "preparation": {"differential_privacy": account}}
    plain = {"engine": "cart", "preparation": {}}
    assert formal_privacy_gate(dp, Gates()).status == "PASS"
    assert formal_privacy_gate(dp, Gates(max_epsilon=2.0)).status == "PASS"
    assert formal_privacy_gate(dp, Gates(max_epsilon=0.5)).status == "FAIL"
    required = formal_privacy_gate(plain, Gates(max_epsilon=1.0))
    assert required.status == "FAIL" and "no formal guarantee" in required.message
    assert formal_privacy_gate(plain, Gates()) is None  # nothing to report
    unknown = formal_privacy_gate(None, Gates(max_epsilon=1.0))
    assert unknown.status == "SKIP" and unknown.applicable is True


def test_the_model_keeps_the_row_count_only_as_its_noisy_estimate(people):
    model = fit_mst(people)
    assert model.training_rows == round(model.synthesizer.rows_estimate_)
    assert abs(model.training_rows - len(people)) < 0.05 * len(people)
    assert "fit_sampled_from_rows" not in model.preparation


def test_a_dp_engine_fits_on_every_row_whatever_fit_rows_says(people):
    frame = pl.from_pandas(people)
    model = synth.fit(
        frame, schema=schema_of(frame.columns), engine="mst", params=BUDGET, fit_rows=100
    )
    assert abs(model.training_rows - len(people)) < 0.05 * len(people)


def test_a_dp_engine_needs_the_column_schema(people):
    with pytest.raises(ConfigError, match="needs the column schema"):
        synth.fit(pl.from_pandas(people), engine="mst", params=BUDGET)


def one_row_pairs() -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """The issue's four pairs of tables that differ in one row, and a fifth (a new category)."""
    rng = np.random.default_rng(9)
    n = 600
    base = pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.gamma(2.0, 20_000.0, n), 2),
            "job": rng.choice(["clerk", "nurse", "driver"], n),
            "notes": [None] * n,
        },
        schema={"age": pl.Int64, "income": pl.Float64, "job": pl.String, "notes": pl.String},
    )

    def one(column, value, dtype=None):
        values = base.get_column(column).to_list()
        values[0] = value
        return base.with_columns(pl.Series(column, values, dtype=dtype, strict=False))

    return {
        "an empty column filled by one row": (base, one("notes", "x")),
        "one 'abc' in a number column": (
            base,
            base.with_columns(pl.col("age").cast(pl.String)).pipe(
                lambda f: f.with_columns(
                    pl.Series("age", ["abc", *f.get_column("age").to_list()[1:]])
                )
            ),
        ),
        "one 37.5 among whole ages": (base, one("age", 37.5, pl.Float64)),
        "one missing age": (base, one("age", None)),
        "one new category": (base, one("job", "astronaut")),
    }


@pytest.mark.parametrize("pair", sorted(one_row_pairs()))
def test_one_row_changes_nothing_of_the_dp_model_s_header(pair):
    """Columns, kinds, types and codings come from the schema, never from the values."""
    first, second = one_row_pairs()[pair]
    schema = schema_of(["age", "income", "job", "notes"])
    models = [
        synth.fit(frame, schema=schema, engine="mst", params=BUDGET) for frame in (first, second)
    ]

    def header(model):
        columns = model.preparation["differential_privacy"]["columns"]
        return {
            "columns": model.columns,
            "dtypes": model.dtypes,
            "kinds": model.kinds,
            "excluded": model.excluded,
            "types": model.preparation["public_types"],
            "codings": {
                name: ("bins" in c, c["source"], c.get("bins") if c["source"] == "config" else 0)
                for name, c in columns.items()
            },
        }

    assert header(models[0]) == header(models[1])
    assert models[0].preparation["public_types"]["age"] == "integer"
    assert "notes" in models[0].columns  # modelled though every value is missing
    ages = synth.sample(models[1], 500, seed=0).get_column("age").drop_nulls()
    assert (ages == ages.round(0)).all()  # one 37.5 does not make every age fractional


@pytest.mark.parametrize("epsilon", [0.1, 1.0, 100.0, 150.0, 2500.0])
def test_the_epsilon_asked_is_the_epsilon_recorded(epsilon):
    account = Accountant(epsilon, 1e-6, private_domain=True)
    account.spend("domain", account.rho_domain, account.delta_domain)
    account.spend("measurements", account.rho_mst)
    described = account.describe()
    assert described["epsilon_spent"] == pytest.approx(epsilon, rel=1e-9)
    assert described["delta_spent"] == pytest.approx(1e-6, rel=1e-9)


def test_the_gate_says_what_the_guarantee_covers_and_what_it_does_not():
    from synthpriv.dp import SPLIT_ROWS

    account = {"epsilon_spent": 1.0, "delta_spent": 1e-6, "guarantee": guarantee(SPLIT_ROWS)}
    gate = formal_privacy_gate(
        {"engine": "mst", "preparation": {"differential_privacy": account}}, Gates()
    )
    assert "one row added to or removed from the input file" in gate.message
    for item in ("exact numbers of input, training and holdout rows", "input file's hash"):
        assert item in gate.message
    given = {"epsilon_spent": 1.0, "delta_spent": 1e-6, "guarantee": guarantee()}
    gate = formal_privacy_gate(
        {"engine": "mst", "preparation": {"differential_privacy": given}}, Gates()
    )
    assert "the table the model was fitted on" in gate.message
