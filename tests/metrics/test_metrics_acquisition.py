"""New customers and CAC: one definition for the KPI catalogue, the as-is analysis and the
sample summary, checked on a tiny company whose figures are derived by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.unit_economics import cac_by_channel, new_customers
from planning_lib.metrics.acquisition import cac, cac_fully_loaded, first_subscriptions
from planning_lib.metrics.customers import customer_matrix
from planning_lib.metrics.kpis import compute_kpi
from planning_lib.metrics.measures import KpiContext
from planning_lib.sample import summary as sample_summary


def _subs() -> pd.DataFrame:
    """c1 starts 10 Jan 2024 and adds a product on 1 Mar (an upsell, not a new customer);
    c2 and c3 start in February."""
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c1"],
            "start_date": ["2024-01-10", "2024-02-05", "2024-02-20", "2024-03-01"],
            "end_date": [None, None, None, None],
            "mrr_eur": [100.0, 50.0, 80.0, 30.0],
            "channel": ["inbound", "outbound", "inbound", "inbound"],
            "region": ["DE", "DE", "AT", "DE"],
        }
    )


def _costs() -> pd.DataFrame:
    """January: marketing 300, personnel 700; February: marketing 500, tools 100."""
    return pd.DataFrame(
        {
            "month": ["2024-01-01", "2024-01-01", "2024-02-01", "2024-02-01"],
            "category": ["marketing", "personnel", "marketing", "tools"],
            "amount_eur": [300.0, 700.0, 500.0, 100.0],
        }
    )


def test_first_subscriptions_counts_an_upsell_not_as_new():
    """c1's second subscription (March) is no acquisition: c1 new on 10 Jan, c2, c3 in Feb."""
    first = first_subscriptions(_subs())
    assert list(first["customer_id"]) == ["c1", "c2", "c3"]
    assert list(first["start_date"].dt.month) == [1, 2, 2]


def test_cac_formula_numbers_arrays_series():
    """300 / 1 = 300, 500 / 2 = 250; no new customers: NaN (never a division error)."""
    assert cac(300.0, 1) == 300.0
    assert np.isnan(cac(300.0, 0))
    got = cac(np.array([300.0, 500.0, 100.0]), np.array([1.0, 2.0, 0.0]))
    np.testing.assert_array_equal(got[:2], [300.0, 250.0])
    assert np.isnan(got[2])
    s = cac_fully_loaded(pd.Series([1000.0, 600.0]), pd.Series([1, 0]))
    assert s.iloc[0] == 1000.0 and np.isnan(s.iloc[1])


def test_kpi_cac_by_month_and_quarter():
    """Stated CAC: Jan 300 / 1 = 300, Feb 500 / 2 = 250, March has no new customer (no value).
    Fully loaded: Jan (300 + 700) / 1 = 1000, Feb (500 + 100) / 2 = 300.
    Q1 pools: stated 800 / 3, fully loaded 1600 / 3."""
    tables = {"subscriptions": _subs(), "costs": _costs()}
    ctx = KpiContext(as_of=dt.date(2024, 3, 31), start=dt.date(2024, 1, 1))
    stated = compute_kpi(tables, ctx, "cac", "month").set_index("period")["value"]
    assert stated.to_dict() == {
        pd.Timestamp("2024-01-01"): 300.0,
        pd.Timestamp("2024-02-01"): 250.0,
    }
    full = compute_kpi(tables, ctx, "cac_fully_loaded", "month").set_index("period")["value"]
    assert full.to_dict() == {pd.Timestamp("2024-01-01"): 1000.0, pd.Timestamp("2024-02-01"): 300.0}
    q_stated = compute_kpi(tables, ctx, "cac", "quarter")["value"].iloc[0]
    q_full = compute_kpi(tables, ctx, "cac_fully_loaded", "quarter")["value"].iloc[0]
    assert q_stated == pytest.approx(800.0 / 3.0)
    assert q_full == pytest.approx(1600.0 / 3.0)


def test_history_and_sample_summary_give_the_same_cac():
    """The year 2024: 3 new customers (c1, c2, c3), marketing 800, all costs 1600, so the
    as-is analysis's blended row and the sample summary both say 800 / 3 and 1600 / 3."""
    subs, costs = _subs(), _costs()
    new = new_customers(customer_matrix(subs, "2024-03"))
    blended = cac_by_channel(costs, new, 2024).set_index("channel").loc["all"]
    assert blended["new_customers"] == 3
    assert blended["cac_stated_eur"] == pytest.approx(800.0 / 3.0)
    assert blended["cac_fully_loaded_eur"] == pytest.approx(1600.0 / 3.0)
    assert sample_summary.new_customers(subs, 2024) == 3
    assert sample_summary.stated_cac(costs, subs, 2024) == pytest.approx(800.0 / 3.0)
    assert sample_summary.new_customer_shares(subs, 2024) == pytest.approx(
        {"inbound": 2 / 3, "outbound": 1 / 3}
    )
