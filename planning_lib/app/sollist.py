"""Soll/Ist of the Szenario-Cockpit: plan vs actual of one plan, actuals folder and region.

Numbers only; the tab (:mod:`planning_lib.app.sollist_tab`) shows them through
:mod:`planning_lib.app.sollist_tables` and :mod:`planning_lib.app.sollist_charts`.

- :func:`plan_choices` lists the plan versions of a versions folder (and the
  config's own plan) for the version selector.
- :func:`compute` runs the controlling
  (:func:`planning_lib.controlling.plan_vs_actual.controlling_report`, the same as
  ``planning controlling``) for one plan (a saved version or the config's plan), one actuals
  folder (a data folder with history and ``actuals/`` or the actuals themselves, see
  :func:`planning_lib.controlling.actuals_folder.resolve_layout`)
  and one region; adds the no-change forecast of new customers
  (:func:`planning_lib.analysis.forecast.baseline.no_change_new_customers`, monthly bands
  from :func:`planning_lib.analysis.forecast.api.auto_forecast`) and every region's new customers
  plan vs actual. The result (:class:`SollIst`) holds numbers only.
- :func:`month_rows` picks the monthly totals of the variance table.

Units: counts (customers, leads), EUR (MRR, costs), shares 0..1 (conversions, churn).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.analysis.forecast.baseline import no_change_new_customers
from planning_lib.app import cockpit as ck
from planning_lib.controlling.actuals_folder import by_region, check_actuals, resolve_layout
from planning_lib.controlling.plan_view import PlanView
from planning_lib.controlling.plan_vs_actual import context_for, controlling_report
from planning_lib.controlling.versions import DEFAULT_VERSIONS_DIR, list_versions, load_version
from planning_lib.core.config import load_params
from planning_lib.core.params import params_from_dict
from planning_lib.data.loaders import load_dataset
from planning_lib.metrics.kpis import compute_kpi
from planning_lib.metrics.transactional import new_customer_deals
from planning_lib.plan.model import run_plan

__all__ = ["CONFIG_PLAN", "SollIst", "compute", "month_rows", "plan_choices"]

CONFIG_PLAN = ""
"""Value of the version selector for the config's own plan (no saved version)."""


@dataclass(frozen=True)
class SollIst:
    """Everything the Soll/Ist tab shows, as numbers (no formatting).

    Attributes:
        plan_name: the plan's name (version name and id, or the config's company name).
        as_of: last day of the actuals.
        plan_start: first month of the plan.
        variance: ``variance.csv`` of ``planning controlling``.
        actions: the rules as evaluated (``actions.json``'s ``rules``).
        landing: ``landing.json`` without the monthly frames.
        baseline: the no-change baseline's figures (expected, p10, p50, p90, p99,
            last_year) or None without history.
        forecast: the monthly no-change forecast (month index; mean, lo_80, hi_80,
            lo_95, hi_95) or None.
        regions: new customers per region and month: region, month, plan, actual.
        target_new_customers: the plan's new-customer target for the year (or None).
        plan_new_customers: the plan's new customers per month (whole plan year).
    """

    plan_name: str
    as_of: dt.date
    plan_start: dt.date
    variance: pd.DataFrame
    actions: list[dict[str, Any]]
    landing: dict[str, Any]
    baseline: dict[str, float] | None
    forecast: pd.DataFrame | None
    regions: pd.DataFrame
    target_new_customers: float | None
    plan_new_customers: pd.Series


def plan_choices(versions_dir: str | Path, locale: str = "de") -> list[tuple[str, str]]:
    """(label, value) pairs of the version selector: the config's plan first
    (value :data:`CONFIG_PLAN`), then every saved version, newest first, as
    ``name (id)``."""
    listed = list_versions(versions_dir)
    out = [(ck.label("config_plan", locale), CONFIG_PLAN)]
    for r in listed.iloc[::-1].itertuples():
        out.append((f"{r.name} ({r.version_id})", str(r.version_id)))
    return out


