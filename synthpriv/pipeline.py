"""The stages chained: scan, clean, split, fit, sample, report. Never prints.

Progress is reported through a :class:`Progress` passed in (the CLI gives a rich display on a TTY,
tests and cron jobs get :class:`NullProgress`). A run writes into a temporary directory renamed
into place at the end, so a failed or interrupted run leaves nothing behind.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl

from synthpriv import synth
from synthpriv.clean import (
    CleanResult,
    Leak,
    apply_steps,
    clean_table,
    find_leaks,
    information_kept,
    verify_clean,
)
from synthpriv.config import RunConfig
from synthpriv.dp import SPLIT_ROWS
from synthpriv.errors import ConfigError, InputError
from synthpriv.filtering import FilterResult, validate
from synthpriv.io import atomic_directory, check_output, load_table, write_json, write_table
from synthpriv.manifest import input_record, package_versions, write_manifest
from synthpriv.pii.detector import ColumnDetector, DetectorSettings
from synthpriv.policy import Policy, load_policy, pseudonym_key
from synthpriv.report import Report, build_report, exit_status_for, write_report
from synthpriv.schema import Role, TableSchema
from synthpriv.status import ExitStatus
from synthpriv.synthesis_plan import (
    DP_ENGINES,
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
    """The original values of the schema's direct identifiers, to keep out of chart labels."""
    return [
        frame.get_column(c.name).drop_nulls().unique()
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
) -> CleanResult:
    """Clean ``frame`` under ``policy`` (default ``strict``); prove no direct identifier is left.

    ``search`` looks for identifier values beyond ``frame`` (see :func:`verify_clean`);
    ``row_by_row`` skips the steps fitted on the rows (for a DP engine, see :func:`clean_table`);
    ``scanned_here``: ``schema`` is ``detector``'s scan of ``frame`` (see :func:`verify_clean`).
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
    )
    result.verification = verify_clean(
        frame, result, schema, detector, key=key, search=search, scanned_here=scanned_here
    )
    result.information_kept = information_kept(frame, result.frame, schema)
    return result


def split_holdout(
    frame: pl.DataFrame,
    share: float,
    seed: int,
    *,
    secret: bool = False,
    origin: str = "table",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split rows into (train, holdout) with a seeded permutation; the holdout gets ``share``.

    ``secret`` (for a differentially private engine): each row goes to the holdout by its own
    coin with probability ``share``, drawn from the operating system's randomness, so that one
    row added to the input changes no other row's side and nobody can recompute the split.
    ``origin`` names the input in the error a too-small table gets.
    """
    if frame.height < MIN_ROWS_FOR_RUN:
        raise InputError(
            f"{origin}: table has {frame.height} rows; at least {MIN_ROWS_FOR_RUN} are needed "
            "to hold out real rows for the privacy baseline"
        )
    if secret:
        coins = np.random.default_rng(secrets.randbits(128)).random(frame.height) < share
        return frame.filter(pl.Series(~coins)), frame.filter(pl.Series(coins))
    order = np.random.default_rng(seed).permutation(frame.height)
    n_holdout = max(1, int(round(frame.height * share)))
    holdout_rows = np.sort(order[:n_holdout])
    train_rows = np.sort(order[n_holdout:])
    return frame[train_rows], frame[holdout_rows]


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


