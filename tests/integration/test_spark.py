"""The whole job on Apache Spark in local[2]: real Spark, real Presidio, real files.

One Spark session serves the module (start-up is paid once). The tables are written here from
short hand-made lists, not Faker. Skipped with the reason when PySpark or Java 17+ is missing;
``make test`` installs the ``spark`` extra, so CI runs them.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from synthpriv import pipeline, synth
from synthpriv.clean import find_leaks
from synthpriv.cli import cli
from synthpriv.config import RunConfig
from synthpriv.errors import ConfigError, EnvironmentMissingError
from synthpriv.report.gates import exit_status_for
from synthpriv.report.model import Report
from synthpriv.schema import ColumnInfo, Entity, Kind, Role, TableSchema, load_json_schema
from synthpriv.status import ExitStatus

pytest.importorskip("pyspark", reason="PySpark not installed: pip install 'synthpriv[spark]'")
from synthpriv.executors import spark as sp  # noqa: E402

pytestmark = pytest.mark.integration

FIRST = ["Aurelio", "Bronwyn", "Casimir", "Delphine", "Evander", "Fenella", "Gideon", "Hester"]
LAST = ["Abernathy", "Blackwood", "Castellanos", "Delacroix", "Ekwueme", "Fairweather", "Gallo"]
OUTPUTS = {"audit.json", "manifest.json", "model.synthpriv", "report.html", "report.json"}
FAST = ["--nlp-model", "none", "--seed", "5"]


def _java_ok() -> bool:
    try:
        sp.check_java()
    except EnvironmentMissingError:
        return False
    return True


@pytest.fixture(scope="module")
def spark():
    if not _java_ok():
        pytest.skip("Spark needs Java 17+, not installed here")
    with sp.session("local[2]", {"spark.sql.shuffle.partitions": "4"}) as session:
        yield session


def claims(rows: int, seed: int = 3) -> pl.DataFrame:
    """A claims table: names, SSNs, e-mails and statistics that depend on each other."""
    rng = np.random.default_rng(seed)
    first = np.asarray(FIRST)[rng.integers(0, len(FIRST), rows)]
    last = np.asarray(LAST)[rng.integers(0, len(LAST), rows)]
    serial = rng.permutation(np.arange(1000, 1000 + rows))
    age = rng.integers(20, 90, rows)
    plan = np.asarray(["bronze", "silver", "gold"])[rng.integers(0, 3, rows)]
    return pl.DataFrame(
        {
            "full_name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
            "ssn": [f"{123 + i % 500:03d}-{45 + i % 40:02d}-{s:04d}" for i, s in enumerate(serial)],
            "email": [
                f"{a.lower()}.{b.lower()}{s}@example.org"
                for a, b, s in zip(first, last, serial, strict=True)
            ],
            "age": age,
            "plan": plan,
            "visits": rng.poisson(1 + age / 30),
            "amount": np.round(rng.lognormal(5 + age / 60, 0.5), 2),
        }
    )


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[pl.DataFrame, Path]:
    frame = claims(1500)
    folder = tmp_path_factory.mktemp("lake") / "claims.parquet"
    folder.mkdir()
    for number, part in enumerate(frame.iter_slices(500)):  # three part files
        part.write_parquet(folder / f"part-{number}.parquet")
    return frame, folder


def _identifiers_in(out: Path, frame: pl.DataFrame) -> list[str]:
    needles = frame.get_column("ssn").to_list() + frame.get_column("email").to_list()
    found = []
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}" for n in needles if n.encode() in data]
    return found


FIT_ROWS = 1000  # fewer than the training rows: the every-row stages run


@pytest.fixture(scope="module")
def spark_run(spark, table, tmp_path_factory):
    """The run, and how many times it cleaned a Spark frame's rows."""
    from synthpriv import pipeline

    out = tmp_path_factory.mktemp("runs") / "spark"
    cleanings = []
    stage = pipeline.cleaning_stage

    def counted(*args):
        cleanings.append(args[0])
        return stage(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "cleaning_stage", counted)
        result = CliRunner().invoke(
            cli,
            ["--json", "run", str(table[1]), "-o", str(out), "--spark", "local[2]", *FAST]
            + ["--fit-rows", str(FIT_ROWS)],
        )
    return result, out, len(cleanings)


