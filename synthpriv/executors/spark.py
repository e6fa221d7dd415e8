"""The executor of a run on Apache Spark, for tables that outgrow one machine (``run --spark``).

The stages are :func:`synthpriv.pipeline.run`'s; this executor does what touches every row, in
Spark partitions (``mapInArrow`` hands Arrow batches that polars reads without copying) with
the single run's own polars functions, and returns seeded samples to the driver:

========================  ====================================================================
read                      every column as text, cast as a single run casts it (plan_types)
split, counts             :func:`~synthpriv.executors.rows.with_hashes` in partitions; one pass
                          counts rows, the holdout, distinct and missing values of every column
samples                   the rows first in sampling order (scan, cleaning choices, fit, report)
cleaning replay           every training row, in partitions (the pipeline's cleaning stage)
identifier search         the distinct values of each identifier against every cell, as a join
synthetic rows            partitions: chunk ``i`` drawn with a seed spawned from the run's
exact copies              every row, by a hash of the compared values, one semi-join each
========================  ====================================================================

Reproducibility: the split and every sample are chosen by a hash of the row's values and the
seed (the same function on one machine), never by partition; synthetic rows come in chunks of
fixed size whose seeds depend only on the chunk's index. The same seed gives the same split, the
same samples and the same synthetic rows as a run without Spark, whatever the partitioning.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from synthpriv import synth
from synthpriv.clean import MIN_LEAK_LENGTH, Leak, counts_as_leak, searched
from synthpriv.config import RunConfig, is_url
from synthpriv.engines import is_private
from synthpriv.errors import ConfigError, EnvironmentMissingError, InputError, SynthprivError
from synthpriv.executors import Loaded, Split
from synthpriv.executors.rows import (
    HASH,
    HIDDEN,
    HOLDOUT,
    ORDER,
    SAME,
    flagged,
    hashed_like,
    table_key,
    unflagged,
)
from synthpriv.io import sniff_delimiter, write_table
from synthpriv.io.read import decode_csv, header_names, plan_types
from synthpriv.metrics.privacy import copies_summary
from synthpriv.schema import Kind, Role, TableSchema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

SPARK_EXTRA = "pip install 'synthpriv[spark]'"
MIN_JAVA = 17
# the complement of the word pattern clean._matches extracts from free text
NOT_WORD = r"(?U)[^\w'’.@+-]+"
LONGEST_PHRASE = 3
DEFAULT_CONF = {
    "spark.app.name": "synthpriv",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # executors log a malformed record's text at ERROR: nothing of the input may reach a log
    "spark.log.level": "OFF",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "50000",
}
FORMATS = ("parquet", "csv", "delta")


# ------------------------------------------------------------------------------- the session


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EnvironmentMissingError(
            f"--spark needs PySpark, which is not installed here: {SPARK_EXTRA}"
        ) from None


def java_major(java: str) -> int | None:
    """The major version of the Java at ``java`` (8 for 1.8), or ``None`` if it will not say."""
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java() -> None:
    """Refuse in one line when there is no Java 17+ for Spark to start.

    Raises:
        EnvironmentMissingError: no java on PATH or in JAVA_HOME, or an older one.
    """
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if java is None or not Path(java).exists():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH"
        raise EnvironmentMissingError(
            f"--spark needs Java {MIN_JAVA} or newer: {where} "
            "(install a JDK, e.g. apt install openjdk-17-jre-headless, or set JAVA_HOME)"
        )
    major = java_major(java)
    if major is None or major < MIN_JAVA:
        raise EnvironmentMissingError(
            f"--spark needs Java {MIN_JAVA} or newer: {java} is "
            f"{f'Java {major}' if major else 'a Java of unknown version'} (set JAVA_HOME to a "
            f"JDK {MIN_JAVA}+)"
        )


def _local_heap() -> str:
    """A quarter of this machine's memory (at least 1 GB) for a local session's JVM."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "1g"
    return f"{max(1, total // 4 // 2**30)}g"


