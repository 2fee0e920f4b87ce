"""Sample company, team and costs: the sales team's head count and the monthly cost rows.

Costs per month, region and category: personnel from the salaries of the employees
of the region (pro rata by days employed), marketing per channel from the leads the
channel brought in that month (cost per lead), tools and training/travel as monthly
amounts split by the region's share, and commissions on the first-year value of the
deals won that month (reps: ``commission_rate``; partner deals also pay the partner
``partner_commission_rate``). Money in EUR, rounded to cents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from planning_lib.core.vocabulary import CHANNELS
from planning_lib.sample.config import SampleConfig
from planning_lib.sample.funnel import days_in_month, month_starts

__all__ = ["personnel_cost", "simulate_costs", "simulate_headcount"]


def simulate_headcount(cfg: SampleConfig) -> pd.DataFrame:
    """The sales team with hire and (true) exit dates, as configured."""
    rows = [
        {
            "employee_id": emp_id,
            "role": role,
            "region": region,
            "hire_date": hire,
            "exit_date": exit_,
        }
        for emp_id, role, region, hire, exit_, _covers in cfg.team
    ]
    return pd.DataFrame(rows)


def personnel_cost(cfg: SampleConfig, team: pd.DataFrame, month: dt.date, region: str) -> float:
    """Salary cost of the region's employees in ``month`` (EUR), pro rata by days employed."""
    days = days_in_month(month)
    last = month + dt.timedelta(days=days - 1)
    salaries = dict(cfg.salaries_yearly)
    total = 0.0
    for row in team.itertuples(index=False):
        if row.region != region:
            continue
        first_day = max(row.hire_date, month)
        exit_ = row.exit_date if isinstance(row.exit_date, dt.date) else None
        last_day = last if exit_ is None else min(exit_, last)
        employed = (last_day - first_day).days + 1
        if employed > 0:
            total += salaries[row.role] / 12 * employed / days
    return total


def _month_key(values: pd.Series) -> pd.Series:
    return values.map(lambda d: None if d is None else dt.date(d.year, d.month, 1))


def simulate_costs(
    cfg: SampleConfig,
    leads: pd.DataFrame,
    deals: pd.DataFrame,
    team: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Cost rows (month, region, category, channel, amount_eur) for every simulated month.

    Args:
        cfg: the sample configuration.
        leads: leads from ``simulate_funnel`` (their count drives marketing cost).
        deals: deals from ``simulate_funnel`` (won deals drive commissions).
        team: head count from ``simulate_headcount``.
        rng: the shared random generator (noise on marketing and training/travel).
    """
    lead_month = _month_key(leads["created_date"])
    lead_counts = leads.groupby([lead_month, leads["region"], leads["channel"]]).size().to_dict()
    won = deals[deals["outcome"] == "won"]
    won_month = _month_key(won["close_date"])
    won_value = won.groupby([won_month, won["region"], won["channel"]])["amount_eur"].sum()
    won_value = won_value.to_dict()
    tools = dict(cfg.tools_monthly_by_year)
    training = dict(cfg.training_monthly_by_year)
    rows: list[dict] = []

    def add(month: dt.date, region: str, category: str, channel: str | None, amount: float) -> None:
        if amount > 0:
            rows.append(
                {
                    "month": month,
                    "region": region,
                    "category": category,
                    "channel": channel,
                    "amount_eur": round(amount, 2),
                }
            )

    for month in month_starts(cfg.history_start, cfg.actuals_end):
        plan = month >= cfg.plan_start
        cpl = dict(cfg.cost_per_lead_plan if plan else cfg.cost_per_lead_history)
        for region, share in cfg.regions:
            add(month, region, "personnel", None, personnel_cost(cfg, team, month, region))
            for channel in CHANNELS:
                n = lead_counts.get((month, region, channel), 0)
                amount = n * cpl[channel] * float(np.exp(rng.normal(0.0, cfg.cost_noise_sd)))
                if plan and channel == "partner":
                    amount += cfg.partner_programme_monthly * share
                add(month, region, "marketing", channel, amount)
            add(month, region, "tools", None, tools[month.year] * share)
            noise = float(np.exp(rng.normal(0.0, cfg.cost_noise_sd)))
            add(month, region, "training_travel", None, training[month.year] * share * noise)
            for channel in CHANNELS:
                value = won_value.get((month, region, channel), 0.0)
                rate = cfg.commission_rate
                if channel == "partner":
                    rate += cfg.partner_commission_rate
                add(month, region, "commissions", channel, value * rate)
    return pd.DataFrame(rows, columns=["month", "region", "category", "channel", "amount_eur"])
