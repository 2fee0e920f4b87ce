"""Cases a second read of this session's merges found (issue #13).

* init's channels when no lead cohort lies in its 12-month window: ``funnel_conversion``
  then has no total rows (h/trial: no funnel to read), and init read them unguarded.
* phase 1's no-change series and init's baseline leave out the same months: init's
  series begins with the first month holding a new customer, phase 1's with the first
  month of the history, so a leading empty month must not be judged as the export's
  partial first month.
"""

from __future__ import annotations

import pandas as pd

from planning_lib.analysis.calibration import _channels
from planning_lib.present.views.ist_analyse import without_export_start


def test_init_channels_without_any_cohort_in_the_window() -> None:
    """40 inbound leads, all created and MQL on 2023-03-01 (none further), as-of 2025-09:
    the window 2024-10..2025-09 holds no cohort. By hand: no lead entered any step in
    the window, so each rate is 0 with the ANNAHME 'none entered' (init.conversion_none)
    instead of a KeyError; the leads per month are 40 over the 12 covered months = 3,33
    (the leads begin before the window: a full year)."""
    day = pd.Timestamp("2023-03-01")
    leads = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(40)],
            "channel": "inbound",
            "created_date": day,
            "mql_date": day,
            "sql_date": pd.NaT,
            "demo_date": pd.NaT,
            "won_date": pd.NaT,
            "lost_date": pd.NaT,
            "segment": "small",
        }
    )
    src: dict = {}
    channels, _ = _channels(leads, pd.Period("2025-09", freq="M"), src)
    inbound = channels["inbound"]
    assert [inbound[s] for s in ("mql_to_sql", "sql_to_demo", "demo_to_won")] == [0.0] * 3
    assert src["channels.inbound.mql_to_sql"].key == "init.conversion_none"


def test_a_leading_empty_month_is_no_partial_month() -> None:
    """The export begins on 15.01.2022 (a deal created then), the first new customer
    closes in 2022-03 after a 40-day cycle; phase 1's history starts 2022-01 with two
    empty months. Init's series begins 2022-03, which the export covers whole (deals
    created from 15.01. can close any day of March), so nothing is left out, and phase 1
    leaves out nothing either: the history comes back as it is, without a note (before,
    the empty 2022-01 was judged partial and named on every sample page)."""
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3"],
            "customer_id": ["C1", "C2", "C3"],
            "created_date": pd.to_datetime(["2022-01-15", "2022-02-01", "2022-03-01"]),
            "close_date": pd.to_datetime(["2022-03-01", "2022-03-13", "2022-04-10"]),
            "stage": ["won", "won", "won"],
        }
    )
    months = pd.date_range("2022-01-01", periods=6, freq="MS")
    history = pd.Series([0.0, 0.0, 2.0, 1.0, 0.0, 0.0], index=months)
    kept, part, warm = without_export_start(history, deals)
    assert part is None and warm is None
    pd.testing.assert_series_equal(kept, history)