def test_a_spark_run_writes_every_output_and_no_input_identifier(spark_run, table):
    result, out, cleanings = spark_run
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, load_json_schema("report"))
    status = exit_status_for(Report.from_dict(report))
    assert result.exit_code == int(status) == ExitStatus.SUCCESS, result.output
    assert sorted(json.loads(result.stdout)["files"]) == sorted(
        OUTPUTS | {"schema.json", "synthetic.csv"}
    )
    assert _identifiers_in(out, table[0]) == []
    scale = report["data"]["scale_out"]
    assert scale["rows"]["input"] == 1500
    assert scale["rows"]["train"] + scale["rows"]["holdout"] == 1500
    assert scale["rows"]["synthetic"] == scale["rows"]["train"]
    # measured on seeded samples of fit_rows rows; the copies and searches on every row
    assert scale["measured_on"]["train"] == report["data"]["train_rows"] == FIT_ROWS
    assert scale["measured_on"]["synthetic"] == report["data"]["synthetic_rows"] == FIT_ROWS
    assert pl.read_csv(out / "synthetic.csv").height == scale["rows"]["synthetic"]
    audit = json.loads((out / "audit.json").read_text())
    assert set(audit["dropped"]) == {"full_name", "ssn", "email"}
    assert audit["verification"]["value_search_rows"] == scale["rows"]["train"]
    copies = report["privacy"]["exact_copies"]
    assert copies["rows"] == {
        "synthetic": scale["rows"]["synthetic"],
        "holdout": scale["rows"]["holdout"],
        "train": scale["rows"]["train"],
    }
    assert copies["compared_with"].startswith("all training rows (every row, in Spark")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input"]["read_by"] == "spark"
    assert manifest["input"]["content_fingerprint"].startswith("rowhash64:")
    page = (out / "report.html").read_text()
    assert "Run on Apache Spark (local[2]): 1,500 real rows" in page
    assert f"Compared with all {scale['rows']['train']:,} training rows." in page
    # the training rows once (the search's, kept for the exact copies), the holdout once
    assert cleanings == 2


def test_the_same_seed_gives_the_same_rows_whatever_the_partitioning(
    spark, spark_run, table, tmp_path
):
    _, first, _ = spark_run
    one_file = tmp_path / "claims-one.parquet"
    table[0].write_parquet(one_file)
    again = tmp_path / "again"
    config = RunConfig(
        seed=5,
        nlp_model="none",
        spark_master="local[2]",
        spark_single_file_rows=100,
        fit_rows=FIT_ROWS,
    )
    result = pipeline.run(one_file, again, config)
    # more rows than single_file_rows: a folder of part files with the same rows, in order
    assert not (again / "synthetic.csv").exists()
    written = pl.read_parquet(sorted((again / "synthetic.parquet").glob("*.parquet")))
    before = pl.read_csv(first / "synthetic.csv", schema=written.schema)
    assert written.equals(before)
    assert (
        result.report.data.scale_out["rows"]
        == json.loads((first / "report.json").read_text())["data"]["scale_out"]["rows"]
    )
    manifest = json.loads((again / "manifest.json").read_text())
    assert any(name.startswith("synthetic.parquet/part-") for name in manifest["outputs"])


def test_split_and_samples_do_not_depend_on_partitions(spark, table):
    frame = spark.createDataFrame(table[0].to_arrow())
    picks = []
    for parts in (1, 7):
        hashed = sp.with_hashes(frame.repartition(parts), 9, 0.2, table[0].head(0))
        holdout = hashed.where(hashed[sp.HOLDOUT])
        picks.append(
            (
                sorted(r["ssn"] for r in holdout.select("ssn").collect()),
                sp.seeded_rows(hashed, 200, 1500),
            )
        )
    assert picks[0][0] == picks[1][0] and 200 < len(picks[0][0]) < 400
    assert picks[0][1].equals(picks[1][1]) and picks[0][1].height == 200


