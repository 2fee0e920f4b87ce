"""The deals-only sales view's purchase figures (issue #13 item 4), by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planning_lib.analysis.sales import purchase_figures


def test_purchase_figures_by_hand():
    """As of 2025-12, window 2025-01..2025-12. K1 first wins in 2024-12 (before the
    window: base 1 in each of the 12 months), buys again in 2025-03 (300 €) and 2025-07
    (500 €); K2 first wins in 2025-06 (2,000 €; base 1 more in 2025-07..12: 6 months),
    buys again in 2025-06 (same month: new business, +1,000 €). New customers 1 (K2);
    the deal size is measured as ``planning init`` measures it: the window holds 1 < 30
    new customers, so its months reach back to the history's start (2024-12): K1's 900 €
    + K2's 3,000 € ÷ 2 = 1,950 € over 2 customers and 13 months (until the deal size had
    one definition it was the window's 3,000 €). History before the window: 1 month <
    12, so the repeat base is every customer: repeats 2 ÷ base 12 + 6 = 18 → 1/9; repeat
    size 400 € (no repeat before the window)."""
    deals = pd.DataFrame(
        [
            ("D1", "K1", "2024-12-05", "won", 900.0),
            ("D2", "K1", "2025-03-05", "won", 300.0),
            ("D3", "K2", "2025-06-02", "won", 2000.0),
            ("D4", "K2", "2025-06-20", "won", 1000.0),
            ("D5", "K1", "2025-07-09", "won", 500.0),
            ("D6", "", "2025-08-01", "lost", 800.0),
        ],
        columns=["deal_id", "customer_id", "close_date", "stage", "amount_eur"],
    )
    f = purchase_figures(deals, pd.Period("2025-12", freq="M"))
    assert f["new_customers"] == 1
    assert f["new_customer_deal_size_eur"] == pytest.approx(1950)
    assert (f["deal_size_customers"], f["deal_size_months"]) == (2, 13)
    assert (f["repeat_base_customer_months"], f["repeat_base_active_months"]) == (18, 0)
    assert f["repeat_purchases"] == 2
    assert f["repeat_purchase_rate"] == pytest.approx(2 / 18)
    assert f["repeat_deal_size_eur"] == pytest.approx(400)


def test_no_deals_gives_nan_rates():
    deals = pd.DataFrame(columns=["deal_id", "customer_id", "close_date", "stage", "amount_eur"])
    f = purchase_figures(deals, pd.Period("2025-12", freq="M"))
    assert f["new_customers"] == 0 and math.isnan(f["repeat_purchase_rate"])
