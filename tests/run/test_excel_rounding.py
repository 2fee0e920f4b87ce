"""The workbook stores figures rounded to their unit's precision (#13).

A new user's sheet "Ziele" held 6.999999999999999 new customers as plan value and
1707170.049695616 € as bookings: the tables below are those of the trial's region
Nord (``02_targets``, ``02_gap``, ``02_bases`` as the phase wrote them to CSV), and the
sheet is read back with openpyxl.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from planning_lib.present.workbook import stored_value
from planning_lib.run.artifacts import write_table
from planning_lib.run.excel import build_workbook

COUNT, EUR, SHARE = "[$-407]#,##0", '[$-407]#,##0 "€"', "[$-407]0.0 %"


@pytest.fixture
def ziele(tmp_path: Path):
    targets = pd.DataFrame(
        {"code": ["new_customers"], "metric": ["new_customers"], "unit": ["count"],
         "baseline": [12.0], "target": [7.0], "plan": [6.999999999999999], "hit": [False]}
    )  # fmt: skip
    gap = pd.DataFrame(
        {"channel": ["inbound"], "stage": ["won"], "top_down": [6.999999999999999],
         "bottom_up": [11.207999999999998], "gap": [4.207999999999999],
         "coverage": [1.6011428571428574]}
    )  # fmt: skip
    bases = pd.DataFrame(
        {"basis": ["funnel"], "new_customers": [2.5],
         "bookings_total_eur": [1707170.049695616], "cost_total_eur": [17502.076560000005]}
    )  # fmt: skip
    for pos, (name, frame) in enumerate(
        [("02_targets", targets), ("02_gap", gap), ("02_bases", bases)], start=1
    ):
        write_table(frame, tmp_path, name, title_de=name, title_en=name, position=pos)
    wb = load_workbook(build_workbook(tmp_path, tmp_path / "p.xlsx"))
    return wb["Ziele"]


def _row(ws, title: str) -> list:
    """The first data row of the block titled ``title`` (title, header, then data)."""
    first = next(c.row for c in ws["A"] if c.value == title)
    return list(ws[first + 2])


def test_counts_whole_money_to_the_cent_shares_to_a_hundredth_percent(ziele) -> None:
    """By hand: 6.999999999999999 -> 7 and 11.207999999999998 -> 11, 4.207999999999999
    -> 4 (counts whole); 2.5 -> 3 (half up, as the formatter shows it; Python's round
    would give 2); 1707170.049695616 € -> 1707170.05, 17502.076560000005 -> 17502.08
    (cents); the coverage 1.6011428571428574 -> 1.6011 (0.01 %). Every number keeps its
    German format."""
    target = _row(ziele, "02_targets")
    assert [c.value for c in target[2:5]] == [12, 7, 7]
    assert all(c.number_format == COUNT for c in target[2:5])
    gap = _row(ziele, "02_gap")
    assert [c.value for c in gap[2:5]] == [7, 11, 4]
    assert gap[5].value == 1.6011 and gap[5].number_format == SHARE
    bases = _row(ziele, "02_bases")
    assert bases[1].value == 3 and bases[1].number_format == COUNT
    assert [c.value for c in bases[2:4]] == [1707170.05, 17502.08]
    assert all(c.number_format == EUR for c in bases[2:4])


def test_stored_value_leaves_text_years_and_missing_alone() -> None:
    """Only numbers of a known unit format are rounded: a year under the plain format
    "0", text, None, NaN and infinity pass unchanged."""
    assert stored_value(2025.4, "0") == 2025.4
    assert stored_value("6.999999999999999", "#,##0") == "6.999999999999999"
    assert stored_value(None, "#,##0") is None
    assert stored_value(float("inf"), "#,##0") == float("inf")
    assert stored_value(True, "#,##0") is True
