"""Landing estimate: where the plan year ends, from the actuals and the rolling forecast.

:func:`rolling_landing` runs the rolling forecast of :mod:`planning_lib.controlling.rolling`
(run-rates, forecast of the volumes, re-run of the plan model from ``as_of``) and
lands it: :func:`landing` adds the actuals to date and the re-run's remaining months
into year-end figures against the original plan (config or saved version) and the
targets; :func:`landing_path` shows the same month by month.

Units: counts, EUR, shares 0..1 as in the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.controlling import rolling
from planning_lib.controlling.plan_view import PlanView
from planning_lib.metrics.acquisition import cac, cac_fully_loaded
from planning_lib.metrics.kpis import compute_kpi
from planning_lib.metrics.measures import KpiContext, Tables
from planning_lib.plan.model import run_plan

__all__ = ["landing", "landing_path", "rolling_landing"]


def landing(
    rerun: Any,
    drivers: Mapping[str, Any],
    plan_summary: Mapping[str, Any],
    targets: list[Any],
    remaining: int,
) -> dict[str, Any]:
    """Year-end landing: actuals to date + the re-run's first ``remaining`` months.

    Returns:
        ``figures`` {metric: {actual_to_date, forecast_rest, landing, plan, vs_plan}}
        for new_customers, mrr_end, customers_end, cost_total, cac,
        cac_fully_loaded and churn_rate_monthly (the run-rate the re-run assumes;
        plan: the plan's churn in its last month), and ``targets`` [{code, metric,
        target, direction, landing, gap, met}] for the targets whose metric is among them.
    """

    def rest(item: str, level: bool = False) -> float:
        arr = np.asarray(rerun.line(item))[:remaining]
        if not len(arr):
            return 0.0
        return float(arr[-1]) if level else float(arr.sum())

    new_rest = rest("customers_new")
    new_total = drivers["new_customers_to_date"] + new_rest
    cost_rest, mkt_rest = rest("cost_total"), rest("cost_marketing")
    cost_total = drivers["cost_to_date_eur"] + cost_rest
    mkt_total = drivers["marketing_cost_to_date_eur"] + mkt_rest
    mrr_end = rest("mrr_end", True) if remaining else drivers["mrr_eur"]
    cust_end = rest("customers_end", True) if remaining else drivers["customers"]
    figs = {
        "new_customers": (drivers["new_customers_to_date"], new_rest, new_total),
        "mrr_end": (drivers["mrr_eur"], None, mrr_end),
        "customers_end": (drivers["customers"], None, cust_end),
        "cost_total": (drivers["cost_to_date_eur"], cost_rest, cost_total),
        "cac": (None, None, cac(mkt_total, new_total) if new_total else None),
        "cac_fully_loaded": (
            None,
            None,
            cac_fully_loaded(cost_total, new_total) if new_total else None,
        ),
    }
    figs["churn_rate_monthly"] = (
        drivers["churn_rate_monthly"],
        None,
        float(np.asarray(rerun.line("churn_rate"))[0]) if remaining else None,
    )
    plan_keys = {"churn_rate_monthly": "churn_rate_end"}
    figures = {}
    for key, (to_date, fc, land) in figs.items():
        plan = plan_summary.get(plan_keys.get(key, key))
        figures[key] = {
            "actual_to_date": to_date,
            "forecast_rest": fc,
            "landing": land,
            "plan": plan,
            "vs_plan": (land - plan) if land is not None and plan is not None else None,
        }
    out_targets = []
    for t in targets:
        if t.metric not in figures or figures[t.metric]["landing"] is None:
            continue
        land = figures[t.metric]["landing"]
        met = land >= t.value if t.direction == "at_least" else land <= t.value
        out_targets.append(
            {
                "code": t.code,
                "metric": t.metric,
                "target": t.value,
                "direction": t.direction,
                "landing": land,
                "gap": land - t.value,
                "met": bool(met),
            }
        )
    return {"figures": figures, "targets": out_targets}


def rolling_landing(
    params: Any,
    tables: Tables,
    ctx: KpiContext,
    plan_summary: Mapping[str, Any],
    history: Tables | None = None,
    plan: PlanView | None = None,
) -> dict[str, Any]:
    """Re-forecast the rest of the plan year and land it against plan and targets.

    Returns:
        ``as_of``, ``months_actual``, ``months_forecast``, ``drivers`` (run-rates),
        ``entry_leads_forecast``, ``overrides`` (applied to the re-run), ``figures``,
        ``targets`` (see :func:`planning_lib.controlling.rolling.landing`), ``rerun_monthly`` (the
        re-run's first remaining months: month, line_item, channel, value, unit) and,
        with ``plan``, ``path`` (:func:`landing_path`).
    """
    done = rolling.elapsed_months(params.company.plan_start, ctx.as_of)
    remaining = max(0, params.company.horizon_months - done)
    drivers = rolling.actual_drivers(tables, ctx, params)
    leads = rolling.forecast_entry_leads(
        history, tables, ctx, params, remaining, drivers["entry_leads"]
    )
    overrides = rolling.rolling_overrides(params, drivers, leads, ctx.as_of)
    rerun = run_plan(params, overrides)
    land = landing(rerun, drivers, plan_summary, params.targets, remaining)
    monthly = rerun.monthly
    months = sorted(monthly["month"].unique())[:remaining]
    rest = monthly[monthly["month"].isin(months)].reset_index(drop=True)
    path = landing_path(tables, ctx, plan, rest) if plan is not None else None
    return {
        "as_of": ctx.as_of.isoformat(),
        "months_actual": done,
        "months_forecast": remaining,
        "drivers": drivers,
        "entry_leads_forecast": leads,
        "overrides": {
            k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in overrides.items()
        },
        **land,
        "rerun_monthly": rest,
        "path": path,
    }


_PATH = (  # (metric, plan line item, actual KPI, re-run line item)
    ("new_customers", "customers_new", "new_customers", "customers_new"),
    ("mrr", "mrr_end", "mrr", "mrr_end"),
    ("sales_costs", "cost_total", "sales_costs", "cost_total"),
)


def landing_path(
    tables: Tables, ctx: KpiContext, plan: PlanView, rerun_months: pd.DataFrame
) -> pd.DataFrame:
    """Month by month over the plan year: plan, actual (to as-of) and re-forecast (after).

    Returns:
        Columns month, metric (new_customers: count; mrr: EUR at month end;
        sales_costs: EUR), plan, actual (NaN after as-of), forecast (NaN up to as-of),
        landing (actual, else forecast) and cumulative plan and landing (flows
        summed from plan start; the level MRR as it is).
    """
    rows = []
    for metric, plan_item, kpi, rerun_item in _PATH:
        p = plan.line(plan_item)
        act = compute_kpi(tables, ctx, kpi, "month").set_index("period")["value"]
        sel = rerun_months[
            (rerun_months["line_item"] == rerun_item) & (rerun_months["channel"] == "")
        ]
        fc = pd.Series(sel["value"].to_numpy(float), index=pd.to_datetime(sel["month"]))
        df = pd.DataFrame(
            {"plan": p, "actual": act.reindex(p.index), "forecast": fc.reindex(p.index)}
        )
        df["landing"] = df["actual"].fillna(df["forecast"])
        level = metric == "mrr"
        df["plan_cumulative"] = df["plan"] if level else df["plan"].cumsum()
        df["landing_cumulative"] = df["landing"] if level else df["landing"].cumsum()
        rows.append(df.rename_axis("month").reset_index().assign(metric=metric))
    out = pd.concat(rows, ignore_index=True)
    cols = ["month", "metric", "plan", "actual", "forecast", "landing"]
    return out[[*cols, "plan_cumulative", "landing_cumulative"]]
