"""The measures behind the KPI catalogue: canonical tables in, one value per period out.

Every measure has the signature ``measure(tables, ctx, grain, dim) -> DataFrame`` and
returns the columns ``period`` (Timestamp of the period start), ``member`` (the value
of dimension ``dim``; ``""`` for the total), ``value`` and ``base`` (the count the
value rests on: cohort size, deals closed, customers at risk, ...).

Periods: ``week`` (Monday), ``month``, ``quarter`` and ``ytd`` (1 January up to
``ctx.as_of``). Ratios over a longer period are pooled (sum of numerators over sum
of denominators), never averages of monthly ratios.

The customer-base measures (MRR, churn, NRR, CLV) are in :mod:`planning_lib.metrics.retention`.

Units: money in EUR, durations in days, rates as shares 0..1.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning_lib.metrics.acquisition import cac as cac_formula
from planning_lib.metrics.acquisition import (
    cac_fully_loaded,
    first_subscriptions,
)
from planning_lib.metrics.deals import stage_cohort, won_deals
from planning_lib.metrics.transactional import first_month_won_deals

__all__ = [
    "GRAINS",
    "OUT_COLUMNS",
    "KpiContext",
    "Tables",
    "avg_deal_size",
    "cac",
    "cohort_conversion",
    "cost_sum",
    "deals_won",
    "leads_created",
    "new_customer_mrr",
    "new_customer_tables",
    "new_customers",
    "partner_activation",
    "period_end",
    "period_start",
    "periods",
    "quota_attainment",
    "sales_cycle",
    "stage_count",
    "win_rate",
    "won_sum",
]

Tables = Mapping[str, pd.DataFrame]
GRAINS: tuple[str, ...] = ("week", "month", "quarter", "ytd")
OUT_COLUMNS = ["period", "member", "value", "base"]


@dataclass(frozen=True)
class KpiContext:
    """What a measure needs besides the tables.

    Attributes:
        as_of: last day the actuals cover (inclusive).
        start: first day measured (inclusive); periods start on or after it.
        gross_margin: gross margin on subscription revenue (share 0..1) for the CLV.
        quota_yearly_eur: new first-year revenue quota per role (EUR/year) for quota
            attainment; roles without quota are left out.
        maturity_days: days after a cohort period's end until its conversion counts
            as complete, per conversion KPI code (the stage lag plus slack).
        target_eur: the plan's new first-year value per month (EUR; month start →
            value) for the total (``""``) and per channel, the target pipeline coverage
            relates to; empty: no coverage values.
        ramp_months: ramp-up months per role: quota attainment ramps a rep's quota
            like the plan ramps productivity (``planning_lib.plan.organisation``); a role
            missing here carries its full quota from the hire date.
    """

    as_of: dt.date
    start: dt.date
    gross_margin: float = 0.8
    quota_yearly_eur: Mapping[str, float] = field(default_factory=dict)
    maturity_days: Mapping[str, int] = field(
        default_factory=lambda: {"mql_to_sql": 30, "sql_to_demo": 60, "demo_to_won": 60}
    )
    target_eur: Mapping[str, Mapping[pd.Timestamp, float]] = field(default_factory=dict)
    ramp_months: Mapping[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- periods


def period_start(dates: pd.Series, grain: str) -> pd.Series:
    """First day of the ``grain`` period each date falls in (NaT stays NaT)."""
    d = pd.to_datetime(dates).dt.normalize()
    if grain == "week":
        return d - pd.to_timedelta(d.dt.day_of_week, unit="D")
    if grain == "month":
        return d.dt.to_period("M").dt.start_time
    if grain == "quarter":
        return d.dt.to_period("Q").dt.start_time
    if grain == "ytd":
        return d.dt.to_period("Y").dt.start_time
    raise ValueError(f"unknown grain '{grain}' (known: {', '.join(GRAINS)})")


def period_end(start: pd.Timestamp, grain: str, as_of: dt.date) -> pd.Timestamp:
    """Last day (inclusive) of the period starting on ``start``, capped at ``as_of``."""
    offsets = {
        "week": pd.Timedelta(days=6),
        "month": pd.offsets.MonthEnd(0),
        "quarter": pd.offsets.QuarterEnd(0),
        "ytd": pd.offsets.YearEnd(0),
    }
    return min(pd.Timestamp(start) + offsets[grain], pd.Timestamp(as_of))


def periods(ctx: KpiContext, grain: str) -> list[pd.Timestamp]:
    """Start dates of every ``grain`` period touching ``ctx.start`` .. ``ctx.as_of``.

    The first week may begin before ``ctx.start``; only days from ``ctx.start`` count.
    """
    first = period_start(pd.Series([pd.Timestamp(ctx.start)]), grain).iloc[0]
    last = period_start(pd.Series([pd.Timestamp(ctx.as_of)]), grain).iloc[0]
    freq = {"week": "W-MON", "month": "MS", "quarter": "QS", "ytd": "YS"}[grain]
    return list(pd.date_range(first, last, freq=freq))


def _in_window(dates: pd.Series, ctx: KpiContext) -> pd.Series:
    d = pd.to_datetime(dates)
    return (d >= pd.Timestamp(ctx.start)) & (d <= pd.Timestamp(ctx.as_of))


def _member(df: pd.DataFrame, dim: str | None) -> pd.Series:
    if dim is None:
        return pd.Series("", index=df.index, dtype=object)
    if dim not in df.columns:
        raise KeyError(f"column '{dim}' missing")
    return df[dim].fillna("").astype(str)


def _grouped(
    df: pd.DataFrame, date_col: str, ctx: KpiContext, grain: str, dim: str | None, how: str
) -> pd.DataFrame:
    """Count (``how='count'``), distinct customers (``'customers'``) or sum (a column)."""
    rows = df[_in_window(df[date_col], ctx)]
    keyed = pd.DataFrame(
        {"period": period_start(rows[date_col], grain), "member": _member(rows, dim)}
    )
    if how == "count":
        out = keyed.groupby(["period", "member"]).size().rename("x")
    elif how == "customers":
        keyed["c"] = rows["customer_id"].astype(str)
        out = keyed.groupby(["period", "member"])["c"].nunique().rename("x")
    else:
        keyed["v"] = pd.to_numeric(rows[how], errors="coerce").fillna(0.0)
        out = keyed.groupby(["period", "member"])["v"].sum().rename("x")
    return out.reset_index()


def _complete(df: pd.DataFrame, ctx: KpiContext, grain: str, members: list[str]) -> pd.DataFrame:
    """Add the missing (period, member) cells of a count or sum with 0."""
    grid = pd.MultiIndex.from_product(
        [periods(ctx, grain), sorted(set(members)) or [""]], names=["period", "member"]
    )
    return df.set_index(["period", "member"]).reindex(grid, fill_value=0).reset_index()


def _members(df: pd.DataFrame, dim: str | None) -> list[str]:
    return [""] if dim is None else sorted(_member(df, dim).unique().tolist())


def _ratio(
    num: pd.DataFrame, den: pd.DataFrame, divide: Callable = operator.truediv
) -> pd.DataFrame:
    """value = divide(num.x, den.x) per (period, member); base = den.x; empty denominators drop."""
    if den.empty:  # nothing to divide by (no quota, no base): no rows, whatever num holds
        return pd.DataFrame(columns=["period", "member", "value", "base"])
    m = den.merge(num, on=["period", "member"], how="left", suffixes=("_d", "_n"))
    m = m[m["x_d"] > 0]
    return pd.DataFrame(
        {
            "period": m["period"],
            "member": m["member"],
            "value": divide(m["x_n"].fillna(0.0).astype(float), m["x_d"].astype(float)),
            "base": m["x_d"].astype(float),
        }
    )


def _as_out(df: pd.DataFrame) -> pd.DataFrame:
    out = df.rename(columns={"x": "value"})
    if "base" not in out.columns:
        out["base"] = out["value"]
    out["value"] = out["value"].astype(float)
    out["base"] = out["base"].astype(float)
    return out[OUT_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- leads


def leads_created(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Leads that came in (count), by created_date."""
    return stage_count(t, ctx, grain, dim, "created_date")


