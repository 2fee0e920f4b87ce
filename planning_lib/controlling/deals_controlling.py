"""Plan vs actual from the deals alone: a company without subscriptions (#13 items 3, 4).

When the plan year's actuals hold ``deals`` but not all five tables of the full
controlling (a deals-only export, a transactional business), phase 7 and
``planning controlling`` compare what the deals give:

- ``bookings``: won amount (``amount_eur``) by close month. Plan: a transactional
  plan's ``bookings`` line (new deals × deal size + repeat purchases × repeat deal
  size); a subscription plan's new first-year value (``PlanView.deal_value`` of
  ``customers_new``, the KPI ``new_revenue``).
- ``deals_won``: won deals (credit notes out). Plan: ``customers_new`` (+
  ``repeat_purchases`` for a transactional plan).
- ``avg_deal_size``: bookings ÷ won deals (pooled over the period, plan alike), labelled
  "Ø Wert je gewonnenem Deal (alle Deals inkl. Wiederholungskäufe)": not the plan's deal
  size per new customer (``bookings_new`` ÷ new customers).
- ``win_rate``: won ÷ closed (won + lost) of the new-business deals (deals of
  prospects, :func:`planning_lib.analysis.calibration_transactional.new_business_deals`)
  by close month. Plan: the planned demo→won conversion pooled over the channels
  (planned demos × rate ÷ demos), a new-customer rate; for a plan of ``planning init``
  on deals that is the prospects' win rate. The label says "(Neugeschäft)".
- a transactional plan also: ``bookings_new``, ``bookings_repeat`` and
  ``repeat_purchases`` (plan lines of the same names), the actual split as
  :func:`planning_lib.metrics.transactional.purchase_history` defines it on the
  history's and the actuals' won deals together: a won deal of a customer in the
  month of its first won deal is new, every later one a repeat purchase.

Month and YTD rows have the columns of
:data:`planning_lib.controlling.plan_vs_actual.VARIANCE_COLUMNS` with the same
attainment and status rules. :func:`bookings_landing` is the year-end landing on
bookings: actual to date + the monthly run-rate of the actual months × the months
left, beside the open pipeline (open deals' amount, and weighted by the win rate to
date) and its coverage of the plan's remaining bookings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from planning_lib.analysis.calibration_transactional import new_business_deals
from planning_lib.controlling.plan_view import PlanView, plan_series
from planning_lib.controlling.plan_vs_actual import VARIANCE_COLUMNS, Thresholds, attainment, status
from planning_lib.core.text_store import label
from planning_lib.metrics.common import ratio
from planning_lib.metrics.deals import won_deals
from planning_lib.metrics.kpis import CATALOGUE, compute_kpis
from planning_lib.metrics.measures import KpiContext
from planning_lib.metrics.transactional import customer_key

__all__ = [
    "DEAL_KPIS",
    "HISTORY_KPIS",
    "LANDING_COLUMNS",
    "TRANSACTIONAL_KPIS",
    "bookings_landing",
    "closed_in_plan_year",
    "customer_pool",
    "deal_kpis",
    "deals_as_of",
    "deals_plan_vs_actual",
    "history_deals_before",
    "not_known_without_history",
    "skipped_parts",
    "unused_tables",
]

DEAL_KPIS: tuple[str, ...] = ("bookings", "deals_won", "avg_deal_size", "win_rate")
"""The figures every deals table gives, in report order."""
TRANSACTIONAL_KPIS: tuple[str, ...] = ("bookings_new", "bookings_repeat", "repeat_purchases")
"""The new/repeat split of a transactional plan."""
HISTORY_KPIS: tuple[str, ...] = ("win_rate", *TRANSACTIONAL_KPIS)
"""The figures that need the history: who bought before the plan start decides whether a
won deal is new or a repeat purchase, and whether a deal is new business (win rate).
Without the history their actual is NaN and their status ``no_history``."""
_UNIT = {"bookings": "EUR", "bookings_new": "EUR", "bookings_repeat": "EUR",
         "repeat_purchases": "count"}  # fmt: skip
_SKIPPABLE = {
    "leads": "funnel",
    "subscriptions": "mrr",
    "costs": "costs",
    "headcount": "quota",
}
"""A missing actuals table → the part of the controlling it would enable."""
_THRESHOLDS = Thresholds()
LANDING_COLUMNS = [
    "figure", "actual_to_date", "forecast_rest", "landing", "plan", "vs_plan", "status",
    "open_pipeline_eur", "open_pipeline_weighted_eur", "pipeline_coverage",
]  # fmt: skip


def skipped_parts(tables: Mapping[str, pd.DataFrame]) -> list[tuple[str, str]]:
    """(table, part) for every actuals table missing and the controlling part it enables."""
    return [(t, part) for t, part in _SKIPPABLE.items() if t not in tables]


def unused_tables(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """Actuals tables present besides ``deals`` that the deals' comparison does not read
    (they join the full controlling once all five tables are there)."""
    return [t for t in _SKIPPABLE if t in tables]


def closed_in_plan_year(deals: pd.DataFrame, plan_start: dt.date) -> bool:
    """Whether a deal was won or lost on or after ``plan_start``."""
    close = pd.to_datetime(deals["close_date"], errors="coerce")
    closed = close.where(deals["stage"].isin(["won", "lost"]))
    return bool((closed >= pd.Timestamp(plan_start)).any())


def deals_as_of(deals: pd.DataFrame) -> dt.date:
    """Last day of the last complete month of the closed (won or lost) deals."""
    close = pd.to_datetime(deals["close_date"], errors="coerce")
    latest = close.where(deals["stage"].isin(["won", "lost"])).max()
    month_end = latest + pd.offsets.MonthEnd(0)
    return (latest if latest == month_end else latest - pd.offsets.MonthEnd(1)).date()


def _transactional(plan: PlanView) -> bool:
    return plan.has_line("bookings")


def not_known_without_history(plan: PlanView) -> list[str]:
    """The figures of ``plan``'s comparison that are left empty without the history."""
    return [c for c in HISTORY_KPIS if c == "win_rate" or _transactional(plan)]


