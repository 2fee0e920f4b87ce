"""The observed customer base: subscriptions by month, customers × months, the MRR bridge.

Month-end state: a subscription is *active in month M* when it still runs on the last
day of M (from the month of ``start_date`` to the month before the month of
``end_date``), so a customer is lost in the month its last subscription ends. Customers
at the start of M are those active at the end of M-1. :func:`mrr_bridge_observed` is
the bridge of the history (from a customer matrix); the plan's bridge over its arrays is
:func:`planning_lib.metrics.mrr.mrr_bridge_projected`. Both follow ``end = start + new
+ expansion − contraction − churned`` and read churn with
:func:`planning_lib.metrics.churn.churn_rate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planning_lib.metrics.acquisition import first_subscriptions
from planning_lib.metrics.churn import churn_rate, revenue_churn_rate
from planning_lib.metrics.common import (
    month_of,
    month_ordinals,
    months_from_ordinals,
    require_columns,
    resolve_as_of,
)

__all__ = [
    "DIMENSIONS",
    "CustomerMatrix",
    "customer_matrix",
    "member_bridge",
    "mrr_bridge_observed",
    "subscription_months",
]

_TOTAL = "all"
DIMENSIONS: tuple[str, ...] = ("product", "segment", "region", "channel")


_SUB_COLS = ("customer_id", "start_date", "end_date", "mrr_eur")


def subscription_months(
    subscriptions: pd.DataFrame,
    as_of: pd.Period | str | None = None,
    start: pd.Period | str | None = None,
) -> pd.DataFrame:
    """One row per subscription and active month, from ``start`` up to the as-of month.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        as_of: last month of history (default: latest start or end month in the table).
        start: first month of history (default: the first subscription month). Exports
            often hold only the customers still active when the CRM history begins;
            months before that would understate MRR, so callers pass that month here.

    Returns:
        Columns ``month`` (Period[M]), ``customer_id``, the dimensions present
        (``region``, ``product``, ``segment``, ``channel``) and ``mrr_eur`` (EUR/month).

    Raises:
        MissingColumnsError: a required column is missing.
    """
    require_columns(subscriptions, _SUB_COLS, "subscriptions")
    last = resolve_as_of(as_of, subscriptions["start_date"], subscriptions["end_date"]).ordinal
    first = month_ordinals(subscriptions["start_date"])
    valid = first >= 0
    if start is not None:
        first = np.maximum(first, pd.Period(start, freq="M").ordinal)
    end = month_ordinals(subscriptions["end_date"])
    end = np.where(end < 0, last, np.minimum(end - 1, last))  # month-end state
    n = np.clip(end - first + 1, 0, None)
    n[~valid] = 0
    rows = np.repeat(np.arange(len(subscriptions)), n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    dims = [d for d in DIMENSIONS if d in subscriptions.columns]
    base = subscriptions.iloc[rows][["customer_id", *dims, "mrr_eur"]].reset_index(drop=True)
    base.insert(0, "month", months_from_ordinals(first[rows] + offsets))
    base["mrr_eur"] = base["mrr_eur"].astype(float)
    return base


_ATTRS = ("region", "segment", "channel")


class CustomerMatrix:
    """Customers × months of MRR (EUR/month) and activity, plus customer attributes.

    Attributes:
        months: the months (columns), first subscription month to the as-of month.
        mrr: array (customers × months) of MRR in EUR/month.
        active: bool array (customers × months).
        first: index of each customer's acquisition month in ``months``.
        customers: DataFrame indexed like the rows: ``customer_id``, ``region``,
            ``segment``, ``channel`` (of the first subscription), ``first_month``.
    """

    def __init__(
        self,
        months: pd.PeriodIndex,
        mrr: np.ndarray,
        active: np.ndarray,
        customers: pd.DataFrame,
    ):
        self.months = months
        self.mrr = mrr
        self.active = active
        self.customers = customers
        self.first = customers["first_idx"].to_numpy()


def customer_matrix(
    subscriptions: pd.DataFrame,
    as_of: pd.Period | str | None = None,
    start: pd.Period | str | None = None,
) -> CustomerMatrix:
    """Build the customer × month matrix from the subscriptions.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        as_of: last month of history (default: latest month in the table).
        start: first month of history (default: first subscription month). Customers
            acquired before it get a negative ``first_idx`` and count neither as new
            customers nor in the cohort retention (their cohorts are left-censored).

    Raises:
        MissingColumnsError: a required column is missing.
    """
    require_columns(subscriptions, ["customer_id", "start_date", "mrr_eur"], "subscriptions")
    as_of_m = resolve_as_of(as_of, subscriptions["start_date"], subscriptions["end_date"])
    sm = subscription_months(subscriptions, as_of_m, start)
    first_m = sm["month"].min() if len(sm) else as_of_m
    if start is not None:
        first_m = pd.Period(start, freq="M")
    months = pd.period_range(first_m, as_of_m, freq="M")
    subs = subscriptions[month_of(subscriptions["start_date"]) <= as_of_m]
    firsts = first_subscriptions(subs).rename(columns={"start_date": "_start"})
    attrs = [a for a in _ATTRS if a in subs.columns]
    cust = firsts[["customer_id", *attrs]].sort_values("customer_id").reset_index(drop=True)
    for a in attrs:
        cust[a] = cust[a].astype(str)
    row = pd.Series(np.arange(len(cust)), index=cust["customer_id"])
    first_month = month_of(firsts.set_index("customer_id")["_start"]).reindex(cust["customer_id"])
    cust["first_month"] = first_month.to_numpy()
    cust["first_idx"] = [m.ordinal - first_m.ordinal for m in cust["first_month"]]
    mrr = np.zeros((len(cust), len(months)))
    cnt = np.zeros((len(cust), len(months)), dtype=np.int64)
    r = row.reindex(sm["customer_id"]).to_numpy()
    c = np.array([m.ordinal - first_m.ordinal for m in sm["month"]], dtype=np.int64)
    np.add.at(mrr, (r, c), sm["mrr_eur"].to_numpy())
    np.add.at(cnt, (r, c), 1)
    return CustomerMatrix(months, mrr, cnt > 0, cust)


def _group_sum(values: np.ndarray, groups: pd.Series | None) -> pd.DataFrame:
    """Sum the rows of a customers × months array per group (or in total)."""
    if groups is None:
        return pd.DataFrame(values.sum(axis=0)[None, :], index=pd.Index([_TOTAL]))
    return pd.DataFrame(values).groupby(groups.to_numpy()).sum()


def mrr_bridge_observed(cm: CustomerMatrix, by: str | None = None) -> pd.DataFrame:
    """Monthly MRR movement and churn rates (the MRR bridge), in total or per ``by``.

    mrr_end = mrr_start + new + reactivated + expansion − contraction − churned.

    Args:
        cm: output of :func:`customer_matrix`.
        by: customer attribute (``region``, ``segment``, ``channel``) or None.

    Returns:
        One row per month from the second month on (× group): ``month`` (``YYYY-MM``),
        [``by``], ``customers_start``, ``new_customers``, ``reactivated_customers``,
        ``churned_customers``, ``customers_end`` (counts); ``mrr_start_eur``,
        ``new_mrr_eur``, ``reactivated_mrr_eur``, ``expansion_mrr_eur``,
        ``contraction_mrr_eur``, ``churned_mrr_eur``, ``mrr_end_eur`` (EUR/month);
        ``logo_churn_rate``, ``gross_revenue_churn_rate``, ``net_revenue_churn_rate``
        (shares per month; missing when the month starts with no customers).
    """
    a, m = cm.active, cm.mrr
    prev_a, cur_a = a[:, :-1], a[:, 1:]
    prev_m, cur_m = m[:, :-1], m[:, 1:]
    t = np.arange(1, a.shape[1])[None, :]
    is_first = cm.first[:, None] == t
    gained = cur_a & ~prev_a
    kept = cur_a & prev_a
    diff = np.where(kept, cur_m - prev_m, 0.0)
    parts = {
        "customers_start": prev_a,
        "new_customers": gained & is_first,
        "reactivated_customers": gained & ~is_first,
        "churned_customers": prev_a & ~cur_a,
        "customers_end": cur_a,
        "mrr_start_eur": prev_m,
        "new_mrr_eur": np.where(gained & is_first, cur_m, 0.0),
        "reactivated_mrr_eur": np.where(gained & ~is_first, cur_m, 0.0),
        "expansion_mrr_eur": np.clip(diff, 0, None),
        "contraction_mrr_eur": np.clip(-diff, 0, None),
        "churned_mrr_eur": np.where(prev_a & ~cur_a, prev_m, 0.0),
        "mrr_end_eur": cur_m,
    }
    groups = cm.customers[by] if by is not None else None
    months = cm.months[1:].astype(str)
    frames = []
    for name, arr in parts.items():
        g = _group_sum(arr.astype(float), groups)
        g.columns = months
        s = g.stack()
        s.index.names = [by or "_g", "month"]
        frames.append(s.rename(name))
    out = pd.concat(frames, axis=1).reset_index()
    for col in [c for c in parts if c.endswith("customers") or c.startswith("customers")]:
        out[col] = out[col].round().astype(int)
    start_c, start_m = out["customers_start"], out["mrr_start_eur"]
    out["logo_churn_rate"] = churn_rate(out["churned_customers"], start_c)
    lost = out["churned_mrr_eur"] + out["contraction_mrr_eur"]
    out["gross_revenue_churn_rate"] = revenue_churn_rate(lost, start_m)
    out["net_revenue_churn_rate"] = revenue_churn_rate(lost - out["expansion_mrr_eur"], start_m)
    keys = ["month"] if by is None else ["month", by]
    out = out.drop(columns="_g", errors="ignore").sort_values(keys)
    return out[[*keys, *[c for c in out.columns if c not in keys]]].reset_index(drop=True)


_SEP = "\x1f"


def member_bridge(
    subscriptions: pd.DataFrame,
    first_month: pd.Period | str,
    as_of: pd.Period | str,
    member: pd.Series | None = None,
) -> pd.DataFrame:
    """The MRR bridge of the months ``first_month`` .. ``as_of``, in total or per member.

    With ``member`` (one value per subscription row, e.g. its product) every pair of
    member and customer counts as one customer, so a customer with two products counts
    once per product; without it this is :func:`mrr_bridge_observed` of the customers. This is
    the one computation behind the churn, ARPA and CLV of both the as-is analysis and
    the KPI catalogue.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        first_month: first month reported (its start is the end of the month before).
        as_of: last month reported.
        member: member label per subscription row, or None for the total.

    Returns:
        The columns of :func:`mrr_bridge_observed` with ``member`` (``""`` for the total) after
        ``month``.
    """
    first_m = pd.Period(first_month, freq="M")
    subs = subscriptions
    if member is not None:
        key = member.astype(str).to_numpy()
        subs = subs.assign(customer_id=key + _SEP + subs["customer_id"].astype(str).to_numpy())
    cm = customer_matrix(subs, as_of, start=first_m - 1)
    if member is None:
        out = mrr_bridge_observed(cm).assign(member="")
    else:
        cm.customers = cm.customers.assign(
            member=cm.customers["customer_id"].str.split(_SEP).str[0]
        )
        out = mrr_bridge_observed(cm, "member")
    return out[["month", "member", *[c for c in out.columns if c not in ("month", "member")]]]
