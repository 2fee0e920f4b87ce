"""Views of phase 7 (``07_controlling``): KPIs of the actuals, plan vs actual, rules, landing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.kpis import compute_kpis

__all__ = [
    "CONTROLLING_KPIS",
    "EXECUTION_COLUMNS",
    "actions_table",
    "actual_kpis",
    "deals_monthly_table",
    "deals_variance_table",
    "execution_split",
    "execution_widest",
    "landing_path_cumulative",
    "landing_table",
    "landing_targets",
    "plan_actual_monthly",
    "rule_evidence_table",
    "variance_table",
]


CONTROLLING_KPIS: tuple[str, ...] = (
    "leads",
    "sql_to_demo",
    "demo_to_won",
    "new_customers",
    "new_mrr",
    "mrr",
    "logo_churn",
    "cac_fully_loaded",
)


def actual_kpis(actuals: Mapping[str, pd.DataFrame], ctx: Any) -> pd.DataFrame:
    """Monthly KPIs of the actuals up to ``ctx.as_of`` (region level), month × KPI.

    Args:
        actuals: the canonical tables of the plan year's actuals.
        ctx: the KPI context (``planning_lib.controlling.plan_vs_actual.context_for``): as-of date,
            start, gross margin.
    """
    k = compute_kpis(
        dict(actuals), ctx, codes=CONTROLLING_KPIS, grains=["month"], by_dimensions=False
    )
    wide = k.pivot_table(index="period", columns="kpi", values="value", aggfunc="first")
    wide = wide.reindex(columns=[c for c in CONTROLLING_KPIS if c in wide.columns])
    wide.columns.name = None
    wide.index = pd.to_datetime(wide.index).strftime("%Y-%m")
    return wide.rename_axis("month").reset_index()


def variance_table(variance: pd.DataFrame) -> pd.DataFrame:
    """Year-to-date plan vs actual per KPI (company level of the region): the status table.

    KPI and status stay codes; the report shows their labels (``report.display``).
    """
    ytd = variance[(variance["grain"] == "ytd") & (variance["dimension"].fillna("") == "")]
    cols = ["kpi", "unit", "plan", "plan_funnel", "actual", "variance", "gap_planning",
            "gap_execution", "attainment", "status", "status_execution"]  # fmt: skip
    return ytd[cols].reset_index(drop=True)


def deals_variance_table(variance: pd.DataFrame) -> pd.DataFrame:
    """Year-to-date plan vs actual of the deal figures (no funnel basis): the status table."""
    ytd = variance[variance["grain"] == "ytd"]
    cols = ["kpi", "unit", "plan", "actual", "variance", "attainment", "status"]
    return ytd[cols].reset_index(drop=True)


def deals_monthly_table(variance: pd.DataFrame) -> pd.DataFrame:
    """Plan vs actual of the deal figures per month (``month`` as YYYY-MM)."""
    sel = variance[variance["grain"] == "month"]
    month = pd.to_datetime(sel["period"]).dt.strftime("%Y-%m")
    cols = ["kpi", "unit", "plan", "actual", "variance", "attainment", "status"]
    return sel[cols].assign(month=month.to_numpy())[["month", *cols]].reset_index(drop=True)


EXECUTION_COLUMNS: tuple[str, ...] = (
    "channel", "kpi", "unit", "plan", "plan_funnel", "actual", "gap_planning", "gap_execution",
    "attainment", "status", "attainment_execution", "status_execution",
)  # fmt: skip


def execution_split(variance: pd.DataFrame, kpi: str = "new_customers") -> pd.DataFrame:
    """Year to date per channel (and ``total``): the gap to plan split into the part the
    plan never funded (``gap_planning`` = plan − plan_funnel) and the part execution
    missed (``gap_execution`` = plan_funnel − actual), with both attainments and statuses.
    """
    sel = variance[(variance["grain"] == "ytd") & (variance["kpi"] == kpi)]
    sel = sel[sel["dimension"].fillna("").isin(["", "channel"])]
    out = sel.assign(channel=sel["member"].fillna("").replace("", "total"))
    out = out.assign(_total=out["channel"] == "total").sort_values(["_total", "channel"])
    return out[list(EXECUTION_COLUMNS)].reset_index(drop=True)


def execution_widest(split: pd.DataFrame) -> str | None:
    """The channel of :func:`execution_split` with the widest never-funded gap, or None
    when there is nothing to split: no ``total`` row or no channel (a region without
    new customers in plan and actuals has no new-customer variance at all)."""
    by_channel = split.set_index("channel")
    channels = by_channel.drop(index="total", errors="ignore")
    if "total" not in by_channel.index or channels.empty:
        return None
    return str(channels["gap_planning"].astype(float).idxmax())


def plan_actual_monthly(variance: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Month × (plan, actual) of one KPI at company level of the region."""
    sel = variance[
        (variance["kpi"] == kpi)
        & (variance["grain"] == "month")
        & (variance["dimension"].fillna("") == "")
    ]
    out = sel.set_index(pd.to_datetime(sel["period"]))[["plan", "actual"]].astype(float)
    return out.rename_axis("month")