def fit_model(backend: Any, cleaned: CleanResult, config: RunConfig, params: dict[str, Any]) -> Any:
    """Fit the config's engine on the cleaned rows (``backend``: ``synthpriv.synth`` or a fake)."""
    extra = {"rows_from": SPLIT_ROWS} if config.engine in DP_ENGINES else {}
    return backend.fit(
        cleaned.frame,
        schema=cleaned.schema,
        seed=config.seed,
        engine=config.engine,
        params=params,
        constraints=config.constraints,
        keep_rare=config.keep_rare,
        fit_rows=config.fit_rows,
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
    """What a run produced."""

    output: Path
    report: Report
    exit_status: ExitStatus
    files: dict[str, str]
    timings: dict[str, float]


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

    Outputs: ``synthetic.csv``, ``model.synthpriv``, ``schema.json``, ``audit.json``,
    ``report.json``, ``report.html`` and ``manifest.json``.

    ``synthesizer`` fits, samples and saves models: :mod:`synthpriv.synth` unless a test passes
    a fake with the same ``fit``, ``sample`` and ``save_model``.

    Raises:
        InputError, ConfigError, OutputError, ResidualPIIError: see :mod:`synthpriv.errors`.
    """
    config = config or RunConfig()
    backend = synthesizer or synth
    progress = progress or NullProgress()
    input_path, output = Path(input_path), Path(output)
    inputs = [input_path, config.key_file, config.recognizers]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    timer = Timer()
    with timer.stage("read", progress):
        loaded = load_table(input_path, encoding=config.encoding)
        frame = loaded.frame
        source = input_record(input_path, frame, read=loaded.facts)
    check_target(config, frame.columns, input_path.name)
    params, policy, key = prepare(config)
    with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
        detector = make_detector(config)
        log.info("read %s: %d rows x %d columns", input_path.name, frame.height, frame.width)
        # Split first: every data-dependent choice (roles, rare categories, bin edges) is made
        # on the training rows and applied to the holdout, which stays a fair baseline.
        private = config.engine in DP_ENGINES
        raw_train, raw_holdout = split_holdout(
            frame, config.holdout_share, config.seed, secret=private, origin=str(input_path)
        )
        with timer.stage("scan", progress, total=frame.width):
            schema = scan(raw_train, config, source=source, detector=detector, progress=progress)
        log.info(
            "scan: %s",
            ", ".join(
                f"{len(schema.by_role(role))} {role}" for role in Role if schema.by_role(role)
            ),
        )
        with timer.stage("clean", progress, total=frame.width):
            cleaned = clean_and_verify(
                raw_train,
                schema,
                detector,
                progress,
                policy=policy,
                key=key,
                redact_chars=config.budgets.redact_chars,
                row_by_row=private,
                scanned_here=True,
            )
        log.info(
            "clean: %d columns dropped, %d spans redacted, verified",
            sum(a.action == "drop" for a in cleaned.audit),
            sum(sum(a.spans_redacted.values()) for a in cleaned.audit),
        )
        train, holdout = cleaned.frame, apply_steps(raw_holdout, cleaned, key=key)
        with timer.stage("fit", progress):
            model = fit_model(backend, cleaned, config, params)
        log.info("fit: %s on %d rows, %d columns", config.engine, train.height, len(model.columns))
        with timer.stage("sample", progress):
            # a DP model knows the row count only as its noisy estimate (training_rows)
            synthetic = backend.sample(model, config.rows or model.training_rows, seed=config.seed)
        described = model.describe()
        unfiltered = None
        if config.privacy_filter or config.quality_filter or model.constraints:
            with timer.stage("filter", progress):
                filtered = filter_synthetic(
                    backend.sample, model, synthetic, train, holdout, config
                )
            if filtered.total_removed or filtered.short:
                unfiltered = synthetic
            synthetic = filtered.frame
            described = described | {"filter": filtered.describe()}
            log.info(
                "filter: %d of %d drawn rows removed (%s)",
                filtered.total_removed,
                filtered.drawn,
                ", ".join(f"{k} {v}" for k, v in filtered.removed.items()) or "no check",
            )
        audit = cleaned.audit_dict()
        with timer.stage("report", progress):
            report = build_report(
                train=train,
                holdout=holdout,
                synthetic=synthetic,
                unfiltered=unfiltered,
                synthesis=described,
                residual_identifiers=[str(leak) for leak in find_leaks(frame, synthetic, schema)],
                identifier_values=identifier_values(frame, schema),
                **report_settings(config, schema, audit, source),
            )
        log.info("report: verdict %s", report.verdict.value)
        with timer.stage("write", progress):
            write_table(
                synth.in_input_form(model, synthetic),
                work / "synthetic.csv",
                formulas=not config.protect_formulas,
            )
            rows = {"train": train.height, "holdout": holdout.height, "synthetic": synthetic.height}
            dp = (described.get("preparation") or {}).get("differential_privacy")
            extra = {"differential_privacy": dp} if dp else {}
            files = write_outputs(
                work, backend, model, schema, audit, report, config, source, rows, timer, **extra
            )["outputs"]
    return RunResult(
        output=output,
        report=report,
        exit_status=exit_status_for(report),
        files=files,
        timings=timer.seconds,
    )
