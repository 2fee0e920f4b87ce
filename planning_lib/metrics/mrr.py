"""Customer and MRR bridges: the month-by-month recursion of the customer base.

Order within a month: churn, expansion and contraction act on the month-start
figures, then the month's new customers are added (they do not churn in their
first month): ``end = start × (1 - churn + expansion - contraction) + new``. With
constant churn c and constant new MRR N: ``MRR_t = MRR_0 (1-c)^t + N (1-(1-c)^t) / c``.
The bridge parts (churned, expansion, contraction) are the rates × month-start
figures, so ``end = start + new + expansion - contraction - churned`` holds to
floating-point rounding.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mrr_bridge_projected", "stock_end"]


def stock_end(start: np.ndarray, retention: np.ndarray, inflow: np.ndarray) -> np.ndarray:
    """A stock at each month end: ``S_t = S_{t-1} × retention_t + inflow_t`` (S_{-1} = start).

    One loop over months with array operations over draws (the recursion needs the
    previous month); months × draws are laid out contiguously for the loop.

    Args:
        start: stock at plan start, shape (n, 1) or (1, 1).
        retention: share kept from month start to month end, (n, T) or (1, T).
        inflow: additions during the month, (n, T) or (1, T).

    Returns:
        Month-end stock, shape (n, T).
    """
    n, t_len = np.broadcast_shapes(np.shape(start), np.shape(retention), np.shape(inflow))
    if n == 1:  # one plan: plain floats are ~20x faster than size-1 arrays
        r1 = np.broadcast_to(retention, (1, t_len))[0].tolist()
        a1 = np.broadcast_to(inflow, (1, t_len))[0].tolist()
        s1 = float(np.asarray(start).reshape(-1)[0])
        vals = []
        for rt, at in zip(r1, a1, strict=True):
            s1 = s1 * rt + at
            vals.append(s1)
        return np.array([vals])
    r = np.ascontiguousarray(np.asarray(retention, dtype=float).T)
    a = np.ascontiguousarray(np.asarray(inflow, dtype=float).T)
    out = np.empty((t_len, n))
    s = np.broadcast_to(np.asarray(start, dtype=float)[:, 0], (n,))
    for t in range(t_len):
        s = s * r[t] + a[t]
        out[t] = s
    return out.T


def _start_of_month(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Month-start values: the plan-start value, then the previous month's end."""
    first = np.broadcast_to(start, (end.shape[0], 1))
    return np.concatenate([first, end[:, :-1]], axis=1)


def mrr_bridge_projected(
    customers0: np.ndarray,
    mrr0: np.ndarray,
    churn: np.ndarray,
    expansion: np.ndarray,
    contraction: np.ndarray,
    new_customers: np.ndarray,
    mrr_new: np.ndarray,
) -> dict[str, np.ndarray]:
    """Customer and MRR bridges month by month (counts; EUR per month).

    Args:
        customers0, mrr0: customers (count) and MRR (EUR) at plan start, shape (n, 1).
        churn: logo churn per month (share), (n, T).
        expansion, contraction: shares of month-start MRR, (n, 1) or (n, T).
        new_customers, mrr_new: new customers (count) and their MRR (EUR), (n, T).

    Returns:
        customers_start/churned/end and mrr_start/churned/expansion/contraction/end,
        each (n, T).
    """
    cust_end = stock_end(customers0, 1.0 - churn, new_customers)
    cust_start = _start_of_month(customers0, cust_end)
    mrr_end = stock_end(mrr0, 1.0 - churn + expansion - contraction, mrr_new)
    mrr_start = _start_of_month(mrr0, mrr_end)
    return {
        "customers_start": cust_start,
        "customers_churned": churn * cust_start,
        "customers_end": cust_end,
        "mrr_start": mrr_start,
        "mrr_churned": churn * mrr_start,
        "mrr_expansion": expansion * mrr_start,
        "mrr_contraction": contraction * mrr_start,
        "mrr_end": mrr_end,
    }
