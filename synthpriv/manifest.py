"""The manifest every output directory carries: what went in, with what settings, what came out.

It records input hashes, config, seed and package versions, and the SHA-256 of every output file.
It also marks the directory as synthpriv's own: ``--overwrite`` replaces only directories whose
manifest lists every file in them (:mod:`synthpriv.io.outputs`).
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from synthpriv import __version__
from synthpriv.io import MANIFEST, sha256_file, write_json

PACKAGES = ("polars", "sdv", "presidio-analyzer", "presidio-anonymizer", "numpy", "scipy", "spacy")


def package_versions() -> dict[str, str]:
    """Return the versions of Python, synthpriv and the libraries that shape the output."""
    versions = {"python": platform.python_version(), "synthpriv": __version__}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def input_record(path: Path, frame: pl.DataFrame, **read_facts: Any) -> dict[str, Any]:
    """Describe an input file for manifests and schemas (name, hash, shape, how it was read)."""
    return {
        "file": path.name,
        "sha256": sha256_file(path),
        "rows": frame.height,
        "columns": frame.width,
        **read_facts,
    }


def write_manifest(directory: Path, command: str, **fields: Any) -> dict[str, Any]:
    """Write ``manifest.json`` into ``directory``, listing every file in it with its hash."""
    outputs = {
        str(p.relative_to(directory)): sha256_file(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    data = {
        "synthpriv_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "versions": package_versions(),
        **fields,
        "outputs": outputs,
    }
    # Same input, settings and seed give byte-identical outputs (synthetic table, report, model
    # file); what the manifest adds about this run is listed, so a comparison can skip it.
    varying = [k for k in ("created_at", "timings_seconds") if k in data]
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    varying += [f"config.{k}" for k in ("input", "output") if k in config]
    data["differs_between_runs"] = varying
    write_json(data, directory / MANIFEST)
    return data
