"""Thread pools sized to the cores the machine has free, so a busy machine costs time in proportion.

OpenMP threads (scikit-learn's gradient boosting in the report) spin while they wait for work.
On a two-core machine where two other processes keep both cores busy, the report on Adult took
40 s with a thread per core against 17 s idle. What was measured while choosing the cure
(bench/busy_machine.py and the notes in bench/README.md):

* a passive wait policy (``OMP_WAIT_POLICY=PASSIVE``) made a discriminator 13x slower on an idle
  machine (1.3 s -> 17 s), since gradient boosting wakes its threads for every tree node;
* shrinking the pools at run time (threadpoolctl) after they had started made the report slower,
  not faster, beside busy processes (132 s);
* pools sized once, before the libraries start them, to the cores other processes leave free:
  the same speed idle, and on the busy machine the time of one core.

So the command line calls :func:`configure` before any threaded library loads: every pool
(OpenMP, OpenBLAS/MKL, numba) gets the cores this process may use, less the load other
processes put on them (the 1-minute load average). ``--threads N`` or ``SYNTHPRIV_THREADS=N``
fixes the size; ``SYNTHPRIV_THREADS=off`` leaves the libraries' defaults (benchmarks compare);
a variable the user set (``OMP_NUM_THREADS=4``) is never overridden. Results do not depend on
the pool size (the report's classifiers give the same AUC on one thread and on two). Polars'
pool is left as it is: it starts when the command line loads, and its threads sleep while they
wait; so do those of numba's ``workqueue`` pool, which synthpriv picks over numba's OpenMP one
(:mod:`synthpriv.metrics.neighbors`).
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)
POOL_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def free_cores(load: float | None = None) -> int:
    """Available cores minus the load other processes put on them (1-minute load average)."""
    cores = available_cores()
    if load is None:
        try:
            load = os.getloadavg()[0]
        except OSError:  # pragma: no cover - no load average on this system
            return cores
    return max(1, min(cores, round(cores - load)))


def configure(threads: int | str | None = None) -> int | None:
    """Size every thread pool before the libraries load; return the size (None: left alone).

    ``threads`` is a count, ``"off"``, or ``None`` for ``SYNTHPRIV_THREADS`` and then the free
    cores. Call it before scikit-learn, OpenBLAS or numba start a pool.
    """
    choice = threads if threads is not None else os.environ.get("SYNTHPRIV_THREADS", "")
    if str(choice).lower() == "off":
        return None
    count = int(choice) if str(choice).isdigit() and int(choice) > 0 else free_cores()
    count = min(count, available_cores())
    for variable in POOL_VARIABLES:
        os.environ.setdefault(variable, str(count))
    numba = sys.modules.get("numba")
    if numba is not None:  # its pool is sized once per process: a new size would be refused
        os.environ["NUMBA_NUM_THREADS"] = str(numba.config.NUMBA_NUM_THREADS)
    if count < available_cores():  # debug: the load, and so this line, differs run to run
        log.debug(
            "thread pools sized to %d of %d cores (the rest are busy)", count, available_cores()
        )
    return count
