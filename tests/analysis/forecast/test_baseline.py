"""The "no change" new-customer baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.forecast.baseline import monthly_new_customers, no_change_new_customers


def _won_deals(counts: np.ndarray, start: str = "2023-01") -> pd.DataFrame:
    rows = []
    for month, n in zip(pd.period_range(start, periods=len(counts), freq="M"), counts, strict=True):
        for i in range(int(n)):
            rows.append(
                {"stage": "won", "close_date": month.to_timestamp() + pd.Timedelta(days=i % 28)}
            )
        rows.append({"stage": "lost", "close_date": month.to_timestamp()})
    return pd.DataFrame(rows)


def test_monthly_counts_from_deals_and_subscriptions():
    deals = _won_deals(np.array([3, 0, 2]))
    y = monthly_new_customers(deals, "2023-04-01")
    assert y.tolist() == [3.0, 0.0, 2.0]  # lost deals not counted, empty month kept as 0
    subs = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "start_date": ["2023-01-05", "2023-03-01", "2023-03-09", "2023-05-01"],
        }
    )
    y = monthly_new_customers(subs, "2023-05-01")  # C starts in the plan: ignored
    assert y.tolist() == [1.0, 0.0, 1.0, 0.0]  # A counted once at its first start; April empty


def test_no_change_baseline_continues_a_steady_history():
    rng = np.random.default_rng(7)
    counts = rng.poisson(25, 36)
    result = no_change_new_customers(_won_deals(counts), "2026-01-01")
    assert result.last_year == int(counts[-12:].sum())
    assert result.expected == pytest.approx(300, rel=0.1)
    assert result.p10 < result.p50 < result.p90 < result.p99
    # Poisson(25) months: a year's sum varies by about sqrt(300) = 17
    assert 10 < (result.p90 - result.p10) / 2.56 < 60
    again = no_change_new_customers(_won_deals(counts), "2026-01-01")
    assert again.as_dict() == result.as_dict()


def test_wrong_table_is_rejected():
    with pytest.raises(KeyError, match="subscriptions"):
        monthly_new_customers(pd.DataFrame({"x": [1]}), "2024-01-01")


def test_p10_p90_of_the_annual_sum_covers_the_next_year():
    """40 steady Poisson(25) histories: the next year's actual sum falls inside P10-P90.

    Measured 75 % (nominal 80 %); the annual spread follows the monthly intervals.
    """
    inside = []
    for seed in range(100, 140):
        counts = np.random.default_rng(seed).poisson(25, 48)
        result = no_change_new_customers(_won_deals(counts[:36]), "2026-01-01", draws=2000)
        inside.append(result.p10 <= counts[36:].sum() <= result.p90)
    assert 0.65 <= np.mean(inside) <= 0.95


def test_under_a_year_the_no_change_is_the_average_month():
    """Seven months of bookings whose first month is nearly empty (an export that began
    while its deals were still open): no model is fitted. By hand: the average month is
    (6.360 + 150.000 + 140.000 + 160.000 + 155.000 + 149.000 + 151.000) / 7 = 130.194,29 €,
    the year 12 times it = 1.562.331,43 €; any sum of 12 drawn months lies between 12 ×
    6.360 and 12 × 160.000; the last year is the seven months' 911.360 €."""
    from planning_lib.analysis.forecast.baseline import no_change_bookings

    values = [6360.0, 150000, 140000, 160000, 155000, 149000, 151000]
    months = pd.period_range("2025-03", periods=7, freq="M")
    deals = pd.DataFrame(
        {
            "stage": "won",
            "close_date": [m.to_timestamp() + pd.Timedelta(days=9) for m in months],
            "amount_eur": values,
        }
    )
    result = no_change_bookings(deals, "2025-10-01")
    assert result.expected == pytest.approx(1_562_331.43, abs=0.01)
    assert 12 * 6360 <= result.p10 <= result.p50 <= result.p90 <= result.p99 <= 12 * 160000
    assert result.last_year == 911_360
    assert result.monthly["mean"].tolist() == pytest.approx([130_194.2857] * 12)
    assert str(result.monthly.index[0].date()) == "2025-10-01"


def test_under_a_year_the_band_of_the_year_is_not_below_zero():
    """Six months of bookings, five of them a 100 € credit note only (net −100 €): the
    drawn years are floored at zero, as the model's are (a year's bookings cannot be
    negative). By hand: a year of 12 drawn months holds k months of 600 € (k binomial,
    12 draws, p = 1/6), its sum 600k − 100(12 − k) = 700k − 1.200 €. P(k = 0) = (5/6)^12 =
    11,2 % > 10 %, so P10 is the year of k = 0, −1.200 €, floored at 0; P(k ≤ 1) = 38,1 %
    and P(k ≤ 2) = 67,7 %, so P50 is k = 2: 200 €. The expected year is 12 × 100/6 = 200 €."""
    from planning_lib.analysis.forecast.baseline import no_change_bookings

    values = [600.0, -100, -100, -100, -100, -100]
    months = pd.period_range("2025-03", periods=6, freq="M")
    deals = pd.DataFrame(
        {
            "stage": "won",
            "close_date": [m.to_timestamp() + pd.Timedelta(days=9) for m in months],
            "amount_eur": values,
        }
    )
    result = no_change_bookings(deals, "2025-09-01")
    assert result.expected == pytest.approx(200.0)
    assert result.p10 == 0.0
    assert result.p50 == pytest.approx(200.0)