def actions_table(actions: Sequence[Mapping[str, Any]], locale: str = "de") -> pd.DataFrame:
    """The adaptation rules, triggered or not, with the months and the action to take."""
    rows = [
        {
            "rule": a["rule"],
            "member": a.get("member") or "",
            "severity": a.get("severity", ""),
            "triggered": bool(a["triggered"]),
            "months": ", ".join(str(m)[:7] for m in a.get("trigger_months") or []),
            "action": a["action_en"] if locale == "en" else a["action_de"],
        }
        for a in actions
    ]
    cols = ["rule", "member", "severity", "triggered", "months", "action"]
    return pd.DataFrame(rows, columns=cols).sort_values("triggered", ascending=False)


def rule_evidence_table(actions: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The months behind the rules whose condition held at least once: value, plan, met.

    ``cohort_incomplete`` marks a month whose cohort is too young to judge: its value
    may meet the condition (June's SQL→demo far below the threshold) without counting.
    """
    cols = [
        "rule",
        "member",
        "metric",
        "month",
        "value",
        "plan",
        "share_of_plan",
        "plan_funnel",
        "share_of_plan_funnel",
        "condition_met",
        "cohort_incomplete",
    ]
    rows = [
        {
            "rule": a["rule"],
            "member": a.get("member") or "",
            "metric": a["metric"],
            "month": e["month"],
            "value": e["value"],
            "plan": e.get("plan", np.nan),
            "share_of_plan": e.get("share_of_plan", np.nan),
            "plan_funnel": e.get("plan_funnel", np.nan),
            "share_of_plan_funnel": e.get("share_of_plan_funnel", np.nan),
            "condition_met": bool(e["condition_met"]),
            "cohort_incomplete": bool(e.get("cohort_incomplete", False)),
        }
        for a in actions
        if any(e["condition_met"] for e in a.get("evidence", []))
        for e in a["evidence"]
    ]
    return pd.DataFrame(rows, columns=cols)


def landing_table(landing: Mapping[str, Any]) -> pd.DataFrame:
    """The rolling landing per figure: actual to date, forecast for the rest, landing, plan."""
    rows = [{"figure": k, **v} for k, v in landing.get("figures", {}).items()]
    return pd.DataFrame(
        rows, columns=["figure", "actual_to_date", "forecast_rest", "landing", "plan", "vs_plan"]
    )


def landing_path_cumulative(path: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Month × (cumulative plan, cumulative landing) of one metric of the landing path."""
    sel = path[path["metric"] == metric]
    out = sel.set_index(pd.to_datetime(sel["month"]))[["plan_cumulative", "landing_cumulative"]]
    return out.astype(float).rename_axis("month")


def landing_targets(landing: Mapping[str, Any]) -> pd.DataFrame:
    """The targets against the landing: target, landing, gap, met."""
    cols = ["code", "metric", "target", "landing", "gap", "met"]
    return pd.DataFrame(landing.get("targets", []), columns=[*cols, "direction"])[cols]
