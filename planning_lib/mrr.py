"""Customer and MRR bridges: the month-by-month recursion of the customer base.

Order within a month: churn, expansion and contraction act on the month-start
figures, then the month's new customers are added (they do not churn in their
first month). With constant churn c and constant new MRR N:
``MRR_t = MRR_0 (1-c)^t + N (1-(1-c)^t) / c``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mrr_bridge"]


def mrr_bridge(
    customers0: np.ndarray,
    mrr0: np.ndarray,
    churn: np.ndarray,
    expansion: np.ndarray,
    contraction: np.ndarray,
    new_customers: np.ndarray,
    mrr_new: np.ndarray,
) -> dict[str, np.ndarray]:
    """Customer and MRR bridges month by month (counts; EUR per month).

    One loop over months with array operations over draws (the recursion needs
    the previous month). Order within a month: churn, expansion and contraction on
    the month-start figures, then the new customers are added.

    Args:
        customers0, mrr0: customers (count) and MRR (EUR) at plan start, shape (n, 1).
        churn: logo churn per month (share), (n, T).
        expansion, contraction: shares of month-start MRR, (n, 1) or (n, T).
        new_customers, mrr_new: new customers (count) and their MRR (EUR), (n, T).

    Returns:
        customers_start/churned/end and mrr_start/churned/expansion/contraction/end.
    """
    n, t_len = np.broadcast_shapes(churn.shape, new_customers.shape)
    c = np.broadcast_to(churn, (n, t_len)).T
    e = np.broadcast_to(expansion, (n, t_len)).T
    k = np.broadcast_to(contraction, (n, t_len)).T
    nc = np.broadcast_to(new_customers, (n, t_len)).T
    nm = np.broadcast_to(mrr_new, (n, t_len)).T
    names = ("cs", "cc", "ce", "ms", "mc", "mx", "mk", "me")
    out = {name: np.empty((t_len, n)) for name in names}
    cust = np.broadcast_to(customers0, (n, 1))[:, 0].astype(float)
    mrr = np.broadcast_to(mrr0, (n, 1))[:, 0].astype(float)
    for t in range(t_len):
        churned = c[t] * cust
        out["cs"][t] = cust
        out["cc"][t] = churned
        cust = cust - churned + nc[t]
        out["ce"][t] = cust
        m_churn = c[t] * mrr
        m_exp = e[t] * mrr
        m_con = k[t] * mrr
        out["ms"][t] = mrr
        out["mc"][t] = m_churn
        out["mx"][t] = m_exp
        out["mk"][t] = m_con
        mrr = mrr + nm[t] + m_exp - m_con - m_churn
        out["me"][t] = mrr
    keys = {
        "cs": "customers_start",
        "cc": "customers_churned",
        "ce": "customers_end",
        "ms": "mrr_start",
        "mc": "mrr_churned",
        "mx": "mrr_expansion",
        "mk": "mrr_contraction",
        "me": "mrr_end",
    }
    return {keys[k_]: v.T for k_, v in out.items()}
