"""Feasibility and consistency findings of one deterministic plan.

Each finding has a code, a severity (critical, warning, info) and the numbers behind
it (:class:`planning_lib.core.finding.Finding`); its German and English sentence is
written by :mod:`planning_lib.present.plan_finding_texts`. Findings are sorted by
severity, then code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.core.finding import SEVERITY_ORDER, Finding
from planning_lib.core.params import PlanParameters
from planning_lib.plan.inputs import ModelInputs
from planning_lib.plan.targets import (
    ForecastDistribution,
    deadline_index,
    forecast_findings,
    target_findings,
)

__all__ = ["CLV_TOLERANCE", "plan_findings"]

CLV_TOLERANCE = 0.10  # stated CLV may differ this much (share) from ARPA × GM ÷ start churn


def _r(x: float, d: int = 2) -> float:
    return round(float(x), d)


def _row(lines: Mapping[tuple[str, str], np.ndarray], item: str, ch: str = "") -> np.ndarray:
    return np.asarray(lines[(item, ch)])[0]


def _channel_labels(params, name: str) -> dict[str, str]:
    """The channel's German and English label from the config (its code when it has none)."""
    ch = params.channels.get(name)
    if ch is None:
        return {"channel_de": name, "channel_en": name}
    return {"channel_de": ch.label_de, "channel_en": ch.label_en}


def _funnel_findings(params, inp, lines, s) -> list[Finding]:
    out = []
    target = params.target("new_customers")
    if target is not None and s["new_customers_funnel"] < s["new_customers_target"] - 1e-6:
        fu, td = s["new_customers_funnel"], s["new_customers_target"]
        out.append(
            Finding(
                "funnel_below_target",
                "warning",
                {"new_customers_funnel": _r(fu), "new_customers_target": _r(td)},
                {"funnel": fu, "target": td},
            )
        )
    needed, planned = s["cost_by_category"]["marketing"], s["marketing_planned_total"]
    if inp.basis == "target" and target is not None and needed > planned * 1.01:
        factor = needed / planned if planned > 0 else float("inf")
        out.append(
            Finding(
                "target_leads_cost",
                "critical",
                {
                    "marketing_required": _r(needed),
                    "marketing_planned": _r(planned),
                    "factor": _r(factor, 4) if np.isfinite(factor) else None,
                    "difference": _r(needed - planned),
                },
                {
                    "new_customers": s["new_customers"],
                    "needed": needed,
                    "planned": planned,
                    "factor": factor,
                },
            )
        )
    for ch in inp.channels:
        need = float(_row(lines, "required_entry", ch.name).sum())
        have = float(_row(lines, "leads_entry", ch.name).sum())
        if need > have * 1.000001 and need > 0:
            out.append(
                Finding(
                    "leads_short",
                    "warning",
                    {
                        "channel": ch.name,
                        "stage": ch.entry_stage,
                        "required": _r(need) if np.isfinite(need) else None,
                        "planned": _r(have),
                    },
                    {**_channel_labels(params, ch.name), "need": need, "have": have},
                )
            )
    return out


def _capacity_findings(inp, lines) -> list[Finding]:
    gap = _row(lines, "capacity_gap")
    short = [i for i in range(inp.months) if gap[i] < -1e-9]
    if not short:
        return []

    def label(i: int) -> str:
        return (
            f"{inp.plan_start.year + (inp.plan_start.month - 1 + i) // 12}-"
            f"{(inp.plan_start.month - 1 + i) % 12 + 1:02d}"
        )

    months = [label(i) for i in short]
    worst = float(gap.min())
    needed = float(np.nanmax(_row(lines, "reps_needed")))
    quota = [r.name for r in inp.roles if r.carries_quota]
    worst_month = int(np.argmin(gap))
    worst_label = label(worst_month)  # the sentence names the month of the largest gap
    productive = sum(float(_row(lines, f"reps_productive.{r}")[worst_month]) for r in quota)
    heads = sum((_row(lines, f"reps_heads.{r}") for r in quota), np.zeros(inp.months))
    if not (heads > 1e-9).any():
        # no quota rep in any month (current.reps 0, no hires): no "gap", no reps at all
        return [
            Finding(
                "capacity_no_reps",
                "warning",
                {
                    "months": months,
                    "largest_required_deals": _r(-worst),
                    "largest_gap_month": worst_label,
                    "reps_needed_max": _r(needed) if np.isfinite(needed) else None,
                    "quota_roles": quota,
                },
                {"largest_required_deals": -worst, "reps_needed_max": needed},
            )
        ]
    return [
        Finding(
            "capacity_short",
            "warning",
            {
                "months": months,
                "largest_gap_deals": _r(-worst),
                "largest_gap_month": worst_label,
                "reps_needed_max": _r(needed),
                "reps_productive_in_worst_month": _r(productive),
            },
            {"largest_gap_deals": -worst},
        )
    ]


