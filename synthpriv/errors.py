"""Typed exceptions raised by the library; the CLI maps them to exit codes in one place.

Messages are single lines meant for the user. They name the file, row or column at fault and
never quote a raw value from an input table.
"""

from synthpriv.status import ExitStatus


class SynthprivError(Exception):
    """Base class of every error synthpriv raises on purpose."""

    exit_status: ExitStatus = ExitStatus.INTERNAL_ERROR


class InputError(SynthprivError):
    """An input table cannot be used (missing, empty, binary, malformed)."""

    exit_status = ExitStatus.INPUT_ERROR


class ConfigError(SynthprivError):
    """A config, column schema or other settings file is invalid."""

    exit_status = ExitStatus.CONFIG_ERROR


class OutputError(SynthprivError):
    """The requested output location cannot be used (exists, locked, not writable)."""

    exit_status = ExitStatus.USAGE_ERROR


class ResidualPIIError(SynthprivError):
    """Personal data is still present where the policy says it must be gone."""

    exit_status = ExitStatus.RESIDUAL_PII


class ModelError(SynthprivError):
    """A model file is missing, corrupt or fails its signature check."""

    exit_status = ExitStatus.MODEL_ERROR


class EngineError(SynthprivError):
    """A synthesizer engine (SDV, RDT, ...) failed; its own message is withheld (it may quote data).

    ``-v`` shows where it failed (file, line, function) without the library's message.
    """

    exit_status = ExitStatus.INTERNAL_ERROR


class EnvironmentMissingError(SynthprivError):
    """A runtime the command needs is missing (PySpark, Java 17+); the message says what to do."""

    exit_status = ExitStatus.ENVIRONMENT_ERROR
