"""Customer-base measures of the KPI catalogue: MRR, churn, NRR, CLV, LTV:CAC.

Read from ``subscriptions`` (one row per customer and product contract). A
subscription is *active* on day d when start_date <= d <= end_date (or no end); it
*runs past* a period when its end_date is after the period's last day. Monthly
rates pool over the months of a period (sum of numerators over sum of denominators).
Same signature and output as :mod:`planning_lib.kpi_measures`.

Units: money in EUR, counts as counts, churn as a share per month (0..1).
"""

from __future__ import annotations

import pandas as pd

from planning_lib.kpi_measures import (
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
    "clv",
    "level_at_end",
    "logo_churn",
    "ltv_cac",
    "net_revenue_retention",
    "revenue_churn",
    "subscription_months",
]


def subscription_months(t: Tables, ctx: KpiContext, dim: str | None) -> pd.DataFrame:
    """Per month and member: customers and MRR at month start, and what churned in it.

    Columns: month, member, customers_start (count), mrr_start_eur, customers_lost
    (count; a customer is lost when its last subscription ends in the month),
    mrr_lost_eur (MRR of subscriptions ending in the month), mrr_end_eur (MRR on the
    month's last day of the customers active at its start).
    """
    subs = t["subscriptions"]
    key = (int(pd.util.hash_pandas_object(subs, index=False).sum()), ctx.start, ctx.as_of, dim)
    if key not in _SUB_CACHE:
        if len(_SUB_CACHE) > 32:
            _SUB_CACHE.clear()
        _SUB_CACHE[key] = _subscription_months(subs, ctx, dim)
    return _SUB_CACHE[key].copy()


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


def _subscription_months(subs: pd.DataFrame, ctx: KpiContext, dim: str | None) -> pd.DataFrame:
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"])
    df = pd.DataFrame(
        {
            "member": _member(subs, dim),
            "cust": subs["customer_id"].astype(str),
            "mrr": pd.to_numeric(subs["mrr_eur"], errors="coerce").fillna(0.0),
        }
    )
    frames = []
    for m in periods(ctx, "month"):
        m_end = period_end(m, "month", ctx.as_of)
        active = (start <= m) & (end.isna() | (end >= m))
        cont = (start <= m_end) & (end.isna() | (end > m_end))
        keys = ["member", "cust"]
        at_start = df.loc[active, keys].drop_duplicates()
        going_on = df.loc[cont, keys].drop_duplicates().assign(kept=True)
        status = at_start.merge(going_on, on=keys, how="left")
        status["lost"] = status["kept"].isna().astype(float)
        kept_rows = df[cont].merge(at_start, on=keys, how="inner")
        g = pd.DataFrame(
            {
                "customers_start": status.groupby("member")["cust"].size().astype(float),
                "mrr_start_eur": df[active].groupby("member")["mrr"].sum(),
                "customers_lost": status.groupby("member")["lost"].sum(),
                "mrr_lost_eur": df[active & ~cont].groupby("member")["mrr"].sum(),
                "mrr_end_eur": kept_rows.groupby("member")["mrr"].sum(),
            }
        ).fillna(0.0)
        g = g[g["customers_start"] > 0]
        frames.append(g.rename_axis("member").reset_index().assign(month=m))
    if not frames:
        return pd.DataFrame(columns=_SUB_COLUMNS)
    return pd.concat(frames, ignore_index=True)[_SUB_COLUMNS]


def level_at_end(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, what: str
) -> pd.DataFrame:
    """MRR (``what='mrr'``, EUR) or customers (``'customers'``, count) at period end.

    Counted are the subscriptions running past the period's last day (they are billed
    in the next period), so a subscription ending on that day is no longer counted.
    """
    subs = t["subscriptions"]
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"])
    mrr = pd.to_numeric(subs["mrr_eur"], errors="coerce").fillna(0.0)
    cust = subs["customer_id"].astype(str)
    member = _member(subs, dim)
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
    sm = subscription_months(t, ctx, dim)
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
    """MRR at period end of the customers active at period start ÷ their MRR then (share)."""
    subs = t["subscriptions"]
    start = pd.to_datetime(subs["start_date"])
    end = pd.to_datetime(subs["end_date"])
    mrr = pd.to_numeric(subs["mrr_eur"], errors="coerce").fillna(0.0)
    cust = subs["customer_id"].astype(str)
    member = _member(subs, dim)
    rows = []
    for p in periods(ctx, grain):
        p_end = period_end(p, grain, ctx.as_of)
        active = (start <= p) & (end.isna() | (end >= p))
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
    """ARPA × gross margin ÷ monthly logo churn (EUR/customer).

    ARPA is MRR ÷ customers at month start, pooled over the period's months.
    """
    sm = subscription_months(t, ctx, dim)
    sm["period"] = period_start(sm["month"], grain)
    g = sm.groupby(["period", "member"])[
        ["customers_start", "mrr_start_eur", "customers_lost"]
    ].sum()
    g = g[(g["customers_start"] > 0) & (g["customers_lost"] > 0)]
    arpa = g["mrr_start_eur"] / g["customers_start"]
    churn = g["customers_lost"] / g["customers_start"]
    out = pd.DataFrame({"value": arpa * ctx.gross_margin / churn, "base": g["customers_start"]})
    return out.reset_index()[OUT_COLUMNS]


def ltv_cac(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """CLV ÷ fully loaded CAC (ratio)."""
    a = clv(t, ctx, grain, dim).rename(columns={"value": "x"})
    b = cac(t, ctx, grain, dim, None).rename(columns={"value": "x"})
    return _ratio(a[["period", "member", "x"]], b[["period", "member", "x"]])
