"""Pipeline forecast: stage probabilities, close months with slippage, blend."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.pipeline import (
    blend_pipeline,
    close_month_distribution,
    pipeline_coverage,
    pipeline_forecast,
)
from planning_lib.metrics.deals import stage_win_probabilities


def _deal(i, stage, created="2025-01-01", close="2025-02-01", channel="inbound", mrr=100.0):
    return {
        "deal_id": f"D{i}",
        "stage": stage,
        "created_date": pd.Timestamp(created),
        "close_date": pd.Timestamp(close),
        "channel": channel,
        "segment": "small",
        "mrr_eur": mrr,
    }


def test_stage_probabilities_by_hand():
    deals = pd.DataFrame([_deal(i, "won" if i < 3 else "lost") for i in range(10)])
    # deals 0,1,2 (won) and 3 (lost) had a demo
    leads = pd.DataFrame(
        {"deal_id": ["D0", "D1", "D2", "D3", None], "demo_date": ["2025-01-10"] * 5}
    )
    p = stage_win_probabilities(deals, leads).set_index("stage")["win_probability"]
    assert p["qualified"] == pytest.approx(0.3)  # 3 of 10, prior equals the overall rate
    assert p["demo"] == pytest.approx(0.75)  # 3 of 4 with a demo
    ratio = 0.25 / 0.7
    assert p["proposal"] == pytest.approx(1 - 0.25 * ratio)
    assert p["negotiation"] == pytest.approx(1 - 0.25 * ratio**2)


def test_small_groups_are_shrunk_to_the_overall_rate():
    deals = pd.DataFrame(
        [_deal(i, "won", channel="partner") for i in range(2)]
        + [_deal(10 + i, "lost", channel="outbound") for i in range(8)]
    )
    p = stage_win_probabilities(deals)
    partner = p[(p.channel == "partner") & (p.stage == "qualified")]["win_probability"].iloc[0]
    assert partner == pytest.approx((2 + 20 * 0.2) / (2 + 20))


def test_close_month_distribution_with_slippage_by_hand():
    months = pd.period_range("2026-01", periods=3, freq="M")
    cycles = np.array([30.0, 60.0, 90.0, 120.0])
    dist = close_month_distribution(
        pd.Timestamp("2025-11-01"),
        pd.Timestamp("2026-01-15"),
        pd.Timestamp("2025-12-31"),
        cycles,
        months,
    )
    # age 60 days: cycles 60, 90 and 120 remain -> closes 2025-12-31 (counted in the
    # first forecast month), 2026-01-30 and 2026-03-01
    np.testing.assert_allclose(dist, [2 / 3, 0.0, 1 / 3])
    # no historical cycle that long: the expected close month takes all
    dist = close_month_distribution(
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2026-02-15"),
        pd.Timestamp("2025-12-31"),
        cycles,
        months,
    )
    np.testing.assert_allclose(dist, [0.0, 1.0, 0.0])


def test_pipeline_forecast_weights_open_deals():
    closed = [_deal(i, "won" if i % 2 else "lost", "2025-01-01", "2025-03-02") for i in range(20)]
    open_ = [_deal(100, "qualified", "2025-12-01", "2026-01-20", mrr=200.0)]
    monthly, per_deal = pipeline_forecast(pd.DataFrame(closed + open_), None, "2025-12-31", 3)
    # win rate 0.5; won cycle 60 days -> created 2025-12-01 + 60 d = 2026-01-30
    np.testing.assert_allclose(monthly["expected_deals"], [0.5, 0.0, 0.0])
    np.testing.assert_allclose(monthly["expected_value_eur"], [100.0, 0.0, 0.0])
    assert per_deal["expected_value_eur"].iloc[0] == pytest.approx(100.0)


def test_coverage_and_blend_by_hand():
    m = 30.4375
    deals = pd.DataFrame(
        [
            _deal(1, "won", "2025-01-01", pd.Timestamp("2025-01-01") + pd.Timedelta(days=0.4 * m)),
            _deal(2, "won", "2025-01-01", pd.Timestamp("2025-01-01") + pd.Timedelta(days=2 * m)),
            _deal(3, "won", "2025-01-01", pd.Timestamp("2025-01-01") + pd.Timedelta(days=3 * m)),
        ]
    )
    cov = pipeline_coverage(deals, 3)
    np.testing.assert_allclose(cov, [2 / 3, 2 / 3, 1 / 3], atol=0.02)
    np.testing.assert_allclose(
        blend_pipeline([30, 30, 30], [20, 10, 0], [2 / 3, 1 / 3, 0]), [30, 30, 30]
    )


def test_missing_column_is_named():
    with pytest.raises(KeyError, match="segment"):
        stage_win_probabilities(
            pd.DataFrame({"deal_id": ["D1"], "stage": ["won"], "channel": ["x"]})
        )


# Hand-made pipeline for the vectorized close months: origin 2025-12-31, forecast months
# January to March 2026, won cycles of 30, 60, 90 and 120 days.
_AS_OF = pd.Timestamp("2025-12-31")
_CYCLES = np.array([30.0, 60.0, 90.0, 120.0])
_OPEN = pd.DataFrame(
    {
        "created_date": pd.to_datetime(
            [
                "2025-11-01",
                "2025-12-15",
                "2025-08-01",
                "2025-06-01",
                "2026-01-10",
                "2025-09-02",
                "2025-01-01",
            ]
        ),
        "close_date": pd.to_datetime(
            [
                "2026-01-15",
                "2026-01-31",
                "2026-02-20",
                "2025-11-30",
                "2026-02-01",
                "2026-01-31",
                "2026-06-15",
            ]
        ),
        "mrr_eur": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0],
    }
)
_BY_HAND = np.array(
    [
        [2 / 3, 0.0, 1 / 3],
        [1 / 4, 1 / 4, 1 / 4],
        [0.0, 1.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 1 / 4, 1 / 4],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 0.0],
    ]
)


def test_close_month_distributions_by_hand_and_equal_to_the_per_deal_rule():
    """All deals at once give the per-deal function's figures, bit for bit.

    Closes are ``created + cycle`` for the cycles at least the deal's age on 2025-12-31:

    - created 2025-11-01, age 60: 60 -> 2025-12-31 (before January, counts there),
      90 -> 2026-01-30, 120 -> 2026-03-01: [2/3, 0, 1/3];
    - 2025-12-15, age 16: all four: 01-14, 02-13, 03-15, 04-14 (dropped): [1/4, 1/4, 1/4];
    - 2025-08-01, age 152: no cycle that long, expected close February: [0, 1, 0];
    - 2025-06-01, age 213, expected close 2025-11-30 (overdue): the first month: [1, 0, 0];
    - 2026-01-10, created after the origin (age 0): 02-09, 03-11, 04-10, 05-10: [0, 1/4, 1/4];
    - 2025-09-02, age 120: only 120 -> 2025-12-31: [1, 0, 0];
    - 2025-01-01, no cycle that long, expected close June 2026 (beyond): [0, 0, 0].
    """
    from planning_lib.analysis.pipeline import close_month_distributions

    months = pd.period_range("2026-01", periods=3, freq="M")
    fast = close_month_distributions(
        _OPEN["created_date"], _OPEN["close_date"], _AS_OF, _CYCLES, months
    )
    np.testing.assert_allclose(fast, _BY_HAND, rtol=0, atol=1e-15)
    reference = np.array(
        [
            close_month_distribution(created, close, _AS_OF, _CYCLES, months)
            for created, close in zip(_OPEN["created_date"], _OPEN["close_date"], strict=True)
        ]
    )
    assert np.array_equal(fast, reference)
    empty = close_month_distributions(
        _OPEN["created_date"][:0], _OPEN["close_date"][:0], _AS_OF, _CYCLES, months
    )
    assert empty.shape == (0, 3)


def _reference_pipeline(deals, as_of, horizon):
    """The straightforward loop: one close-month distribution per open deal."""
    months = pd.period_range(as_of.to_period("M") + 1, periods=horizon, freq="M")
    p = stage_win_probabilities(deals).set_index("stage")["win_probability"]
    cycles = np.sort(
        (
            deals.loc[deals.stage == "won", "close_date"]
            - deals.loc[deals.stage == "won", "created_date"]
        ).dt.days.to_numpy(dtype=float)
    )
    n_deals, value = np.zeros(horizon), np.zeros(horizon)
    for row in deals[deals["stage"] == "qualified"].itertuples():
        dist = close_month_distribution(row.created_date, row.close_date, as_of, cycles, months)
        n_deals += p["qualified"] * dist
        value += p["qualified"] * dist * row.mrr_eur
    return n_deals, value


def test_pipeline_forecast_equals_the_per_deal_loop_by_hand():
    """Four won deals with cycles 30/60/90/120 days and four lost ones: win rate 1/2.

    Expected deals = 1/2 x the column sums of the distributions above:
    January 1/2 x (2/3 + 1/4 + 1 + 1) = 35/24, February 1/2 x (1/4 + 1 + 1/4) = 3/4,
    March 1/2 x (1/3 + 1/4 + 1/4) = 5/12. Expected MRR = 1/2 x sum of MRR x share:
    January 1/2 x (100 x 2/3 + 200/4 + 400 + 600) = 3350/6, February 1/2 x (50 + 300 +
    125) = 237.5, March 1/2 x (100/3 + 50 + 125) = 625/6.
    """
    start = pd.Timestamp("2024-01-01")
    closed = [
        _deal(i, "won", start, start + pd.Timedelta(days=c)) for i, c in enumerate(_CYCLES)
    ] + [_deal(10 + i, "lost", start, start + pd.Timedelta(days=45)) for i in range(4)]
    open_ = [
        _deal(100 + i, "qualified", r.created_date, r.close_date, mrr=r.mrr_eur)
        for i, r in enumerate(_OPEN.itertuples())
    ]
    deals = pd.DataFrame(closed + open_)
    monthly, _ = pipeline_forecast(deals, None, _AS_OF, 3)
    np.testing.assert_allclose(monthly["expected_deals"], [35 / 24, 3 / 4, 5 / 12], rtol=1e-12)
    np.testing.assert_allclose(
        monthly["expected_value_eur"], [3350 / 6, 237.5, 625 / 6], rtol=1e-12
    )
    n_ref, value_ref = _reference_pipeline(deals, _AS_OF, 3)
    assert np.array_equal(monthly["expected_deals"].to_numpy(), n_ref)
    assert np.array_equal(monthly["expected_value_eur"].to_numpy(), value_ref)


def test_pipeline_forecast_is_not_quadratic_in_the_pipeline():
    """20,000 open deals against 5,000 won ones finish in well under two seconds.

    The open deals are at most 200 days old and the won cycles reach 400 days, so
    nearly every open deal has thousands of candidate cycles. The per-deal loop built
    every such close date for every open deal (tens of millions of dates, over 10 s
    on the development machine); cutting the sorted cycles at the age and the month
    boundaries takes a few hundredths of a second.
    """
    rng = np.random.default_rng(7)
    n_won, n_lost, n_open = 5_000, 1_000, 20_000
    n_closed = n_won + n_lost
    created = np.concatenate(
        [
            pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 1000, n_closed), "D"),
            pd.Timestamp("2025-06-15") + pd.to_timedelta(rng.integers(0, 200, n_open), "D"),
        ]
    )
    cycle = pd.to_timedelta(rng.integers(5, 400, n_closed + n_open), "D")
    stage = ["won"] * n_won + ["lost"] * n_lost + list(rng.choice(["qualified", "demo"], n_open))
    deals = pd.DataFrame(
        {
            "deal_id": [f"D{i}" for i in range(n_closed + n_open)],
            "stage": stage,
            "created_date": pd.to_datetime(created),
            "close_date": pd.to_datetime(created) + cycle,
            "channel": "inbound",
            "segment": "small",
            "mrr_eur": 100.0,
        }
    )
    start = time.perf_counter()
    monthly, _ = pipeline_forecast(deals, None, "2025-12-31", 6)
    assert time.perf_counter() - start < 2.0
    assert monthly["open_deals"].iloc[0] == n_open
    assert 0 < monthly["expected_deals"].sum() < n_open


def test_new_customer_pipeline_counts_only_deals_that_make_a_new_customer():
    """Closed: 20 qualified deals created 2025-01-01, closed 2025-03-02 (cycle 60 days),
    the odd ones won (customers W1, W3, ... become customers), the even ones lost
    (customers L0, L2, ...: a lost deal makes no customer). Win probability 10/20 = 0.5.
    Open (origin 2025-12-31, horizon 3), each winning with 0.5:
    - D100 of W1 and D101 of " W3 " (stripped): customers who already won, repeat
      purchases: left out (2);
    - D102 without customer id: a prospect, created 2025-12-01, age 30 <= 60 -> closes
      2026-01-30: 0.5 in January;
    - D103 of L0 (only a lost deal): new, January 0.5;
    - D104 (created 2025-12-01 -> January) and D105 (created 2025-12-20, age 11 -> closes
      2026-02-18, February) of N1: one customer, new with its first win. Not won by
      January's end 1 - 0.5 = 0.5, by February's (1 - 0.5)(1 - 0.5) = 0.25 -> new in
      January 1 - 0.5 = 0.5, in February 0.5 - 0.25 = 0.25.
    By hand: new customers 0.5 + 0.5 + 0.5 = 1.5, 0.25, 0 from 4 counted open deals.
    The value pipeline keeps all six: deals in January D100-D104 = 5 x 0.5 = 2.5, February
    D105 0.5; value 100 EUR MRR each -> 250, 50, 0."""
    closed = [_deal(i, "won" if i % 2 else "lost", "2025-01-01", "2025-03-02") for i in range(20)]
    for i, row in enumerate(closed):
        row["customer_id"] = f"W{i}" if i % 2 else f"L{i}"
    open_ = [
        _deal(100, "qualified", "2025-12-01", "2026-01-20") | {"customer_id": "W1"},
        _deal(101, "qualified", "2025-12-01", "2026-01-20") | {"customer_id": " W3 "},
        _deal(102, "qualified", "2025-12-01", "2026-01-20") | {"customer_id": None},
        _deal(103, "qualified", "2025-12-01", "2026-01-20") | {"customer_id": "L0"},
        _deal(104, "qualified", "2025-12-01", "2026-01-20") | {"customer_id": "N1"},
        _deal(105, "qualified", "2025-12-20", "2026-02-20") | {"customer_id": "N1"},
    ]
    deals = pd.DataFrame(closed + open_)
    new, per_deal = pipeline_forecast(deals, None, "2025-12-31", 3, new_customers_only=True)
    np.testing.assert_allclose(new["expected_deals"], [1.5, 0.25, 0.0], rtol=1e-12)
    assert new.attrs["repeat_open_deals"] == 2
    assert (new["open_deals"] == 4).all()
    assert sorted(per_deal["deal_id"]) == ["D102", "D103", "D104", "D105"]
    everything, _ = pipeline_forecast(deals, None, "2025-12-31", 3)
    np.testing.assert_allclose(everything["expected_deals"], [2.5, 0.5, 0.0], rtol=1e-12)
    np.testing.assert_allclose(everything["expected_value_eur"], [250.0, 50.0, 0.0])
    assert everything.attrs["repeat_open_deals"] == 0
