"""The sales view of the deals alone: bookings, win rate, deal size, cycle, pipeline, reps.

A company that brings only its CRM's deals (no subscriptions, leads or costs) still
learns from them what phase 1 can say about selling. :func:`sales_tables` builds the
tables from the same functions as the full analysis: bookings and won deals per month
from :func:`planning_lib.analysis.revenue.bookings_by_month` (won amount by close month,
credit notes included), win rate, deal size and sales cycle from
:func:`planning_lib.analysis.funnel.deal_metrics` (deals closed in the last 12 months),
the open pipeline weighted by the stage win probabilities of
:mod:`planning_lib.metrics.deals`.

:data:`PARTS` names the parts of the full analysis and the tables each needs beyond the
deals; :func:`skipped_parts` says which of them a set of tables cannot give.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.analysis.funnel import ALL, deal_metrics
from planning_lib.analysis.revenue import bookings_by_month, history_months
from planning_lib.metrics.deals import stage_win_probabilities, weighted_pipeline
from planning_lib.metrics.transactional import purchase_basis

__all__ = [
    "PARTS",
    "SALES_DIMENSIONS",
    "purchase_figures",
    "sales_figures",
    "sales_tables",
    "skipped_parts",
]

PARTS: dict[str, tuple[str, ...]] = {
    "customer_base": ("subscriptions",),
    "lead_funnel": ("leads",),
    "cac": ("subscriptions", "costs"),
    "segmentation": ("subscriptions", "costs"),
    "market_share": ("subscriptions",),
}
"""Part of the full analysis → the tables it needs besides ``deals``: the customer base
(revenue and MRR history, MRR bridge, new customers, cohorts, churn, CLV), the lead
funnel (leads per month, cohort conversion, stage lags), CAC per channel, segmentation
(ABC, segments, persona links) and the market share (revenue ÷ market size)."""

SALES_DIMENSIONS: tuple[str, ...] = ("region", "product", "owner")
"""Dimensions of the bookings and deal-metrics tables of the sales view."""


def skipped_parts(tables: set[str] | list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The parts of :data:`PARTS` the given tables cannot give: (part, missing tables)."""
    present = set(tables)
    out = []
    for part, needs in PARTS.items():
        missing = tuple(t for t in needs if t not in present)
        if missing:
            out.append((part, missing))
    return out


def _bookings_monthly(deals: pd.DataFrame, months: pd.PeriodIndex, dims: list[str]) -> pd.DataFrame:
    parts = []
    for dim in [None, *dims]:
        b = bookings_by_month(deals, months, dim)
        b = b.rename(columns={dim: "member"}) if dim else b.assign(member=ALL)
        b.insert(1, "dimension", dim or "total")
        b.insert(2, "member", b.pop("member"))
        parts.append(b)
    out = pd.concat(parts, ignore_index=True)
    out["month"] = out["month"].astype(str)
    return out


def sales_tables(deals: pd.DataFrame, as_of: pd.Period, start: pd.Period | None) -> dict:
    """The tables of the sales view, by name (the CSV file stems of ``planning analyse``).

    Args:
        deals: canonical ``deals`` table.
        as_of: last month of history.
        start: first month of history (default: the first close month of a won deal).

    Returns:
        ``bookings_monthly`` (``month``, ``dimension`` ``total``/region/product/owner,
        ``member``, ``won_deals``, ``bookings_eur``, ``new_mrr_eur``);
        ``deal_metrics_<dim>`` for each of :data:`SALES_DIMENSIONS` (see
        :func:`deal_metrics`, last 12 months); ``sales_reps`` (per owner: the deal
        metrics plus ``bookings_eur`` of the last 12 months); ``open_pipeline`` (see
        :func:`planning_lib.metrics.deals.weighted_pipeline`; an open deal without amount
        counts with the loader's estimate from comparable won deals, ``estimated_deals``).
    """
    dims = [d for d in SALES_DIMENSIONS if d in deals.columns]
    won = deals[deals["stage"] == "won"]
    closes = pd.to_datetime(won["close_date"], errors="coerce").dropna()
    first = (
        start
        if start is not None
        else (pd.Period(closes.min(), freq="M") if len(closes) else as_of)
    )
    months = history_months(min(first, as_of), as_of)
    last12 = as_of - 11
    t: dict[str, pd.DataFrame] = {"bookings_monthly": _bookings_monthly(deals, months, dims)}
    for dim in dims:
        t[f"deal_metrics_{dim}"] = deal_metrics(deals, (dim,), last12, as_of)
    if "owner" in dims:
        recent = history_months(last12, as_of)
        booked = bookings_by_month(deals, recent, "owner").groupby("owner")["bookings_eur"].sum()
        reps = deal_metrics(deals, ("owner",), last12, as_of, with_total=False)
        reps.insert(3, "bookings_eur", reps["owner"].map(booked).fillna(0.0))
        t["sales_reps"] = reps
    by = tuple(c for c in ("channel", "segment") if c in deals.columns)
    closed = deals[deals["stage"].isin(["won", "lost"])]
    created = pd.to_datetime(deals["created_date"], errors="coerce")
    current = deals[created <= as_of.end_time]
    probs = (
        stage_win_probabilities(deals, None, by)
        if len(closed)
        else pd.DataFrame(columns=[*by, "stage", "win_probability"])
    )
    t["open_pipeline"] = weighted_pipeline(current, probs, by)
    return t


