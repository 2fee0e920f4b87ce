"""Costs by category, commissions and the sales cash (liquidity) plan.

Cost categories (EUR per month): personnel (salary incl. employer cost / 12 per
head), marketing (entry leads × cost per lead, per channel), tools and
training_travel (the budget category / 12 unless 0), commissions (reps and
partners, paid in the deal's month), other (``budget.other_monthly_eur``).

Two cash views, side by side:

* **Sales cash** (Vertriebsliquidität): payments from customers in, all sales &
  marketing costs out, starting from ``current.cash_eur``.
* **Company cash** (Unternehmensliquidität): the opening balance
  (``current.company_cash_eur``, else ``current.cash_eur``) + the same receipts −
  cost of revenue (revenue × (1 − gross margin)) − all sales & marketing cost −
  other operating cost (``budget.other_operating_monthly_eur``).

Existing customers and the monthly payers among new customers pay the month's
revenue; the ``annual_prepay_share`` of new customers pays 12 × their MRR in their
first month and nothing for the next 11 months (churned prepayers are not
refunded). After 12 months a prepayer renews with another 12-month prepayment of
its then MRR (``drivers.renewal_billing: annual``) or switches to monthly billing
(``monthly``). Payments arrive ``payment_delay_months`` later; months before plan
start billed the starting MRR (and, in a transactional plan, the bookings of
``current.bookings_before_start_eur``). A low point includes the opening balance (the
balance before plan month 1).

Arrays: ``(n, T)``; per-draw scalars ``(n, 1)``.
"""

from __future__ import annotations

import numpy as np

from planning_lib.metrics.mrr import stock_end
from planning_lib.plan.drivers import lagged

__all__ = [
    "cash_balance",
    "cash_in",
    "commissions",
    "cost_of_revenue",
    "driven_cost",
    "first_year_revenue",
    "low_point",
    "marketing_cost",
    "monthly_from_yearly",
    "personnel_cost",
    "prepaid_mrr",
    "renewal_prepayments",
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


def prepaid_mrr(
    mrr_new: np.ndarray,
    retention: np.ndarray,
    prepay_share: np.ndarray,
    renew_annually: bool = False,
) -> np.ndarray:
    """MRR of annual prepayers inside a prepaid year (EUR per month).

    ``P_t = P_{t-1} × retention_t + share × new_t - share × new_{t-12} × Π retention``
    over the 12 months since that cohort started (it leaves the prepaid pool in its
    13th month); retention = 1 - churn + expansion - contraction. With
    ``renew_annually`` a cohort prepays again and never leaves the pool.
    """
    t_len = np.shape(mrr_new)[-1]
    inflow = prepay_share * mrr_new
    if t_len > 12 and not renew_annually:
        log_ret = np.cumsum(np.log(np.maximum(retention, 1e-300)), axis=-1)
        kept = np.exp(log_ret[..., 12:] - log_ret[..., :-12])
        leaving = inflow[..., :-12] * kept
        pad = np.zeros((*leaving.shape[:-1], 12))  # no cohort leaves in the first 12 months
        inflow = inflow - np.concatenate([pad, leaving], axis=-1)
    return stock_end(np.zeros((1, 1)), retention, inflow)


def renewal_prepayments(
    mrr_new: np.ndarray, retention: np.ndarray, prepay_share: np.ndarray
) -> np.ndarray:
    """Annual renewals of prepayers (EUR per month): 12 × the cohort's MRR at each anniversary.

    A cohort starting in month s with prepaid MRR ``share × new_s`` pays
    ``12 × share × new_s × Π retention_{s+1..s+12k}`` in month s + 12k (k = 1, 2, ...).
    """
    t_len = np.shape(mrr_new)[-1]
    inflow = prepay_share * mrr_new
    out = np.zeros(np.broadcast_shapes(np.shape(inflow), np.shape(retention)))
    if t_len <= 12:
        return out
    log_ret = np.cumsum(np.log(np.maximum(retention, 1e-300)), axis=-1)
    log_ret = np.broadcast_to(log_ret, out.shape)
    inflow = np.broadcast_to(inflow, out.shape)
    for k in range(12, t_len, 12):
        kept = np.exp(log_ret[..., k:] - log_ret[..., :-k])
        out[..., k:] += 12.0 * inflow[..., :-k] * kept
    return out


def cash_in(
    revenue: np.ndarray,
    prepaid: np.ndarray,
    mrr_new: np.ndarray,
    prepay_share: np.ndarray,
    mrr_start: np.ndarray,
    delay_months: int,
    renewals: np.ndarray | float = 0.0,
    billed_before_start: np.ndarray | None = None,
) -> np.ndarray:
    """Payments received per month (EUR), after the payment delay.

    A plan month t < ``delay_months`` (0-based) receives what was billed in month
    t − delay before plan start: the starting MRR, plus ``billed_before_start[t]`` when
    given (the one-off bookings of the ``delay_months`` months before plan start, oldest
    first; a transactional plan's ``current.bookings_before_start_eur``).
    """
    billed = revenue - prepaid + 12.0 * prepay_share * mrr_new + renewals
    if delay_months <= 0:
        return billed
    t = billed.shape[-1]
    idx = np.arange(t) - delay_months
    received = lagged(billed, delay_months)
    before = mrr_start
    if billed_before_start is not None:
        extra = np.zeros(t)
        k = min(delay_months, t)
        extra[:k] = np.asarray(billed_before_start, dtype=float)[-delay_months:][:k]
        before = mrr_start + extra
    return np.where(idx >= 0, received, before)


def cash_balance(cash_start_eur: np.ndarray, cash_in_eur: np.ndarray, cash_out_eur: np.ndarray):
    """Cash at each month end (EUR): start + cumulative (in - out)."""
    return cash_start_eur + np.cumsum(cash_in_eur - cash_out_eur, axis=-1)


def cost_of_revenue(revenue: np.ndarray, gross_margin: np.ndarray) -> np.ndarray:
    """Cost of revenue per month (EUR): revenue × (1 − gross margin)."""
    return revenue * (1.0 - gross_margin)


def driven_cost(
    fixed_monthly_eur: np.ndarray, per_head_monthly_eur: np.ndarray, heads: np.ndarray
) -> np.ndarray:
    """A cost line from its drivers (EUR per month): fixed + per head × sales heads."""
    return fixed_monthly_eur + per_head_monthly_eur * heads


def low_point(start_eur: np.ndarray, balance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest balance including the opening balance, and its month index (-1 = opening)."""
    low = balance.min(axis=-1)
    idx = balance.argmin(axis=-1)
    start = np.broadcast_to(np.asarray(start_eur).reshape(-1), low.shape)
    opening_lower = start <= low
    return np.where(opening_lower, start, low), np.where(opening_lower, -1, idx)