def test_chunks_drawn_in_partitions_are_the_rows_one_process_draws(spark, table):
    model = synth.fit(table[0].select("age", "plan", "visits", "amount"), seed=2)
    drawn = sp.to_polars(sp.sample_rows(spark, model, 2500, seed=4, chunk_rows=1000))
    local = pl.concat(list(synth.sample_chunks(model, 2500, seed=4, chunk_rows=1000)))
    assert drawn.equals(local) and drawn.height == 2500


def test_exact_copies_are_counted_over_every_row(spark):
    train = pl.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": ["x", "y", "x", "y", "x", None]})
    holdout = pl.DataFrame({"a": [1, 9, 9, 9], "b": ["x", "x", "x", "x"]})  # one copy of four
    synthetic = pl.DataFrame(  # int32, and a copy with a missing value: two copies of five
        {"a": pl.Series([2, 6, 6, 7, 8], dtype=pl.Int32), "b": ["y", None, "q", "y", "y"]}
    )
    frames = [spark.createDataFrame(f.to_arrow()) for f in (train, holdout, synthetic)]
    copies = sp.exact_copies_everywhere(*frames, ["a", "b"])
    assert copies["share_of_train"] == 0.4 and copies["baseline_holdout_share_of_train"] == 0.25
    assert copies["rows"] == {"synthetic": 5, "holdout": 4, "train": 6}


def test_the_distributed_search_finds_what_find_leaks_finds(spark):
    original = pl.DataFrame(
        {
            "ssn": ["123-45-6789", "987-65-4321", "555-12-3456", "222-33-4444"],
            "name": ["Aurelio Gallo", "Bronwyn Abernathy", "Casimir Ekwueme", "Hester Gallo"],
            "id": [1, 2, 3, 4],
        }
    )
    target = pl.DataFrame(
        {
            "code": ["123-45-6789", "x", "555-12-3456", None],  # two whole-cell SSNs
            "note": [
                "called Aurelio Gallo today about the claim",
                "Bronwyn Abernathy, again, wants the form",
                "nothing here at all to see, move along",
                "a Gallo with another first name is none",
            ],
            "one_name": ["Casimir Ekwueme", "a", "b", "c"],  # one name: a coincidence
        }
    )
    schema = TableSchema(
        columns=[
            ColumnInfo("ssn", "String", Kind.ID, Role.DIRECT_IDENTIFIER, [Entity("US_SSN", 1)]),
            ColumnInfo(
                "name", "String", Kind.CATEGORICAL, Role.DIRECT_IDENTIFIER, [Entity("PERSON", 1)]
            ),
        ]
    )
    kinds = {"code": Kind.CATEGORICAL, "note": Kind.TEXT, "one_name": Kind.CATEGORICAL}
    expected = find_leaks(original, target, schema)
    found = sp.search_leaks(
        spark.createDataFrame(original.to_arrow()),
        spark.createDataFrame(target.to_arrow()),
        schema,
        kinds,
    )
    key = lambda leak: (leak.identifier, leak.column)  # noqa: E731
    assert sorted(map(vars, found), key=str) == sorted(map(vars, expected), key=str)
    assert {key(leak) for leak in found} == {("ssn", "code"), ("name", "note")}


