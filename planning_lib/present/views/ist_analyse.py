"""Views of phase 1 (``01_ist_analyse``): the history, the funnel of the last 12 months."""

from __future__ import annotations

import pandas as pd

from planning_lib.analysis.asis import Analysis, figure_periods
from planning_lib.metrics.transactional import new_customer_deals
from planning_lib.metrics.window import (
    PartialMonth,
    WarmUp,
    drop_partial_first_month,
    export_start,
    warm_up,
)

__all__ = [
    "bookings_history",
    "bookings_yearly",
    "funnel_by_channel",
    "funnel_last_12_months",
    "history_yearly",
    "monthly_by",
    "monthly_history",
    "mrr_text_periods",
    "new_customer_history",
]


def mrr_text_periods(analysis: Analysis) -> dict[str, str]:
    """The periods phase 1's MRR sentence names instead of "im letzten Jahr": ``year``
    (the calendar year of the revenue growth, the last complete one up to the as-of
    month: 2025 for an as-of 2025-12, 2024 for an as-of 2025-06), ``prev_year`` (the
    calendar year it is compared with) and ``cagr_years`` (``first..last`` of the CAGR,
    ``–`` without one)."""
    return {
        "year": str(analysis.year),
        "prev_year": str(analysis.year - 1),
        "cagr_years": figure_periods(analysis).get("revenue_cagr") or "–",
    }


def monthly_history(revenue_monthly: pd.DataFrame, column: str) -> pd.Series:
    """The company-level monthly series ``column`` of the revenue history, indexed by month."""
    total = revenue_monthly[revenue_monthly["dimension"] == "total"]
    idx = pd.PeriodIndex(total["period"].astype(str), freq="M").to_timestamp()
    return pd.Series(total[column].to_numpy(dtype=float), index=idx, name=column)


def new_customer_history(
    deals: pd.DataFrame,
    months: pd.DatetimeIndex,
    subscriptions: pd.DataFrame | None = None,
) -> pd.Series:
    """New customers per month of ``months`` (month starts): each customer's first won
    deal (:func:`~planning_lib.metrics.transactional.first_won_deals`: credit notes
    aside; a repeat purchase or an upsell is no new customer), as init's no-change
    baseline counts them; months without one are zero, a first deal outside ``months``
    is not counted; customers ``subscriptions`` show as customers before their first
    won deal are not new there (:func:`~planning_lib.metrics.transactional.new_customer_deals`)."""
    first = new_customer_deals(deals, subscriptions)
    month = pd.to_datetime(first["close_date"]).dt.to_period("M").dt.to_timestamp()
    counts = month.value_counts().reindex(months, fill_value=0)
    return pd.Series(counts.to_numpy(dtype=float), index=months, name="new_customers")


def without_export_start(
    history: pd.Series, whole: pd.DataFrame
) -> tuple[pd.Series, PartialMonth | None, WarmUp | None]:
    """New customers per month (:func:`new_customer_history`) without the months init's
    no-change baseline leaves out (:func:`planning_lib.analysis.forecast.baseline.
    monthly_new_customers`): a first month partial in the deals export ``whole`` and the
    export's warm-up, each returned to be named (None when nothing is left out), so that
    phase 1's no-change forecast rests on the plan's months."""
    per = history.copy()
    per.index = pd.DatetimeIndex(history.index).to_period("M")
    # init's series begins with the first month holding a new customer
    filled = per[per.ne(0)]
    if filled.empty:
        return history, None, None
    per = per[per.index >= filled.index[0]]
    per, part = drop_partial_first_month(per, export_start(whole))
    warm = warm_up(whole, per)
    if warm is not None:
        per = per[per.index > warm.last]
    if part is None and warm is None:
        return history, None, None  # nothing left out (leading empty months stay shown)
    kept = history[history.index >= per.index[0].to_timestamp()] if len(per) else history
    return kept, part, warm


def bookings_history(bookings_monthly: pd.DataFrame, column: str) -> pd.Series:
    """The company-level monthly series ``column`` of the sales view's bookings, by month."""
    total = bookings_monthly[bookings_monthly["dimension"] == "total"]
    idx = pd.PeriodIndex(total["month"].astype(str), freq="M").to_timestamp()
    return pd.Series(total[column].to_numpy(dtype=float), index=idx, name=column)


def bookings_yearly(bookings_monthly: pd.DataFrame) -> pd.DataFrame:
    """Won deals and bookings per calendar year and region (``all`` for the total).

    The member column is named ``region`` (its values are regions), so a reader sees the
    total as "Alle Regionen" rather than a channel total.
    """
    b = bookings_monthly[bookings_monthly["dimension"].isin(["total", "region"])]
    b = b.assign(year=b["month"].astype(str).str[:4])
    out = b.groupby(["year", "dimension", "member"], sort=True)[["won_deals", "bookings_eur"]]
    return out.sum().reset_index().drop(columns="dimension").rename(columns={"member": "region"})


def monthly_by(revenue_monthly: pd.DataFrame, dimension: str, column: str) -> pd.DataFrame:
    """Month × member of one dimension (``segment``, ``channel``, ``product``) for ``column``."""
    sel = revenue_monthly[revenue_monthly["dimension"] == dimension]
    wide = sel.pivot_table(index="period", columns="member", values=column, aggfunc="sum")
    wide.index = pd.PeriodIndex(wide.index.astype(str), freq="M").to_timestamp()
    wide.columns.name = None
    return wide.rename_axis("month")


def history_yearly(revenue_yearly: pd.DataFrame) -> pd.DataFrame:
    """Yearly revenue, MRR, customers and bookings of the company (complete years only)."""
    t = revenue_yearly[(revenue_yearly["dimension"] == "total") & revenue_yearly["complete"]]
    cols = [
        "period",
        "revenue_eur",
        "revenue_yoy",
        "mrr_end_eur",
        "customers_end",
        "won_deals",
        "bookings_eur",
    ]
    return t[[c for c in cols if c in t.columns]].rename(columns={"period": "year"})


def funnel_last_12_months(leads_by_month: pd.DataFrame) -> pd.DataFrame:
    """Leads per funnel stage over the last 12 months of history, per channel and in total."""
    months = sorted(leads_by_month["month"].astype(str).unique())[-12:]
    recent = leads_by_month[leads_by_month["month"].astype(str).isin(months)]
    stages = [c for c in ("leads", "mql", "sql", "demo", "won") if c in recent.columns]
    by_channel = recent.groupby("channel", observed=True)[stages].sum()
    by_channel.loc["all"] = by_channel.sum()
    return by_channel.reset_index()


def funnel_by_channel(funnel: pd.DataFrame) -> pd.DataFrame:
    """Channel × stage counts of :func:`funnel_last_12_months`, without the ``all`` row
    (channels enter the funnel at different stages: their sum is no funnel)."""
    stages = [c for c in ("leads", "mql", "sql", "demo", "won") if c in funnel.columns]
    per = funnel[funnel["channel"] != "all"].set_index("channel")[stages]
    per.index.name = None
    return per
