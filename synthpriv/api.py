"""The library behind every command: one function per command, no printing.

Each function takes paths (or frames), a :class:`~synthpriv.config.RunConfig` and its
collaborators (``progress=``, ``synthesizer=``), does the whole workflow of its command (reading
the inputs, the checks, atomic outputs, manifests) and returns a frozen result: what was written,
the data the CLI renders and, where the command has one, the exit status. The CLI parses
arguments, calls these and renders the results; a notebook or a scheduler can call them the same
way. Errors are :mod:`synthpriv.errors` exceptions; nothing here prints, and nothing here logs a
value read from an input table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from synthpriv.config import RunConfig, check_ranges
from synthpriv.errors import ConfigError, InputError, OutputError
from synthpriv.status import ExitStatus

if TYPE_CHECKING:
    from synthpriv.report import Report

log = logging.getLogger(__name__)

REPORT_FILES = ("report.json", "report.html")


def _progress(progress: Any) -> Any:
    from synthpriv.pipeline import NullProgress

    return progress if progress is not None else NullProgress()


def _read(path: Path, config: RunConfig) -> pl.DataFrame:
    """Read an input table; reading warnings (encoding, renamed headers) go to the log."""
    from synthpriv.io import read_table

    return read_table(path, encoding=config.encoding)


# ------------------------------------------------------------------------------------ split


@dataclass(frozen=True)
class SplitResult:
    """The two files of :func:`split` and their row counts."""

    output: Path
    train: Path
    holdout: Path
    rows: dict[str, int]
    files: dict[str, Path]
    seed: int
    holdout_share: float
    tables: dict[str, dict[str, int]] | None = None  # a folder: each side's rows of each table


def split(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig | None = None,
    *,
    file_format: str = "same",
    overwrite: bool = False,
) -> SplitResult:
    """Split ``input_path`` into ``output/train.*`` and ``output/holdout.*`` (and a manifest).

    The holdout gets ``config.holdout_share`` of the rows, chosen by ``config.seed``, exactly as
    :func:`run` splits. ``file_format`` is ``same`` (that of the input), ``csv`` or ``parquet``.

    A folder of linked tables is split by person into ``output/train/`` and
    ``output/holdout/`` (:func:`synthpriv.linked_run.split_folder`); ``rows`` then counts the
    people (the root table's rows) on each side and ``tables`` every table's rows.

    Raises:
        InputError, OutputError: see :mod:`synthpriv.errors`.
    """
    from synthpriv.io import atomic_directory, check_output, load_table, write_table
    from synthpriv.io.dates import write_back
    from synthpriv.io.write import is_parquet_name
    from synthpriv.manifest import input_record, write_manifest
    from synthpriv.pipeline import split_holdout

    config = check_ranges(config or RunConfig())
    input_path, output = Path(input_path), Path(output)
    share, seed = config.holdout_share, config.seed
    if is_folder(input_path):
        return _split_folder(input_path, output, config, file_format, overwrite)
    check_output(output, inputs=[input_path], overwrite=overwrite, directory=True)
    loaded = load_table(input_path, encoding=config.encoding)
    frame = loaded.frame
    forms = loaded.facts.get("datetime_forms") or {}
    train, holdout = split_holdout(frame, share, seed, origin=str(input_path))
    parquet = file_format == "parquet" or (
        file_format == "same" and is_parquet_name(input_path.suffix)
    )
    suffix = ".parquet" if parquet else ".csv"
    with atomic_directory(output, overwrite=overwrite, inputs=[input_path]) as work:
        # Real rows going back into synthpriv: written as they are (no formula prefix), their
        # dates in the input's form (a zone kept), so scan records the form for sampling.
        write_table(write_back(train, forms), work / f"train{suffix}", formulas=True)
        write_table(write_back(holdout, forms), work / f"holdout{suffix}", formulas=True)
        manifest = write_manifest(
            work,
            "split",
            input=input_record(input_path, frame),
            seed=seed,
            holdout_share=share,
            rows={"train": train.height, "holdout": holdout.height},
        )
    log.info(
        "split %s: %d training rows, %d holdout rows", input_path.name, *manifest["rows"].values()
    )
    return SplitResult(
        output=output,
        train=output / f"train{suffix}",
        holdout=output / f"holdout{suffix}",
        rows=dict(manifest["rows"]),
        files={name: output / name for name in manifest["outputs"]},
        seed=seed,
        holdout_share=share,
    )


def is_folder(path: str | Path) -> bool:
    """A folder of linked tables (two or more tables), not one table's part files."""
    if not Path(path).is_dir():  # one table: the linked modules are not even imported
        return False
    from synthpriv.linked_run import is_linked_folder

    return is_linked_folder(Path(path))


def _split_folder(
    folder: Path, output: Path, config: RunConfig, file_format: str, overwrite: bool
) -> SplitResult:
    from synthpriv.linked_run import split_folder

    manifest = split_folder(folder, output, config, file_format=file_format, overwrite=overwrite)
    root = manifest["root"]
    return SplitResult(
        output=output,
        train=output / "train",
        holdout=output / "holdout",
        rows={side: manifest["rows"][side][root] for side in ("train", "holdout")},
        files={name: output / name for name in manifest["outputs"]},
        seed=config.seed,
        holdout_share=config.holdout_share,
        tables=manifest["rows"],
    )


# ------------------------------------------------------------------------------------- scan


@dataclass(frozen=True)
class ScanResult:
    """The column schema :func:`scan` wrote, and what changed against a previous one."""

    output: Path
    schema: Any  # synthpriv.schema.TableSchema (a folder: one per table)
    rows: int | dict[str, int]  # a folder: per table
    changes: list[dict[str, Any]] | None = None  # None: no previous schema was given
    # a folder of linked tables: what was written; ``schema`` and ``rows`` are then per table
    linked: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the schema, and the changes when a previous schema was given."""
        if self.linked is not None:
            return self.linked
        data = self.schema.to_dict()
        return data if self.changes is None else data | {"changes": self.changes}


def scan(
    input_path: str | Path,
    output: str | Path | None = None,
    config: RunConfig | None = None,
    *,
    previous: str | Path | None = None,
    overwrite: bool = False,
    progress: Any = None,
) -> ScanResult:
    """Find PII per column of ``input_path`` and write the column schema to ``output``.

    ``output`` defaults to ``<input stem>.schema.json`` in the working directory. With
    ``previous`` (a reviewed schema), its decisions are kept and the disagreements returned.
    A folder of linked tables is scanned table by table as ``run`` scans it
    (:func:`synthpriv.linked_run.scan_folder`); ``previous`` is refused.

    Raises:
        InputError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    from synthpriv.io import check_output, load_table, write_json
    from synthpriv.manifest import input_record
    from synthpriv.pipeline import scan as run_scan
    from synthpriv.schema import TableSchema, compare_schemas, keep_reviewed

    config = check_ranges(config or RunConfig())
    progress = _progress(progress)
    input_path = Path(input_path)
    previous_path = Path(previous) if previous is not None else None
    if is_folder(input_path):
        from synthpriv.linked_run import scan_folder

        if previous_path is not None:
            raise ConfigError("--previous takes one table's schema; a folder is scanned without it")
        target = Path(output) if output is not None else Path(f"{input_path.name}.schema.json")
        written, schemas, rows = scan_folder(
            input_path, target, config, overwrite=overwrite, progress=progress
        )
        return ScanResult(output=target, schema=schemas, rows=rows, linked=written)
    output = check_output(
        Path(output) if output is not None else Path(f"{input_path.stem}.schema.json"),
        inputs=[input_path, previous_path, config.recognizers],
        overwrite=overwrite,
    )
    earlier = TableSchema.load(previous_path) if previous_path else None
    loaded = load_table(input_path, encoding=config.encoding)
    frame = loaded.frame
    progress.start("scan", frame.width)
    source = input_record(input_path, frame, read=loaded.facts)
    schema = run_scan(frame, config, source=source, progress=progress)
    progress.finish()
    changes = compare_schemas(earlier, schema) if earlier else None
    if earlier:
        schema = keep_reviewed(earlier, schema)
    write_json(schema.to_dict(), output)
    return ScanResult(output=output, schema=schema, rows=frame.height, changes=changes)


# ------------------------------------------------------------------------------------ clean


@dataclass(frozen=True)
class CleanResult:
    """The files :func:`clean` wrote and the verified cleaning (its audit)."""

    output: Path
    audit_path: Path
    schema_path: Path
    holdout_output: Path | None
    policy: str
    rows: int
    cleaned: Any  # synthpriv.clean.CleanResult: frame, audit, schema

    @property
    def dropped(self) -> list[str]:
        """The columns dropped."""
        return [a.column for a in self.cleaned.audit if a.action == "drop"]

    @property
    def spans_redacted(self) -> int:
        """Free-text spans redacted, over all columns."""
        return sum(sum(a.spans_redacted.values()) for a in self.cleaned.audit)

    def audit_dict(self) -> dict[str, Any]:
        """The audit log, as written."""
        return self.cleaned.audit_dict()


def clean(
    input_path: str | Path,
    schema_path: str | Path,
    output: str | Path,
    config: RunConfig | None = None,
    *,
    audit: str | Path | None = None,
    holdout: str | Path | None = None,
    holdout_output: str | Path | None = None,
    overwrite: bool = False,
) -> CleanResult:
    """Clean ``input_path`` under ``config.policy`` and the schema, verify, write the outputs.

    Writes the table, ``<output>.audit.json`` (or ``audit``) and ``<output>.schema.json``, all or
    none. With ``holdout``, the holdout is cleaned with the choices fitted on the input and
    written to ``holdout_output`` (default: the output's name with ``.holdout``).

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    from synthpriv.clean import apply_steps
    from synthpriv.io import atomic_files, check_output, write_json, write_table
    from synthpriv.io.dates import write_back
    from synthpriv.pipeline import clean_and_verify, make_detector
    from synthpriv.policy import load_policy, pseudonym_key
    from synthpriv.schema import TableSchema

    config = check_ranges(config or RunConfig())
    input_path, schema_path, output = Path(input_path), Path(schema_path), Path(output)
    holdout_path = Path(holdout) if holdout is not None else None
    if is_folder(input_path):
        return _clean_folder(
            input_path, schema_path, output, config, audit, holdout_path, holdout_output, overwrite
        )
    audit_path = Path(audit) if audit else output.with_name(output.name + ".audit.json")
    schema_out = output.with_name(output.name + ".schema.json")
    policy = config.policy
    policy_file = Path(policy) if policy and Path(policy).is_file() else None
    outputs = [output, audit_path, schema_out]
    if holdout_output is not None and holdout_path is None:
        raise ConfigError("--holdout-output needs --holdout")
    holdout_out: Path | None = None
    if holdout_path:
        holdout_out = (
            Path(holdout_output)
            if holdout_output
            else output.with_name(f"{output.stem}.holdout{output.suffix}")
        )
        outputs.append(holdout_out)
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise OutputError(f"{output}: --audit must differ from the table and its schema")
    for path in outputs:
        check_output(
            path,
            inputs=[input_path, schema_path, config.key_file, policy_file, holdout_path],
            overwrite=overwrite,
        )
    schema = TableSchema.load(schema_path)
    chosen = load_policy(policy or "strict")
    key = pseudonym_key(config.key_file)
    frame = _read(input_path, config)
    detector = make_detector(config)
    holdout_frame = _read(holdout_path, config) if holdout_path else None
    if holdout_frame is not None and holdout_frame.columns != frame.columns:
        raise InputError(
            f"{holdout_path}: its columns differ from those of {input_path.name}; give the "
            "holdout written with it by 'synthpriv split'"
        )
    result = clean_and_verify(frame, schema, detector, policy=chosen, key=key)
    forms = (schema.source.get("read") or {}).get("datetime_forms") or {}
    formulas = not config.protect_formulas
    with atomic_files(outputs) as temporary:
        table_tmp, audit_tmp, schema_tmp = temporary[:3]
        write_table(
            write_back(result.frame, forms), table_tmp, suffix=output.suffix, formulas=formulas
        )
        write_json(result.audit_dict(), audit_tmp)
        write_json(result.schema.to_dict(), schema_tmp)
        if holdout_frame is not None and holdout_out is not None:
            cleaned_holdout = write_back(apply_steps(holdout_frame, result, key=key), forms)
            write_table(cleaned_holdout, temporary[3], suffix=holdout_out.suffix, formulas=formulas)
    return CleanResult(
        output=output,
        audit_path=audit_path,
        schema_path=schema_out,
        holdout_output=holdout_out,
        policy=chosen.name,
        rows=frame.height,
        cleaned=result,
    )


def _clean_folder(
    folder: Path,
    schema: Path,
    output: Path,
    config: RunConfig,
    audit: str | Path | None,
    holdout: Path | None,
    holdout_output: str | Path | None,
    overwrite: bool,
) -> CleanResult:
    from synthpriv.linked_run import AUDIT_FILE, SCHEMA_FILE, clean_folder

    if audit is not None:
        raise ConfigError(f"--audit is for one table; a folder's audit is {output}/{AUDIT_FILE}")
    if holdout_output is not None and holdout is None:
        raise ConfigError("--holdout-output needs --holdout")
    done = clean_folder(
        folder,
        schema,
        output,
        config,
        holdout=holdout,
        holdout_output=holdout_output,
        overwrite=overwrite,
    )
    written = [Path(p) for p in done.rows]
    return CleanResult(
        output=output,
        audit_path=output / AUDIT_FILE,
        schema_path=output / SCHEMA_FILE,
        holdout_output=written[1] if len(written) > 1 else None,
        policy=next(iter(done.tables.values())).policy.name,
        rows=done.people,
        cleaned=done,
    )


# -------------------------------------------------------------------------------------- fit


@dataclass(frozen=True)
class FitResult:
    """The model :func:`fit` learnt and the header of the model file it wrote."""

    output: Path
    model: Any
    header: dict[str, Any]


def fit(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig | None = None,
    *,
    schema: str | Path | None = None,
    overwrite: bool = False,
    synthesizer: Any = None,
) -> FitResult:
    """Fit ``config.engine`` on a cleaned table and save the signed model file ``output``.

    Without ``schema`` the table is scanned and refused if it holds a direct identifier.
    ``synthesizer`` fits and saves (:mod:`synthpriv.synth` unless a test passes a fake).
    A folder of linked tables is scanned, cleaned under ``config.policy`` and fitted as
    ``run`` does (:func:`synthpriv.linked_run.fit_folder`): ``model`` is then a
    :class:`~synthpriv.linked_run.FolderModel`.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    from synthpriv import synth
    from synthpriv.io import check_output
    from synthpriv.pipeline import scan as run_scan
    from synthpriv.schema import TableSchema
    from synthpriv.synthesis_plan import with_budget

    config = check_ranges(config or RunConfig())
    backend = synthesizer or synth
    input_path, output = Path(input_path), Path(output)
    schema_path = Path(schema) if schema is not None else None
    if is_folder(input_path):
        from synthpriv.linked_run import fit_folder

        linked_model, header = fit_folder(
            input_path, output, config, schema=schema_path, overwrite=overwrite
        )
        return FitResult(output=output, model=linked_model, header=header)
    check_output(output, inputs=[input_path, schema_path], overwrite=overwrite)
    parameters = with_budget(
        config.engine, dict(config.engine_params), config.epsilon, config.delta
    )
    frame = _read(input_path, config)
    table_schema = TableSchema.load(schema_path) if schema_path else run_scan(frame, config)
    model = backend.fit(
        frame,
        schema=table_schema,
        seed=config.seed,
        engine=config.engine,
        params=parameters,
        constraints=list(config.constraints),
        keep_rare=bool(config.keep_rare),
        fit_rows=config.fit_rows,
    )
    header = backend.save_model(model, output)
    return FitResult(output=output, model=model, header=header)


# ----------------------------------------------------------------------------------- sample


@dataclass(frozen=True)
class SampleResult:
    """The synthetic table :func:`sample` wrote; with a filter, what it removed."""

    output: Path
    rows: int
    columns: list[str]
    filtered: Any = None  # synthpriv.filtering.FilterResult when a filter ran
    tables: dict[str, int] | None = None  # a model of linked tables: the rows of each table

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: rows, columns, output (and the filter's account, or each table's rows)."""
        data = {"rows": self.rows, "columns": self.columns, "output": str(self.output)}
        if self.tables is not None:
            data["tables"] = self.tables
        return data if self.filtered is None else data | {"filter": self.filtered.describe()}


def sample(
    model_path: str | Path,
    output: str | Path,
    rows: int | None = None,
    config: RunConfig | None = None,
    *,
    seed: int | None = None,
    conditions: Mapping[str, Any] | None = None,
    train: str | Path | None = None,
    holdout: str | Path | None = None,
    overwrite: bool = False,
    progress: Any = None,
) -> SampleResult:
    """Sample ``rows`` synthetic rows from a model file into ``output``.

    ``rows`` defaults to as many as the model was fitted on (of a linked model: people).

    ``seed`` defaults to the model's. Without a filter rows are drawn and written in chunks
    (bounded memory); with ``config.privacy_filter`` or ``config.quality_filter`` they are drawn
    in memory, checked against the cleaned ``train`` (and ``holdout``) table and drawn again.

    A model of linked tables (``fit FOLDER``) writes ``output/TABLE.csv`` for every table,
    ``rows`` people (root rows) with all their rows; conditions and filters are refused.

    Raises:
        InputError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    from synthpriv import synth
    from synthpriv.io import check_output, write_sample
    from synthpriv.synthesis_plan import refuse_filters

    config = check_ranges(config or RunConfig())
    progress = _progress(progress)
    model_path, output = Path(model_path), Path(output)
    train_path = Path(train) if train is not None else None
    holdout_path = Path(holdout) if holdout is not None else None
    filtering = config.privacy_filter or config.quality_filter
    if synth.model_kind(model_path) == "linked":
        from synthpriv.linked_run import sample_folder

        if filtering or conditions or train_path or holdout_path:
            raise ConfigError(
                "--condition, --privacy-filter, --quality-filter, --train and --holdout are for "
                "a model of one table; a model of linked tables samples without them"
            )
        written = sample_folder(
            model_path, output, rows, config, seed=seed, overwrite=overwrite, progress=progress
        )
        return SampleResult(output=output, rows=sum(written.values()), columns=[], tables=written)
    if filtering and train_path is None:
        raise ConfigError("--privacy-filter and --quality-filter need --train (the cleaned table)")
    if config.privacy_filter and holdout_path is None:
        raise ConfigError("--privacy-filter needs --holdout (the cleaned holdout table)")
    inputs = [p for p in (model_path, train_path, holdout_path) if p is not None]
    check_output(output, inputs=inputs, overwrite=overwrite)
    wanted = dict(conditions or {})
    model = synth.load_model(model_path)
    rows = model.training_rows if rows is None else rows
    formulas = not config.protect_formulas
    if filtering:
        refuse_filters(model.engine, config.privacy_filter, config.quality_filter)
        return _sample_filtered(
            model,
            rows,
            replace(config, seed=model.seed if seed is None else seed),
            wanted,
            output,
            train_path,
            holdout_path,
        )
    progress.start("sample", total=rows)
    chunks = (
        synth.in_input_form(model, chunk)
        for chunk in synth.sample_chunks(model, rows, seed=seed, conditions=wanted)
    )
    written = write_sample(chunks, output, on_chunk=progress.advance, formulas=formulas)
    progress.finish()
    return SampleResult(output=output, rows=written, columns=list(model.columns))


def _sample_filtered(
    model: Any,
    rows: int,
    config: RunConfig,
    conditions: dict[str, Any],
    output: Path,
    train_path: Path | None,
    holdout_path: Path | None,
) -> SampleResult:
    """Sample with the validation filter: in memory, against the cleaned training table."""
    from synthpriv import pipeline, synth
    from synthpriv.io import write_table

    assert train_path is not None  # checked by sample()
    train = _read(train_path, config)
    holdout = _read(holdout_path, config) if holdout_path else None
    missing = [c for c in model.columns if c not in train.columns]
    if missing:
        raise InputError(
            f"{train_path}: not the table the model was fitted on (no column {missing[0]!r})"
        )

    def draw(model: Any, count: int, seed: int) -> Any:  # new draws keep the conditions
        return synth.sample(model, count, seed=seed, conditions=conditions)

    synthetic = draw(model, rows, config.seed)
    result = pipeline.filter_synthetic(draw, model, synthetic, train, holdout, config)
    write_table(
        synth.in_input_form(model, result.frame), output, formulas=not config.protect_formulas
    )
    return SampleResult(
        output=output, rows=result.frame.height, columns=list(model.columns), filtered=result
    )


# ----------------------------------------------------------------------------------- report


@dataclass(frozen=True)
class ReportResult:
    """The report :func:`report` (or :func:`run`) wrote, and the exit status of its gates."""

    output: Path
    report: Report
    exit_status: ExitStatus
    files: list[str] = field(default_factory=lambda: list(REPORT_FILES))
    linked: dict[str, Any] | None = None  # a folder of linked tables: its report.json


def report(
    real: str | Path,
    synthetic: str | Path,
    output: str | Path,
    config: RunConfig | None = None,
    *,
    holdout: str | Path | None = None,
    schema: str | Path | None = None,
    overwrite: bool = False,
) -> ReportResult:
    """Measure fidelity and privacy; write report.json, report.html (and PDF) into ``output``.

    The gates are ``config.gates``, the budgets ``config.budgets``; ``config.seed`` is recorded
    only. Without ``schema`` the real table is scanned, so no identifier reaches a chart label.

    ``real`` may be a folder of linked tables (``split FOLDER``'s ``train/``), with ``holdout``
    its ``holdout/`` and ``synthetic`` the folder ``sample`` wrote: the report is the one
    ``run FOLDER`` writes (:func:`synthpriv.linked_run.report_folder`).

    Raises:
        InputError, ConfigError, OutputError: see :mod:`synthpriv.errors`.
    """
    from synthpriv.io import atomic_directory, check_output, sha256_file
    from synthpriv.manifest import input_record, package_versions, write_manifest
    from synthpriv.pipeline import identifier_values, make_detector
    from synthpriv.report import build_report, exit_status_for, write_report
    from synthpriv.schema import TableSchema

    config = check_ranges(config or RunConfig())
    real_path, synthetic_path, output = Path(real), Path(synthetic), Path(output)
    holdout_path = Path(holdout) if holdout is not None else None
    schema_path = Path(schema) if schema is not None else None
    if is_folder(real_path):
        return _report_folder(
            real_path, synthetic_path, holdout_path, schema_path, output, config, overwrite
        )
    schema_data = TableSchema.load(schema_path).to_dict() if schema_path else None
    inputs = [real_path, synthetic_path, holdout_path, schema_path]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    real_frame = _read(real_path, config)
    synthetic_frame = _read(synthetic_path, config)
    holdout_frame = _read(holdout_path, config) if holdout_path else None
    if schema_data is None:
        # No schema: scan what was given, so that no identifier's value reaches a chart label
        scanned = make_detector(config).detect(real_frame)
        scanned.source = {"scanned_by": "report", "file": real_path.name}
        schema_data = scanned.to_dict()
    originals = identifier_values(real_frame, TableSchema.from_dict(schema_data))
    with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
        result = build_report(
            identifier_values=originals,
            train=real_frame,
            synthetic=synthetic_frame,
            holdout=holdout_frame,
            gates=config.gates,
            seed=config.seed,
            scan=schema_data,
            budgets=config.budgets,
            provenance={
                "input": input_record(real_path, real_frame),
                "versions": package_versions(),
            },
        )
        write_report(result, work, pdf=config.report_pdf)
        write_manifest(
            work,
            "report",
            inputs={
                name: sha256_file(path)
                for name, path in (
                    ("real", real_path),
                    ("synthetic", synthetic_path),
                    ("holdout", holdout_path),
                    ("schema", schema_path),
                )
                if path is not None
            },
            seed=config.seed,
            gates=vars(config.gates),
        )
    return ReportResult(output=output, report=result, exit_status=exit_status_for(result))


def _report_folder(
    real: Path,
    synthetic: Path,
    holdout: Path | None,
    schema: Path | None,
    output: Path,
    config: RunConfig,
    overwrite: bool,
) -> ReportResult:
    from synthpriv.linked_run import report_folder

    if holdout is None:
        raise ConfigError(
            "a folder's report needs --holdout: the holdout/ folder 'synthpriv split' wrote "
            "beside the train/ folder given as --real"
        )
    result = report_folder(
        real, synthetic, holdout, output, config, schema=schema, overwrite=overwrite
    )
    files = sorted({name.split("/", 1)[0] for name in result.files})
    return ReportResult(
        output=output,
        report=result.report,
        exit_status=result.exit_status,
        files=[*files, "manifest.json"],
        linked=result.linked,
    )


# ----------------------------------------------------------------------------------- config


def init_config(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the commented starter config (every setting and its default) to ``path``.

    Raises:
        OutputError: ``path`` exists and ``overwrite`` is not set.
    """
    from synthpriv.config import STARTER
    from synthpriv.io import atomic_path, check_output

    path = Path(path)
    check_output(path, overwrite=overwrite)
    with atomic_path(path) as tmp:
        tmp.write_text(STARTER, encoding="utf-8")
    return path


# -------------------------------------------------------------------------------------- run


def run(
    input_path: str | Path | None = None,
    output: str | Path | None = None,
    config: RunConfig | None = None,
    *,
    progress: Any = None,
    overwrite: bool = False,
    synthesizer: Any = None,
) -> ReportResult:
    """Run the whole job (scan, clean, fit, sample, report) into the run directory ``output``.

    ``input_path`` and ``output`` default to ``config.input`` and ``config.output``. An input
    may be a URL (``s3a://``) when ``config.spark_master`` is set. The result's ``files`` are
    the run directory's top-level names, ``manifest.json`` last.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    from synthpriv.config import is_url

    config = check_ranges(config or RunConfig())
    if isinstance(input_path, str) and not is_url(input_path):
        input_path = Path(input_path)
    config = config.override(input=input_path, output=output)
    if config.input is None or config.output is None:
        missing = "INPUT" if config.input is None else "-o/--output"
        raise ConfigError(f"give {missing} on the command line or in the config's [io] table")
    from synthpriv import pipeline

    # one orchestrator: config.spark_master chooses the executor, not the caller
    result = pipeline.run(
        config.input,
        config.output,
        config,
        progress=_progress(progress),
        overwrite=overwrite,
        synthesizer=synthesizer,
    )
    files = sorted({name.split("/", 1)[0] for name in result.files})  # a folder once
    return ReportResult(
        output=Path(config.output),
        report=result.report,
        exit_status=result.exit_status,
        files=[*files, "manifest.json"],
        linked=result.linked,
    )