def test_bad_input_is_one_line_with_its_code(spark, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(
        cli,
        ["run", str(tmp_path / "none.parquet"), "-o", str(tmp_path / "o"), "--spark", "local[2]"],
    )
    assert missing.exit_code == ExitStatus.INPUT_ERROR
    assert missing.stderr.strip() == f"error: {tmp_path / 'none.parquet'}: not found"
    # a CSV's dialect is sniffed before Spark reads it: a missing one is the same line
    csv = runner.invoke(
        cli, ["run", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o"), "--spark", "local[2]"]
    )
    assert csv.exit_code == ExitStatus.INPUT_ERROR
    assert csv.stderr.strip() == f"error: {tmp_path / 'none.csv'}: not found"
    nested = tmp_path / "nested.parquet"
    pl.DataFrame({"a": [[1, 2]] * 30, "b": list(range(30))}).write_parquet(nested)
    result = runner.invoke(
        cli, ["run", str(nested), "-o", str(tmp_path / "o"), "--spark", "local[2]"]
    )
    assert result.exit_code == ExitStatus.INPUT_ERROR
    assert "column 'a' has a nested or binary type" in result.stderr
    assert not (tmp_path / "o").exists()


def test_csv_delimiter_and_encoding_are_found_as_a_single_run_finds_them(spark, tmp_path):
    path = tmp_path / "pessoas.csv"
    rows = "\n".join(f"{i};José Conceição {i};{1000 + i}" for i in range(40))
    path.write_bytes(f"id;nome;salário\n{rows}\n".encode("latin-1"))
    frame = sp.to_polars(sp.read_types(sp.read(spark, str(path))[0], path.name)[0])
    assert frame.columns == ["id", "nome", "salário"]
    assert frame.get_column("nome")[3] == "José Conceição 3"
    assert frame.get_column("salário").dtype.is_integer()


def test_what_a_spark_run_cannot_do_is_refused_before_it_starts(tmp_path):
    for config in (
        RunConfig(engine="mst", epsilon=1.0, delta=1e-6, spark_master="local[2]"),
        RunConfig(privacy_filter=True, spark_master="local[2]"),
    ):
        with pytest.raises(ConfigError, match="with --spark"):
            pipeline.run(tmp_path / "t.parquet", tmp_path / "o", config)


def _fake_java(directory: Path, version_line: str) -> Path:
    java = directory / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return directory


def test_java_versions_are_read_and_an_old_one_refused(tmp_path, monkeypatch):
    old = _fake_java(tmp_path / "jdk8", 'openjdk version "1.8.0_292"')
    new = _fake_java(tmp_path / "jdk21", 'openjdk version "21.0.2" 2024-01-16')
    assert sp.java_major(str(old / "bin" / "java")) == 8
    assert sp.java_major(str(new / "bin" / "java")) == 21
    monkeypatch.setenv("JAVA_HOME", str(old))
    with pytest.raises(EnvironmentMissingError, match="needs Java 17 or newer: .* is Java 8"):
        sp.check_java()


def test_without_java_the_command_says_so_in_one_line(tmp_path, table):
    env = os.environ | {"JAVA_HOME": str(tmp_path / "no-jdk")}
    done = subprocess.run(
        [sys.executable, "-m", "synthpriv", "run", str(table[1]), "-o", str(tmp_path / "o")]
        + ["--spark", "local[2]"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == ExitStatus.ENVIRONMENT_ERROR
    assert done.stderr.strip() == (
        f"error: --spark needs Java 17 or newer: JAVA_HOME={tmp_path / 'no-jdk'} has no "
        "bin/java (install a JDK, e.g. apt install openjdk-17-jre-headless, or set JAVA_HOME)"
    )
    assert not (tmp_path / "o").exists()


def test_without_pyspark_the_command_says_how_to_install_it(tmp_path, monkeypatch, table):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    result = CliRunner().invoke(
        cli, ["run", str(table[1]), "-o", str(tmp_path / "o"), "--spark", "local[2]"]
    )
    assert result.exit_code == ExitStatus.ENVIRONMENT_ERROR
    assert result.stderr.strip() == (
        "error: --spark needs PySpark, which is not installed here: pip install 'synthpriv[spark]'"
    )


def _export(rows: int = 120) -> str:
    """A CSV as systems write them: zoned ISO times, 12-hour US times, epoch ms, ZIPs, NA."""
    lines = ["id,when,visit,created_ts,zip,score,dob"]
    for i in range(rows):
        day = 1 + i % 28
        lines.append(
            f"{i},2014-10-{day:02d}T04:17:{i % 60:02d}+02:00,10/{day}/2014 0{1 + i % 9}:17 PM,"
            f"{1413260267000 + i * 1000},0{2100 + i},{'NA' if i % 10 == 0 else i * 1.5},"
            f"{1 + i % 12}/{day}/{60 + i % 30}"
        )
    return "\n".join(lines) + "\n"


def test_spark_reads_every_column_as_a_single_run_reads_it(spark, tmp_path):
    from synthpriv.io.read import load_table

    path = tmp_path / "export.csv"
    path.write_text(_export())
    local = load_table(path).frame
    frame, facts = sp.read_types(sp.read(spark, str(path))[0], path.name)
    distributed = sp.to_polars(frame)
    assert distributed.schema == local.schema
    assert distributed.equals(local)
    assert local.schema["when"] == pl.Datetime("us") and local.schema["zip"] == pl.String
    assert facts["datetime_forms"]["when"]["zone"] == "+02:00"
    assert facts["datetime_forms"]["created_ts"] == {"kind": "epoch", "unit": "ms"}
    assert set(facts["two_digit_years"]) == {"dob"}


def test_a_cell_the_sample_did_not_show_keeps_the_column_text_on_spark(spark, tmp_path, caplog):
    path = tmp_path / "late.csv"
    rows = [f"{i},2020-01-{1 + i % 28:02d}" for i in range(sp.TYPE_SAMPLE_ROWS + 10)]
    rows[-1] = f"{len(rows)},soon"  # past the rows the forms are chosen on
    path.write_text("id,event_date\n" + "\n".join(rows) + "\n")
    frame, facts = sp.read_types(sp.read(spark, str(path))[0], path.name)
    assert frame.schema["event_date"].dataType.simpleString() == "string"
    assert facts["kept_as_text"] == ["event_date"]
    assert "column 'event_date': its type could not be decided; kept as text" in caplog.text
    assert "soon" not in caplog.text


def test_a_spark_run_writes_times_back_as_the_export_wrote_them(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(_export(400))
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli, ["run", str(path), "-o", str(out), "--spark", "local[2]", *FAST]
    )
    assert result.exit_code == exit_status_for(
        Report.from_dict(json.loads((out / "report.json").read_text()))
    )
    written = pl.read_csv(out / "synthetic.csv", infer_schema_length=0)
    assert written.get_column("when").str.ends_with("+02:00").all()
    assert written.get_column("visit").str.contains(r"^\d{2}/\d{2}/2014 \d{2}:\d{2} [AP]M$").all()
    assert written.get_column("created_ts").str.contains(r"^14\d{11}$").all()  # epoch ms
    manifest = json.loads((out / "manifest.json").read_text())
    assert "two_digit_years" in json.dumps(manifest)


PII_DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pii-dev"


@pytest.mark.skipif(not PII_DEV.is_dir(), reason=f"public tables not here: {PII_DEV}")
@pytest.mark.parametrize("name", ["faker_people_ssn_income.csv", "fr_utilisateurs_latin1.csv"])
def test_one_seed_gives_byte_identical_synthetic_rows_with_and_without_spark(name, tmp_path):
    """A public table with identifiers (one of them Latin-1): the same run on either executor."""
    runner = CliRunner()
    outputs = []
    for extra in ([], ["--spark", "local[2]"]):
        out = tmp_path / ("spark" if extra else "local")
        result = runner.invoke(
            cli, ["--json", "run", str(PII_DEV / name), "-o", str(out), *FAST, *extra]
        )
        report = json.loads((out / "report.json").read_text())  # absent: the run failed
        assert result.exit_code == int(exit_status_for(Report.from_dict(report))), result.output
        outputs.append(out)
    local, spark = outputs
    assert (local / "synthetic.csv").read_bytes() == (spark / "synthetic.csv").read_bytes()
    assert (local / "model.synthpriv").read_bytes() == (spark / "model.synthpriv").read_bytes()
    reports = [json.loads((o / "report.json").read_text()) for o in outputs]
    assert reports[0]["verdict"] == reports[1]["verdict"]
    assert reports[0]["gates"] == reports[1]["gates"]


def test_the_split_is_the_same_row_for_row_on_either_executor(spark, table):
    from synthpriv.executors.rows import HIDDEN, HOLDOUT, ORDER, with_hashes

    local = with_hashes(table[0], 3, 0.3)
    hashed = sp.with_hashes(
        spark.createDataFrame(table[0].to_arrow()).repartition(5), 3, 0.3, table[0].head(0)
    )
    remote = sp.to_polars(hashed).sort(ORDER)
    assert remote.equals(local.sort(ORDER))
    assert sp.seeded_rows(hashed, 300, 1500).equals(local.sort(ORDER).head(300).drop(HIDDEN))
    assert 0.25 < local.get_column(HOLDOUT).mean() < 0.35
