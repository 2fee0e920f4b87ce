"""Execute one notebook with papermill and export it to HTML without code.

This is the unit of work of ``planning batch``: it runs in a worker process (a
local process pool or a Dask worker), never raises, and returns a plain record of
what happened. A kernel that fails to start is retried once; an error inside a
cell is not retried (it would fail again) but kept: the executed notebook with the
error is written and exported like a successful one, and the record names the cell
and the exception.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from planning_lib.run.html import export_html

__all__ = ["NotebookJob", "NotebookOutcome", "execute_job"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotebookJob:
    """One notebook run: input, outputs (absolute paths) and its parameters."""

    key: str
    region: str
    notebook: str
    output_notebook: str
    output_html: str
    parameters: dict[str, Any]
    kernel_name: str = "python3"
    start_timeout_s: float = 60.0
    execution_timeout_s: float | None = 1800.0


@dataclass
class NotebookOutcome:
    """What happened to a job: status, timings and, on failure, where and why."""

    key: str
    region: str
    notebook: str
    status: str  # "ok" | "failed" | "skipped"
    duration_s: float = 0.0
    cells_s: float = 0.0
    attempts: int = 0
    output_notebook: str | None = None
    output_html: str | None = None
    error: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _cells_started(path: Path) -> bool:
    """True when the output notebook shows any cell that began executing."""
    if not path.exists():
        return False
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # a half-written notebook counts as "nothing ran"
        return False
    # papermill sets a cell's start_time when the kernel begins executing it (statuses are
    # rewritten to "completed" at the end even for cells that never ran)
    return any(c.get("metadata", {}).get("papermill", {}).get("start_time") for c in nb.cells)


def _cell_seconds(path: Path) -> float:
    """Sum of the cells' execution times papermill recorded (seconds)."""
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:
        return 0.0
    total = 0.0
    for c in nb.cells:
        d = c.get("metadata", {}).get("papermill", {}).get("duration")
        if isinstance(d, int | float):
            total += d
    return total


def _execution_error(exc: PapermillExecutionError, nb_path: Path) -> dict[str, Any]:
    """The failed cell: its index in the notebook, first source line, exception name and value."""
    first_line = next((ln for ln in str(exc.source).splitlines() if ln.strip()), "")
    return {
        "kind": "cell",
        "cell_index": exc.cell_index,
        "execution_count": exc.exec_count,
        "cell_source_first_line": first_line[:200],
        "ename": exc.ename,
        "evalue": str(exc.evalue)[:2000],
    }


def execute_job(job: NotebookJob) -> NotebookOutcome:
    """Run ``job`` with papermill (one retry when the kernel fails to start), then export HTML.

    Never raises: every failure is described in the returned outcome.
    """
    out_nb = Path(job.output_notebook)
    out_nb.parent.mkdir(parents=True, exist_ok=True)
    outcome = NotebookOutcome(job.key, job.region, Path(job.notebook).stem, status="failed")
    t0 = time.perf_counter()
    for attempt in (1, 2):
        outcome.attempts = attempt
        try:
            papermill.execute_notebook(
                job.notebook,
                str(out_nb),
                parameters=dict(job.parameters),
                kernel_name=job.kernel_name,
                progress_bar=False,
                start_timeout=job.start_timeout_s,
                execution_timeout=job.execution_timeout_s,
                # keep the kernels' start-up warnings out of the batch's terminal
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
            outcome.status = "ok"
            outcome.error = None
            break
        except PapermillExecutionError as exc:
            outcome.error = _execution_error(exc, out_nb)
            break
        except Exception as exc:  # kernel start/death, I/O
            started = _cells_started(out_nb)
            outcome.error = {
                "kind": "cell" if started else "kernel",
                "ename": type(exc).__name__,
                "evalue": str(exc)[:2000],
            }
            if started or attempt == 2:
                break
            log.warning("kernel for %s failed to start (%s); retrying once", job.key, exc)
    outcome.duration_s = time.perf_counter() - t0
    if out_nb.exists():
        outcome.output_notebook = str(out_nb)
        outcome.cells_s = _cell_seconds(out_nb)
        try:
            export_html(out_nb, Path(job.output_html))
            outcome.output_html = job.output_html
        except Exception as exc:  # keep the notebook even when the export fails
            log.warning("HTML export of %s failed: %s", out_nb, exc)
            if outcome.error is None:
                outcome.error = {"kind": "html", "ename": type(exc).__name__, "evalue": str(exc)}
                outcome.status = "failed"
    return outcome
