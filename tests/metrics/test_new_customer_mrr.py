"""The actual new MRR counts new customers alone, as the plan's new MRR (new customers ×
ARPA) does (#13 trial: controlling's "Neu-MRR" of 38.340 € held 1.735 € of 7 upsells of
existing customers; the new customers' first subscriptions gave 36.605 €).

Hand-made Q1 2026 (as of 2026-03-31), every deal won unless said:

====  ========  ==========  ===  ==============================================
deal  customer  close       MRR  new?
====  ========  ==========  ===  ==============================================
D1    A         2026-01-15  100  yes: A's first won deal
D2    A         2026-01-20   50  yes: A's first month (a second product)
D3    A         2026-03-05   30  no: A's upsell two months later
D4    B         2026-02-10   70  no: B subscribes since 2025-06 (subscriptions)
D5    (none)    2026-02-12   40  yes: a deal without customer is its own customer
D6    F         2025-11-10   60  before the period: F's first deal
D7    F         2026-01-25   20  no: F bought first in 2025-11
D8    G         2026-03-10  999  lost
====  ========  ==========  ===  ==============================================

New MRR by hand: January 100 + 50 = 150, February 40, March 0 (Q1 190); new customers'
deals: January 2, February 1, March 0. All won deals' MRR (the old figure): January
100 + 50 + 20 = 170, February 70 + 40 = 110, March 30 (Q1 310): 120 more, the upsells
D3, D4 and D7 (30 + 70 + 20).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planning_lib.metrics.kpis import KpiContext, compute_kpi
from planning_lib.metrics.measures import new_customer_tables
from planning_lib.metrics.transactional import first_month_won_deals

CTX = KpiContext(as_of=dt.date(2026, 3, 31), start=dt.date(2026, 1, 1), gross_margin=0.8)
JAN, FEB, MAR = (pd.Timestamp(f"2026-0{i}-01") for i in (1, 2, 3))


def _tables() -> dict[str, pd.DataFrame]:
    rows = [
        ("D1", "A", "2026-01-15", "won", 100.0),
        ("D2", "A", "2026-01-20", "won", 50.0),
        ("D3", "A", "2026-03-05", "won", 30.0),
        ("D4", "B", "2026-02-10", "won", 70.0),
        ("D5", None, "2026-02-12", "won", 40.0),
        ("D6", "F", "2025-11-10", "won", 60.0),
        ("D7", "F", "2026-01-25", "won", 20.0),
        ("D8", "G", "2026-03-10", "lost", 999.0),
    ]
    deals = pd.DataFrame(rows, columns=["deal_id", "customer_id", "close_date", "stage", "mrr_eur"])
    deals["close_date"] = pd.to_datetime(deals["close_date"])
    deals = deals.assign(
        created_date=deals["close_date"] - pd.Timedelta(days=10), amount_eur=deals["mrr_eur"] * 12,
        region="DE-Nord", product="Starter", segment="small", channel="inbound", owner="E1",
    )  # fmt: skip
    subs = pd.DataFrame(
        {"customer_id": ["A", "B", "F"],
         "start_date": pd.to_datetime(["2026-01-15", "2025-06-01", "2025-11-10"]),
         "end_date": pd.NaT, "mrr_eur": [150.0, 100.0, 60.0], "region": "DE-Nord",
         "product": "Starter", "segment": "small", "channel": "inbound"}
    )  # fmt: skip
    return {"deals": deals, "subscriptions": subs}


def _by_month(code: str, tables: dict[str, pd.DataFrame]) -> dict:
    df = compute_kpi(tables, CTX, code, "month")
    return dict(zip(df["period"], df["value"], strict=True))


def test_first_month_won_deals_by_hand() -> None:
    """D1, D2, D5 and F's first deal D6 (before the period) are first-month deals."""
    t = _tables()
    got = first_month_won_deals(t["deals"], t["subscriptions"])
    assert sorted(got["deal_id"]) == ["D1", "D2", "D5", "D6"]


def test_new_mrr_counts_new_customers_only() -> None:
    """new_mrr: January 150, February 40, March 0 (was 170, 110, 30 with the upsells)."""
    assert _by_month("new_mrr", _tables()) == pytest.approx({JAN: 150.0, FEB: 40.0, MAR: 0.0})


def test_the_volume_of_new_mrr_is_the_new_customers_deals() -> None:
    """deals_won on the new customers' tables: 2, 1, 0; on all deals 3, 2, 1."""
    t = _tables()
    assert _by_month("deals_won", new_customer_tables(t)) == {JAN: 2.0, FEB: 1.0, MAR: 0.0}
    assert _by_month("deals_won", t) == {JAN: 3.0, FEB: 2.0, MAR: 1.0}


def test_without_subscriptions_only_the_deals_tell() -> None:
    """A deals-only business: B's D4 is its first won deal, so new (February 70 + 40)."""
    t = _tables()
    del t["subscriptions"]
    assert _by_month("new_mrr", t) == pytest.approx({JAN: 150.0, FEB: 110.0, MAR: 0.0})
