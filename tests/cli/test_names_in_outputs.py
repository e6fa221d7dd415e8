"""Names never reach an output: not the synthetic table, the model, the report's labels.

The tables are the officer's issue's: a column of three physicians' names over 400 rows (a name
however often it repeats), and `report` run on a table nobody cleaned.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.report.builder import HIDDEN_LABEL, hide_identifier_labels
from synthpriv.status import ExitStatus

PHYSICIANS = ["Hélène Dupré", "Tadeusz Okonkwo", "Siobhan Nakamura"]
ADVISERS = PHYSICIANS + ["Mireille Castellano", "Joaquim Abernathy", "Ingrid Oyelaran"]


def _every_output(folder: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "ignore") for p in folder.rglob("*") if p.is_file()
    )


def test_run_keeps_three_repeated_physician_names_out_of_every_file(tmp_path):
    rng = random.Random(4)
    pl.DataFrame(
        {
            "nom": [PHYSICIANS[i % 3] for i in range(400)],
            "age": [rng.randint(20, 90) for _ in range(400)],
            "ward": [rng.choice("ABCD") for _ in range(400)],
            "los_days": [rng.randint(1, 30) for _ in range(400)],
        }
    ).write_csv(tmp_path / "ward.csv")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "ward.csv"), "-o", str(tmp_path / "o"), "--nlp-model", "none"]
    )
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    schema = json.loads((tmp_path / "o" / "schema.json").read_text())
    nom = next(c for c in schema["columns"] if c["name"] == "nom")
    assert nom["role"] == "direct_identifier"
    written = _every_output(tmp_path / "o")
    for name in PHYSICIANS:
        for part in name.split():
            assert part not in written


def test_report_on_a_table_nobody_cleaned_prints_no_name_and_fails(tmp_path):
    rng = random.Random(5)
    raw = pl.DataFrame(
        {
            "nom": [rng.choice(ADVISERS) for _ in range(400)],
            "segment": [rng.choice(["retail", "sme", "corp"]) for _ in range(400)],
            "balance": [rng.randint(0, 90_000) for _ in range(400)],
        }
    )
    raw.write_csv(tmp_path / "raw.csv")
    result = CliRunner().invoke(
        cli,
        ["report", "--real", str(tmp_path / "raw.csv"), "--synthetic", str(tmp_path / "raw.csv")]
        + ["-o", str(tmp_path / "r")],
    )
    assert result.exit_code == ExitStatus.PRIVACY_GATE_FAILED
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    residual = next(g for g in report["gates"] if g["name"] == "residual_pii")
    assert residual["status"] == "FAIL" and "(nom)" in residual["message"]
    assert report["privacy"]["identifier_columns"] == ["nom"]
    assert "nom" not in report["distributions"]
    written = _every_output(tmp_path / "r")
    assert not any(name in written for name in ADVISERS)


def test_a_label_that_is_an_identifiers_value_is_hidden_and_said():
    charts = {
        "referred_by": {"type": "categories", "labels": ["Hélène Dupré", "clinic", "(other)"]},
        "ward": {"type": "categories", "labels": ["A", "B"]},
    }
    found = hide_identifier_labels(charts, [pl.Series(["Hélène Dupré ", "Tadeusz Okonkwo"])])
    assert charts["referred_by"]["labels"] == [HIDDEN_LABEL, "clinic", "(other)"]
    assert charts["ward"]["labels"] == ["A", "B"]
    assert found == [
        "1 chart label(s) of 'referred_by' are values of a direct identifier (hidden in this "
        "report)"
    ]
    assert "Dupré" not in found[0]


@pytest.mark.parametrize("values", [[], [pl.Series([], dtype=pl.String)]])
def test_no_identifier_values_hide_nothing(values):
    charts = {"ward": {"type": "categories", "labels": ["A", "B"]}}
    assert hide_identifier_labels(charts, values) == []
    assert charts["ward"]["labels"] == ["A", "B"]


def test_json_is_accepted_after_the_command_as_cron_lines_write_it(tmp_path):
    pl.DataFrame({"a": list(range(40)), "b": ["x", "y"] * 20}).write_csv(tmp_path / "t.csv")
    args = ["--real", str(tmp_path / "t.csv"), "--synthetic", str(tmp_path / "t.csv")]
    after = CliRunner().invoke(cli, ["report", *args, "-o", str(tmp_path / "a"), "--json"])
    before = CliRunner().invoke(cli, ["--json", "report", *args, "-o", str(tmp_path / "b")])
    assert after.exit_code == before.exit_code == ExitStatus.PRIVACY_GATE_FAILED  # row order
    assert json.loads(after.stdout)["verdict"] == json.loads(before.stdout)["verdict"]


def test_an_identifiers_empty_cells_and_short_values_hide_no_label():
    """An ip column of 0.0.0.0 and quoted empty cells, an address line of flat numbers, a dog's
    name "None": their "", "1" and "None" hid other columns' chart labels and failed the run."""
    from synthpriv.pipeline import identifier_values
    from synthpriv.schema import ColumnInfo, Kind, Role, TableSchema

    frame = pl.DataFrame(
        {"ip": ["0.0.0.0", "", "None"], "address2": ["1", "Apt 4B", None], "name": ["Bo"] * 3}
    )
    schema = TableSchema(
        [
            ColumnInfo("ip", "String", Kind.CATEGORICAL, Role.DIRECT_IDENTIFIER),
            ColumnInfo("address2", "String", Kind.CATEGORICAL, Role.DIRECT_IDENTIFIER),
        ]
    )
    values = identifier_values(frame, schema)
    charts = {"campaign": {"type": "categories", "labels": ["", "spring", "1", "None"]}}
    assert hide_identifier_labels(charts, values) == []
    assert sorted(v for s in values for v in s.to_list()) == ["0.0.0.0", "Apt 4B"]
