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

from planning_lib.analysis.common import month_of, require_columns, resolve_as_of
from planning_lib.analysis.funnel import ALL
from planning_lib.analysis.revenue import subscription_months

__all__ = [
    "STATED_CAC_CATEGORIES",
    "CustomerMatrix",
    "cac_by_channel",
    "clv_empirical",
    "clv_formula",
    "cohort_retention",
    "customer_matrix",
    "first_subscriptions",
    "member_bridge",
    "mrr_bridge",
    "new_customer_share",
    "new_customers",
    "retention_curve",
]

_ATTRS = ("region", "segment", "channel")

STATED_CAC_CATEGORIES: tuple[str, ...] = ("marketing",)
"""Cost categories of the stated CAC; the fully loaded CAC takes every category."""


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


def _group_sum(values: np.ndarray, groups: pd.Series | None) -> pd.DataFrame:
    """Sum the rows of a customers × months array per group (or in total)."""
    if groups is None:
        return pd.DataFrame(values.sum(axis=0)[None, :], index=pd.Index([ALL]))
    return pd.DataFrame(values).groupby(groups.to_numpy()).sum()


def mrr_bridge(cm: CustomerMatrix, by: str | None = None) -> pd.DataFrame:
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
    out["logo_churn_rate"] = out["churned_customers"] / start_c.where(start_c > 0)
    lost = out["churned_mrr_eur"] + out["contraction_mrr_eur"]
    out["gross_revenue_churn_rate"] = lost / start_m.where(start_m > 0)
    out["net_revenue_churn_rate"] = (lost - out["expansion_mrr_eur"]) / start_m.where(start_m > 0)
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
    once per product; without it this is :func:`mrr_bridge` of the customers. This is
    the one computation behind the churn, ARPA and CLV of both the as-is analysis and
    the KPI catalogue.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        first_month: first month reported (its start is the end of the month before).
        as_of: last month reported.
        member: member label per subscription row, or None for the total.

    Returns:
        The columns of :func:`mrr_bridge` with ``member`` (``""`` for the total) after
        ``month``.
    """
    first_m = pd.Period(first_month, freq="M")
    subs = subscriptions
    if member is not None:
        key = member.astype(str).to_numpy()
        subs = subs.assign(customer_id=key + _SEP + subs["customer_id"].astype(str).to_numpy())
    cm = customer_matrix(subs, as_of, start=first_m - 1)
    if member is None:
        out = mrr_bridge(cm).assign(member="")
    else:
        cm.customers = cm.customers.assign(
            member=cm.customers["customer_id"].str.split(_SEP).str[0]
        )
        out = mrr_bridge(cm, "member")
    return out[["month", "member", *[c for c in out.columns if c not in ("month", "member")]]]


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
    k = out["new_customers"].where(out["new_customers"] > 0)
    out["cac_stated_eur"] = out["marketing_cost_eur"] / k
    out["cac_fully_loaded_eur"] = out["total_cost_eur"] / k
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


def clv_formula(
    bridge: pd.DataFrame, gross_margin: float, months: int = 12, by: str | None = None
) -> pd.DataFrame:
    """CLV = ARPA × gross margin ÷ monthly logo churn, over the last ``months`` months.

    ARPA = MRR ÷ active customers at the end of the last month, the same instant
    (EUR/month); churn = churned customers ÷ customers at month start (end of the month
    before), pooled over the window (share per month). The KPI ``clv`` of phase 7
    (:func:`planning_lib.metrics.retention.clv`) calls this over each period's months.

    Args:
        bridge: output of :func:`mrr_bridge` (with the same ``by``).
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
    groups = w.groupby(keys) if keys else [((ALL,), w)]
    rows = []
    for key, g in groups:
        e = end if not keys else end[end[by] == (key[0] if isinstance(key, tuple) else key)]
        cust, mrr = int(e["customers_end"].sum()), float(e["mrr_end_eur"].sum())
        start = float(g["customers_start"].sum())
        churn = float(g["churned_customers"].sum()) / start if start else np.nan
        arpa = mrr / cust if cust else np.nan
        row = {} if not keys else {by: key[0] if isinstance(key, tuple) else key}
        row.update(
            customers_end=cust,
            mrr_end_eur=mrr,
            arpa_eur=arpa,
            churn_rate_monthly=churn,
            clv_eur=arpa * gross_margin / churn if churn and churn > 0 else np.nan,
        )
        rows.append(row)
    return pd.DataFrame(rows)
