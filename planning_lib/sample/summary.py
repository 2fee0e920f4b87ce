"""Key figures of a CRM extract: what the sample summary and its README report.

Pure functions on canonical tables (dates may be ``datetime.date``, timestamps or ISO
strings). Counts are counts, money in EUR, shares 0..1.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from planning_lib.metrics.acquisition import STATED_CAC_CATEGORIES, cac, first_subscriptions

__all__ = [
    "DATE_COLUMN",
    "active_customers",
    "employed",
    "marketing_cost",
    "mrr",
    "new_customer_shares",
    "new_customers",
    "partner_new_customers",
    "sql_to_demo_by_region_month",
    "stated_cac",
    "table_overview",
]

# the date column that dates a table's rows
DATE_COLUMN: dict[str, str] = {
    "deals": "created_date",
    "leads": "created_date",
    "subscriptions": "start_date",
    "costs": "month",
    "headcount": "hire_date",
}


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def table_overview(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int, str, str]]:
    """Per table: (name, rows, first date, last date) of its dating column (ISO dates)."""
    out = []
    for name, frame in tables.items():
        d = _dates(frame[DATE_COLUMN[name]])
        first = d.min().date().isoformat() if len(d) else "-"
        last = d.max().date().isoformat() if len(d) else "-"
        out.append((name, len(frame), first, last))
    return out


def _active(subs: pd.DataFrame, day: dt.date) -> pd.Series:
    start, end = _dates(subs["start_date"]), _dates(subs["end_date"])
    ts = pd.Timestamp(day)
    return (start <= ts) & (end.isna() | (end > ts))


def active_customers(subs: pd.DataFrame, day: dt.date) -> int:
    """Customers with an active subscription at the end of ``day`` (count)."""
    return int(subs.loc[_active(subs, day), "customer_id"].nunique())


def mrr(subs: pd.DataFrame, day: dt.date) -> float:
    """Monthly recurring revenue of the subscriptions active at the end of ``day`` (EUR)."""
    return float(subs.loc[_active(subs, day), "mrr_eur"].sum())


def employed(headcount: pd.DataFrame, day: dt.date, role: str = "inside_sales") -> int:
    """Employees of ``role`` employed on ``day`` (count)."""
    hire, exit_ = _dates(headcount["hire_date"]), _dates(headcount["exit_date"])
    ts = pd.Timestamp(day)
    mask = (headcount["role"] == role) & (hire <= ts) & (exit_.isna() | (exit_ >= ts))
    return int(mask.sum())


def _in_year(values: pd.Series, year: int) -> pd.Series:
    return _dates(values).dt.year == year


def new_customers(subs: pd.DataFrame, year: int) -> int:
    """Customers whose first subscription started in ``year`` (count).

    :func:`planning_lib.metrics.acquisition.first_subscriptions`, the definition of the
    analysis and the KPIs.
    """
    return int(_in_year(first_subscriptions(subs)["start_date"], year).sum())


def new_customer_shares(subs: pd.DataFrame, year: int) -> dict[str, float]:
    """Share of ``year``'s new customers by channel (0..1; channels with none omitted)."""
    firsts = first_subscriptions(subs)
    new = firsts[_in_year(firsts["start_date"], year)]
    if new.empty:
        return {}
    shares = new["channel"].value_counts(normalize=True)
    return {str(k): float(v) for k, v in sorted(shares.items())}


def marketing_cost(costs: pd.DataFrame, year: int) -> float:
    """Marketing cost of ``year`` (EUR)."""
    mask = _in_year(costs["month"], year) & costs["category"].isin(STATED_CAC_CATEGORIES)
    return float(costs.loc[mask, "amount_eur"].sum())


def stated_cac(costs: pd.DataFrame, subs: pd.DataFrame, year: int) -> float:
    """Stated CAC of ``year``: marketing cost ÷ new customers (EUR/customer)."""
    return cac(marketing_cost(costs, year), new_customers(subs, year))


def sql_to_demo_by_region_month(leads: pd.DataFrame) -> pd.DataFrame:
    """SQL→demo per region and SQL month: SQLs of the month and the share that got a demo.

    Returns:
        Columns region, month (``YYYY-MM`` of the SQL date), sqls (count), demos
        (count), sql_to_demo (share 0..1).
    """
    sql = _dates(leads["sql_date"])
    frame = pd.DataFrame(
        {
            "region": leads["region"],
            "month": sql.dt.strftime("%Y-%m"),
            "demo": _dates(leads["demo_date"]).notna(),
        }
    )[sql.notna()]
    out = frame.groupby(["region", "month"], sort=True)["demo"].agg(["size", "sum"]).reset_index()
    out.columns = ["region", "month", "sqls", "demos"]
    out["demos"] = out["demos"].astype(int)
    out["sql_to_demo"] = out["demos"] / out["sqls"]
    return out


def partner_new_customers(deals: pd.DataFrame, first: dt.date, last: dt.date) -> int:
    """Won partner deals closed from ``first`` to ``last`` (count)."""
    close = _dates(deals["close_date"])
    mask = (
        (deals["channel"] == "partner")
        & (deals["stage"] == "won")
        & (close >= pd.Timestamp(first))
        & (close <= pd.Timestamp(last))
    )
    return int(mask.sum())
