"""Views of phase 6 (``06_budget``): cost per category against the budget, profitability."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.present.views.plan import line_wide

__all__ = ["budget_by_category", "budget_monthly", "profitability"]


def budget_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """Cost per category and month (EUR), one column per category (the category totals)."""
    cats = [
        "cost_personnel",
        "cost_marketing",
        "cost_tools",
        "cost_training_travel",
        "cost_commissions",
        "cost_other",
    ]
    # the category totals (channel ''); per-channel rows are parts of them
    sel = monthly[monthly["line_item"].isin(cats) & (monthly["channel"].fillna("") == "")]
    wide = sel.pivot_table(index="month", columns="line_item", values="value", aggfunc="sum")
    wide = wide.reindex(columns=[c for c in cats if c in wide.columns]).fillna(0.0)
    wide.columns = [f"{c.removeprefix('cost_')}_eur" for c in wide.columns]
    wide.index = pd.to_datetime(wide.index)
    return wide


def budget_by_category(summary: Mapping[str, Any], costs: pd.DataFrame) -> pd.DataFrame:
    """Budget vs planned cost per category over the plan (EUR) and the cost's share.

    ``variance_eur`` is the plan's ``budget_variance_by_category``: planned cost − budget
    over the plan's months (positive = over budget), the one definition of the summary.
    ``budget_eur`` is the budget for those months (the yearly budget × months ÷ 12).

    Args:
        summary: the plan's summary (``budget_by_category`` yearly EUR and, when
            present, ``budget_variance_by_category``).
        costs: month × ``<category>_eur`` from :func:`budget_monthly`.
    """
    budget_yearly = dict(summary.get("budget_by_category", {}))
    stated = dict(summary.get("budget_variance_by_category", {}))
    planned = {c.removesuffix("_eur"): float(costs[c].sum()) for c in costs.columns}
    cats = list(dict.fromkeys([*budget_yearly, *planned]))
    months = len(costs)
    variance = {
        c: float(stated[c])
        if c in stated
        else planned.get(c, 0.0) - float(budget_yearly.get(c, 0.0)) * months / 12.0
        for c in cats
    }
    total = sum(planned.values()) or np.nan
    return pd.DataFrame(
        {
            "category": cats,
            "budget_eur": [planned.get(c, 0.0) - variance[c] for c in cats],
            "planned_cost_eur": [planned.get(c, 0.0) for c in cats],
            "cost_share": [planned.get(c, 0.0) / total for c in cats],
            "variance_eur": [variance[c] for c in cats],
        }
    )


def profitability(monthly: pd.DataFrame) -> pd.DataFrame:
    """Monthly revenue, gross profit, sales cost, contribution margin and cash (EUR)."""
    items = [
        "revenue",
        "gross_profit",
        "cost_total",
        "contribution_margin",
        "cash_in",
        "cash_out",
        "cash_balance",
    ]
    wide = line_wide(monthly, items)
    wide.columns = [f"{c}_eur" for c in wide.columns]
    wide.index = wide.index.strftime("%Y-%m")
    return wide.rename_axis("month").reset_index()
