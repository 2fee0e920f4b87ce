"""Unit economics (phase 1): churn, MRR bridge, cohort retention, new customers, CAC, CLV.

Definitions (one place for each; the KPI catalogue of phase 7,
:mod:`planning_lib.metrics.retention`, computes churn, CLV and ARPA with these functions):

* Month-end state: a customer is *active in month M* if any of its subscriptions still
  runs on the last day of M (see :mod:`planning_lib.analysis.revenue`), so a customer
  is lost in the month its last subscription ends. Its *acquisition month* is the month
  of its first subscription; region, segment and channel of that first subscription are
  the customer's attributes.
* *Customers at the start of M* are the customers active at the end of M-1 (the same
  instant, not the first day of M: a customer starting on the 1st is new in M, like
  one starting on the 15th).
* ``logo_churn_rate`` of month M = customers active in M-1 but not in M ÷ customers
  active in M-1 (share per month). ``gross_revenue_churn_rate`` = (churned MRR +
  contraction) ÷ MRR of M-1, per customer (a product swap within the month is
  expansion or contraction, not churn); ``net_revenue_churn_rate`` subtracts expansion.
  Over several months the rates pool (sum of numerators ÷ sum of denominators).
* ARPA = MRR ÷ active customers at the same instant, the end of the window's last
  month (EUR/month).
* A customer is *new* in the month of its first subscription's ``start_date``
  (:func:`first_subscriptions`; the KPI ``new_customers`` counts the same customers).
* CAC ``stated`` = marketing costs ÷ new customers; ``fully loaded`` = all sales and
  marketing cost categories (personnel, marketing, tools, training/travel, commissions,
  other) ÷ new customers. Per channel, costs booked on the channel are used directly;
  costs without a channel are spread over the channels by their share of new
  customers, so a channel's fully loaded CAC = direct costs ÷ its new customers +
  unassigned costs ÷ all new customers.
* CLV (formula) = ARPA × gross margin ÷ monthly logo churn (EUR per customer).
  CLV (empirical) = gross margin × Σ_k MRR per acquired customer at age k over the
  observed retention curve, plus a geometric tail after the last reliable age
  (no discounting).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from planning_lib.analysis.funnel import ALL
from planning_lib.metrics.acquisition import STATED_CAC_CATEGORIES, cac, cac_fully_loaded
from planning_lib.metrics.common import require_columns
from planning_lib.metrics.customers import CustomerMatrix

__all__ = [
    "cac_by_channel",
    "clv_empirical",
    "cohort_retention",
    "new_customer_share",
    "new_customers",
    "retention_curve",
]


def new_customers(cm: CustomerMatrix) -> pd.DataFrame:
    """One row per customer acquired in the history: ``customer_id``, ``region``,
    ``segment``, ``channel``, acquisition ``month`` (``YYYY-MM``), ``year``,
    ``first_mrr_eur`` (MRR in its first month, EUR/month)."""
    keep = cm.first >= 0
    c = cm.customers[keep]
    out = c.drop(columns=["first_idx", "first_month"]).reset_index(drop=True)
    out["month"] = c["first_month"].astype(str).to_numpy()
    out["year"] = [p.year for p in c["first_month"]]
    out["first_mrr_eur"] = cm.mrr[np.flatnonzero(keep), cm.first[keep]]
    return out


def new_customer_share(new: pd.DataFrame, by: str = "channel") -> pd.DataFrame:
    """New customers per year and ``by`` value with their share of the year (0..1).

    Args:
        new: output of :func:`new_customers`.
        by: attribute to split by (default ``channel``).

    Returns:
        Columns ``year``, ``by``, ``new_customers`` (count), ``share`` (0..1).
    """
    g = new.groupby(["year", by]).size().rename("new_customers").reset_index()
    g["share"] = g["new_customers"] / g.groupby("year")["new_customers"].transform("sum")
    return g.sort_values(["year", by]).reset_index(drop=True)


def cac_by_channel(
    costs: pd.DataFrame,
    new: pd.DataFrame,
    year: int,
    channels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Stated and fully loaded CAC per channel and blended for one calendar year.

    Args:
        costs: canonical ``costs`` table (``month``, ``category``, ``amount_eur``,
            optional ``channel``).
        new: output of :func:`new_customers`.
        year: calendar year to evaluate.
        channels: channels to report (default: those with costs or new customers).

    Returns:
        Columns ``channel`` (last row ``"all"`` = blended), ``new_customers``,
        ``marketing_cost_eur`` (marketing booked on the channel), ``direct_cost_eur``
        (all categories booked on the channel), ``allocated_cost_eur`` (share of costs
        without channel), ``total_cost_eur``, ``cac_stated_eur`` (marketing ÷ new
        customers, EUR/customer), ``cac_fully_loaded_eur`` (total ÷ new customers).
        In the ``all`` row marketing includes marketing without a channel.

    Raises:
        MissingColumnsError: a required column is missing.
    """
    require_columns(costs, ["month", "category", "amount_eur"], "costs")
    c = costs[pd.to_datetime(costs["month"]).dt.year == year].copy()
    chan = c["channel"] if "channel" in c.columns else pd.Series(np.nan, index=c.index)
    c["channel"] = chan.where(chan.notna() & (chan.astype(str) != ""), None)
    n = new[new["year"] == year].groupby("channel").size()
    names = sorted(set(n.index) | set(c["channel"].dropna())) if channels is None else channels
    n_total = int(n.sum())
    unassigned = float(c.loc[c["channel"].isna(), "amount_eur"].sum())
    rows = []
    for ch in names:
        cc = c[c["channel"] == ch]
        k = int(n.get(ch, 0))
        mkt = float(cc.loc[cc["category"].isin(STATED_CAC_CATEGORIES), "amount_eur"].sum())
        direct = float(cc["amount_eur"].sum())
        alloc = unassigned * k / n_total if n_total else 0.0
        rows.append((ch, k, mkt, direct, alloc))
    mkt_all = float(c.loc[c["category"].isin(STATED_CAC_CATEGORIES), "amount_eur"].sum())
    rows.append((ALL, n_total, mkt_all, float(c["amount_eur"].sum()) - unassigned, unassigned))
    out = pd.DataFrame(
        rows,
        columns=[
            "channel",
            "new_customers",
            "marketing_cost_eur",
            "direct_cost_eur",
            "allocated_cost_eur",
        ],
    )
    out["total_cost_eur"] = out["direct_cost_eur"] + out["allocated_cost_eur"]
    out["cac_stated_eur"] = cac(out["marketing_cost_eur"], out["new_customers"])
    out["cac_fully_loaded_eur"] = cac_fully_loaded(out["total_cost_eur"], out["new_customers"])
    out.insert(0, "year", year)
    return out


