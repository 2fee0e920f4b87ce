"""The data window of an export: which months of its history are complete.

One rule, one place, for every command that reads a history (``planning init``,
``forecast``, ``analyse``):

* :func:`last_complete_month` (the as-of month by default): the export was made on or
  after the latest dated event it holds (a lead or deal created, a subscription started,
  a deal closed as won or lost). That month is complete when the date is its last day,
  else the month before is the last complete one. Open deals' close dates (expected,
  in the future) and subscriptions' end dates (a contract's scheduled end) are no events
  that happened and do not count.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["CLOSED_STAGES", "export_end", "last_complete_month"]

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
