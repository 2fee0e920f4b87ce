"""Revenue and MRR history on a hand-made table, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planning_lib.analysis.revenue import revenue_cagr, revenue_history
from planning_lib.metrics.common import MissingColumnsError
from planning_lib.metrics.customers import subscription_months


def _subs() -> pd.DataFrame:
    # Month-end state: a subscription counts in a month if it still runs on its last day.
    # a: 2024-01-15 .. 2024-06-20 (ends in June) -> active Jan..May 2024 = 5 months x 100
    # b: 2024-03-01 .. open                      -> active Mar 2024..Dec 2025, 200/month
    # c: 2025-02-10 .. open                      -> active Feb..Dec 2025 = 11 months x 50
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "region": ["N", "N", "S"],
            "product": ["P", "P", "Q"],
            "segment": ["small", "mid", "small"],
            "channel": ["inbound", "outbound", "inbound"],
            "start_date": pd.to_datetime(["2024-01-15", "2024-03-01", "2025-02-10"]),
            "end_date": pd.to_datetime(["2024-06-20", None, None]),
            "mrr_eur": [100.0, 200.0, 50.0],
        }
    )


def _deals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage": ["won", "won", "lost"],
            "close_date": pd.to_datetime(["2024-01-10", "2024-02-20", "2024-05-01"]),
            "amount_eur": [1200.0, 2400.0, 999.0],
            "mrr_eur": [100.0, 200.0, 83.0],
            "segment": ["small", "mid", "mid"],
        }
    )


def test_yearly_revenue_yoy_and_bookings():
    y = revenue_history(_subs(), _deals(), "Y", as_of="2025-12").set_index("period")
    # 2024: a 5 x 100 = 500 + b 10 x 200 = 2000 -> 2500
    # 2025: b 12 x 200 = 2400 + c 11 x 50 = 550 -> 2950
    assert y.loc["2024", "revenue_eur"] == pytest.approx(2500.0)
    assert y.loc["2025", "revenue_eur"] == pytest.approx(2950.0)
    # YoY 2950 / 2500 - 1 = 0.18; MRR end 2024 = 200 (b), end 2025 = 250 (b + c): +25 %
    assert y.loc["2025", "revenue_yoy"] == pytest.approx(0.18)
    assert y.loc["2025", "mrr_end_eur"] == pytest.approx(250.0)
    assert y.loc["2025", "mrr_end_yoy"] == pytest.approx(0.25)
    assert y.loc["2025", "customers_end"] == 2
    # won deals 2024: 2, bookings 1200 + 2400 = 3600, new MRR 100 + 200 = 300; lost ignored
    assert y.loc["2024", "won_deals"] == 2
    assert y.loc["2024", "bookings_eur"] == pytest.approx(3600.0)
    assert y.loc["2024", "new_mrr_eur"] == pytest.approx(300.0)
    assert math.isnan(y.loc["2024", "revenue_yoy"])  # no earlier year


def test_quarterly_by_segment():
    q = revenue_history(_subs(), _deals(), "Q", by="segment", as_of="2025-12")
    q = q.set_index(["period", "segment"])
    # 2024Q1 small: a Jan..Mar = 300; mid: b Mar = 200
    assert q.loc[("2024Q1", "small"), "revenue_eur"] == pytest.approx(300.0)
    assert q.loc[("2024Q1", "mid"), "revenue_eur"] == pytest.approx(200.0)
    # 2025Q1 small: c Feb + Mar = 100 -> YoY 100 / 300 - 1 = -2/3
    assert q.loc[("2025Q1", "small"), "revenue_yoy"] == pytest.approx(-2 / 3)
    # 2025Q1 mid: b 3 x 200 = 600 -> YoY 600 / 200 - 1 = 2.0
    assert q.loc[("2025Q1", "mid"), "revenue_yoy"] == pytest.approx(2.0)
    # every quarter has both segments (missing ones filled with 0): 8 quarters x 2
    assert len(q) == 16


def test_incomplete_year_has_no_yoy_or_cagr():
    y = revenue_history(_subs(), _deals(), "Y", as_of="2025-06").set_index("period")
    assert y.loc["2025", "months"] == 6
    assert not y.loc["2025", "complete"]
    assert math.isnan(y.loc["2025", "revenue_yoy"])
    cagr = revenue_cagr(y.reset_index())
    assert math.isnan(cagr["cagr"].iloc[0])  # only one complete year (2024)


def test_cagr_over_three_years():
    yearly = pd.DataFrame(
        {
            "period": ["2022", "2023", "2024"],
            "complete": [True, True, True],
            "revenue_eur": [100.0, 150.0, 225.0],
        }
    )
    # (225 / 100) ** (1 / 2) - 1 = 1.5 - 1 = 0.5
    c = revenue_cagr(yearly).iloc[0]
    assert (c["first_year"], c["last_year"]) == (2022, 2024)
    assert c["cagr"] == pytest.approx(0.5)


def test_history_start_cuts_older_months():
    subs = _subs()
    subs.loc[0, "start_date"] = pd.Timestamp("2019-05-01")  # a started long before the CRM
    sm = subscription_months(subs, "2024-06", start="2024-01")
    assert sm["month"].min() == pd.Period("2024-01", "M")
    # a counts Jan..May 2024 only (5 rows), b Mar..Jun (4 rows)
    assert (sm["customer_id"] == "a").sum() == 5
    assert (sm["customer_id"] == "b").sum() == 4


def test_missing_column_and_bad_freq():
    with pytest.raises(MissingColumnsError, match="mrr_eur"):
        revenue_history(_subs().drop(columns="mrr_eur"), _deals(), "Y", as_of="2025-12")
    with pytest.raises(ValueError, match="freq"):
        revenue_history(_subs(), _deals(), "W", as_of="2025-12")  # type: ignore[arg-type]
