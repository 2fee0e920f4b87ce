"""Views of the monthly plan phase 2 writes, shared by phases 2, 4-6 and the consolidation.

The plan is a tidy table (month, line item, channel, value, unit); these functions turn it
into the month × item and month × channel frames the charts draw, and pick the plan's key
figures for the run index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["KEY_FIGURE_NAMES", "channel_wide", "line_wide", "plan_key_figures"]


KEY_FIGURE_NAMES: tuple[str, ...] = (
    "new_customers",
    "customers_end",
    "mrr_start",
    "mrr_end",
    "arr_end",
    "budget_total",
    "cac_fully_loaded",
    "ltv_to_cac",
    "cash_low_point",
)


def line_wide(monthly: pd.DataFrame, items: Sequence[str], channel: str = "") -> pd.DataFrame:
    """Month × line item (one column per item, in ``items`` order) for one channel."""
    sel = monthly[monthly["line_item"].isin(items) & (monthly["channel"].fillna("") == channel)]
    wide = sel.pivot_table(index="month", columns="line_item", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    return wide.reindex(columns=[i for i in items if i in wide.columns])


def channel_wide(monthly: pd.DataFrame, item: str) -> pd.DataFrame:
    """Month × channel of one line item (channels with a name only)."""
    sel = monthly[(monthly["line_item"] == item) & (monthly["channel"].fillna("") != "")]
    wide = sel.pivot_table(index="month", columns="channel", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    wide.columns.name = None
    return wide.rename_axis("month")


def plan_key_figures(summary: Mapping[str, Any]) -> dict[str, float]:
    """The plan's key figures for the run index (those present in ``summary``)."""
    return {k: float(summary[k]) for k in KEY_FIGURE_NAMES if k in summary}
