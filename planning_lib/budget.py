"""Costs by category, commissions and the sales cash (liquidity) plan.

Cost categories (EUR per month): personnel (salary incl. employer cost / 12 per
head), marketing (entry leads × cost per lead, per channel), tools and
training_travel (the budget category / 12 unless 0), commissions (reps and
partners, paid in the deal's month), other (``budget.other_monthly_eur``).

Cash is **sales cash**, not company cash: payments from customers in, all sales &
marketing costs out, starting from ``current.cash_eur``. Existing customers and the
monthly payers among new customers pay the month's revenue; the
``annual_prepay_share`` of new customers pays 12 × their MRR in their first month
and nothing for the next 11 months (churned prepayers are not refunded).
Payments arrive ``payment_delay_months`` later; months before plan start billed the
starting MRR.

Arrays: ``(n, T)``; per-draw scalars ``(n, 1)``.
"""

from __future__ import annotations

import numpy as np

from planning_lib.funnel import lagged
from planning_lib.mrr import stock_end

__all__ = [
    "cash_balance",
    "cash_in",
    "commissions",
    "first_year_revenue",
    "marketing_cost",
    "monthly_from_yearly",
    "personnel_cost",
    "prepaid_mrr",
]


def monthly_from_yearly(yearly_eur: np.ndarray, months: int) -> np.ndarray:
    """A yearly amount spread evenly over the months (EUR per month)."""
    return np.broadcast_to(yearly_eur / 12.0, (np.shape(yearly_eur)[0], months))


def personnel_cost(heads: np.ndarray, salary_yearly_eur: np.ndarray) -> np.ndarray:
    """Salary cost per month (EUR): heads × yearly salary / 12."""
    return heads * (salary_yearly_eur / 12.0)


def marketing_cost(entry_leads: np.ndarray, cost_per_lead_eur: np.ndarray) -> np.ndarray:
    """Marketing cost per month (EUR): entry-stage leads × cost per lead."""
    return entry_leads * cost_per_lead_eur


def first_year_revenue(new_customers: np.ndarray, arpa_monthly_eur: np.ndarray) -> np.ndarray:
    """First-year recurring revenue of the new customers (EUR): 12 × new MRR."""
    return 12.0 * arpa_monthly_eur * new_customers


def commissions(first_year_revenue_eur: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Commission paid in the deal's month (EUR): rate × first-year revenue."""
    return first_year_revenue_eur * rate


def prepaid_mrr(mrr_new: np.ndarray, retention: np.ndarray, prepay_share: np.ndarray) -> np.ndarray:
    """MRR of annual prepayers still inside their prepaid first year (EUR per month).

    ``P_t = P_{t-1} × retention_t + share × new_t - share × new_{t-12} × Π retention``
    over the 12 months since that cohort started (it leaves the prepaid pool in its
    13th month); retention = 1 - churn + expansion - contraction.
    """
    t_len = np.shape(mrr_new)[-1]
    inflow = prepay_share * mrr_new
    if t_len > 12:
        log_ret = np.cumsum(np.log(np.maximum(retention, 1e-300)), axis=-1)
        kept = np.exp(log_ret[..., 12:] - log_ret[..., :-12])
        leaving = inflow[..., :-12] * kept
        pad = np.zeros((*leaving.shape[:-1], 12))  # no cohort leaves in the first 12 months
        inflow = inflow - np.concatenate([pad, leaving], axis=-1)
    return stock_end(np.zeros((1, 1)), retention, inflow)


def cash_in(
    revenue: np.ndarray,
    prepaid: np.ndarray,
    mrr_new: np.ndarray,
    prepay_share: np.ndarray,
    mrr_start: np.ndarray,
    delay_months: int,
) -> np.ndarray:
    """Payments received per month (EUR), after the payment delay."""
    billed = revenue - prepaid + 12.0 * prepay_share * mrr_new
    if delay_months <= 0:
        return billed
    t = billed.shape[-1]
    idx = np.arange(t) - delay_months
    received = lagged(billed, delay_months)
    return np.where(idx >= 0, received, mrr_start)


def cash_balance(cash_start_eur: np.ndarray, cash_in_eur: np.ndarray, cash_out_eur: np.ndarray):
    """Sales cash at each month end (EUR): start + cumulative (in - out)."""
    return cash_start_eur + np.cumsum(cash_in_eur - cash_out_eur, axis=-1)
