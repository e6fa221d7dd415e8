"""The ``synthpriv`` command: parses arguments, calls :mod:`synthpriv.api`, renders results.

The CLI layer (this module, :mod:`synthpriv.cli_options` and :mod:`synthpriv.cli_render`) is the
only one that prints. Data (``--json``) goes to stdout; progress, logs and errors go to stderr.
Library exceptions become exit codes in one place, :meth:`SynthprivGroup.invoke`.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from synthpriv import api
from synthpriv.cli_options import (
    clean_options,
    config_from,
    fit_options,
    global_options,
    parse_conditions,
    report_options,
    run_options,
    sample_options,
    scan_options,
    split_options,
)
from synthpriv.cli_render import (
    State,
    closing,
    finish_report,
    safe_traceback,
    setup_logging,
    show_clean,
    show_fit,
    show_sample,
    show_scan,
    show_split,
)
from synthpriv.config import load_config
from synthpriv.errors import ConfigError, SynthprivError
from synthpriv.status import ExitStatus, exit_codes_help, mark_interrupted

__all__ = ["cli", "main"]

DEFAULT = ParameterSource.DEFAULT


class Interrupted(KeyboardInterrupt):
    """Raised on SIGTERM so that cleanup runs exactly as for Ctrl-C."""


class SynthprivGroup(click.Group):
    """A click group whose ``invoke`` is the single error boundary.

    ``--json`` is a group option; written after the command (``synthpriv run t.csv --json``),
    where cron lines often put it, it is moved in front of the command before parsing.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Accept ``--json`` anywhere before a ``--``."""
        end = args.index("--") if "--" in args else len(args)
        if "--json" in args[:end]:
            args = ["--json"] + [a for i, a in enumerate(args) if a != "--json" or i >= end]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn exceptions into one-line messages and exit codes."""
        try:
            return super().invoke(ctx)
        except SynthprivError as exc:
            _fail(ctx, f"error: {exc}", exc.exit_status, exc)
        except KeyboardInterrupt as exc:
            _fail(
                ctx,
                "interrupted; no partial output was left behind",
                ExitStatus.INTERRUPTED,
                exc,
            )
        except click.ClickException as exc:
            _emit_failure(ctx, f"error: {exc.format_message()}", exc.exit_code)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary for bugs
            # The message of an unexpected exception may quote data; show only its type.
            _fail(
                ctx,
                f"internal error: {type(exc).__name__} (re-run with -v for the traceback)",
                ExitStatus.INTERNAL_ERROR,
                exc,
            )


def _emit_failure(ctx: click.Context, message: str, code: int) -> None:
    """In ``--json`` mode, the one JSON object a cron parser reads, also when the run failed."""
    state = ctx.find_object(State)
    # An unknown command fails before the group's callback made the State: read the flag itself.
    as_json = state.as_json if state is not None else bool(ctx.params.get("as_json"))
    if as_json:
        failure = {
            "exit_code": int(code),
            "error": message.removeprefix("error: "),
            "verdict": None,
            "files": [],
            "output": None,
        }
        click.echo(json.dumps(failure, indent=2, sort_keys=True))


def _fail(ctx: click.Context, message: str, status: ExitStatus, exc: BaseException) -> None:
    state = ctx.find_object(State)
    if state is not None and state.verbose:
        click.echo(safe_traceback(exc), err=True, nl=False)
    _emit_failure(ctx, message, status)
    click.echo(message, err=True)
    ctx.exit(int(status))


@click.group(cls=SynthprivGroup, context_settings={"help_option_names": ["-h", "--help"]})
@global_options
@click.pass_context
def cli(
    ctx: click.Context,
    quiet: bool,
    as_json: bool,
    verbose: int,
    log_format: str,
    log_file: Path | None,
    threads: int | None,
) -> None:
    """Find PII, clean it, synthesize a shareable table and report fidelity and privacy.

    \b
    Example (the whole job in one go):
      synthpriv run sample_data/healthcare.csv -o out/

    Exit codes: {exit_codes}. --json may also be written after the command.
    """
    injected = ctx.obj if isinstance(ctx.obj, dict) else {}
    ctx.obj = State(quiet, as_json, verbose, **injected)
    setup_logging(verbose, quiet, log_format, log_file)
    # Before any command imports scikit-learn, OpenBLAS or numba (they size pools at start).
    from synthpriv import threads as thread_pools

    thread_pools.configure(threads)


