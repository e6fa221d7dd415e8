"""Secret keys: the model-signing key and the pseudonym key, read and created one way.

A key comes from an environment variable or a file, never from the command line (shell history,
``ps``). Either way it must be at least :data:`MIN_KEY_BYTES` long. A key file must be readable
by its owner only (mode 0600), as ssh requires of private keys; one that the group or others can
read is refused, since anyone who reads it can forge model files or reverse pseudonyms by
trying candidate values. A key file synthpriv creates is made with ``O_EXCL`` and mode 0600 in
one step, so two first runs cannot both write one and no moment exists when it is readable.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from synthpriv.errors import ConfigError

MIN_KEY_BYTES = 16


def _checked(key: bytes, origin: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{origin}: key is too short (at least {MIN_KEY_BYTES} bytes)")
    return key


def key_from_env(variable: str) -> bytes | None:
    """The key in ``$variable`` (None when unset or empty)."""
    value = os.environ.get(variable)
    return _checked(value.encode("utf-8"), f"${variable}") if value else None


def read_key_file(path: Path) -> bytes:
    """Read a key file; refuse one that is missing, too short, or readable by others."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(f"{path}: key file not found") from None
    if not stat.S_ISREG(mode):
        raise ConfigError(f"{path}: key file is not a regular file")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path}: key file is readable or writable by group or others "
            f"(mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}"
        )
    return _checked(path.read_bytes().strip(), str(path))


def create_or_read_key_file(path: Path) -> bytes:
    """Return the key in ``path``, creating it (random, mode 0600) when it is absent.

    The key is written to a private temporary file and linked into place, which fails if the
    key exists: a second run never sees a half-written key, and two first runs agree on one.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        return read_key_file(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another run made it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)
    return read_key_file(path)
