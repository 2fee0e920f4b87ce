"""Pipeline forecast: stage probabilities, close months with slippage, blend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.pipeline import (
    blend_pipeline,
    close_month_distribution,
    pipeline_coverage,
    pipeline_forecast,
    stage_win_probabilities,
)


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
