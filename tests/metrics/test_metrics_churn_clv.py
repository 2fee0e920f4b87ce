"""Churn, the two MRR bridges and CLV, on figures derived by hand in each docstring."""

import numpy as np
import pandas as pd
import pytest

from planning_lib.metrics.churn import churn_rate, nrr_grr, revenue_churn_rate
from planning_lib.metrics.clv import clv, clv_from_bridge, clv_from_lifetime, customer_lifetime
from planning_lib.metrics.customers import customer_matrix, mrr_bridge_observed
from planning_lib.metrics.mrr import mrr_bridge_projected


def _subs() -> pd.DataFrame:
    """c1 (100 €/month) from January, ends 15 March: active at the end of January and
    February, lost in March; c2 (50 €/month) from February, still running."""
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2"],
            "start_date": ["2024-01-10", "2024-02-05"],
            "end_date": ["2024-03-15", None],
            "mrr_eur": [100.0, 50.0],
        }
    )


def test_churn_rates():
    """2 lost of 8 at month start = 0.25; nobody at start: NaN. Revenue churn 50 of 200 =
    0.25; an MRR at start of 0: NaN."""
    assert churn_rate(2, 8) == 0.25
    assert np.isnan(churn_rate(0, 0))
    got = revenue_churn_rate(pd.Series([50.0, 10.0]), pd.Series([200.0, 0.0]))
    assert got.iloc[0] == 0.25 and np.isnan(got.iloc[1])


def test_observed_bridge_and_its_churn():
    """February: 1 customer at start (c1), c2 new, 2 at the end, no churn.
    March: 2 at start, c1 lost: logo churn 1 / 2 = 0.5; MRR at start 150, churned 100:
    gross revenue churn 100 / 150; MRR at the end 50."""
    b = mrr_bridge_observed(customer_matrix(_subs(), "2024-03")).set_index("month")
    assert b.loc["2024-02", ["customers_start", "new_customers", "customers_end"]].tolist() == [
        1,
        1,
        2,
    ]
    assert b.loc["2024-02", "logo_churn_rate"] == 0.0
    assert b.loc["2024-03", "logo_churn_rate"] == 0.5
    assert b.loc["2024-03", "gross_revenue_churn_rate"] == pytest.approx(100.0 / 150.0)
    assert b.loc["2024-03", "mrr_end_eur"] == 50.0


def test_projected_bridge():
    """10 customers, 1000 € MRR, churn 0.1, 2 new customers (200 € MRR) a month:
    month 1 ends with 10 × 0.9 + 2 = 11 customers and 1000 × 0.9 + 200 = 1100 €;
    month 2 starts with 11, loses 1.1, ends with 11.9 and 1100 × 0.9 + 200 = 1190 €."""
    one = np.ones((1, 2))
    b = mrr_bridge_projected(
        np.array([[10.0]]), np.array([[1000.0]]), 0.1 * one, 0.0 * one, 0.0 * one,
        2.0 * one, 200.0 * one,
    )  # fmt: skip
    np.testing.assert_allclose(b["customers_end"][0], [11.0, 11.9])
    np.testing.assert_allclose(b["customers_churned"][0], [1.0, 1.1])
    np.testing.assert_allclose(b["mrr_end"][0], [1100.0, 1190.0])
    np.testing.assert_allclose(
        b["mrr_start"] + 200.0 - b["mrr_churned"], b["mrr_end"]
    )  # end = start + new − churned


def test_clv_formulas():
    """ARPA 100, margin 0.8, churn 0.02: 100 × 0.8 ÷ 0.02 = 4000; no churn: NaN.
    Constant churn 0.02 without growth or discount: lifetime 1 ÷ 0.02 = 50 months, so
    CLV over the lifetime = 100 × 0.8 × 50 = 4000 too."""
    assert clv(100.0, 0.8, 0.02) == pytest.approx(4000.0)
    assert np.isnan(clv(100.0, 0.8, 0.0))
    life = customer_lifetime(np.full((1, 12), 0.02), cap_months=600.0)
    assert life[0] == pytest.approx(50.0)
    assert clv_from_lifetime(100.0, 0.8, life)[0] == pytest.approx(4000.0)


def test_clv_from_the_observed_bridge():
    """Window February–March: customers at start 1 + 2 = 3, lost 0 + 1 = 1, churn 1/3;
    at the end of March 1 customer with 50 € MRR, ARPA 50; CLV = 50 × 0.8 ÷ (1/3) = 120."""
    bridge = mrr_bridge_observed(customer_matrix(_subs(), "2024-03"))
    row = clv_from_bridge(bridge, gross_margin=0.8, months=2).iloc[0]
    assert row["churn_rate_monthly"] == pytest.approx(1.0 / 3.0)
    assert row["arpa_eur"] == 50.0
    assert row["clv_eur"] == pytest.approx(120.0)


def test_nrr_grr():
    """Churn 0.1, expansion 0.05, contraction 0.02 for 2 months:
    NRR = (1 − 0.1 + 0.05 − 0.02)² = 0.93² = 0.8649; GRR = (1 − 0.1 − 0.02)² = 0.7744."""
    nrr, grr = nrr_grr(np.full((1, 3), 0.1), np.array([[0.05]]), np.array([[0.02]]), 2)
    assert nrr[0] == pytest.approx(0.8649)
    assert grr[0] == pytest.approx(0.7744)
