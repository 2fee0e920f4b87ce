"""Feasibility and consistency findings of one deterministic plan (German and English).

Each finding has a code, a severity (critical, warning, info), the numbers behind
it and one sentence per language. Findings are sorted by severity, then code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.core.params import PlanParameters
from planning_lib.plan.inputs import ModelInputs
from planning_lib.plan.targets import (
    SEVERITY_ORDER,
    Finding,
    ForecastDistribution,
    deadline_index,
    fmt_de,
    fmt_en,
    forecast_findings,
    target_findings,
)
from planning_lib.present.formatting import format_month, format_months_count

__all__ = ["CLV_TOLERANCE", "plan_findings"]

_CAT_DE = {"tools": "Tools", "training_travel": "Schulung und Reise"}
_CAT_EN = {"tools": "Tools", "training_travel": "Training and travel"}

CLV_TOLERANCE = 0.10  # stated CLV may differ this much (share) from ARPA × GM ÷ start churn


def _r(x: float, d: int = 2) -> float:
    return round(float(x), d)


def _row(lines: Mapping[tuple[str, str], np.ndarray], item: str, ch: str = "") -> np.ndarray:
    return np.asarray(lines[(item, ch)])[0]


def _channel_label(params, name: str, locale: str) -> str:
    """The channel's label from the config (its code when it has none)."""
    ch = params.channels.get(name)
    if ch is None:
        return name
    return ch.label_en if locale == "en" else ch.label_de


