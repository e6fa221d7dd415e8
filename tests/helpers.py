"""Small helpers shared by CLI tests."""

from __future__ import annotations

import re

# what synthpriv.progress_lines writes when stderr is not a terminal (CliRunner's is not)
PROGRESS_LINE = re.compile(r"^(?:INFO\s+)?[a-z]+: (?:done in|running for) [0-9][^:]*$")


def without_progress(stderr: str) -> str:
    """``stderr`` without the stage lines a log file gets, so an error can be read alone."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if not PROGRESS_LINE.match(line.strip())
    )
