"""Helper processes that end with the process they work for.

``planning batch`` runs the notebooks on a forkserver and its worker processes, and
each worker starts a Jupyter kernel. When ``planning batch`` is killed (``kill -9``, the
OOM killer, a closed terminal), nothing tells them: the forkserver and the workers
(~0.5 GB) used to stay until the next reboot. Here:

* the forkserver imports this module as a preload module; when it finds the variable
  :data:`PARENT_ENV` naming its parent, it watches that process and exits with it;
* every worker calls :func:`worker_initializer` (the pool's initializer): the kernel
  signals the worker (``PR_SET_PDEATHSIG``) when its parent, the forkserver, ends, and a
  watchdog thread ends the worker when the ``planning batch`` process itself ends.

The kernels end themselves when their worker ends (ipykernel polls its parent).

Watching uses a pidfd (Linux 5.3+), which becomes readable when the process ends and
cannot be confused with a later process that reuses the pid; elsewhere the watchdog
polls the pid twice a second.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import threading
import time
from pathlib import Path

__all__ = ["PARENT_ENV", "exit_with", "process_alive", "worker_initializer"]

PARENT_ENV = "PLANNING_BATCH_PID"
"""Environment variable with the pid of the ``planning batch`` process (set before the
forkserver starts, inherited by it)."""

_PR_SET_PDEATHSIG = 1


def process_alive(pid: int, since: float | None = None) -> bool:
    """True when ``pid`` runs (and, with ``since``, started before that time: a process
    started later is a reused pid, not the one meant)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if since is None:
        return True
    try:  # Linux: the process's start time; a process younger than ``since`` reuses the pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        started = boot + ticks / os.sysconf("SC_CLK_TCK")
        return started <= since + 2.0  # btime is whole seconds
    except (OSError, ValueError, IndexError, StopIteration):
        return True


def _wait_for_exit(pid: int) -> None:
    """Block until process ``pid`` has ended."""
    fd = None
    with contextlib.suppress(AttributeError, OSError):
        fd = os.pidfd_open(pid)
    if fd is not None:
        try:
            select.select([fd], [], [])
        finally:
            os.close(fd)
        return
    while process_alive(pid):  # pragma: no cover - systems without pidfd
        time.sleep(0.5)


def exit_with(pid: int, code: int = 1) -> threading.Thread | None:
    """Start a daemon thread that ends this process (``os._exit``) when ``pid`` ends.

    Returns the thread, or None when ``pid`` has already ended (then this process
    exits at once).
    """
    if not process_alive(pid):
        os._exit(code)

    def watch() -> None:
        _wait_for_exit(pid)
        os._exit(code)

    thread = threading.Thread(target=watch, name=f"exit-with-{pid}", daemon=True)
    thread.start()
    return thread


def _die_with_parent() -> None:
    """Ask the Linux kernel to SIGKILL this process when its parent ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def worker_initializer(batch_pid: int) -> None:
    """Initializer of a batch worker: one BLAS thread; end with the forkserver and the batch."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)
    exit_with(batch_pid)


def _guard_forkserver() -> None:
    """In the forkserver (preload import): exit when the batch process that started it ends."""
    wanted = os.environ.get(PARENT_ENV)
    if wanted and wanted == str(os.getppid()) and "multiprocessing.forkserver" in sys.modules:
        exit_with(int(wanted), 0)


_guard_forkserver()
