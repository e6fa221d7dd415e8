"""Progress for logs nobody watches live: one line per finished stage, one per minute of a long one.

A cron job's stderr is a file, not a terminal: a redrawn progress bar is noise there and silence
is worse (a wide table's report ran for minutes with nothing written). :class:`LineProgress`
writes through the ``synthpriv.progress`` logger, so lines take the run's ``--log-format`` (text
or JSON lines) and reach ``--log-file`` too. Lines name stages and counts, never a value.

The minute lines come from one daemon thread that sleeps on an event between lines (it never
polls), started with the first stage and stopped by :meth:`LineProgress.close`.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("synthpriv.progress")
INTERVAL_SECONDS = 60.0


def duration(seconds: float) -> str:
    """``0.4 s``, ``12.0 s``, ``3 min 05 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class LineProgress:
    """The :class:`synthpriv.pipeline.Progress` of a log file (stderr not a terminal)."""

    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stage: str | None = None
        self._total: int | None = None
        self._done = 0
        self._started = 0.0
        self._said = 0.0

    def start(self, stage: str, total: int | None = None) -> None:
        """A stage begins: nothing is written until it ends or a minute passes."""
        now = time.monotonic()
        with self._lock:
            self._stage, self._total, self._done = stage, total, 0
            self._started = self._said = now
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._beat, name="synthpriv-progress", daemon=True
            )
            self._thread.start()

    def advance(self, steps: int = 1) -> None:
        """Count steps of the current stage (shown in the minute lines)."""
        with self._lock:
            self._done += steps

    def finish(self) -> None:
        """The current stage ended: one line with its time."""
        with self._lock:
            stage, started, self._stage = self._stage, self._started, None
        if stage is not None:
            log.info("%s: done in %s", stage, duration(time.monotonic() - started))

    def close(self) -> None:
        """Stop the minute lines (the run ended, or failed)."""
        with self._lock:
            self._stage = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _beat(self) -> None:
        wait = self.interval
        while not self._stop.wait(wait):
            now = time.monotonic()
            line = None
            with self._lock:
                due = self._said + self.interval
                if self._stage is not None and now >= due:
                    self._said = now
                    line = self._running(now)
                    due = now + self.interval
                wait = max(0.05, due - now) if self._stage is not None else self.interval
            if line:
                log.info(line)

    def _running(self, now: float) -> str:
        counted = f", {self._done} of {self._total}" if self._total and self._total > 1 else ""
        return f"{self._stage}: running for {duration(now - self._started)}{counted}"
