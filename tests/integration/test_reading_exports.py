"""Real exports read right: the MIMIC demo's spreadsheet-damaged dates, every shared table, and
``run`` on timestamps in the forms systems write."""

from __future__ import annotations

import datetime as dt
import json
import logging

import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv.cli import cli
from synthpriv.io import load_folder, load_table
from synthpriv.report import exit_status_for
from synthpriv.report.model import Report
from tests.conftest import SHARED_DATA

MIMIC = SHARED_DATA / "relational-dev" / "mimic3-demo"
needs_mimic = pytest.mark.skipif(
    not MIMIC.is_dir(), reason=f"the relational development corpus is not at {MIMIC}"
)


@needs_mimic
def test_the_same_persons_dates_agree_across_the_mimic_tables():
    tables = load_folder(MIMIC)
    for name, result in tables.items():
        for column in result.frame.columns:
            if any(w in column for w in ("TIME", "DATE", "DOB", "DOD")):
                assert result.frame.schema[column].is_temporal(), f"{name}.{column}"
    admissions = tables["ADMISSIONS"].frame
    patients = tables["PATIENTS"].frame
    icu = tables["ICUSTAYS"].frame
    # ADMISSIONS went through a spreadsheet (10/23/64 21:09), ICUSTAYS did not (2164-10-23 ...)
    first_icu = icu.group_by("HADM_ID").agg(pl.col("INTIME").min())
    joined = admissions.join(first_icu, on="HADM_ID")
    days = (joined["INTIME"] - joined["ADMITTIME"]).dt.total_hours() / 24
    assert joined.height > 100 and days.min() >= -1 and days.max() <= 60
    assert admissions.filter(pl.col("DISCHTIME") < pl.col("ADMITTIME")).height == 0
    # PATIENTS: 3/5/94 0:00 beside 1895-05-17 00:00:00 (ages over 89, kept as text)
    first = admissions.group_by("SUBJECT_ID").agg(pl.col("ADMITTIME").min())
    people = patients.join(first, on="SUBJECT_ID")
    age = (people["ADMITTIME"] - people["DOB"]).dt.total_days() / 365.25
    assert people.height == 100 and age.min() > 10 and age.max() <= 301
    died = people.filter(pl.col("DOD").is_not_null())
    assert ((died["DOD"] - died["ADMITTIME"]).dt.total_hours() >= -24).all()
    rule = tables["PATIENTS"].facts["two_digit_years"]["DOB"]
    assert "ADMISSIONS (by SUBJECT_ID)" in rule


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"no shared data at {SHARED_DATA}")
def test_every_shared_table_reads_without_an_internal_error(caplog):
    caplog.set_level(logging.ERROR)
    files = sorted(p for p in SHARED_DATA.rglob("*") if p.suffix in (".csv", ".parquet"))
    assert len(files) >= 15
    for path in files:
        result = load_table(path)
        assert result.frame.height > 0, path.name


def _when(form, n=300):
    base = dt.datetime(2014, 10, 14, 4, 17, 47, 250000)
    out = []
    for i in range(n):
        t = base + dt.timedelta(days=(i * 37) % 1500, minutes=(i * 613) % 1440)
        out.append(form(t))
    return out


RUN_FORMS = {
    "iso_z": lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "iso_offset": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
    "iso_fraction_z": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z",
    "us_12_hour": lambda t: t.strftime("%m/%d/%Y %I:%M %p"),
    "day_month_name": lambda t: t.strftime("%d %b %Y"),
    "dotted": lambda t: t.strftime("%d.%m.%Y"),
    "epoch_ms": lambda t: str(int(t.replace(tzinfo=dt.UTC).timestamp() * 1000)),
}


@pytest.mark.parametrize("form", list(RUN_FORMS))
def test_run_reads_and_writes_back_each_timestamp_form(tmp_path, form):
    """A column ``when`` in each form of the issue's table: ``run`` reads and writes it back."""
    when = _when(RUN_FORMS[form])
    frame = pl.DataFrame(
        {
            "when": when,
            "amount": [str(50 + (i * 7919) % 400) for i in range(len(when))],
            "city": [("Oslo", "Lima", "Pune")[i % 3] for i in range(len(when))],
        }
    )
    frame.write_csv(tmp_path / "t.csv")
    before = (tmp_path / "t.csv").read_bytes()
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "t.csv"), "-o", str(tmp_path / "o"), "--nlp-model", "none"]
    )
    # the run ends with its gates' code (a table of 280 rows may fail one: that is the report's
    # business here, not the reading's), never with a reading error
    report = Report.from_dict(json.loads((tmp_path / "o" / "report.json").read_text()))
    assert result.exit_code == int(exit_status_for(report)), result.stderr
    assert (tmp_path / "t.csv").read_bytes() == before
    schema = json.loads((tmp_path / "o" / "schema.json").read_text())
    column = next(c for c in schema["columns"] if c["name"] == "when")
    assert column["kind"] == "datetime" and column["role"] != "direct_identifier"
    written = pl.read_csv(tmp_path / "o" / "synthetic.csv", infer_schema=False)["when"]
    # written back in the input's form: the same parse reads it
    again = load_table(tmp_path / "o" / "synthetic.csv").frame
    assert again.schema["when"].is_temporal() or form == "epoch_ms"
    assert written.str.len_chars().max() == frame["when"].str.len_chars().max()


def test_the_step_by_step_flow_keeps_the_zone_to_the_sampled_table(tmp_path):
    """split, scan, clean, fit, sample: each writes the times as the input did (with Z)."""
    when = _when(RUN_FORMS["iso_z"], 200)
    pl.DataFrame(
        {"when": when, "amount": [str(50 + (i * 7919) % 400) for i in range(200)]}
    ).write_csv(tmp_path / "t.csv")

    def call(*args):
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 0, result.stderr

    call("split", tmp_path / "t.csv", "-o", tmp_path / "parts")
    call("scan", tmp_path / "parts" / "train.csv", "-o", tmp_path / "s.json", "--nlp-model", "none")
    call(
        "clean",
        tmp_path / "parts" / "train.csv",
        "--schema",
        tmp_path / "s.json",
        "-o",
        tmp_path / "clean.csv",
    )
    call(
        "fit",
        tmp_path / "clean.csv",
        "--schema",
        tmp_path / "clean.csv.schema.json",
        "-o",
        tmp_path / "m.synthpriv",
    )
    call("sample", tmp_path / "m.synthpriv", "-n", 50, "-o", tmp_path / "syn.csv")
    for table in ("parts/train.csv", "clean.csv", "syn.csv"):
        values = pl.read_csv(tmp_path / table, infer_schema=False)["when"]
        assert values.str.contains(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").all(), table
