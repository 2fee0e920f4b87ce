"""The data window of an export: which months of its history are complete.

One rule, one place, for every command that reads a history (``planning init``,
``forecast``, ``analyse``):

* :func:`last_complete_month` (the as-of month by default): the export was made on or
  after the latest dated event it holds (a lead or deal created, a subscription started,
  a deal closed as won or lost). That month is complete when the date is its last day,
  else the month before is the last complete one. Open deals' close dates (expected,
  in the future) and subscriptions' end dates (a contract's scheduled end) are no events
  that happened and do not count.
* :func:`partial_first_month` (the other end, by the export's dates and cycles, not by
  the series' values: a weak but complete month stays): a series' first month is partial
  when it is the export's first month (:func:`export_start`: the deals' earliest created
  date) and the export covers less than :data:`COVERED_MIN` of what closed in it. Its
  coverage (:func:`first_month_coverage`) is the mean over the month's days of the share
  of won deals whose cycle (created → close, in days) fits between the export's first
  day and that day: a deal closed on day t is in the export only if it was created on or
  after the export's first day. A series dated by creation counts every cycle as 0 days:
  its coverage is the share of the month's days from the export's first day.

  - A 7-month export beginning on 01.03.2025 (median cycle 29 days) covers about a
    third of March's closes by this count and held 6.360 € of March bookings against
    about 150.000 € in each later month: March is partial.
  - Deals closed on the day they are created (cycle 0) starting on a month's 1st: the
    month is complete (a company that began then keeps its first month).
  - By creation: an export beginning on the 4th (a month's first working day at the
    latest: New Year's Day on a Friday) covers 25 of 28 days in February, 0,89: complete;
    from the 5th at most 27 of 31 days, 0,87: partial.

  Only the export's first month is looked at: a later month misses only deals longer
  than the time since the export began. The month is left out of the monthly series
  that feed the forecast engine, the no-change baseline and ``planning init``'s monthly
  rates (:func:`drop_partial_first_month`); no row leaves the tables, and the callers say
  so in one line. Subscriptions are not cut: their table holds every contract with its
  own start, also those that began before any CRM export.
* :func:`warm_up` (new customers of a company with repeat purchases): a customer is new
  with its first won deal *in the export*; one who bought before the export began looks
  new at its first purchase inside it. Such customers come back after about their repeat
  gap, so the export's months up to its first day + the median repeat gap (days between
  a customer's won deals in different months, at least :data:`WARM_UP_MIN_REPEATS` of
  them) are a warm-up: their new customers are partly old ones and are left out of the
  new-customer series (forecast, no-change baseline), said in one line. The trial
  company of #13 (from 01.01.2024, median gap 98 days: 2024-01..2024-04) counted 1, 6,
  11 and 7 "new" customers in those months against 2,2 a month after them. Without
  repeat purchases (the sample: one deal per customer), or when the warm-up's new
  customers are not far above the later months' (a Poisson count at the later mean
  reaches them with 5 % or more: a company that began with the export keeps them),
  nothing is cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import poisson

from planning_lib.metrics.deals import won_deals

__all__ = [
    "CLOSED_STAGES",
    "COVERED_MIN",
    "WARM_UP_MIN_LEFT",
    "WARM_UP_MIN_REPEATS",
    "WARM_UP_P",
    "ExportStart",
    "PartialMonth",
    "WarmUp",
    "drop_partial_first_month",
    "export_end",
    "export_start",
    "first_month_coverage",
    "last_complete_month",
    "partial_first_month",
    "repeat_gaps",
    "warm_up",
]

WARM_UP_MIN_REPEATS = 10
"""Repeat purchases needed to measure a median repeat gap for the warm-up."""
WARM_UP_MIN_LEFT = 3
"""Months a new-customer series must keep after its warm-up; else nothing is cut."""
WARM_UP_P = 0.05
"""The warm-up is cut only when its new customers are this unlikely at the later rate."""

COVERED_MIN = 0.88
"""A first month whose coverage is below this share is partial (module docstring): by
creation, a start on the 4th still covers February (25 of 28 days, 0,89), one on the 5th
no month (27 of 31 days, 0,87)."""

CLOSED_STAGES = ("won", "lost")
"""Deal stages whose close date is an event that happened (not an expected close)."""

_EVENT_DATES = (
    ("leads", "created_date"),
    ("deals", "created_date"),
    ("subscriptions", "start_date"),
)


def export_end(tables: Mapping[str, pd.DataFrame]) -> pd.Timestamp | None:
    """The latest dated event of the tables (see the module docstring), None without any."""
    dates = []
    for table, col in _EVENT_DATES:
        if table in tables and col in tables[table].columns:
            dates.append(pd.to_datetime(tables[table][col], errors="coerce").max())
    deals = tables.get("deals")
    if deals is not None and {"stage", "close_date"} <= set(deals.columns):
        closed = deals["stage"].isin(CLOSED_STAGES)
        dates.append(pd.to_datetime(deals.loc[closed, "close_date"], errors="coerce").max())
    dates = [d for d in dates if pd.notna(d)]
    return max(dates) if dates else None


def last_complete_month(tables: Mapping[str, pd.DataFrame]) -> pd.Period:
    """The last complete month of the data: the month of :func:`export_end` when that date
    is the month's last day, else the month before.

    Raises:
        ValueError: the tables hold no dated event.
    """
    latest = export_end(tables)
    if latest is None:
        raise ValueError("the data holds no dated rows (created_date, start_date, close_date)")
    month = latest.to_period("M")
    return month if (latest + pd.Timedelta(days=1)).month != latest.month else month - 1


@dataclass(frozen=True)
class ExportStart:
    """Where an export of deals begins.

    Attributes:
        day: the earliest created date of the deals.
        cycles: days from creation to close of its won deals (sorted), the cycles a
            close-dated series' first month is measured with.
    """

    day: pd.Timestamp
    cycles: np.ndarray


@dataclass(frozen=True)
class PartialMonth:
    """The first month of a series, partial in the export (:func:`partial_first_month`).

    Attributes:
        month: the month left out of the series.
        start: the export's first date.
        coverage: the share of the month's closes (or days) the export covers.
        by_close: the series is dated by close, not by creation.
    """

    month: pd.Period
    start: pd.Timestamp
    coverage: float
    by_close: bool


def export_start(deals: pd.DataFrame) -> ExportStart | None:
    """The deals' earliest created date and the cycles of their won deals; None when no
    deal has a created date (or the table no ``created_date``)."""
    if "created_date" not in deals.columns:
        return None
    created = pd.to_datetime(deals["created_date"], errors="coerce")
    if created.notna().sum() == 0:
        return None
    cycles = np.array([], dtype=float)
    if {"stage", "close_date"} <= set(deals.columns):
        won = (deals["stage"] == "won").to_numpy()
        days = (pd.to_datetime(deals["close_date"], errors="coerce") - created).dt.days
        days = days[won & days.notna().to_numpy()]
        cycles = np.sort(np.maximum(days.to_numpy(dtype=float), 0.0))
    return ExportStart(pd.Timestamp(created.min()).normalize(), cycles)


def first_month_coverage(month: pd.Period, start: ExportStart, by_close: bool = True) -> float:
    """The share of ``month``'s closes (``by_close``; else of its days) an export beginning
    at ``start`` holds: the mean over the month's days t of the share of won deals with a
    cycle of at most t − the export's first day (0 before that day; every cycle 0 days
    when not ``by_close`` or without won deals)."""
    days = pd.date_range(month.start_time, month.end_time.normalize(), freq="D")
    elapsed = (days - start.day).days.to_numpy(dtype=float)
    cycles = start.cycles if by_close and len(start.cycles) else np.zeros(1)
    held = np.searchsorted(cycles, elapsed, side="right") / len(cycles)
    return float(np.mean(np.where(elapsed >= 0, held, 0.0)))


def partial_first_month(
    first: pd.Period, start: ExportStart | None, by_close: bool = True
) -> PartialMonth | None:
    """``first`` (a series' first month) as a :class:`PartialMonth` when it is the export's
    first month and covered below :data:`COVERED_MIN` (module docstring), else None."""
    if start is None:
        return None
    first = pd.Period(first, freq="M")
    if first != start.day.to_period("M"):
        return None
    coverage = first_month_coverage(first, start, by_close)
    if coverage >= COVERED_MIN:
        return None
    return PartialMonth(first, start.day, coverage, by_close)


def drop_partial_first_month(
    monthly: pd.Series, start: ExportStart | None, by_close: bool = True
) -> tuple[pd.Series, PartialMonth | None]:
    """``monthly`` (PeriodIndex, consecutive months) without its first month when that
    month is partial in the export (:func:`partial_first_month`), and that month (None
    when none is left out). A series of a single month keeps it (nothing would remain)."""
    if len(monthly) < 2:
        return monthly, None
    part = partial_first_month(monthly.index[0], start, by_close)
    if part is None:
        return monthly, None
    return monthly.iloc[1:], part


@dataclass(frozen=True)
class WarmUp:
    """The export's first months, whose new customers are partly customers from before it.

    Attributes:
        first, last: the first and last month of the warm-up left out.
        start: the export's first date.
        median_gap_days: the median days between a customer's purchases.
        repeats: the repeat purchases the median is taken over.
        warm_mean, later_mean: new customers per month in the warm-up and after it.
    """

    first: pd.Period
    last: pd.Period
    start: pd.Timestamp
    median_gap_days: float
    repeats: int
    warm_mean: float
    later_mean: float


def repeat_gaps(deals: pd.DataFrame) -> np.ndarray:
    """Days from each won deal (credit notes aside) of a customer to its next one in a
    later month (a repeat purchase); deals without ``customer_id`` are no customers'."""
    won = won_deals(deals)
    if "customer_id" not in won.columns or won.empty:
        return np.array([], dtype=float)
    who = won["customer_id"].fillna("").astype(str).str.strip()
    close = pd.to_datetime(won["close_date"], errors="coerce")
    frame = pd.DataFrame({"who": who, "close": close})
    frame = frame[(frame["who"] != "") & frame["close"].notna()]
    frame = frame.sort_values(["who", "close"], kind="mergesort")
    month = frame["close"].dt.to_period("M")
    # one purchase per customer and month: a second deal in the same month is no repeat
    frame = frame[~(month.eq(month.shift()) & frame["who"].eq(frame["who"].shift()))]
    gaps = frame.groupby("who")["close"].diff().dt.days.dropna()
    return gaps.to_numpy(dtype=float)


def warm_up(deals: pd.DataFrame, monthly: pd.Series) -> WarmUp | None:
    """The warm-up of a deals export (module docstring) for its new customers per month
    ``monthly`` (PeriodIndex, consecutive), or None: fewer than
    :data:`WARM_UP_MIN_REPEATS` repeat purchases, fewer than :data:`WARM_UP_MIN_LEFT`
    months after the warm-up, or warm-up months not far above the rest (their new
    customers no more than a Poisson count at the later months' mean would reach with
    :data:`WARM_UP_P` probability: a company that really began with the export and wins
    as many customers then as later keeps its months)."""
    start = export_start(deals)
    gaps = repeat_gaps(deals)
    if start is None or len(gaps) < WARM_UP_MIN_REPEATS or monthly.empty:
        return None
    median = float(np.median(gaps))
    last = (start.day + pd.Timedelta(days=median)).to_period("M")
    warm = monthly[monthly.index <= last]
    later = monthly[monthly.index > last]
    if warm.empty or len(later) < WARM_UP_MIN_LEFT:
        return None
    later_mean = float(later.mean())
    if poisson.sf(float(warm.sum()) - 1, later_mean * len(warm)) >= WARM_UP_P:
        return None
    return WarmUp(warm.index[0], last, start.day, median, len(gaps), float(warm.mean()), later_mean)