def _funnel_findings(params, inp, lines, s) -> list[Finding]:
    out = []
    target = params.target("new_customers")
    if target is not None and s["new_customers_funnel"] < s["new_customers_target"] - 1e-6:
        fu, td = s["new_customers_funnel"], s["new_customers_target"]
        out.append(
            Finding(
                "funnel_below_target",
                "warning",
                f"Die geplanten Lead-Mengen ergeben {fmt_de(fu)} Neukunden statt {fmt_de(td)} "
                f"(Lücke {fmt_de(td - fu)}).",
                f"The planned lead volumes yield {fmt_en(fu)} new customers instead of "
                f"{fmt_en(td)} (gap {fmt_en(td - fu)}).",
                {"new_customers_funnel": _r(fu), "new_customers_target": _r(td)},
            )
        )
    needed, planned = s["cost_by_category"]["marketing"], s["marketing_planned_total"]
    if inp.basis == "target" and target is not None and needed > planned * 1.01:
        factor = needed / planned if planned > 0 else float("inf")
        factor_de = fmt_de(factor, 1) if np.isfinite(factor) else "unendlich"
        factor_en = fmt_en(factor, 1) if np.isfinite(factor) else "infinitely"
        out.append(
            Finding(
                "target_leads_cost",
                "critical",
                f"Die Leads, die {fmt_de(s['new_customers'])} Neukunden brauchen, kosten "
                f"{fmt_de(needed)} € Marketing; geplant sind {fmt_de(planned)} € "
                f"({factor_de}-fach, {fmt_de(needed - planned)} € mehr). Der Plan auf "
                f"Zielbasis rechnet mit diesen Kosten.",
                f"The leads {fmt_en(s['new_customers'])} new customers need cost "
                f"€{fmt_en(needed)} of marketing; the plan funds €{fmt_en(planned)} "
                f"({factor_en} times, €{fmt_en(needed - planned)} more). The target-basis "
                f"plan carries this cost.",
                {
                    "marketing_required": _r(needed),
                    "marketing_planned": _r(planned),
                    "factor": _r(factor, 4) if np.isfinite(factor) else None,
                    "difference": _r(needed - planned),
                },
            )
        )
    for ch in inp.channels:
        need = float(_row(lines, "required_entry", ch.name).sum())
        have = float(_row(lines, "leads_entry", ch.name).sum())
        if need > have * 1.000001 and need > 0:
            stage = ch.entry_stage.upper()
            need_txt_de = fmt_de(need) if np.isfinite(need) else "unendlich"
            need_txt_en = fmt_en(need) if np.isfinite(need) else "infinite"
            out.append(
                Finding(
                    "leads_short",
                    "warning",
                    f"Kanal {_channel_label(params, ch.name, 'de')}: für das Ziel nötig "
                    f"{need_txt_de} {stage}, geplant "
                    f"{fmt_de(have)} bei den geplanten Konversionsraten.",
                    f"Channel {_channel_label(params, ch.name, 'en')}: the target needs "
                    f"{need_txt_en} {stage}, planned "
                    f"{fmt_en(have)} at the planned conversion rates.",
                    {
                        "channel": ch.name,
                        "stage": ch.entry_stage,
                        "required": _r(need) if np.isfinite(need) else None,
                        "planned": _r(have),
                    },
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
    return [
        Finding(
            "capacity_short",
            "warning",
            f"Die produktiven Vertriebsmitarbeiter schaffen in "
            f"{format_months_count(len(short), 'de')} nicht die "
            f"nötigen Abschlüsse (größte Lücke {fmt_de(-worst, 1)} Deals, "
            f"{format_month(worst_label, 'de')}).",
            f"Productive reps cannot close the required deals in "
            f"{format_months_count(len(short), 'en')} "
            f"(largest gap {fmt_en(-worst, 1)} deals, {format_month(worst_label, 'en')}).",
            {
                "months": months,
                "largest_gap_deals": _r(-worst),
                "largest_gap_month": worst_label,
                "reps_needed_max": _r(needed),
                "reps_productive_in_worst_month": _r(productive),
            },
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
                f"Die Budgetkategorien ergeben {fmt_de(cat_sum)} €, das Gesamtbudget ist "
                f"{fmt_de(b.total_eur)} €.",
                f"Budget categories add up to €{fmt_en(cat_sum)}, the total budget is "
                f"€{fmt_en(b.total_eur)}.",
                {"categories_sum": cat_sum, "total": b.total_eur},
            )
        )
    if s["commissions_total"] > 0 and b.by_category.get("commissions", 0.0) == 0.0:
        rate = params.compensation.commission_rate_first_year
        all_rep = s["new_customers"] * params.drivers.arpa_monthly_eur * 12 * rate
        out.append(
            Finding(
                "commissions_not_budgeted",
                "warning",
                f"Provisionen sind nicht budgetiert: {fmt_de(s['commissions_total'])} € im Plan "
                f"(wären alle Abschlüsse Vertriebsabschlüsse: {fmt_de(all_rep)} €).",
                f"Commissions are not budgeted: €{fmt_en(s['commissions_total'])} in the plan "
                f"(if all deals were rep deals: €{fmt_en(all_rep)}).",
                {
                    "commissions_total": _r(s["commissions_total"]),
                    "commissions_reps": _r(s["commissions_reps"]),
                    "commissions_partners": _r(s["commissions_partners"]),
                    "commissions_if_all_rep_deals": _r(all_rep),
                },
            )
        )
    years = inp.months / 12.0
    budget = b.total_eur * years
    if s["cost_total"] > budget * 1.01:
        over = {
            c: _r(s["cost_by_category"][c] - b.by_category.get(c, 0.0) * years)
            for c in s["cost_by_category"]
            if s["cost_by_category"][c] > b.by_category.get(c, 0.0) * years * 1.01
        }
        out.append(
            Finding(
                "cost_over_budget",
                "warning",
                f"Die geplanten Vertriebskosten ({fmt_de(s['cost_total'])} €) übersteigen das "
                f"Budget ({fmt_de(budget)} €).",
                f"Planned sales cost (€{fmt_en(s['cost_total'])}) exceeds the budget "
                f"(€{fmt_en(budget)}).",
                {"cost_total": _r(s["cost_total"]), "budget": budget, "over_by_category": over},
            )
        )
    shares = sum(ch.lead_share for ch in params.channels.values())
    if abs(shares - 1.0) > 1e-6:
        out.append(
            Finding(
                "lead_shares_not_one",
                "warning",
                f"Die Lead-Anteile der Kanäle ergeben {fmt_de(100 * shares, 1)} % statt 100 %.",
                f"Channel lead shares add up to {fmt_en(100 * shares, 1)} % instead of 100 %.",
                {"sum": _r(shares, 6)},
            )
        )
    for cat in ("tools", "training_travel"):
        if cat not in b.cost_drivers and b.by_category.get(cat, 0.0) > 0:
            out.append(
                Finding(
                    "cost_from_budget",
                    "info",
                    f"Kosten {_CAT_DE[cat]} sind nicht aus Treibern geplant, sondern als "
                    f"Budget ÷ 12 übernommen ({fmt_de(b.by_category[cat] / 12)} € je Monat); "
                    f"eine Abweichung zum Budget kann so nicht entstehen.",
                    f"{_CAT_EN[cat]} cost is not planned from drivers but copied from the "
                    f"budget ÷ 12 (€{fmt_en(b.by_category[cat] / 12)} a month); it cannot "
                    f"deviate from the budget.",
                    {"category": cat, "monthly": _r(b.by_category[cat] / 12)},
                )
            )
    if b.total_eur <= 0:
        out.append(
            Finding(
                "budget_missing",
                "warning",
                f"Kein Vertriebsbudget angegeben (0 €): Budget ÷ Neukunden ist nicht "
                f"berechenbar; die geplanten Kosten betragen {fmt_de(s['cost_total'])} €.",
                f"No sales budget given (€0): budget ÷ new customers cannot be computed; "
                f"the planned cost is €{fmt_en(s['cost_total'])}.",
                {"cost_total": _r(s["cost_total"])},
            )
        )
    if s["company_cash_low_point"] < 0:
        out.append(
            Finding(
                "company_cash_negative",
                "critical",
                f"Die Unternehmensliquidität wird negativ: Tiefpunkt "
                f"{fmt_de(s['company_cash_low_point'])} €.",
                f"Company cash turns negative: low point €{fmt_en(s['company_cash_low_point'])}.",
                {"company_cash_low_point": _r(s["company_cash_low_point"])},
            )
        )
    if s["cash_low_point"] < 0:
        out.append(
            Finding(
                "cash_negative",
                "critical",
                f"Die Vertriebsliquidität wird negativ: Tiefpunkt {fmt_de(s['cash_low_point'])} €.",
                f"Sales cash turns negative: low point €{fmt_en(s['cash_low_point'])}.",
                {"cash_low_point": _r(s["cash_low_point"])},
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
                f"CAC-Ziel {fmt_de(target.value)} €, aber Budget ÷ Neukunden = "
                f"{fmt_de(s['cac_budget'], 2)} € und voll belastet im Plan "
                f"{fmt_de(s['cac_fully_loaded'], 2)} € (nur Marketing: {fmt_de(s['cac'], 2)} €).",
                f"CAC target €{fmt_en(target.value)}, but budget ÷ new customers = "
                f"€{fmt_en(s['cac_budget'], 2)} and fully loaded in the plan "
                f"€{fmt_en(s['cac_fully_loaded'], 2)} (marketing only: €{fmt_en(s['cac'], 2)}).",
                {
                    "cac_target": target.value,
                    "cac_budget": _r(s["cac_budget"]),
                    "cac_fully_loaded": _r(s["cac_fully_loaded"]),
                    "cac_marketing": _r(s["cac"]),
                    "acquisition_cost_at_target_cac": _r(s["acquisition_cost_at_target_cac"]),
                },
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
                f"Angegebener CLV {fmt_de(stated)} € passt nicht zu ARPA × Marge ÷ Churn = "
                f"{fmt_de(computed)} € (Churn {fmt_de(100 * s['churn_rate_start'], 1)} %); er "
                f"unterstellt {fmt_de(100 * implied, 2)} % Churn.",
                f"Stated CLV €{fmt_en(stated)} does not match ARPA × margin ÷ churn = "
                f"€{fmt_en(computed)} (churn {fmt_en(100 * s['churn_rate_start'], 1)} %); it "
                f"implies {fmt_en(100 * implied, 2)} % churn.",
                {
                    "clv_stated": stated,
                    "clv_start_churn": _r(computed),
                    "clv_end_churn": _r(s["clv_end_churn"]),
                    "implied_churn_monthly": _r(implied, 6),
                },
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
            f"Die erwartete Kundenlebensdauer ist bei diesem Churn-Verlauf länger als "
            f"{fmt_de(cap)} Monate (bei null Churn unbegrenzt); der CLV rechnet mit "
            f"höchstens {fmt_de(cap)} Monaten: {fmt_de(s['clv'])} €.",
            f"The expected customer lifetime exceeds {fmt_en(cap)} months with this churn "
            f"path (unbounded at zero churn); the CLV counts at most {fmt_en(cap)} months: "
            f"€{fmt_en(s['clv'])}.",
            {"lifetime_cap_months": cap, "clv": _r(s["clv"])},
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
            de, en = (
                "wird erreicht, auch bei gleichbleibendem Churn",
                "is reached, also at constant churn",
            )
        elif ok_path:
            code, sev = "mrr_target_needs_churn_path", "warning"
            de = (
                "wird nur mit dem geplanten Churn-Verlauf erreicht, "
                "nicht bei gleichbleibendem Churn"
            )
            en = "is reached only with the planned churn path, not at constant churn"
        else:
            code, sev = "mrr_target_missed", "critical"
            de, en = (
                "wird mit diesem Churn-Verlauf nicht erreicht",
                "is not reached with this churn path",
            )
        churn = params.drivers.churn_rate_monthly
        start = max(churn.start, churn.end if churn.end is not None else churn.start)
        out.append(
            Finding(
                code,
                sev,
                f"MRR-Ziel {fmt_de(t.value)} € {de}: {fmt_de(path)} € mit Churn-Verlauf, "
                f"{fmt_de(flat)} € bei konstant {fmt_de(100 * start, 1)} %.",
                f"MRR target €{fmt_en(t.value)} {en}: €{fmt_en(path)} with the churn path, "
                f"€{fmt_en(flat)} at a constant {fmt_en(100 * start, 1)} %.",
                {
                    "target": t.value,
                    "mrr_with_churn_path": _r(path),
                    "mrr_with_constant_churn": _r(flat),
                    "churn_constant": start,
                },
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
