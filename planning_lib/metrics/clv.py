"""Customer lifetime value (CLV) and the expected lifetime of a customer.

* :func:`clv` (formula) = ARPA × gross margin ÷ monthly logo churn (EUR/customer): the
  history's CLV (:func:`clv_from_bridge`, phase 1 and the KPI ``clv``) and the plan's
  ``clv_end_churn`` / ``clv_start_churn``.
* :func:`clv_from_lifetime` = ARPA × gross margin × expected paid months
  (:func:`customer_lifetime`): the plan's ``clv`` over its churn path.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.churn import churn_rate
from planning_lib.metrics.common import ratio

__all__ = ["clv", "clv_from_bridge", "clv_from_lifetime", "customer_lifetime"]

_TOTAL = "all"


def clv(arpa: Any, gross_margin: Any, churn_rate_monthly: Any) -> Any:
    """CLV = ARPA × gross margin ÷ monthly logo churn (EUR/customer); NaN without churn.

    Numbers or numpy arrays (per draw), see :func:`planning_lib.metrics.common.ratio`.
    """
    return ratio(arpa * gross_margin, churn_rate_monthly)


def clv_from_lifetime(arpa: Any, gross_margin: Any, lifetime_months: Any) -> Any:
    """CLV = ARPA × gross margin × expected paid months of a customer (EUR/customer)."""
    return arpa * gross_margin * lifetime_months


def customer_lifetime(
    churn: np.ndarray,
    growth: np.ndarray | float = 1.0,
    discount_yearly: np.ndarray | float = 0.0,
    cap_months: float = 60.0,
) -> np.ndarray:
    """Expected paid months of a customer (months, per draw), capped at ``cap_months``.

    ``L = Σ_k S_k d^k`` with ``S_0 = 1``, ``S_k = Π_{j<k} (1 − churn_j) × growth_j``
    (churn_j the plan's churn in month j, 0-based; growth_j = 1 + expansion −
    contraction, the customer's MRR relative to its start) and ``d = (1 +
    discount_yearly)^(−1/12)``; after the plan the last month's churn and growth go
    on, a geometric tail ``S_T d^T ÷ (1 − q)`` with ``q = (1 − churn_T-1) growth_T-1 d``.
    With constant churn c and no growth or discount L = 1 ÷ c. Infinite (q ≥ 1, e.g.
    zero churn) or above the cap: ``cap_months``.
    """
    churn = np.atleast_2d(churn)
    t_len = churn.shape[-1]
    growth = np.broadcast_to(np.asarray(growth, dtype=float), churn.shape)
    d = (1.0 + np.asarray(discount_yearly, dtype=float).reshape(-1, 1)) ** (-1.0 / 12.0)
    step = (1.0 - churn) * growth * d
    survive = np.concatenate(
        [np.ones((churn.shape[0], 1)), np.cumprod(step, axis=-1)], axis=-1
    )  # S_k d^k for k = 0..T
    q = step[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = np.where(q < 1.0, survive[:, -1] / (1.0 - q), np.inf)
    life = survive[:, :t_len].sum(axis=-1) + tail
    return np.minimum(life, float(cap_months))


def clv_from_bridge(
    bridge: pd.DataFrame, gross_margin: float, months: int = 12, by: str | None = None
) -> pd.DataFrame:
    """CLV = ARPA × gross margin ÷ monthly logo churn, over the last ``months`` months.

    ARPA = MRR ÷ active customers at the end of the last month, the same instant
    (EUR/month); churn = churned customers ÷ customers at month start (end of the month
    before), pooled over the window (share per month). The KPI ``clv`` of phase 7
    (:func:`planning_lib.metrics.retention.clv`) calls this over each period's months.

    Args:
        bridge: output of :func:`planning_lib.metrics.customers.mrr_bridge_observed`
            (with the same ``by``).
        gross_margin: share 0..1.
        months: window length.
        by: the attribute ``bridge`` is split by, or None.

    Returns:
        Columns [``by``], ``customers_end``, ``mrr_end_eur``, ``arpa_eur``,
        ``churn_rate_monthly``, ``clv_eur`` (EUR per customer; missing without churn).
    """
    keys = [by] if by is not None else []
    last = sorted(bridge["month"].unique())[-months:]
    w = bridge[bridge["month"].isin(last)]
    end = w[w["month"] == last[-1]]
    groups = w.groupby(keys) if keys else [((_TOTAL,), w)]
    rows = []
    for key, g in groups:
        e = end if not keys else end[end[by] == (key[0] if isinstance(key, tuple) else key)]
        cust, mrr = int(e["customers_end"].sum()), float(e["mrr_end_eur"].sum())
        start = float(g["customers_start"].sum())
        churn = churn_rate(float(g["churned_customers"].sum()), start)
        arpa = mrr / cust if cust else np.nan
        row = {} if not keys else {by: key[0] if isinstance(key, tuple) else key}
        row.update(
            customers_end=cust,
            mrr_end_eur=mrr,
            arpa_eur=arpa,
            churn_rate_monthly=churn,
            clv_eur=clv(arpa, gross_margin, churn),
        )
        rows.append(row)
    return pd.DataFrame(rows)
