"""The ``synthpriv`` command: parses arguments, calls the library, renders results.

This is the only module that prints. Data (``--json``) goes to stdout; progress, logs and errors go
to stderr. Library exceptions become exit codes in one place, :meth:`SynthprivGroup.invoke`.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthpriv import __version__
from synthpriv.config import STARTER, RunConfig, default_of, help_of, is_url, load_config
from synthpriv.errors import ConfigError, InputError, OutputError, SynthprivError
from synthpriv.status import ExitStatus, exit_codes_help

if TYPE_CHECKING:
    from synthpriv.report import Report

log = logging.getLogger("synthpriv")


class Interrupted(KeyboardInterrupt):
    """Raised on SIGTERM so that cleanup runs exactly as for Ctrl-C."""


class State:
    """Global options shared by every command, and the collaborators commands use.

    ``synthesizer`` is the module (or any object with its ``fit``, ``sample`` and ``save_model``)
    that fits and samples; tests pass a fast fake through ``CliRunner.invoke(obj=...)``.
    """

    def __init__(self, quiet: bool, as_json: bool, verbose: int, synthesizer: Any = None):
        self.synthesizer = synthesizer
        self.quiet = quiet
        self.as_json = as_json
        self.verbose = verbose
        self.out = Console(highlight=False)
        self.err = Console(stderr=True, highlight=False)

    def progress(self) -> Any:
        """A progress bar on a terminal, log lines in a log file, nothing with ``--quiet``."""
        from synthpriv.pipeline import NullProgress
        from synthpriv.progress_lines import LineProgress

        if self.quiet:
            return NullProgress()
        if not self.err.is_terminal:
            return LineProgress()
        return RichProgress(self.err)

    def info(self, message: str) -> None:
        """A human message on stderr (silenced by ``--quiet``)."""
        if not self.quiet:
            self.err.print(message, soft_wrap=True)

    def emit(self, data: Any) -> None:
        """Write machine-readable data to stdout."""
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


class RichProgress:
    """Stage-by-stage progress on stderr."""

    def __init__(self, console: Console):
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<8}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: Any = None
        self._progress.start()

    def start(self, stage: str, total: int | None = None) -> None:
        """Add a line for the stage."""
        self._task = self._progress.add_task(stage, total=total or 1)

    def advance(self, steps: int = 1) -> None:
        """Advance the current stage."""
        if self._task is not None:
            self._progress.advance(self._task, steps)

    def finish(self) -> None:
        """Complete the current stage."""
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total)
            self._task = None

    def close(self) -> None:
        """Stop redrawing."""
        self._progress.stop()


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


def safe_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes, with messages of other libraries withheld.

    Frames (file, line, function, source line) are kept; the message of any exception that is
    not synthpriv's own is replaced, since SDV, RDT, Presidio or polars may quote a cell in it.
    """
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for index, item in enumerate(reversed(chain)):
        if index:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        message = (
            str(item)
            if isinstance(item, SynthprivError)
            else "(message withheld: it may quote input values)"
        )
        parts.append(f"{type(item).__module__}.{type(item).__qualname__}: {message}\n")
    return "".join(parts)


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


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per log record: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a JSON line."""
        return json.dumps(
            {
                "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            },
            sort_keys=True,
        )


class _LevelOrProgress(logging.Filter):
    """Records at ``level`` and above, and the progress logger's lines unless ``--quiet``."""

    def __init__(self, level: int, show_progress: bool) -> None:
        super().__init__()
        self.level = level
        self.show_progress = show_progress

    def filter(self, record: logging.LogRecord) -> bool:
        """Let the record through or not."""
        if record.levelno >= self.level:
            return True
        return self.show_progress and record.name == "synthpriv.progress"


def _setup_logging(verbose: int, quiet: bool, log_format: str, log_file: Path | None) -> None:
    level = logging.ERROR if quiet else logging.WARNING
    if verbose == 1:
        level = logging.INFO
    elif verbose > 1:
        level = logging.DEBUG
    handlers: list[logging.Handler]
    if log_format == "json":
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(JsonLinesFormatter())
        handlers = [stream]
    else:
        handlers = [RichHandler(console=Console(stderr=True), show_path=False, show_time=False)]
    for handler in handlers:
        handler.setLevel(min(level, logging.INFO))
        # stage lines (synthpriv.progress) reach a log file stderr at the default level too
        handler.addFilter(_LevelOrProgress(level, show_progress=not quiet))
    if log_file is not None:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setLevel(logging.INFO if verbose < 2 else logging.DEBUG)
        file_handler.setFormatter(
            JsonLinesFormatter()
            if log_format == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        handlers.append(file_handler)
    logging.basicConfig(level=logging.DEBUG, handlers=handlers, format="%(message)s", force=True)
    # Third-party libraries are chatty; they speak at -vv only.
    for noisy in (
        "presidio-analyzer",
        "presidio-anonymizer",
        "sdv",
        "rdt",
        "copulas",
        "SingleTableSynthesizer",
    ):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.ERROR)