def _budget_findings(params, inp, s) -> list[Finding]:
    out = []
    b = params.budget
    cat_sum = sum(b.by_category.values())
    if abs(cat_sum - b.total_eur) > 0.5:
        out.append(
            Finding(
                "budget_categories_mismatch",
                "critical",
                {"categories_sum": cat_sum, "total": b.total_eur},
            )
        )
    if s["commissions_total"] > 0 and b.by_category.get("commissions", 0.0) == 0.0:
        rate = params.compensation.commission_rate_first_year
        all_rep = s["new_customers"] * params.drivers.arpa_monthly_eur * 12 * rate
        if "bookings_new_total" in s:  # transactional: the one-off deal is commissioned too
            all_rep = all_rep + s["bookings_new_total"] * rate
            repeat_rate = params.compensation.commission_rate_repeat_purchase or 0.0
            all_rep = all_rep + s["bookings_repeat_total"] * repeat_rate
        out.append(
            Finding(
                "commissions_not_budgeted",
                "warning",
                {
                    "commissions_total": _r(s["commissions_total"]),
                    "commissions_reps": _r(s["commissions_reps"]),
                    "commissions_partners": _r(s["commissions_partners"]),
                    "commissions_if_all_rep_deals": _r(all_rep),
                },
                {"commissions_total": s["commissions_total"], "all_rep": all_rep},
            )
        )
    years = inp.months / 12.0
    budget = b.total_eur * years
    # no budget given (0): only ``budget_missing`` below says so; "over a budget of 0 €"
    # would repeat it as a second warning
    if b.total_eur > 0 and s["cost_total"] > budget * 1.01:
        over = {
            c: _r(s["cost_by_category"][c] - b.by_category.get(c, 0.0) * years)
            for c in s["cost_by_category"]
            if s["cost_by_category"][c] > b.by_category.get(c, 0.0) * years * 1.01
        }
        out.append(
            Finding(
                "cost_over_budget",
                "warning",
                {"cost_total": _r(s["cost_total"]), "budget": budget, "over_by_category": over},
                {"cost_total": s["cost_total"]},
            )
        )
    shares = sum(ch.lead_share for ch in params.channels.values())
    if abs(shares - 1.0) > 1e-6:
        out.append(
            Finding("lead_shares_not_one", "warning", {"sum": _r(shares, 6)}, {"sum": shares})
        )
    for cat in ("tools", "training_travel"):
        if cat not in b.cost_drivers and b.by_category.get(cat, 0.0) > 0:
            out.append(
                Finding(
                    "cost_from_budget",
                    "info",
                    {"category": cat, "monthly": _r(b.by_category[cat] / 12)},
                    {"monthly": b.by_category[cat] / 12},
                )
            )
    if b.total_eur <= 0:
        out.append(
            Finding(
                "budget_missing",
                "warning",
                {"cost_total": _r(s["cost_total"])},
                {"cost_total": s["cost_total"]},
            )
        )
    if s["company_cash_low_point"] < 0:
        out.append(
            Finding(
                "company_cash_negative",
                "critical",
                {"company_cash_low_point": _r(s["company_cash_low_point"])},
                {"low_point": s["company_cash_low_point"]},
            )
        )
    if s["cash_low_point"] < 0:
        out.append(
            Finding(
                "cash_negative",
                "critical",
                {"cash_low_point": _r(s["cash_low_point"])},
                {"low_point": s["cash_low_point"]},
            )
        )
    return out


