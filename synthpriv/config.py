"""Typed run configuration: defaults < config file (TOML) < command-line flags.

Every default lives in exactly one dataclass field below, with the config section and key it is
read from and a one-line help. The starter file (``synthpriv config init``), the flags' help text
and the docs are generated from these fields, so they cannot drift apart. A config file is
validated against ``schemas/config.schema.json`` when loaded; unknown keys and out-of-range
values are errors that name the file and the key.
"""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from dataclasses import Field, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from synthpriv.errors import ConfigError
from synthpriv.schema import validate

SECTIONS = ("io", "run", "scan", "synthesis", "spark", "gates", "budgets")


@dataclass(frozen=True)
class Range:
    """The allowed values of a number setting: ``low`` and ``high`` (``None``: unbounded).

    ``low_open``/``high_open`` exclude the bound itself, as JSON Schema's ``exclusiveMinimum``.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        """Whether ``value`` is allowed."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (
            self.high is not None and (value >= self.high if self.high_open else value > self.high)
        )

    def __str__(self) -> str:
        """As click shows a range: ``0<x<=0.5``, ``x>=100``."""
        if self.low is None and self.high is None:
            return "any x"
        if self.high is None:
            return f"x{'>' if self.low_open else '>='}{self.low}"
        high = f"{'<' if self.high_open else '<='}{self.high}"
        if self.low is None:
            return f"x{high}"
        return f"{self.low}{'<' if self.low_open else '<='}x{high}"


SHARE = Range(0, 1)
SEED = Range(0, 2**32 - 1)


def setting(
    default: Any,
    help: str,
    *,
    section: str | None = None,
    key: str | None = None,
    path: bool = False,
    example: Any = None,
    flag: str | None = None,
    range: Range | None = None,
) -> Any:
    """A config field: its default, help, range, flag, and where a config file sets it.

    ``example`` is shown (commented out) in the starter file when the default is ``None``.
    ``range`` is the one range of a number: the config schema, the flag's click type and the
    docs all state it. ``flag`` is the command-line flag, when it is not ``--<name>``.
    """
    metadata = {
        "help": help,
        "section": section,
        "key": key,
        "path": path,
        "example": example,
        "flag": flag,
        "range": range,
    }
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Gates:
    """Pass/fail thresholds; a WARN does not change the exit code, a FAIL does."""

    fidelity_min: float = setting(0.70, "FAIL below this fidelity score (0-1)", range=SHARE)
    fidelity_warn: float = setting(0.80, "WARN below this fidelity score", range=SHARE)
    dcr_share_max: float = setting(
        0.60,
        "FAIL if synthetic rows sit closer to training rows this often (and the 95% CI agrees)",
        range=Range(0.5, 1),
    )
    dcr_share_warn: float = setting(0.55, "WARN above this DCR share", range=Range(0.5, 1))
    exact_copy_margin: float = setting(
        0.01,
        "FAIL if exact copies of training rows exceed the holdout baseline by this",
        range=SHARE,
    )
    unique_copy_margin: float = setting(
        0.002,
        "FAIL if exact copies of training records no other training row repeats exceed the "
        "holdout baseline by this share of synthetic rows",
        range=SHARE,
    )
    near_copy_margin: float = setting(
        0.03,
        "the same for near copies (rows agreeing with a real row on all columns but at most "
        "one or two), at each level",
        range=SHARE,
    )
    history_copy_margin: float = setting(
        0.01,
        "FAIL if more synthetic people near-copy a training person's whole history (a folder of "
        "linked tables) than real people near-copy another's, by this",
        range=SHARE,
    )
    exposed_margin: float = setting(
        0.02,
        "FAIL if more of the most exposed training people (rare-value holders, people unique "
        "on their quasi-identifiers) are copied or given away than of such holdout people, by this",
        range=SHARE,
    )
    membership_auc_max: float = setting(
        0.60,
        "FAIL if a distance attack tells training rows from holdout rows this well",
        range=Range(0.5, 1),
    )
    membership_auc_warn: float = setting(
        0.55, "WARN above this membership AUC", range=Range(0.5, 1)
    )
    attack_risk_max: float = setting(
        0.20, "FAIL if singling-out, linkability or inference risk exceeds this", range=SHARE
    )
    attack_risk_warn: float = setting(0.10, "WARN above this attack risk", range=SHARE)
    replicated_uniques_margin: float = setting(
        0.02, "FAIL if repU exceeds the holdout's by this", range=SHARE
    )
    max_epsilon: float | None = setting(
        None,
        "FAIL unless the model is differentially private with at most this ε (unset: no "
        "formal guarantee required)",
        example=1.0,
        range=Range(0, low_open=True),
    )


