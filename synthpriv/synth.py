"""Fit, sample, save and load synthesizers, whichever engine (:mod:`synthpriv.engines`) runs.

This module decides which columns are modelled and how (free-text and ID-like columns are left
out, a DP engine's types come from the schema alone), hands the prepared rows to the engine,
draws in seeded chunks, turns the engine's rows back into the input's types and form, and
stores models. Model files are pickles, and unpickling runs code, so each file carries an
HMAC-SHA256 of its payload under a local key and :func:`load_model` refuses anything that does
not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from synthpriv import __version__, engines
from synthpriv.config import default_of
from synthpriv.engines import Engine, FitHints, engine_errors
from synthpriv.errors import ConfigError, ModelError, ResidualPIIError
from synthpriv.io import atomic_path
from synthpriv.operators import PSEUDONYMIZING
from synthpriv.schema import Kind, Role, TableSchema, kinds_of
from synthpriv.synthesis_plan import Constraint, prepare, satisfied, unbin
from synthpriv.synthesis_plan import restore as restore_joints

MAGIC = b"SYNTHPRIV-MODEL/1\n"
# 2: the signature covers the header too; 3: cart keeps nodes and paths; 4: the model holds an
# engine (synthpriv.engines), where 3 held the engine's estimator alone (still read)
MODEL_FORMAT = 4
READ_FORMATS = (3, 4)
DEFAULT_ENGINE = engines.DEFAULT
KEY_ENV = "SYNTHPRIV_MODEL_KEY"
FIT_ROWS: int = default_of("fit_rows")  # the one default lives in synthpriv/config.py
CHUNK_ROWS = 100_000
MAX_DRAWS = 20
ALL_MISSING = "all values are missing"


@dataclass
class SynthModel:
    """A fitted engine and what is needed to turn its samples back into our table."""

    synthesizer: Engine
    engine: str
    columns: list[str]
    dtypes: dict[str, str]
    kinds: dict[str, str]
    excluded: dict[str, str]
    seed: int
    training_rows: int
    params: dict[str, Any] = field(default_factory=dict)
    joints: dict[str, list[str]] = field(default_factory=dict)
    binned: dict[str, list[float]] = field(default_factory=dict)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    preparation: dict[str, Any] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """Return JSON-ready settings of this model (no data)."""
        return {
            "engine": self.engine,
            # the rows were prepared for a copula: the report shows orders and marginals
            "copula": engines.get(self.engine).copula,
            "params": self.params,
            "seed": self.seed,
            "columns": self.columns,
            "kinds": self.kinds,
            "excluded": self.excluded,
            "training_rows": self.training_rows,
            "constraints": self.constraints,
            "preparation": self.preparation,
        }


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
        elif info is not None and info.role == Role.FREE_TEXT_PII and info.action != "keep":
            # however few its values (a vaccine's 18 descriptions, some with a name in them):
            # the report fails a synthetic table that holds such a column
            excluded[name] = "text with personal data (redacted) is not synthesized"
        elif kind == Kind.ID:
            excluded[name] = "nearly every value is distinct (an identifier); not synthesized"
        elif frame.get_column(name).null_count() == frame.height:
            excluded[name] = ALL_MISSING
        else:
            modelled[name] = kind
    if not modelled:
        raise ConfigError("no column can be synthesized (all are free text, IDs or empty)")
    return modelled, excluded


def to_pandas(frame: pl.DataFrame) -> Any:
    """Convert to pandas for the engines, with temporal columns as ``datetime64[ns]``.

    SDV's datetime transformer misreads ``datetime64[ms]`` (what polars dates become) and samples
    the epoch; nanoseconds are what it expects.
    """
    temporal = [name for name, dtype in frame.schema.items() if dtype.is_temporal()]
    if temporal:
        frame = frame.with_columns(pl.col(temporal).cast(pl.Datetime("ns")))
    return frame.to_pandas()


def child_seed(seed: int, *path: int) -> int:
    """An independent 32-bit seed for part ``path`` of a run seeded with ``seed``.

    ``numpy.random.SeedSequence`` spawning: chunk 1 of seed 1 shares nothing with chunk 0 of
    seed 2 (with ``seed + i`` they were the same rows), and a chunk's seed does not depend on how
    many chunks there are.
    """
    return int(np.random.SeedSequence(seed, spawn_key=path).generate_state(1)[0])


def fit(
    frame: pl.DataFrame,
    *,
    schema: TableSchema | None = None,
    seed: int = 0,
    engine: str = DEFAULT_ENGINE,
    params: dict[str, Any] | None = None,
    constraints: list[dict[str, Any]] | None = None,
    keep_rare: bool = False,
    fit_rows: int | None = FIT_ROWS,
    rows_from: str | None = None,
    sampled_from_rows: int | None = None,
) -> SynthModel:
    """Fit a synthesizer on a cleaned table.

    Args:
        frame: The cleaned table. Direct identifiers must be gone.
        schema: The column schema from ``scan``; its roles are checked before fitting.
        seed: Seed for every random number generator involved.
        engine: A registered engine's name (:func:`synthpriv.engines.names`): ``cart``
            (default), ``gaussian_copula``, ``ctgan``, ``tvae``, ``copulagan`` or ``mst``.
        params: The engine's parameters (checked by its ``check_params``).
        constraints: Rules for the synthetic rows (see :class:`Constraint`).
        keep_rare: Keep values seen fewer than 5 times in the model (off: they are pooled).
        fit_rows: Above this many rows, fit on a seeded sample of this size (``None``: never).
            A differentially private engine always fits on every row.
        rows_from: For a DP engine's account: how the rows given came from the input file
            (default: they are the input, as with ``synthpriv fit``).
        sampled_from_rows: ``frame`` is already a seeded sample the caller drew from this many
            rows (``run`` fits on ``fit_rows`` of a large table's rows); recorded in the
            model's ``preparation`` as ``fit_sampled_from_rows``, as when ``fit_rows`` samples
            here. Not used by a differentially private engine, which fits on every row.

    Raises:
        ConfigError: unknown engine, parameter or constraint.
        ResidualPIIError: a direct identifier is still present.
    """
    params = dict(params or {})
    engines.get(engine).check_params(params)
    rules = [Constraint.from_dict(c) for c in constraints or []]
    if engines.get(engine).private:
        # every row (a fixed-size sample would tie each row's chance to the others')
        types, excluded = private_columns(frame, schema)
        model = _fit_private(frame, types, excluded, engine, params, rules, seed, rows_from)
        model.preparation |= written_as(schema, list(types)) | layout(frame, excluded)
        return model
    modelled, excluded = plan_columns(frame, schema)
    full_layout = frame.head(0)
    sampled_from = sampled_from_rows
    if fit_rows is not None and frame.height > fit_rows:
        sampled_from = sampled_from_rows or frame.height
        frame = frame.sample(fit_rows, seed=seed)
    frame = frame.select(list(modelled))
    plan = prepare(
        frame, modelled, engine=engine, constraints=rules, keep_rare=keep_rare, seed=seed
    )
    for name, reason in plan.left_out.items():
        modelled.pop(name, None)
        excluded[name] = reason
    if not plan.kinds:
        raise ConfigError("no column can be synthesized (every value is one person's or rare)")
    kinds = {n: Kind.CATEGORICAL if n in plan.ordered else k for n, k in plan.kinds.items()}
    synthesizer = _fit_engine(
        engine, to_pandas(plan.frame), params, seed, FitHints(kinds=kinds, plan=plan)
    )
    return _new_model(
        synthesizer,
        engine,
        frame,
        modelled,
        excluded,
        seed,
        params=params,
        joints=plan.joints,
        binned=plan.binned,
        decimals=decimals_of(frame),
        constraints=[c.describe() for c in rules],
        preparation=plan.describe()
        | {"fit_sampled_from_rows": sampled_from, "keep_rare": keep_rare}
        | written_as(schema, modelled)
        | layout(full_layout, excluded),
    )


def _new_model(
    synthesizer: Engine,
    engine: str,
    frame: pl.DataFrame,
    modelled: dict[str, Kind],
    excluded: dict[str, str],
    seed: int,
    **rest: Any,
) -> SynthModel:
    """A model of ``frame``'s modelled columns; ``rest`` are the engine-specific fields.

    Nothing that changes from one fit to the next is kept (no timing, no clock): the same
    input and seed give the same model file. Stage timings are in the run's manifest.
    """
    return SynthModel(
        synthesizer=synthesizer,
        engine=engine,
        columns=list(modelled),
        dtypes={name: str(dtype) for name, dtype in frame.schema.items() if name in modelled},
        kinds={name: str(kind) for name, kind in modelled.items()},
        excluded=excluded,
        seed=seed,
        training_rows=frame.height,
        **rest,
    )


PUBLIC_TYPES = {
    "integer": pl.Int64,
    "number": pl.Float64,
    "datetime": pl.Datetime("us"),
    "date": pl.Date,
    "boolean": pl.Boolean,
    "category": pl.String,
}


def private_columns(
    frame: pl.DataFrame, schema: TableSchema | None
) -> tuple[dict[str, str], dict[str, str]]:
    """The columns a DP engine models and their types, from the column schema alone.

    Nothing here looks at the values, so one row more or less cannot change which columns are
    modelled or how (a stray ``abc`` in a number column, one ``37.5`` among ages, an empty
    column filled by one row): the schema is taken as public. A column the cleaning rewrote
    (generalized, redacted) has the type its operator writes; any other has the schema's kind,
    numbers being integers when the schema read them as integers.

    Raises:
        ConfigError: no schema.
        ResidualPIIError: the schema marks a column still present as a direct identifier.
    """
    if schema is None:
        raise ConfigError(
            "a differentially private engine needs the column schema (--schema): its columns "
            "and types must not come from the data"
        )
    types: dict[str, str] = {}
    excluded: dict[str, str] = {}
    for name in frame.columns:
        if name not in schema:
            excluded[name] = "not in the column schema (its type would come from the data)"
            continue
        info = schema[name]
        if info.role == Role.DIRECT_IDENTIFIER and info.action in PSEUDONYMIZING:
            excluded[name] = f"pseudonymized identifier ({info.action}); not synthesized"
            continue
        if info.role == Role.DIRECT_IDENTIFIER and info.action != "keep":
            raise ResidualPIIError(
                f"column {name!r} is a direct identifier ({', '.join(info.entity_types)}); "
                "run 'synthpriv clean' first or set its action to keep in the column schema"
            )
        if info.kind in (Kind.TEXT, Kind.ID):
            excluded[name] = f"the schema calls it {info.kind}; not synthesized"
            continue
        if info.action not in (None, "keep", "suppress_rare"):
            types[name] = _written_type(frame.schema[name])
        elif info.kind == Kind.NUMERICAL:
            types[name] = "integer" if info.dtype.startswith(("Int", "UInt")) else "number"
        elif info.kind == Kind.DATETIME:
            types[name] = "date" if info.dtype == "Date" else "datetime"
        elif info.kind == Kind.BOOLEAN:
            types[name] = "boolean"
        else:
            types[name] = "category"
    if not types:
        raise ConfigError("no column can be synthesized (the schema keeps no column)")
    return types, excluded


def _written_type(dtype: pl.DataType) -> str:
    """The public type of what a cleaning operator wrote (its output type, not the values)."""
    if dtype == pl.Date:
        return "date"
    if dtype.is_temporal():
        return "datetime"
    if dtype.is_integer():
        return "integer"
    if dtype.is_numeric():
        return "number"
    return "boolean" if dtype == pl.Boolean else "category"


def _fit_private(
    frame: pl.DataFrame,
    types: dict[str, str],
    excluded: dict[str, str],
    engine: str,
    params: dict[str, Any],
    rules: list[Constraint],
    seed: int,
    rows_from: str | None,
) -> SynthModel:
    """Fit a differentially private engine on every row, typed by :func:`private_columns`.

    Nothing here looks at the rows outside the engine's budget: no rare-value pooling, no
    clipping, no decimal counting, no sample (see :mod:`synthpriv.dp`). A value that does not
    fit its column's public type is missing to the engine.
    """
    from synthpriv.dp import guarantee

    frame = frame.select(
        pl.col(name).cast(pl.String).cast(PUBLIC_TYPES[kind], strict=False)
        if kind in ("integer", "number") and not frame.schema[name].is_numeric()
        else pl.col(name).cast(PUBLIC_TYPES[kind], strict=False)
        for name, kind in types.items()
    )
    synthesizer = _fit_engine(engine, to_pandas(frame), params, seed, FitHints(types=types))
    kinds = {
        name: Kind.NUMERICAL
        if kind in ("integer", "number")
        else Kind.DATETIME
        if kind in ("date", "datetime")
        else Kind.BOOLEAN
        if kind == "boolean"
        else Kind.CATEGORICAL
        for name, kind in types.items()
    }
    model = _new_model(
        synthesizer,
        engine,
        frame,
        kinds,
        excluded,
        seed,
        params={k: v for k, v in params.items() if k not in ("bounds", "categories")},
        constraints=[c.describe() for c in rules],
        preparation={
            "public_types": dict(types),
            "differential_privacy": synthesizer.accounting_ | {"guarantee": guarantee(rows_from)},
        },
    )
    # the true row count is private: the model keeps the noisy measurements' estimate
    model.training_rows = round(synthesizer.rows_estimate_)
    return model


def written_as(schema: TableSchema | None, modelled: Any) -> dict[str, Any]:
    """How the input wrote the modelled date columns (from the schema's reading facts).

    Sampling writes synthetic dates back the same way (:func:`synthpriv.io.dates.write_back`):
    a zone, an epoch unit, an Excel serial. Only the form is kept, never a value.
    """
    forms = ((schema.source if schema is not None else {}).get("read") or {}).get(
        "datetime_forms"
    ) or {}
    kept = {name: form for name, form in forms.items() if name in set(modelled)}
    return {"written_as": kept} if kept else {}


def in_input_form(model: SynthModel, frame: pl.DataFrame) -> pl.DataFrame:
    """Synthetic rows as the input wrote them: dates in its form, its empty columns kept.

    A column with no value at all in the input is not modelled; it is written back empty, in
    its place, so a table's layout survives (nothing about anyone is in an empty column).
    """
    from synthpriv.io.dates import write_back

    preparation = getattr(model, "preparation", None) or {}
    frame = write_back(frame, preparation.get("written_as") or {})
    empty = [name for name in preparation.get("all_missing") or [] if name not in frame.columns]
    if not empty:
        return frame
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name) for name in empty)
    order = [c for c in preparation.get("column_order") or [] if c in frame.columns]
    return frame.select(order + [c for c in frame.columns if c not in order])


def layout(frame: pl.DataFrame, excluded: dict[str, str]) -> dict[str, Any]:
    """The input's empty columns and column order, for :func:`in_input_form` (names only)."""
    empty = [n for n, why in excluded.items() if why == ALL_MISSING and n in frame.columns]
    return {"all_missing": empty, "column_order": list(frame.columns)} if empty else {}


def _fit_engine(
    engine: str, data: Any, params: dict[str, Any], seed: int, hints: FitHints
) -> Engine:
    """Build the engine called ``engine`` and fit it on a pandas table, its failures ours."""
    fitted = engines.get(engine)(**params)
    with warnings.catch_warnings(), engine_errors(engine, "fitting"):
        warnings.simplefilter("ignore")
        return fitted.fit(data, seed=seed, hints=hints)


def sample(
    model: SynthModel,
    rows: int,
    *,
    seed: int | None = None,
    conditions: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Sample ``rows`` synthetic rows; the same model, rows and seed give the same table."""
    return pl.concat(list(sample_chunks(model, rows, seed=seed, conditions=conditions)))


def sample_chunks(
    model: SynthModel,
    rows: int,
    *,
    seed: int | None = None,
    conditions: dict[str, Any] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pl.DataFrame]:
    """Yield the synthetic rows in chunks of at most ``chunk_rows`` (bounded memory).

    Chunk ``i`` is drawn with its own seed spawned from ``seed`` (:func:`child_seed`), so a given
    number of rows always gives the same rows and other seeds give other rows. Constraints are
    enforced by drawing more rows and keeping those that satisfy them.
    """
    if rows < 1:
        raise ConfigError(f"number of rows must be at least 1, got {rows}")
    seed = model.seed if seed is None else seed
    conditions = _conditions(model, conditions or {})
    for index in range(-(-rows // chunk_rows)):
        yield draw_chunk(
            model, rows, index, seed=seed, chunk_rows=chunk_rows, conditions=conditions
        )


def draw_chunk(
    model: SynthModel,
    rows: int,
    index: int,
    *,
    seed: int,
    chunk_rows: int = CHUNK_ROWS,
    conditions: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Chunk ``index`` of a draw of ``rows`` rows: the same rows wherever it is drawn.

    :func:`sample_chunks` yields these in order on one machine; a Spark run draws them in
    executors (:mod:`synthpriv.executors.spark`). Either way the rows depend only on the model,
    ``rows``, ``seed`` and ``chunk_rows``, never on how chunks are spread over processes.
    """
    rules = [Constraint.from_dict(c) for c in getattr(model, "constraints", [])]
    start = index * chunk_rows
    size = min(chunk_rows, rows - start)
    return _draw(model, size, (seed, index), conditions or {}, rules)


def _draw(
    model: SynthModel,
    rows: int,
    chunk: tuple[int, int],
    conditions: dict[str, Any],
    rules: list[Constraint],
) -> pl.DataFrame:
    """Draw until ``rows`` rows satisfy the rules (and the conditions, if the engine cannot).

    Attempt ``a`` of a chunk asks the engine for rows with its own seed (:func:`child_seed`),
    so a chunk's rows depend on nothing but the model, the chunk and the seed. An engine that
    does not support conditions draws freely and the rows that match are kept.
    """
    engine = model.synthesizer
    native = engine.supports_conditions
    kept: list[pl.DataFrame] = []
    have, drawn = 0, 0
    for attempt in range(MAX_DRAWS):
        want = rows - have if not drawn else min(max(2 * (rows - have), 100), 20 * rows)
        with engine_errors(model.engine, "sampling"):
            sampled = engine.sample(
                want,
                seed=child_seed(*chunk, attempt, 1),
                conditions=conditions if native and conditions else None,
            )
        batch = _convert(model, sampled, child_seed(*chunk, attempt))
        if conditions and not native:
            batch = batch.filter(pl.all_horizontal(pl.col(c) == v for c, v in conditions.items()))
        drawn += batch.height
        if rules:
            batch = batch.filter(satisfied(rules, batch))
        kept.append(batch)
        have += batch.height
        if have >= rows:
            return pl.concat(kept).head(rows)
    names = ", ".join(r.type for r in rules) or "the conditions"
    raise ModelError(
        f"only {have} of {drawn} sampled rows satisfy {names}; the model cannot produce "
        f"{rows} such rows (loosen the rules, or fit with them so the model learns them)"
    )


MAX_DECIMALS = 10


def decimals_of(frame: pl.DataFrame) -> dict[str, int]:
    """Per float column, the most decimals its values are written with (at most 10).

    Synthetic numbers are rounded to it: a price written with 2 decimals is not sampled with 14.
    Counted on a seeded sample of up to 10,000 values; a count, never a value.
    """
    out = {}
    for name, dtype in frame.schema.items():
        if not dtype.is_float():
            continue
        values = frame.get_column(name).drop_nulls()
        values = values.filter(values.is_finite())
        if values.len() == 0:
            continue
        if values.len() > 10_000:
            values = values.sample(10_000, seed=0)
        text = values.cast(pl.String)
        # 12.25 -> 2; 1.5e-7 -> 1 + 7 = 8; 1e+20 -> 0
        fraction = text.str.extract(r"\.(\d*?)0*(?:e|$)", 1).str.len_chars().fill_null(0)
        exponent = text.str.extract(r"e(-?\d+)$", 1).cast(pl.Int64).fill_null(0)
        needed = int((fraction - exponent).clip(lower_bound=0).max() or 0)
        if needed <= MAX_DECIMALS:  # finer than that: left as sampled
            out[name] = needed
    return out


def _convert(model: SynthModel, sampled: Any, seed: int) -> pl.DataFrame:
    frame = pl.from_pandas(sampled)
    frame = restore_joints(frame, getattr(model, "joints", {}))
    for name, edges in getattr(model, "binned", {}).items():
        integer = model.dtypes[name].startswith(("Int", "UInt"))
        frame = frame.with_columns(unbin(frame.get_column(name), edges, integer, seed))
    frame = frame.select(model.columns)
    frame = frame.with_columns(
        [_restore(frame.get_column(name), dtype) for name, dtype in model.dtypes.items()]
    )
    decimals = getattr(model, "decimals", {})
    return frame.with_columns(
        pl.col(name).round(places) for name, places in decimals.items() if name in frame.columns
    )


def _conditions(model: SynthModel, conditions: dict[str, Any]) -> dict[str, Any]:
    """Check conditions against the model and cast their values to the columns' types."""
    joined = {c for parts in getattr(model, "joints", {}).values() for c in parts}
    out = {}
    for name, value in conditions.items():
        if name not in model.columns:
            raise ConfigError(
                f"condition on {name!r}: not a synthesized column; "
                f"columns: {', '.join(model.columns)}"
            )
        if name in joined:
            raise ConfigError(f"condition on {name!r}: the column is in a fixed combination")
        if name in getattr(model, "binned", {}):
            raise ConfigError(
                f"condition on {name!r}: this number is modelled in quantile bins and cannot "
                "be conditioned on; use a range constraint instead"
            )
        dtype = model.dtypes[name]
        try:
            if dtype.startswith(("Int", "UInt")):
                out[name] = int(value)
            elif dtype.startswith("Float"):
                out[name] = float(value)
            elif dtype == "Boolean":
                out[name] = str(value).lower() in ("1", "true", "yes")
            else:
                out[name] = str(value)
        except ValueError:
            raise ConfigError(f"condition on {name!r}: not a {dtype} value") from None
    return out


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
        return series.cast(pl.Float64, strict=False).round(0).cast(target, strict=False)
    return series.cast(target, strict=False)


# ---------------------------------------------------------------------------- model files


def model_key() -> bytes:
    """Return the local model-signing key: ``$SYNTHPRIV_MODEL_KEY``, or a key file made once.

    The key file lives at ``$XDG_CONFIG_HOME/synthpriv/model.key`` (mode 0600). Models signed with
    one key are refused under another: copy the key (or set the variable) to share models.
    """
    from synthpriv.keys import create_or_read_key_file, key_from_env

    key = key_from_env(KEY_ENV)
    if key is not None:
        return key
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return create_or_read_key_file(base / "synthpriv" / "model.key")


def _signature(key: bytes, header: dict[str, Any], payload: bytes) -> str:
    """HMAC-SHA256 over the magic line, the header (without the signature) and the payload."""
    signed = {k: v for k, v in header.items() if k != "hmac_sha256"}
    mac = hmac.new(key, MAGIC, hashlib.sha256)
    mac.update(json.dumps(signed, sort_keys=True).encode("utf-8") + b"\n")
    mac.update(payload)
    return mac.hexdigest()


def save_model(model: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write ``model`` to ``path`` (atomically) with a signed header; return the header.

    ``model`` is a :class:`SynthModel`, or another kind with a ``describe()`` whose ``kind``
    names it (``linked``: :class:`synthpriv.linked_run.FolderModel`); the header's ``model`` is
    that description, so :func:`model_kind` tells the kinds apart before anything is unpickled.
    """
    import cloudpickle

    buffer = io.BytesIO()
    cloudpickle.dump(model, buffer)
    payload = buffer.getvalue()
    header = {
        "format": MODEL_FORMAT,
        "synthpriv_version": __version__,
        "model": model.describe(),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    header["hmac_sha256"] = _signature(model_key(), header, payload)
    with atomic_path(Path(path)) as tmp:
        with tmp.open("wb") as handle:
            handle.write(MAGIC)
            handle.write(json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
            handle.write(payload)
    return header


def model_kind(path: str | os.PathLike[str]) -> str:
    """The kind a model file's header names: ``table`` (one table) or ``linked`` (a folder).

    Nothing is verified here: a file that cannot be read as a model is called ``table``, and
    :func:`load_model` then says what is wrong with it.
    """
    try:
        with Path(path).open("rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return "table"
            header = json.loads(handle.readline())
    except (OSError, ValueError):
        return "table"
    described = header.get("model") if isinstance(header, dict) else None
    return str(described.get("kind", "table")) if isinstance(described, dict) else "table"


def load_model(path: str | os.PathLike[str], kinds: tuple[type, ...] = (SynthModel,)) -> Any:
    """Load a model written by :func:`save_model`, after checking its signature.

    ``kinds``: the classes the caller takes (a model of one table unless it says otherwise).

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
            header = None
        if not isinstance(header, dict):
            raise ModelError(f"{path}: model header is corrupt")
        if "format" in header and header["format"] not in READ_FORMATS:
            raise ModelError(
                f"{path}: model file format {header.get('format')!r} was written by another "
                f"synthpriv version (this one reads formats "
                f"{', '.join(map(str, READ_FORMATS))}); fit the model again"
            )
        payload = handle.read()
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        raise ModelError(f"{path}: model file is corrupt or was modified (checksum mismatch)")
    expected = _signature(model_key(), header, payload)
    if not hmac.compare_digest(expected, str(header.get("hmac_sha256", ""))):
        raise ModelError(
            f"{path}: model signature does not verify; it was written elsewhere or altered "
            f"(set {KEY_ENV} to the key it was written with)"
        )
    import cloudpickle

    model = cloudpickle.loads(payload)
    if not isinstance(model, kinds):
        raise ModelError(f"{path}: not a synthpriv model")
    # format 3: the engine's estimator alone
    if isinstance(model, SynthModel) and not isinstance(model.synthesizer, Engine):
        engine = engines.get(model.engine)
        model.synthesizer = engine.from_fitted(model.synthesizer, model.params)
    return model
