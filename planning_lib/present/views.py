"""Tables and series the phase notebooks show, shaped from the library's results.

The notebooks stay thin: everything they display that needs a filter, a pivot or
a sum is a function here, named after what it returns, and tested. The figures
themselves come from ``analysis``, ``model`` and ``targets``; nothing here invents
a formula beyond selecting, reshaping and summing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.present.plan_finding_texts import plan_finding_text

__all__ = [
    "ADDITIVE_UNITS",
    "CONTROLLING_KPIS",
    "EXECUTION_COLUMNS",
    "KEY_FIGURE_NAMES",
    "a_class",
    "actions_table",
    "actual_kpis",
    "budget_by_category",
    "budget_monthly",
    "channel_plan",
    "channel_wide",
    "consolidate_monthly",
    "consolidated_key_figures",
    "execution_split",
    "findings_table",
    "funnel_by_channel",
    "funnel_last_12_months",
    "history_yearly",
    "landing_path_cumulative",
    "landing_table",
    "landing_targets",
    "lead_shortfall",
    "line_wide",
    "missing_regions",
    "monthly_by",
    "monthly_history",
    "organisation_monthly",
    "plan_actual_monthly",
    "plan_key_figures",
    "profitability",
    "region_summary_table",
    "roles_table",
    "rule_evidence_table",
    "structure_table",
    "targets_hit",
    "targets_table",
    "top_segment",
    "variance_table",
    "won_gap",
]

KEY_FIGURE_NAMES: tuple[str, ...] = (
    "new_customers",
    "customers_end",
    "mrr_start",
    "mrr_end",
    "arr_end",
    "budget_total",
    "cac_fully_loaded",
    "ltv_to_cac",
    "cash_low_point",
)
ADDITIVE_UNITS: tuple[str, ...] = ("EUR", "count")
"""Units of line items that add up over regions (shares and ratios do not)."""


# ------------------------------------------------------------------ phase 1


def monthly_history(revenue_monthly: pd.DataFrame, column: str) -> pd.Series:
    """The company-level monthly series ``column`` of the revenue history, indexed by month."""
    total = revenue_monthly[revenue_monthly["dimension"] == "total"]
    idx = pd.PeriodIndex(total["period"].astype(str), freq="M").to_timestamp()
    return pd.Series(total[column].to_numpy(dtype=float), index=idx, name=column)


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


# ------------------------------------------------------------------ plan (phases 2, 4-6)


def line_wide(monthly: pd.DataFrame, items: Sequence[str], channel: str = "") -> pd.DataFrame:
    """Month × line item (one column per item, in ``items`` order) for one channel."""
    sel = monthly[monthly["line_item"].isin(items) & (monthly["channel"].fillna("") == channel)]
    wide = sel.pivot_table(index="month", columns="line_item", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    return wide.reindex(columns=[i for i in items if i in wide.columns])


def channel_wide(monthly: pd.DataFrame, item: str) -> pd.DataFrame:
    """Month × channel of one line item (channels with a name only)."""
    sel = monthly[(monthly["line_item"] == item) & (monthly["channel"].fillna("") != "")]
    wide = sel.pivot_table(index="month", columns="channel", values="value", aggfunc="sum")
    wide.index = pd.to_datetime(wide.index)
    wide.columns.name = None
    return wide.rename_axis("month")


def plan_key_figures(summary: Mapping[str, Any]) -> dict[str, float]:
    """The plan's key figures for the run index (those present in ``summary``)."""
    return {k: float(summary[k]) for k in KEY_FIGURE_NAMES if k in summary}