@click.group(cls=SynthprivGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="synthpriv")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (and --json data).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
@click.option("-v", "--verbose", count=True, help="More logging; -v also shows tracebacks.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log lines on stderr (and in --log-file) as text or JSON lines.",
)
@click.option(
    "--log-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also append log lines (INFO and above) to this file.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads for the heavy stages [the cores other processes leave free; or "
    "$SYNTHPRIV_THREADS].",
)
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
    _setup_logging(verbose, quiet, log_format, log_file)
    # Before any command imports scikit-learn, OpenBLAS or numba (they size pools at start).
    from synthpriv import threads as thread_pools

    thread_pools.configure(threads)


cli.help = (cli.help or "").replace("{exit_codes}", exit_codes_help())


def _read(path: Path, encoding: str) -> Any:
    """Read an input table; reading warnings (encoding, renamed headers) go to the log."""
    from synthpriv.io import read_table

    return read_table(path, encoding=encoding)


encoding_option = click.option(
    "--encoding",
    default="auto",
    show_default=True,
    help="Text encoding of CSV input: auto (detected and recorded), or a name such as latin-1.",
)
recognizers_option = click.option(
    "--recognizers",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML file of extra pattern recognizers (Presidio's format).",
)
policy_option = click.option(
    "--policy",
    default=None,
    help="strict, hipaa-safe-harbor, pseudonymize, or a policy file [strict].",
)
key_file_option = click.option(
    "--key-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File holding the pseudonym key (else $SYNTHPRIV_PSEUDONYM_KEY); never the key itself.",
)
overwrite_option = click.option(
    "--overwrite",
    is_flag=True,
    help="Replace existing output (never an input; a directory only if synthpriv wrote it).",
)
# One --nlp-model for every command: its default and help are the config's (scan.nlp_model);
# run's flag has no default of its own, so a config file's value counts.
nlp_model_option = click.option(
    "--nlp-model",
    "nlp_model",
    default=default_of("nlp_model"),
    show_default=False,
    help=help_of(
        "nlp_model",
        "spaCy model for free text: auto (the best installed English "
        "model), none, or an installed package name",
    ),
)
run_nlp_model_option = click.option(
    "--nlp-model",
    "nlp_model",
    default=None,
    help="spaCy model for free text: auto (the best installed English model), none, or an "
    f"installed package name [config scan.nlp_model; {default_of('nlp_model')}]",
)
pdf_option = click.option(
    "--no-pdf",
    "no_pdf",
    is_flag=True,
    default=None,
    help="Do not write report.pdf (by default the report is also printed to PDF by headless "
    "Chromium when one is found) [config io.report_pdf].",
)
formulas_option = click.option(
    "--allow-formulas",
    is_flag=True,
    default=None,
    help="Write CSV cells that start with = + - @ as they are (default: prefixed with ' so "
    "spreadsheets do not run them as formulas).",
)


def filter_options(func: Any) -> Any:
    """The validation filter's switches, shared by sample and run."""
    options = [
        click.option(
            "--privacy-filter/--no-privacy-filter",
            default=None,
            help="Drop synthetic rows closer to a training row than 95% of unseen real rows "
            "come, and draw again [config or off].",
        ),
        click.option(
            "--quality-filter/--no-quality-filter",
            default=None,
            help="Drop synthetic rows a classifier trained on real rows calls clearly "
            "synthetic, and draw again [config or off].",
        ),
        click.option(
            "--quality-threshold",
            type=click.FloatRange(0.5, 1.0, min_open=True),
            default=None,
            help="Probability of being synthetic at which the quality filter drops a row [0.9].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


seed_option = click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Seed for sampling and synthesis.",
)


# ------------------------------------------------------------------------------------ split


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory to create with train and holdout files (and manifest.json).",
)
@click.option(
    "--holdout-share",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help=help_of("holdout_share"),
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["same", "csv", "parquet"]),
    default="same",
    show_default=True,
    help="Format of the two files: that of INPUT, CSV or Parquet.",
)
@seed_option
@encoding_option
@overwrite_option
@click.pass_obj
def split(
    state: State,
    input_path: Path,
    output: Path,
    holdout_share: float | None,
    file_format: str,
    seed: int,
    encoding: str,
    overwrite: bool,
) -> None:
    """Keep real rows apart as the privacy baseline: write train and holdout files.

    Step-by-step users split first, then scan, clean and fit on the training file only; the
    holdout (real rows the model never sees) is what 'synthpriv report --holdout' compares
    with. Without it the report's privacy checks cannot run and its verdict is INCOMPLETE.
    The same INPUT, share and seed always give the same split ('synthpriv run' splits the same
    way). Both files hold real, uncleaned rows: keep them where the input is kept.

    \b
    Example:
      synthpriv split claims.csv -o parts/            # parts/train.csv, parts/holdout.csv
      synthpriv split claims.parquet -o parts/ --holdout-share 0.25 --seed 7
    """
    from synthpriv.io import atomic_directory, check_output, write_table
    from synthpriv.io.write import is_parquet_name
    from synthpriv.manifest import input_record, write_manifest
    from synthpriv.pipeline import split_holdout

    share = holdout_share if holdout_share is not None else default_of("holdout_share")
    from synthpriv.io import load_table
    from synthpriv.io.dates import write_back

    check_output(output, inputs=[input_path], overwrite=overwrite, directory=True)
    loaded = load_table(input_path, encoding=encoding)
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
    files = {name: str(output / name) for name in manifest["outputs"]}
    if state.as_json:
        state.emit({"rows": manifest["rows"], "files": files, "seed": seed, "output": str(output)})
        return
    state.info(
        f"{train.height} training rows: {output / f'train{suffix}'}\n"
        f"{holdout.height} holdout rows: {output / f'holdout{suffix}'} (seed {seed})"
    )


