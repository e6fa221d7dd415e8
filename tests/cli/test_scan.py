"""scan: a reviewed schema survives a re-scan; user recognizers from Presidio-format YAML."""

import json

import polars as pl
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.status import ExitStatus

FAST = ["--nlp-model", "none"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_previous_schema_decisions_are_kept_and_changes_listed(tmp_path):
    data = tmp_path / "t.csv"
    pl.DataFrame(
        {"email": [f"user{i}@example.org" for i in range(50)], "n": [i % 7 for i in range(50)]}
    ).write_csv(data)
    schema = tmp_path / "s.json"
    assert invoke("scan", data, "-o", schema, *FAST).exit_code == 0
    reviewed = json.loads(schema.read_text())
    reviewed["columns"][0]["role"] = "none"  # the reviewer says: a shared mailbox, not a person
    reviewed["columns"][0]["action"] = "keep"
    schema.write_text(json.dumps(reviewed))
    pl.read_csv(data).with_columns(pl.col("n").alias("m")).write_csv(data)
    result = invoke("--json", "scan", data, "--previous", schema, "-o", tmp_path / "s2.json", *FAST)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["changes"] == [
        {"column": "email", "change": "role", "previous": "none", "current": "direct_identifier"},
        {"column": "m", "change": "added", "previous": None, "current": "none"},
    ]
    saved = json.loads((tmp_path / "s2.json").read_text())
    assert saved["columns"][0]["role"] == "none" and saved["columns"][0]["action"] == "keep"
    assert "changes" not in saved


def test_user_recognizers_from_yaml(tmp_path):
    yaml_file = tmp_path / "rec.yaml"
    yaml_file.write_text(
        "recognizers:\n"
        "  - name: EmployeeId\n"
        "    supported_entity: EMPLOYEE_ID\n"
        "    patterns:\n"
        "      - name: emp\n"
        "        regex: '\\bEMP-\\d{5}\\b'\n"
        "        score: 0.9\n"
    )
    data = tmp_path / "t.csv"
    pl.DataFrame({"c1": [f"EMP-{i:05d}" for i in range(0, 300, 7)]}).write_csv(data)
    result = invoke(
        "--json", "scan", data, "-o", tmp_path / "s.json", "--recognizers", yaml_file, *FAST
    )
    assert result.exit_code == 0, result.stderr
    column = json.loads(result.stdout)["columns"][0]
    assert column["role"] == "direct_identifier" and column["entities"][0]["type"] == "EMPLOYEE_ID"


def test_bad_recognizer_file_exit_4(tmp_path):
    data = tmp_path / "t.csv"
    pl.DataFrame({"a": [1, 2]}).write_csv(data)
    bad = tmp_path / "rec.yaml"
    bad.write_text("recognizers: [\n")
    result = invoke("scan", data, "--recognizers", bad, *FAST)
    assert result.exit_code == ExitStatus.CONFIG_ERROR
    assert result.stderr == f"error: {bad}: not valid YAML at line 2\n"
    bad.write_text("patterns: []\n")
    result = invoke("scan", data, "--recognizers", bad, *FAST)
    assert (
        result.stderr
        == f"error: {bad}: expected a top-level 'recognizers' list (Presidio's format)\n"
    )
