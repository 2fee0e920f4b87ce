"""Views of phase 4 (``04_kanaele``): the reverse funnel per channel and the lead shortfall."""

from __future__ import annotations

import pandas as pd

__all__ = ["channel_plan", "lead_shortfall"]


def channel_plan(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per channel over the plan: planned and required leads/MQL/SQL/demos/won, marketing cost.

    ``cost_per_won_eur`` is the channel's marketing cost ÷ its planned new customers.
    """
    items = {
        "leads_entry": "leads_planned",
        "required_entry": "leads_required",
        "mql": "mql_planned",
        "required_mql": "mql_required",
        "sql": "sql_planned",
        "required_sql": "sql_required",
        "demos": "demos_planned",
        "required_demos": "demos_required",
        "customers_new": "new_customers",
        "cost_marketing": "marketing_cost_eur",
    }
    sel = monthly[monthly["line_item"].isin(items) & (monthly["channel"].fillna("") != "")]
    wide = sel.pivot_table(index="channel", columns="line_item", values="value", aggfunc="sum")
    wide = wide.rename(columns=items).reindex(columns=list(items.values()))
    wide["lead_coverage_share"] = wide["leads_planned"] / wide["leads_required"]
    wide["cost_per_won_eur"] = wide["marketing_cost_eur"] / wide["new_customers"]
    return wide.reset_index()


def lead_shortfall(channels: pd.DataFrame) -> tuple[list[str], float]:
    """Channels whose planned leads fall short of the required ones, and the leads missing."""
    short = channels[channels["lead_coverage_share"] < 1]
    return list(short["channel"]), float((short["leads_required"] - short["leads_planned"]).sum())
