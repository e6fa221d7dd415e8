"""Typed run configuration: defaults < config file (TOML) < command-line flags.

A config file is validated against ``schemas/config.schema.json`` when loaded; unknown keys and
out-of-range values are errors that name the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from synthpriv.errors import ConfigError
from synthpriv.schema import validate


@dataclass(frozen=True)
class Gates:
    """Pass/fail thresholds; a WARN does not change the exit code, a FAIL does."""

    fidelity_min: float = 0.70
    fidelity_warn: float = 0.80
    dcr_share_max: float = 0.60
    dcr_share_warn: float = 0.55
    exact_copy_margin: float = 0.01
    near_copy_margin: float = 0.03
    membership_auc_max: float = 0.60
    membership_auc_warn: float = 0.55
    attack_risk_max: float = 0.20
    attack_risk_warn: float = 0.10
    replicated_uniques_margin: float = 0.02


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs besides the input path."""

    input: Path | None = None
    output: Path | None = None
    policy: str = "strict"
    key_file: Path | None = None
    seed: int = 0
    holdout_share: float = 0.2
    rows: int | None = None
    engine: str = "gaussian_copula"
    engine_params: dict[str, Any] = field(default_factory=dict)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    keep_rare: bool = False
    fit_rows: int = 500_000
    target: str | None = None
    nlp_model: str = "auto"
    scan_budget: int = 100
    recognizers: Path | None = None
    encoding: str = "auto"
    gates: Gates = field(default_factory=Gates)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (as recorded in manifests); paths as given, by name only."""
        data = asdict(self)
        for key in ("input", "output", "key_file", "recognizers"):
            data[key] = None if data[key] is None else str(data[key])
        return data

    def override(self, **flags: Any) -> RunConfig:
        """Return a copy with every flag that is not ``None`` applied (gates by their own names)."""
        gate_names = {f.name for f in fields(Gates)}
        gates = {k: v for k, v in flags.items() if k in gate_names and v is not None}
        top = {k: v for k, v in flags.items() if k not in gate_names and v is not None}
        return replace(self, **top, gates=replace(self.gates, **gates))


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
    run = data.get("run", {})
    scan = data.get("scan", {})
    io = data.get("io", {})
    synthesis = data.get("synthesis", {})
    # Relative paths are relative to the config file, so a cron job may run from anywhere.
    paths = {key: path.parent / io[key] for key in ("input", "output") if key in io}
    if "key_file" in run:
        paths["key_file"] = path.parent / run["key_file"]
    if "recognizers" in scan:
        paths["recognizers"] = path.parent / scan["recognizers"]
    return RunConfig(
        input=paths.get("input"),
        output=paths.get("output"),
        policy=run.get("policy", "strict"),
        key_file=paths.get("key_file"),
        seed=run.get("seed", 0),
        holdout_share=run.get("holdout_share", 0.2),
        rows=run.get("rows"),
        engine=run.get("engine", "gaussian_copula"),
        target=run.get("target"),
        encoding=run.get("encoding", "auto"),
        nlp_model=scan.get("nlp_model", "auto"),
        scan_budget=scan.get("budget", 100),
        recognizers=paths.get("recognizers"),
        engine_params=dict(synthesis.get("params", {})),
        constraints=list(synthesis.get("constraints", [])),
        keep_rare=synthesis.get("keep_rare", False),
        fit_rows=synthesis.get("fit_rows", 500_000),
        gates=Gates(**data.get("gates", {})),
    )


STARTER = """\
# synthpriv job configuration (validated against schemas/config.schema.json).
# Command-line flags and arguments override these values.

[io]
# input = "data/patients.csv"   # relative to this file; or give INPUT on the command line
# output = "runs/latest"        # run directory to create; or give -o

[run]
policy = "strict"        # strict | hipaa-safe-harbor | pseudonymize | path to a policy file
# key_file = "secrets/pseudonym.key"  # for hash/fake pseudonyms (or SYNTHPRIV_PSEUDONYM_KEY)

seed = 0                 # same input + config + seed = same outputs
holdout_share = 0.2      # share of real rows kept apart as the privacy baseline
# rows = 5000            # synthetic rows to sample (default: as many as the training rows)
engine = "gaussian_copula"
# target = "charges"     # a column to predict: the report adds train-on-synthetic vs train-on-real
encoding = "auto"        # of CSV input: auto-detected, or name one, e.g. "latin-1"

[scan]
nlp_model = "auto"       # "auto" (best installed spaCy English model), "none", or a package name
budget = 100             # distinct values sampled per column
# recognizers = "my_recognizers.yaml"  # extra pattern recognizers, Presidio's YAML format

[synthesis]
# keep_rare = false       # true keeps values seen < 5 times in the model file
# fit_rows = 500000       # above this, fit on a seeded sample of this many rows
# [synthesis.params]      # engine parameters, e.g. for engine = "ctgan":
# epochs = 50
# [[synthesis.constraints]]
# type = "inequality"     # range (column, low, high), positive (column), inequality (columns
# columns = ["admitted", "discharged"]   # low <= high), fixed_combinations (columns)

[gates]
fidelity_min = 0.70      # FAIL below this fidelity score (0-1)
fidelity_warn = 0.80     # WARN below this
dcr_share_max = 0.60     # FAIL if synthetic rows sit closer to training rows this often
dcr_share_warn = 0.55
exact_copy_margin = 0.01 # FAIL if exact copies of training rows exceed the holdout baseline by this
near_copy_margin = 0.03  # the same for near copies (closer than 95% of holdout rows are)
membership_auc_max = 0.60   # FAIL if a distance attack tells training rows from holdout rows
membership_auc_warn = 0.55
attack_risk_max = 0.20   # FAIL if singling-out, linkability or inference risk exceeds this
attack_risk_warn = 0.10
replicated_uniques_margin = 0.02  # FAIL if repU exceeds the holdout's by this
"""