@contextlib.contextmanager
def session(master: str, conf: dict[str, Any] | None = None) -> Iterator[SparkSession]:
    """The Spark session to run in; one synthpriv starts is stopped at the end.

    An active session (a notebook, Databricks, a test) is used as it is. ``active`` takes the
    session ``spark-submit`` configured. Otherwise a session is started on ``master``; a local
    one runs its Python workers with this interpreter, so they have synthpriv's libraries.

    Raises:
        EnvironmentMissingError: PySpark or Java 17+ missing, or Spark would not start.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    if master != "active":
        check_java()
    settings = DEFAULT_CONF | (conf or {})
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # local mode runs every executor in the driver's JVM, whose default heap is 1 GB
        settings.setdefault("spark.driver.memory", _local_heap())
    builder = SparkSession.builder
    if master != "active":
        builder = builder.master(master)
    for name, value in settings.items():
        builder = builder.config(name, str(value).lower() if isinstance(value, bool) else value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Py4J and JVM start-up errors carry no table data
        raise EnvironmentMissingError(
            f"Spark did not start with master {master!r} ({type(exc).__name__}); with "
            "spark-submit use --spark active, else a master such as local[*] or spark://host:7077"
        ) from None
    try:
        yield spark
    finally:
        spark.stop()


# ---------------------------------------------------------------------------------- reading


def input_format(path: str) -> str:
    """The format of ``path`` from its name or, for a local folder, from what it holds.

    Raises:
        ConfigError: nothing tells; ``[spark] format`` must say.
    """
    name = path.rstrip("/").lower()
    if name.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    local = Path(path)
    if not is_url(path) and local.is_dir():
        if (local / "_delta_log").is_dir():
            return "delta"
        for kind, pattern in (("parquet", "*.parquet"), ("csv", "*.csv")):
            if next(local.rglob(pattern), None) is not None:
                return kind
    raise ConfigError(f"{path}: cannot tell its format; set [spark] format = parquet, csv or delta")


def _error_class(exc: Exception) -> str:
    """Spark's error class (never its message: a malformed record is quoted in it).

    A JVM error reaching Python as ``Py4JJavaError`` carries its classes in brackets in its
    message and its causes' (``[FAILED_READ_FILE.NO_HINT] … [MALFORMED_CSV_RECORD] …``): only
    those names are kept.
    """
    getter = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    try:
        found = getter() if getter else None
    except Exception:  # noqa: BLE001 - a class name is all we want
        found = None
    if not found and getattr(exc, "java_exception", None) is not None:
        try:
            text = str(exc.java_exception.toString())
            cause = exc.java_exception.getCause()
            while cause is not None:
                text += " " + str(cause.toString())
                cause = cause.getCause()
        except Exception:  # noqa: BLE001
            text = ""
        found = " ".join(dict.fromkeys(re.findall(r"\[([A-Z][A-Z_]+(?:\.[A-Z_]+)*)\]", text)))
    return str(found or type(exc).__name__)


def read(
    spark: SparkSession, path: str, fmt: str = "auto", encoding: str = "auto"
) -> tuple[DataFrame, dict[str, Any]]:
    """Read ``path`` with Spark: decimals as doubles, timestamps without a zone; and the facts.

    Raises:
        InputError: the path is missing or unreadable, or a column has a nested type.
        EnvironmentMissingError: a Delta table without the delta-spark package.
    """
    from pyspark.sql import types as T

    fmt = input_format(path) if fmt == "auto" else fmt
    reader = spark.read.format(fmt)
    names: list[str] = []
    facts: dict[str, Any] = {}
    try:
        if fmt == "csv":  # the dialect is sniffed from the input: inside the error mapping
            sep, charset, names, facts = _csv_dialect(spark, path, encoding)
            if charset.lower() not in SPARK_CHARSETS:
                # Spark 4 reads a short list of charsets unless told to take any of Java's
                spark.conf.set("spark.sql.legacy.javaCharsets", "true")
            # every column as text: the types are read as a single run reads them (read_types)
            reader = reader.options(header=True, inferSchema=False, mode="FAILFAST", escape='"')
            reader = reader.options(sep=sep, encoding=charset)
        frame = reader.load(path)
        if len(names) == len(frame.columns):
            frame = frame.toDF(*names)
    except SynthprivError:
        raise
    except Exception as exc:  # noqa: BLE001 - Spark's own exceptions, mapped by class
        kind = _error_class(exc)
        if "PATH_NOT_FOUND" in kind:
            raise InputError(f"{path}: not found") from None
        if "DATA_SOURCE_NOT_FOUND" in kind:
            raise EnvironmentMissingError(
                f"{path}: reading {fmt} needs its Spark package (for Delta: pip install "
                "delta-spark, and the session's Delta options)"
            ) from None
        raise InputError(f"{path}: Spark cannot read it as {fmt} ({kind})") from None
    columns = []
    for item in frame.schema.fields:
        column = frame[item.name]
        if isinstance(item.dataType, T.ArrayType | T.MapType | T.StructType | T.BinaryType):
            raise InputError(
                f"{path}: column {item.name!r} has a nested or binary type "
                f"({item.dataType.simpleString()}); flatten it or drop it first"
            )
        if isinstance(item.dataType, T.DecimalType):
            column = column.cast("double")
        elif isinstance(item.dataType, T.TimestampType):
            column = column.cast("timestamp_ntz")
        columns.append(column.alias(item.name))
    return frame.select(*columns), facts


TYPE_SAMPLE_ROWS = 20_000
_LOST = "__synthpriv_lost_"


def read_types(frame: DataFrame, name: str) -> tuple[DataFrame, dict[str, Any]]:
    """Cast text columns as a single run reads them; return the frame and the reading facts.

    The casts are chosen by :func:`synthpriv.io.read.plan_types` on the first
    ``TYPE_SAMPLE_ROWS`` rows and applied in every partition. One pass then counts, per column,
    the cells its cast could not read (a date form or a number the sample did not show): such a
    column stays text with a warning naming it, as in a single run; no value is lost.
    """
    sample = to_polars(frame.limit(TYPE_SAMPLE_ROWS))
    plan = plan_types(sample)
    facts = plan.facts
    for warning in plan.warnings:
        log.warning("%s: %s", name, warning)
    casts = dict(plan.casts)
    if not casts:
        return frame, facts
    flags = {f"{_LOST}{i}": plan.lost(c) for i, c in enumerate(casts)}
    checked = map_frames(
        frame,
        lambda part: [part.select(**flags)],
        sample.head(0).select(**flags),
    )
    from pyspark.sql import functions as F

    lost = checked.agg(*[F.sum(F.col(f).cast("long")).alias(f) for f in flags]).first()
    failed = [c for i, c in enumerate(casts) if (lost[f"{_LOST}{i}"] or 0) > 0]
    for column in failed:
        casts.pop(column)
        (facts.get("datetime_forms") or {}).pop(column, None)
        facts.setdefault("kept_as_text", []).append(column)
        log.warning("%s: column %r: its type could not be decided; kept as text", name, column)
    if not casts:
        return frame, facts
    like = sample.head(0).with_columns(**casts)
    return map_frames(frame, lambda part: [part.with_columns(**casts)], like), facts


SPARK_CHARSETS = ("us-ascii", "iso-8859-1", "utf-8", "utf-16be", "utf-16le", "utf-16", "utf-32")
JAVA_CHARSETS = {"cp1252": "windows-1252", "iso8859-1": "ISO-8859-1", "latin-1": "ISO-8859-1"}


def _csv_dialect(
    spark: SparkSession, path: str, encoding: str
) -> tuple[str, str, list[str], dict[str, Any]]:
    """The delimiter, text encoding, column names and naming facts of a CSV input.

    All are found as a single run finds them (a blank header is ``Unnamed: N``, not ``_c0``).

    A local file's first megabyte, up to its last whole line, is decoded by the single run's
    :func:`synthpriv.io.read.decode_csv` and sniffed; a remote one is sniffed from its first
    lines as Spark reads them (UTF-8 unless ``encoding`` names another).
    """
    local = None if is_url(path) else Path(path)
    if local is not None and local.is_dir():
        local = next(iter(sorted(local.rglob("*.csv"))), None)
    if local is not None and local.is_file():
        with local.open("rb") as handle:
            data = handle.read(1 << 20)
        if len(data) == 1 << 20:  # a cut last line may end in a cut multi-byte character
            data = data[: data.rfind(b"\n") + 1] or data
        text, facts, _ = decode_csv(local, data, encoding)
        charset = JAVA_CHARSETS.get(facts["encoding"], facts["encoding"])
    else:
        charset = "UTF-8" if encoding == "auto" else JAVA_CHARSETS.get(encoding, encoding)
        lines = spark.read.option("encoding", charset).text(path).limit(50).collect()
        text = "\n".join(row["value"] for row in lines)
    sep = sniff_delimiter(text)
    return sep, charset, *header_names(path, text, sep)


def _guarded(path: str, action: Callable[[], Any]) -> Any:
    """Run a Spark action on the input; a malformed file is an InputError naming it."""
    try:
        return action()
    except Exception as exc:  # noqa: BLE001 - the class decides, the message may quote data
        kind = _error_class(exc)
        if any(k in kind for k in ("MALFORMED", "FAILFAST", "CANNOT_READ", "FAILED_READ_FILE")):
            raise InputError(f"{path}: malformed rows ({kind}); fix the file") from None
        raise


# ------------------------------------------------------------------------- split and samples


def with_hashes(frame: DataFrame, seed: int, holdout_share: float, like: pl.DataFrame) -> DataFrame:
    """:func:`synthpriv.executors.rows.with_hashes` over every partition (``like``: the columns).

    Two passes: the row hashes in partitions, the table's key from their sums, then the flags
    (:func:`~synthpriv.executors.rows.flagged`). The result is kept (persisted); the caller
    unpersists it.
    """
    from pyspark.sql import functions as F

    empty = hashed_like(like)
    hashed = map_frames(frame, lambda part: [unflagged(part, seed)], empty).persist()
    try:
        parts = hashed.agg(
            F.sum(F.col(HASH).bitwiseAND(F.lit(0xFFFFFFFF))).alias("low"),
            F.bit_xor(HASH).alias("xor"),
        ).first()
        key = table_key(int(parts["low"] or 0), int(parts["xor"] or 0))
        out = map_frames(hashed, lambda part: [flagged(part, key, holdout_share)], empty)
        out = out.persist()
        out.count()  # materialized before the first pass's cache is dropped
    finally:
        hashed.unpersist()
    return out


def to_polars(frame: DataFrame) -> pl.DataFrame:
    """Collect a (small) Spark frame onto the driver as polars, through Arrow."""
    return pl.from_arrow(frame.toArrow())


def seeded_rows(frame: DataFrame, rows: int, total: int) -> pl.DataFrame:
    """The ``rows`` rows with the smallest sampling hash, in that order, as polars.

    A pre-filter on the hash keeps about 1.2 times the rows wanted so that Spark sorts little;
    it is widened on the rare occasion that keeps too few.
    """
    from pyspark.sql import functions as F

    share = 1.2 * rows / max(total, 1) + 1e-4
    while True:
        chosen = frame
        if share < 1:
            chosen = frame.where(F.col(ORDER) < F.lit(int(-(2**63) + share * 2**64)))
        picked = to_polars(chosen.orderBy(ORDER).limit(rows).drop(*HIDDEN))
        if picked.height >= rows or share >= 1:
            return picked
        share *= 2


# --------------------------------------------------------------------- stages in partitions


def arrow_schema(frame: pl.DataFrame) -> Any:
    """The Spark schema of a polars frame (plain Arrow types: string, not large_string)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(
        frame.head(0).to_arrow(compat_level=pl.CompatLevel.oldest()).schema,
        prefer_timestamp_ntz=True,
    )


