"""Column work side by side: the per-column steps of loading and writing a large table
run in two threads.

The heavy work per column is in Arrow's compute kernels, numpy and pandas' hash tables,
which release the GIL, so two columns are parsed or formatted at once on two cores.
Results come back in the order of the columns, so the output does not depend on which
thread finished first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["THREADED_ROWS", "map_columns"]

T = TypeVar("T")
R = TypeVar("R")

THREADS = min(2, os.cpu_count() or 1)
THREADED_ROWS = 100_000  # below this a thread costs more than it gains


def map_columns(fn: Callable[[T], R], items: Iterable[T], rows: int) -> list[R]:
    """``[fn(item) for item in items]``, in two threads when the table has at least
    :data:`THREADED_ROWS` rows (and the machine two cores)."""
    work = list(items)
    if rows < THREADED_ROWS or len(work) < 2 or THREADS < 2:
        return [fn(item) for item in work]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(fn, work))
