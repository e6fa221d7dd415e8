"""The stages chained: scan, clean, split, fit, sample, report. Never prints.

Progress is reported through a :class:`Progress` passed in (the CLI gives a rich display on a TTY,
tests and cron jobs get :class:`NullProgress`). A run writes into a temporary directory renamed
into place at the end, so a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from synthpriv import synth
from synthpriv.clean import (
    CleanResult,
    Leak,
    apply_steps,
    clean_table,
    information_kept,
    verify_clean,
)
from synthpriv.config import RunConfig, is_url
from synthpriv.dp import SPLIT_ROWS
from synthpriv.engines import is_private
from synthpriv.errors import ConfigError, InputError
from synthpriv.executors import Executor, Split, executor_for
from synthpriv.executors.rows import HIDDEN, SAME
from synthpriv.filtering import FilterResult, validate
from synthpriv.io import atomic_directory, check_output, write_json
from synthpriv.manifest import package_versions, write_manifest
from synthpriv.pii.detector import ColumnDetector, DetectorSettings
from synthpriv.policy import Policy, load_policy, pseudonym_key
from synthpriv.report import Report, build_report, exit_status_for, write_report
from synthpriv.report.builder import compared_kinds
from synthpriv.schema import Role, TableSchema, infer_kind
from synthpriv.status import ExitStatus
from synthpriv.synthesis_plan import (
    Constraint,
    check_parameters,
    refuse_filters,
    with_budget,
)

log = logging.getLogger(__name__)
MIN_ROWS_FOR_RUN = 20


class Progress(Protocol):
    """Where stages report progress; implementations must not raise."""

    def start(self, stage: str, total: int | None = None) -> None:
        """A stage begins (``total`` steps when known)."""

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""

    def finish(self) -> None:
        """The current stage is done."""


class NullProgress:
    """A progress sink that shows nothing (tests, pipes, ``--quiet``)."""

    def start(self, stage: str, total: int | None = None) -> None:
        """Ignore."""

    def advance(self, steps: int = 1) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""


@dataclass
class Timer:
    """Wall-clock seconds per stage."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, progress: Progress, total: int | None = None) -> Iterator[None]:
        """Time a stage and bracket it with progress start/finish (finish only on success)."""
        progress.start(name, total)
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - started, 3)
        progress.finish()  # only when the stage ended well: a failed one is not "done"


def scan(
    frame: pl.DataFrame,
    config: RunConfig,
    *,
    source: dict[str, Any] | None = None,
    detector: ColumnDetector | None = None,
    progress: Progress | None = None,
) -> TableSchema:
    """Scan ``frame`` for PII with the config's budget, seed and NLP model."""
    progress = progress or NullProgress()
    detector = detector or make_detector(config)
    return detector.detect(frame, source=source, on_column=lambda _: progress.advance())


def identifier_values(frame: pl.DataFrame, schema: TableSchema) -> list[pl.Series]:
    """The original values of the schema's direct identifiers, to keep out of chart labels.

    As the searches for identifier values take them (:func:`synthpriv.clean.searchable`): an
    identifier column's empty cells, a flat's number "1" or a "None" are no one's, and a chart
    label "", "1" or "None" equal to them hid the label and failed the run.
    """
    from synthpriv.clean import searchable

    return [
        searchable(frame.get_column(c.name))
        for c in schema.by_role(Role.DIRECT_IDENTIFIER, Role.FREE_TEXT_PII)
        if c.name in frame.columns
    ]


def make_detector(config: RunConfig) -> ColumnDetector:
    """Build the column detector the config asks for."""
    return ColumnDetector(
        DetectorSettings(
            budget=config.scan_budget,
            seed=config.seed,
            nlp_model=config.nlp_model,
            recognizers=str(config.recognizers) if config.recognizers else None,
        )
    )


def clean_and_verify(
    frame: pl.DataFrame,
    schema: TableSchema,
    detector: ColumnDetector,
    progress: Progress | None = None,
    *,
    policy: Policy | None = None,
    key: bytes | None = None,
    redact_chars: int | None = None,
    search: Callable[[CleanResult], list[Leak]] | None = None,
    row_by_row: bool = False,
    scanned_here: bool = False,
    people: pl.Series | None = None,
) -> CleanResult:
    """Clean ``frame`` under ``policy`` (default ``strict``); prove no direct identifier is left.

    ``search`` looks for identifier values beyond ``frame`` (see :func:`verify_clean`);
    ``row_by_row`` skips the steps fitted on the rows (for a DP engine, see :func:`clean_table`);
    ``scanned_here``: ``schema`` is ``detector``'s scan of ``frame`` (see :func:`verify_clean`);
    ``people``: each row's person, in linked tables (see :func:`clean_table`).
    """
    progress = progress or NullProgress()
    result = clean_table(
        frame,
        schema,
        detector.analyzers,
        policy=policy,
        key=key,
        on_column=lambda _: progress.advance(),
        redact_chars=redact_chars,
        row_by_row=row_by_row,
        people=people,
    )
    verified = verify_clean(
        frame, result, schema, detector, key=key, search=search, scanned_here=scanned_here
    )
    return replace(verified, information_kept=information_kept(frame, verified.frame, schema))


