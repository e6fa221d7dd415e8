"""The audit's leaks on UCI Adult, through the commands an auditor used; and what must pass.

The flow is the issue's: ``split`` → ``scan`` → ``clean --holdout`` → a table made to leak →
``report --holdout --schema``. Real rows the report is not given ("unseen" rows: what a perfect
generator draws) are split off first. The default engine runs on Adult and bank marketing with
``run`` and no flag. Skipped with a reason when ../shared/data is absent.
"""

import json

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.status import ExitStatus
from tests import leak_shapes as shapes
from tests.conftest import SHARED_DATA

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not (SHARED_DATA / "adult.csv").is_file(),
        reason=f"{SHARED_DATA} not present (benchmark data lives outside the repo)",
    ),
]


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    """Adult split as the auditor did, cleaned; the unseen rows cleaned the same way."""
    folder = tmp_path_factory.mktemp("adult")
    assert invoke("split", SHARED_DATA / "adult.csv", "-o", folder / "all").exit_code == 0
    # the holdout of the first split is never shown to the report: unseen real people
    assert invoke("split", folder / "all" / "train.csv", "-o", folder / "parts").exit_code == 0
    scan = invoke(
        "scan", folder / "parts" / "train.csv", "-o", folder / "s.json", "--nlp-model", "none"
    )
    assert scan.exit_code == 0, scan.stderr
    for holdout, name in (
        (folder / "parts" / "holdout.csv", "clean"),
        (folder / "all" / "holdout.csv", "unseen"),
    ):
        result = invoke(
            "clean",
            folder / "parts" / "train.csv",
            "--schema",
            folder / "s.json",
            "--holdout",
            holdout,
            "-o",
            folder / f"{name}.csv",
            "--nlp-model",
            "none",
        )
        assert result.exit_code == 0, result.stderr
    return folder


def tables(folder):
    read = lambda name: pl.read_csv(folder / name, infer_schema_length=None)  # noqa: E731
    return read("clean.csv"), read("clean.holdout.csv"), read("unseen.holdout.csv")


def report(folder, synthetic, out):
    path = folder / f"{out}.csv"
    synthetic.write_csv(path)
    result = invoke(
        "--json",
        "report",
        "--real",
        folder / "clean.csv",
        "--holdout",
        folder / "clean.holdout.csv",
        "--synthetic",
        path,
        "--schema",
        folder / "clean.csv.schema.json",
        "-o",
        folder / out,
    )
    gates = {g["name"]: g["status"] for g in json.loads(result.stdout)["gates"]}
    return result.exit_code, gates


CASES = {
    "every_row_nudged": lambda t, h, u: shapes.every_row_nudged(t),
    "two_columns_redrawn": lambda t, h, u: shapes.two_columns_redrawn(t),
    "copies_5pct": lambda t, h, u: shapes.copies_mixed_in(u, t, 0.05),
    "copies_10pct": lambda t, h, u: shapes.copies_mixed_in(u, t, 0.10),
    "rare_value_holders_copied_0.5pct": lambda t, h, u: shapes.rare_value_holders_copied(
        u, t, 0.005
    ),
    "holdout_offered": lambda t, h, u: shapes.holdout_offered(h),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_audit_s_tables_exit_6(audit, case):
    code, gates = report(audit, CASES[case](*tables(audit)), case)
    assert code == ExitStatus.PRIVACY_GATE_FAILED
    assert "FAIL" in gates.values()
    if case in ("every_row_nudged", "two_columns_redrawn", "copies_5pct", "copies_10pct"):
        assert gates["near_copies"] == "FAIL"


def test_unseen_real_rows_pass(audit):
    code, gates = report(audit, tables(audit)[2], "unseen_offered")
    assert code == ExitStatus.SUCCESS
    assert "FAIL" not in gates.values()


def test_a_memorizing_cart_engine_exits_6(audit):
    model = audit / "memorizing.synthpriv"
    params = shapes.as_cli_params(shapes.memorizing_engine_params())
    fitted = invoke(
        "fit",
        audit / "clean.csv",
        "--schema",
        audit / "clean.csv.schema.json",
        "-o",
        model,
        "--keep-rare",
        *params,
    )
    assert fitted.exit_code == 0, fitted.stderr
    sampled = audit / "memorizing.csv"
    assert invoke("sample", model, "-n", 26_049, "-o", sampled).exit_code == 0
    code, gates = report(audit, pl.read_csv(sampled, infer_schema_length=None), "memorizing")
    assert code == ExitStatus.PRIVACY_GATE_FAILED
    assert gates["near_copies"] == "FAIL"


@pytest.mark.parametrize("table", ["adult.csv", "bank_marketing.csv"])
def test_the_default_engine_passes_every_gate(tmp_path, table):
    result = invoke(
        "--json", "run", SHARED_DATA / table, "-o", tmp_path / "r", "--nlp-model", "none"
    )
    summary = json.loads(result.stdout)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert [g["name"] for g in summary["gates"] if g["status"] == "FAIL"] == []
