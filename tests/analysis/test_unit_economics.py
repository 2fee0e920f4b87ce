"""Churn, MRR bridge, retention, CAC and CLV on a hand-made table, worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.unit_economics import (
    cac_by_channel,
    clv_empirical,
    cohort_retention,
    new_customer_share,
    new_customers,
    retention_curve,
)
from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.common import MissingColumnsError
from planning_lib.metrics.customers import customer_matrix, mrr_bridge_observed

AS_OF = "2024-06"


def _subs() -> pd.DataFrame:
    # month-end state (a subscription counts in a month if it runs on its last day):
    #          Jan  Feb  Mar  Apr  May  Jun
    # a        100  100  100    .    .    .   ends 2024-04-10 -> lost in April
    # b          .    .  200  200  230  200   second product (30) active in May only
    # c          .   50   50   50    .    .   ends 2024-05-20 -> lost in May
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "c"],
            "region": ["N", "N", "N", "S"],
            "product": ["P", "P", "Q", "P"],
            "segment": ["small", "mid", "mid", "small"],
            "channel": ["inbound", "outbound", "outbound", "inbound"],
            "start_date": pd.to_datetime(["2024-01-15", "2024-03-01", "2024-05-01", "2024-02-01"]),
            "end_date": pd.to_datetime(["2024-04-10", None, "2024-06-15", "2024-05-20"]),
            "mrr_eur": [100.0, 200.0, 30.0, 50.0],
        }
    )


def test_customer_matrix():
    cm = customer_matrix(_subs(), AS_OF)
    expected = np.array(
        [
            [100, 100, 100, 0, 0, 0],  # a
            [0, 0, 200, 200, 230, 200],  # b
            [0, 50, 50, 50, 0, 0],  # c
        ],
        dtype=float,
    )
    np.testing.assert_allclose(cm.mrr, expected)
    assert list(cm.first) == [0, 2, 1]


def test_mrr_bridge_and_churn_rates():
    b = mrr_bridge_observed(customer_matrix(_subs(), AS_OF)).set_index("month")
    # April: 3 customers at start (a, b, c), a lost -> logo churn 1/3;
    # MRR 350 -> 250, gross revenue churn 100 / 350
    assert b.loc["2024-04", "customers_start"] == 3
    assert b.loc["2024-04", "churned_customers"] == 1
    assert b.loc["2024-04", "logo_churn_rate"] == pytest.approx(1 / 3)
    assert b.loc["2024-04", "gross_revenue_churn_rate"] == pytest.approx(100 / 350)
    # May: c lost (50), b expands by 30: gross 50 / 250 = 0.2, net (50 - 30) / 250 = 0.08
    assert b.loc["2024-05", "expansion_mrr_eur"] == pytest.approx(30.0)
    assert b.loc["2024-05", "gross_revenue_churn_rate"] == pytest.approx(0.2)
    assert b.loc["2024-05", "net_revenue_churn_rate"] == pytest.approx(0.08)
    # June: b contracts by 30: 30 / 230
    assert b.loc["2024-06", "contraction_mrr_eur"] == pytest.approx(30.0)
    assert b.loc["2024-06", "gross_revenue_churn_rate"] == pytest.approx(30 / 230)
    # March: b is new with 200
    assert b.loc["2024-03", "new_customers"] == 1
    assert b.loc["2024-03", "new_mrr_eur"] == pytest.approx(200.0)
    # the bridge adds up in every month
    lhs = b["mrr_end_eur"]
    rhs = (
        b["mrr_start_eur"]
        + b["new_mrr_eur"]
        + b["reactivated_mrr_eur"]
        + b["expansion_mrr_eur"]
        - b["contraction_mrr_eur"]
        - b["churned_mrr_eur"]
    )
    np.testing.assert_allclose(lhs, rhs)


def test_bridge_by_segment_and_reactivation():
    subs = _subs()
    # d: Jan only (ends 2024-02-15), back from April -> reactivated in April
    d = pd.DataFrame(
        {
            "customer_id": ["d", "d"],
            "region": ["S", "S"],
            "product": ["P", "P"],
            "segment": ["small", "small"],
            "channel": ["inbound", "inbound"],
            "start_date": pd.to_datetime(["2024-01-01", "2024-04-01"]),
            "end_date": pd.to_datetime(["2024-02-15", None]),
            "mrr_eur": [40.0, 40.0],
        }
    )
    b = mrr_bridge_observed(customer_matrix(pd.concat([subs, d]), AS_OF), "segment")
    b = b.set_index(["month", "segment"])
    apr = b.loc[("2024-04", "small")]
    # small in April: start a, c (d gone since Feb); a lost; d back with 40
    assert (apr["customers_start"], apr["churned_customers"]) == (2, 1)
    assert (apr["reactivated_customers"], apr["new_customers"]) == (1, 0)
    assert apr["reactivated_mrr_eur"] == pytest.approx(40.0)
    assert b.loc[("2024-04", "mid"), "logo_churn_rate"] == pytest.approx(0.0)


def test_cohort_retention_and_curve():
    r = cohort_retention(customer_matrix(_subs(), AS_OF))
    a = r[r["cohort"] == "2024-01"]
    # a: active at ages 0, 1, 2; observed up to age 5 (June)
    assert list(a["active_customers"]) == [1, 1, 1, 0, 0, 0]
    b = r[r["cohort"] == "2024-03"]
    # b: MRR 200, 200, 230, 200 -> MRR retention at age 2 = 230 / 200
    assert list(b["mrr_eur"]) == [200, 200, 230, 200]
    assert b["mrr_retention"].iloc[2] == pytest.approx(1.15)
    curve = retention_curve(r, min_customers=1).set_index("age_months")
    # age 2: all three observed and active, MRR 100 + 230 + 50 = 380 -> 126.67 per customer
    assert curve.loc[2, "mrr_per_customer_eur"] == pytest.approx(380 / 3)
    # age 3: 3 observed (a Apr, c May, b Jun), only b active -> 1/3
    assert curve.loc[3, "logo_retention"] == pytest.approx(1 / 3)
    # age 4: only a and c are old enough to be observed
    assert curve.loc[4, "observed_customers"] == 2
    # min_customers=3 cuts the curve after age 3
    assert retention_curve(r, min_customers=3)["age_months"].max() == 3


def test_clv_empirical_geometric_tail():
    curve = pd.DataFrame({"age_months": [0, 1, 2], "mrr_per_customer_eur": [100.0, 90.0, 81.0]})
    # q = (81 / 100) ** (1 / 2) = 0.9; observed = 0.5 * (100 + 90 + 81) = 135.5;
    # tail = 0.5 * 81 * 0.9 / 0.1 = 364.5; CLV = 500
    res = clv_empirical(curve, gross_margin=0.5, tail_fit_months=2)
    assert res["monthly_retention_tail"] == pytest.approx(0.9)
    assert res["observed_eur"] == pytest.approx(135.5)
    assert res["tail_eur"] == pytest.approx(364.5)
    assert res["clv_eur"] == pytest.approx(500.0)


def test_clv_formula():
    bridge = mrr_bridge_observed(customer_matrix(_subs(), AS_OF))
    res = clv_from_bridge(bridge, gross_margin=0.8, months=5).iloc[0]
    # Feb..Jun: customers at start 1 + 2 + 3 + 2 + 1 = 9, churned 2 -> 2/9 per month;
    # ARPA in June 200 / 1 customer; CLV = 200 * 0.8 / (2/9) = 720
    assert res["churn_rate_monthly"] == pytest.approx(2 / 9)
    assert res["arpa_eur"] == pytest.approx(200.0)
    assert res["clv_eur"] == pytest.approx(720.0)


def _costs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2023-12-01"]),
            "region": ["N"] * 4,
            "category": ["marketing", "personnel", "marketing", "marketing"],
            "channel": ["inbound", None, "outbound", "inbound"],
            "amount_eur": [100.0, 300.0, 60.0, 999.0],
        }
    )


def test_new_customers_share_and_cac():
    new = new_customers(customer_matrix(_subs(), AS_OF))
    assert list(new["customer_id"]) == ["a", "b", "c"]
    assert list(new["first_mrr_eur"]) == [100.0, 200.0, 50.0]
    share = new_customer_share(new).set_index("channel")
    assert share.loc["inbound", "share"] == pytest.approx(2 / 3)
    cac = cac_by_channel(_costs(), new, 2024).set_index("channel")
    # inbound: 2 new; marketing 100; personnel 300 has no channel -> 300 * 2/3 = 200 allocated
    # stated 100 / 2 = 50; fully loaded (100 + 200) / 2 = 150
    assert cac.loc["inbound", "cac_stated_eur"] == pytest.approx(50.0)
    assert cac.loc["inbound", "allocated_cost_eur"] == pytest.approx(200.0)
    assert cac.loc["inbound", "cac_fully_loaded_eur"] == pytest.approx(150.0)
    # outbound: 1 new; 60 marketing; 100 allocated -> 60 and 160
    assert cac.loc["outbound", "cac_fully_loaded_eur"] == pytest.approx(160.0)
    # blended: (100 + 60) / 3 = 53.33 stated; (160 + 300) / 3 = 153.33 fully loaded;
    # the 2023 cost of 999 is not in 2024
    assert cac.loc["all", "cac_stated_eur"] == pytest.approx(160 / 3)
    assert cac.loc["all", "cac_fully_loaded_eur"] == pytest.approx(460 / 3)


def test_customers_before_history_start_are_not_new():
    subs = _subs()
    subs.loc[0, "start_date"] = pd.Timestamp("2023-06-01")  # a: acquired before the history
    cm = customer_matrix(subs, AS_OF, start="2024-01")
    assert cm.first[0] < 0
    assert "a" not in set(new_customers(cm)["customer_id"])
    assert "2023-06" not in set(cohort_retention(cm)["cohort"])
    # a still counts in MRR from January
    assert cm.mrr[0, 0] == pytest.approx(100.0)


def test_missing_columns():
    with pytest.raises(MissingColumnsError, match="customer_id"):
        customer_matrix(_subs().drop(columns="customer_id"), AS_OF)
    with pytest.raises(MissingColumnsError, match="category"):
        cac_by_channel(_costs().drop(columns="category"), pd.DataFrame(), 2024)
