"""Process exit codes: the contract with cron jobs and CI.

Every code is documented in ``docs/exit-codes.md`` and tested in ``tests/unit/test_status.py``.
Never renumber a member: scripts in the field compare against these integers.
"""

from enum import IntEnum


class ExitStatus(IntEnum):
    """Exit codes returned by the ``synthpriv`` command."""

    SUCCESS = 0
    """Everything ran and every gate passed (or only warned)."""
    INTERNAL_ERROR = 1
    """A bug or an unexpected failure; re-run with ``-v`` for the traceback."""
    USAGE_ERROR = 2
    """Bad command-line usage: unknown option, missing argument (click's own code)."""
    INPUT_ERROR = 3
    """An input table is missing, empty, unreadable or malformed."""
    CONFIG_ERROR = 4
    """A config, schema or policy file is invalid."""
    RESIDUAL_PII = 5
    """Cleaning left a direct identifier behind, or a model was asked to learn one."""
    PRIVACY_GATE_FAILED = 6
    """The synthetic table failed a privacy gate."""
    FIDELITY_GATE_FAILED = 7
    """The synthetic table failed a fidelity gate."""
    MODEL_ERROR = 8
    """A model file is missing, corrupt, or was not written by this installation."""
    INCOMPLETE = 9
    """A privacy gate could not be measured (no real holdout): the verdict is INCOMPLETE."""
    ENVIRONMENT_ERROR = 10
    """Something the command needs is not installed: PySpark or Java 17+ for ``--spark``."""
    INTERRUPTED = 130
    """Interrupted by SIGINT/SIGTERM; no partial output was left behind."""


# How --help names each code (one line for all; docs/exit-codes.md says more).
SHORT = {
    ExitStatus.SUCCESS: "ok",
    ExitStatus.INTERNAL_ERROR: "internal error",
    ExitStatus.USAGE_ERROR: "usage",
    ExitStatus.INPUT_ERROR: "bad input",
    ExitStatus.CONFIG_ERROR: "bad config",
    ExitStatus.RESIDUAL_PII: "residual PII",
    ExitStatus.PRIVACY_GATE_FAILED: "privacy gate failed",
    ExitStatus.FIDELITY_GATE_FAILED: "fidelity gate failed",
    ExitStatus.MODEL_ERROR: "bad model file",
    ExitStatus.INCOMPLETE: "incomplete (a privacy check could not run: no holdout)",
    ExitStatus.ENVIRONMENT_ERROR: "environment missing (PySpark or Java for --spark)",
    ExitStatus.INTERRUPTED: "interrupted",
}


def exit_codes_help() -> str:
    """``0 ok, 1 internal error, ...``: every code, from the enum (none can be left out)."""
    return ", ".join(f"{status.value} {SHORT[status]}" for status in ExitStatus)


# A SIGTERM's exception can be lost: raised while Python runs a finalizer (``__del__``, a
# weakref callback), it is printed as "Exception ignored" and the run goes on to exit 0 with
# its output in place. The handler marks it here too, and outputs are never committed after.
_signalled = False


def mark_interrupted() -> None:
    """Record that the process was asked to stop (from the signal handler)."""
    global _signalled
    _signalled = True


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a stop was asked, even if its exception was lost."""
    if _signalled:
        raise KeyboardInterrupt("a stop was asked while the run went on")