@dataclass(frozen=True)
class Budgets:
    """Bounds on the work of each stage, so time and memory grow in a known way.

    Every bound is a count, not a time, so the same input, config and seed always give the same
    outputs on any machine. When a bound is hit the run goes on and says so (log, audit or
    report, and how it was handled); see docs/budgets.md.
    """

    redact_chars: int = setting(
        5_000_000,
        "distinct free-text characters redacted per column; a column above is given its "
        "identifier action (dropped under strict) instead of being left unredacted",
        range=Range(1000),
    )
    fidelity_rows: int = setting(
        250_000,
        "rows per table the fidelity metrics compare (a seeded sample above)",
        range=Range(100),
    )
    privacy_rows: int = setting(
        20_000,
        "rows per table the distances and attacks search from (a sample keyed by the tables' "
        "content above); every real row is compared with, and copies count every row",
        range=Range(100),
    )
    discriminator_rows: int = setting(
        10_000, "rows per side the real-vs-synthetic classifiers train on", range=Range(100)
    )
    pairs: int = setting(
        300, "column pairs scored for pair trends (a seeded sample above)", range=Range(1)
    )
    attack_attempts: int = setting(
        10_000,
        "random predicates the multivariate singling-out attack tries at most",
        range=Range(100),
    )
    chart_columns: int = setting(
        60,
        "columns drawn in the report's charts and pair heat map (the others are listed)",
        range=Range(2),
    )


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs besides the input path."""

    input: Path | None = setting(
        None,
        "the table to read, relative to this file; or give INPUT on the command line",
        section="io",
        path=True,
        example="data/patients.csv",
    )
    output: Path | None = setting(
        None,
        "run directory to create; or give -o",
        section="io",
        path=True,
        example="runs/latest",
    )
    protect_formulas: bool = setting(
        True,
        "in CSV output, prefix cells starting with = + - @ (tab, CR) with ' so spreadsheets do "
        "not run them (OWASP)",
        section="io",
    )
    report_pdf: bool = setting(
        True,
        "also write report.pdf, the report printed by headless Chromium (skipped with a warning "
        "when no Chromium is found)",
        section="io",
    )
    policy: str = setting(
        "strict",
        "strict | hipaa-safe-harbor | pseudonymize | path to a policy file",
        section="run",
    )
    key_file: Path | None = setting(
        None,
        "file holding the pseudonym key for hash/fake (or SYNTHPRIV_PSEUDONYM_KEY)",
        section="run",
        path=True,
        example="secrets/pseudonym.key",
    )
    seed: int = setting(0, "same input + config + seed = same outputs", section="run", range=SEED)
    holdout_share: float = setting(
        0.2,
        "share of real rows kept apart as the privacy baseline",
        section="run",
        range=Range(0, 0.5, low_open=True),
    )
    rows: int | None = setting(
        None,
        "synthetic rows to sample (default: as many as the training rows)",
        section="run",
        example=5000,
        range=Range(1),
    )
    engine: str = setting(
        "cart",
        "synthesizer engine: cart (sequential trees), gaussian_copula, ctgan, tvae, copulagan",
        section="run",
    )
    target: str | None = setting(
        None,
        "a column to predict: the report adds train-on-synthetic vs train-on-real",
        section="run",
        example="charges",
    )
    encoding: str = setting(
        "auto", "of CSV input: auto-detected, or name one, e.g. latin-1", section="run"
    )
    nlp_model: str = setting(
        "auto",
        "auto (best installed spaCy English model), none, or a package name",
        section="scan",
    )
    scan_budget: int = setting(
        100,
        "distinct values sampled per column",
        section="scan",
        key="budget",
        flag="--budget",
        range=Range(10, 100_000),
    )
    recognizers: Path | None = setting(
        None,
        "extra pattern recognizers, Presidio's YAML format",
        section="scan",
        path=True,
        example="my_recognizers.yaml",
    )
    engine_params: dict[str, Any] = setting(
        {}, "engine parameters (checked against the engine)", section="synthesis", key="params"
    )
    constraints: list[dict[str, Any]] = setting(
        [],
        "rules for synthetic rows (range, positive, inequality, fixed_combinations)",
        section="synthesis",
    )
    keep_rare: bool = setting(
        False, "keep values seen fewer than 5 times in the model file", section="synthesis"
    )
    epsilon: float | None = setting(
        None,
        "privacy budget ε of a differentially private engine (mst); required for it",
        section="synthesis",
        example=1.0,
        range=Range(0, low_open=True),
    )
    delta: float | None = setting(
        None,
        "δ of a differentially private engine (mst), below 1 / rows; required for it",
        section="synthesis",
        example=1e-6,
        range=Range(0, 1, low_open=True, high_open=True),
    )
    fit_rows: int = setting(
        500_000,
        "above this many rows, fit on a seeded sample of this size",
        section="synthesis",
        range=Range(100),
    )
    privacy_filter: bool = setting(
        False,
        "drop synthetic rows closer to a training row than 95% of unseen real rows come, and "
        "draw again (the report gives the figures before and after)",
        section="synthesis",
    )
    quality_filter: bool = setting(
        False,
        "drop synthetic rows a classifier trained on real rows calls clearly synthetic, and "
        "draw again (the report gives the figures before and after)",
        section="synthesis",
    )
    quality_threshold: float = setting(
        0.9,
        "the quality filter drops rows whose probability of being synthetic is at least this",
        section="synthesis",
        range=Range(0.5, 1, low_open=True),
    )
    spark_master: str | None = setting(
        None,
        "run on Apache Spark: local[*], a cluster URL, or 'active' for the session of "
        "spark-submit or Databricks (needs the spark extra and Java 17+)",
        section="spark",
        key="master",
        example="local[*]",
        flag="--spark",
    )
    spark_conf: dict[str, Any] = setting(
        {}, "Spark options for the session synthpriv starts", section="spark", key="conf"
    )
    spark_format: str = setting(
        "auto",
        "input format with --spark: auto (from the name), parquet, csv or delta",
        section="spark",
        key="format",
    )
    spark_single_file_rows: int = setting(
        1_000_000,
        "with --spark, up to this many synthetic rows are written as one synthetic.csv; more "
        "as a synthetic.parquet folder of part files",
        section="spark",
        key="single_file_rows",
        range=Range(1),
    )
    gates: Gates = field(default_factory=Gates)
    budgets: Budgets = field(default_factory=Budgets)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (as recorded in manifests); paths as given, by name only."""
        data = asdict(self)
        for item in fields(self):
            if item.metadata.get("path") and data[item.name] is not None:
                data[item.name] = str(data[item.name])
        return data

    def override(self, **flags: Any) -> RunConfig:
        """Return a copy with every flag that is not ``None`` applied (gates by their own names)."""
        gate_names = {f.name for f in fields(Gates)}
        gates = {k: v for k, v in flags.items() if k in gate_names and v is not None}
        top = {k: v for k, v in flags.items() if k not in gate_names and v is not None}
        return replace(self, **top, gates=replace(self.gates, **gates))


