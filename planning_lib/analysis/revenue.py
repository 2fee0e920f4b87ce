"""Revenue and MRR development (phase 1): monthly, quarterly and yearly, YoY growth, CAGR.

Definitions (one place for each):

* Month-end state: a subscription is *active in month M* when it still runs on the
  last day of M, i.e. from the month of ``start_date`` to the month *before* the month
  of ``end_date`` (its last paid day); open subscriptions run to the as-of month. So a
  customer is lost in the month its last subscription ends (as in
  :mod:`planning_lib.metrics.measures`), and customers and MRR of December are those on
  31 December.
* ``mrr_eur`` of a month is the sum of MRR of the subscriptions active in it
  (EUR/month); ``revenue_eur`` of a period is the sum of its monthly MRR (recurring
  revenue at the month-end run rate, EUR; partial months are not prorated).
* Bookings come from won deals, dated by ``close_date``: ``bookings_eur`` is the sum of
  ``amount_eur`` (first-year contract value), ``new_mrr_eur`` the sum of their MRR.
* YoY growth compares a period with the same period a year earlier (share, 0.18 = 18 %),
  only when both are complete; CAGR uses the first and last complete calendar years.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from planning_lib.metrics.common import (
    month_of,
    require_columns,
    resolve_as_of,
)
from planning_lib.metrics.customers import subscription_months

__all__ = [
    "Freq",
    "aggregate_history",
    "bookings_by_month",
    "history_months",
    "monthly_history",
    "mrr_by_month",
    "revenue_cagr",
    "revenue_history",
]

Freq = Literal["M", "Q", "Y"]
_YOY_LAG = {"M": 12, "Q": 4, "Y": 1}


def history_months(first: pd.Period, as_of: pd.Period) -> pd.PeriodIndex:
    """All months from ``first`` to ``as_of`` inclusive."""
    return pd.period_range(first, as_of, freq="M")


def _grid(months: pd.PeriodIndex, frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Every month (× every observed value of ``by``) as a key frame."""
    if by is None:
        return pd.DataFrame({"month": months})
    values = sorted(frame[by].dropna().astype(str).unique())
    idx = pd.MultiIndex.from_product([months, values], names=["month", by])
    return idx.to_frame(index=False)


def mrr_by_month(
    sub_months: pd.DataFrame, months: pd.PeriodIndex, by: str | None = None
) -> pd.DataFrame:
    """MRR (EUR/month) and active customers (count) per month (and ``by`` value).

    Args:
        sub_months: output of :func:`subscription_months`.
        months: the months to report (missing months get 0).
        by: optional dimension column.

    Returns:
        Columns ``month``, [``by``], ``mrr_eur``, ``customers``.
    """
    keys = ["month"] if by is None else ["month", by]
    frame = sub_months if by is None else sub_months.assign(**{by: sub_months[by].astype(str)})
    agg = frame.groupby(keys, observed=True).agg(
        mrr_eur=("mrr_eur", "sum"), customers=("customer_id", "nunique")
    )
    out = _grid(months, sub_months, by).merge(agg.reset_index(), on=keys, how="left")
    out["mrr_eur"] = out["mrr_eur"].fillna(0.0)
    out["customers"] = out["customers"].fillna(0).astype(int)
    return out


def bookings_by_month(
    deals: pd.DataFrame, months: pd.PeriodIndex, by: str | None = None
) -> pd.DataFrame:
    """Won deals (count), bookings (EUR first-year value) and new MRR (EUR/month) per month.

    Args:
        deals: canonical ``deals`` table; only ``stage == "won"`` rows count, dated by
            ``close_date``; months outside ``months`` are ignored.
        months: the months to report.
        by: optional dimension column.

    Returns:
        Columns ``month``, [``by``], ``won_deals``, ``bookings_eur``, ``new_mrr_eur``.

    Raises:
        MissingColumnsError: a required column is missing.
    """
    require_columns(deals, ["stage", "close_date", "amount_eur", "mrr_eur"], "deals")
    won = deals[deals["stage"] == "won"].copy()
    won["month"] = month_of(won["close_date"])
    won = won[won["month"].isin(months)]
    keys = ["month"] if by is None else ["month", by]
    if by is not None:
        won[by] = won[by].astype(str)
    agg = won.groupby(keys, observed=True).agg(
        won_deals=("stage", "size"),
        bookings_eur=("amount_eur", "sum"),
        new_mrr_eur=("mrr_eur", "sum"),
    )
    out = _grid(months, won, by).merge(agg.reset_index(), on=keys, how="left")
    out["won_deals"] = out["won_deals"].fillna(0).astype(int)
    out[["bookings_eur", "new_mrr_eur"]] = out[["bookings_eur", "new_mrr_eur"]].fillna(0.0)
    return out


def _period_label(months: pd.Series, freq: Freq) -> pd.Series:
    if freq == "M":
        return months.astype(str)
    if freq == "Q":
        return months.dt.asfreq("Q").astype(str)
    return months.dt.year.astype(str)


def _months_in_period(freq: Freq) -> int:
    return {"M": 1, "Q": 3, "Y": 12}[freq]