def _spark_dtype(dtype: pl.DataType) -> pl.DataType:
    """Spark holds times in microseconds: a model's nanosecond datetimes are cast to them."""
    return pl.Datetime("us") if isinstance(dtype, pl.Datetime) else dtype


def map_frames(
    frame: DataFrame, stage: Callable[[pl.DataFrame], Iterable[pl.DataFrame]], like: pl.DataFrame
) -> DataFrame:
    """Run a polars ``stage`` in every partition; its frames have the columns and types of ``like``.

    Each Arrow batch becomes a polars frame without a copy; what the stage yields is cast to
    ``like``'s types (a batch of all-missing values must not change a column's type).
    """
    dtypes = {name: _spark_dtype(dtype) for name, dtype in like.schema.items()}
    like = like.head(0).cast(dtypes)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        for batch in batches:
            for out in stage(pl.from_arrow(batch)):
                out = out.select([pl.col(name).cast(dtype) for name, dtype in dtypes.items()])
                yield from out.to_arrow(compat_level=pl.CompatLevel.oldest()).to_batches()

    return frame.mapInArrow(run, arrow_schema(like))


def search_leaks(
    original: DataFrame,
    target: DataFrame,
    schema: TableSchema,
    kinds: dict[str, Kind],
    *,
    replaced_in_place: frozenset[str] = frozenset(),
) -> list[Leak]:
    """:func:`synthpriv.clean.find_leaks` over every row, as one Spark join.

    The distinct values of each searched identifier column of ``original`` are joined with the
    cells of every string or integer column of ``target``: whole cells, and for a free-text
    column its words and phrases of up to three words. The same rules decide what is a leak. A
    column replaced in place is checked row by row through the flags :func:`clean_rows` adds.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    idents = [
        info
        for info in schema.by_role(Role.DIRECT_IDENTIFIER)
        if info.name in original.columns and searched(info)
    ]
    if not idents:
        return []
    needles = None
    for number, info in enumerate(idents):
        values = original.select(
            F.lit(number).alias("ident"), F.trim(original[info.name].cast("string")).alias("v")
        )
        needles = values if needles is None else needles.unionByName(values)
    needles = needles.where(F.length("v") >= MIN_LEAK_LENGTH).distinct()
    cells = None
    names = [
        item.name
        for item in target.schema.fields
        if not item.name.startswith("__synthpriv")
        and isinstance(item.dataType, T.StringType | T.IntegralType)
    ]
    for number, name in enumerate(names):
        text = F.trim(target[name].cast("string"))
        if kinds.get(name) == Kind.TEXT:
            grams = _phrases(F.split(text, NOT_WORD))
            part = target.select(
                F.lit(number).alias("col"),
                F.monotonically_increasing_id().alias("row"),
                F.explode(grams).alias("v"),
            )
        else:
            part = target.select(
                F.lit(number).alias("col"), F.lit(None).cast("long").alias("row"), text.alias("v")
            )
        cells = part if cells is None else cells.unionByName(part)
    found: dict[tuple[int, int], tuple[int, int]] = {}
    if cells is not None:
        hits = cells.where(F.col("v").isNotNull()).join(needles, "v")
        for row in (
            hits.groupBy("ident", "col")
            .agg(
                F.count(F.lit(1)).alias("n"),
                F.countDistinct("row").alias("rows"),
                F.countDistinct("v").alias("values"),
            )
            .collect()
        ):
            text_column = kinds.get(names[row["col"]]) == Kind.TEXT
            found[(row["ident"], row["col"])] = (
                row["rows"] if text_column else row["n"],
                row["values"],
            )
    flags = [f"{SAME}{c}" for c in replaced_in_place if f"{SAME}{c}" in target.columns]
    same = (
        target.agg(*[F.sum(F.col(f).cast("long")).alias(f) for f in flags]).first() if flags else {}
    )
    leaks = []
    for number, info in enumerate(idents):
        for col, name in enumerate(names):
            if name == info.name and name in replaced_in_place:
                kept = int(same[f"{SAME}{name}"] or 0) if f"{SAME}{name}" in flags else 0
                cell_count, values = kept, max(kept, 2 * bool(kept))
            else:
                cell_count, values = found.get((number, col), (0, 0))
            if counts_as_leak(info, cell_count, values):
                leaks.append(Leak(info.name, name, cell_count, values))
    return leaks


def _phrases(words: Any) -> Any:
    """Each word of an array of words, and each run of up to ``LONGEST_PHRASE`` of them."""
    from pyspark.sql import functions as F

    def run_of(n: int) -> Callable[[Any], Any]:
        # one parameter: Spark passes (element, index) to a two-parameter function
        return lambda start: F.array_join(F.slice(words, start + 1, n), " ")

    runs = []
    for n in range(1, LONGEST_PHRASE + 1):
        starts = F.when(F.size(words) >= n, F.sequence(F.lit(0), F.size(words) - n)).otherwise(
            F.array().cast("array<int>")
        )
        runs.append(F.transform(starts, run_of(n)))
    return F.array_distinct(F.flatten(F.array(*runs)))


def exact_copies_everywhere(
    train: DataFrame, holdout: DataFrame, synthetic: DataFrame, columns: list[str]
) -> dict[str, Any]:
    """Exact copies of a training row among all synthetic rows, and among all holdout rows.

    Rows are compared on ``columns`` (the report's) by a hash of their values, synthetic and
    holdout values cast to the training rows' Spark types first; one semi-join each. Each
    frame's hashes are computed once and kept (8 bytes a row), so cleaning a frame's rows is not
    repeated for its count and its join.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    types = {item.name: item.dataType for item in train.schema.fields}
    kept: list[DataFrame] = []

    def keys(frame: DataFrame) -> tuple[DataFrame, int]:
        values = [frame[c].cast(types[c]) for c in columns]
        hashed = frame.select(F.xxhash64(*values, *[v.isNull() for v in values]).alias("k"))
        kept.append(hashed.persist(StorageLevel.MEMORY_AND_DISK))
        return kept[-1], kept[-1].count()

    try:
        train_keys, t_rows = keys(train)
        seen = train_keys.distinct()
        kept.append(seen.persist(StorageLevel.MEMORY_AND_DISK))
        counts = []
        for frame in (synthetic, holdout):
            frame_keys, rows = keys(frame)
            counts.append((frame_keys.join(seen, "k", "leftsemi").count(), rows))
    finally:
        for frame in kept:
            frame.unpersist()
    (s_copies, s_rows), (h_copies, h_rows) = counts
    return copies_summary(
        s_copies / max(s_rows, 1),
        h_copies / max(h_rows, 1),
        s_rows,
        h_rows,
        t_rows,
        " (every row, in Spark, by a hash of the compared values)",
    )


def sample_rows(
    spark: SparkSession, model: Any, rows: int, seed: int, chunk_rows: int = synth.CHUNK_ROWS
) -> DataFrame:
    """``rows`` synthetic rows drawn in partitions, one chunk per task.

    Chunk ``i`` is :func:`synthpriv.synth.draw_chunk` ``(model, rows, i)``: the rows are those
    of ``synth.sample(model, rows, seed=seed)``, in its order, whatever the partitioning.
    """
    payload = spark.sparkContext.broadcast(pickle.dumps(model))
    token = secrets.token_hex(8)
    chunks = -(-rows // chunk_rows)

    def stage(ids: pl.DataFrame) -> Iterator[pl.DataFrame]:
        fitted = _model(token, payload)
        for index in ids.get_column("id").to_list():
            yield synth.draw_chunk(fitted, rows, index, seed=seed, chunk_rows=chunk_rows)

    like = synth.sample(model, 10, seed=seed)
    return map_frames(spark.range(0, chunks, 1, chunks), stage, like)


_MODELS: dict[str, Any] = {}


def _model(token: str, payload: Any) -> Any:
    """The model a broadcast holds, unpickled once per Python worker (and run: ``token``)."""
    if token not in _MODELS:
        _MODELS.clear()
        _MODELS[token] = pickle.loads(payload.value)  # noqa: S301 - our own broadcast
    return _MODELS[token]


def write_synthetic(
    synthetic: DataFrame,
    rows: int,
    work: Path,
    config: RunConfig,
    spark: SparkSession,
    model: Any,
) -> DataFrame:
    """Write one synthetic.csv for small results, else synthetic.parquet/ (part files).

    The CSV writes dates as the input wrote them (a zone, an epoch unit), as a single run
    does; Parquet part files keep typed timestamps (naive UTC).
    """
    if rows <= config.spark_single_file_rows:
        frame = synth.in_input_form(model, to_polars(synthetic))
        write_table(frame, work / "synthetic.csv", formulas=not config.protect_formulas)
        return synthetic
    folder = work / "synthetic.parquet"
    synthetic.write.parquet(str(folder))
    for extra in [*folder.glob(".*.crc"), folder / "_SUCCESS"]:
        extra.unlink(missing_ok=True)
    return spark.read.parquet(str(folder))


def _counts(hashed: DataFrame) -> dict[str, Any]:
    """Rows, holdout rows, a content fingerprint and each column's distinct and missing counts.

    One pass. Distinct counts are HyperLogLog estimates (2% relative error); the fingerprint
    (sum and xor of the row hashes) changes when any value of any row does, whatever the order.
    """
    from pyspark.sql import functions as F

    names = [c for c in hashed.columns if c not in HIDDEN]
    low32 = F.col(HASH).bitwiseAND(F.lit(0xFFFFFFFF))
    row = hashed.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col(HOLDOUT).cast("long")).alias("holdout"),
        F.sum(low32).alias("sum"),
        F.bit_xor(HASH).alias("xor"),
        *[F.approx_count_distinct(hashed[c], 0.02).alias(f"d{i}") for i, c in enumerate(names)],
        *[F.count(hashed[c]).alias(f"n{i}") for i, c in enumerate(names)],
    ).first()
    rows = int(row["rows"])
    return {
        "rows": rows,
        "holdout": int(row["holdout"] or 0),
        "fingerprint": "rowhash64:"
        + f"{(row['sum'] or 0) % 2**64:016x}{(row['xor'] or 0) % 2**64:016x}",
        "columns": {
            c: {"distinct_estimate": int(row[f"d{i}"]), "missing": rows - int(row[f"n{i}"])}
            for i, c in enumerate(names)
        },
    }