def history_deals_before(history_deals: pd.DataFrame, plan_start: dt.date) -> int:
    """How many of the history's deals count for who bought before (see
    :func:`customer_pool`): those closed (or, when open, created) before the plan start."""
    empty = history_deals.iloc[0:0]
    return len(customer_pool(empty, history_deals, pd.Timestamp(plan_start)))


def _plan_monthly(plan: PlanView) -> pd.DataFrame:
    """Plan per month: numerators (and the win rate's denominator) of every figure."""
    new = plan.line("customers_new")
    demo = plan_series(plan, "demo_to_won")
    out = pd.DataFrame({"win_rate_num": demo["num"], "win_rate_den": demo["den"]})
    if _transactional(plan):
        out["bookings"] = plan.line("bookings")
        out["deals_won"] = new + plan.line("repeat_purchases")
        for item in TRANSACTIONAL_KPIS:
            out[item] = plan.line(item)
    else:
        out["bookings"] = plan.deal_value(new)
        out["deals_won"] = new
    return out


def customer_pool(
    deals: pd.DataFrame, history_deals: pd.DataFrame | None, plan_start: pd.Timestamp
) -> pd.DataFrame:
    """The deals that decide who is a customer: the actual deals and the history's deals
    closed (or, when open, created) before the plan start. The history's deals of the plan
    year are not actuals and are left out; a deal in both tables counts once (the actuals'
    row, by ``deal_id``)."""
    if history_deals is None or history_deals.empty:
        return deals
    h = history_deals[~history_deals["deal_id"].isin(set(deals["deal_id"]))]
    close = pd.to_datetime(h["close_date"], errors="coerce")
    created = pd.to_datetime(h["created_date"], errors="coerce")
    when = close.where(h["stage"].isin(["won", "lost"]), created)
    return pd.concat([h[when < plan_start], deals], ignore_index=True)


