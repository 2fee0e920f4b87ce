"""Controlling (phase 7): plan vs actual with status, revenue effects, rules, landing.

:func:`controlling_report` ties the parts together; each part is a pure function:

- :func:`plan_vs_actual`: every KPI the plan has, by month, quarter and year to
  date, total and per channel: plan, actual, variance, attainment and a status.
  Attainment is actual ÷ plan for KPIs where more is better and plan ÷ actual where
  less is better; status ``on_track`` (attainment ≥ 95 %), ``watch`` (≥ 85 %),
  ``off_track`` (below), ``incomplete`` (funnel cohorts that are too young to judge),
  ``no_plan`` (plan 0 or no actual to relate to), ``no_history`` (the deals'
  controlling without the history: new vs repeat and the new-business win rate are
  not known). Funnel conversions at quarter and
  YTD grain pool only the complete cohort months (plan and actual alike).
  For the KPIs with a funnel basis (:data:`planning_lib.controlling.plan_view.FUNNEL_METRICS`)
  ``plan_funnel`` is what the plan's own activities deliver (planned leads ×
  planned conversions: the model's ``customers_new_funnel``), and the shortfall
  plan − actual splits exactly into ``gap_planning`` = plan − plan_funnel (the part
  of the plan never funded: "Plan nie finanziert") and ``gap_execution`` =
  plan_funnel − actual (the part execution missed: "Umsetzung");
  ``attainment_execution``/``status_execution`` judge the actual against
  plan_funnel. Other KPIs leave these columns empty.
- :func:`revenue_effects`: new MRR and new first-year revenue variance split into
  volume, mix and price effects (:mod:`planning_lib.controlling.variance`) between channels (the
  plan's split) and, with history, between segments and products (the plan total
  split like the last 12 history months).
- :func:`mrr_variance_bridge`: the MRR bridge from plan start to as-of, plan vs
  actual: opening base, new, expansion, contraction, churn and closing MRR, each
  component's variance adding up to the variance of the closing MRR.
- rules (:mod:`planning_lib.controlling.rules`) and the landing of the rolling forecast
  (:mod:`planning_lib.controlling.landing`, :mod:`planning_lib.controlling.rolling`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.controlling.landing import rolling_landing
from planning_lib.controlling.plan_view import (
    FUNNEL_METRICS,
    PLAN_METRICS,
    PlanView,
    plan_series,
    plan_values,
)
from planning_lib.controlling.rules import evaluate_rules
from planning_lib.controlling.variance import decompose
from planning_lib.core.text_store import label
from planning_lib.metrics.customers import member_bridge
from planning_lib.metrics.kpis import CATALOGUE, compute_kpi, compute_kpis
from planning_lib.metrics.measures import (
    KpiContext,
    Tables,
    new_customer_tables,
    period_end,
    period_start,
)

__all__ = [
    "MRR_BRIDGE_COLUMNS",
    "MRR_COMPONENTS",
    "STATUSES",
    "VARIANCE_COLUMNS",
    "ControllingReport",
    "Thresholds",
    "attainment",
    "context_for",
    "controlling_report",
    "mrr_variance_bridge",
    "plan_vs_actual",
    "revenue_effects",
    "status",
]

STATUSES = ("on_track", "watch", "off_track", "incomplete", "no_plan", "no_history")
"""The status codes of a KPI against plan; their words are ``pva.status.<code>`` in the
text store (:mod:`planning_lib.core.text_store`)."""
VARIANCE_COLUMNS = [
    "kpi", "label_de", "label_en", "grain", "period", "dimension", "member", "unit", "good",
    "plan", "plan_funnel", "actual", "variance", "variance_pct", "gap_planning",
    "gap_execution", "attainment", "status", "status_de", "attainment_execution",
    "status_execution", "status_execution_de",
]  # fmt: skip


@dataclass(frozen=True)
class Thresholds:
    """Attainment limits (shares of plan): on track from ``on_track``, watch from ``watch``."""

    on_track: float = 0.95
    watch: float = 0.85


def attainment(plan: float, actual: float, good: str) -> float:
    """actual ÷ plan (``good='up'``) or plan ÷ actual (``'down'``); NaN when undefined."""
    num, den = (actual, plan) if good == "up" else (plan, actual)
    if den is None or num is None or not np.isfinite(den) or den == 0 or not np.isfinite(num):
        return float("nan")
    return float(num / den)


def status(att: float, thresholds: Thresholds = Thresholds()) -> str:
    """``on_track``, ``watch`` or ``off_track`` for an attainment (NaN → ``no_plan``)."""
    if att != att:
        return "no_plan"
    if att >= thresholds.on_track:
        return "on_track"
    return "watch" if att >= thresholds.watch else "off_track"


def context_for(
    params: Any, tables: Tables, as_of: dt.date | None = None, plan: PlanView | None = None
) -> KpiContext:
    """The KPI context of a plan year: from plan start to ``as_of``.

    ``as_of`` defaults to the last day of the last complete month in the actuals (the
    latest lead, deal or cost date; a month counts once its last day is reached).
    With ``plan`` the pipeline coverage gets its target: the plan's new first-year
    value per month, total and per channel. Quota attainment ramps new hires over the
    roles' ``ramp_months`` like the plan does.
    """
    if as_of is None:
        dates = [
            pd.to_datetime(tables["leads"]["created_date"]).max(),
            pd.to_datetime(tables["deals"]["close_date"])
            .where(tables["deals"]["stage"].isin(["won", "lost"]))
            .max(),
            pd.to_datetime(tables["costs"]["month"]).max() + pd.offsets.MonthEnd(0),
        ]
        latest = max(d for d in dates if pd.notna(d))
        month_end = latest + pd.offsets.MonthEnd(0)
        as_of = (latest if latest == month_end else latest - pd.offsets.MonthEnd(1)).date()
    roles = params.organisation.roles
    quota = {r: v.quota_yearly_eur for r, v in roles.items() if v.carries_quota}
    target: dict[str, dict[pd.Timestamp, float]] = {}
    if plan is not None:
        for member in ("", *plan.channels):
            values = plan_values(plan, "new_revenue", "month", member)
            target[member] = {pd.Timestamp(k): float(v) for k, v in values.items()}
    return KpiContext(
        as_of=as_of,
        start=params.company.plan_start,
        gross_margin=params.drivers.gross_margin,
        quota_yearly_eur=quota,
        target_eur=target,
        ramp_months={r: int(v.ramp_months) for r, v in roles.items() if v.carries_quota},
    )


def _incomplete(code: str, grain: str, period: pd.Timestamp, ctx: KpiContext) -> bool:
    lag = ctx.maturity_days.get(code, 0)
    end = period_end(period, grain, ctx.as_of) + pd.Timedelta(days=lag)
    return bool(lag) and end > pd.Timestamp(ctx.as_of)


def _blank(x: float) -> bool:
    return x != x or x == 0


def _complete_cohorts(
    monthly: pd.DataFrame, plan: PlanView, ctx: KpiContext, code: str, grain: str, member: str
) -> tuple[pd.Series, pd.Series]:
    """Plan and actual of a conversion per ``grain`` period over its complete cohort months."""
    done = [p for p in plan.months if p <= pd.Timestamp(ctx.as_of)]
    done = [p for p in done if not _incomplete(code, "month", p, ctx)]
    am = monthly[(monthly["member"] == member) & monthly["period"].isin(done)]
    key = period_start(am["period"], grain)
    weighted = (am["value"] * am["base"]).groupby(key).sum()
    actual = weighted / am["base"].groupby(key).sum()
    ps = plan_series(plan, code, member)
    ps = ps[ps.index.isin(done)]
    pkey = period_start(pd.Series(ps.index, index=ps.index), grain)
    g = ps.groupby(pkey)[["num", "den"]].sum()
    return (g["num"] / g["den"].where(g["den"] != 0)).astype(float), actual


def plan_vs_actual(
    tables: Tables,
    ctx: KpiContext,
    plan: PlanView,
    grains: Iterable[str] = ("month", "quarter", "ytd"),
    thresholds: Thresholds = Thresholds(),
) -> pd.DataFrame:
    """Plan vs actual for every KPI the plan has, total and per channel.

    Returns:
        Columns :data:`VARIANCE_COLUMNS`; variance = actual − plan (the KPI's unit),
        variance_pct = variance ÷ |plan|; for the KPIs of
        :data:`~planning_lib.controlling.plan_view.FUNNEL_METRICS` plan_funnel, gap_planning =
        plan − plan_funnel and gap_execution = plan_funnel − actual (so plan − actual
        = gap_planning + gap_execution), attainment_execution and status_execution
        against plan_funnel; sorted like the catalogue.
    """
    until = pd.Timestamp(ctx.as_of).to_period("M").start_time
    rows = []
    for code, dims in PLAN_METRICS.items():
        kpi = CATALOGUE[code]
        for grain in grains:
            for dim in dims:
                members = [""] if not dim else plan.channels
                cohort = grain != "month" and ctx.maturity_days.get(code, 0) > 0
                act = compute_kpi(tables, ctx, code, "month" if cohort else grain, dim or None)
                for member in members:
                    if cohort:
                        pv, a = _complete_cohorts(act, plan, ctx, code, grain, member)
                        pf = pv  # a conversion's plan is the plan's activity already
                    else:
                        pv = plan_values(plan, code, grain, member, until)
                        a = act[act["member"] == member].set_index("period")["value"]
                        pf = (
                            plan_values(plan, code, grain, member, until, basis="funnel")
                            if code in FUNNEL_METRICS
                            else pd.Series(np.nan, pv.index)
                        )
                    for period, p in pv.items():
                        actual = float(a.get(period, np.nan))
                        if code in {"mql", "sql", "demos", "leads", "new_customers", "deals_won"}:
                            actual = 0.0 if actual != actual else actual
                        if _blank(p) and _blank(actual):
                            continue  # nothing planned, nothing happened (e.g. outbound MQL)
                        att = attainment(p, actual, kpi.good)
                        young = not cohort and _incomplete(code, grain, period, ctx)
                        st = "incomplete" if young else status(att, thresholds)
                        f = float(pf.get(period, np.nan))
                        att_x = attainment(f, actual, kpi.good)
                        st_x = "incomplete" if young else status(att_x, thresholds)
                        split = code in FUNNEL_METRICS
                        rows.append(
                            {
                                "kpi": code,
                                "label_de": kpi.label_de,
                                "label_en": kpi.label_en,
                                "grain": grain,
                                "period": period,
                                "dimension": dim,
                                "member": member,
                                "unit": kpi.unit,
                                "good": kpi.good,
                                "plan": float(p),
                                "plan_funnel": f,
                                "actual": actual,
                                "variance": actual - p,
                                "variance_pct": (actual - p) / abs(p) if p else np.nan,
                                "gap_planning": p - f,
                                "gap_execution": f - actual,
                                "attainment": att,
                                "status": st,
                                "status_de": label(f"pva.status.{st}", "de"),
                                "attainment_execution": att_x,
                                "status_execution": st_x if split else "",
                                "status_execution_de": label(f"pva.status.{st_x}", "de")
                                if split
                                else "",
                            }
                        )
    return pd.DataFrame(rows, columns=VARIANCE_COLUMNS)


# --------------------------------------------------------------------------- effects


def _to_date(t: Tables, ctx: KpiContext, code: str, dim: str) -> pd.Series:
    """A count or sum KPI summed over the months from ``ctx.start`` to ``ctx.as_of``."""
    df = compute_kpi(t, ctx, code, "month", dim)
    return df.groupby("member")["value"].sum()


def _history_split(history: Tables, ctx: KpiContext, dim: str, column: str) -> pd.DataFrame:
    """Share of won deals and relative value per deal by ``dim``, last 12 months of history."""
    end = pd.Timestamp(ctx.start) - pd.Timedelta(days=1)
    hctx = dataclasses.replace(ctx, start=(end - pd.DateOffset(months=12)).date() + dt.timedelta(1),
                               as_of=end.date())  # fmt: skip
    # new MRR is the new customers' (no upsell): its volume is their deals alone
    won_tables = new_customer_tables(history) if column == "mrr_eur" else history
    counts = _to_date(won_tables, hctx, "deals_won", dim)
    values = _to_date(history, hctx, "new_mrr" if column == "mrr_eur" else "new_revenue", dim)
    if not counts.sum():  # no won deal (a tiny region): no split, and no 0 ÷ 0
        return pd.DataFrame({"share": 0.0, "rel_price": 0.0}, index=counts.index)
    share = counts / counts.sum()
    mean = values.sum() / counts.sum()
    rel = (values / counts) / mean if mean else pd.Series(0.0, index=counts.index)
    return pd.DataFrame({"share": share, "rel_price": rel}).fillna(0.0)


def revenue_effects(
    tables: Tables, ctx: KpiContext, plan: PlanView, history: Tables | None = None
) -> pd.DataFrame:
    """Volume, mix and price effects of new MRR and new first-year revenue, year to date.

    Channel cells use the plan's new customers per channel at the plan's ARPA
    (× 12 for first-year revenue). Segment and product cells (only with ``history``)
    split the plan's totals by the last 12 history months: volume share of won deals
    and value per deal relative to the average, which keeps the plan's totals.

    Returns:
        Columns measure (new_mrr, new_revenue), dimension, period (YYYY-MM..YYYY-MM) and
        :data:`planning_lib.controlling.variance.EFFECT_COLUMNS`; one row per cell plus a
        ``member='total'`` row per measure and dimension.
    """
    until = pd.Timestamp(ctx.as_of).to_period("M").start_time
    span = f"{pd.Timestamp(ctx.start):%Y-%m}..{until:%Y-%m}"
    frames = []
    for measure, column, factor in (
        ("new_mrr", "mrr_eur", 1.0),
        ("new_revenue", "amount_eur", 12.0),
    ):
        price = plan.arpa_monthly_eur * factor
        total_new = plan_values(plan, "new_customers", "ytd", "", until).sum()
        dims = ["channel"] + (["segment", "product"] if history is not None else [])
        for dim in dims:
            if dim == "channel":
                vol = pd.Series(
                    {
                        c: plan_values(plan, "new_customers", "ytd", c, until).sum()
                        for c in plan.channels
                    }
                )
                plan_cells = pd.DataFrame({"member": vol.index, "volume": vol.values,
                                           "value_eur": vol.values * price})  # fmt: skip
            else:
                split = _history_split(history, ctx, dim, column)
                vol = total_new * split["share"]
                plan_cells = pd.DataFrame(
                    {"member": split.index, "volume": vol.values,
                     "value_eur": vol.values * price * split["rel_price"].values}
                )  # fmt: skip
            won_tables = new_customer_tables(tables) if measure == "new_mrr" else tables
            won = _to_date(won_tables, ctx, "deals_won", dim)
            value = _to_date(tables, ctx, measure, dim)
            members = won.index.union(value.index)
            actual_cells = pd.DataFrame(
                {"member": members, "volume": won.reindex(members, fill_value=0.0).values,
                 "value_eur": value.reindex(members, fill_value=0.0).values}
            )  # fmt: skip
            eff = decompose(plan_cells, actual_cells)
            total = {"member": "total", **eff.drop(columns="member").sum().to_dict()}
            for side in ("plan", "actual"):
                vol = total[f"{side}_volume"]
                total[f"{side}_price_eur"] = total[f"{side}_eur"] / vol if vol else np.nan
            eff = pd.concat([eff, pd.DataFrame([total])], ignore_index=True)
            frames.append(eff.assign(measure=measure, dimension=dim, period=span))
    out = pd.concat(frames, ignore_index=True)
    first = ["measure", "dimension", "period"]
    return out[first + [c for c in out.columns if c not in first]]


# --------------------------------------------------------------------------- MRR bridge

MRR_COMPONENTS: dict[str, dict[str, str]] = {
    "opening": {"de": "MRR zu Planbeginn", "en": "Opening MRR"},
    # with returning customers: the KPI "Neu-MRR" (new_mrr) counts new customers alone
    "new": {"de": "Neu-MRR mit Rückkehrern", "en": "New MRR incl. returning customers"},
    "expansion": {"de": "Expansion", "en": "Expansion"},
    "contraction": {"de": "Kontraktion", "en": "Contraction"},
    "churn": {"de": "Abwanderung (Churn)", "en": "Churn"},
    "closing": {"de": "MRR zum Stichtag", "en": "Closing MRR"},
}
"""The rows of the MRR bridge in order, with their German and English names."""
MRR_BRIDGE_COLUMNS = [
    "component", "label_de", "label_en", "period", "plan_eur", "actual_eur", "variance_eur",
]  # fmt: skip
_PLAN_MRR_LINES = {
    "new": ("mrr_new", 1.0),
    "expansion": ("mrr_expansion", 1.0),
    "contraction": ("mrr_contraction", -1.0),
    "churn": ("mrr_churned", -1.0),
}


def mrr_variance_bridge(tables: Tables, ctx: KpiContext, plan: PlanView) -> pd.DataFrame:
    """The MRR bridge from plan start to as-of, plan vs actual (EUR per month).

    Components as signed contributions to the closing MRR: opening (MRR at plan start:
    the plan's ``mrr_start`` of its first month; actual: MRR of the subscriptions
    active at the end of the month before), + new, + expansion, − contraction, − churn
    (plan: the model's ``mrr_new``, ``mrr_expansion``, ``mrr_contraction``,
    ``mrr_churned`` summed over the months to as-of; actual: the subscriptions' MRR
    bridge, :func:`planning_lib.metrics.customers.member_bridge`, over the same months,
    a returning customer's MRR counted as new) and closing (plan: ``mrr_end`` of the
    as-of month; actual: MRR at as-of). For plan and actual alike opening + new +
    expansion − contraction − churn = closing, so the variances (actual − plan) of the
    five components add up to the variance of the closing MRR.

    Returns:
        Columns :data:`MRR_BRIDGE_COLUMNS`, one row per component of
        :data:`MRR_COMPONENTS`; period ``YYYY-MM..YYYY-MM``.
    """
    until = pd.Timestamp(ctx.as_of).to_period("M").start_time
    months = [m for m in plan.months if m <= until]
    span = f"{pd.Timestamp(ctx.start):%Y-%m}..{until:%Y-%m}"
    planned = {"opening": float(plan.line("mrr_start").iloc[0]) if len(plan.months) else 0.0}
    for comp, (item, sign) in _PLAN_MRR_LINES.items():
        planned[comp] = sign * float(plan.line(item).reindex(months).sum()) + 0.0  # no -0.0
    planned["closing"] = float(plan.line("mrr_end").reindex(months).iloc[-1]) if months else 0.0
    b = member_bridge(
        tables["subscriptions"], pd.Period(ctx.start, freq="M"), pd.Period(until, freq="M")
    )
    actual = {
        "opening": float(b["mrr_start_eur"].iloc[0]) if len(b) else 0.0,
        "new": float(b["new_mrr_eur"].sum() + b["reactivated_mrr_eur"].sum()),
        "expansion": float(b["expansion_mrr_eur"].sum()),
        "contraction": 0.0 - float(b["contraction_mrr_eur"].sum()),
        "churn": 0.0 - float(b["churned_mrr_eur"].sum()),
        "closing": float(b["mrr_end_eur"].iloc[-1]) if len(b) else 0.0,
    }
    rows = [
        {
            "component": c,
            "label_de": names["de"],
            "label_en": names["en"],
            "period": span,
            "plan_eur": planned[c],
            "actual_eur": actual[c],
            "variance_eur": actual[c] - planned[c],
        }
        for c, names in MRR_COMPONENTS.items()
    ]
    return pd.DataFrame(rows, columns=MRR_BRIDGE_COLUMNS)


@dataclass(frozen=True)
class ControllingReport:
    """Everything ``planning controlling`` writes.

    Attributes:
        kpis: the KPI catalogue on the actuals (all grains, total and per dimension).
        variance: plan vs actual (:func:`plan_vs_actual`).
        effects: volume/mix/price effects (:func:`revenue_effects`).
        mrr_bridge: the MRR variance bridge (:func:`mrr_variance_bridge`).
        actions: evaluated rules, triggered or not, with evidence.
        landing: the rolling landing (:func:`rolling_landing`).
    """

    kpis: pd.DataFrame
    variance: pd.DataFrame
    effects: pd.DataFrame
    mrr_bridge: pd.DataFrame
    actions: list[dict[str, Any]]
    landing: dict[str, Any]


def controlling_report(
    params: Any,
    actuals: Tables,
    plan: PlanView,
    plan_summary: Mapping[str, Any],
    rules: Iterable[Any] = (),
    history: Tables | None = None,
    as_of: dt.date | None = None,
    thresholds: Thresholds = Thresholds(),
) -> ControllingReport:
    """Run the whole controlling on the actuals against a plan."""
    ctx = context_for(params, actuals, as_of, plan)
    return ControllingReport(
        kpis=compute_kpis(actuals, ctx),
        variance=plan_vs_actual(actuals, ctx, plan, thresholds=thresholds),
        effects=revenue_effects(actuals, ctx, plan, history),
        mrr_bridge=mrr_variance_bridge(actuals, ctx, plan),
        actions=evaluate_rules(rules, actuals, ctx, plan),
        landing=rolling_landing(params, actuals, ctx, plan_summary, history, plan),
    )
