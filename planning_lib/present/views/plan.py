"""Views of the monthly plan phase 2 writes, shared by phases 2, 4-6 and the consolidation.

The plan is a tidy table (month, line item, channel, value, unit); these functions turn it
into the month × item and month × channel frames the charts draw, and pick the plan's key
figures for the run index.

A transactional plan (``company.business_model: transactional``, recognised by its
``bookings`` line or its ``bookings_total`` figure) shows its bookings, repeat purchases
and deal size; its MRR lines are 0 by construction unless the plan has a recurring share
(``current.mrr_eur``, ``drivers.arpa_monthly_eur``), so :func:`shown_lines` and
:func:`key_figure_names` leave out the MRR rows that are 0 in every month. A subscription
plan is shown unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "KEY_FIGURE_NAMES",
    "MRR_KEY_FIGURES",
    "MRR_LINE_ITEMS",
    "TRANSACTIONAL_KEY_FIGURE_NAMES",
    "channel_wide",
    "is_transactional",
    "key_figure_names",
    "line_wide",
    "plan_key_figures",
    "shown_lines",
    "zero_mrr_items",
]


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

TRANSACTIONAL_KEY_FIGURE_NAMES: tuple[str, ...] = (
    "new_customers",
    "customers_end",
    "bookings_total",
    "bookings_new_total",
    "bookings_repeat_total",
    "repeat_purchases_total",
    "deal_size_avg",
    "mrr_start",
    "mrr_end",
    "arr_end",
    "budget_total",
    "cac_fully_loaded",
    "ltv_to_cac",
    "cash_low_point",
)
"""Key figures of a transactional plan (the MRR ones only with a recurring share)."""

MRR_LINE_ITEMS: tuple[str, ...] = (
    "mrr_start",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churned",
    "mrr_end",
    "mrr_end_churn_constant",
    "arr_end",
)
"""Line items of the MRR bridge (0 in a transactional plan without a recurring share)."""

MRR_KEY_FIGURES: tuple[str, ...] = ("mrr_start", "mrr_end", "arr_end")
"""Key figures of the MRR bridge."""


def is_transactional(plan: pd.DataFrame | Mapping[str, Any]) -> bool:
    """Whether a monthly plan (tidy frame) or a summary is a transactional plan's."""
    if isinstance(plan, pd.DataFrame):
        return bool((plan["line_item"] == "bookings").any())
    return "bookings_total" in plan


def zero_mrr_items(monthly: pd.DataFrame) -> frozenset[str]:
    """The MRR line items of a transactional plan without a recurring share (every MRR
    line 0 in every month); none for a subscription plan or with a recurring share (its
    whole MRR bridge is shown, as for a subscription)."""
    if not is_transactional(monthly):
        return frozenset()
    mrr = monthly[monthly["line_item"].isin(MRR_LINE_ITEMS)]
    if (mrr["value"].astype(float) != 0.0).any():
        return frozenset()
    return frozenset(mrr["line_item"])


def shown_lines(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly plan as a reader sees it: without the MRR rows a transactional plan
    has at 0 by construction (:func:`zero_mrr_items`); a subscription plan unchanged."""
    zero = zero_mrr_items(monthly)
    if not zero:
        return monthly
    return monthly[~monthly["line_item"].isin(zero)]


def key_figure_names(summary: Mapping[str, Any]) -> tuple[str, ...]:
    """The key figures to show for ``summary``, in order: :data:`KEY_FIGURE_NAMES`, or
    for a transactional plan :data:`TRANSACTIONAL_KEY_FIGURE_NAMES` without the MRR ones
    when they are all 0 (no recurring share)."""
    if not is_transactional(summary):
        return KEY_FIGURE_NAMES
    recurring = any(float(summary.get(k, 0.0) or 0.0) != 0.0 for k in MRR_KEY_FIGURES)
    return tuple(k for k in TRANSACTIONAL_KEY_FIGURE_NAMES if recurring or k not in MRR_KEY_FIGURES)


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
    return {k: float(summary[k]) for k in key_figure_names(summary) if k in summary}