def budget_hit(budget: str, limit: int, needed: int, handled: str) -> dict[str, Any]:
    """One budget that bound the work: its limit, what the data asked for, what was done."""
    return {"budget": budget, "limit": limit, "needed": needed, "handled": handled}


def _settings() -> list[Field]:
    return [f for f in fields(RunConfig) if f.metadata.get("section")]


def field_of(name: str) -> Field:
    """The field of a setting (a RunConfig, Gates or Budgets field) by its name."""
    for cls in (RunConfig, Gates, Budgets):
        for item in fields(cls):
            if item.name == name and item.metadata:
                return item
    raise KeyError(name)


def default_of(name: str) -> Any:
    """The default of a setting (a RunConfig, Gates or Budgets field), for help texts."""
    item = field_of(name)
    if name in {f.name for f in fields(RunConfig)}:
        return getattr(RunConfig(), name)
    return item.default


def range_of(name: str) -> Range | None:
    """The one range of a number setting (``None``: not a number, or unbounded)."""
    return field_of(name).metadata["range"]


def flag_of(name: str) -> str:
    """The command-line flag of a setting: its own, or ``--`` and its name with dashes."""
    return field_of(name).metadata["flag"] or "--" + name.replace("_", "-")


def config_key_of(name: str) -> str:
    """Where a config file sets it: ``section.key`` (``gates.<name>``, ``budgets.<name>``)."""
    item = field_of(name)
    if name in {f.name for f in fields(Gates)}:
        return f"gates.{name}"
    if name in {f.name for f in fields(Budgets)}:
        return f"budgets.{name}"
    return f"{item.metadata['section']}.{item.metadata['key'] or name}"


def shown_default(name: str) -> str | None:
    """The default as a help text shows it (``None`` when the setting has none)."""
    default = default_of(name)
    if default is None or isinstance(default, dict | list | bool):
        return None
    return str(default)


