"""The terminal side of the CLI: consoles, progress display, log handlers, rendered results.

Part of the CLI layer (it prints); :mod:`synthpriv.cli` parses and calls :mod:`synthpriv.api`,
and these helpers show what came back.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthpriv.errors import SynthprivError


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


def setup_logging(verbose: int, quiet: bool, log_format: str, log_file: Path | None) -> None:
    """Log handlers on stderr (text or JSON lines) and in ``log_file``; libraries quiet."""
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


def closing(progress: Any) -> None:
    """Stop a progress display (the rich one redraws until closed)."""
    getattr(progress, "close", lambda: None)()


def scan_table(input_path: Path, rows: int, schema: Any) -> Table:
    """The PII scan as a table: one line per column, masked examples only."""
    table = Table(title=f"PII scan of {input_path.name} ({rows} rows)")
    for header in ("column", "kind", "role", "entities", "masked examples"):
        table.add_column(header)
    style = {"direct_identifier": "red", "free_text_pii": "red", "quasi_identifier": "yellow"}
    for column in schema.columns:
        table.add_row(
            column.name,
            str(column.kind),
            f"[{style.get(column.role, 'default')}]{column.role}[/]",
            ", ".join(f"{e.type} {e.score:.2f}" for e in column.entities),
            "  ".join(column.examples[:2]),
        )
    return table


def change_line(change: dict[str, Any]) -> str:
    """One difference between a previous schema and a new scan."""
    if change["change"] in ("role", "entities"):
        return (
            f"changed: {change['column']}: {change['change']} "
            f"{change['previous']} -> {change['current']} (kept the previous schema's decision)"
        )
    return f"changed: {change['column']}: {change['change']}"


def say_what_dp_covers(state: State, synthesis: dict[str, Any] | None) -> None:
    """On a DP model, what its guarantee covers and what it does not (terminal only)."""
    from synthpriv.report import terminal

    if state.quiet or state.as_json:
        return
    for line in terminal.dp_lines(synthesis):
        state.err.print(line)


def finish_report(state: State, result: Any) -> None:
    """Print a report's summary (JSON or table) and exit with its gates' code."""
    from synthpriv.report import terminal
    from synthpriv.status import ExitStatus

    status, output = result.exit_status, result.output
    linked = getattr(result, "linked", None)
    if state.as_json:
        summary = terminal.summary(result.report, int(status), str(output), result.files)
        state.emit(summary | terminal.linked_summary(linked) if linked else summary)
    elif not state.quiet and linked:
        state.err.print(terminal.tables_table(linked))
        state.err.print(terminal.gates_table(result.report, title="each person's whole history"))
    elif not state.quiet:
        state.err.print(terminal.gates_table(result.report))
        say_what_dp_covers(state, result.report.synthesis)
        state.err.print(f"outputs in [bold]{output}[/] (open {output / 'report.html'})")
    if status != ExitStatus.SUCCESS:
        raise click.exceptions.Exit(int(status))


def show_split(state: State, result: Any) -> None:
    """Show what 'synthpriv split' did: JSON on stdout with --json, else lines on stderr."""
    if state.as_json:
        files = {name: str(path) for name, path in result.files.items()}
        state.emit(
            {"rows": result.rows, "files": files, "seed": result.seed, "output": str(result.output)}
        )
        return
    if result.tables is not None:  # a folder of linked tables: people, and every row of theirs
        rows = {side: sum(result.tables[side].values()) for side in ("train", "holdout")}
        state.info(
            f"{result.rows['train']} training people ({rows['train']} rows in "
            f"{len(result.tables['train'])} tables): {result.train}\n"
            f"{result.rows['holdout']} holdout people ({rows['holdout']} rows): {result.holdout} "
            f"(seed {result.seed})"
        )
        return
    state.info(
        f"{result.rows['train']} training rows: {result.train}\n"
        f"{result.rows['holdout']} holdout rows: {result.holdout} (seed {result.seed})"
    )


def show_scan(state: State, result: Any, input_path: Path) -> None:
    """Show what 'synthpriv scan' did: JSON on stdout with --json, else lines on stderr."""
    if state.as_json:
        state.emit(result.to_dict())
        return
    for change in result.changes or []:
        state.info(change_line(change))
    if not state.quiet and result.linked is not None:  # a folder: a table per table
        for table, schema in result.schema.items():
            state.err.print(scan_table(Path(table), result.rows[table], schema))
    elif not state.quiet:
        state.err.print(scan_table(input_path, result.rows, result.schema))
    state.info(f"column schema written to {result.output}")


def show_clean(state: State, result: Any, input_path: Path) -> None:
    """Show what 'synthpriv clean' did: JSON on stdout with --json, else lines on stderr."""
    if state.as_json:
        state.emit(result.audit_dict())
        return
    tables = getattr(result.cleaned, "keys", None)  # a folder: keys replaced in every table
    what = (
        f"{len(result.cleaned.tables)} linked tables ({result.rows} people)"
        if tables
        else f"{result.rows} rows"
    )
    # a direct identifier the schema says to keep is the reviewer's decision: said, not hidden
    kept = [
        a.column
        for a in result.cleaned.audit
        if a.role == "direct_identifier" and a.action == "keep"
    ]
    verified = (
        f"verified: no direct identifier left but the {len(kept)} the schema keeps "
        f"({', '.join(kept)})"
        if kept
        else "verified: no direct identifier left"
    )
    state.info(
        f"cleaned {what} under policy {result.policy!r}: "
        f"dropped {len(result.dropped)} column(s), redacted {result.spans_redacted} span(s); "
        + verified
        + (f"; keys and links replaced by {tables}" if tables else "")
    )
    state.info(
        f"cleaned {'tables' if tables else 'table'}: {result.output}\n"
        f"audit log: {result.audit_path}"
    )
    if result.holdout_output:
        state.info(f"cleaned holdout (fitted on {input_path.name}): {result.holdout_output}")


def show_fit(state: State, result: Any) -> None:
    """Show what 'synthpriv fit' did: JSON on stdout with --json, else lines on stderr."""
    if state.as_json:
        state.emit(result.header["model"])
        return
    described = result.header["model"]
    if described.get("kind") == "linked":
        state.info(
            f"model of {len(described['tables'])} linked tables ({described['people']} people) "
            f"written to {result.output}"
        )
        return
    model = result.model
    state.info(
        f"model ({model.engine}, {len(model.columns)} columns, {model.training_rows} rows) "
        f"written to {result.output}"
    )
    for name, reason in model.excluded.items():
        state.info(f"  left out {name}: {reason}")
    say_what_dp_covers(state, model.describe())


def show_sample(state: State, result: Any) -> None:
    """Show what 'synthpriv sample' did: JSON on stdout with --json, else lines on stderr."""
    if state.as_json:
        state.emit(result.to_dict())
        return
    if result.tables is not None:
        state.info(
            f"{result.rows} synthetic rows in {len(result.tables)} linked tables written to "
            f"{result.output}"
        )
        return
    if result.filtered is None:
        state.info(f"{result.rows} synthetic rows written to {result.output}")
        return
    filtered = result.filtered
    removed = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in filtered.removed.items())
    state.info(
        f"{result.rows} synthetic rows written to {result.output}; "
        f"{filtered.total_removed} of {filtered.drawn} drawn rows removed ({removed})"
        + (f"; {filtered.short} rows short" if filtered.short else "")
    )
