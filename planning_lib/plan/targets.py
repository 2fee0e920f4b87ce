"""Targets (phase 2): SMART target checks, top-down splits, gap table, feasibility.

A target is a ``params.Target`` (metric, value, unit, deadline, baseline, owner,
direction). This module validates targets, splits an annual target top-down
(months by seasonality; regions, products, segments by shares), compares top-down
and bottom-up side by side and returns feasibility findings (code, severity, numbers;
their sentences are written by :mod:`planning_lib.present.plan_finding_texts`). It never runs the
model: it reads the model's line items.

Forecast check: the new-customer target is compared with the distribution of the
no-change forecast. Without a given spread the default is a normal distribution
with a coefficient of variation of 15 % (``DEFAULT_FORECAST_CV``): for CloudFlow's
350 that is P90 = 350 × (1 + 1.2816 × 0.15) ≈ 417 and P99 = 350 × (1 + 2.3263 ×
0.15) ≈ 472 new customers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planning_lib.core.finding import Finding
from planning_lib.core.params import PlanParameters, Target

__all__ = [
    "DEFAULT_FORECAST_CV",
    "ForecastDistribution",
    "deadline_index",
    "forecast_findings",
    "gap_table",
    "lead_history_findings",
    "monthly_split",
    "shares_from_history",
    "split_by_shares",
    "target_achieved",
    "target_findings",
    "target_hit",
    "target_tolerance",
]

DEFAULT_FORECAST_CV = 0.15
_Z90 = 1.2815515655446004
_Z99 = 2.3263478740408408


@dataclass(frozen=True)
class ForecastDistribution:
    """No-change forecast of new customers per plan year (count): normal(mean, sd)."""

    mean: float
    sd: float

    @classmethod
    def default(cls, mean: float, cv: float = DEFAULT_FORECAST_CV) -> ForecastDistribution:
        """The documented default spread: sd = cv × mean."""
        return cls(mean=mean, sd=cv * mean)

    @property
    def p90(self) -> float:
        """90th percentile (count)."""
        return self.mean + _Z90 * self.sd

    @property
    def p99(self) -> float:
        """99th percentile (count)."""
        return self.mean + _Z99 * self.sd


def deadline_index(deadline: dt.date, plan_start: dt.date, months: int) -> int | None:
    """0-based plan month containing ``deadline``; None when outside the horizon."""
    idx = (deadline.year - plan_start.year) * 12 + deadline.month - plan_start.month
    return idx if 0 <= idx < months else None


def monthly_split(annual: float, seasonality: np.ndarray) -> np.ndarray:
    """Top-down split of an annual figure over months: annual / 12 × weight (mean-1 weights)."""
    return annual / 12.0 * np.asarray(seasonality, dtype=float)


def split_by_shares(value: float, shares: Mapping[str, float]) -> dict[str, float]:
    """Split ``value`` by shares (normalised to sum 1; equal split when all are 0)."""
    total = float(sum(shares.values()))
    if total <= 0:
        return {k: value / len(shares) for k in shares}
    return {k: value * s / total for k, s in shares.items()}


def shares_from_history(
    history: pd.DataFrame, by: str, weight: str | None = None
) -> dict[str, float]:
    """Shares 0..1 of each ``by`` value in a history table (row counts or a weight column).

    Raises:
        KeyError: ``by`` or ``weight`` is not a column.
    """
    for col in (by, weight):
        if col is not None and col not in history.columns:
            raise KeyError(f"column '{col}' not in history (columns: {list(history.columns)})")
    sums = history.groupby(by)[weight].sum() if weight else history.groupby(by).size()
    total = float(sums.sum())
    return {str(k): float(v) / total for k, v in sums.sort_index().items()} if total else {}


def target_achieved(
    target: Target, lines: Mapping[tuple[str, str], np.ndarray], plan_start: dt.date, months: int
) -> np.ndarray | None:
    """The plan's value of a target's metric at its deadline, per draw (shape (n,)).

    mrr_end, arr_end, customers_end: at the end of the deadline month;
    new_customers: the plan's new customers from plan start through the deadline
    month, on the plan's basis (on the 'target' basis the target is met by
    construction; the funnel basis's chance is in the summary's ``bases`` block);
    revenue: recognised revenue through the deadline; cac:
    marketing cost ÷ plan new customers through the deadline; churn_rate_monthly:
    churn in the deadline month. None for metrics the model does not plan (nps,
    market_share) or a deadline outside the horizon.
    """
    idx = deadline_index(target.deadline, plan_start, months)
    if idx is None:
        return None
    upto = slice(0, idx + 1)
    m = target.metric
    if m == "mrr_end":
        return lines[("mrr_end", "")][:, idx]
    if m == "arr_end":
        return lines[("arr_end", "")][:, idx]
    if m == "customers_end":
        return lines[("customers_end", "")][:, idx]
    if m == "new_customers":
        return lines[("customers_new", "")][:, upto].sum(axis=-1)
    if m == "revenue":
        return lines[("revenue", "")][:, upto].sum(axis=-1)
    if m == "churn_rate_monthly":
        return lines[("churn_rate", "")][:, idx]
    if m == "cac":
        new = lines[("customers_new", "")][:, upto].sum(axis=-1)
        cost = lines[("cost_marketing", "")][:, upto].sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(new > 0, cost / np.where(new > 0, new, 1.0), np.nan)
    return None


# how far a plan value may fall short of a target and still meet it, by the metric's
# unit: floating-point sums of whole units (7 deals summed over months can come out as
# 6.999999999999999) must not miss a target of 7; money counts to the cent.
_ABS_TOLERANCE = {"EUR": 0.005, "count": 1e-6, "points": 1e-6, "share": 1e-9}
_REL_TOLERANCE = 1e-9


def target_tolerance(target: Target) -> float:
    """The shortfall (in the metric's unit) up to which a plan value still meets ``target``.

    max(absolute tolerance of the metric's unit, 1e-9 × |target|): half a cent for
    money, 1e-6 for counts and points, 1e-9 for shares.
    """
    unit = _UNITS.get(target.metric, target.unit)
    return max(_ABS_TOLERANCE.get(unit, 1e-9), _REL_TOLERANCE * abs(float(target.value)))


def target_hit(target: Target, achieved: np.ndarray) -> np.ndarray:
    """Whether each draw meets the target (bool array), within :func:`target_tolerance`."""
    tol = target_tolerance(target)
    if target.direction == "at_least":
        return achieved >= target.value - tol
    return achieved <= target.value + tol


_UNITS = {
    "mrr_end": "EUR",
    "arr_end": "EUR",
    "revenue": "EUR",
    "cac": "EUR",
    "new_customers": "count",
    "customers_end": "count",
    "churn_rate_monthly": "share",
    "nps": "points",
    "market_share": "share",
}


def target_findings(params: PlanParameters) -> list[Finding]:
    """SMART checks of every target: deadline in the horizon, baseline, unit, share range."""
    out: list[Finding] = []
    c = params.company
    for t in params.targets:
        idx = deadline_index(t.deadline, c.plan_start, c.horizon_months)
        if idx is None:
            out.append(
                Finding(
                    "target_deadline_outside_horizon",
                    "critical",
                    {"target": t.code, "deadline": t.deadline.isoformat()},
                )
            )
        if t.baseline is None:
            out.append(Finding("target_without_baseline", "info", {"target": t.code}))
        if _UNITS[t.metric] != t.unit:
            out.append(
                Finding(
                    "target_unit_mismatch",
                    "warning",
                    {"target": t.code, "unit": t.unit, "expected": _UNITS[t.metric]},
                )
            )
        if t.unit == "share" and not 0.0 <= t.value <= 1.0:
            out.append(
                Finding(
                    "target_share_out_of_range", "critical", {"target": t.code, "value": t.value}
                )
            )
    return out


def forecast_findings(target_value: float, forecast: ForecastDistribution) -> list[Finding]:
    """New-customer target against the no-change forecast: beyond P90 ambitious, P99 unrealistic."""
    nums = {
        "target": target_value,
        "forecast_mean": forecast.mean,
        "forecast_p90": round(forecast.p90, 2),
        "forecast_p99": round(forecast.p99, 2),
    }
    if target_value > forecast.p99:
        code, sev, quantile = "target_unrealistic", "critical", forecast.p99
    elif target_value > forecast.p90:
        code, sev, quantile = "target_ambitious", "warning", forecast.p90
    else:
        return []
    return [Finding(code, sev, nums, {"quantile": quantile})]


def lead_history_findings(
    lines: Mapping[tuple[str, str], np.ndarray],
    entry_stages: Mapping[str, str],
    history_leads_monthly: Mapping[str, float],
) -> list[Finding]:
    """Required entry leads per month (plan average) against the channels' history.

    Args:
        lines: the model's line items (draw 0 is read).
        entry_stages: channel → entry stage ('mql' or 'sql').
        history_leads_monthly: channel → leads per month the channel delivered
            historically at its entry stage (e.g. from the leads table).

    Returns:
        One 'leads_above_history' warning per channel whose required volume exceeds
        its history.
    """
    out = []
    for ch, stage in entry_stages.items():
        if ch not in history_leads_monthly:
            continue
        need = float(np.mean(np.asarray(lines[("required_entry", ch)])[0]))
        hist = float(history_leads_monthly[ch])
        if need > hist * 1.000001:
            ratio = need / hist if hist > 0 else float("inf")
            out.append(
                Finding(
                    "leads_above_history",
                    "warning",
                    {
                        "channel": ch,
                        "required_monthly": round(need, 2),
                        "history_monthly": hist,
                        "ratio": round(ratio, 4) if np.isfinite(ratio) else None,
                    },
                    {"required_monthly": need, "stage": stage},
                )
            )
    return out


def gap_table(lines: Mapping[tuple[str, str], np.ndarray], channels: list[str]) -> pd.DataFrame:
    """Top-down next to bottom-up per channel and funnel stage (plan horizon totals, counts).

    Columns: channel, stage (entry, mql, sql, demos, won), top_down (needed for the
    target), bottom_up (planned volume and what it converts to), gap (bottom_up -
    top_down; negative = short), coverage (bottom_up ÷ top_down).
    """
    rows = []
    for ch in channels:
        for stage in ("entry", "mql", "sql", "demos", "won"):
            bu_key = ("leads_entry", ch) if stage == "entry" else (stage, ch)
            td = float(np.asarray(lines[(f"required_{stage}", ch)])[0].sum())
            bu = float(np.asarray(lines[bu_key])[0].sum())
            if td == 0 and bu == 0:
                continue
            cov = bu / td if td > 0 and np.isfinite(td) else float("nan")
            rows.append(
                {
                    "channel": ch,
                    "stage": stage,
                    "top_down": td,
                    "bottom_up": bu,
                    "gap": bu - td,
                    "coverage": cov,
                }
            )
    return pd.DataFrame(
        rows, columns=["channel", "stage", "top_down", "bottom_up", "gap", "coverage"]
    )
