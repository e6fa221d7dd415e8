"""The library under the CLI: each command's workflow called as a function, no CLI involved."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest

from synthpriv import api
from synthpriv.config import RunConfig
from synthpriv.errors import ConfigError, OutputError
from synthpriv.executors.rows import HOLDOUT, with_hashes
from synthpriv.io import load_table
from synthpriv.report import exit_status_for
from synthpriv.status import ExitStatus
from tests.conftest import SAMPLE
from tests.fakes import FakeSynthesizer

FAST = RunConfig(nlp_model="none")


@pytest.fixture
def table(tmp_path) -> Path:
    path = tmp_path / "in.csv"
    pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False).head(200).write_csv(path)
    return path


def test_split_writes_train_and_holdout_with_the_configured_share(tmp_path, table):
    config = dataclasses.replace(FAST, holdout_share=0.25, seed=7)
    result = api.split(table, tmp_path / "parts", config)
    # the rows a run holds out with this seed: by a hash of each row, a quarter up to chance
    frame = load_table(table).frame
    held = with_hashes(frame, 7, 0.25).get_column(HOLDOUT)
    assert result.rows == {"train": 200 - held.sum(), "holdout": held.sum()}
    assert 30 <= held.sum() <= 70
    assert (result.train, result.holdout) == (
        tmp_path / "parts" / "train.csv",
        tmp_path / "parts" / "holdout.csv",
    )
    assert pl.read_csv(result.holdout).height == held.sum()
    assert set(result.files) == {"train.csv", "holdout.csv"}  # the manifest lists the outputs
    manifest = json.loads((tmp_path / "parts" / "manifest.json").read_text())
    assert (manifest["seed"], manifest["holdout_share"]) == (7, 0.25)
    again = api.split(table, tmp_path / "again", config)
    assert pl.read_csv(again.holdout).equals(pl.read_csv(result.holdout))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.seed = 1  # type: ignore[misc]


def test_split_refuses_an_existing_output(tmp_path, table):
    (tmp_path / "parts").mkdir()
    with pytest.raises(OutputError, match="output already exists"):
        api.split(table, tmp_path / "parts", FAST)


def test_scan_writes_the_schema_and_returns_it(tmp_path, table):
    result = api.scan(table, tmp_path / "s.json", FAST)
    assert result.rows == 200
    assert result.changes is None
    written = json.loads((tmp_path / "s.json").read_text())
    assert written == result.to_dict()
    roles = {c.name: c.role for c in result.schema.columns}
    assert roles["ssn"] == "direct_identifier"
    again = api.scan(table, tmp_path / "t.json", FAST, previous=tmp_path / "s.json")
    assert again.changes == []
    assert "changes" in again.to_dict()


def test_clean_drops_identifiers_and_writes_table_audit_and_schema(tmp_path, table):
    api.scan(table, tmp_path / "s.json", FAST)
    result = api.clean(table, tmp_path / "s.json", tmp_path / "clean.csv", FAST)
    assert "ssn" in result.dropped
    assert result.policy == "strict"
    assert result.audit_path == tmp_path / "clean.csv.audit.json"
    assert result.schema_path.is_file() and result.audit_path.is_file()
    cleaned = pl.read_csv(result.output)
    assert "ssn" not in cleaned.columns and cleaned.height == 200
    with pytest.raises(ConfigError, match="--holdout-output needs --holdout"):
        api.clean(table, tmp_path / "s.json", tmp_path / "c2.csv", FAST, holdout_output="h.csv")


def test_fit_uses_the_configs_engine_settings_through_the_given_synthesizer(tmp_path, table):
    api.scan(table, tmp_path / "s.json", FAST)
    api.clean(table, tmp_path / "s.json", tmp_path / "clean.csv", FAST)
    fake = FakeSynthesizer()
    config = dataclasses.replace(FAST, fit_rows=150, seed=3, keep_rare=True)
    result = api.fit(tmp_path / "clean.csv", tmp_path / "m.json", config, synthesizer=fake)
    (call,) = fake.fit_calls
    assert (call["fit_rows"], call["seed"], call["keep_rare"], call["engine"]) == (
        150,
        3,
        True,
        "cart",
    )
    assert result.model is fake.fitted[0]
    assert json.loads(result.output.read_text()) == result.header["model"]


def test_run_returns_the_report_its_files_and_exit_status_and_prints_nothing(
    tmp_path, table, capsys
):
    result = api.run(table, tmp_path / "run", FAST, synthesizer=FakeSynthesizer())
    assert capsys.readouterr() == ("", "")
    assert isinstance(result.exit_status, ExitStatus)
    assert result.exit_status == exit_status_for(result.report)
    assert result.files[-1] == "manifest.json"
    assert {"synthetic.csv", "report.json", "model.synthpriv"} <= set(result.files)
    assert all((tmp_path / "run" / name).exists() for name in result.files)
    assert json.loads((tmp_path / "run" / "report.json").read_text())["gates"]


def test_run_takes_input_and_output_from_the_config(tmp_path, table):
    with pytest.raises(ConfigError, match="give INPUT on the command line"):
        api.run(None, tmp_path / "run", FAST)
    with pytest.raises(ConfigError, match="give -o/--output"):
        api.run(table, None, FAST)


def test_one_orchestrator_whatever_the_executor(tmp_path, table, monkeypatch):
    """api.run hands a Spark run to pipeline.run like any other: the config picks the executor."""
    from synthpriv import pipeline

    seen = []

    def orchestrator(input_path, output, config, **kwargs):
        seen.append(config.spark_master)
        raise ConfigError("stop here")

    monkeypatch.setattr(pipeline, "run", orchestrator)
    for master in (None, "local[1]"):
        with pytest.raises(ConfigError, match="stop here"):
            api.run(table, tmp_path / "o", dataclasses.replace(FAST, spark_master=master))
    assert seen == [None, "local[1]"]


def test_the_step_by_step_workflow_as_library_calls(tmp_path, table):
    """split, scan, clean, fit, sample and report chained as the CLI chains them."""
    parts = api.split(table, tmp_path / "parts", FAST)
    api.scan(parts.train, tmp_path / "s.json", FAST)
    cleaned = api.clean(
        parts.train, tmp_path / "s.json", tmp_path / "clean.csv", FAST, holdout=parts.holdout
    )
    assert cleaned.holdout_output == tmp_path / "clean.holdout.csv"
    fitted = api.fit(cleaned.output, tmp_path / "m.synthpriv", FAST, schema=cleaned.schema_path)
    drawn = api.sample(fitted.output, tmp_path / "syn.csv", 60, FAST)
    assert (drawn.rows, drawn.filtered) == (60, None)
    assert pl.read_csv(drawn.output).columns == drawn.columns
    filtering = dataclasses.replace(FAST, privacy_filter=True)
    with pytest.raises(ConfigError, match="--privacy-filter needs --holdout"):
        api.sample(fitted.output, tmp_path / "f.csv", 60, filtering, train=cleaned.output)
    checked = api.sample(
        fitted.output,
        tmp_path / "f.csv",
        60,
        filtering,
        train=cleaned.output,
        holdout=cleaned.holdout_output,
    )
    assert checked.to_dict()["filter"]["checks"]["privacy"] is True
    report = api.report(
        cleaned.output, drawn.output, tmp_path / "rep", FAST, holdout=cleaned.holdout_output
    )
    assert report.files == ["report.json", "report.html"]
    assert report.exit_status == exit_status_for(report.report)
    assert (tmp_path / "rep" / "manifest.json").is_file()
    unbaselined = api.report(cleaned.output, drawn.output, tmp_path / "rep2", FAST)
    assert unbaselined.exit_status == ExitStatus.INCOMPLETE


def test_init_config_writes_the_starter_that_loads_to_the_defaults(tmp_path):
    from synthpriv.config import load_config

    path = api.init_config(tmp_path / "job.toml")
    assert load_config(path) == RunConfig()
    with pytest.raises(OutputError, match="output already exists"):
        api.init_config(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"holdout_share": 0.6}, "holdout_share: 0.6 is not in the range 0<x<=0.5"),
        ({"fit_rows": 10}, "fit_rows: 10 is not in the range x>=100"),
        ({"scan_budget": 5}, "scan_budget: 5 is not in the range 10<=x<=100000"),
    ],
)
def test_a_config_built_in_code_is_held_to_the_same_ranges(tmp_path, table, change, message):
    with pytest.raises(ConfigError, match=message):
        api.split(table, tmp_path / "parts", dataclasses.replace(FAST, **change))
    assert not (tmp_path / "parts").exists()


def test_a_run_fitting_on_a_sample_tells_fit_how_many_rows_it_was_drawn_from(tmp_path, table):
    fake = FakeSynthesizer()
    api.run(table, tmp_path / "all", FAST, synthesizer=fake)
    assert fake.fit_calls[-1]["sampled_from_rows"] is None  # fitted on every training row
    sampled = dataclasses.replace(FAST, fit_rows=100)
    api.run(table, tmp_path / "some", sampled, synthesizer=fake)
    assert fake.fitted[-1].training_rows == 100
    assert fake.fit_calls[-1]["sampled_from_rows"] == fake.fitted[0].training_rows > 100