# ------------------------------------------------------------------------------------- scan


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Where to write the column schema [default: INPUT_STEM.schema.json here].",
)
@nlp_model_option
@click.option(
    "--budget",
    type=click.IntRange(10, 100_000),
    default=100,
    show_default=True,
    help="Distinct values sampled per column.",
)
@click.option(
    "--previous",
    "previous_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A schema from an earlier scan (possibly edited): report what changed and keep its "
    "roles, entities and actions.",
)
@recognizers_option
@overwrite_option
@seed_option
@encoding_option
@click.pass_obj
def scan(
    state: State,
    input_path: Path,
    output: Path | None,
    nlp_model: str,
    budget: int,
    previous_path: Path | None,
    recognizers: Path | None,
    overwrite: bool,
    seed: int,
    encoding: str,
) -> None:
    """Find PII per column and write the column schema (editable JSON).

    Each column gets a role (direct_identifier, quasi_identifier, sensitive, free_text_pii, none),
    the entity types found with a confidence, the evidence, and masked examples only. Edit the
    file to correct a role or set an action; 'clean' and 'fit' honour it. With --previous, the
    reviewed schema's decisions are kept and the scan's disagreements are listed.

    \b
    Example:
      synthpriv scan sample_data/healthcare.csv -o healthcare.schema.json
      synthpriv scan new_extract.csv --previous healthcare.schema.json -o new_extract.schema.json
    """
    from synthpriv.io import check_output, load_table, write_json
    from synthpriv.manifest import input_record
    from synthpriv.pipeline import scan as run_scan
    from synthpriv.schema import TableSchema, compare_schemas, keep_reviewed

    output = check_output(
        output or Path(f"{input_path.stem}.schema.json"),
        inputs=[input_path, previous_path, recognizers],
        overwrite=overwrite,
    )
    previous = TableSchema.load(previous_path) if previous_path else None
    loaded = load_table(input_path, encoding=encoding)
    frame = loaded.frame
    config = RunConfig(seed=seed, nlp_model=nlp_model, scan_budget=budget, recognizers=recognizers)
    progress = state.progress()
    progress.start("scan", frame.width)
    try:
        source = input_record(input_path, frame, read=loaded.facts)
        schema = run_scan(frame, config, source=source, progress=progress)
        progress.finish()
    finally:
        getattr(progress, "close", lambda: None)()
    changes = compare_schemas(previous, schema) if previous else []
    if previous:
        schema = keep_reviewed(previous, schema)
    write_json(schema.to_dict(), output)
    if state.as_json:
        state.emit(schema.to_dict() | ({"changes": changes} if previous else {}))
        return
    for change in changes:
        state.info(
            f"changed: {change['column']}: {change['change']} "
            f"{change['previous']} -> {change['current']} (kept the previous schema's decision)"
            if change["change"] in ("role", "entities")
            else f"changed: {change['column']}: {change['change']}"
        )
    if not state.quiet:
        table = Table(title=f"PII scan of {input_path.name} ({frame.height} rows)")
        for header in ("column", "kind", "role", "entities", "masked examples"):
            table.add_column(header)
        for column in schema.columns:
            style = {
                "direct_identifier": "red",
                "free_text_pii": "red",
                "quasi_identifier": "yellow",
            }
            table.add_row(
                column.name,
                str(column.kind),
                f"[{style.get(column.role, 'default')}]{column.role}[/]",
                ", ".join(f"{e.type} {e.score:.2f}" for e in column.entities),
                "  ".join(column.examples[:2]),
            )
        state.err.print(table)
    state.info(f"column schema written to {output}")