def purchase_figures(deals: pd.DataFrame, as_of: pd.Period) -> dict[str, float]:
    """New customers and repeat purchases of the 12 months up to ``as_of``, measured as
    ``planning init`` measures them (one function:
    :func:`planning_lib.metrics.transactional.purchase_basis`), so phase 1 and the plan
    YAML show one value for one history.

    Returns:
        ``new_customers`` and ``repeat_purchases`` of the window;
        ``new_customer_deal_size_eur`` = first month's bookings ÷ new customers over
        ``deal_size_customers`` new customers of the last ``deal_size_months`` months
        (the window, reaching back to at least
        :data:`planning_lib.metrics.transactional.DEAL_SIZE_MIN_COUNT` customers);
        ``repeat_purchase_rate`` = repeat purchases ÷ ``repeat_base_customer_months``
        (month-start base summed over the window; the active base of the last
        ``repeat_base_active_months`` months, 0 = every customer; NaN without a base);
        ``repeat_deal_size_eur`` over ``repeat_deal_size_purchases`` repeat purchases
        of the last ``repeat_deal_size_months`` months (NaN without any).
    """
    pb = purchase_basis(deals, as_of)
    rb = pb.repeat

    def months(frame: pd.DataFrame) -> float:
        return float((as_of - frame["month"].min()).n + 1) if len(frame) else 0.0

    return {
        "new_customers": float(pb.new_customers),
        "new_customer_deal_size_eur": pb.deal_size_eur,
        "deal_size_customers": float(pb.sized_customers),
        "deal_size_months": months(pb.sized),
        "repeat_purchases": float(rb.repeats),
        "repeat_purchase_rate": rb.rate if rb.base else np.nan,
        "repeat_base_customer_months": float(rb.base),
        "repeat_base_active_months": float(rb.active_months),
        "repeat_deal_size_eur": pb.repeat_deal_size_eur,
        "repeat_deal_size_purchases": float(pb.sized_repeat_purchases),
        "repeat_deal_size_months": months(pb.sized_repeats),
    }


def sales_figures(tables: dict[str, pd.DataFrame], year: int, as_of: pd.Period) -> dict[str, float]:
    """Headline figures of the sales view, each on a stated basis (never a mix):

    * calendar year ``year``: ``bookings_eur`` and ``won_deals``;
    * the 12 months up to ``as_of`` (the basis of ``planning init``):
      ``bookings_eur_12m``, ``won_deals_12m``, ``win_rate``, ``avg_deal_size_eur`` (the
      mean of all won deals, repeat purchases included) and ``cycle_median_days``;
    * the end of ``as_of``: the open pipeline (EUR, counts; ``open_deals_estimated``:
      open deals whose amount was estimated from comparable won deals).

    :func:`planning_lib.analysis.asis.figure_periods` names each figure's period.
    """
    b = tables["bookings_monthly"]
    b = b[b["dimension"] == "total"]
    total = b[b["month"].str.startswith(str(year))]
    window = {str(m) for m in pd.period_range(as_of - 11, as_of, freq="M")}
    recent = b[b["month"].isin(window)]
    dim = next((d for d in (*SALES_DIMENSIONS, "channel") if f"deal_metrics_{d}" in tables), None)
    dm = tables[f"deal_metrics_{dim}"] if dim else pd.DataFrame()
    total_rows = dm[dm[dim] == ALL] if dim else dm
    row = total_rows.iloc[0] if len(total_rows) else None
    pipe = tables["open_pipeline"]

    def get(col: str) -> float:
        return float(row[col]) if row is not None and pd.notna(row[col]) else np.nan

    return {
        "bookings_eur": float(total["bookings_eur"].sum()),
        "won_deals": float(total["won_deals"].sum()),
        "bookings_eur_12m": float(recent["bookings_eur"].sum()),
        "won_deals_12m": float(recent["won_deals"].sum()),
        "win_rate": get("win_rate"),
        "avg_deal_size_eur": get("avg_deal_size_eur"),
        "cycle_median_days": get("cycle_median_days"),
        "open_deals": float(pipe["open_deals"].sum()),
        "open_pipeline_eur": float(pipe["amount_eur"].sum()),
        "open_pipeline_weighted_eur": float(pipe["weighted_eur"].sum()),
        "open_deals_estimated": float(pipe["estimated_deals"].sum()),
    }
