"""Acquisition figures: who is a new customer, and what a new customer cost (CAC).

* A customer is *new* on the ``start_date`` of its first subscription
  (:func:`first_subscriptions`); the as-is analysis, the KPI catalogue and the sample
  summary count new customers with it. The plan counts its new customers in the line
  ``customers_new``.
* ``cac`` (stated) = marketing cost ÷ new customers, the costs of
  :data:`STATED_CAC_CATEGORIES` (EUR/customer).
* ``cac_fully_loaded`` = all sales and marketing costs (personnel, marketing, tools,
  training/travel, commissions, other) ÷ new customers (EUR/customer).

History (:func:`planning_lib.analysis.unit_economics.cac_by_channel`), the KPI catalogue
(:func:`planning_lib.metrics.measures.cac`), the plan
(:func:`planning_lib.plan.summary.plan_summary`), the plan side of plan vs. actual
(:func:`planning_lib.controlling.plan_view.plan_values`), the landing
(:func:`planning_lib.controlling.landing.landing`) and the sample summary call
:func:`cac` and :func:`cac_fully_loaded`; they differ only in which costs and which new
customers they pass.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning_lib.metrics.common import ratio, require_columns

__all__ = ["STATED_CAC_CATEGORIES", "cac", "cac_fully_loaded", "first_subscriptions"]

STATED_CAC_CATEGORIES: tuple[str, ...] = ("marketing",)
"""Cost categories of the stated CAC; the fully loaded CAC takes every category."""


def first_subscriptions(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first subscription: the customer's acquisition and attributes.

    A customer is *new* on the ``start_date`` of its first subscription (ties broken by
    row order); its region, segment, channel and product are those of that row. Both
    the as-is analysis (:func:`new_customers`) and the KPI ``new_customers`` (and so
    the CAC of both phases) count new customers with this.

    Args:
        subscriptions: canonical ``subscriptions`` table.

    Returns:
        One row per customer with the columns of ``subscriptions`` (``start_date`` as
        Timestamp), sorted by start date and customer.

    Raises:
        MissingColumnsError: ``customer_id`` or ``start_date`` is missing.
    """
    require_columns(subscriptions, ["customer_id", "start_date"], "subscriptions")
    subs = subscriptions.assign(start_date=pd.to_datetime(subscriptions["start_date"]))
    subs = subs.sort_values(["start_date", "customer_id"], kind="mergesort")
    return subs.drop_duplicates("customer_id").reset_index(drop=True)


def cac(marketing_cost: Any, new_customers: Any) -> Any:
    """Stated CAC: marketing cost ÷ new customers (EUR/customer; NaN without new customers).

    Numbers, numpy arrays (per draw) or pandas Series (per row), see
    :func:`planning_lib.metrics.common.ratio`.
    """
    return ratio(marketing_cost, new_customers)


def cac_fully_loaded(sales_and_marketing_cost: Any, new_customers: Any) -> Any:
    """Fully loaded CAC: all sales and marketing costs ÷ new customers (EUR/customer).

    NaN without new customers; numbers, numpy arrays or pandas Series like :func:`cac`.
    """
    return ratio(sales_and_marketing_cost, new_customers)
