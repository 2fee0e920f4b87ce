"""``Prepared.write`` of a frame whose job the background thread has not begun yet (it is
still on an earlier frame's, e.g. ``deals`` checked first, ``actuals/deals`` written first
because the paths are written sorted) does not wait for that earlier job: the calling
thread makes the whole file itself and returns (#13)."""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd

import planning_lib.cli.validate as validate
from planning_lib.cli.validate import Prepared, canonical_csv


def _frame(prefix: str, rows: int) -> pd.DataFrame:
    n = np.arange(rows)
    return pd.DataFrame(
        {
            "deal_id": pd.Series([f"{prefix}{i:05d}" for i in n], dtype="str"),
            "created_date": pd.to_datetime("2025-01-01") + pd.to_timedelta(n % 28, unit="D"),
            "stage": pd.Series((["won", "lost", "demo"] * (rows + 1))[:rows], dtype="str"),
            "amount_eur": 1000.0 + n * 0.25,
        }
    )


def test_the_second_frame_is_written_while_the_first_is_still_made(monkeypatch) -> None:
    """The first frame's cells (deal ids "A…") block the background thread until released;
    writing the second frame ("B…") meanwhile returns within 10 s with the bytes the plain
    writer gives for it (canonical_csv without threads, the second method); then the first
    frame is released and written whole too."""
    real = validate.canonical_cells
    release = threading.Event()

    def cells(values, dtype, decimals):
        if values.name == "deal_id" and str(values.iloc[0]).startswith("A"):
            assert release.wait(30), "never released"
        return real(values, dtype, decimals)

    monkeypatch.setattr(validate, "canonical_cells", cells)
    first, second = _frame("A", 7), _frame("B", 5)
    with Prepared() as prepared:
        prepared("deals", first)
        prepared("deals", second)
        out = io.BytesIO()
        writer = threading.Thread(target=prepared.write, args=(second, out))
        writer.start()
        writer.join(10)
        returned = not writer.is_alive()
        release.set()
        writer.join()
        assert returned, "write of the second frame waited for the first frame's job"
        assert out.getvalue() == canonical_csv("deals", second, threaded=False)
        whole = io.BytesIO()
        assert prepared.write(first, whole)
        assert whole.getvalue() == canonical_csv("deals", first, threaded=False)