cli.help = (cli.help or "").replace("{exit_codes}", exit_codes_help())


# ------------------------------------------------------------------------------------ split


@cli.command()
@split_options
@click.pass_obj
def split(
    state: State, input_path: Path, output: Path, file_format: str, overwrite: bool, **flags: Any
) -> None:
    """Keep real rows apart as the privacy baseline: write train and holdout files.

    Step-by-step users split first, then scan, clean and fit on the training file only; the
    holdout (real rows the model never sees) is what 'synthpriv report --holdout' compares
    with. Without it the report's privacy checks cannot run and its verdict is INCOMPLETE.
    The same INPUT, share and seed always give the same split ('synthpriv run' splits the same
    way). Both files hold real, uncleaned rows: keep them where the input is kept.
    INPUT may be a folder of linked tables: its people are split, each with all their rows.

    \b
    Example:
      synthpriv split claims.csv -o parts/            # parts/train.csv, parts/holdout.csv
      synthpriv split ehr_export/ -o parts/           # parts/train/TABLE.csv, parts/holdout/...
      synthpriv split claims.parquet -o parts/ --holdout-share 0.25 --seed 7
    """
    config = config_from(flags)
    result = api.split(input_path, output, config, file_format=file_format, overwrite=overwrite)
    show_split(state, result)


# ------------------------------------------------------------------------------------- scan


