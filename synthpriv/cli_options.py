"""Click options built from the config's fields, and the option groups commands share.

A flag that sets a config field is made by :func:`config_option`: its flag, its click type (with
the field's one :class:`~synthpriv.config.Range`), its default and the default shown in its help
all come from the field in ``synthpriv/config.py``. A command that reads a config file (``run``)
gets the flag with no default of its own (``from_config=True``), so the file's value counts, and
its help names the config key it overrides.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from synthpriv import __version__ as version
from synthpriv.config import RunConfig, default_of, field_of, flag_of, help_of, range_of
from synthpriv.errors import ConfigError

_UNSET: Any = object()


class ConfigOption(click.Option):
    """A click option generated from a config field (``field_name``)."""

    def __init__(self, *args: Any, field_name: str, from_config: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.field_name = field_name
        self.from_config = from_config


def click_type_of(name: str) -> click.ParamType | None:
    """The click type of a number field: an int or float range with the field's bounds."""
    bounds = range_of(name)
    if bounds is None:
        return None
    kind = click.IntRange if "int" in str(field_of(name).type) else click.FloatRange
    return kind(bounds.low, bounds.high, min_open=bounds.low_open, max_open=bounds.high_open)


def config_option(
    name: str,
    *decls: str,
    from_config: bool = False,
    help: str | None = None,
    default: Any = _UNSET,
    **kwargs: Any,
) -> Callable[[Any], Any]:
    """The option that sets the config field ``name``.

    ``decls`` are the flags (default: the field's flag); the parameter is named after the field.
    ``help`` replaces the field's own help; the default is appended from the field either way.
    ``default`` is the field's (``None`` with ``from_config``); pass ``default=None`` for a flag
    whose absence means something else, said in ``help`` (sample's seed: the model's).
    """
    if default is _UNSET:
        default = None if from_config else default_of(name)
        text = help_of(name, help, from_config=from_config)
    else:
        text = help or help_of(name)
    kwargs.setdefault("type", click_type_of(name))
    if kwargs["type"] is None:
        del kwargs["type"]
    return click.option(
        *(decls or (flag_of(name),)),
        name,
        cls=ConfigOption,
        field_name=name,
        from_config=from_config,
        default=default,
        help=text,
        **kwargs,
    )


def options(*decorators: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Apply option decorators in the order written."""

    def apply(func: Any) -> Any:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


PATH = click.Path(path_type=Path, dir_okay=False)


def encoding_option(from_config: bool = False) -> Callable[[Any], Any]:
    """--encoding of CSV input."""
    return config_option(
        "encoding",
        from_config=from_config,
        help="Text encoding of CSV input: auto (detected and recorded), or a name such as latin-1",
    )


def seed_option(from_config: bool = False, **kwargs: Any) -> Callable[[Any], Any]:
    """--seed."""
    return config_option(
        "seed",
        from_config=from_config,
        help=kwargs.pop("help", "Seed for sampling and synthesis"),
        **kwargs,
    )


def nlp_model_option(from_config: bool = False) -> Callable[[Any], Any]:
    """One --nlp-model for every command."""
    return config_option(
        "nlp_model",
        from_config=from_config,
        help="spaCy model for free text: auto (the best installed English model), none, or an "
        "installed package name",
    )


def recognizers_option(from_config: bool = False) -> Callable[[Any], Any]:
    """--recognizers."""
    return config_option(
        "recognizers",
        from_config=from_config,
        type=PATH,
        help="YAML file of extra pattern recognizers (Presidio's format)",
    )


def policy_option(from_config: bool = False) -> Callable[[Any], Any]:
    """--policy."""
    return config_option(
        "policy",
        from_config=from_config,
        help="strict, hipaa-safe-harbor, pseudonymize, or a policy file",
    )


def key_file_option(from_config: bool = False) -> Callable[[Any], Any]:
    """--key-file."""
    return config_option(
        "key_file",
        from_config=from_config,
        type=PATH,
        help="File holding the pseudonym key (else $SYNTHPRIV_PSEUDONYM_KEY); never the key itself",
    )


overwrite_option = click.option(
    "--overwrite",
    is_flag=True,
    help="Replace existing output (never an input; a directory only if synthpriv wrote it).",
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


def filter_options(from_config: bool = False) -> Callable[[Any], Any]:
    """The validation filter's switches, shared by sample and run."""
    return options(
        config_option(
            "privacy_filter",
            "--privacy-filter/--no-privacy-filter",
            default=None,
            help="Drop synthetic rows closer to a training row than 95% of unseen real rows "
            "come, and draw again [config or off].",
        ),
        config_option(
            "quality_filter",
            "--quality-filter/--no-quality-filter",
            default=None,
            help="Drop synthetic rows a classifier trained on real rows calls clearly "
            "synthetic, and draw again [config or off].",
        ),
        config_option(
            "quality_threshold",
            from_config=from_config,
            help="Probability of being synthetic at which the quality filter drops a row",
        ),
    )


def synthesis_options(from_config: bool = False) -> Callable[[Any], Any]:
    """The engine, parameter, constraint and rare-value options of fit and run."""
    return options(
        config_option(
            "engine",
            from_config=from_config,
            help="cart (sequential trees), gaussian_copula, ctgan, tvae, copulagan, or mst "
            "(differentially private; needs --epsilon and --delta)",
        ),
        # No click range: the library checks ε and δ and names the flag in its message.
        config_option(
            "epsilon",
            type=float,
            from_config=from_config,
            help="Privacy budget ε of a differentially private engine (mst)",
        ),
        config_option(
            "delta",
            type=float,
            from_config=from_config,
            help="δ of a differentially private engine (mst), below 1 / rows, e.g. 1e-6",
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
        config_option(
            "keep_rare",
            is_flag=True,
            default=None,
            help="Keep values seen fewer than 5 times in the model (default: pool them).",
        ),
        config_option(
            "fit_rows",
            from_config=from_config,
            help="Fit on a seeded sample of this many rows when the table is larger",
        ),
    )


def gate_options(from_config: bool = False) -> Callable[[Any], Any]:
    """The two gates a flag may move (the others: the config's [gates])."""
    return options(
        config_option(
            "fidelity_min", from_config=from_config, help="FAIL below this fidelity score"
        ),
        config_option(
            "dcr_share_max",
            from_config=from_config,
            help="FAIL above this share of synthetic rows closer to training than holdout",
        ),
    )


# The options of each command, in the order --help lists them.

split_options = options(
    click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path)),
    click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(path_type=Path),
        help="Directory to create with train and holdout files (and manifest.json).",
    ),
    config_option("holdout_share"),
    click.option(
        "--format",
        "file_format",
        type=click.Choice(["same", "csv", "parquet"]),
        default="same",
        show_default=True,
        help="Format of the two files: that of INPUT, CSV or Parquet.",
    ),
    seed_option(),
    encoding_option(),
    overwrite_option,
)


