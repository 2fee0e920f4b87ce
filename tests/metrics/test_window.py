"""The data window of an export (#13, ``planning_lib.metrics.window``): both ends of a
history by the export's dates. Every expected value below is worked out by hand from the
dates in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.metrics.window import (
    ExportStart,
    drop_partial_first_month,
    export_start,
    first_month_coverage,
    last_complete_month,
    partial_first_month,
)

M = pd.Period("2025-03", freq="M")
MARCH_1 = pd.Timestamp("2025-03-01")


def _start(day: str, cycles: list[float]) -> ExportStart:
    return ExportStart(pd.Timestamp(day), np.sort(np.array(cycles, dtype=float)))


def test_a_close_dated_first_month_by_the_cycles() -> None:
    """Export from 01.03.2025 (31 days); the day t of March is t − 1 days after it.
    One won cycle of 29 days: only closes on the 30th and 31st can be in the export,
    2 ÷ 31 = 6,5 %: partial. Cycles 0, 10, 20, 40: days 1-10 hold 1 of 4, days 11-20 2,
    days 21-31 3: (10 × 1 + 10 × 2 + 11 × 3) ÷ 4 ÷ 31 = 63 ÷ 124 = 50,8 %: partial. All
    cycles 0 (closed the day they are created): 100 %, March counts."""
    part = partial_first_month(M, _start("2025-03-01", [29]))
    assert part is not None and part.month == M and part.start == MARCH_1
    assert part.coverage == pytest.approx(2 / 31)
    assert first_month_coverage(M, _start("2025-03-01", [0, 10, 20, 40])) == pytest.approx(63 / 124)
    assert partial_first_month(M, _start("2025-03-01", [0, 0, 0])) is None
    # a series beginning in the export's second month is not looked at
    assert partial_first_month(M + 1, _start("2025-03-01", [29])) is None
    assert partial_first_month(M, None) is None


def test_a_created_dated_first_month_by_its_days() -> None:
    """By creation every cycle counts as 0 days: an export from 04.02.2025 covers days
    4..28 of February, 25 ÷ 28 = 0,89: complete; from 05.03.2025 days 5..31, 27 ÷ 31 =
    0,87: partial."""
    feb = pd.Period("2025-02", freq="M")
    assert first_month_coverage(feb, _start("2025-02-04", [29]), False) == pytest.approx(25 / 28)
    assert partial_first_month(feb, _start("2025-02-04", [29]), by_close=False) is None
    part = partial_first_month(M, _start("2025-03-05", [29]), by_close=False)
    assert part is not None and part.coverage == pytest.approx(27 / 31)


def test_drop_keeps_every_other_month_and_a_single_month() -> None:
    """6.360 € in March, then 150.000, 140.000: without March two months remain, their
    values untouched; a series of March alone keeps it (nothing would remain)."""
    y = pd.Series([6360.0, 150000.0, 140000.0], index=pd.period_range(M, periods=3, freq="M"))
    kept, part = drop_partial_first_month(y, _start("2025-03-01", [29]))
    assert list(kept.index.astype(str)) == ["2025-04", "2025-05"]
    assert kept.tolist() == [150000.0, 140000.0]
    assert part is not None and part.month == M
    one, none = drop_partial_first_month(y.iloc[:1], _start("2025-03-01", [29]))
    assert len(one) == 1 and none is None


def test_export_start_and_end() -> None:
    """Deals created 18.03.-20.10.2025, one closed (lost) 31.10.: the export begins on
    18.03. and ends on 31.10., a month's last day, so 2025-10 is complete; an open deal's
    expected close (15.12.) is no event."""
    deals = pd.DataFrame(
        {
            "created_date": ["2025-03-18", "2025-06-02", "2025-10-20", "2025-10-01"],
            "close_date": ["2025-04-01", "2025-07-01", "2025-10-31", "2025-12-15"],
            "stage": ["won", "won", "lost", "proposal"],
        }
    )
    start = export_start(deals)
    assert start is not None and start.day == pd.Timestamp("2025-03-18")
    assert start.cycles.tolist() == [14.0, 29.0]  # the won deals: 18.03.-01.04., 02.06.-01.07.
    assert last_complete_month({"deals": deals}) == pd.Period("2025-10", freq="M")
    assert last_complete_month({"deals": deals.iloc[:2]}) == pd.Period("2025-06", freq="M")


def test_no_warm_up_without_enough_repeat_purchases() -> None:
    """Nine customers buying twice (9 gaps of 31 days, fewer than the 10 a median needs):
    no warm-up, whatever the series."""
    from planning_lib.metrics.window import repeat_gaps, warm_up

    deals = pd.DataFrame(
        {
            "customer_id": [f"K{i}" for i in range(9) for _ in range(2)],
            "created_date": ["2024-01-01", "2024-02-01"] * 9,
            "close_date": ["2024-01-01", "2024-02-01"] * 9,
            "stage": ["won"] * 18,
        }
    )
    assert repeat_gaps(deals).tolist() == [31.0] * 9
    y = pd.Series([9.0, 0, 0, 0, 0, 0], index=pd.period_range("2024-01", periods=6, freq="M"))
    assert warm_up(deals, y) is None
