"""The deterministic plan: :func:`run_plan` (parameters → line items, summary, findings).

The line items come from :func:`planning_lib.plan.lines.plan_lines` (the formula sheet is
there), the summary KPIs from :func:`planning_lib.plan.summary.plan_summary`, the
findings from :func:`planning_lib.plan.feasibility.plan_findings`. :func:`tidy_lines`
turns line items into a tidy monthly table with units (:data:`LINE_UNITS`).

Units: money in EUR, counts as counts, shares 0..1, months as months.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.core.finding import Finding
from planning_lib.core.overrides import apply_overrides, driver_values
from planning_lib.core.params import PlanParameters
from planning_lib.core.vocabulary import COST_CATEGORIES
from planning_lib.plan.feasibility import plan_findings
from planning_lib.plan.inputs import ModelInputs, model_inputs
from planning_lib.plan.lines import Lines, plan_lines
from planning_lib.plan.summary import plan_summary

__all__ = ["LINE_UNITS", "PlanResult", "plan_months", "run_plan", "tidy_lines"]

LINE_UNITS: dict[str, str] = {
    "churn_rate": "share",
    "customers_start": "count",
    "customers_new": "count",
    "customers_new_target": "count",
    "customers_new_funnel": "count",
    "customers_churned": "count",
    "customers_end": "count",
    "mrr_start": "EUR",
    "mrr_new": "EUR",
    "mrr_expansion": "EUR",
    "mrr_contraction": "EUR",
    "mrr_churned": "EUR",
    "mrr_end": "EUR",
    "mrr_end_churn_constant": "EUR",
    "arr_end": "EUR",
    "revenue": "EUR",
    "bookings": "EUR",
    "bookings_new": "EUR",
    "bookings_repeat": "EUR",
    "repeat_purchases": "count",
    "gross_profit": "EUR",
    "contribution_margin": "EUR",
    "partners_signed": "count",
    "partners_active": "count",
    "leads_entry": "count",
    "leads_basis": "count",
    "marketing_planned": "EUR",
    "mql": "count",
    "sql": "count",
    "demos": "count",
    "won": "count",
    "required_entry": "count",
    "required_mql": "count",
    "required_sql": "count",
    "required_demos": "count",
    "required_won": "count",
    "reps_heads": "count",
    "reps_hired": "count",
    "reps_leaving": "count",
    "reps_ramping": "count",
    "reps_productive": "count",
    "capacity_deals": "count",
    "required_rep_deals": "count",
    "capacity_gap": "count",
    "reps_needed": "count",
    "first_year_revenue_new": "EUR",
    **{f"cost_{c}": "EUR" for c in COST_CATEGORIES},
    "cost_total": "EUR",
    "cash_in": "EUR",
    "cash_out": "EUR",
    "cash_balance": "EUR",
    "cost_of_revenue": "EUR",
    "cost_other_operating": "EUR",
    "company_cash_out": "EUR",
    "company_cash_balance": "EUR",
}


def _unit(item: str) -> str:
    return LINE_UNITS[item.split(".", 1)[0]]


def plan_months(inp: ModelInputs) -> pd.DatetimeIndex:
    """First day of each plan month."""
    return pd.date_range(pd.Timestamp(inp.plan_start), periods=inp.months, freq="MS")


def tidy_lines(inp: ModelInputs, lines: Lines, draw: int = 0) -> pd.DataFrame:
    """Line items of one draw as a tidy DataFrame sorted by line_item, channel, month.

    Columns: month (Timestamp, first of month), line_item, channel ('' when not per
    channel), value (float), unit (EUR, count, share, months).
    """
    keys = sorted(lines)
    t_len = inp.months
    months = plan_months(inp)
    values = np.concatenate([np.asarray(lines[k])[draw] for k in keys])
    return pd.DataFrame(
        {
            "month": np.tile(months.values, len(keys)),
            "line_item": np.repeat([k[0] for k in keys], t_len),
            "channel": np.repeat([k[1] for k in keys], t_len),
            "value": values.astype(float),
            "unit": np.repeat([_unit(k[0]) for k in keys], t_len),
        }
    )


@dataclass
class PlanResult:
    """The plan: line items, summary KPIs and findings.

    Attributes:
        params: the parameters the plan was computed from (overrides applied).
        inputs: the plan's structure.
        lines: (line_item, channel) → array of shape (1, T).
        summary: KPIs (see ``planning_lib.plan.summary.plan_summary``).
        findings: feasibility and consistency findings, most severe first.
    """

    params: PlanParameters
    inputs: ModelInputs
    lines: Lines
    summary: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    @functools.cached_property
    def monthly(self) -> pd.DataFrame:
        """Tidy monthly plan (built on first access)."""
        return tidy_lines(self.inputs, self.lines)

    def line(self, item: str, channel: str = "") -> np.ndarray:
        """One line item over the months (1-D array)."""
        return np.asarray(self.lines[(item, channel)])[0]


def run_plan(params: PlanParameters, overrides: dict[str, Any] | None = None) -> PlanResult:
    """The deterministic plan, with optional dotted-path overrides.

    Args:
        params: plan parameters.
        overrides: ``{"drivers.churn_rate_monthly.end": 0.04, ...}``; re-validated.

    Returns:
        PlanResult with monthly line items, summary and findings.

    Raises:
        ParameterError: an override names an unknown path or breaks a rule.
    """
    params = apply_overrides(params, overrides)
    inp = model_inputs(params)
    values = driver_values(params)
    lines, _ = plan_lines(inp, values)
    summary = {k: _scalar(v) for k, v in plan_summary(params, inp, values, lines).items()}
    for key in ("cash_low_point", "company_cash_low_point"):
        low = inp.plan_start.month - 1 + int(summary[f"{key}_month_index"])
        summary[f"{key}_month"] = f"{inp.plan_start.year + low // 12}-{low % 12 + 1:02d}"
    findings = plan_findings(params, inp, values, lines, summary)
    return PlanResult(params=params, inputs=inp, lines=lines, summary=summary, findings=findings)


def _scalar(v: Any) -> Any:
    """Draw 0 of a KPI as a plain float (dicts recursively; NaN stays NaN)."""
    if isinstance(v, dict):
        return {k: _scalar(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return float(v.flat[0])
    return v if isinstance(v, str) else float(v)