def split_holdout(
    frame: pl.DataFrame,
    share: float,
    seed: int,
    *,
    secret: bool = False,
    origin: str = "table",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows into (train, holdout), in their input order, as every run splits them.

    A row is held out by a seeded hash of its values (:func:`synthpriv.executors.rows.with_hashes`):
    the holdout gets ``share`` of the rows up to chance, identical rows go to the same side, and
    a Spark run of the same seed makes the same split. ``secret`` (for a differentially private
    engine): each row goes to the holdout by its own coin drawn from the operating system's
    randomness, so one row added to the input changes no other row's side and nobody can
    recompute the split. ``origin`` names the input in the error a too-small table gets.
    """
    from synthpriv.executors import Loaded
    from synthpriv.executors.local import LocalExecutor
    from synthpriv.executors.rows import HIDDEN

    parts = LocalExecutor().split(
        Loaded(frame, frame.columns, {}),
        RunConfig(seed=seed, holdout_share=share),
        secret=secret,
    )
    check_split(parts.n_train, parts.n_holdout, origin)
    return parts.train.drop(HIDDEN), parts.holdout.drop(HIDDEN)


def check_split(n_train: int, n_holdout: int, origin: str) -> None:
    """Refuse a table too small to hold real rows out, or a split that left one side empty."""
    rows = n_train + n_holdout
    if rows < MIN_ROWS_FOR_RUN:
        raise InputError(
            f"{origin}: table has {rows} rows; at least {MIN_ROWS_FOR_RUN} are needed "
            "to hold out real rows for the privacy baseline"
        )
    if not n_train or not n_holdout:
        side = "holdout" if not n_holdout else "training"
        raise InputError(
            f"{origin}: the seeded split of its {rows} rows left no {side} row; "
            "try another seed or holdout share"
        )


def filter_synthetic(
    sample: Callable[..., pl.DataFrame],
    model: Any,
    synthetic: pl.DataFrame,
    train: pl.DataFrame,
    holdout: pl.DataFrame | None,
    config: RunConfig,
) -> FilterResult:
    """Run the validation step of run and sample: the checks the config turns on.

    New draws are seeded from the run's seed (round 0 is the quality check's reference draw).
    """
    return validate(
        synthetic,
        train,
        holdout,
        lambda rows, round_: sample(
            model, rows, seed=synth.child_seed(config.seed, 1_000_003, round_)
        ),
        privacy=config.privacy_filter,
        quality=config.quality_filter,
        quality_threshold=config.quality_threshold,
        constraints=[Constraint.from_dict(c) for c in model.constraints],
        seed=config.seed,
    )


def prepare(config: RunConfig) -> tuple[dict[str, Any], Policy, bytes | None]:
    """Check engine, parameters, constraints, policy and key before the long stages start.

    Returns:
        The engine parameters (with a DP engine's budget), the policy and the pseudonym key.
    """
    params = with_budget(config.engine, config.engine_params, config.epsilon, config.delta)
    check_parameters(config.engine, params)
    refuse_filters(config.engine, config.privacy_filter, config.quality_filter)
    for constraint in config.constraints:
        Constraint.from_dict(constraint)
    policy = load_policy(config.policy)
    key = pseudonym_key(config.key_file)
    if policy.needs_key() and key is None:
        raise ConfigError(
            f"policy {policy.name!r} needs a pseudonym key: set SYNTHPRIV_PSEUDONYM_KEY "
            "or key_file in the config's [run] table"
        )
    return params, policy, key


def check_target(config: RunConfig, columns: list[str], table: str) -> None:
    """Refuse a target column the table does not have."""
    if config.target and config.target not in columns:
        raise ConfigError(f"target column {config.target!r} is not a column of {table}")


def fit_model(
    backend: Any,
    cleaned: CleanResult,
    config: RunConfig,
    params: dict[str, Any],
    *,
    sampled_from_rows: int | None = None,
) -> Any:
    """Fit the config's engine on the cleaned rows (``backend``: ``synthpriv.synth`` or a fake).

    ``sampled_from_rows``: the cleaned rows are a seeded sample of this many training rows
    (the model records it; see :func:`synthpriv.synth.fit`).
    """
    extra = {"rows_from": SPLIT_ROWS} if is_private(config.engine) else {}
    return backend.fit(
        cleaned.frame,
        schema=cleaned.schema,
        seed=config.seed,
        engine=config.engine,
        params=params,
        constraints=config.constraints,
        keep_rare=config.keep_rare,
        fit_rows=config.fit_rows,
        sampled_from_rows=sampled_from_rows,
        **extra,
    )


def report_settings(
    config: RunConfig,
    schema: TableSchema,
    audit: dict[str, Any],
    source: dict[str, Any],
    versions: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The arguments of :func:`build_report` a run takes from its config, scan and cleaning."""
    return {
        "gates": config.gates,
        "seed": config.seed,
        "scan": schema.to_dict(),
        "cleaning": audit,
        "target": config.target,
        "budgets": config.budgets,
        "provenance": {
            "input": source,
            "config": config.to_dict() | {"input": source["file"], "output": None},
            "versions": package_versions() | (versions or {}),
            "timings": "in manifest.json (kept out of the report so reruns are identical)",
        },
    }


def write_outputs(
    work: Path,
    backend: Any,
    model: Any,
    schema: TableSchema,
    audit: dict[str, Any],
    report: Report,
    config: RunConfig,
    source: dict[str, Any],
    rows: dict[str, int],
    timer: Timer,
    **manifest: Any,
) -> dict[str, Any]:
    """Write a run's column schema, audit, model and report, then its manifest (returned)."""
    write_json(schema.to_dict(), work / "schema.json")
    write_json(audit, work / "audit.json")
    backend.save_model(model, work / "model.synthpriv")
    write_report(report, work, pdf=config.report_pdf)
    return write_manifest(
        work,
        "run",
        input=source,
        config=config.to_dict(),
        seed=config.seed,
        rows=rows,
        timings_seconds=timer.seconds,
        **manifest,
    )


@dataclass
class RunResult:
    """What a run produced (``linked``: a folder run's summary, the whole report.json)."""

    output: Path
    report: Report
    exit_status: ExitStatus
    files: dict[str, str]
    timings: dict[str, float]
    linked: dict[str, Any] | None = None


def run(
    input_path: str | Path,
    output: str | Path,
    config: RunConfig | None = None,
    *,
    progress: Progress | None = None,
    overwrite: bool = False,
    synthesizer: Any = None,
) -> RunResult:
    """Run the whole job on ``input_path`` and write every output into the directory ``output``.

    Outputs: ``synthetic.csv`` (or, from Spark, a ``synthetic.parquet`` folder above
    ``spark_single_file_rows``), ``model.synthpriv``, ``schema.json``, ``audit.json``,
    ``report.json``, ``report.html``, ``report.pdf`` and ``manifest.json``.

    Where rows are read, split, cleaned, searched and drawn is the executor's business
    (:mod:`synthpriv.executors`): this machine, or Spark when ``config.spark_master`` is set.
    The stages are these, whichever it is; the same seed gives the same split, the same samples
    and the same synthetic rows on both.

    ``synthesizer`` fits, samples and saves models: :mod:`synthpriv.synth` unless a test passes
    a fake with the same ``fit``, ``sample`` and ``save_model``.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError, EnvironmentMissingError: see
        :mod:`synthpriv.errors`.
    """
    config = config or RunConfig()
    backend = synthesizer or synth
    progress = progress or NullProgress()
    if not is_url(str(input_path)) and Path(input_path).is_dir():
        from synthpriv.linked_run import is_linked_folder, run_folder
        from synthpriv.linked_run import refuse as refuse_folder

        if is_linked_folder(Path(input_path)):  # tables linked by keys, one file each
            refuse_folder(config)
            return run_folder(input_path, output, config, progress=progress, overwrite=overwrite)
    source_path, output = str(input_path), Path(output)
    name = Path(source_path.rstrip("/")).name
    refuse(config)
    local_input = None if is_url(source_path) else Path(source_path)
    inputs = [local_input, config.key_file, config.recognizers]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    params, policy, key = prepare(config)
    timer = Timer()
    with executor_for(config) as executor:
        with timer.stage("read", progress):
            loaded = executor.read(local_input or source_path, config)
        check_target(config, loaded.columns, name)
        with timer.stage("split", progress):
            parts = executor.split(loaded, config, secret=is_private(config.engine))
        kept: list[Any] = [parts.whole, parts.train, parts.holdout]
        try:
            check_split(parts.n_train, parts.n_holdout, source_path)
            source = loaded.source | parts.facts.get("source", {})
            log.info(
                "read %s: %d rows x %d columns",
                name,
                parts.n_train + parts.n_holdout,
                len(loaded.columns),
            )
            with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
                report, manifest = _stages(
                    executor,
                    config,
                    timer,
                    progress,
                    backend,
                    parts=parts,
                    source=source,
                    params=params,
                    policy=policy,
                    key=key,
                    work=work,
                    kept=kept,
                )
        finally:
            executor.release(*kept)
    return RunResult(
        output=output,
        report=report,
        exit_status=exit_status_for(report),
        files=manifest["outputs"],
        timings=timer.seconds,
    )


def refuse(config: RunConfig) -> None:
    """Refuse, before anything starts, what the config's executor cannot run."""
    refuse_filters(config.engine, config.privacy_filter, config.quality_filter)
    if config.spark_master:
        from synthpriv.executors.spark import refuse_unsupported

        refuse_unsupported(config)


def cleaning_stage(
    result: CleanResult, key: bytes | None
) -> Callable[[pl.DataFrame], Iterator[pl.DataFrame]]:
    """Clean rows exactly as ``result`` cleaned the sample, for an executor to map.

    The replay (:func:`apply_steps`) carries the fitted steps, the policy's choices and the key,
    not the sample. A column replaced in place (``fake``) gets a flag per row: is the row's own
    original value still there.
    """
    light = replace(result, frame=result.frame.head(0), audit=())
    faked = replaced_in_place(result)

    def stage(raw: pl.DataFrame) -> Iterator[pl.DataFrame]:
        cleaned = apply_steps(raw.drop(HIDDEN, strict=False), light, key=key)
        same = [
            (cleaned.get_column(c).cast(pl.String) == raw.get_column(c).cast(pl.String))
            .fill_null(False)
            .alias(SAME + c)
            for c in faked
            if c in cleaned.columns
        ]
        yield cleaned.with_columns(same)

    return stage


def replaced_in_place(result: CleanResult) -> frozenset[str]:
    """The columns cleaning replaced value by value (Faker)."""
    return frozenset(c.name for c in result.schema.columns if c.action == "fake")


def _stages(
    executor: Executor,
    config: RunConfig,
    timer: Timer,
    progress: Progress,
    backend: Any,
    *,
    parts: Split,
    source: dict[str, Any],
    params: dict[str, Any],
    policy: Policy,
    key: bytes | None,
    work: Path,
    kept: list[Any],
) -> tuple[Report, dict[str, Any]]:
    """Scan, clean, verify, fit, sample and report: the stages after the split.

    Scan, the cleaning choices and the fit see the ``fit_rows`` training rows first in sampling
    order (every training row when there are fewer, and always for a private engine). When
    that is not every row, cleaning is replayed over every training row by the executor and
    searched for identifier values; the figures of the report are then measured on seeded
    samples, and exact copies and the identifier search of the synthetic rows over every row.
    ``kept`` receives what the executor keeps (cached partitions) for the caller to release.
    """
    n_train, n_holdout = parts.n_train, parts.n_holdout
    private = is_private(config.engine)
    detector = make_detector(config)
    with timer.stage("select", progress):
        raw_sample = executor.rows(parts.train, n_train if private else config.fit_rows, n_train)
    whole = raw_sample.height == n_train
    with timer.stage("scan", progress, total=raw_sample.width):
        schema = scan(raw_sample, config, source=source, detector=detector, progress=progress)
    log.info(
        "scan: %s",
        ", ".join(f"{len(schema.by_role(role))} {role}" for role in Role if schema.by_role(role)),
    )
    like = raw_sample.head(100)
    every: dict[str, Any] = {}

    def clean_every_row(result: CleanResult) -> Any:
        stage = cleaning_stage(result, key)
        cleaned_rows = executor.map(parts.train, stage, next(stage(like)), keep=True)
        kept.append(cleaned_rows)
        every["train"] = cleaned_rows
        return cleaned_rows

    def search(result: CleanResult) -> list[Leak]:
        cleaned_rows = clean_every_row(result)
        kinds = {c: infer_kind(result.frame.get_column(c)) for c in result.frame.columns}
        return executor.search(parts.train, cleaned_rows, schema, kinds, replaced_in_place(result))

    with timer.stage("clean", progress, total=raw_sample.width):
        cleaned = clean_and_verify(
            raw_sample,
            schema,
            detector,
            progress,
            policy=policy,
            key=key,
            redact_chars=config.budgets.redact_chars,
            search=None if whole else search,
            row_by_row=private,
            scanned_here=True,
        )
    if not whole:
        cleaned = replace(
            cleaned, verification=(cleaned.verification or {}) | {"value_search_rows": n_train}
        )
    log.info(
        "clean: %d columns dropped, %d spans redacted, verified on %d of %d training rows",
        sum(a.action == "drop" for a in cleaned.audit),
        sum(sum(a.spans_redacted.values()) for a in cleaned.audit),
        raw_sample.height,
        n_train,
    )
    train = cleaned.frame
    with timer.stage("fit", progress):
        model = fit_model(
            backend, cleaned, config, params, sampled_from_rows=None if whole else n_train
        )
    log.info("fit: %s on %d rows, %d columns", config.engine, train.height, len(model.columns))
    # a DP model knows the row count only as its noisy estimate (training_rows)
    rows = config.rows or (model.training_rows if whole else n_train)
    holdout_wanted = (
        n_holdout
        if whole
        else min(
            n_holdout,
            max(1, round(train.height * (config.holdout_share / (1 - config.holdout_share)))),
        )
    )
    raw_holdout = executor.rows(parts.holdout, holdout_wanted, n_holdout)
    holdout = apply_steps(raw_holdout, cleaned, key=key)
    with timer.stage("sample", progress):
        synthetic = executor.draw(backend, model, rows, config.seed)
    described = model.describe()
    unfiltered = None
    if config.privacy_filter or config.quality_filter or model.constraints:
        with timer.stage("filter", progress):
            filtered = filter_synthetic(backend.sample, model, synthetic, train, holdout, config)
        if filtered.total_removed or filtered.short:
            unfiltered = synthetic
        synthetic = filtered.frame
        rows = synthetic.height
        described = described | {"filter": filtered.describe()}
        log.info(
            "filter: %d of %d drawn rows removed (%s)",
            filtered.total_removed,
            filtered.drawn,
            ", ".join(f"{k} {v}" for k, v in filtered.removed.items()) or "no check",
        )
    with timer.stage("write", progress):
        written = executor.write(synthetic, rows, work, config, model)
    with timer.stage("report", progress):
        all_measured = whole and rows <= config.fit_rows
        synthetic_measured = executor.collect(written, rows if all_measured else train.height)
        kinds = {c: infer_kind(synthetic_measured[c]) for c in synthetic_measured.columns}
        leaks = executor.search(parts.whole, written, schema, kinds)
        copies = None
        if not all_measured:
            stage = cleaning_stage(cleaned, key)
            like_cleaned = next(stage(like))
            train_rows = every.get("train")
            if train_rows is None:
                train_rows = executor.map(parts.train, stage, like_cleaned, keep=True)
                kept.append(train_rows)
            copies = executor.copies(
                train_rows,
                executor.map(parts.holdout, stage, like_cleaned),
                written,
                list(compared_kinds(train, synthetic_measured)),
            )
        scale_out = executor.describe()
        if scale_out:
            scale_out |= {
                "rows": {
                    "input": n_train + n_holdout,
                    "train": n_train,
                    "holdout": n_holdout,
                    "synthetic": rows,
                },
                "measured_on": {
                    "train": train.height,
                    "holdout": holdout.height,
                    "synthetic": synthetic_measured.height,
                },
            } | parts.facts.get("scale_out", {})
        audit = cleaned.audit_dict()
        report = build_report(
            train=train,
            holdout=holdout,
            synthetic=synthetic_measured,
            unfiltered=unfiltered,
            synthesis=described,
            residual_identifiers=[str(leak) for leak in leaks],
            identifier_values=identifier_values(pl.concat([raw_sample, raw_holdout]), schema),
            scale_out=scale_out or None,
            exact_copies=copies,
            **report_settings(config, schema, audit, source, executor.versions()),
        )
    log.info("report: verdict %s", report.verdict.value)
    dp = (described.get("preparation") or {}).get("differential_privacy")
    extra: dict[str, Any] = ({"differential_privacy": dp} if dp else {}) | executor.manifest()
    with timer.stage("save", progress):
        manifest = write_outputs(
            work,
            backend,
            model,
            schema,
            audit,
            report,
            config,
            source,
            {"train": n_train, "holdout": n_holdout, "synthetic": rows},
            timer,
            **extra,
        )
    return report, manifest
