"""Sample company, customers: won deals become subscriptions, customers churn.

The CRM starts on the history start with an opening base of customers won earlier
(start dates before the history start, no deals in the extract). Each month every
customer active since an earlier month may churn; the monthly logo churn rate
follows the configured path and differs by segment (small customers churn more),
normalised so the base as a whole churns at the configured rate.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planning_lib.core.vocabulary import CHANNELS, SEGMENTS
from planning_lib.sample.config import SampleConfig
from planning_lib.sample.funnel import days_in_month, month_starts

__all__ = ["churn_rate", "opening_customers", "simulate_subscriptions"]

SUB_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "region",
    "product",
    "segment",
    "channel",
    "start_date",
    "end_date",
    "mrr_eur",
)


def churn_rate(cfg: SampleConfig, month: dt.date) -> float:
    """Monthly logo churn of the whole base in ``month`` (share 0..1).

    History months take their year's rate; plan months follow the plan's path, linear
    from ``churn_plan_start`` in the first to ``churn_plan_end`` in the twelfth month.
    """
    if month < cfg.plan_start:
        return dict(cfg.churn_by_year)[month.year]
    i = (month.year - cfg.plan_start.year) * 12 + month.month - cfg.plan_start.month
    share = min(i, 11) / 11
    return cfg.churn_plan_start + (cfg.churn_plan_end - cfg.churn_plan_start) * share


def opening_customers(cfg: SampleConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Customers active on the history start, won before it (subscription columns)."""
    n = cfg.opening_customers
    regions = [r for r, _ in cfg.regions]
    region_p = np.asarray([s for _, s in cfg.regions])
    seg_mix = dict(cfg.segment_mix)
    prod_mix = dict(cfg.product_mix)
    products = [p for p, _ in cfg.products]
    prices = dict(cfg.products)
    disc_values = np.asarray([d for d, _ in cfg.discounts])
    disc_p = np.asarray([p for _, p in cfg.discounts])
    first, last = cfg.opening_since.toordinal(), cfg.history_start.toordinal() - 1
    starts = np.sort(rng.integers(first, last + 1, n))
    rows = []
    for i in range(n):
        region = regions[int(rng.choice(len(regions), p=region_p))]
        channel = CHANNELS[int(rng.choice(2, p=[0.55, 0.45]))]
        seg = SEGMENTS[int(rng.choice(3, p=np.asarray(seg_mix[channel])))]
        product = products[int(rng.choice(3, p=np.asarray(prod_mix[seg])))]
        discount = float(disc_values[int(rng.choice(len(disc_values), p=disc_p))])
        rows.append(
            {
                "customer_id": f"C{i + 1:05d}",
                "region": region,
                "product": product,
                "segment": seg,
                "channel": channel,
                "start_date": dt.date.fromordinal(int(starts[i])),
                "end_date": None,
                "mrr_eur": round(prices[product] * (1.0 - discount), 2),
            }
        )
    return pd.DataFrame(rows, columns=list(SUB_COLUMNS))


def simulate_subscriptions(
    cfg: SampleConfig, deals: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """All subscriptions (opening base + won deals) with their true end dates.

    Args:
        cfg: the sample configuration.
        deals: deals from ``simulate_funnel`` (outcome, close_date, mrr_eur, ...).
        rng: the shared random generator.

    Returns:
        Subscription rows; ``end_date`` is the last paid day or None (still active at
        the end of the simulated period, ``cfg.actuals_end``).
    """
    opening = opening_customers(cfg, rng)
    won = deals[(deals["outcome"] == "won") & (deals["close_date"] <= cfg.actuals_end)]
    new = pd.DataFrame(
        {
            "customer_id": won["customer_id"],
            "region": won["region"],
            "product": won["product"],
            "segment": won["segment"],
            "channel": won["channel"],
            "start_date": won["close_date"],
            "end_date": None,
            "mrr_eur": won["mrr_eur"],
        }
    )
    subs = pd.concat([opening, new], ignore_index=True)
    start = np.asarray([d.toordinal() for d in subs["start_date"]])
    seg_factor = dict(cfg.churn_segment_factor)
    factor = np.asarray([seg_factor[s] for s in subs["segment"]])
    end = np.full(len(subs), -1, dtype=np.int64)
    carry = float(rng.random())  # systematic sampling over customers (see Dither)
    for month in month_starts(cfg.history_start, cfg.actuals_end):
        m0 = month.toordinal()
        days = days_in_month(month)
        active = (start < m0) & (end < 0)
        if not active.any():
            continue
        idx = np.flatnonzero(active)
        p = churn_rate(cfg, month) * factor[idx] / factor[idx].mean()
        after = carry + np.cumsum(p)
        hit = np.floor(after) > np.floor(after - p)
        carry = float(after[-1] - np.floor(after[-1]))
        churned = idx[hit]
        end[churned] = m0 + rng.integers(0, days, len(churned))
    subs["end_date"] = [dt.date.fromordinal(int(e)) if e >= 0 else None for e in end]
    return subs
