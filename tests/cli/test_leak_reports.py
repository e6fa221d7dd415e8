"""`synthpriv report` on files made to leak: exact exit codes, a verdict no seed moves."""

import json

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.status import ExitStatus
from tests import leak_shapes as shapes
from tests.population import SCAN, population, three_way


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("leaks")
    train, holdout, unseen = three_way(population(4000), seed=1)
    train.write_csv(folder / "train.csv")
    holdout.write_csv(folder / "holdout.csv")
    (folder / "schema.json").write_text(json.dumps(schema_for(train)))
    tables = {
        "unseen": unseen,
        "every_row_nudged": shapes.every_row_nudged(train),
        "two_columns_redrawn": shapes.two_columns_redrawn(train),
        "copies_5pct": shapes.copies_mixed_in(unseen, train, 0.05),
        "copies_10pct": shapes.copies_mixed_in(unseen, train, 0.10),
    }
    for name, table in tables.items():
        table.write_csv(folder / f"{name}.csv")
    return folder


def schema_for(frame: pl.DataFrame) -> dict:
    """A column schema as `synthpriv scan` writes it, with the population's roles."""
    roles = {c["name"]: c["role"] for c in SCAN["columns"]}
    kinds = {pl.Int64: "numerical", pl.Float64: "numerical"}
    return {
        "schema_version": "1",
        "columns": [
            {
                "name": name,
                "dtype": str(dtype),
                "kind": kinds.get(dtype, "categorical"),
                "role": roles.get(name, "none"),
                "entities": [],
                "evidence": {},
                "examples": [],
            }
            for name, dtype in frame.schema.items()
        ],
    }


def report(files, name, out, *extra):
    args = [
        "--json",
        "report",
        "--real",
        files / "train.csv",
        "--holdout",
        files / "holdout.csv",
        "--synthetic",
        files / f"{name}.csv",
        "--schema",
        files / "schema.json",
        "-o",
        out,
        *extra,
    ]
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    "name", ["every_row_nudged", "two_columns_redrawn", "copies_5pct", "copies_10pct"]
)
def test_the_first_audit_s_tables_exit_6_on_near_copies(files, tmp_path, name):
    result = report(files, name, tmp_path / "r")
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED, result.stderr
    gates = {g["name"]: g["status"] for g in json.loads(result.stdout)["gates"]}
    assert gates["near_copies"] == "FAIL"


def test_unseen_real_rows_exit_0_with_no_gate_failed(files, tmp_path):
    result = report(files, "unseen", tmp_path / "r")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "FAIL" not in {g["status"] for g in json.loads(result.stdout)["gates"]}


@pytest.mark.parametrize("name", ["unseen", "copies_5pct"])
def test_the_seed_moves_no_figure_and_no_verdict(files, tmp_path, name):
    reports = []
    for seed in (0, 1, 2):
        result = report(files, name, tmp_path / f"r{seed}", "--seed", seed)
        reports.append(json.loads((tmp_path / f"r{seed}" / "report.json").read_text()))
        assert reports[-1]["settings"].pop("seed") == seed
        assert result.exit_code == (
            ExitStatus.SUCCESS if name == "unseen" else ExitStatus.PRIVACY_GATE_FAILED
        )
    reports = [{k: v for k, v in r.items() if k != "provenance"} for r in reports]
    assert reports[0] == reports[1] == reports[2]
