"""The one module that imports SDV: fit, sample, save and load synthesizers.

Metadata comes from synthpriv's own column kinds, never from SDV's detection (which types a name
column as categorical and would replay real names). Free-text and ID-like columns are left out of
the model. Model files are pickles, and unpickling runs code, so each file carries an HMAC-SHA256
of its payload under a local key and :func:`load_model` refuses anything that does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import random
import secrets
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv import __version__
from synthpriv.errors import ConfigError, ModelError, ResidualPIIError
from synthpriv.io import atomic_path
from synthpriv.operators import PSEUDONYMIZING
from synthpriv.schema import Kind, Role, TableSchema, kinds_of

MAGIC = b"SYNTHPRIV-MODEL/1\n"
KEY_ENV = "SYNTHPRIV_MODEL_KEY"
ENGINES = ("gaussian_copula",)
_SDTYPES = {
    Kind.NUMERICAL: "numerical",
    Kind.CATEGORICAL: "categorical",
    Kind.BOOLEAN: "boolean",
    Kind.DATETIME: "datetime",
}


@dataclass
class SynthModel:
    """A fitted synthesizer and what is needed to turn its samples back into our table."""

    synthesizer: Any
    engine: str
    columns: list[str]
    dtypes: dict[str, str]
    kinds: dict[str, str]
    excluded: dict[str, str]
    seed: int
    training_rows: int
    fit_seconds: float
    params: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """Return JSON-ready settings of this model (no data)."""
        return {
            "engine": self.engine,
            "params": self.params,
            "seed": self.seed,
            "columns": self.columns,
            "kinds": self.kinds,
            "excluded": self.excluded,
            "training_rows": self.training_rows,
        }


def sdv_metadata(kinds: dict[str, Kind]) -> dict[str, Any]:
    """Return an SDV metadata dictionary for the modelled columns (``kinds`` already filtered)."""
    columns = {name: {"sdtype": _SDTYPES[kind]} for name, kind in kinds.items()}
    return {"METADATA_SPEC_VERSION": "V1", "tables": {"table": {"columns": columns}}}


def plan_columns(
    frame: pl.DataFrame, schema: TableSchema | None
) -> tuple[dict[str, Kind], dict[str, str]]:
    """Split the columns of a cleaned table into modelled ones (with kinds) and excluded ones.

    Raises:
        ResidualPIIError: the schema marks a column still present as a direct identifier.
    """
    kinds = kinds_of(frame)
    modelled: dict[str, Kind] = {}
    excluded: dict[str, str] = {}
    for name, kind in kinds.items():
        info = schema[name] if schema is not None and name in schema else None
        if (
            info is not None
            and info.role == Role.DIRECT_IDENTIFIER
            and info.action in PSEUDONYMIZING
        ):
            excluded[name] = f"pseudonymized identifier ({info.action}); not synthesized"
            continue
        if info is not None and info.role == Role.DIRECT_IDENTIFIER and info.action != "keep":
            raise ResidualPIIError(
                f"column {name!r} is a direct identifier ({', '.join(info.entity_types)}); "
                "run 'synthpriv clean' first or set its action to keep in the column schema"
            )
        if kind == Kind.TEXT:
            excluded[name] = "free text is not synthesized"
        elif kind == Kind.ID:
            excluded[name] = "nearly every value is distinct (an identifier); not synthesized"
        elif frame.get_column(name).null_count() == frame.height:
            excluded[name] = "all values are missing"
        else:
            modelled[name] = kind
    if not modelled:
        raise ConfigError("no column can be synthesized (all are free text, IDs or empty)")
    return modelled, excluded


def to_pandas(frame: pl.DataFrame) -> Any:
    """Convert to pandas for SDV, with temporal columns as ``datetime64[ns]``.

    SDV's datetime transformer misreads ``datetime64[ms]`` (what polars dates become) and samples
    the epoch; nanoseconds are what it expects.
    """
    temporal = [name for name, dtype in frame.schema.items() if dtype.is_temporal()]
    if temporal:
        frame = frame.with_columns(pl.col(temporal).cast(pl.Datetime("ns")))
    return frame.to_pandas()


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - torch comes with sdv
        pass


def fit(
    frame: pl.DataFrame,
    *,
    schema: TableSchema | None = None,
    seed: int = 0,
    engine: str = "gaussian_copula",
    params: dict[str, Any] | None = None,
) -> SynthModel:
    """Fit a synthesizer on a cleaned table.

    Args:
        frame: The cleaned table. Direct identifiers must be gone.
        schema: The column schema from ``scan``; its roles are checked before fitting.
        seed: Seed for every random number generator involved.
        engine: Synthesizer name; only ``gaussian_copula`` for now.
        params: Extra keyword arguments for the SDV synthesizer.

    Raises:
        ConfigError: unknown engine or parameters.
        ResidualPIIError: a direct identifier is still present.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; valid engines: {', '.join(ENGINES)}")
    modelled, excluded = plan_columns(frame, schema)
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    params = dict(params or {})
    metadata = Metadata.load_from_dict(sdv_metadata(modelled))
    data = to_pandas(frame.select(list(modelled)))
    started = time.perf_counter()
    _seed_everything(seed)
    try:
        synthesizer = GaussianCopulaSynthesizer(metadata, **params)
    except TypeError as exc:
        raise ConfigError(f"invalid parameter for engine {engine!r}: {exc}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthesizer.fit({"table": data})
    return SynthModel(
        synthesizer=synthesizer,
        engine=engine,
        columns=list(modelled),
        dtypes={name: str(frame.schema[name]) for name in modelled},
        kinds={name: str(kind) for name, kind in modelled.items()},
        excluded=excluded,
        seed=seed,
        training_rows=frame.height,
        fit_seconds=time.perf_counter() - started,
        params=params,
    )


def sample(model: SynthModel, rows: int, *, seed: int | None = None) -> pl.DataFrame:
    """Sample ``rows`` synthetic rows; the same model, rows and seed give the same table."""
    if rows < 1:
        raise ConfigError(f"number of rows must be at least 1, got {rows}")
    seed = model.seed if seed is None else seed
    synthesizer = model.synthesizer
    synthesizer.reset_sampling()
    _seed_everything(seed)
    synthesizer._set_random_state(seed)  # SDV's own hook; public API only offers a fixed seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampled = synthesizer.sample(rows)
    if isinstance(sampled, dict):
        sampled = next(iter(sampled.values()))
    frame = pl.from_pandas(sampled[model.columns])
    return frame.with_columns(
        [_restore(frame.get_column(name), dtype) for name, dtype in model.dtypes.items()]
    )


def _restore(series: pl.Series, dtype: str) -> pl.Series:
    target = {
        "Int64": pl.Int64,
        "Int32": pl.Int32,
        "Float64": pl.Float64,
        "Boolean": pl.Boolean,
        "String": pl.String,
        "Date": pl.Date,
    }.get(dtype)
    if target is None or series.dtype == target:
        return series
    if target == pl.Int64 or target == pl.Int32:
        return series.round(0).cast(target, strict=False)
    return series.cast(target, strict=False)


# ---------------------------------------------------------------------------- model files


def model_key() -> bytes:
    """Return the local model-signing key: ``$SYNTHPRIV_MODEL_KEY``, or a key file made once.

    The key file lives at ``$XDG_CONFIG_HOME/synthpriv/model.key`` (mode 0600). Models signed with
    one key are refused under another: copy the key (or set the variable) to share models.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode("utf-8")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "synthpriv" / "model.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def save_model(model: SynthModel, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write ``model`` to ``path`` (atomically) with a signed header; return the header."""
    import cloudpickle

    buffer = io.BytesIO()
    cloudpickle.dump(model, buffer)
    payload = buffer.getvalue()
    header = {
        "format": 1,
        "synthpriv_version": __version__,
        "model": model.describe(),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "hmac_sha256": hmac.new(model_key(), payload, hashlib.sha256).hexdigest(),
    }
    with atomic_path(Path(path)) as tmp:
        with tmp.open("wb") as handle:
            handle.write(MAGIC)
            handle.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
            handle.write(payload)
    return header


def load_model(path: str | os.PathLike[str]) -> SynthModel:
    """Load a model written by :func:`save_model`, after checking its signature.

    Raises:
        ModelError: the file is missing, not a synthpriv model, corrupt, or signed with another key.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: model file not found")
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise ModelError(f"{path}: not a synthpriv model file")
        try:
            header = json.loads(handle.readline())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ModelError(f"{path}: model header is corrupt") from None
        payload = handle.read()
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise ModelError(f"{path}: model file is corrupt or was modified (checksum mismatch)")
    expected = hmac.new(model_key(), payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(header.get("hmac_sha256", ""))):
        raise ModelError(
            f"{path}: model signature does not verify; it was written elsewhere or altered "
            f"(set {KEY_ENV} to the key it was written with)"
        )
    import cloudpickle

    model = cloudpickle.loads(payload)
    if not isinstance(model, SynthModel):
        raise ModelError(f"{path}: not a synthpriv model")
    return model
