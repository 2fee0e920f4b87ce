"""Figures of a transactional business (``planning_lib.metrics.transactional``) by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planning_lib.metrics.transactional import (
    active_base,
    clv_transactional,
    deal_size,
    expected_purchases,
    new_customer_deals,
    purchase_history,
    repeat_purchase_rate,
)


def test_rates_and_sizes():
    """6 repeats on month-start bases 100 + 140 + 160 = 400 → 1.5 %; 9,000 € on 3 deals
    → 3,000 €; no base or no deals → NaN."""
    assert repeat_purchase_rate(6, 400) == pytest.approx(0.015)
    assert math.isnan(repeat_purchase_rate(3, 0))
    assert deal_size(9_000.0, 3) == pytest.approx(3_000)
    assert math.isnan(deal_size(0.0, 0))


def test_expected_purchases_and_clv():
    """Lifetime 25 months at 4 % repeats: 1 + 0.04 × 24 = 1.96 purchases; CLV with a
    2,000 € first deal, 500 € repeats and 60 % margin = 0.6 × (2,000 + 0.96 × 500) =
    1,488 €. A lifetime below one month gives no repeats (0.6 × 2,000 = 1,200 €)."""
    assert expected_purchases(0.04, 25) == pytest.approx(1.96)
    assert clv_transactional(2_000.0, 0.04, 500.0, 0.6, 25.0) == pytest.approx(1_488)
    assert clv_transactional(2_000.0, 0.04, 500.0, 0.6, 0.5) == pytest.approx(1_200)
    arr = clv_transactional(np.array([2_000.0, 1_000.0]), 0.04, 500.0, 0.6, np.array([25.0, 1]))
    assert arr == pytest.approx([1_488, 600])


def _deals() -> pd.DataFrame:
    rows = [  # deal_id, customer_id, close_date, stage, amount
        ("D1", "A", "2025-01-10", "won", 1000.0),
        ("D2", "B", "2025-01-20", "won", 3000.0),
        ("D3", "A", "2025-01-25", "won", 500.0),  # A's first month: new business
        ("D4", "", "2025-02-03", "lost", 9999.0),
        ("D5", "A", "2025-03-05", "won", 200.0),  # repeat
        ("D6", "C", "2025-03-15", "won", 2000.0),
        ("D7", "B", "2025-03-28", "won", 400.0),  # repeat
        ("D8", "", "2025-03-30", "won", 700.0),  # no account: its own customer
        ("D9", "B", "2025-05-02", "won", 100.0),  # after as_of
    ]
    return pd.DataFrame(
        rows, columns=["deal_id", "customer_id", "close_date", "stage", "amount_eur"]
    )


def test_purchase_history_by_hand():
    """As of 2025-04. Jan: A and B new (3 deals, 4,500 €), base 0. Feb: nothing won,
    base 2. Mar: base 2; C and D8 new (2,700 €); A and B repeat (2 purchases, 600 €). Apr: base 4,
    nothing. Repeat rate = 2 ÷ (0 + 2 + 2 + 4) = 25 %."""
    h = purchase_history(_deals(), pd.Period("2025-04", freq="M"))
    assert [str(m) for m in h["month"]] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert h["customers_start"].tolist() == [0, 2, 2, 4]
    assert h["new_customers"].tolist() == [2, 0, 2, 0]
    assert h["new_deals"].tolist() == [3, 0, 2, 0]
    assert h["new_bookings_eur"].tolist() == pytest.approx([4500, 0, 2700, 0])
    assert h["repeat_purchases"].tolist() == [0, 0, 2, 0]
    assert h["repeat_bookings_eur"].tolist() == pytest.approx([0, 0, 600, 0])
    rate = repeat_purchase_rate(h["repeat_purchases"].sum(), h["customers_start"].sum())
    assert rate == pytest.approx(0.25)


def test_active_base_by_hand():
    """Activity span K = 2 months, as of 2025-06. Won deals: A in Jan, Feb, Jun; B twice
    in Jan and in May; C in Mar; a deal without customer (a customer of its own, X) in
    Feb; one lost deal of D in Apr (no customer). Active at a month's start = last won
    deal before it in the 2 months before:
    Jan {} · Feb {A, B} · Mar {A, B, X} · Apr {A, X, C} · May {C} · Jun {B} · Jul {A, B}.
    New: Jan 2 (A, B), Feb 1 (X), Mar 1 (C). Repeats: Feb A, May B, Jun A. Net lapse =
    start + new − next start: Jan 0, Feb 0, Mar 1 (B out), Apr 2 (A, X out), May 0 (C
    out, B back), Jun −1 (A back)."""
    rows = [
        ("d1", "A", "2025-01-10", "won"),
        ("d2", "A", "2025-02-10", "won"),
        ("d3", "A", "2025-06-10", "won"),
        ("d4", "B", "2025-01-05", "won"),
        ("d5", "B", "2025-01-20", "won"),
        ("d6", "B", "2025-05-15", "won"),
        ("d7", "C", "2025-03-03", "won"),
        ("d8", "", "2025-02-11", "won"),
        ("d9", "D", "2025-04-11", "lost"),
    ]
    deals = pd.DataFrame(
        [
            {"deal_id": i, "customer_id": c, "close_date": d, "stage": st, "amount_eur": 100.0}
            for i, c, d, st in rows
        ]
    )
    got = active_base(deals, pd.Period("2025-06", "M"), 2)
    assert [str(m) for m in got["month"]] == [f"2025-0{i}" for i in range(1, 7)]
    assert got["active_start"].tolist() == [0, 2, 3, 3, 1, 1]
    assert got["active_end"].tolist() == [2, 3, 3, 1, 1, 2]
    assert got["new_customers"].tolist() == [2, 1, 1, 0, 0, 0]
    assert got["repeat_purchases"].tolist() == [0, 1, 0, 0, 1, 1]
    assert got["lapsed"].tolist() == [0, 0, 1, 2, 0, -1]


def test_customer_key_is_the_stripped_id_or_the_deal() -> None:
    """By hand: ' C1 ' and 'C1' are one customer 'C1'; an empty, a blank and a missing
    customer id make the deal its own customer ('deal:' + deal_id); without the column
    every deal is its own."""
    from planning_lib.metrics.transactional import customer_key

    deals = pd.DataFrame(
        {"deal_id": ["D1", "D2", "D3", "D4", "D5"],
         "customer_id": [" C1 ", "C1", "", "  ", None]}
    )  # fmt: skip
    assert customer_key(deals).tolist() == ["C1", "C1", "deal:D3", "deal:D4", "deal:D5"]
    assert customer_key(deals[["deal_id"]]).tolist() == [f"deal:D{i}" for i in range(1, 6)]


def test_new_customer_deals_leave_out_customers_subscribed_before():
    """The deals export begins after the company's first customers (#13 trial: 21 of the
    251 first won deals of 2025 were upsells of customers subscribed since 2021-2023).

    By hand: K1's first won deal closes 2025-03-10, its subscription began 2024-05-01
    (an earlier month: a customer already, left out); K2 wins 2025-04-05 and starts
    2025-04-05 (same month: new); K3 wins 2025-05-20 and starts 2025-06-01 (later: new);
    K4 has no subscription (new by its deal); K5's deal is lost. New customers: D2, D3, D4.
    Without subscriptions every customer's first won deal counts: D1, D2, D3, D4.
    """
    deals = pd.DataFrame(
        {
            "deal_id": ["D1", "D2", "D3", "D4", "D5", "D6"],
            "customer_id": ["K1", "K2", "K3", "K4", "K5", "K1"],
            "close_date": pd.to_datetime(
                ["2025-03-10", "2025-04-05", "2025-05-20", "2025-05-21", "2025-05-22", "2025-07-01"]
            ),
            "stage": ["won", "won", "won", "won", "lost", "won"],
        }
    )
    subs = pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K3", "K1"],
            "start_date": pd.to_datetime(["2024-05-01", "2025-04-05", "2025-06-01", "2025-03-10"]),
        }
    )
    assert new_customer_deals(deals, subs)["deal_id"].tolist() == ["D2", "D3", "D4"]
    assert new_customer_deals(deals)["deal_id"].tolist() == ["D1", "D2", "D3", "D4"]