def _kpi_findings(params, s) -> list[Finding]:
    out = []
    target = params.target("cac")
    worst_cac = np.nanmax([s["cac_budget"], s["cac_fully_loaded"], -np.inf])
    if target is not None and worst_cac > target.value:
        out.append(
            Finding(
                "cac_fully_loaded_above_target",
                "warning",
                {
                    "cac_target": target.value,
                    "cac_budget": _r(s["cac_budget"]),
                    "cac_fully_loaded": _r(s["cac_fully_loaded"]),
                    "cac_marketing": _r(s["cac"]),
                    "acquisition_cost_at_target_cac": _r(s["acquisition_cost_at_target_cac"]),
                },
                {key: s[key] for key in ("cac_budget", "cac_fully_loaded", "cac")},
            )
        )
    stated, computed = s["clv_stated"], s["clv_start_churn"]
    if stated > 0 and np.isfinite(computed) and abs(stated - computed) > CLV_TOLERANCE * computed:
        d = params.drivers
        implied = d.arpa_monthly_eur * d.gross_margin / stated
        out.append(
            Finding(
                "clv_inconsistent",
                "warning",
                {
                    "clv_stated": stated,
                    "clv_start_churn": _r(computed),
                    "clv_end_churn": _r(s["clv_end_churn"]),
                    "implied_churn_monthly": _r(implied, 6),
                },
                {"computed": computed, "churn_start": s["churn_rate_start"], "implied": implied},
            )
        )
    return out


def _clv_findings(inp, s) -> list[Finding]:
    """The customer lifetime hits its cap (zero or near-zero churn)."""
    cap = float(inp.clv_max_lifetime_months)
    if s["customer_lifetime_months"] < cap - 1e-9:
        return []
    return [
        Finding(
            "clv_lifetime_capped",
            "warning",
            {"lifetime_cap_months": cap, "clv": _r(s["clv"])},
            {"clv": s["clv"]},
        )
    ]


def _mrr_findings(params, inp, lines) -> list[Finding]:
    out = []
    for t in params.targets:
        if t.metric != "mrr_end":
            continue
        idx = deadline_index(t.deadline, inp.plan_start, inp.months)
        if idx is None:
            continue
        path = float(_row(lines, "mrr_end")[idx])
        flat = float(_row(lines, "mrr_end_churn_constant")[idx])
        ok_path, ok_flat = path >= t.value, flat >= t.value
        if ok_path and ok_flat:
            code, sev = "mrr_target_reached", "info"
        elif ok_path:
            code, sev = "mrr_target_needs_churn_path", "warning"
        else:
            code, sev = "mrr_target_missed", "critical"
        churn = params.drivers.churn_rate_monthly
        start = max(churn.start, churn.end if churn.end is not None else churn.start)
        out.append(
            Finding(
                code,
                sev,
                {
                    "target": t.value,
                    "mrr_with_churn_path": _r(path),
                    "mrr_with_constant_churn": _r(flat),
                    "churn_constant": start,
                },
                {"path": path, "flat": flat},
            )
        )
    return out


def plan_findings(
    params: PlanParameters,
    inp: ModelInputs,
    values: Mapping[str, Any],
    lines: Mapping[tuple[str, str], np.ndarray],
    summary: Mapping[str, Any],
) -> list[Finding]:
    """All findings of a deterministic plan, most severe first.

    Args:
        params, inp, values: the plan's parameters, structure and driver values.
        lines: the model's line items (draw 0 is read).
        summary: the plan's summary KPIs as plain floats.
    """
    out = target_findings(params)
    nct = params.target("new_customers")
    if nct is not None and params.forecast_no_change_new_customers:
        fc = ForecastDistribution.default(float(params.forecast_no_change_new_customers))
        out += forecast_findings(nct.value, fc)
    out += _funnel_findings(params, inp, lines, summary)
    out += _capacity_findings(inp, lines)
    out += _budget_findings(params, inp, summary)
    out += _kpi_findings(params, summary)
    out += _mrr_findings(params, inp, lines)
    out += _clv_findings(inp, summary)
    return sorted(out, key=lambda f: (SEVERITY_ORDER[f.severity], f.code))
