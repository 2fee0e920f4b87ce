"""Customer-base measures of the KPI catalogue: MRR, churn, NRR, CLV, LTV:CAC.

Read from ``subscriptions`` (one row per customer and product contract). One state
rule for phase 1 and phase 7 (month-end state): a subscription counts at the end of a
day d when start_date <= d < end_date (or no end), i.e. it *runs past* d; the state at
a month's start is the state at the end of the month before. Churn, ARPA and CLV come
from the MRR bridge of :mod:`planning_lib.metrics.customers` (one computation for both
phases). Monthly rates pool over the months of a period (sum of numerators over sum
of denominators).
Same signature and output as :mod:`planning_lib.metrics.measures`.

Units: money in EUR, counts as counts, churn as a share per month (0..1).
"""

from __future__ import annotations

import pandas as pd

from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.customers import member_bridge
from planning_lib.metrics.measures import (
    OUT_COLUMNS,
    KpiContext,
    Tables,
    _member,
    _ratio,
    cac,
    period_end,
    period_start,
    periods,
)

__all__ = [
    "churn_months",
    "clv",
    "level_at_end",
    "logo_churn",
    "ltv_cac",
    "net_revenue_retention",
    "revenue_churn",
]


def churn_months(t: Tables, ctx: KpiContext, dim: str | None) -> pd.DataFrame:
    """Per month and member: customers and MRR at month start, and what churned in it.

    Read from the MRR bridge of the as-is analysis
    (:func:`planning_lib.metrics.customers.member_bridge`, month-end state), so churn here
    and in phase 1 is one number.

    Columns: month (Timestamp of its first day), member, customers_start (count: active
    at the end of the month before), mrr_start_eur, customers_lost (count; a customer is
    lost in the month its last subscription ends), mrr_lost_eur (churned MRR plus
    contraction of the customers kept), mrr_end_eur (MRR at month end of the customers
    active at its start).
    """
    b = _bridge(t, ctx, dim)
    b = b[b["customers_start"] > 0].drop(columns="mrr_end_eur")
    b = b.rename(columns={"churned_customers": "customers_lost", "kept_mrr_end_eur": "mrr_end_eur"})
    return b[_SUB_COLUMNS].reset_index(drop=True)


_SUB_CACHE: dict[tuple, pd.DataFrame] = {}
_SUB_COLUMNS = [
    "month",
    "member",
    "customers_start",
    "mrr_start_eur",
    "customers_lost",
    "mrr_lost_eur",
    "mrr_end_eur",
]


def _bridge(t: Tables, ctx: KpiContext, dim: str | None) -> pd.DataFrame:
    """:func:`member_bridge` over the months of ``ctx`` (cached), ``month`` as Timestamp.

    Adds ``mrr_lost_eur`` (churned + contraction) and ``kept_mrr_end_eur`` (mrr_start −
    lost + expansion).
    """
    subs = t["subscriptions"]
    key = (int(pd.util.hash_pandas_object(subs, index=False).sum()), ctx.start, ctx.as_of, dim)
    if key not in _SUB_CACHE:
        if len(_SUB_CACHE) > 32:
            _SUB_CACHE.clear()
        months = periods(ctx, "month")
        if not months:
            return pd.DataFrame(columns=["month", "member", "customers_start", "customers_end"])
        b = member_bridge(
            subs,
            pd.Period(months[0], freq="M"),
            pd.Period(months[-1], freq="M"),
            _member(subs, dim) if dim is not None else None,
        )
        b["month"] = pd.PeriodIndex(b["month"], freq="M").to_timestamp()
        b["mrr_lost_eur"] = b["churned_mrr_eur"] + b["contraction_mrr_eur"]
        b["kept_mrr_end_eur"] = b["mrr_start_eur"] - b["mrr_lost_eur"] + b["expansion_mrr_eur"]
        for col in ("customers_start", "churned_customers", "customers_end"):
            b[col] = b[col].astype(float)
        _SUB_CACHE[key] = b
    return _SUB_CACHE[key].copy()