def bases_table(bases: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The plan on both bases, one row each: what the plan funds and what the target needs.

    Rows ``funnel`` (planned leads and what they deliver) and ``target`` (the target
    reached, paying for the leads it requires); columns new customers, MRR at the end,
    total and marketing cost, fully loaded CAC, cash low points (EUR) and the chance of
    the MRR target (share, NaN without Monte Carlo).
    """
    rows = []
    for basis in ("funnel", "target"):
        b = bases[basis]
        p = b.get("p_mrr_target")
        rows.append(
            {
                "basis": basis,
                "new_customers": float(b["new_customers"]),
                "mrr_end_eur": float(b["mrr_end"]),
                "cost_total_eur": float(b["cost_total"]),
                "marketing_cost_eur": float(b["marketing_cost"]),
                "cac_fully_loaded_eur": float(b["cac_fully_loaded"]),
                "cash_low_point_eur": float(b["cash_low_point"]),
                "company_cash_low_point_eur": float(b["company_cash_low_point"]),
                "p_hit_mrr_target": float("nan") if p is None else float(p),
            }
        )
    return pd.DataFrame(rows)


def targets_table(params: Any, lines: Mapping[tuple[str, str], np.ndarray]) -> pd.DataFrame:
    """The SMART targets with the value the plan achieves by the deadline and whether it hits.

    Args:
        params: the plan parameters (``targets``, ``company``).
        lines: the plan's line items (``PlanResult.lines``).
    """
    from planning_lib.plan.targets import target_achieved, target_hit

    rows = []
    months = len(next(iter(lines.values()))[0])
    for t in params.targets:
        try:
            achieved = np.asarray(target_achieved(t, lines, params.company.plan_start, months))
            value = float(achieved.reshape(-1)[0])
            hit = bool(np.asarray(target_hit(t, achieved)).reshape(-1)[0])
        except (KeyError, ValueError):
            value, hit = float("nan"), None
        rows.append(
            {
                "code": t.code,
                "metric": t.metric,
                "unit": t.unit,
                "baseline": t.baseline,
                "target": t.value,
                "plan": value,
                "hit": hit,
                "deadline": t.deadline.isoformat(),
                "owner": t.owner,
                "description": t.description_de,
                "description_en": t.description_en,
            }
        )
    return pd.DataFrame(rows)


def findings_table(findings: Iterable[Any], locale: str = "de") -> pd.DataFrame:
    """Findings as a table: code, severity and the sentence in ``locale``."""
    rows = [
        {
            "code": f.code,
            "severity": getattr(f, "severity", ""),
            "text": plan_finding_text(f, locale),
        }
        for f in findings
    ]
    return pd.DataFrame(rows, columns=["code", "severity", "text"])


def targets_hit(targets: pd.DataFrame) -> tuple[int, int]:
    """(targets the plan reaches, targets) from :func:`targets_table`."""
    return int(targets["hit"].fillna(False).astype(bool).sum()), len(targets)


def won_gap(gap: pd.DataFrame) -> tuple[float, float]:
    """(top-down, bottom-up) new customers over the plan from ``targets.gap_table``."""
    won = gap[gap["stage"] == "won"]
    return float(won["top_down"].sum()), float(won["bottom_up"].sum())


def lead_shortfall(channels: pd.DataFrame) -> tuple[list[str], float]:
    """Channels whose planned leads fall short of the required ones, and the leads missing."""
    short = channels[channels["lead_coverage_share"] < 1]
    return list(short["channel"]), float((short["leads_required"] - short["leads_planned"]).sum())


def a_class(abc_summary: pd.DataFrame) -> pd.Series:
    """The A row of the ABC summary (customer_share, revenue_share, ...)."""
    return abc_summary[abc_summary["abc_class"] == "A"].iloc[0]


def top_segment(segments: pd.DataFrame) -> pd.Series:
    """The segment ranked first by attractiveness."""
    return segments.sort_values("rank").iloc[0]


def channel_plan(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per channel over the plan: planned and required leads/MQL/SQL/demos/won, marketing cost.

    ``cost_per_won_eur`` is the channel's marketing cost ÷ its planned new customers.
    """
    items = {
        "leads_entry": "leads_planned",
        "required_entry": "leads_required",
        "mql": "mql_planned",
        "required_mql": "mql_required",
        "sql": "sql_planned",
        "required_sql": "sql_required",
        "demos": "demos_planned",
        "required_demos": "demos_required",
        "customers_new": "new_customers",
        "cost_marketing": "marketing_cost_eur",
    }
    sel = monthly[monthly["line_item"].isin(items) & (monthly["channel"].fillna("") != "")]
    wide = sel.pivot_table(index="channel", columns="line_item", values="value", aggfunc="sum")
    wide = wide.rename(columns=items).reindex(columns=list(items.values()))
    wide["lead_coverage_share"] = wide["leads_planned"] / wide["leads_required"]
    wide["cost_per_won_eur"] = wide["marketing_cost_eur"] / wide["new_customers"]
    return wide.reset_index()


def organisation_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """Reps (head count, hired, ramping, productive), capacity vs required deals, commissions."""
    items = [
        "reps_heads",
        "reps_hired",
        "reps_ramping",
        "reps_productive",
        "capacity_deals",
        "required_rep_deals",
        "capacity_gap",
    ]
    wide = line_wide(monthly, items)
    comm = monthly[monthly["line_item"] == "cost_commissions"]
    for ch in ("reps", "partner"):
        part = comm[comm["channel"] == ch]
        values = pd.Series(part["value"].to_numpy(), index=pd.to_datetime(part["month"]))
        wide[f"commissions_{ch}_eur"] = values.reindex(wide.index).fillna(0.0)
    wide.index = wide.index.strftime("%Y-%m")
    return wide.rename_axis("month").reset_index()


def budget_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    """Cost per category and month (EUR), one column per category (the category totals)."""
    cats = [
        "cost_personnel",
        "cost_marketing",
        "cost_tools",
        "cost_training_travel",
        "cost_commissions",
        "cost_other",
    ]
    # the category totals (channel ''); per-channel rows are parts of them
    sel = monthly[monthly["line_item"].isin(cats) & (monthly["channel"].fillna("") == "")]
    wide = sel.pivot_table(index="month", columns="line_item", values="value", aggfunc="sum")
    wide = wide.reindex(columns=[c for c in cats if c in wide.columns]).fillna(0.0)
    wide.columns = [f"{c.removeprefix('cost_')}_eur" for c in wide.columns]
    wide.index = pd.to_datetime(wide.index)
    return wide


def budget_by_category(summary: Mapping[str, Any], costs: pd.DataFrame) -> pd.DataFrame:
    """Budget vs planned cost per category over the plan (EUR) and the cost's share.

    ``variance_eur`` is the plan's ``budget_variance_by_category``: planned cost − budget
    over the plan's months (positive = over budget), the one definition of the summary.
    ``budget_eur`` is the budget for those months (the yearly budget × months ÷ 12).

    Args:
        summary: the plan's summary (``budget_by_category`` yearly EUR and, when
            present, ``budget_variance_by_category``).
        costs: month × ``<category>_eur`` from :func:`budget_monthly`.
    """
    budget_yearly = dict(summary.get("budget_by_category", {}))
    stated = dict(summary.get("budget_variance_by_category", {}))
    planned = {c.removesuffix("_eur"): float(costs[c].sum()) for c in costs.columns}
    cats = list(dict.fromkeys([*budget_yearly, *planned]))
    months = len(costs)
    variance = {
        c: float(stated[c])
        if c in stated
        else planned.get(c, 0.0) - float(budget_yearly.get(c, 0.0)) * months / 12.0
        for c in cats
    }
    total = sum(planned.values()) or np.nan
    return pd.DataFrame(
        {
            "category": cats,
            "budget_eur": [planned.get(c, 0.0) - variance[c] for c in cats],
            "planned_cost_eur": [planned.get(c, 0.0) for c in cats],
            "cost_share": [planned.get(c, 0.0) / total for c in cats],
            "variance_eur": [variance[c] for c in cats],
        }
    )


def profitability(monthly: pd.DataFrame) -> pd.DataFrame:
    """Monthly revenue, gross profit, sales cost, contribution margin and cash (EUR)."""
    items = [
        "revenue",
        "gross_profit",
        "cost_total",
        "contribution_margin",
        "cash_in",
        "cash_out",
        "cash_balance",
    ]
    wide = line_wide(monthly, items)
    wide.columns = [f"{c}_eur" for c in wide.columns]
    wide.index = wide.index.strftime("%Y-%m")
    return wide.rename_axis("month").reset_index()


def roles_table(params: Any, locale: str = "de") -> pd.DataFrame:
    """Sales roles with cost, productivity, ramp-up, planned hires and the team structure."""
    hires: dict[str, list[str]] = {}
    for h in params.organisation.hires:
        hires.setdefault(h.role, []).append(f"{h.count} × M{h.start_month}")
    rows = []
    for code, role in params.organisation.roles.items():
        rows.append(
            {
                "role": role.label_en if locale == "en" else role.label_de,
                "heads_start": params.current.reps.get(code, 0),
                "hires": ", ".join(hires.get(code, [])),
                "salary_yearly_eur": role.salary_yearly_eur,
                "deals_per_month": role.deals_per_month,
                "ramp_months": role.ramp_months,
                "attrition_yearly_share": role.attrition_yearly,
                "quota_yearly_eur": role.quota_yearly_eur,
            }
        )
    return pd.DataFrame(rows)


def structure_table(params: Any) -> pd.DataFrame:
    """Teams and what they own (lead sources), and the tools of the sales team."""
    rows = [{"team": t, "owns": ", ".join(o)} for t, o in params.organisation.structure.items()]
    rows.append({"team": "tools", "owns": ", ".join(params.organisation.tools)})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ controlling (07)

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
    from planning_lib.metrics.kpis import compute_kpis

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


# ------------------------------------------------------------------ consolidation (08)


def missing_regions(regions: Sequence[str], present: Mapping[str, Any]) -> list[str]:
    """The configured regions that are not in ``present`` (their plan is missing)."""
    return [r for r in regions if r not in present]


def consolidate_monthly(region_monthly: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The company's monthly plan: additive line items (EUR, counts) summed over regions.

    Shares and ratios are not summed; they are left out.
    """
    frames = [f[f["unit"].isin(ADDITIVE_UNITS)].assign(region=r) for r, f in region_monthly.items()]
    if not frames:
        return pd.DataFrame(columns=["month", "line_item", "channel", "value", "unit"])
    both = pd.concat(frames, ignore_index=True)
    both["channel"] = both["channel"].fillna("")
    out = both.groupby(["month", "line_item", "channel", "unit"], as_index=False)["value"].sum()
    return out[["month", "line_item", "channel", "value", "unit"]]


def region_summary_table(summaries: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per region with its plan's key figures, and a company row (sums).

    Ratios are recomputed from the company's sums, not added: the fully loaded CAC is
    its total cost ÷ its new customers, LTV:CAC its new customers' lifetime value ÷ its
    total cost (per region ``clv ÷ cac_fully_loaded`` is the same quotient).
    """
    additive = ["new_customers", "customers_end", "mrr_start", "mrr_end", "arr_end"]
    additive += ["budget_total", "cost_total", "churned_customers"]
    additive += ["lifetime_value_new_customers", "cash_start"]
    rows = []
    for region, s in summaries.items():
        row: dict[str, Any] = {"region": region}
        row.update({k: float(s[k]) for k in additive if k in s})
        row["cac_fully_loaded_eur"] = float(s.get("cac_fully_loaded", np.nan))
        row["ltv_to_cac"] = float(s.get("ltv_to_cac", np.nan))
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    total: dict[str, Any] = {"region": "Gesamt"}
    total.update({k: float(table[k].sum()) for k in additive if k in table})
    cost = total.get("cost_total", np.nan)
    if total.get("new_customers"):
        total["cac_fully_loaded_eur"] = cost / total["new_customers"]
    if "lifetime_value_new_customers" in total and cost:
        total["ltv_to_cac"] = total["lifetime_value_new_customers"] / cost
    euros = ("mrr_start", "mrr_end", "arr_end", "budget_total", "cost_total")
    euros += ("lifetime_value_new_customers", "cash_start")
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True).rename(
        columns={k: f"{k}_eur" for k in euros}
    )


def consolidated_key_figures(table: pd.DataFrame, consolidated: pd.DataFrame) -> dict[str, float]:
    """Key figures of the company: sums of the regions, cash low point of the summed cash."""
    total = table[table["region"] == "Gesamt"].iloc[0]
    out = {
        "regions": float(len(table) - 1),
        "new_customers": float(total["new_customers"]),
        "customers_end": float(total["customers_end"]),
        "mrr_start": float(total["mrr_start_eur"]),
        "mrr_end": float(total["mrr_end_eur"]),
        "arr_end": float(total["arr_end_eur"]),
        "budget_total": float(total["budget_total_eur"]),
        "cac_fully_loaded": float(total["cac_fully_loaded_eur"]),
    }
    if "ltv_to_cac" in total:
        out["ltv_to_cac"] = float(total["ltv_to_cac"])
    cash = consolidated[consolidated["line_item"] == "cash_balance"]
    if len(cash):
        low = float(cash.groupby("month")["value"].sum().min())
        opening = float(total["cash_start_eur"]) if "cash_start_eur" in total else low
        out["cash_low_point"] = min(low, opening)  # the low point includes the opening
    return out