def stage_count(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, date_col: str
) -> pd.DataFrame:
    """Leads reaching the stage of ``date_col`` (count), by that date."""
    leads = t["leads"]
    g = _grouped(leads, date_col, ctx, grain, dim, "count")
    return _as_out(_complete(g, ctx, grain, _members(leads, dim)))


def cohort_conversion(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, stages: tuple[str, str]
) -> pd.DataFrame:
    """Share of the leads reaching stage A in a period that went on to stage B (0..1).

    The cohort is fixed by the date of stage A; a conversion counts whenever stage B
    was reached up to ``as_of``, so a conversion a month later (the stage lag) is
    credited to the month the lead entered stage A, not to the month it converted
    (:func:`planning_lib.metrics.deals.stage_cohort`, the rule of phase 1 too).
    """
    a, b = stages
    cohort = stage_cohort(t["leads"], f"{a}_date", f"{b}_date", pd.Timestamp(ctx.as_of))
    cohort["converted"] = cohort["converted"].astype(float)
    den = _grouped(cohort, f"{a}_date", ctx, grain, dim, "count")
    num = _grouped(cohort, f"{a}_date", ctx, grain, dim, "converted")
    return _ratio(num, den)


# --------------------------------------------------------------------------- deals


def _won(t: Tables) -> pd.DataFrame:
    return won_deals(t["deals"])


