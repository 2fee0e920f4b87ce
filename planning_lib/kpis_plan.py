"""Plan KPIs from the model's line items, per draw (arrays of shape (n,)).

Totals are over the whole plan horizon unless the name says otherwise.
Definitions:

* ``cac_by_channel`` = the channel's marketing cost (plus partner commissions for
  a partner channel) ÷ its new customers; ``cost_per_lead_by_channel`` = marketing
  cost ÷ entry leads (EUR/lead).
* ``cac`` = marketing cost ÷ new customers (EUR/customer), the CAC the seed's
  target of 200 € is compared with; ``cac_fully_loaded`` = all sales & marketing
  cost ÷ new customers; ``cac_budget`` = budget total ÷ new customers of plan
  year 1 (the seed's 400,000 ÷ 600 = 666.67).
* ``clv`` = ARPA × gross margin ÷ churn in the last plan month (EUR/customer);
  ``clv_start_churn`` uses the month-1 churn; ``clv_stated`` is the history's.
* ``ltv_to_cac`` = clv ÷ cac_fully_loaded; ``payback_months`` = cac_fully_loaded ÷
  (ARPA × gross margin).
* ``roi`` = lifetime value of the new customers (new × clv) ÷ total cost;
  ``roi_first_year_revenue`` = first-year revenue of the new customers ÷ total cost.

``new_customers_by_team`` sums the new customers of the channels each team of
``organisation.structure`` owns (count). ``budget_variance_by_category`` = planned
cost - budget × (months / 12) per category (EUR; positive = over budget). Ratios
with a zero denominator are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.model_inputs import ModelInputs, stack_values
from planning_lib.params import COST_CATEGORIES, PlanParameters

__all__ = ["plan_summary", "ratio"]


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num ÷ den, NaN where den is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den)
    return np.where(np.asarray(den) != 0, out, np.nan)


def plan_summary(
    params: PlanParameters,
    inp: ModelInputs,
    values: Mapping[str, Any],
    lines: Mapping[tuple[str, str], np.ndarray],
) -> dict[str, Any]:
    """Summary KPIs per draw (EUR, counts, shares 0..1, months); dicts for categories."""
    v, n = stack_values(values)

    def line(item: str, ch: str = "") -> np.ndarray:
        return np.asarray(lines[(item, ch)])

    def total(item: str, ch: str = "") -> np.ndarray:
        return line(item, ch).sum(axis=-1)

    def col(key: str, default: float = 0.0) -> np.ndarray:
        return np.broadcast_to(v[key][:, 0], (n,)) if key in v else np.full(n, default)

    new = total("customers_new")
    year1 = slice(0, min(12, inp.months))
    new_year1 = line("customers_new")[:, year1].sum(axis=-1)
    arpa = col("drivers.arpa_monthly_eur")
    gm = col("drivers.gross_margin")
    churn = line("churn_rate")
    margin_per_month = arpa * gm
    cost_by_cat = {c: total(f"cost_{c}") for c in COST_CATEGORIES}
    cost_total = total("cost_total")
    budget_by_cat = {c: col(f"budget.by_category.{c}") for c in params.budget.by_category}
    budget_total = col("budget.total_eur")
    budget_sum = sum(budget_by_cat.values(), np.zeros(n))
    cac_fl = ratio(cost_total, new)
    clv = ratio(margin_per_month, churn[:, -1])
    clv_stated = col("history.clv_eur")
    lifetime_value = new * clv
    target = params.target("cac")
    cash = line("cash_balance")
    low_idx = cash.argmin(axis=-1)
    capacity_gap = line("capacity_gap")
    first_year_revenue = total("first_year_revenue_new")
    nct_key = inp.new_customer_target_key
    new_target_total = col(nct_key) if nct_key else np.full(n, np.nan)
    return {
        "months": np.full(n, float(inp.months)),
        "mrr_start": col("current.mrr_eur"),
        "mrr_end": line("mrr_end")[:, -1],
        "mrr_end_churn_constant": line("mrr_end_churn_constant")[:, -1],
        "arr_end": line("arr_end")[:, -1],
        "customers_start": col("current.customers"),
        "customers_end": line("customers_end")[:, -1],
        "new_customers": new,
        "new_customers_year1": new_year1,
        "new_customers_target": total("customers_new_target"),
        "new_customers_funnel": total("customers_new_funnel"),
        "churned_customers": total("customers_churned"),
        "churn_rate_start": churn[:, 0],
        "churn_rate_end": churn[:, -1],
        "revenue_total": total("revenue"),
        "gross_profit_total": total("gross_profit"),
        "contribution_margin_total": total("contribution_margin"),
        "budget_total": budget_total,
        "budget_by_category": budget_by_cat,
        "budget_categories_sum": budget_sum,
        "budget_share_by_category": {c: ratio(b, budget_total) for c, b in budget_by_cat.items()},
        "cost_total": cost_total,
        "cost_by_category": cost_by_cat,
        "cost_share_by_category": {c: ratio(x, cost_total) for c, x in cost_by_cat.items()},
        "commissions_total": cost_by_cat["commissions"],
        "commissions_reps": total("cost_commissions", "reps"),
        "commissions_partners": cost_by_cat["commissions"] - total("cost_commissions", "reps"),
        "cac_target": np.full(n, target.value if target else np.nan),
        "cac": ratio(cost_by_cat["marketing"], new),
        "cac_budget": ratio(budget_total, new_year1),
        "cac_fully_loaded": cac_fl,
        "cac_by_channel": {
            ch.name: ratio(
                total("cost_marketing", ch.name)
                + (total("cost_commissions", ch.name) if ch.is_partner else 0.0),
                total("customers_new", ch.name),
            )
            for ch in inp.channels
        },
        "new_customers_by_team": {
            team: sum(
                (total("customers_new", ch) for ch in chans if ("customers_new", ch) in lines),
                np.zeros(1),
            )
            for team, chans in params.organisation.structure.items()
        },
        "cost_per_lead_by_channel": {
            ch.name: ratio(total("cost_marketing", ch.name), total("leads_entry", ch.name))
            for ch in inp.channels
        },
        "acquisition_cost_at_target_cac": (target.value if target else np.nan) * new_target_total,
        "clv": clv,
        "clv_start_churn": ratio(margin_per_month, churn[:, 0]),
        "clv_stated": clv_stated,
        "ltv_to_cac": ratio(clv, cac_fl),
        "payback_months": ratio(cac_fl, margin_per_month),
        "lifetime_value_new_customers": lifetime_value,
        "lifetime_value_new_customers_stated": new * clv_stated,
        "first_year_revenue_new": first_year_revenue,
        "roi": ratio(lifetime_value, cost_total),
        "roi_first_year_revenue": ratio(first_year_revenue, cost_total),
        "cash_start": col("current.cash_eur"),
        "cash_end": cash[:, -1],
        "cash_low_point": cash.min(axis=-1),
        "cash_low_point_month_index": low_idx.astype(float),
        "capacity_short_months": (capacity_gap < -1e-9).sum(axis=-1).astype(float),
        "reps_needed_max": np.nanmax(line("reps_needed"), axis=-1),
        "budget_variance_by_category": {
            c: cost_by_cat[c] - budget_by_cat.get(c, 0.0) * (inp.months / 12.0)
            for c in COST_CATEGORIES
        },
    }