scan_options = options(
    click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path)),
    click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        help="Where to write the column schema [default: INPUT_STEM.schema.json here].",
    ),
    nlp_model_option(),
    config_option("scan_budget", help="Distinct values sampled per column"),
    click.option(
        "--previous",
        "previous_path",
        type=PATH,
        help="A schema from an earlier scan (possibly edited): report what changed and keep its "
        "roles, entities and actions.",
    ),
    recognizers_option(),
    overwrite_option,
    seed_option(),
    encoding_option(),
)


clean_options = options(
    click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path)),
    click.option(
        "--schema",
        "schema_path",
        required=True,
        type=click.Path(path_type=Path),
        help="Column schema written by 'synthpriv scan' (roles and actions are honoured).",
    ),
    click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(path_type=Path),
        help="Cleaned table (.csv or .parquet); for a folder, the folder to write.",
    ),
    click.option(
        "--audit",
        "audit_path",
        type=click.Path(path_type=Path),
        help="Audit log path [default: OUTPUT.audit.json].",
    ),
    click.option(
        "--holdout",
        "holdout_path",
        type=click.Path(path_type=Path),
        help="Real rows kept apart (from 'synthpriv split'): cleaned with the choices fitted on "
        "INPUT, never fitted on themselves.",
    ),
    click.option(
        "--holdout-output",
        type=click.Path(path_type=Path),
        help="Where to write the cleaned holdout [default: OUTPUT's name with .holdout].",
    ),
    nlp_model_option(),
    policy_option(),
    key_file_option(),
    formulas_option,
    overwrite_option,
    encoding_option(),
)


fit_options = options(
    click.argument("input_path", metavar="CLEAN", type=click.Path(path_type=Path)),
    click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(path_type=Path),
        help="Model file to write.",
    ),
    click.option(
        "--schema",
        "schema_path",
        type=click.Path(path_type=Path),
        help="Column schema; without one the table is scanned and refused if it holds "
        "identifiers (a folder: a reviewed 'scan' of it, honoured when cleaning).",
    ),
    synthesis_options(),
    nlp_model_option(),
    policy_option(),
    key_file_option(),
    overwrite_option,
    seed_option(),
    encoding_option(),
)


sample_options = options(
    click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path)),
    config_option(
        "rows",
        "-n",
        "--rows",
        default=None,
        help="Rows to sample [default: as many as the model was fitted on; of linked tables, "
        "people].",
    ),
    click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(path_type=Path),
        help="Synthetic table (.csv or .parquet).",
    ),
    seed_option(default=None, help="Sampling seed [default: the seed the model was fitted with]."),
    click.option(
        "--condition",
        "conditions",
        multiple=True,
        metavar="COLUMN=VALUE",
        help="Sample only rows with this value (repeatable; not with the tvae engine).",
    ),
    filter_options(),
    click.option(
        "--train",
        "train_path",
        type=PATH,
        help="The cleaned training table the model was fitted on (for the filters).",
    ),
    click.option(
        "--holdout",
        "holdout_path",
        type=PATH,
        help="The cleaned holdout table (real rows kept out of fitting; for --privacy-filter).",
    ),
    encoding_option(),
    formulas_option,
    overwrite_option,
)


