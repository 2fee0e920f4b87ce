"""A small company that brings only its CRM's deals: no subscriptions, leads or costs.

Three regions of the CloudFlow config (so its region files apply) × two products × three
owners per region, 24 months of deals created 2024-01..2025-12 with a seeded numpy
generator: most closed as won or lost, the youngest still open in one of the four open
stages. One-off sales (``mrr_eur`` 0). Written by hand for the deals-only tests; nothing
here is copied from the sample company.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REGIONS = ("DE-Nord", "AT", "CH")
PRODUCTS = ("Starter", "Business")
OPEN = ("qualified", "demo", "proposal", "negotiation")
AS_OF = pd.Period("2025-12", freq="M")


def deals_only_frame(seed: int = 7) -> pd.DataFrame:
    """The deals table: per region, product and month 2024-01..2025-12 two to five deals.

    Each deal gets a cycle of 10..120 days; a deal whose close would fall after the
    as-of month 2025-12 is open (stage drawn from the four open stages, close date the
    expected one); the others are won with probability 0.35, else lost.
    """
    rng = np.random.default_rng(seed)
    rows = []
    n = 0
    for region in REGIONS:
        owners = [f"{region[:2].upper()}-{i}" for i in (1, 2, 3)]
        for product in PRODUCTS:
            for month in pd.period_range("2024-01", "2025-12", freq="M"):
                for _ in range(int(rng.integers(2, 6))):
                    n += 1
                    created = month.start_time + pd.Timedelta(days=int(rng.integers(0, 28)))
                    close = created + pd.Timedelta(days=int(rng.integers(10, 121)))
                    if close > AS_OF.end_time:
                        stage = OPEN[int(rng.integers(0, 4))]
                    else:
                        stage = "won" if rng.random() < 0.35 else "lost"
                    base = 4000.0 if product == "Starter" else 12000.0
                    rows.append(
                        {
                            "deal_id": f"D{n:05d}",
                            "customer_id": f"K{n:05d}" if stage == "won" else "",
                            "created_date": created.strftime("%Y-%m-%d"),
                            "close_date": close.strftime("%Y-%m-%d"),
                            "stage": stage,
                            "amount_eur": round(base * float(rng.uniform(0.5, 1.5)), 2),
                            "mrr_eur": 0.0,
                            "region": region,
                            "product": product,
                            "segment": ("small", "mid", "large")[int(rng.integers(0, 3))],
                            "channel": ("inbound", "outbound", "partner")[int(rng.integers(0, 3))],
                            "owner": owners[int(rng.integers(0, 3))],
                        }
                    )
    return pd.DataFrame(rows)


def write_deals_only(folder: Path, seed: int = 7) -> pd.DataFrame:
    """Write ``deals.csv`` (the only table) into ``folder``; return the frame written."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = deals_only_frame(seed)
    frame.to_csv(folder / "deals.csv", index=False)
    return frame
