"""The German and English sentences of the plan's findings (targets and feasibility).

A plan finding (:class:`planning_lib.core.finding.Finding`) carries a code and numbers;
its sentence is the text store's template ``finding_text.<code>`` filled in with those
numbers, formatted per language. Numbers in these sentences use
:func:`~planning_lib.present.formatting.format_plain` (``1.234`` / ``1,234``), months
:func:`~planning_lib.present.formatting.format_month`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from planning_lib.core.finding import Finding
from planning_lib.present.formatting import format_month, format_months_count, format_plain
from planning_lib.present.labels import text

__all__ = ["plan_finding_record", "plan_finding_text"]


def _n(x: float, loc: str, decimals: int = 0) -> str:
    return format_plain(x, loc, decimals)


def _or_word(x: float, loc: str, word: str, decimals: int = 0) -> str:
    """``x`` formatted, or the word (``unendlich``) when it is infinite."""
    return _n(x, loc, decimals) if math.isfinite(x) else text(f"finding_text.{word}", loc)


def _as_given(f: Finding, loc: str) -> dict[str, Any]:
    return dict(f.numbers)


def _forecast(f: Finding, loc: str) -> dict[str, Any]:
    n = f.numbers
    return {
        "target": _n(n["target"], loc),
        "quantile": _n(f.facts["quantile"], loc),
        "mean": _n(n["forecast_mean"], loc),
    }


def _leads_above_history(f: Finding, loc: str) -> dict[str, Any]:
    return {
        "channel": f.numbers["channel"],
        "required": _n(f.facts["required_monthly"], loc),
        "stage": f.facts["stage"].upper(),
        "history": _n(f.numbers["history_monthly"], loc),
    }


def _funnel_below_target(f: Finding, loc: str) -> dict[str, Any]:
    fu, td = f.facts["funnel"], f.facts["target"]
    return {"funnel": _n(fu, loc), "target": _n(td, loc), "gap": _n(td - fu, loc)}


def _target_leads_cost(f: Finding, loc: str) -> dict[str, Any]:
    x = f.facts
    return {
        "new_customers": _n(x["new_customers"], loc),
        "needed": _n(x["needed"], loc),
        "planned": _n(x["planned"], loc),
        "factor": _or_word(x["factor"], loc, "infinitely", 1),
        "more": _n(x["needed"] - x["planned"], loc),
    }


def _leads_short(f: Finding, loc: str) -> dict[str, Any]:
    x = f.facts
    return {
        "channel": x["channel_en"] if loc == "en" else x["channel_de"],
        "need": _or_word(x["need"], loc, "infinite"),
        "stage": f.numbers["stage"].upper(),
        "have": _n(x["have"], loc),
    }


def _capacity_short(f: Finding, loc: str) -> dict[str, Any]:
    return {
        "months": format_months_count(len(f.numbers["months"]), loc),
        "gap": _n(f.facts["largest_gap_deals"], loc, 1),
        "month": format_month(f.numbers["largest_gap_month"], loc),
    }


def _capacity_no_reps(f: Finding, loc: str) -> dict[str, Any]:
    """Whole reps: the FTE the peak month needs, rounded up (0.08 FTE → 1 rep)."""
    needed = f.facts["reps_needed_max"]
    return {
        "deals": _n(f.facts["largest_required_deals"], loc, 1),
        "month": format_month(f.numbers["largest_gap_month"], loc),
        "reps": math.ceil(needed - 1e-9) if math.isfinite(needed) else None,
        "fte": _n(needed, loc, 2) if math.isfinite(needed) else None,
    }


def _budget_categories_mismatch(f: Finding, loc: str) -> dict[str, Any]:
    n = f.numbers
    return {"categories_sum": _n(n["categories_sum"], loc), "total": _n(n["total"], loc)}


def _commissions_not_budgeted(f: Finding, loc: str) -> dict[str, Any]:
    return {"total": _n(f.facts["commissions_total"], loc), "all_rep": _n(f.facts["all_rep"], loc)}


def _cost_over_budget(f: Finding, loc: str) -> dict[str, Any]:
    return {"cost": _n(f.facts["cost_total"], loc), "budget": _n(f.numbers["budget"], loc)}


def _lead_shares_not_one(f: Finding, loc: str) -> dict[str, Any]:
    return {"sum": _n(100 * f.facts["sum"], loc, 1)}


def _cost_from_budget(f: Finding, loc: str) -> dict[str, Any]:
    return {
        "category": text(f"finding_text.category.{f.numbers['category']}", loc),
        "monthly": _n(f.facts["monthly"], loc),
    }


def _budget_missing(f: Finding, loc: str) -> dict[str, Any]:
    return {"cost": _n(f.facts["cost_total"], loc)}


def _cash_negative(f: Finding, loc: str) -> dict[str, Any]:
    return {"low_point": _n(f.facts["low_point"], loc)}


def _cac_above_target(f: Finding, loc: str) -> dict[str, Any]:
    x = f.facts
    return {
        "target": _n(f.numbers["cac_target"], loc),
        "budget": _n(x["cac_budget"], loc, 2),
        "fully_loaded": _n(x["cac_fully_loaded"], loc, 2),
        "marketing": _n(x["cac"], loc, 2),
    }


def _clv_inconsistent(f: Finding, loc: str) -> dict[str, Any]:
    x = f.facts
    return {
        "stated": _n(f.numbers["clv_stated"], loc),
        "computed": _n(x["computed"], loc),
        "churn": _n(100 * x["churn_start"], loc, 1),
        "implied": _n(100 * x["implied"], loc, 2),
    }


def _clv_lifetime_capped(f: Finding, loc: str) -> dict[str, Any]:
    return {"cap": _n(f.numbers["lifetime_cap_months"], loc), "clv": _n(f.facts["clv"], loc)}


def _mrr_target(f: Finding, loc: str) -> dict[str, Any]:
    return {
        "target": _n(f.numbers["target"], loc),
        "path": _n(f.facts["path"], loc),
        "flat": _n(f.facts["flat"], loc),
        "churn": _n(100 * f.numbers["churn_constant"], loc, 1),
    }


_VALUES: Mapping[str, Callable[[Finding, str], dict[str, Any]]] = {
    "target_deadline_outside_horizon": _as_given,
    "target_without_baseline": _as_given,
    "target_unit_mismatch": _as_given,
    "target_share_out_of_range": _as_given,
    "target_unrealistic": _forecast,
    "target_ambitious": _forecast,
    "leads_above_history": _leads_above_history,
    "funnel_below_target": _funnel_below_target,
    "target_leads_cost": _target_leads_cost,
    "leads_short": _leads_short,
    "capacity_short": _capacity_short,
    "capacity_no_reps": _capacity_no_reps,
    "budget_categories_mismatch": _budget_categories_mismatch,
    "commissions_not_budgeted": _commissions_not_budgeted,
    "cost_over_budget": _cost_over_budget,
    "lead_shares_not_one": _lead_shares_not_one,
    "cost_from_budget": _cost_from_budget,
    "budget_missing": _budget_missing,
    "company_cash_negative": _cash_negative,
    "cash_negative": _cash_negative,
    "cac_fully_loaded_above_target": _cac_above_target,
    "clv_inconsistent": _clv_inconsistent,
    "clv_lifetime_capped": _clv_lifetime_capped,
    "mrr_target_reached": _mrr_target,
    "mrr_target_needs_churn_path": _mrr_target,
    "mrr_target_missed": _mrr_target,
}
"""Per finding code: the values its sentence template ``finding_text.<code>`` states."""


def plan_finding_text(finding: Finding, locale: str = "de") -> str:
    """The sentence of a plan finding in ``locale`` (``de`` default, ``en``).

    Raises:
        KeyError: no sentence is defined for the finding's code.
    """
    loc = "en" if locale == "en" else "de"
    values = _VALUES[finding.code](finding, loc)
    if finding.code == "capacity_no_reps" and values["reps"] is None:  # no quota role at all
        return text("finding_text.capacity_no_reps_no_role", loc, **values)
    return text(f"finding_text.{finding.code}", loc, **values)


def plan_finding_record(finding: Finding) -> dict[str, Any]:
    """The finding as written to ``findings.json``: code, severity, both sentences, numbers."""
    return {
        "code": finding.code,
        "severity": finding.severity,
        "message_de": plan_finding_text(finding, "de"),
        "message_en": plan_finding_text(finding, "en"),
        "numbers": finding.numbers,
    }
