"""Rolling forecast: re-plan the rest of the plan year from the actuals to date.

1. **Run-rates** (:func:`actual_drivers`): from the actuals up to ``as_of``: entry
   leads per channel and month (inbound at MQL, outbound and partner at SQL; the
   mean of the last ``window`` months), the funnel conversions per channel pooled
   over the complete lead cohorts of the year, logo churn (pooled over the year to
   date: every month from plan start to ``as_of``, not only the last ``window``
   months, so one good or bad quarter does not set the rest of the year), new MRR
   per new customer, and customers, MRR and reps at ``as_of``.
2. **Re-forecast of the volumes** (:func:`forecast_entry_leads`): with history,
   the forecast engine (``planning_lib.analysis.forecast.api.auto_forecast``) forecasts each
   channel's monthly entry leads for the remaining months; without history (or
   without the engine) the run-rate is made seasonal: divided by the mean
   seasonality (``drivers.seasonality``, calendar months) of the ``window`` months
   it was measured in and multiplied by the seasonality of each remaining month.
   The re-run takes the mean of the monthly forecast as its lead volume (the
   parameters have no per-month lead volume), so the rest of the year gets the
   seasonal total; the months are in ``entry_leads_forecast``.
3. **Re-run of the plan model** (:func:`rolling_overrides`): the plan starts again
   in the month after ``as_of`` from the actual customers, MRR and reps, with the
   funnel (not the top-down target) driving new customers, the drivers above as
   overrides and the planned hires still ahead shifted into the new calendar.
4. **Landing** (:mod:`planning_lib.controlling.landing`): actual months + re-run months to the
   end of the plan year, against the original plan and the targets.

A conversion rests on at least ``min_cohort`` leads, else the plan's value stays.
Units: counts per month, EUR, shares 0..1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.metrics.churn import churn_rate
from planning_lib.metrics.kpis import compute_kpi
from planning_lib.metrics.measures import KpiContext, Tables, new_customer_tables, period_end

__all__ = [
    "actual_drivers",
    "elapsed_months",
    "forecast_entry_leads",
    "rolling_overrides",
]

log = logging.getLogger(__name__)
_CONVERSIONS = ("mql_to_sql", "sql_to_demo", "demo_to_won")


def elapsed_months(plan_start: dt.date, as_of: dt.date) -> int:
    """Plan months fully or partly covered by the actuals (0 before plan start)."""
    return max(0, (as_of.year - plan_start.year) * 12 + as_of.month - plan_start.month + 1)


def _monthly(t: Tables, ctx: KpiContext, code: str, channel: str | None = None) -> pd.DataFrame:
    if channel is None:
        return compute_kpi(t, ctx, code, "month")
    df = compute_kpi(t, ctx, code, "month", "channel")
    return df[df["member"] == channel]


def _entry_code(params: Any, channel: str) -> str:
    return params.channels[channel].entry_stage  # 'mql' or 'sql' (KPI codes too)


def _pooled_conversion(
    t: Tables, ctx: KpiContext, code: str, channel: str, min_cohort: int
) -> float | None:
    df = _monthly(t, ctx, code, channel)
    lag = pd.Timedelta(days=ctx.maturity_days.get(code, 0))
    ends = df["period"].map(lambda p: period_end(p, "month", ctx.as_of) + lag)
    done = df[ends <= pd.Timestamp(ctx.as_of)]
    base = done["base"].sum()
    if base < min_cohort:
        return None
    return float((done["value"] * done["base"]).sum() / base)


def actual_drivers(
    tables: Tables, ctx: KpiContext, params: Any, window: int = 3, min_cohort: int = 20
) -> dict[str, Any]:
    """Run-rates of the plan's drivers from the actuals (see the module docstring).

    Returns:
        ``entry_leads`` {channel: leads/month}, ``conversions`` {channel: {kpi: share
        or None}}, ``churn_rate_monthly`` (share, pooled year to date),
        ``arpa_monthly_eur`` (EUR/month),
        ``customers`` (count), ``mrr_eur`` (EUR), ``reps`` {role: count},
        ``new_customers_to_date`` (count), ``marketing_cost_to_date_eur``,
        ``cost_to_date_eur`` (EUR), ``months_to_date`` (list of YYYY-MM).
    """
    months = _monthly(tables, ctx, "leads")["period"].sort_values().unique()
    last = set(months[-window:])
    entry = {}
    for ch in params.channels:
        df = _monthly(tables, ctx, _entry_code(params, ch), ch)
        entry[ch] = float(df[df["period"].isin(last)]["value"].sum() / max(1, len(last)))
    conversions = {
        ch: {c: _pooled_conversion(tables, ctx, c, ch, min_cohort) for c in _CONVERSIONS}
        for ch in params.channels
    }
    churn = _monthly(tables, ctx, "logo_churn")  # year to date: every month so far
    # the new customers' deals and MRR (an upsell is in neither): the ARPA of new customers
    won = _monthly(new_customer_tables(tables), ctx, "deals_won")["value"].sum()
    new_mrr = _monthly(tables, ctx, "new_mrr")["value"].sum()
    levels = {c: _monthly(tables, ctx, c)["value"].iloc[-1] for c in ("customers", "mrr")}
    hc = tables["headcount"]
    on = (pd.to_datetime(hc["hire_date"]) <= pd.Timestamp(ctx.as_of)) & (
        hc["exit_date"].isna() | (pd.to_datetime(hc["exit_date"]) > pd.Timestamp(ctx.as_of))
    )
    costs = _monthly(tables, ctx, "sales_costs")["value"].sum()
    marketing = tables["costs"][tables["costs"]["category"] == "marketing"]
    mkt = compute_kpi({**tables, "costs": marketing}, ctx, "sales_costs", "month")["value"].sum()
    return {
        "entry_leads": entry,
        "conversions": conversions,
        "churn_rate_monthly": float(
            churn_rate((churn["value"] * churn["base"]).sum(), churn["base"].sum())
        ),
        "arpa_monthly_eur": float(new_mrr / won) if won else None,
        "customers": int(levels["customers"]),
        "mrr_eur": float(levels["mrr"]),
        "reps": {str(k): int(v) for k, v in hc[on].groupby("role").size().items()},
        "new_customers_to_date": int(_monthly(tables, ctx, "new_customers")["value"].sum()),
        "marketing_cost_to_date_eur": float(mkt),
        "cost_to_date_eur": float(costs),
        "months_to_date": [pd.Timestamp(m).strftime("%Y-%m") for m in months],
    }


def forecast_entry_leads(
    history: Tables | None,
    actuals: Tables,
    ctx: KpiContext,
    params: Any,
    horizon: int,
    run_rate: Mapping[str, float],
    window: int = 3,
) -> dict[str, dict[str, Any]]:
    """Forecast of each channel's entry leads per month over the next ``horizon`` months.

    Uses ``auto_forecast`` on history + actuals (monthly counts) when history with a
    ``leads`` table is given and the forecast engine is importable; otherwise (or when it
    fails) the seasonal run-rate: run-rate ÷ mean seasonality of the last ``window``
    months to as-of × seasonality of each forecast month (``params.drivers.seasonality``,
    calendar months Jan..Dec, mean 1; flat without one).

    Returns:
        {channel: {"leads_per_month": mean of the months, "per_month": [leads of
        each forecast month], "method": "auto_forecast:<model>", "run_rate_seasonal"
        or "run_rate" (flat)}}.
    """
    as_of = pd.Timestamp(ctx.as_of).to_period("M")
    ahead = [(as_of + h).month for h in range(1, horizon + 1)]
    done = elapsed_months(ctx.start, ctx.as_of)  # the run-rate's months: the last ones to as-of
    measured = [(as_of - k).month for k in range(max(1, min(window, done)))]
    season = params.drivers.seasonality
    out = {}
    for ch, v in run_rate.items():
        if season is None or horizon < 1:
            per_month = [float(v)] * max(horizon, 0)
            method = "run_rate"
        else:
            level = float(v) / float(np.mean([season[m - 1] for m in measured]))
            per_month = [level * season[m - 1] for m in ahead]
            method = "run_rate_seasonal"
        mean = float(np.mean(per_month)) if per_month else float(v)
        out[ch] = {"leads_per_month": mean, "per_month": per_month, "method": method}
    if history is None or "leads" not in history or horizon < 1:
        return out
    first = min(pd.to_datetime(history["leads"]["created_date"]).min().date(), ctx.start)
    hctx = dataclasses.replace(ctx, start=first.replace(day=1), as_of=ctx.start - dt.timedelta(1))
    for ch in params.channels:
        code = _entry_code(params, ch)
        past = _monthly(history, hctx, code, ch)
        now = _monthly(actuals, ctx, code, ch)
        y = pd.concat([past, now]).groupby("period")["value"].sum().sort_index()
        if len(y) < 24 or y.iloc[-12:].sum() == 0:
            continue
        try:
            fc = auto_forecast(y, horizon, levels=(80,))
        except Exception as exc:  # a failed fit falls back to the run-rate, with a log line
            log.warning("forecast of %s entry leads failed (%s); run-rate used", ch, exc)
            continue
        out[ch] = {
            "leads_per_month": float(np.mean(fc["mean"])),
            "per_month": [float(x) for x in fc["mean"]],
            "method": f"auto_forecast:{fc['model'].iloc[0]}",
        }
    return out


def rolling_overrides(
    params: Any, drivers: Mapping[str, Any], leads: Mapping[str, Mapping[str, Any]], as_of: dt.date
) -> dict[str, Any]:
    """Dotted-path overrides that restart the plan after ``as_of`` on the actual run-rates."""
    start = params.company.plan_start
    done = elapsed_months(start, as_of)
    restart = (pd.Timestamp(as_of) + pd.offsets.MonthBegin(1)).date()
    hires = [
        {"role": h.role, "count": h.count, "month": h.start_month - done}
        for h in params.organisation.hires
        if h.start_month > done
    ]
    ov: dict[str, Any] = {
        "company.plan_start": restart,
        "current.customers": drivers["customers"],
        "current.mrr_eur": drivers["mrr_eur"],
        "current.reps": {r: drivers["reps"].get(r, 0) for r in params.organisation.roles},
        "organisation.hires": hires,
        "drivers.new_customers_basis": "funnel",
        "drivers.churn_rate_monthly": {"start": drivers["churn_rate_monthly"], "path": "constant"},
    }
    if drivers.get("arpa_monthly_eur"):
        ov["drivers.arpa_monthly_eur"] = drivers["arpa_monthly_eur"]
    for ch, spec in params.channels.items():
        ov[f"channels.{ch}.leads_per_month"] = leads[ch]["leads_per_month"]
        if spec.partners_start or spec.new_partners_per_quarter:
            ov[f"channels.{ch}.partners_start"] = 0  # the actual partner leads already count
            ov[f"channels.{ch}.new_partners_per_quarter"] = 0.0
        for conv, value in drivers["conversions"][ch].items():
            if value is not None and not (conv == "mql_to_sql" and spec.entry_stage == "sql"):
                ov[f"channels.{ch}.{conv}"] = value
    return ov