def _actual_monthly(
    deals: pd.DataFrame,
    history_deals: pd.DataFrame | None,
    months: pd.DatetimeIndex,
    company_deals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Actual per plan month from ``deals`` (the actuals) alone: bookings, won deals, the
    win rate of the new-business deals and the new/repeat split of the bookings.

    Who is a customer (a won deal before, :func:`customer_pool`) is decided on
    ``company_deals`` (the company's actual deals when ``deals`` are a region's; the
    history then the company's too), so the regions add up to the company. A won row
    (credit notes included, as in bookings) is new when its customer's first won deal
    (credit notes out) is in the row's month, else repeat: new + repeat = bookings.
    """
    pool = customer_pool(
        deals if company_deals is None else company_deals, history_deals, months[0]
    )
    close = pd.to_datetime(deals["close_date"], errors="coerce").dt.to_period("M").dt.start_time
    amount = pd.to_numeric(deals["amount_eur"], errors="coerce").fillna(0.0)
    won_all = deals["stage"] == "won"
    won = won_deals(deals)
    closed = deals["stage"].isin(["won", "lost"])
    prospects = deals["deal_id"].isin(set(new_business_deals(pool)["deal_id"]))
    closed_new = closed & prospects
    pool_won = won_deals(pool)
    pool_close = pd.to_datetime(pool_won["close_date"], errors="coerce").dt.to_period("M")
    first = pool_close.dt.start_time.groupby(customer_key(pool_won)).min()
    is_new = won_all & (customer_key(deals).map(first) == close)
    is_repeat_deal = deals.index.isin(won.index) & ~is_new
    out = pd.DataFrame(
        {
            "bookings": amount[won_all].groupby(close[won_all]).sum(),
            "deals_won": close[won.index].groupby(close[won.index]).size(),
            "win_rate_num": won_all[closed_new].groupby(close[closed_new]).sum(),
            "win_rate_den": closed_new[closed_new].groupby(close[closed_new]).sum(),
            "won_all": won_all[closed].groupby(close[closed]).sum(),
            "closed_all": closed[closed].groupby(close[closed]).sum(),
            "bookings_new": amount[is_new].groupby(close[is_new]).sum(),
            "bookings_repeat": amount[won_all & ~is_new].groupby(close[won_all & ~is_new]).sum(),
            "repeat_purchases": close[is_repeat_deal].groupby(close[is_repeat_deal]).size(),
        }
    ).reindex(months, fill_value=0.0)
    return out.fillna(0.0).astype(float)


def _value(frame: pd.DataFrame, code: str) -> float:
    """One figure of a (pooled) period row: sums, or the pooled ratios."""
    if code == "avg_deal_size":
        return float(ratio(frame["bookings"], frame["deals_won"]))
    if code == "win_rate":
        return float(ratio(frame["win_rate_num"], frame["win_rate_den"]))
    return float(frame[code])


def _label(code: str, lang: str) -> str:
    if code == "win_rate":  # the plan's demo→won rate is the new-business one
        return label("kf.win_rate_new", lang)
    if code == "avg_deal_size":  # all won deals, repeat purchases too: not the plan's
        return label("kf.avg_deal_size_all_deals", lang)  # deal size per new customer
    kpi = CATALOGUE.get(code)
    if kpi is not None:
        return kpi.label(lang)
    return label(f"kf.{code}", lang)


def deals_plan_vs_actual(
    deals: pd.DataFrame,
    as_of: dt.date,
    plan: PlanView,
    history_deals: pd.DataFrame | None = None,
    grains: Iterable[str] = ("month", "ytd"),
    thresholds: Thresholds = _THRESHOLDS,
    company_deals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Plan vs actual of the deal figures by month and year to date (company level).

    Args:
        deals: the plan year's deals (actuals).
        as_of: last day of the actuals; months after it are left out.
        plan: the plan (``customers_new``, ``demo_to_won``; a transactional plan's
            ``bookings``, ``bookings_new``, ``bookings_repeat``, ``repeat_purchases``).
        history_deals: the history's deals: only those before the plan start count,
            to know who bought before (repeat purchases, new-business deals). Without
            it (None) that cannot be known: the figures of
            :func:`not_known_without_history` keep their plan, their actual, variance
            and attainment are NaN and their status ``no_history`` (not "all new").
        company_deals: the company's actual deals when ``deals`` are one region's
            (``history_deals`` then the company's history): who is a customer is
            decided company-wide, so the regions' figures add up to the company's.

    Returns:
        Columns :data:`~planning_lib.controlling.plan_vs_actual.VARIANCE_COLUMNS`
        (dimension and member empty, no funnel basis); rows by grain, figure, period.
    """
    until = pd.Timestamp(as_of).to_period("M").start_time
    months = pd.DatetimeIndex([m for m in plan.months if m <= until])
    if not len(months):
        return pd.DataFrame(columns=VARIANCE_COLUMNS)
    codes = DEAL_KPIS + (TRANSACTIONAL_KPIS if _transactional(plan) else ())
    pm = _plan_monthly(plan).reindex(months)
    am = _actual_monthly(deals, history_deals, months, company_deals)
    unknown = set(not_known_without_history(plan)) if history_deals is None else set()
    rows = []
    for grain in grains:
        if grain == "month":
            periods = [(m, pm.loc[m], am.loc[m]) for m in months]
        elif grain == "ytd":
            periods = [(months[0], pm.sum(), am.sum())]
        else:
            raise ValueError(f"unknown grain '{grain}' (known: month, ytd)")
        for code in codes:
            kpi = CATALOGUE.get(code)
            good = kpi.good if kpi is not None else "up"
            unit = kpi.unit if kpi is not None else _UNIT[code]
            for period, p_row, a_row in periods:
                p, a = _value(p_row, code), _value(a_row, code)
                if code != "avg_deal_size" and code != "win_rate":
                    a = 0.0 if a != a else a  # a sum or count: none is 0
                if code in unknown:
                    if p != p or p == 0:
                        continue  # nothing planned; what happened is not known
                    a = np.nan
                elif (p != p or p == 0) and (a != a or a == 0):
                    continue  # nothing planned, nothing happened
                att = attainment(p, a, good)
                st = "no_history" if code in unknown else status(att, thresholds)
                rows.append(
                    {
                        "kpi": code,
                        "label_de": _label(code, "de"),
                        "label_en": _label(code, "en"),
                        "grain": grain,
                        "period": period,
                        "dimension": "",
                        "member": "",
                        "unit": unit,
                        "good": good,
                        "plan": p,
                        "plan_funnel": np.nan,
                        "actual": a,
                        "variance": a - p,
                        "variance_pct": (a - p) / abs(p) if p == p and p else np.nan,
                        "gap_planning": np.nan,
                        "gap_execution": np.nan,
                        "attainment": att,
                        "status": st,
                        "status_de": label(f"pva.status.{st}", "de"),
                        "attainment_execution": np.nan,
                        "status_execution": "",
                        "status_execution_de": "",
                    }
                )
    return pd.DataFrame(rows, columns=VARIANCE_COLUMNS)


def bookings_landing(
    deals: pd.DataFrame,
    as_of: dt.date,
    plan: PlanView,
    thresholds: Thresholds = _THRESHOLDS,
) -> pd.DataFrame:
    """Year-end landing on bookings from the run-rate, beside the open pipeline.

    actual_to_date = won amount of the plan months up to as-of; forecast_rest = the
    actual months' mean × the plan months left; landing = their sum; plan = the
    plan's bookings of all plan months; vs_plan = landing − plan (EUR, as the full
    controlling's landing and the column "Hochrechnung − Plan" read it); status from
    landing ÷ plan as for the KPIs. open_pipeline_eur = amount of the deals neither won
    nor lost (estimated amounts included, missing ones as 0); weighted by the win rate to
    date; pipeline_coverage = open pipeline ÷ the plan's bookings of the months left.

    Returns:
        One row (figure ``bookings``), columns :data:`LANDING_COLUMNS`.
    """
    until = pd.Timestamp(as_of).to_period("M").start_time
    months = plan.months
    done = months[months <= until]
    plan_b = _plan_monthly(plan)["bookings"]
    actual = _actual_monthly(deals, None, done) if len(done) else pd.DataFrame()
    to_date = float(actual["bookings"].sum()) if len(done) else 0.0
    left = len(months) - len(done)
    rest = to_date / len(done) * left if len(done) else 0.0
    total = float(plan_b.sum())
    landing = to_date + rest
    att = attainment(total, landing, "up")
    open_ = ~deals["stage"].isin(["won", "lost"])
    pipe = float(pd.to_numeric(deals.loc[open_, "amount_eur"], errors="coerce").fillna(0).sum())
    rate = (
        float(ratio(actual["won_all"].sum(), actual["closed_all"].sum())) if len(done) else np.nan
    )
    remaining = float(plan_b[months > until].sum())
    row = {
        "figure": "bookings",
        "actual_to_date": to_date,
        "forecast_rest": rest,
        "landing": landing,
        "plan": total,
        "vs_plan": landing - total,
        "status": status(att, thresholds),
        "open_pipeline_eur": pipe,
        "open_pipeline_weighted_eur": pipe * rate if rate == rate else np.nan,
        "pipeline_coverage": pipe / remaining if remaining else np.nan,
    }
    return pd.DataFrame([row], columns=LANDING_COLUMNS)


def deal_kpis(tables: Mapping[str, pd.DataFrame], as_of: dt.date, start: dt.date) -> pd.DataFrame:
    """The KPI catalogue's figures of the tables present, from ``start`` to ``as_of``.

    Only KPIs whose table is present count; the pipeline coverage (it needs the full
    controlling's target) is left out, and ``new_mrr`` when no deal carries MRR (a
    transactional business: no rows of 0).

    Returns:
        Columns :data:`planning_lib.metrics.kpis.KPI_COLUMNS`.
    """
    deals = tables["deals"]
    mrr = pd.to_numeric(deals["mrr_eur"], errors="coerce") if "mrr_eur" in deals else None
    no_mrr = mrr is None or not (mrr.fillna(0) != 0).any()
    codes = [
        c
        for c, k in CATALOGUE.items()
        if k.table in tables
        and not c.startswith("pipeline_coverage")
        and not (c == "new_mrr" and no_mrr)
        and not (c.startswith("cac") and "subscriptions" not in tables)
        and not (c == "ltv_cac" and "costs" not in tables)
    ]
    ctx = KpiContext(as_of=as_of, start=start)
    return compute_kpis(dict(tables), ctx, codes=codes)