def _subscription_columns(
    subs: pd.DataFrame, dim: str | None
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series, pd.Series]:
    """Start and end dates, MRR (missing as 0), customer id and member of each subscription."""
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"])
    mrr = pd.to_numeric(subs["mrr_eur"], errors="coerce").fillna(0.0)
    return start, end, mrr, subs["customer_id"].astype(str), _member(subs, dim)


def level_at_end(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, what: str
) -> pd.DataFrame:
    """MRR (``what='mrr'``, EUR) or customers (``'customers'``, count) at period end.

    Counted are the subscriptions running past the period's last day (they are billed
    in the next period), so a subscription ending on that day is no longer counted.
    """
    start, end, mrr, cust, member = _subscription_columns(t["subscriptions"], dim)
    rows = []
    for p in periods(ctx, grain):
        p_end = period_end(p, grain, ctx.as_of)
        on = (start <= p_end) & (end.isna() | (end > p_end))
        vals = (
            mrr[on].groupby(member[on]).sum()
            if what == "mrr"
            else (cust[on].groupby(member[on]).nunique())
        )
        for m, v in vals.items():
            rows.append({"period": p, "member": m, "value": float(v), "base": float(v)})
    return pd.DataFrame(rows, columns=OUT_COLUMNS)


def _sub_ratio(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, num_col: str, den_col: str
) -> pd.DataFrame:
    sm = churn_months(t, ctx, dim)
    sm["period"] = period_start(sm["month"], grain)
    num = sm.groupby(["period", "member"])[num_col].sum().rename("x").reset_index()
    den = sm.groupby(["period", "member"])[den_col].sum().rename("x").reset_index()
    return _ratio(num, den)


def logo_churn(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Customers lost ÷ customers at month start, pooled over the period (share/month)."""
    return _sub_ratio(t, ctx, grain, dim, "customers_lost", "customers_start")


def revenue_churn(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """MRR of ended subscriptions ÷ MRR at month start, pooled (share/month)."""
    return _sub_ratio(t, ctx, grain, dim, "mrr_lost_eur", "mrr_start_eur")


def net_revenue_retention(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """MRR at period end of the customers active at period start ÷ their MRR then (share).

    Active at period start = running on the day before it (month-end state, as in
    :func:`churn_months`).
    """
    start, end, mrr, cust, member = _subscription_columns(t["subscriptions"], dim)
    rows = []
    for p in periods(ctx, grain):
        p_end = period_end(p, grain, ctx.as_of)
        before = p - pd.Timedelta(days=1)  # period start = end of the day before
        active = (start <= before) & (end.isna() | (end > before))
        later = (start <= p_end) & (end.isna() | (end > p_end)) & cust.isin(set(cust[active]))
        base = mrr[active].groupby(member[active]).sum()
        kept = mrr[later].groupby(member[later]).sum()
        for m, b in base.items():
            if b > 0:
                rows.append(
                    {"period": p, "member": m, "value": kept.get(m, 0.0) / b, "base": float(b)}
                )
    return pd.DataFrame(rows, columns=OUT_COLUMNS)


def clv(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """ARPA × gross margin ÷ monthly logo churn (EUR/customer), per period.

    :func:`planning_lib.metrics.clv.clv_from_bridge` over the period's months: ARPA =
    MRR ÷ customers at the end of the period's last month (month-end state), churn
    pooled over its months; periods without churn have no value.
    """
    b = _bridge(t, ctx, dim)
    b["period"] = period_start(b["month"], grain)
    frames = []
    for p, g in b.groupby("period"):
        months = g["month"].nunique()
        res = clv_from_bridge(g.drop(columns="period"), ctx.gross_margin, months, "member")
        base = g.groupby("member")["customers_start"].sum()
        res = res.assign(period=p, value=res["clv_eur"], base=res["member"].map(base))
        frames.append(res[res["value"].notna()])
    if not frames:
        return pd.DataFrame(columns=OUT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[OUT_COLUMNS]


def ltv_cac(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """CLV ÷ fully loaded CAC (ratio)."""
    a = clv(t, ctx, grain, dim).rename(columns={"value": "x"})
    b = cac(t, ctx, grain, dim, None).rename(columns={"value": "x"})
    return _ratio(a[["period", "member", "x"]], b[["period", "member", "x"]])