@cli.command()
@scan_options
@click.pass_obj
def scan(
    state: State,
    input_path: Path,
    output: Path | None,
    previous_path: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Find PII per column and write the column schema (editable JSON).

    Each column gets a role (direct_identifier, quasi_identifier, sensitive, free_text_pii, none),
    the entity types found with a confidence, the evidence, and masked examples only. Edit the
    file to correct a role or set an action; 'clean' and 'fit' honour it. With --previous, the
    reviewed schema's decisions are kept and the scan's disagreements are listed.
    INPUT may be a folder of linked tables: its keys, links and each table's columns, for review.

    \b
    Example:
      synthpriv scan sample_data/healthcare.csv -o healthcare.schema.json
      synthpriv scan parts/train/ -o ehr.schema.json    # what 'fit parts/train/' will clean
      synthpriv scan new_extract.csv --previous healthcare.schema.json -o new_extract.schema.json
    """
    config = config_from(flags)
    progress = state.progress()
    try:
        result = api.scan(
            input_path,
            output,
            config,
            previous=previous_path,
            overwrite=overwrite,
            progress=progress,
        )
    finally:
        closing(progress)
    show_scan(state, result, input_path)


# ------------------------------------------------------------------------------------ clean


@cli.command()
@clean_options
@click.pass_obj
def clean(
    state: State,
    input_path: Path,
    schema_path: Path,
    output: Path,
    audit_path: Path | None,
    holdout_path: Path | None,
    holdout_output: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Remove or transform PII under a policy, verify, and write the cleaned table.

    Policies: strict (default: direct identifiers dropped, free text redacted, birth dates to year,
    ZIP to 3 digits, or fewer when 3 would leave more than 5% of cells in areas too small to
    keep, ages top-coded at 90, rare categories suppressed), hipaa-safe-harbor,
    pseudonymize (keyed HMAC pseudonyms; needs SYNTHPRIV_PSEUDONYM_KEY or --key-file), or a policy
    file. A column's "action" in the schema overrides the policy. The output is re-scanned and
    searched for every original identifier value; if any remains, nothing is written (exit 5).
    Besides OUT it writes OUT.audit.json and OUT.schema.json (the schema with the applied
    actions, for 'synthpriv fit --schema').

    With --holdout (the holdout file of 'synthpriv split'), the holdout is cleaned the same way:
    categories rare in INPUT are pooled there too, bins keep INPUT's edges, dropped columns are
    dropped. Nothing is fitted on the holdout, so it stays a fair privacy baseline.

    A folder of linked tables (INPUT and --holdout the train/ and holdout/ of 'synthpriv
    split', --schema what 'synthpriv scan' wrote for train/) is cleaned table by table, every
    other table's identifiers searched for in each. Keys and links are replaced so the tables
    still join: by keyed pseudonyms under a policy that needs the key (pseudonymize: the same
    in every table, file and run), else by fresh numbers in a random order. OUT is a folder of
    the tables, schema.json, audit.json and relations.toml; 'fit', 'report' and 'run' take it
    as cleaned and do not clean it again (the holdout goes to OUT.holdout by default).

    \b
    Example:
      synthpriv clean sample_data/healthcare.csv --schema healthcare.schema.json -o clean.csv
      synthpriv clean parts/train.csv --schema s.json --holdout parts/holdout.csv -o clean.csv
      synthpriv clean claims.csv --schema s.json --policy hipaa-safe-harbor -o claims.clean.csv
      synthpriv clean parts/train --schema ehr.schema.json --holdout parts/holdout -o clean
    """
    if holdout_output and not holdout_path:
        raise click.UsageError("--holdout-output needs --holdout")
    config = config_from(flags)
    result = api.clean(
        input_path,
        schema_path,
        output,
        config,
        audit=audit_path,
        holdout=holdout_path,
        holdout_output=holdout_output,
        overwrite=overwrite,
    )
    show_clean(state, result, input_path)


# -------------------------------------------------------------------------------- fit / sample


def _refuse_cleaning_options(input_path: Path) -> None:
    """--policy and --key-file clean a folder's tables in 'fit' and 'report'; not one table's."""
    ctx = click.get_current_context()
    given = [n for n in ("policy", "key_file") if ctx.get_parameter_source(n) != DEFAULT]
    if given and not api.is_folder(input_path):
        raise ConfigError(
            "--policy and --key-file are for a folder of linked tables; clean one table with "
            f"'synthpriv clean' before '{ctx.info_name}'"
        )


@cli.command()
@fit_options
@click.pass_obj
def fit(
    state: State,
    input_path: Path,
    output: Path,
    schema_path: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Fit a synthesizer on a cleaned table and save it as a signed model file.

    Free-text and identifier-like columns are left out of the model. A table that still holds a
    direct identifier is refused (exit 5). Values seen fewer than 5 times are pooled before
    fitting, so the model file does not carry them (--keep-rare keeps them).
    CLEAN may be a folder of linked tables (split's train/): each is scanned and cleaned under
    --policy as 'run' does (with --schema, a reviewed 'scan' of the folder, its roles and
    actions instead of a scan), keys set aside, and one model of the folder is written. A
    folder 'synthpriv clean' wrote is fitted as it is.

    \b
    Examples:
      synthpriv fit clean.csv -o model.synthpriv --seed 42
      synthpriv fit parts/train/ -o ehr.synthpriv --seed 42    # a folder of linked tables
      synthpriv fit clean.csv -o m.synthpriv --engine ctgan --param epochs=50
      synthpriv fit claims.csv -o m.synthpriv --constraint inequality:admitted,discharged \\
          --constraint fixed_combinations:city,state --constraint range:age:0:120
    """
    _refuse_cleaning_options(input_path)
    config = config_from(flags)
    result = api.fit(
        input_path,
        output,
        config,
        schema=schema_path,
        overwrite=overwrite,
        synthesizer=state.synthesizer,
    )
    show_fit(state, result)


@cli.command()
@sample_options
@click.pass_obj
def sample(
    state: State,
    model_path: Path,
    rows: int | None,
    output: Path,
    seed: int | None,
    conditions: tuple[str, ...],
    train_path: Path | None,
    holdout_path: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Sample synthetic rows from a model file written by 'synthpriv fit'.

    The same model, row count and seed always give the same table. Rows are drawn and written
    in chunks of 100,000, so memory stays bounded whatever the row count.
    A model of linked tables ('fit FOLDER') writes OUT/TABLE.csv for every table: -n people.

    \b
    Examples:
      synthpriv sample model.synthpriv -n 5000 -o synthetic.csv
      synthpriv sample ehr.synthpriv -n 500 -o synthetic/      # 500 people, every table
      synthpriv sample model.synthpriv -n 10000000 -o big.parquet
      synthpriv sample model.synthpriv -n 500 --condition sex=F -o women.csv
      synthpriv sample model.synthpriv -n 5000 -o synthetic.csv \\
          --privacy-filter --train clean.csv --holdout holdout.csv

    With --privacy-filter or --quality-filter the rows are drawn in memory, checked against the
    cleaned training table (and holdout) and drawn again for the ones dropped; the counts are
    printed (with --json, returned).
    """
    config = config_from(flags)
    progress = state.progress()
    try:
        result = api.sample(
            model_path,
            output,
            rows,
            config,
            seed=seed,
            conditions=parse_conditions(conditions),
            train=train_path,
            holdout=holdout_path,
            overwrite=overwrite,
            progress=progress,
        )
    finally:
        closing(progress)
    show_sample(state, result)


# ------------------------------------------------------------------------------------ report


@cli.command()
@report_options
@click.pass_obj
def report(
    state: State,
    real_path: Path,
    synthetic_path: Path,
    holdout_path: Path | None,
    schema_path: Path | None,
    output: Path,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Measure fidelity and privacy leakage; write report.json, report.html and report.pdf.

    Exits 6 when a privacy gate fails, 7 when the fidelity gate fails and 9 when a privacy check
    could not run (no --holdout: the verdict is INCOMPLETE, never PASS), so batch jobs can act.
    Make the holdout with 'synthpriv split' before cleaning (see 'synthpriv clean --holdout').

    --real may be a folder of linked tables (split's train/, with --holdout its holdout/ and
    --synthetic sample's folder): cleaned under --policy as 'fit' did (give --schema if 'fit'
    was given one), reported as 'run' does. Folders 'synthpriv clean' wrote are taken as they are.

    \b
    Example:
      synthpriv report --real train.csv --synthetic synthetic.csv --holdout holdout.csv -o rep/
      synthpriv report --real parts/train --synthetic syn/ --holdout parts/holdout -o rep/
      synthpriv report --real train.csv --synthetic syn.csv --holdout h.csv --schema s.json -o rep/
    """
    _refuse_cleaning_options(input_path=real_path)
    config = config_from(flags)
    result = api.report(
        real_path,
        synthetic_path,
        output,
        config,
        holdout=holdout_path,
        schema=schema_path,
        overwrite=overwrite,
    )
    finish_report(state, result)


# --------------------------------------------------------------------------------------- run


@cli.command()
@run_options
@click.pass_obj
def run(
    state: State,
    input_path: str | None,
    config_path: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Run the whole job: scan, clean, fit, sample and report, into one run directory.

    The run directory receives synthetic.csv, model.synthpriv, schema.json, audit.json,
    report.json, report.html and manifest.json. It is written under a temporary name and renamed
    at the end: a failed or interrupted run leaves nothing behind. INPUT may be a folder of
    linked tables (one CSV or Parquet file per table, keys found from the data): each table is
    written to synthetic/TABLE.csv, with one report for the folder and the people in it.

    \b
    Example:
      synthpriv run sample_data/healthcare.csv -o out/healthcare
      synthpriv run ehr_export/ -o out/ehr    # patients.csv, admissions.csv, diagnoses.csv
      synthpriv --json run claims.parquet -o runs/2026-11-24 --config job.toml
      synthpriv run --config job.toml        # input and output from the config's [io]
      synthpriv run s3a://lake/claims/ -o runs/claims --spark 'local[*]'
    """
    config = config_from(flags, load_config(config_path) if config_path else None)
    if input_path is None and config.input is None or config.output is None:
        missing = "INPUT" if input_path is None and config.input is None else "-o/--output"
        raise click.UsageError(f"give {missing} on the command line or in the config's [io] table")
    progress = state.progress()
    try:
        result = api.run(
            input_path,
            config.output,
            config,
            progress=progress,
            overwrite=overwrite,
            synthesizer=state.synthesizer,
        )
    finally:
        closing(progress)
    finish_report(state, result)


# ------------------------------------------------------------------------------------ config


@cli.group()
def config() -> None:
    """Work with job config files (TOML): every run option, in one file a cron job can name.

    \b
    Example:
      synthpriv config init job.toml        # a commented starter: every setting, its default
      synthpriv run --config job.toml       # input, output and settings from the file
    """


@config.command("init")
@click.argument("path", type=click.Path(path_type=Path), default=Path("synthpriv.toml"))
@click.option("--overwrite", "--force", "overwrite", is_flag=True, help="Replace an existing file.")
@click.pass_obj
def config_init(state: State, path: Path, overwrite: bool) -> None:
    """Write a commented starter config file.

    \b
    Example:
      synthpriv config init job.toml
    """
    api.init_config(path, overwrite=overwrite)
    state.info(f"starter config written to {path}")


def _on_sigterm(signum: int, frame: Any) -> None:
    mark_interrupted()  # kept if the exception is lost (raised inside a finalizer)
    raise Interrupted()


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    cli(prog_name="synthpriv")