def revenue_history(
    subscriptions: pd.DataFrame,
    deals: pd.DataFrame,
    freq: Freq = "M",
    by: str | None = None,
    as_of: pd.Period | str | None = None,
    start: pd.Period | str | None = None,
) -> pd.DataFrame:
    """Revenue, MRR, customers and bookings per period, with YoY growth.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        deals: canonical ``deals`` table.
        freq: ``"M"`` month, ``"Q"`` quarter or ``"Y"`` calendar year.
        by: optional dimension (``product``, ``segment``, ``region`` or ``channel``).
        as_of: last month of history (default: latest month in the subscriptions).
        start: first month of history (see :func:`subscription_months`).

    Returns:
        One row per period (× ``by`` value), oldest first, columns ``period``
        (``2025-03``, ``2025Q1`` or ``2025``), [``by``], ``months`` (observed months),
        ``complete`` (all months of the period observed), ``revenue_eur`` (sum of monthly
        MRR, EUR), ``mrr_end_eur`` (MRR in the last observed month, EUR/month),
        ``customers_end`` (active customers then, count), ``won_deals``, ``bookings_eur``,
        ``new_mrr_eur``, ``revenue_yoy`` and ``mrr_end_yoy`` (shares; missing where
        either period is incomplete or the earlier value is 0).

    Raises:
        MissingColumnsError: a required column is missing.
        ValueError: unknown ``freq``.
    """
    if freq not in _YOY_LAG:
        raise ValueError(f"freq must be one of M, Q, Y, not {freq!r}")
    as_of_m = resolve_as_of(as_of, subscriptions["start_date"], subscriptions["end_date"])
    sm = subscription_months(subscriptions, as_of_m, start)
    first = sm["month"].min() if len(sm) else as_of_m
    if start is not None:
        first = pd.Period(start, freq="M")
    monthly = monthly_history(sm, deals, history_months(first, as_of_m), by)
    return aggregate_history(monthly, freq, by)


def monthly_history(
    sub_months: pd.DataFrame, deals: pd.DataFrame, months: pd.PeriodIndex, by: str | None
) -> pd.DataFrame:
    """MRR, customers and bookings per month (× ``by`` value): the base of every period.

    Returns:
        Columns of :func:`mrr_by_month` and :func:`bookings_by_month` side by side.
    """
    keys = ["month"] if by is None else ["month", by]
    return mrr_by_month(sub_months, months, by).merge(bookings_by_month(deals, months, by), on=keys)


def aggregate_history(monthly: pd.DataFrame, freq: Freq, by: str | None) -> pd.DataFrame:
    """Aggregate :func:`monthly_history` to periods and add YoY growth.

    Returns:
        The table described in :func:`revenue_history`.
    """
    monthly = monthly.assign(period=_period_label(monthly["month"], freq))
    keys = ["period"] if by is None else ["period", by]
    monthly = monthly.sort_values(["month", *keys[1:]])
    out = monthly.groupby(keys, sort=False).agg(
        months=("month", "size"),
        revenue_eur=("mrr_eur", "sum"),
        mrr_end_eur=("mrr_eur", "last"),
        customers_end=("customers", "last"),
        won_deals=("won_deals", "sum"),
        bookings_eur=("bookings_eur", "sum"),
        new_mrr_eur=("new_mrr_eur", "sum"),
    )
    out = out.reset_index()
    out.insert(len(keys) + 1, "complete", out["months"] == _months_in_period(freq))
    lag = _YOY_LAG[freq]
    grouped = out.groupby(by, sort=False) if by is not None else None
    for col, name in (("revenue_eur", "revenue_yoy"), ("mrr_end_eur", "mrr_end_yoy")):
        prev = (grouped[col] if grouped is not None else out[col]).shift(lag)
        prev_complete = (grouped["complete"] if grouped is not None else out["complete"]).shift(lag)
        ok = out["complete"] & (prev_complete == True) & (prev > 0)  # noqa: E712
        out[name] = np.where(ok, out[col] / prev.where(prev > 0) - 1.0, np.nan)
    return out.reset_index(drop=True)


def revenue_cagr(yearly: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Compound annual growth of revenue between the first and last complete years.

    CAGR = (revenue_last / revenue_first) ** (1 / (last_year - first_year)) - 1.

    Args:
        yearly: output of :func:`revenue_history` with ``freq="Y"`` (and the same ``by``).
        by: the dimension ``yearly`` was split by, or None.

    Returns:
        Columns [``by``], ``first_year``, ``last_year``, ``revenue_first_eur``,
        ``revenue_last_eur``, ``cagr`` (share per year; missing with fewer than two
        complete years or a zero start).
    """
    rows = []
    groups = yearly.groupby(by, sort=True) if by is not None else [(None, yearly)]
    for key, g in groups:
        full = g[g["complete"]].sort_values("period")
        row: dict[str, object] = {} if by is None else {by: key}
        if len(full) >= 2 and full["revenue_eur"].iloc[0] > 0:
            y0, y1 = int(full["period"].iloc[0]), int(full["period"].iloc[-1])
            r0, r1 = float(full["revenue_eur"].iloc[0]), float(full["revenue_eur"].iloc[-1])
            cagr = (r1 / r0) ** (1.0 / (y1 - y0)) - 1.0
        else:
            y0 = y1 = None
            r0 = r1 = cagr = np.nan
            if len(full):
                y1, r1 = int(full["period"].iloc[-1]), float(full["revenue_eur"].iloc[-1])
        row.update(
            first_year=y0, last_year=y1, revenue_first_eur=r0, revenue_last_eur=r1, cagr=cagr
        )
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("first_year", "last_year"):
        out[col] = out[col].astype("Int64")
    return out
