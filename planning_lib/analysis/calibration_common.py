"""What the calibration modules share: a value's provenance, the window, exact splits.

See :mod:`planning_lib.analysis.calibration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CalibrationError",
    "Source",
    "WarmUp",
    "baseline_source",
    "complete_close_months",
    "month_ends",
    "seasonal_weights",
    "split_exactly",
    "window_label",
    "window_months",
]


class CalibrationError(ValueError):
    """The data cannot calibrate a plan (a table or column is missing, no history)."""


@dataclass(frozen=True)
class Source:
    """Where a calibrated value came from.

    Attributes:
        key: text key in ``core/texts/init.yaml`` (German and English sentence).
        args: the numbers and names the sentence quotes.
        assumption: True for a documented default the user should fill in.
    """

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)
    assumption: bool = False


_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class WarmUp:
    """The first months of a deal history whose won-deal counts are incomplete.

    A deal closing in month m was created up to the won deals' cycle before it; in the
    first months of the history those created before the history began are missing,
    so the counts climb for a cycle's length for no reason in the business (a
    forecast reads it as growth). Attributes: ``first``: the first complete close
    month (the first created month + the cycle in whole months, rounded up);
    ``skipped``: the months left out before it; ``days``: the cycle (the
    ``quantile`` of the won deals' days from creation to close).
    """

    first: pd.Period
    skipped: int
    days: float


def complete_close_months(
    deals: pd.DataFrame,
    before: pd.Period,
    counted: pd.DataFrame | None = None,
    quantile: float = 0.9,
    min_months: int = 12,
) -> WarmUp | None:
    """The :class:`WarmUp` of a deals table (canonical ``created_date``, ``close_date``,
    ``stage``; the history begins with its first created month): the cycle is that of
    the won deals a baseline counts, ``counted`` (default: all won deals of ``deals``).
    None when nothing is to be skipped (no dated won deals, a cycle under a month's
    length) or when fewer than ``min_months`` complete months would remain before
    ``before`` (then the short history is used as it is)."""
    if not {"created_date", "close_date", "stage"} <= set(deals.columns):
        return None
    start = pd.to_datetime(deals["created_date"], errors="coerce").min()
    won = deals[deals["stage"] == "won"] if counted is None else counted
    created = pd.to_datetime(won["created_date"], errors="coerce")
    close = pd.to_datetime(won["close_date"], errors="coerce")
    dated = created.notna() & close.notna()
    if pd.isna(start) or not dated.any():
        return None
    days = float((close[dated] - created[dated]).dt.days.clip(lower=0).quantile(quantile))
    skipped = int(np.ceil(days / _DAYS_PER_MONTH - 1e-9))
    if skipped <= 0:
        return None
    first = start.to_period("M") + skipped
    if len(pd.period_range(first, before - 1, freq="M")) < min_months:
        return None
    return WarmUp(first=first, skipped=skipped, days=days)


def baseline_source(args: Mapping[str, Any], warm: WarmUp | None) -> Source:
    """The source of ``forecast_no_change_new_customers``: ``init.baseline`` with
    ``args`` (expected, p10, p90, months, source), naming the skipped first months of
    the history when ``warm`` is given."""
    if warm is None:
        return Source("init.baseline", dict(args))
    extra = {"first": str(warm.first), "skipped": warm.skipped, "days": round(warm.days)}
    return Source("init.baseline_warmup", {**args, **extra})


def window_months(as_of: pd.Period) -> pd.PeriodIndex:
    """The 12 months up to and including ``as_of``."""
    return pd.period_range(as_of - 11, as_of, freq="M")


def window_label(as_of: pd.Period) -> str:
    """``2025-01..2025-12``: the 12 months up to ``as_of``."""
    return f"{as_of - 11}..{as_of}"


def month_ends(as_of: pd.Period) -> list[pd.Timestamp]:
    """The last day of each month of the window (the month-end state of a count)."""
    return [m.end_time.normalize() for m in window_months(as_of)]


def split_exactly(total: float, weights: Mapping[str, float], decimals: int) -> dict[str, float]:
    """``total`` split over the keys in proportion to ``weights``, rounded to ``decimals``,
    adding up to ``total`` exactly (largest remainder: the units lost by rounding down go
    to the keys with the largest remainders, ties by key). Equal shares when every
    weight is 0."""
    keys = sorted(weights)
    if not keys:
        return {}
    scale = 10**decimals
    units = round(total * scale)
    w = [max(float(weights[k]), 0.0) for k in keys]
    wsum = sum(w) or float(len(keys))
    w = w if sum(w) else [1.0] * len(keys)
    exact = [units * x / wsum for x in w]
    floor = [int(x // 1) for x in exact]
    rest = units - sum(floor)
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - floor[i]), keys[i]))
    for i in order[:rest]:
        floor[i] += 1
    out = {}
    for k, u in zip(keys, floor, strict=True):
        out[k] = u if decimals == 0 else round(u / scale, decimals)
    return out


def seasonal_weights(monthly: pd.Series, min_months: int) -> list[float] | None:
    """Weight of each calendar month Jan..Dec (mean 1): the month's mean ÷ the mean of
    the 12 monthly means, over a monthly series (PeriodIndex); None when the series has
    fewer than ``min_months`` months or no volume."""
    if len(monthly) < min_months or float(monthly.sum()) <= 0:
        return None
    by_month = monthly.groupby(monthly.index.month).mean().reindex(range(1, 13))
    if by_month.isna().any() or float(by_month.mean()) <= 0:
        return None
    w = by_month / by_month.mean()
    return [round(float(x), 3) for x in w]
