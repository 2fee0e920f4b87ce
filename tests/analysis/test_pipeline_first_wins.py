"""The new-customer pipeline's close months and coverage come from the first won deals
(issue #13): how long it takes to win a customer, not how long a repeat purchase takes.

Closed deals (channel inbound, segment small; cycles in whole days):

=====  ========  ==========  ==========  =====  ============================
deal   customer  created     close       cycle  first won deal?
=====  ========  ==========  ==========  =====  ============================
W1     A         2025-01-01  2025-03-03  61     yes
W2     B         2025-02-01  2025-04-03  61     yes
W3     C         2025-03-01  2025-05-31  91     yes
R1     A         2025-06-01  2025-06-13  12     no: A's repeat purchase
R2     B         2025-07-01  2025-07-13  12     no: B's repeat purchase
L1-L5  L1-L5     2025-01-01  2025-02-01  -      lost
=====  ========  ==========  ==========  =====  ============================

Win probability of a qualified deal: 5 won of 10 closed = 0,5 (the overall rate, so the
shrinkage keeps it).

Coverage (share of wins whose cycle was longer than k − 0,5 months, 30,4375 days a month;
cycles 0,39 / 2,00 / 2,99 months): all won deals 3/5, 3/5, 1/5 for k = 1, 2, 3; first
won deals only 3/3, 3/3, 1/3.

Open deal D100 of the prospect N, created 2025-12-25, origin 2025-12-31 (age 6 days, every
cycle at least as long): it closes on created + cycle, 2026-01-06 (12 days), 2026-02-24
(61), 2026-03-26 (91). From the first won deals: February 2/3, March 1/3, × 0,5 = 0, 1/3,
1/6 new customers; from all won deals (the value pipeline, unchanged): 2/5, 2/5, 1/5 ×
0,5 = 0,2, 0,2, 0,1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.analysis.pipeline import pipeline_coverage, pipeline_forecast


def _deal(deal, customer, created, close, stage):
    return {
        "deal_id": deal,
        "customer_id": customer,
        "stage": stage,
        "created_date": pd.Timestamp(created),
        "close_date": pd.Timestamp(close),
        "channel": "inbound",
        "segment": "small",
        "mrr_eur": 100.0,
    }


def _deals() -> pd.DataFrame:
    rows = [
        _deal("W1", "A", "2025-01-01", "2025-03-03", "won"),
        _deal("W2", "B", "2025-02-01", "2025-04-03", "won"),
        _deal("W3", "C", "2025-03-01", "2025-05-31", "won"),
        _deal("R1", "A", "2025-06-01", "2025-06-13", "won"),
        _deal("R2", "B", "2025-07-01", "2025-07-13", "won"),
    ]
    rows += [_deal(f"L{i}", f"L{i}", "2025-01-01", "2025-02-01", "lost") for i in range(1, 6)]
    rows.append(_deal("D100", "N", "2025-12-25", "2026-01-20", "qualified"))
    return pd.DataFrame(rows)


def test_cycles_by_hand() -> None:
    """The cycles of the table, as a second method with plain pandas."""
    d = _deals()
    won = d[d["stage"] == "won"].set_index("deal_id")
    days = (won["close_date"] - won["created_date"]).dt.days
    assert days.to_dict() == {"W1": 61, "W2": 61, "W3": 91, "R1": 12, "R2": 12}


def test_coverage_of_new_customers_from_first_wins() -> None:
    """3/3, 3/3, 1/3 from the first won deals; 3/5, 3/5, 1/5 from all (module docstring)."""
    np.testing.assert_allclose(
        pipeline_coverage(_deals(), 3, new_customers_only=True), [1.0, 1.0, 1 / 3]
    )
    np.testing.assert_allclose(pipeline_coverage(_deals(), 3), [0.6, 0.6, 0.2])


def test_close_months_of_new_customers_from_first_wins() -> None:
    """D100: 0, 1/3, 1/6 new customers; the value pipeline keeps every won cycle:
    0,2, 0,2, 0,1 deals (module docstring)."""
    new, _ = pipeline_forecast(_deals(), None, "2025-12-31", 3, new_customers_only=True)
    np.testing.assert_allclose(new["expected_deals"], [0.0, 1 / 3, 1 / 6], atol=1e-12)
    everything, _ = pipeline_forecast(_deals(), None, "2025-12-31", 3)
    np.testing.assert_allclose(everything["expected_deals"], [0.2, 0.2, 0.1], atol=1e-12)