def cohort_retention(cm: CustomerMatrix) -> pd.DataFrame:
    """Retention of monthly acquisition cohorts by age (months since acquisition).

    Returns:
        Columns ``cohort`` (``YYYY-MM``), ``age_months`` (0 = acquisition month),
        ``cohort_customers``, ``active_customers`` (counts), ``logo_retention``
        (active ÷ cohort customers, 0..1), ``mrr_eur`` (cohort MRR at that age,
        EUR/month), ``mrr_retention`` (÷ cohort MRR at age 0). Only observed ages
        (up to the as-of month) appear; customers acquired before the history start
        are left out.
    """
    n_c, n_t = cm.active.shape
    ages = np.arange(n_t)
    idx = cm.first[:, None] + ages[None, :]
    valid = (idx >= 0) & (idx < n_t)
    safe = np.where(valid, idx, 0)
    act = np.where(valid, cm.active[np.arange(n_c)[:, None], safe], False)
    mrr = np.where(valid, cm.mrr[np.arange(n_c)[:, None], safe], 0.0)
    cohort = cm.customers["first_month"].astype(str).to_numpy()
    known = cm.first >= 0
    frames = []
    for co in sorted(set(cohort[known])):
        rows = (cohort == co) & known
        n_ages = int(valid[rows].sum(axis=1).max())
        a = act[rows, :n_ages].sum(axis=0)
        r = mrr[rows, :n_ages].sum(axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "cohort": co,
                    "age_months": ages[:n_ages],
                    "cohort_customers": int(rows.sum()),
                    "active_customers": a.astype(int),
                    "mrr_eur": r,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if len(out):
        out["logo_retention"] = out["active_customers"] / out["cohort_customers"]
        base = out.groupby("cohort")["mrr_eur"].transform("first")
        out["mrr_retention"] = out["mrr_eur"] / base.where(base > 0)
        out = out[
            [
                "cohort",
                "age_months",
                "cohort_customers",
                "active_customers",
                "logo_retention",
                "mrr_eur",
                "mrr_retention",
            ]
        ]
    return out


def retention_curve(retention: pd.DataFrame, min_customers: int = 30) -> pd.DataFrame:
    """Pooled retention over all cohorts by age, cut where too few customers are observable.

    Args:
        retention: output of :func:`cohort_retention`.
        min_customers: ages observed for fewer acquired customers are dropped.

    Returns:
        Columns ``age_months``, ``observed_customers`` (acquired customers old enough
        to be observed at that age), ``logo_retention`` (0..1), ``mrr_per_customer_eur``
        (MRR at that age per acquired customer, EUR/month).
    """
    g = retention.groupby("age_months").agg(
        observed_customers=("cohort_customers", "sum"),
        active=("active_customers", "sum"),
        mrr=("mrr_eur", "sum"),
    )
    g = g[g["observed_customers"] >= min_customers]
    # keep the leading run of ages only (a gap would mean an unreliable tail)
    g = g[g.index == np.arange(len(g))]
    out = pd.DataFrame(
        {
            "age_months": g.index.to_numpy(),
            "observed_customers": g["observed_customers"].to_numpy(),
            "logo_retention": (g["active"] / g["observed_customers"]).to_numpy(),
            "mrr_per_customer_eur": (g["mrr"] / g["observed_customers"]).to_numpy(),
        }
    )
    return out


def clv_empirical(
    curve: pd.DataFrame, gross_margin: float, tail_fit_months: int = 12
) -> dict[str, float]:
    """Empirical CLV from the pooled retention curve, extrapolated geometrically.

    The tail after the last age K assumes MRR per customer keeps shrinking by the
    factor q per month, where q = (m_K / m_{K-w}) ** (1/w) over the last
    ``w = min(tail_fit_months, K)`` ages, clipped to [0, 0.99]:
    tail = m_K × q ÷ (1 − q).

    Args:
        curve: output of :func:`retention_curve`.
        gross_margin: gross margin on subscription revenue (share 0..1).
        tail_fit_months: ages used to estimate q.

    Returns:
        ``observed_eur`` (margin over the observed curve), ``tail_eur``, ``clv_eur``
        (EUR per acquired customer), ``monthly_retention_tail`` (q), ``observed_months``.
    """
    m = curve["mrr_per_customer_eur"].to_numpy()
    if len(m) == 0:
        return dict.fromkeys(
            ["observed_eur", "tail_eur", "clv_eur", "monthly_retention_tail", "observed_months"],
            np.nan,
        )
    k = len(m) - 1
    w = min(tail_fit_months, k)
    q = (m[k] / m[k - w]) ** (1.0 / w) if w > 0 and m[k - w] > 0 else 0.0
    q = float(np.clip(q, 0.0, 0.99))
    observed = gross_margin * float(m.sum())
    tail = gross_margin * float(m[k]) * q / (1.0 - q)
    return {
        "observed_eur": observed,
        "tail_eur": tail,
        "clv_eur": observed + tail,
        "monthly_retention_tail": q,
        "observed_months": float(len(m)),
    }
