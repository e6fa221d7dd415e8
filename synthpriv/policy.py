"""Named de-identification policies: ordered rules mapping column roles/entities to operators.

A policy is data (JSON validated against ``schemas/policy.schema.json``): the built-ins live in
``synthpriv/policies/``, and a user may point at a file of their own. A column's ``action`` in the
column schema overrides whatever the policy chooses.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from synthpriv.errors import ConfigError
from synthpriv.schema import ColumnInfo, validate

BUILTIN = ("strict", "hipaa-safe-harbor", "pseudonymize")
KEY_ENV = "SYNTHPRIV_PSEUDONYM_KEY"


@dataclass(frozen=True)
class Rule:
    """One rule: when ``match`` fits a column, apply ``operator`` with ``params``."""

    match: dict[str, list[str]]
    operator: str
    params: dict[str, Any] = field(default_factory=dict)

    def fits(self, column: ColumnInfo) -> bool:
        """True when every condition of the match holds for ``column``."""
        checks = {
            "roles": lambda values: str(column.role) in values,
            "entities": lambda values: bool(set(column.entity_types) & set(values)),
            "kinds": lambda values: str(column.kind) in values,
            "columns": lambda values: column.name in values,
        }
        return all(checks[key](values) for key, values in self.match.items())


@dataclass(frozen=True)
class Policy:
    """A validated policy and the SHA-256 of its source text (recorded in the audit log)."""

    name: str
    description: str
    rules: tuple[Rule, ...]
    sha256: str
    suppress_rare_k: int | None = None
    suppress_rare_roles: tuple[str, ...] = ("quasi_identifier",)

    def choose(self, column: ColumnInfo) -> tuple[str, dict[str, Any]]:
        """Return (operator, params) for ``column``; its ``action`` override wins."""
        if column.action:
            return column.action, {}
        for rule in self.rules:
            if rule.fits(column):
                return rule.operator, dict(rule.params)
        return "keep", {}

    def suppresses_rare_in(self, column: ColumnInfo, operator: str) -> bool:
        """True when rare categories of ``column`` are suppressed after ``operator`` ran.

        Never for a column whose schema says ``action: keep``: keep means as it is.
        """
        return (
            self.suppress_rare_k is not None
            and column.action != "keep"
            and str(column.role) in self.suppress_rare_roles
            and operator in ("keep", "generalize")
        )

    def needs_key(self) -> bool:
        """True when a rule pseudonymizes with a secret (hash or fake)."""
        return any(rule.operator in ("hash", "fake") for rule in self.rules)


def load_policy(name_or_path: str | os.PathLike[str]) -> Policy:
    """Load a built-in policy by name, or a policy file by path.

    Raises:
        ConfigError: unknown name, unreadable file or invalid content (naming file and place).
    """
    text_name = str(name_or_path)
    if text_name in BUILTIN:
        origin = f"built-in policy {text_name!r}"
        text = resources.files("synthpriv.policies").joinpath(f"{text_name}.json").read_text()
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigError(
                f"unknown policy {text_name!r}: use one of {', '.join(BUILTIN)} "
                "or the path of a policy file"
            )
        origin = str(path)
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin}: not valid JSON at line {exc.lineno}") from None
    validate(data, "policy", origin=origin)
    return Policy(
        name=data["name"],
        description=data.get("description", ""),
        rules=tuple(Rule(r["match"], r["operator"], r.get("params", {})) for r in data["rules"]),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        suppress_rare_k=data.get("suppress_rare", {}).get("k"),
        suppress_rare_roles=tuple(data.get("suppress_rare", {}).get("roles", ["quasi_identifier"])),
    )


def pseudonym_key(key_file: str | os.PathLike[str] | None = None) -> bytes | None:
    """Return the pseudonym key from ``key_file`` or ``$SYNTHPRIV_PSEUDONYM_KEY`` (None if neither).

    Keys never come from the command line, where they would land in shell history and ``ps``.
    """
    from synthpriv.keys import key_from_env, read_key_file

    if key_file is not None:
        return read_key_file(Path(key_file))
    return key_from_env(KEY_ENV)