def refuse_unsupported(config: RunConfig) -> None:
    """Refuse what a Spark run cannot do, before Spark starts."""
    if is_private(config.engine):
        raise ConfigError(
            f"engine {config.engine!r} cannot run with --spark: its privacy account needs "
            "every row it learns from, and a Spark run fits on a sample chosen by row hashes "
            "(draw a sample, then run without --spark)"
        )
    if config.privacy_filter or config.quality_filter:
        raise ConfigError(
            "--privacy-filter and --quality-filter cannot run with --spark yet: they compare "
            "every synthetic row with every training row on one machine"
        )


class SparkExecutor:
    """Every row in Spark partitions; samples on the driver. See the module's table."""

    name = "spark"
    every_row = False

    def __init__(self, spark: SparkSession):
        self.spark = spark
        self._path = ""
        self._like: pl.DataFrame | None = None

    def refuse(self, config: RunConfig) -> None:
        """See :func:`refuse_unsupported`."""
        refuse_unsupported(config)

    def read(self, path: str | Path, config: RunConfig) -> Loaded:
        """Read with Spark and type the columns as a single run types them."""
        self._path = str(path)
        name = Path(self._path.rstrip("/")).name
        table, header_facts = read(self.spark, self._path, config.spark_format, config.encoding)
        table, read_facts = _guarded(self._path, lambda: read_types(table, name))
        read_facts = header_facts | read_facts
        self._like = to_polars(table.limit(0))
        fmt = config.spark_format if config.spark_format != "auto" else input_format(self._path)
        source: dict[str, Any] = {"file": name, "read_by": "spark", "format": fmt}
        if read_facts:
            source["read"] = read_facts
        return Loaded(table, list(table.columns), source)

    def split(self, loaded: Loaded, config: RunConfig, *, secret: bool) -> Split:
        """Hash every row in partitions; one pass counts rows, holdout and column figures."""
        if secret:
            raise ConfigError("a secret split needs every row on one machine: run without --spark")
        hashed = _guarded(
            self._path,
            lambda: with_hashes(loaded.table, config.seed, config.holdout_share, self._like),
        )
        try:
            counts = _guarded(self._path, lambda: _counts(hashed))
        except BaseException:
            hashed.unpersist()
            raise
        n_holdout = counts["holdout"]
        return Split(
            whole=hashed,
            train=hashed.where(~hashed[HOLDOUT]),
            holdout=hashed.where(hashed[HOLDOUT]),
            n_train=counts["rows"] - n_holdout,
            n_holdout=n_holdout,
            facts={
                "source": {
                    "rows": counts["rows"],
                    "columns": len(loaded.columns),
                    "content_fingerprint": counts["fingerprint"],
                },
                "scale_out": {"column_counts": counts["columns"]},
            },
        )

    def rows(self, table: DataFrame, n: int, total: int) -> pl.DataFrame:
        """See :func:`seeded_rows`."""
        return seeded_rows(table, min(n, total), total)

    def map(
        self,
        table: DataFrame,
        stage: Callable[[pl.DataFrame], Iterable[pl.DataFrame]],
        like: pl.DataFrame,
        *,
        keep: bool = False,
    ) -> DataFrame:
        """See :func:`map_frames`; ``keep`` keeps the result on disk."""
        mapped = map_frames(table, stage, like)
        if keep:
            from pyspark import StorageLevel

            mapped = mapped.persist(StorageLevel.DISK_ONLY)
        return mapped

    def search(
        self,
        original: DataFrame,
        target: DataFrame,
        schema: TableSchema,
        kinds: dict[str, Kind],
        replaced_in_place: frozenset[str] = frozenset(),
    ) -> list[Leak]:
        """See :func:`search_leaks`."""
        return search_leaks(
            original.drop(*HIDDEN), target, schema, kinds, replaced_in_place=replaced_in_place
        )

    def copies(
        self, train: DataFrame, holdout: DataFrame, synthetic: DataFrame, columns: list[str]
    ) -> dict[str, Any]:
        """See :func:`exact_copies_everywhere`."""
        return exact_copies_everywhere(train, holdout, synthetic, columns)

    def draw(self, backend: Any, model: Any, rows: int, seed: int) -> DataFrame:
        """See :func:`sample_rows` (always :mod:`synthpriv.synth`'s chunks)."""
        return sample_rows(self.spark, model, rows, seed)

    def collect(self, table: DataFrame, n: int) -> pl.DataFrame:
        """The first ``n`` rows as polars."""
        return to_polars(table.limit(n))

    def write(
        self, synthetic: DataFrame, rows: int, work: Path, config: RunConfig, model: Any
    ) -> DataFrame:
        """See :func:`write_synthetic`."""
        return write_synthetic(synthetic, rows, work, config, self.spark, model)

    def describe(self) -> dict[str, Any]:
        """The report's ``scale_out`` section (the orchestrator adds the row counts)."""
        context = self.spark.sparkContext
        return {
            "engine": "spark",
            "spark_version": self.spark.version,
            "master": context.master,
            "default_parallelism": context.defaultParallelism,
            "sampling": "seeded by a hash of each row's values, whatever the partitioning",
            "every_row": [
                "split",
                "cleaning",
                "identifier search of the cleaned rows",
                "synthetic rows",
                "identifier search of the synthetic rows",
                "exact copies of training rows",
            ],
            "on_samples": ["scan", "cleaning choices", "fit", "fidelity", "privacy metrics"],
        }

    def versions(self) -> dict[str, str]:
        """PySpark's version, for the report's provenance."""
        return {"pyspark": self.spark.version}

    def manifest(self) -> dict[str, Any]:
        """The master and Spark's version."""
        return {"spark": {"master": self.spark.sparkContext.master, "version": self.spark.version}}

    def release(self, *tables: Any) -> None:
        """Unpersist what was kept."""
        for table in tables:
            if table is not None and getattr(table, "is_cached", False):
                table.unpersist()
