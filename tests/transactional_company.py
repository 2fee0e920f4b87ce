"""A small transactional company with repeat purchases, from a seeded generator.

24 months of deals created 2024-01..2025-12 in three channels: every month each channel
gets 6..12 deals of prospects (cycle 10..90 days, won with probability 0.35, else lost;
those closing after 2025-12 stay open), a won prospect becomes a customer (``K…``), and
every customer buys again with probability 0.04 a month after its first month (a deal
created and won on the same day, 1,500 € ± 50 %). First deals are 6,000 € ± 50 %.
Written by hand for the transactional tests; nothing here is copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CHANNELS = ("inbound", "outbound", "partner")
END = pd.Timestamp("2025-12-31")


def _deal(
    prefix: str, n: int, customer: str, created, close, stage: str, amount: float, channel: str
) -> dict:
    """One canonical deals row of the company (region DE-Nord, product Anlage, no MRR)."""
    return {
        "deal_id": f"{prefix}{n:05d}",
        "customer_id": customer,
        "created_date": created.strftime("%Y-%m-%d"),
        "close_date": close.strftime("%Y-%m-%d"),
        "stage": stage,
        "amount_eur": round(amount, 2),
        "mrr_eur": 0.0,
        "region": "DE-Nord",
        "product": "Anlage",
        "segment": "mid",
        "channel": channel,
        "owner": "DE-1",
    }


def transactional_frame(seed: int = 11) -> pd.DataFrame:
    """The deals table (canonical columns, one-off sales: ``mrr_eur`` 0)."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    customers: list[tuple[str, str, pd.Period]] = []  # id, channel, month of first win

    def add(customer: str, created, close, stage: str, amount: float, channel: str) -> None:
        rows.append(_deal("T", len(rows) + 1, customer, created, close, stage, amount, channel))

    for month in pd.period_range("2024-01", "2025-12", freq="M"):
        for cid, channel, first in list(customers):
            if month > first and rng.random() < 0.04:
                day = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                add(cid, day, day, "won", 1500 * float(rng.uniform(0.5, 1.5)), channel)
        for channel in CHANNELS:
            for _ in range(int(rng.integers(6, 13))):
                created = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                close = created + pd.Timedelta(days=int(rng.integers(10, 91)))
                amount = 6000 * float(rng.uniform(0.5, 1.5))
                if close > END:
                    add("", created, close, "proposal", amount, channel)
                elif rng.random() < 0.35:
                    cid = f"K{len(customers) + 1:05d}"
                    customers.append((cid, channel, close.to_period("M")))
                    add(cid, created, close, "won", amount, channel)
                else:
                    add("", created, close, "lost", amount, channel)
    return pd.DataFrame(rows)


def write_transactional(folder: Path, seed: int = 11) -> pd.DataFrame:
    """Write ``deals.csv`` (the only table) into ``folder``; return the frame written."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = transactional_frame(seed)
    frame.to_csv(folder / "deals.csv", index=False)
    return frame


def plan_year_frame(history: pd.DataFrame, months: int = 6, seed: int = 12) -> pd.DataFrame:
    """The plan year's deals after ``history``: ``months`` months from 2026-01.

    The same rules as :func:`transactional_frame`: each customer of the history's won
    deals (and each one won in these months) buys again with probability 0.04 a month
    after its first month (1,500 € ± 50 %); every channel gets 6..12 new deals a month
    (6,000 € ± 50 %, won with probability 0.35 or lost; those closing after the last
    month stay open as ``proposal`` with their amount). Deal ids go on from ``P00001``.
    """
    rng = np.random.default_rng(seed)
    end = pd.Period("2026-01", freq="M") + months - 1
    won = history[history["stage"] == "won"]
    first = won.groupby("customer_id")["close_date"].min()
    customers = [(c, pd.Period(d, freq="M")) for c, d in sorted(first.items()) if c]
    channel = won.groupby("customer_id")["channel"].first()
    rows: list[dict] = []

    def add(customer: str, created, close, stage: str, amount: float, ch: str) -> None:
        rows.append(_deal("P", len(rows) + 1, customer, created, close, stage, amount, ch))

    n_new = 0
    for month in pd.period_range("2026-01", end, freq="M"):
        for cid, since in list(customers):
            if month > since and rng.random() < 0.04:
                day = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                add(cid, day, day, "won", 1500 * float(rng.uniform(0.5, 1.5)), channel[cid])
        for ch in CHANNELS:
            for _ in range(int(rng.integers(6, 13))):
                created = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                close = created + pd.Timedelta(days=int(rng.integers(10, 91)))
                amount = 6000 * float(rng.uniform(0.5, 1.5))
                if close.to_period("M") > end:
                    add("", created, close, "proposal", amount, ch)
                elif rng.random() < 0.35:
                    n_new += 1
                    cid = f"N{n_new:05d}"
                    customers.append((cid, close.to_period("M")))
                    channel[cid] = ch
                    add(cid, created, close, "won", amount, ch)
                else:
                    add("", created, close, "lost", amount, ch)
    return pd.DataFrame(rows)


def write_with_actuals(folder: Path, months: int = 6, seed: int = 11) -> pd.DataFrame:
    """Write the history (``deals.csv``) and ``actuals/deals.csv`` of the plan year from
    2026-01 (:func:`plan_year_frame`); return the actuals written."""
    history = write_transactional(folder, seed)
    actuals = plan_year_frame(history, months)
    (folder / "actuals").mkdir(exist_ok=True)
    actuals.to_csv(folder / "actuals" / "deals.csv", index=False)
    return actuals
