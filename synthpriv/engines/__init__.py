"""Synthesis engines behind one interface (:class:`Engine`), found by name in a registry.

A new engine is one file with an :class:`Engine` subclass and one :func:`register` line below.
Everything else asks the registry: whether an engine is differentially private, which
parameters it takes, how to build it from a model file.

Example:
    >>> from synthpriv import engines
    >>> engines.get("mst").private
    True
"""

from __future__ import annotations

from synthpriv.engines.base import Engine, FitHints, engine_errors
from synthpriv.engines.cart import CartEngine
from synthpriv.engines.mst import MstEngine
from synthpriv.engines.sdv_engines import (
    CopulaGanEngine,
    CtganEngine,
    GaussianCopulaEngine,
    TvaeEngine,
)
from synthpriv.errors import ConfigError

__all__ = [
    "DEFAULT",
    "Engine",
    "FitHints",
    "engine_errors",
    "get",
    "is_private",
    "names",
    "private_names",
    "register",
    "unregister",
]

_REGISTRY: dict[str, type[Engine]] = {}


def register(engine: type[Engine]) -> type[Engine]:
    """Add ``engine`` under its ``name`` (usable as a class decorator); return it.

    Raises:
        ValueError: another engine already has that name.
    """
    if _REGISTRY.get(engine.name, engine) is not engine:
        raise ValueError(f"an engine named {engine.name!r} is already registered")
    _REGISTRY[engine.name] = engine
    return engine


def unregister(name: str) -> None:
    """Remove the engine called ``name`` (tests register and remove their own)."""
    _REGISTRY.pop(name, None)


def get(name: str) -> type[Engine]:
    """The engine class called ``name``.

    Raises:
        ConfigError: no engine has that name (the message lists the valid ones).
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(f"unknown engine {name!r}; valid engines: {', '.join(names())}") from None


def names() -> list[str]:
    """Every registered engine's name, the default first."""
    return list(_REGISTRY)


def private_names() -> list[str]:
    """The names of the differentially private engines (they need epsilon and delta)."""
    return [name for name, engine in _REGISTRY.items() if engine.private]


def is_private(name: str) -> bool:
    """Whether the engine called ``name`` is differentially private (unknown: ConfigError)."""
    return get(name).private


register(CartEngine)
register(GaussianCopulaEngine)
register(CtganEngine)
register(TvaeEngine)
register(CopulaGanEngine)
register(MstEngine)
DEFAULT = CartEngine.name