def _plan(config: Path, region: str | None, version: str, versions_dir: Path) -> tuple:
    params = load_params(config, region=region)
    if version == CONFIG_PLAN:
        result = run_plan(params)
        name = region or params.company.name
        return (
            params,
            params,
            PlanView.from_params(result.monthly, params, name=name),
            dict(result.summary),
            name,
        )
    v = load_version(versions_dir, version)
    vparams = params_from_dict(v.params, source=f"version {v.meta['version_id']}")
    name = f"{v.meta['name']} ({v.meta['version_id']})"
    return params, vparams, PlanView.from_params(v.monthly, vparams, name=name), v.summary, name


def _new_customers_line(monthly: pd.DataFrame) -> pd.Series:
    """The plan's new customers per month (all channels)."""
    rows = monthly[monthly["line_item"] == "customers_new"]
    if "channel" in rows.columns and (rows["channel"].fillna("") == "").any():
        rows = rows[rows["channel"].fillna("") == ""]
    out = rows.groupby(pd.to_datetime(rows["month"]))["value"].sum()
    out.index.name = "month"
    return out


def _region_table(
    config: Path, regions: list[str], actuals: dict[str, pd.DataFrame], ctx: Any
) -> pd.DataFrame:
    """New customers per region and month: each region's plan (its config) and actual."""
    act = compute_kpi(actuals, ctx, "new_customers", "month", "region")
    rows = []
    for r in regions:
        plan = _new_customers_line(run_plan(load_params(config, region=r)).monthly)
        mine = act[act["member"] == r].set_index("period")["value"]
        for month, value in plan.items():
            a = mine.get(month, np.nan) if month <= pd.Timestamp(ctx.as_of) else np.nan
            rows.append({"region": r, "month": month, "plan": float(value), "actual": a})
    return pd.DataFrame(rows, columns=["region", "month", "plan", "actual"])


def compute(
    config: str | Path,
    actuals_dir: str | Path,
    region: str | None = None,
    version: str = CONFIG_PLAN,
    versions_dir: str | Path | None = None,
) -> SollIst:
    """Plan vs actual of one plan version, actuals folder and region (see module doc).

    Raises:
        planning_lib.controlling.actuals_folder.LayoutError: the actuals folder has no
            tables of the plan year (the message names the expected layout).
        planning_lib.controlling.versions.VersionNotFoundError: unknown version.
        FileNotFoundError, planning_lib.core.params.ParameterError,
        planning_lib.data.failures.DataValidationError: bad inputs.
    """
    config = Path(config)
    vdir = Path(versions_dir) if versions_dir is not None else DEFAULT_VERSIONS_DIR
    params, plan_params, view, summary, name = _plan(config, region, version, vdir)
    act_dir, hist_dir = resolve_layout(Path(actuals_dir), None)
    all_actuals = load_dataset(act_dir)
    check_actuals(all_actuals, act_dir, params.company.plan_start)
    actuals = by_region(all_actuals, region)
    history = by_region(load_dataset(hist_dir), region) if hist_dir else None
    report = controlling_report(
        plan_params, actuals, view, summary, rules=list(params.rules), history=history
    )
    landing = {k: v for k, v in report.landing.items() if k not in ("rerun_monthly", "path")}
    as_of = dt.date.fromisoformat(str(landing["as_of"])[:10])
    baseline = forecast = None
    if history is not None and "deals" in history and len(history["deals"]):
        try:
            firsts = new_customer_deals(history["deals"], history.get("subscriptions"))
            base = no_change_new_customers(
                firsts, params.company.plan_start, whole=history["deals"]
            )
        except ValueError:  # no won deal before the plan: no baseline
            base = None
        if base is not None:
            baseline, forecast = base.as_dict(), base.monthly
    target = plan_params.target("new_customers")
    regions = sorted(p.stem for p in (config.parent / "regions").glob("*.yaml"))
    ctx = context_for(params, all_actuals, as_of)
    return SollIst(
        plan_name=name,
        as_of=as_of,
        plan_start=params.company.plan_start,
        variance=report.variance,
        actions=list(report.actions),
        landing=landing,
        baseline=baseline,
        forecast=forecast,
        regions=_region_table(config, regions, all_actuals, ctx),
        target_new_customers=float(target.value) if target else None,
        plan_new_customers=view.line(view.new_customers_item("plan")),
    )


def month_rows(variance: pd.DataFrame) -> pd.DataFrame:
    """The monthly totals (grain month, no channel or region) of a variance table."""
    return variance[(variance["grain"] == "month") & (variance["member"].fillna("") == "")]