def help_of(name: str, text: str | None = None, *, from_config: bool = False) -> str:
    """A flag's help: the setting's own help (or ``text``) and its default in brackets.

    With ``from_config`` (a flag of a command that reads a config file) the brackets also name
    the config key the flag overrides: ``[config run.seed; 0]``.
    """
    item = field_of(name)
    base = text or item.metadata["help"][:1].upper() + item.metadata["help"][1:]
    default = shown_default(name)
    if from_config:
        return (
            base
            + f" [config {config_key_of(name)}"
            + ("" if default is None else f"; {default}")
            + "]"
        )
    return base + ("" if default is None else f" [{default}]")


def check_ranges(config: RunConfig) -> RunConfig:
    """Return ``config`` if every number setting is in its range (a config built in code).

    ε and δ are left to ``synthesis_plan.with_budget``, which checks them with the engine.

    Raises:
        ConfigError: the first setting outside its range, by name.
    """
    for part in (config, config.gates, config.budgets):
        for item in fields(part):
            if item.name in ("epsilon", "delta"):
                continue
            bounds = item.metadata.get("range")
            value = getattr(part, item.name)
            if bounds is not None and value is not None and not bounds.contains(value):
                raise ConfigError(f"{item.name}: {value} is not in the range {bounds}")
    return config


def is_url(path: str | Path) -> bool:
    """Whether ``path`` names a location by URL (``s3a://``, ``abfss://``, ``hdfs://``)."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", str(path)) is not None


def load_config(path: str | Path) -> RunConfig:
    """Read a TOML config file, validate it and return the :class:`RunConfig`.

    Raises:
        ConfigError: the file is missing, not TOML, or does not match the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({str(exc).splitlines()[0]})") from None
    validate(data, "config", origin=str(path))
    values: dict[str, Any] = {}
    for item in _settings():
        section = data.get(item.metadata["section"], {})
        key = item.metadata["key"] or item.name
        if key in section:
            value = section[key]
            # Relative paths are relative to the config file, so a cron job may run from anywhere.
            if item.metadata["path"] and not is_url(value):
                value = path.parent / value
            values[item.name] = value
    return RunConfig(
        **values,
        gates=Gates(**data.get("gates", {})),
        budgets=Budgets(**data.get("budgets", {})),
    )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return json.dumps(str(value))
    return json.dumps(value) if isinstance(value, str) else str(value)


def _lines(items: list[tuple[str, Any, str, Any]]) -> list[str]:
    out = []
    for key, default, help_text, example in items:
        if isinstance(default, dict | list):
            continue  # tables and arrays of tables are shown below, commented
        assignment = (
            f"# {key} = {_toml(example)}" if default is None else f"{key} = {_toml(default)}"
        )
        out.extend(f"# {line}" for line in textwrap.wrap(help_text, 96))
        out.append(assignment)
    return out


def starter_text() -> str:
    """The commented starter config, generated from the fields' defaults and help."""
    parts = [
        "# synthpriv job configuration (validated against schemas/config.schema.json).",
        "# Command-line flags and arguments override these values. Generated from",
        "# synthpriv/config.py, where every default lives.",
    ]
    for section in SECTIONS:
        parts.append(f"\n[{section}]")
        if section == "gates":
            items = [
                (f.name, f.default, f.metadata["help"], f.metadata.get("example"))
                for f in fields(Gates)
            ]
        elif section == "budgets":
            items = [(f.name, f.default, f.metadata["help"], None) for f in fields(Budgets)]
        else:
            defaults = RunConfig()
            items = [
                (
                    f.metadata["key"] or f.name,
                    getattr(defaults, f.name),
                    f.metadata["help"],
                    f.metadata["example"],
                )
                for f in _settings()
                if f.metadata["section"] == section
            ]
        parts.extend(_lines(items))
        if section == "synthesis":
            parts += [
                '# [synthesis.params]           # engine parameters, e.g. for engine = "ctgan":',
                "# epochs = 50",
                '# for engine = "mst" (with epsilon and delta): public bounds and values cost',
                "# no budget; columns without them have their domain found privately",
                '# bounds = { age = [0, 120], admitted = ["2000-01-01", "2030-12-31"] }',
                '# categories = { sex = ["F", "M"] }',
                "# [[synthesis.constraints]]    # range (column, low, high), positive (column),",
                '# type = "inequality"          # inequality (columns low <= high),',
                '# columns = ["admitted", "discharged"]  # fixed_combinations (columns)',
            ]
        if section == "spark":
            parts += [
                "# [spark.conf]                 # Spark options for the session synthpriv starts",
                '# "spark.driver.memory" = "8g"',
                '# "spark.hadoop.fs.s3a.aws.credentials.provider" = '
                '"com.amazonaws.auth.DefaultAWSCredentialsProviderChain"',
            ]
    return "\n".join(parts) + "\n"


STARTER = starter_text()
