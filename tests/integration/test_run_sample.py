"""The whole job on the shipped healthcare sample, with real Presidio, real SDV and real files."""

from __future__ import annotations

import json

import jsonschema
import polars as pl
import pytest

from synthpriv.config import RunConfig
from synthpriv.pipeline import run
from synthpriv.schema import load_json_schema
from synthpriv.status import ExitStatus
from tests.conftest import SAMPLE

pytestmark = pytest.mark.integration
OUTPUTS = [
    "audit.json",
    "manifest.json",
    "model.synthpriv",
    "report.html",
    "report.json",
    "schema.json",
    "synthetic.csv",
]
IDENTIFIERS = ["patient_name", "ssn", "mrn", "address", "phone", "email", "insurance_id"]


BEFORE: dict[str, str] = {}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    import hashlib

    out = tmp_path_factory.mktemp("runs") / "a"
    source = SAMPLE / "healthcare.csv"
    BEFORE["sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
    BEFORE["mtime"] = str(source.stat().st_mtime_ns)
    return run(source, out, RunConfig(seed=11, nlp_model="none"))


def test_outputs_exist_and_validate(first_run):
    out = first_run.output
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, load_json_schema("report"))
    jsonschema.validate(
        json.loads((out / "schema.json").read_text()), load_json_schema("column-schema")
    )
    assert first_run.exit_status == ExitStatus.SUCCESS
    assert report["verdict"] in ("PASS", "WARN")
    synthetic = pl.read_csv(out / "synthetic.csv", infer_schema_length=None)
    manifest = json.loads((out / "manifest.json").read_text())
    assert synthetic.height == report["data"]["train_rows"] == manifest["rows"]["train"]
    assert 1500 <= manifest["rows"]["train"] <= 1700  # four fifths of 2,000, up to chance
    assert not set(IDENTIFIERS) & set(synthetic.columns)


def test_manifest_records_provenance(first_run):
    manifest = json.loads((first_run.output / "manifest.json").read_text())
    import hashlib

    expected = hashlib.sha256((SAMPLE / "healthcare.csv").read_bytes()).hexdigest()
    assert manifest["input"]["sha256"] == expected
    assert manifest["seed"] == 11 and manifest["versions"]["sdv"]
    assert set(manifest["outputs"]) == set(OUTPUTS) - {"manifest.json"}


def test_no_identifier_value_reaches_any_output(first_run):
    original = pl.read_csv(SAMPLE / "healthcare.csv", infer_schema=False)
    texts = {
        name: (first_run.output / name).read_text(encoding="utf-8")
        for name in OUTPUTS
        if name != "model.synthpriv"
    }
    texts["model.synthpriv"] = (first_run.output / "model.synthpriv").read_bytes().decode("latin-1")
    for column in IDENTIFIERS:
        for value in original[column].unique().to_list():
            for name, text in texts.items():
                assert value not in text, f"a value of {column} appears in {name}"


def test_same_seed_same_bytes(first_run, tmp_path):
    again = run(SAMPLE / "healthcare.csv", tmp_path / "b", RunConfig(seed=11, nlp_model="none"))
    for name in OUTPUTS:
        if name not in ("manifest.json", "model.synthpriv"):
            assert (again.output / name).read_bytes() == (first_run.output / name).read_bytes(), (
                name
            )
    # the model file: the same header and payload (the signature is the key's, checked apart)
    models = [
        (r.output / "model.synthpriv").read_bytes().split(b"\n", 2) for r in (first_run, again)
    ]
    headers = [json.loads(m[1]) for m in models]
    for header in headers:
        header.pop("hmac_sha256")
    assert headers[0] == headers[1] and models[0][2] == models[1][2]
    # the manifest differs only where it says it does
    first, second = (
        json.loads((r.output / "manifest.json").read_text()) for r in (first_run, again)
    )
    assert first["differs_between_runs"] == [
        "created_at",
        "timings_seconds",
        "config.input",
        "config.output",
    ]
    for manifest in (first, second):
        manifest["outputs"].pop("model.synthpriv")  # compared above, without its signature
        for key in first["differs_between_runs"]:
            parent, _, child = key.rpartition(".")
            (manifest[parent] if parent else manifest).pop(child)
    assert first == second


def test_input_is_untouched(first_run):
    import hashlib

    source = SAMPLE / "healthcare.csv"
    after = hashlib.sha256(source.read_bytes()).hexdigest()
    assert after == BEFORE["sha256"]  # the bytes read before the run, not the run's own record
    assert str(source.stat().st_mtime_ns) == BEFORE["mtime"]
    manifest = json.loads((first_run.output / "manifest.json").read_text())
    assert manifest["input"]["sha256"] == BEFORE["sha256"]
