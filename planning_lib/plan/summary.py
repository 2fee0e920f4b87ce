"""The plan's summary KPIs from the model's line items, per draw (arrays of shape (n,)).

The formulas are those of :mod:`planning_lib.metrics` (CAC, churn, CLV, NRR); this
module picks the plan lines they are applied to.

Totals are over the whole plan horizon unless the name says otherwise.
Definitions:

* ``cac_by_channel`` = the channel's marketing cost (plus partner commissions for
  a partner channel) ÷ its new customers; ``cost_per_lead_by_channel`` = marketing
  cost ÷ entry leads (EUR/lead).
* ``cac`` = marketing cost ÷ new customers (EUR/customer), the CAC the seed's
  target of 200 € is compared with; ``cac_fully_loaded`` = all sales & marketing
  cost ÷ new customers; ``cac_budget`` = budget total ÷ new customers of plan
  year 1 (the seed's 400,000 ÷ 600 = 666.67).
* ``clv`` = ARPA × gross margin × ``customer_lifetime_months`` (EUR/customer): the
  expected lifetime of a customer over the plan's churn path, continuing at the last
  month's churn after the plan, with expansion and contraction moving its MRR and
  discounted at ``drivers.discount_rate_yearly`` (see
  :func:`planning_lib.metrics.clv.customer_lifetime`), capped at
  ``drivers.clv_max_lifetime_months``. ``clv_end_churn`` = ARPA × margin
  ÷ churn in the last month, ``clv_start_churn`` with the month-1 churn (the two
  constant-churn readings); ``clv_stated`` is the history's.
* ``ltv_to_cac`` = clv ÷ cac_fully_loaded; ``payback_months`` = cac_fully_loaded ÷
  (ARPA × gross margin).
* ``roi`` = (lifetime value of the new customers (new × clv) − total cost) ÷ total
  cost; ``roi_first_year_revenue`` = first-year revenue of the new customers ÷ total
  cost.
* ``nrr`` / ``grr``: net and gross revenue retention of the customers at plan start
  over the first 12 plan months (or the horizon): their MRR after churn, contraction
  and expansion (NRR) or after churn and contraction only (GRR) ÷ their MRR at plan
  start.
* ``cash_*`` is the sales cash, ``company_cash_*`` the company cash (see
  ``planning_lib.plan.budget``); low points include the opening balance
  (``*_low_point_month_index`` −1 = the opening balance).

Transactional business (``company.business_model: transactional``): ``clv`` =
:func:`planning_lib.metrics.transactional.clv_transactional` (margin × (deal size +
repeat rate × (lifetime − 1) × repeat deal size), the lifetime over the plan's churn
path with no growth, discounted and capped as above) plus the recurring share's ARPA ×
margin × lifetime (``clv_start_churn``/``clv_end_churn`` likewise with the lifetime
1 ÷ churn of the first/last month, undiscounted and uncapped, NaN without churn);
``bookings_total``, ``bookings_new_total``, ``bookings_repeat_total``,
``repeat_purchases_total`` (EUR, count), ``bookings_year1`` and ``deal_size_avg`` (new-deal
bookings ÷ new deals, EUR/deal; the deal size's mean when it moves) are added.

``new_customers_by_team`` sums the new customers of the channels each team of
``organisation.structure`` owns (count). ``budget_variance_by_category`` = planned
cost - budget × (months / 12) per category (EUR; positive = over budget). Ratios
with a zero denominator are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.core.params import PlanParameters
from planning_lib.core.vocabulary import COST_CATEGORIES
from planning_lib.metrics.acquisition import cac, cac_fully_loaded
from planning_lib.metrics.churn import nrr_grr
from planning_lib.metrics.clv import clv, clv_from_lifetime, customer_lifetime
from planning_lib.metrics.common import ratio
from planning_lib.metrics.transactional import clv_transactional
from planning_lib.plan.budget import low_point
from planning_lib.plan.inputs import ModelInputs, stack_values

__all__ = ["plan_summary"]


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
    cac_fl = cac_fully_loaded(cost_total, new)
    t_len = churn.shape[-1]
    expansion = np.broadcast_to(v["drivers.expansion_rate_monthly"], (n, t_len))
    contraction = np.broadcast_to(v["drivers.contraction_rate_monthly"], (n, t_len))
    churn_n = np.broadcast_to(churn, (n, t_len))
    lifetime = customer_lifetime(
        churn_n,
        1.0 + expansion - contraction,
        col("drivers.discount_rate_yearly"),
        float(inp.clv_max_lifetime_months),
    )
    clv_lifetime = clv_from_lifetime(arpa, gm, lifetime)
    nrr, grr = nrr_grr(churn_n, expansion, contraction, min(12, inp.months))
    clv_stated = col("history.clv_eur")
    lifetime_value = new * clv_lifetime
    target = params.target("cac")
    cash = line("cash_balance")
    cash_low, low_idx = low_point(col("current.cash_eur"), cash)
    company_cash = line("company_cash_balance")
    company_start = (
        col("current.company_cash_eur")
        if "current.company_cash_eur" in v
        else col("current.cash_eur")
    )
    company_low, company_low_idx = low_point(company_start, company_cash)
    capacity_gap = line("capacity_gap")
    first_year_revenue = total("first_year_revenue_new")
    nct_key = inp.new_customer_target_key
    new_target_total = col(nct_key) if nct_key else np.full(n, np.nan)
    extra: dict[str, Any] = {}
    clv_start, clv_end = clv(arpa, gm, churn[:, 0]), clv(arpa, gm, churn[:, -1])
    if inp.business_model == "transactional":
        deals = [
            col(f"drivers.transactional.{k}")
            for k in ("deal_size_eur", "repeat_purchase_rate_monthly", "repeat_deal_size_eur")
        ]
        # the constant-churn readings: lifetime 1 ÷ churn (NaN without churn), as above
        clv_start = clv_start + clv_transactional(*deals, gm, ratio(1.0, churn[:, 0]))
        clv_end = clv_end + clv_transactional(*deals, gm, ratio(1.0, churn[:, -1]))
        life_flat = customer_lifetime(
            churn_n,
            1.0,
            col("drivers.discount_rate_yearly"),
            float(inp.clv_max_lifetime_months),
        )
        one_off = clv_transactional(
            col("drivers.transactional.deal_size_eur"),
            col("drivers.transactional.repeat_purchase_rate_monthly"),
            col("drivers.transactional.repeat_deal_size_eur"),
            gm,
            life_flat,
        )
        clv_lifetime = one_off + clv_lifetime
        lifetime_value = new * clv_lifetime
        extra = {
            "bookings_total": total("bookings"),
            "bookings_year1": line("bookings")[:, year1].sum(axis=-1),
            "bookings_new_total": total("bookings_new"),
            "bookings_repeat_total": total("bookings_repeat"),
            "repeat_purchases_total": total("repeat_purchases"),
            "deal_size_avg": ratio(total("bookings_new"), new),
        }
    return extra | {
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
        "marketing_planned_total": total("marketing_planned"),
        "commissions_total": cost_by_cat["commissions"],
        "commissions_reps": total("cost_commissions", "reps"),
        "commissions_partners": cost_by_cat["commissions"] - total("cost_commissions", "reps"),
        "cac_target": np.full(n, target.value if target else np.nan),
        "cac": cac(cost_by_cat["marketing"], new),
        "cac_budget": cac_fully_loaded(np.where(budget_total > 0, budget_total, np.nan), new_year1),
        "cac_fully_loaded": cac_fl,
        "cac_by_channel": {
            ch.name: cac(
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
            ch.name: ratio(total("cost_marketing", ch.name), total("leads_basis", ch.name))
            for ch in inp.channels
        },
        "acquisition_cost_at_target_cac": (target.value if target else np.nan) * new_target_total,
        "clv": clv_lifetime,
        "customer_lifetime_months": lifetime,
        "clv_end_churn": clv_end,
        "clv_start_churn": clv_start,
        "nrr": nrr,
        "grr": grr,
        "clv_stated": clv_stated,
        "ltv_to_cac": ratio(clv_lifetime, cac_fl),
        "payback_months": ratio(cac_fl, margin_per_month),
        "lifetime_value_new_customers": lifetime_value,
        "lifetime_value_new_customers_stated": new * clv_stated,
        "first_year_revenue_new": first_year_revenue,
        "roi": ratio(lifetime_value - cost_total, cost_total),
        "roi_first_year_revenue": ratio(first_year_revenue, cost_total),
        "cash_start": col("current.cash_eur"),
        "cash_end": cash[:, -1],
        "cash_low_point": cash_low,
        "cash_low_point_month_index": low_idx.astype(float),
        "company_cash_start": company_start,
        "company_cash_end": company_cash[:, -1],
        "company_cash_low_point": company_low,
        "company_cash_low_point_month_index": company_low_idx.astype(float),
        "cost_of_revenue_total": total("cost_of_revenue"),
        "other_operating_cost_total": total("cost_other_operating"),
        "capacity_short_months": (capacity_gap < -1e-9).sum(axis=-1).astype(float),
        "reps_needed_max": np.nanmax(line("reps_needed"), axis=-1),
        "budget_variance_by_category": {
            c: cost_by_cat[c] - budget_by_cat.get(c, 0.0) * (inp.months / 12.0)
            for c in COST_CATEGORIES
        },
    }
