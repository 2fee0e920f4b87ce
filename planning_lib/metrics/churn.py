"""Churn: the one definition of the churn rates, and revenue retention.

* Logo churn of a month = customers lost in it ÷ customers at its start (the end of
  the month before), share per month (:func:`churn_rate`); over several months the
  rates pool (sum of losses ÷ sum of customers at start).
* Gross revenue churn = (churned MRR + contraction) ÷ MRR at month start; net revenue
  churn subtracts expansion (:func:`revenue_churn_rate`).
* NRR / GRR of the plan: the MRR of the customers at plan start after churn,
  contraction (and expansion for NRR) ÷ their MRR at plan start (:func:`nrr_grr`).

The plan's input ``drivers.churn_rate_monthly`` is the logo churn of this definition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.common import ratio

__all__ = ["churn_rate", "nrr_grr", "revenue_churn_rate"]


def churn_rate(customers_lost: Any, customers_at_start: Any) -> Any:
    """Logo churn: customers lost ÷ customers at month start (share; NaN without any)."""
    return ratio(customers_lost, customers_at_start)


def revenue_churn_rate(mrr_lost: pd.Series, mrr_at_start: pd.Series) -> pd.Series:
    """Revenue churn: MRR lost ÷ MRR at month start (share; NaN where that is not > 0).

    ``mrr_lost`` = churned + contraction MRR (gross) or that minus expansion (net).
    """
    return ratio(mrr_lost, mrr_at_start.where(mrr_at_start > 0))


def nrr_grr(
    churn: np.ndarray, expansion: np.ndarray, contraction: np.ndarray, months: int
) -> tuple[np.ndarray, np.ndarray]:
    """NRR and GRR (shares) of the MRR at plan start over the first ``months`` months.

    Month by month the starting customers' MRR is multiplied by ``1 − churn +
    expansion − contraction`` (NRR) or ``1 − churn − contraction`` (GRR, floored at
    0), the model's bridge restricted to the customers at plan start.
    """
    churn = np.atleast_2d(churn)
    exp = np.broadcast_to(expansion, churn.shape)[:, :months]
    con = np.broadcast_to(contraction, churn.shape)[:, :months]
    churn = churn[:, :months]
    nrr = np.prod(np.maximum(1.0 - churn + exp - con, 0.0), axis=-1)
    grr = np.prod(np.maximum(1.0 - churn - con, 0.0), axis=-1)
    return nrr, grr