def deals_won(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Deals won (count), by close_date."""
    g = _grouped(_won(t), "close_date", ctx, grain, dim, "count")
    return _as_out(_complete(g, ctx, grain, _members(t["deals"], dim)))


def new_customers(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Customers acquired (count): first subscription starting in the period.

    One definition with the as-is analysis
    (:func:`planning_lib.metrics.acquisition.first_subscriptions`): a customer is new on the
    start date of its first subscription and belongs to that subscription's member of
    ``dim``; a won deal of an existing customer (upsell) is no new customer.
    """
    subs = t["subscriptions"]
    g = _grouped(first_subscriptions(subs), "start_date", ctx, grain, dim, "customers")
    return _as_out(_complete(g, ctx, grain, _members(subs, dim)))


def won_sum(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, column: str, channel: str | None
) -> pd.DataFrame:
    """Sum of ``column`` (EUR) over won deals (credit notes included), by close_date."""
    deals = t["deals"]
    won = deals[deals["stage"] == "won"]
    if channel is not None:
        won = won[won["channel"] == channel]
    g = _grouped(won, "close_date", ctx, grain, dim, column)
    return _as_out(_complete(g, ctx, grain, _members(deals, dim)))


def new_customer_tables(t: Tables) -> dict[str, pd.DataFrame]:
    """``t`` with ``deals`` cut to the deals won in their customer's first month
    (:func:`planning_lib.metrics.transactional.first_month_won_deals`): ``deals_won`` on
    these tables counts the deals of new customers, the volume that goes with the new
    MRR of :func:`new_customer_mrr` (an upsell is in neither)."""
    return {**t, "deals": first_month_won_deals(t["deals"], t.get("subscriptions"))}


def new_customer_mrr(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """MRR (EUR/month) of the deals won in their customer's first month, by close_date
    (:func:`planning_lib.metrics.transactional.first_month_won_deals`; with the table
    ``subscriptions`` a customer subscribed before is an existing one): the new
    customers' MRR, as the plan's new MRR (new customers × ARPA) counts it. An upsell of
    an existing customer is expansion, as in the MRR bridge, not new MRR."""
    deals = t["deals"]
    new = new_customer_tables(t)["deals"]
    g = _grouped(new, "close_date", ctx, grain, dim, "mrr_eur")
    return _as_out(_complete(g, ctx, grain, _members(deals, dim)))


def win_rate(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Won ÷ (won + lost) deals closed in the period (share 0..1)."""
    deals = t["deals"]
    closed = deals[deals["stage"].isin(["won", "lost"])].copy()
    closed["is_won"] = (closed["stage"] == "won").astype(float)
    den = _grouped(closed, "close_date", ctx, grain, dim, "count")
    num = _grouped(closed, "close_date", ctx, grain, dim, "is_won")
    return _ratio(num, den)


def avg_deal_size(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Mean first-year contract value of won deals (EUR/deal)."""
    won = _won(t)
    den = _grouped(won, "close_date", ctx, grain, dim, "count")
    num = _grouped(won, "close_date", ctx, grain, dim, "amount_eur")
    return _ratio(num, den)


def sales_cycle(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, quantile: float
) -> pd.DataFrame:
    """Quantile of days from created_date to close_date of won deals (days)."""
    won = _won(t)
    won = won[_in_window(won["close_date"], ctx)]
    days = (pd.to_datetime(won["close_date"]) - pd.to_datetime(won["created_date"])).dt.days
    df = pd.DataFrame(
        {
            "period": period_start(won["close_date"], grain),
            "member": _member(won, dim),
            "days": days.astype(float),
        }
    )
    g = df.groupby(["period", "member"])["days"]
    out = pd.DataFrame(
        {"value": g.quantile(quantile, interpolation="linear"), "base": g.size().astype(float)}
    )
    return out.reset_index()[OUT_COLUMNS]


# --------------------------------------------------------------------------- costs


def cost_sum(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, categories: tuple[str, ...] | None
) -> pd.DataFrame:
    """Costs (EUR) of the given categories (all when None), by month."""
    costs = t["costs"]
    if categories is not None:
        costs = costs[costs["category"].isin(categories)]
    g = _grouped(costs, "month", ctx, grain, dim, "amount_eur")
    return _as_out(_complete(g, ctx, grain, _members(t["costs"], dim)))


def cac(
    t: Tables, ctx: KpiContext, grain: str, dim: str | None, categories: tuple[str, ...] | None
) -> pd.DataFrame:
    """Costs of ``categories`` ÷ new customers (EUR/customer).

    Stated CAC: ``categories`` = :data:`STATED_CAC_CATEGORIES`; fully loaded: None (all).
    The blended yearly value equals the ``all`` row of
    :func:`planning_lib.analysis.unit_economics.cac_by_channel`.
    """
    num = cost_sum(t, ctx, grain, dim, categories).rename(columns={"value": "x"})
    den = new_customers(t, ctx, grain, dim).rename(columns={"value": "x"})
    formula = cac_fully_loaded if categories is None else cac_formula
    return _ratio(num[["period", "member", "x"]], den[["period", "member", "x"]], formula)


# --------------------------------------------------------------------------- people


def quota_attainment(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """First-year value won ÷ pro-rata quota of the reps (share; 1.0 = on quota).

    A rep's quota for a period is the role's yearly quota ÷ 365 per day employed in the
    period, ramped like the plan ramps a new hire's productivity
    (:func:`planning_lib.plan.organisation.ramp_productivity`): in the k-th calendar month from
    the hire month on (the hire month is k = 1) a day carries ``min(k / ramp_months, 1)``
    of the daily quota (``ctx.ramp_months`` per role; 0 or missing: the full quota).
    ``dim`` may be ``owner`` (per rep) or ``region``.
    """
    hc = t["headcount"].copy()
    hc = hc[hc["role"].isin([r for r, q in ctx.quota_yearly_eur.items() if q > 0])]
    hire = pd.to_datetime(hc["hire_date"])
    exit_ = pd.to_datetime(hc["exit_date"])
    quota = hc["role"].map(ctx.quota_yearly_eur).astype(float)
    ramp = hc["role"].map(lambda r: ctx.ramp_months.get(r, 0)).astype(float)
    hire_month = hire.dt.year * 12 + hire.dt.month
    member = (
        hc["employee_id"].astype(str) if dim == "owner" else _member(hc, dim)
    )  # owner = employee
    rows = []
    for p in periods(ctx, grain):
        p0, p1 = pd.Timestamp(p), period_end(p, grain, ctx.as_of)
        q = pd.Series(0.0, index=hc.index)
        for month in pd.date_range(p0.to_period("M").start_time, p1, freq="MS"):
            m0, m1 = max(month, p0), min(month + pd.offsets.MonthEnd(0), p1)
            first = hire.where(hire > m0, m0)
            last = exit_.fillna(m1).where(exit_.fillna(m1) < m1, m1)
            days = ((last - first).dt.days + 1).clip(lower=0)
            k = (month.year * 12 + month.month) - hire_month + 1
            factor = np.where(ramp > 0, np.clip(k / ramp.where(ramp > 0, 1.0), 0.0, 1.0), 1.0)
            q = q + quota * days / 365.0 * factor
        for m, v in q.groupby(member).sum().items():
            if v > 0:
                rows.append({"period": p, "member": m, "x": v})
    den = pd.DataFrame(rows, columns=["period", "member", "x"])
    won = _won(t)
    if dim is not None and dim not in won.columns and dim != "owner":
        raise KeyError(f"column '{dim}' missing")
    num = _grouped(won, "close_date", ctx, grain, dim, "amount_eur")
    return _ratio(num, den)


def partner_activation(t: Tables, ctx: KpiContext, grain: str, dim: str | None) -> pd.DataFrame:
    """Partners with at least one partner lead in the period ÷ partners signed so far.

    Needs a ``partner_id`` column in the leads (a partner counts as signed from its
    first lead on, or from ``partners.signed_date`` when a ``partners`` table exists).
    """
    leads = t["leads"]
    if "partner_id" not in leads.columns:
        return pd.DataFrame(columns=OUT_COLUMNS)
    pl = leads[(leads["channel"] == "partner") & leads["partner_id"].notna()].copy()
    pl["partner_id"] = pl["partner_id"].astype(str)
    if "partners" in t:
        signed = t["partners"].set_index(t["partners"]["partner_id"].astype(str))["signed_date"]
        signed = pd.to_datetime(signed)
    else:
        signed = pd.to_datetime(pl.groupby("partner_id")["created_date"].min())
    rows = []
    created = pd.to_datetime(pl["created_date"])
    member = _member(pl, dim)
    for p in periods(ctx, grain):
        p_end = period_end(p, grain, ctx.as_of)
        n_signed = int((signed <= p_end).sum())
        sel = (created >= p) & (created <= p_end)
        for m, ids in pl["partner_id"][sel].groupby(member[sel]):
            if n_signed:
                rows.append(
                    {"period": p, "member": m, "value": ids.nunique() / n_signed, "base": n_signed}
                )
    return pd.DataFrame(rows, columns=OUT_COLUMNS).astype({"value": float, "base": float})