# ------------------------------------------------------------------------------------ clean


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--schema",
    "schema_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Column schema written by 'synthpriv scan' (roles and actions are honoured).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Cleaned table (.csv or .parquet).",
)
@click.option(
    "--audit",
    "audit_path",
    type=click.Path(path_type=Path),
    help="Audit log path [default: OUTPUT.audit.json].",
)
@click.option(
    "--holdout",
    "holdout_path",
    type=click.Path(path_type=Path),
    help="Real rows kept apart (from 'synthpriv split'): cleaned with the choices fitted on "
    "INPUT, never fitted on themselves.",
)
@click.option(
    "--holdout-output",
    type=click.Path(path_type=Path),
    help="Where to write the cleaned holdout [default: OUTPUT's name with .holdout].",
)
@nlp_model_option
@policy_option
@key_file_option
@formulas_option
@overwrite_option
@encoding_option
@click.pass_obj
def clean(
    state: State,
    input_path: Path,
    schema_path: Path,
    output: Path,
    audit_path: Path | None,
    holdout_path: Path | None,
    holdout_output: Path | None,
    nlp_model: str,
    policy: str | None,
    key_file: Path | None,
    allow_formulas: bool | None,
    overwrite: bool,
    encoding: str,
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

    \b
    Example:
      synthpriv clean sample_data/healthcare.csv --schema healthcare.schema.json -o clean.csv
      synthpriv clean parts/train.csv --schema s.json --holdout parts/holdout.csv -o clean.csv
      synthpriv clean claims.csv --schema s.json --policy hipaa-safe-harbor -o claims.clean.csv
    """
    from synthpriv.clean import apply_steps
    from synthpriv.io import atomic_files, check_output, write_json, write_table
    from synthpriv.pipeline import clean_and_verify, make_detector
    from synthpriv.policy import load_policy, pseudonym_key
    from synthpriv.schema import TableSchema

    audit_path = audit_path or output.with_name(output.name + ".audit.json")
    schema_out = output.with_name(output.name + ".schema.json")
    policy_file = Path(policy) if policy and Path(policy).is_file() else None
    outputs = [output, audit_path, schema_out]
    if holdout_output and not holdout_path:
        raise click.UsageError("--holdout-output needs --holdout")
    if holdout_path:
        holdout_output = holdout_output or output.with_name(f"{output.stem}.holdout{output.suffix}")
        outputs.append(holdout_output)
    if len({p.resolve() for p in outputs}) < len(outputs):
        raise OutputError(f"{output}: --audit must differ from the table and its schema")
    for path in outputs:
        check_output(
            path,
            inputs=[input_path, schema_path, key_file, policy_file, holdout_path],
            overwrite=overwrite,
        )
    schema = TableSchema.load(schema_path)
    chosen = load_policy(policy or "strict")
    key = pseudonym_key(key_file)
    frame = _read(input_path, encoding)
    detector = make_detector(RunConfig(nlp_model=nlp_model))
    holdout = _read(holdout_path, encoding) if holdout_path else None
    if holdout is not None and holdout.columns != frame.columns:
        raise InputError(
            f"{holdout_path}: its columns differ from those of {input_path.name}; give the "
            "holdout written with it by 'synthpriv split'"
        )
    result = clean_and_verify(frame, schema, detector, policy=chosen, key=key)
    from synthpriv.io.dates import write_back

    forms = (schema.source.get("read") or {}).get("datetime_forms") or {}
    with atomic_files(outputs) as temporary:
        table_tmp, audit_tmp, schema_tmp = temporary[:3]
        formulas = bool(allow_formulas)
        write_table(
            write_back(result.frame, forms), table_tmp, suffix=output.suffix, formulas=formulas
        )
        write_json(result.audit_dict(), audit_tmp)
        write_json(result.schema.to_dict(), schema_tmp)
        if holdout is not None:
            cleaned_holdout = write_back(apply_steps(holdout, result, key=key), forms)
            write_table(
                cleaned_holdout, temporary[3], suffix=holdout_output.suffix, formulas=formulas
            )
    if state.as_json:
        state.emit(result.audit_dict())
        return
    dropped = [a.column for a in result.audit if a.action == "drop"]
    state.info(
        f"cleaned {frame.height} rows under policy {chosen.name!r}: "
        f"dropped {len(dropped)} column(s), "
        f"redacted {sum(sum(a.spans_redacted.values()) for a in result.audit)} span(s); "
        "verified: no direct identifier left"
    )
    state.info(f"cleaned table: {output}\naudit log: {audit_path}")
    if holdout_output:
        state.info(f"cleaned holdout (fitted on {input_path.name}): {holdout_output}")


# -------------------------------------------------------------------------------- fit / sample


def parse_params(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to a dict; values are read as JSON when they parse (50, [256])."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--param {item!r}: expected KEY=VALUE")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def parse_constraint(text: str) -> dict[str, Any]:
    """``TYPE:COL[,COL...][:LOW[:HIGH]]`` to a constraint entry (see docs/commands/fit.md)."""
    kind, _, rest = text.partition(":")
    columns, _, bounds = rest.partition(":")
    low, _, high = bounds.partition(":")
    try:
        entry: dict[str, Any] = {
            "type": kind,
            "columns": [c for c in columns.split(",") if c],
            "low": float(low) if low else None,
            "high": float(high) if high else None,
        }
    except ValueError:
        raise ConfigError(f"--constraint {text!r}: bounds must be numbers") from None
    return entry


def synthesis_options(func: Any) -> Any:
    """The engine, parameter, constraint and rare-value options of fit and run."""
    options = [
        click.option(
            "--engine",
            default=None,
            help="cart (default; sequential trees), gaussian_copula, ctgan, tvae, copulagan, "
            "or mst (differentially private; needs --epsilon and --delta).",
        ),
        click.option(
            "--epsilon",
            type=float,
            default=None,
            help="Privacy budget ε of a differentially private engine (mst).",
        ),
        click.option(
            "--delta",
            type=float,
            default=None,
            help="δ of a differentially private engine (mst), below 1 / rows, e.g. 1e-6.",
        ),
        click.option(
            "--param",
            "params",
            multiple=True,
            metavar="KEY=VALUE",
            help="Engine parameter, e.g. epochs=50 (repeatable; an unknown key lists the valid).",
        ),
        click.option(
            "--constraint",
            "constraints",
            multiple=True,
            metavar="TYPE:COLUMNS[:LOW[:HIGH]]",
            help="range:age:0:120, positive:charges, inequality:admitted,discharged, "
            "fixed_combinations:city,state (repeatable).",
        ),
        click.option(
            "--keep-rare",
            is_flag=True,
            default=None,
            help="Keep values seen fewer than 5 times in the model (default: pool them).",
        ),
        click.option(
            "--fit-rows",
            type=click.IntRange(min=100),
            default=None,
            help="Fit on a seeded sample of this many rows when the table is larger "
            "[default: 500000].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@click.argument("input_path", metavar="CLEAN", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="Model file to write."
)
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(path_type=Path),
    help="Column schema; without one the table is scanned and refused if it holds identifiers.",
)
@synthesis_options
@nlp_model_option
@overwrite_option
@seed_option
@encoding_option
@click.pass_obj
def fit(
    state: State,
    input_path: Path,
    output: Path,
    schema_path: Path | None,
    engine: str,
    epsilon: float | None,
    delta: float | None,
    params: tuple[str, ...],
    constraints: tuple[str, ...],
    keep_rare: bool,
    fit_rows: int,
    nlp_model: str,
    overwrite: bool,
    seed: int,
    encoding: str,
) -> None:
    """Fit a synthesizer on a cleaned table and save it as a signed model file.

    Free-text and identifier-like columns are left out of the model. A table that still holds a
    direct identifier is refused (exit 5). Values seen fewer than 5 times are pooled before
    fitting, so the model file does not carry them (--keep-rare keeps them).

    \b
    Examples:
      synthpriv fit clean.csv -o model.synthpriv --seed 42
      synthpriv fit clean.csv -o m.synthpriv --engine ctgan --param epochs=50
      synthpriv fit claims.csv -o m.synthpriv --constraint inequality:admitted,discharged \\
          --constraint fixed_combinations:city,state --constraint range:age:0:120
    """
    from synthpriv import synth
    from synthpriv.io import check_output
    from synthpriv.pipeline import scan as run_scan
    from synthpriv.schema import TableSchema
    from synthpriv.synthesis_plan import with_budget

    check_output(output, inputs=[input_path, schema_path], overwrite=overwrite)
    engine = engine or default_of("engine")
    parameters = with_budget(engine, parse_params(params), epsilon, delta)
    frame = _read(input_path, encoding)
    if schema_path:
        schema = TableSchema.load(schema_path)
    else:
        schema = run_scan(frame, RunConfig(seed=seed, nlp_model=nlp_model))
    model = synth.fit(
        frame,
        schema=schema,
        seed=seed,
        engine=engine,
        params=parameters,
        constraints=[parse_constraint(c) for c in constraints],
        keep_rare=bool(keep_rare),
        fit_rows=fit_rows or synth.FIT_ROWS,
    )
    header = synth.save_model(model, output)
    if state.as_json:
        state.emit(header["model"])
        return
    state.info(
        f"model ({model.engine}, {len(model.columns)} columns, {model.training_rows} rows) "
        f"written to {output}"
    )
    for name, reason in model.excluded.items():
        state.info(f"  left out {name}: {reason}")
    _say_what_dp_covers(state, model.describe())


def _say_what_dp_covers(state: State, synthesis: dict[str, Any] | None) -> None:
    """On a DP model, what its guarantee covers and what it does not (terminal only)."""
    from synthpriv.report import terminal

    if state.quiet or state.as_json:
        return
    for line in terminal.dp_lines(synthesis):
        state.err.print(line)


@cli.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.option("-n", "--rows", required=True, type=click.IntRange(min=1), help="Rows to sample.")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Synthetic table (.csv or .parquet).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=None,
    help="Sampling seed [default: the seed the model was fitted with].",
)
@click.option(
    "--condition",
    "conditions",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="Sample only rows with this value (repeatable; not with the tvae engine).",
)
@filter_options
@click.option(
    "--train",
    "train_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The cleaned training table the model was fitted on (for the filters).",
)
@click.option(
    "--holdout",
    "holdout_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The cleaned holdout table (real rows kept out of fitting; for --privacy-filter).",
)
@encoding_option
@formulas_option
@overwrite_option
@click.pass_obj
def sample(
    state: State,
    model_path: Path,
    rows: int,
    output: Path,
    seed: int | None,
    conditions: tuple[str, ...],
    train_path: Path | None,
    holdout_path: Path | None,
    encoding: str,
    allow_formulas: bool | None,
    overwrite: bool,
    **filters: Any,
) -> None:
    """Sample synthetic rows from a model file written by 'synthpriv fit'.

    The same model, row count and seed always give the same table. Rows are drawn and written
    in chunks of 100,000, so memory stays bounded whatever the row count.

    \b
    Examples:
      synthpriv sample model.synthpriv -n 5000 -o synthetic.csv
      synthpriv sample model.synthpriv -n 10000000 -o big.parquet
      synthpriv sample model.synthpriv -n 500 --condition sex=F -o women.csv
      synthpriv sample model.synthpriv -n 5000 -o synthetic.csv \\
          --privacy-filter --train clean.csv --holdout holdout.csv

    With --privacy-filter or --quality-filter the rows are drawn in memory, checked against the
    cleaned training table (and holdout) and drawn again for the ones dropped; the counts are
    printed (with --json, returned).
    """
    from synthpriv import synth
    from synthpriv.io import check_output, write_sample
    from synthpriv.synthesis_plan import refuse_filters

    filtering = bool(filters.get("privacy_filter") or filters.get("quality_filter"))
    if filtering and train_path is None:
        raise ConfigError("--privacy-filter and --quality-filter need --train (the cleaned table)")
    if filters.get("privacy_filter") and holdout_path is None:
        raise ConfigError("--privacy-filter needs --holdout (the cleaned holdout table)")
    inputs = [p for p in (model_path, train_path, holdout_path) if p is not None]
    check_output(output, inputs=inputs, overwrite=overwrite)
    wanted = {}
    for condition in conditions:
        name, sep, value = condition.partition("=")
        if not sep or not name:
            raise ConfigError(f"--condition {condition!r}: expected COLUMN=VALUE")
        wanted[name] = value
    model = synth.load_model(model_path)
    if filtering:
        refuse_filters(
            model.engine, bool(filters.get("privacy_filter")), bool(filters.get("quality_filter"))
        )
        _sample_filtered(
            state,
            model,
            rows,
            seed,
            wanted,
            output,
            filters,
            allow_formulas,
            paths={"train": train_path, "holdout": holdout_path, "encoding": encoding},
        )
        return
    progress = state.progress()
    progress.start("sample", total=rows)
    chunks = (
        synth.in_input_form(model, chunk)
        for chunk in synth.sample_chunks(model, rows, seed=seed, conditions=wanted)
    )
    try:
        written = write_sample(
            chunks, output, on_chunk=progress.advance, formulas=bool(allow_formulas)
        )
        progress.finish()
    finally:
        getattr(progress, "close", lambda: None)()
    if state.as_json:
        state.emit({"rows": written, "columns": model.columns, "output": str(output)})
        return
    state.info(f"{written} synthetic rows written to {output}")


def _sample_filtered(
    state: State,
    model: Any,
    rows: int,
    seed: int | None,
    conditions: dict[str, Any],
    output: Path,
    filters: dict[str, Any],
    allow_formulas: bool | None,
    paths: dict[str, Any],
) -> None:
    """Sample with the validation filter: in memory, against the cleaned training table."""
    from synthpriv import pipeline, synth
    from synthpriv.io import write_table

    train = _read(paths["train"], paths["encoding"])
    holdout = _read(paths["holdout"], paths["encoding"]) if paths["holdout"] else None
    missing = [c for c in model.columns if c not in train.columns]
    if missing:
        raise InputError(
            f"{paths['train']}: not the table the model was fitted on (no column {missing[0]!r})"
        )
    config = RunConfig().override(
        seed=model.seed if seed is None else seed,
        **{k: v for k, v in filters.items() if v is not None},
    )

    def draw(model: Any, count: int, seed: int) -> Any:  # new draws keep the conditions
        return synth.sample(model, count, seed=seed, conditions=conditions)

    synthetic = draw(model, rows, config.seed)
    result = pipeline.filter_synthetic(draw, model, synthetic, train, holdout, config)
    write_table(synth.in_input_form(model, result.frame), output, formulas=bool(allow_formulas))
    account = result.describe()
    if state.as_json:
        state.emit(
            {"rows": result.frame.height, "columns": model.columns, "output": str(output)}
            | {"filter": account}
        )
        return
    removed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.removed.items())
    state.info(
        f"{result.frame.height} synthetic rows written to {output}; "
        f"{result.total_removed} of {result.drawn} drawn rows removed ({removed})"
        + (f"; {result.short} rows short" if result.short else "")
    )


# ------------------------------------------------------------------------------------ report


gate_options = [
    click.option(
        "--fidelity-min", type=click.FloatRange(0, 1), help="FAIL below this fidelity (0-1)."
    ),
    click.option(
        "--dcr-share-max",
        type=click.FloatRange(0.5, 1),
        help="FAIL above this share of synthetic rows closer to training than holdout.",
    ),
]


def _with_gates(func: Any) -> Any:
    for option in reversed(gate_options):
        func = option(func)
    return func


@cli.command()
@click.option(
    "--real",
    "real_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The real (cleaned) rows the model was fitted on.",
)
@click.option(
    "--synthetic",
    "synthetic_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The synthetic table.",
)
@click.option(
    "--holdout",
    "holdout_path",
    type=click.Path(path_type=Path),
    help="Real rows the model never saw: the privacy and fidelity baseline.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory for report.json and report.html.",
)
@click.option(
    "--schema",
    "schema_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Column schema (from scan or clean): its quasi-identifier and sensitive roles drive "
    "the singling-out, inference and k-anonymity measures.",
)
@overwrite_option
@pdf_option
@_with_gates
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Recorded in the report's settings only: every sample and attack of the report is "
    "drawn with a key taken from the tables' content, so no seed can move a figure or the "
    "verdict.",
)
@encoding_option
@click.pass_obj
def report(
    state: State,
    real_path: Path,
    synthetic_path: Path,
    holdout_path: Path | None,
    schema_path: Path | None,
    output: Path,
    overwrite: bool,
    no_pdf: bool | None,
    fidelity_min: float | None,
    dcr_share_max: float | None,
    seed: int,
    encoding: str,
) -> None:
    """Measure fidelity and privacy leakage; write report.json, report.html and report.pdf.

    Exits 6 when a privacy gate fails, 7 when the fidelity gate fails and 9 when a privacy check
    could not run (no --holdout: the verdict is INCOMPLETE, never PASS), so batch jobs can act.
    Make the holdout with 'synthpriv split' before cleaning (see 'synthpriv clean --holdout').

    \b
    Example:
      synthpriv report --real train.csv --synthetic synthetic.csv --holdout holdout.csv -o rep/
      synthpriv report --real train.csv --synthetic syn.csv --holdout h.csv --schema s.json -o rep/
    """
    from synthpriv.io import atomic_directory, check_output, sha256_file
    from synthpriv.manifest import input_record, package_versions, write_manifest
    from synthpriv.report import build_report, write_report
    from synthpriv.schema import TableSchema

    config = RunConfig(seed=seed).override(fidelity_min=fidelity_min, dcr_share_max=dcr_share_max)
    schema = TableSchema.load(schema_path).to_dict() if schema_path else None
    inputs = [real_path, synthetic_path, holdout_path, schema_path]
    check_output(output, inputs=inputs, overwrite=overwrite, directory=True)
    real = _read(real_path, encoding)
    synthetic = _read(synthetic_path, encoding)
    holdout = _read(holdout_path, encoding) if holdout_path else None
    if schema is None:
        # No schema: scan what was given, so that no identifier's value reaches a chart label
        from synthpriv.pipeline import make_detector

        scanned = make_detector(config).detect(real)
        scanned.source = {"scanned_by": "report", "file": real_path.name}
        schema = scanned.to_dict()
    from synthpriv.pipeline import identifier_values

    originals = identifier_values(real, TableSchema.from_dict(schema))
    with atomic_directory(output, overwrite=overwrite, inputs=inputs) as work:
        result = build_report(
            identifier_values=originals,
            train=real,
            synthetic=synthetic,
            holdout=holdout,
            gates=config.gates,
            seed=seed,
            scan=schema,
            budgets=config.budgets,
            provenance={"input": input_record(real_path, real), "versions": package_versions()},
        )
        write_report(result, work, pdf=not no_pdf)
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
            seed=seed,
            gates=vars(config.gates),
        )
    _finish(state, result, output)


def _finish(state: State, result: Report, output: Path, files: list[str] | None = None) -> None:
    """Print the summary (JSON or table) and exit with the gates' code."""
    from synthpriv.report import exit_status_for, terminal

    status = exit_status_for(result)
    if state.as_json:
        state.emit(
            terminal.summary(
                result, int(status), str(output), files or ["report.json", "report.html"]
            )
        )
    elif not state.quiet:
        state.err.print(terminal.gates_table(result))
        _say_what_dp_covers(state, result.synthesis)
        state.err.print(f"outputs in [bold]{output}[/] (open {output / 'report.html'})")
    if status != ExitStatus.SUCCESS:
        raise click.exceptions.Exit(int(status))


# --------------------------------------------------------------------------------------- run


@cli.command()
@click.argument("input_path", metavar="[INPUT]", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Run directory to create (must not exist unless --overwrite) [config io.output].",
)
@click.option(
    "--spark",
    "spark_master",
    metavar="MASTER",
    help="Run on Apache Spark: local[*], a cluster URL, or 'active' under spark-submit or "
    "Databricks; INPUT may then be any path Spark reads (s3a://, abfss://, hdfs://) "
    "[config spark.master].",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Job config (TOML, see 'synthpriv config init').",
)
@overwrite_option
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), help="Seed [config or 0].")
@click.option(
    "--holdout-share",
    type=click.FloatRange(0, 0.5, min_open=True),
    help="Share of real rows held out as the privacy baseline [0.2].",
)
@click.option(
    "--rows", type=click.IntRange(min=1), help="Synthetic rows [as many as training rows]."
)
@run_nlp_model_option
@click.option("--encoding", help="Text encoding of CSV input [auto: detected].")
@click.option(
    "--target", help="Column to predict in the ML-utility test (train synthetic, test real)."
)
@filter_options
@synthesis_options
@recognizers_option
@policy_option
@key_file_option
@formulas_option
@pdf_option
@_with_gates
@click.pass_obj
def run(
    state: State,
    input_path: str | None,
    output: Path | None,
    config_path: Path | None,
    overwrite: bool,
    **flags: Any,
) -> None:
    """Run the whole job: scan, clean, fit, sample and report, into one run directory.

    The run directory receives synthetic.csv, model.synthpriv, schema.json, audit.json,
    report.json, report.html and manifest.json. It is written under a temporary name and renamed
    at the end: a failed or interrupted run leaves nothing behind.

    \b
    Example:
      synthpriv run sample_data/healthcare.csv -o out/healthcare
      synthpriv --json run claims.parquet -o runs/2026-11-24 --config job.toml
      synthpriv run --config job.toml        # input and output from the config's [io]
      synthpriv run s3a://lake/claims/ -o runs/claims --spark 'local[*]'
    """
    from synthpriv import pipeline

    config = load_config(config_path) if config_path else RunConfig()
    params, constraints = flags.pop("params"), flags.pop("constraints")
    if flags.pop("allow_formulas"):
        flags["protect_formulas"] = False
    if flags.pop("no_pdf"):
        flags["report_pdf"] = False
    if params:
        flags["engine_params"] = config.engine_params | parse_params(params)
    if constraints:
        flags["constraints"] = config.constraints + [parse_constraint(c) for c in constraints]
    if input_path is not None and not is_url(input_path):
        input_path = Path(input_path)
    config = config.override(input=input_path, output=output, **flags)
    if config.input is None or config.output is None:
        missing = "INPUT" if config.input is None else "-o/--output"
        raise click.UsageError(f"give {missing} on the command line or in the config's [io] table")
    input_path, output = config.input, config.output
    progress = state.progress()
    if config.spark_master:
        from synthpriv import spark as runner
    else:
        runner = pipeline
    try:
        result = runner.run(
            input_path,
            output,
            config,
            progress=progress,
            overwrite=overwrite,
            synthesizer=state.synthesizer,
        )
    finally:
        getattr(progress, "close", lambda: None)()
    files = sorted({name.split("/", 1)[0] for name in result.files})  # a folder once
    _finish(state, result.report, output, files=files + ["manifest.json"])


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
    from synthpriv.io import atomic_path, check_output

    check_output(path, overwrite=overwrite)
    with atomic_path(path) as tmp:
        tmp.write_text(STARTER, encoding="utf-8")
    state.info(f"starter config written to {path}")


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Interrupted()


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    cli(prog_name="synthpriv")
