"""Revenue lines of a transactional business (``company.business_model: transactional``).

Per month t (arrays (n, T)):

* new deals N_t: the plan's new customers (``customers_new``, from the target or the
  funnel per channel, as for a subscription business);
* customer base: ``C_end = C_start × (1 − churn) + N`` (the customer part of the
  bridge, :func:`planning_lib.metrics.mrr.mrr_bridge_projected`; churn = customers who
  stop buying, share of the month-start base);
* repeat purchases ``R_t = r × C_start_t`` (r = ``drivers.transactional.
  repeat_purchase_rate_monthly``; new customers do not buy again in their first month);
* bookings of new deals ``N_t × deal_size_eur``, of repeat purchases ``R_t ×
  repeat_deal_size_eur``; ``bookings`` = their sum;
* revenue = bookings + the month's MRR of the optional recurring share (``current.
  mrr_eur`` and ``drivers.arpa_monthly_eur``, 0 unless given).
"""

from __future__ import annotations

import numpy as np

__all__ = ["TRANSACTIONAL_KEYS", "transactional_lines"]

TRANSACTIONAL_KEYS = (
    "drivers.transactional.deal_size_eur",
    "drivers.transactional.repeat_purchase_rate_monthly",
    "drivers.transactional.repeat_deal_size_eur",
)


def transactional_lines(
    v: dict[str, np.ndarray], new: np.ndarray, customers_start: np.ndarray
) -> dict[str, np.ndarray]:
    """Bookings of new deals and repeat purchases, per month (EUR, counts).

    Args:
        v: stacked driver values (``(n, 1)`` or ``(n, T)``).
        new: new deals (new customers) per month, (n, T).
        customers_start: customer base at month start, (n, T).

    Returns:
        ``bookings_new``, ``repeat_purchases``, ``bookings_repeat``, ``bookings``.
    """
    size, rate, repeat_size = (v[k] for k in TRANSACTIONAL_KEYS)
    bookings_new = new * size
    repeats = rate * customers_start
    bookings_repeat = repeats * repeat_size
    return {
        "bookings_new": bookings_new,
        "repeat_purchases": repeats,
        "bookings_repeat": bookings_repeat,
        "bookings": bookings_new + bookings_repeat,
    }
