"""Market and competition (phase 1) as tables from the plan parameters.

Market share = company revenue of the last complete year (EUR) ÷ market size (EUR/year),
computed only where both are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.core.params import Market
from planning_lib.core.text_store import label_pair

__all__ = ["SWOT_QUADRANTS", "competitor_table", "market_table", "swot_table"]

SWOT_QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")
"""The SWOT quadrants in table order; their words are ``swot.<quadrant>`` in the text store
(the same words head the SWOT table in the reports)."""


def competitor_table(market: Market) -> pd.DataFrame:
    """One row per competitor in config order.

    Returns:
        Columns ``competitor``, ``price_monthly_eur`` (list price, EUR/month; missing if
        unknown), ``positioning``, ``strengths`` and ``weaknesses`` (items joined by "; ").
    """
    rows = [
        {
            "competitor": c.name,
            "price_monthly_eur": np.nan if c.price_monthly_eur is None else c.price_monthly_eur,
            "positioning": c.positioning,
            "strengths": "; ".join(c.strengths),
            "weaknesses": "; ".join(c.weaknesses),
        }
        for c in market.competitors
    ]
    cols = ["competitor", "price_monthly_eur", "positioning", "strengths", "weaknesses"]
    return pd.DataFrame(rows, columns=cols)


def swot_table(market: Market) -> pd.DataFrame:
    """SWOT items, one row each, in the order strengths, weaknesses, opportunities, threats.

    Returns:
        Columns ``quadrant`` (code), ``label_de``, ``label_en``, ``internal`` (True for
        strengths/weaknesses), ``item`` (text as given in the config).
    """
    rows = [
        {
            "quadrant": q,
            "label_de": label_pair(f"swot.{q}")[0],
            "label_en": label_pair(f"swot.{q}")[1],
            "internal": q in ("strengths", "weaknesses"),
            "item": item,
        }
        for q in SWOT_QUADRANTS
        for item in market.swot.get(q, [])  # type: ignore[call-overload]
    ]
    return pd.DataFrame(rows, columns=["quadrant", "label_de", "label_en", "internal", "item"])


def market_table(
    market: Market, revenue_eur_yearly: float | None, year: int | None
) -> pd.DataFrame:
    """Market size, growth, next year's size and the company's market share.

    Args:
        market: market parameters.
        revenue_eur_yearly: the company's revenue of ``year`` (EUR), or None.
        year: the year the revenue belongs to.

    Returns:
        One row: ``year``, ``market_size_eur`` (EUR/year), ``growth_rate_yearly`` (share),
        ``market_size_next_year_eur`` (size × (1 + growth)), ``company_revenue_eur``,
        ``market_share`` (revenue ÷ size, share 0..1; missing if either is unknown).
    """
    size = market.size_eur_yearly
    growth = market.growth_rate_yearly
    revenue = np.nan if revenue_eur_yearly is None else float(revenue_eur_yearly)
    share = revenue / size if size and not np.isnan(revenue) else np.nan
    return pd.DataFrame(
        [
            {
                "year": year,
                "market_size_eur": np.nan if size is None else float(size),
                "growth_rate_yearly": growth,
                "market_size_next_year_eur": np.nan if size is None else size * (1 + growth),
                "company_revenue_eur": revenue,
                "market_share": share,
            }
        ]
    )