report_options = options(
    click.option(
        "--real",
        "real_path",
        required=True,
        type=click.Path(path_type=Path),
        help="The real (cleaned) rows the model was fitted on.",
    ),
    click.option(
        "--synthetic",
        "synthetic_path",
        required=True,
        type=click.Path(path_type=Path),
        help="The synthetic table.",
    ),
    click.option(
        "--holdout",
        "holdout_path",
        type=click.Path(path_type=Path),
        help="Real rows the model never saw: the privacy and fidelity baseline.",
    ),
    click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(path_type=Path),
        help="Directory for report.json and report.html.",
    ),
    click.option(
        "--schema",
        "schema_path",
        type=PATH,
        help="Column schema (from scan or clean): its quasi-identifier and sensitive roles drive "
        "the singling-out, inference and k-anonymity measures (a folder: the reviewed 'scan' "
        "fit was given).",
    ),
    overwrite_option,
    pdf_option,
    gate_options(),
    nlp_model_option(),
    policy_option(),
    key_file_option(),
    seed_option(
        help="Recorded in the report's settings only: every sample and attack of the report is "
        "drawn with a key taken from the tables' content, so no seed can move a figure or the "
        "verdict"
    ),
    encoding_option(),
)


run_options = options(
    click.argument("input_path", metavar="[INPUT]", required=False),
    config_option(
        "output",
        "-o",
        "--output",
        from_config=True,
        type=click.Path(path_type=Path),
        help="Run directory to create (must not exist unless --overwrite)",
    ),
    config_option(
        "spark_master",
        metavar="MASTER",
        from_config=True,
        help="Run on Apache Spark: local[*], a cluster URL, or 'active' under spark-submit or "
        "Databricks; INPUT may then be any path Spark reads (s3a://, abfss://, hdfs://)",
    ),
    click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        help="Job config (TOML, see 'synthpriv config init').",
    ),
    overwrite_option,
    seed_option(from_config=True),
    config_option("holdout_share", from_config=True),
    config_option("rows", from_config=True, help="Synthetic rows"),
    nlp_model_option(from_config=True),
    encoding_option(from_config=True),
    config_option(
        "target",
        from_config=True,
        help="Column to predict in the ML-utility test (train synthetic, test real)",
    ),
    filter_options(from_config=True),
    synthesis_options(from_config=True),
    recognizers_option(from_config=True),
    policy_option(from_config=True),
    key_file_option(from_config=True),
    formulas_option,
    pdf_option,
    gate_options(from_config=True),
)


global_options = options(
    click.version_option(version, prog_name="synthpriv"),
    click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (and --json data)."),
    click.option(
        "--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout."
    ),
    click.option("-v", "--verbose", count=True, help="More logging; -v also shows tracebacks."),
    click.option(
        "--log-format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Log lines on stderr (and in --log-file) as text or JSON lines.",
    ),
    click.option(
        "--log-file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Also append log lines (INFO and above) to this file.",
    ),
    click.option(
        "--threads",
        type=click.IntRange(min=1),
        help="Threads for the heavy stages [the cores other processes leave free; or "
        "$SYNTHPRIV_THREADS].",
    ),
)


def config_from(flags: dict[str, Any], config: RunConfig | None = None) -> RunConfig:
    """The config with the flags given applied (``None``: not given, the config's value counts).

    --param and --constraint add to the config's own parameters and constraints; --allow-formulas
    and --no-pdf turn the config's protect_formulas and report_pdf off.
    """
    config = config or RunConfig()
    params, constraints = flags.pop("params", ()), flags.pop("constraints", ())
    if params:
        flags["engine_params"] = config.engine_params | parse_params(params)
    if constraints:
        flags["constraints"] = config.constraints + [parse_constraint(c) for c in constraints]
    if flags.pop("allow_formulas", None):
        flags["protect_formulas"] = False
    if flags.pop("no_pdf", None):
        flags["report_pdf"] = False
    return config.override(**{k: v for k, v in flags.items() if v is not None})


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


def parse_conditions(items: tuple[str, ...]) -> dict[str, str]:
    """``COLUMN=VALUE`` strings to a dict."""
    wanted = {}
    for condition in items:
        name, sep, value = condition.partition("=")
        if not sep or not name:
            raise ConfigError(f"--condition {condition!r}: expected COLUMN=VALUE")
        wanted[name] = value
    return wanted
