"""Helpers shared by the figure functions: column checks, calendar months, one safe ratio.

Months are pandas ``Period[M]`` values; the *as-of month* is the last month of history
an analysis may see (events after it are ignored, so actuals of the plan year do not
leak into the as-is analysis).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MissingColumnsError",
    "month_of",
    "month_ordinals",
    "months_from_ordinals",
    "ratio",
    "require_columns",
    "resolve_as_of",
]


class MissingColumnsError(KeyError):
    """A table lacks columns an analysis needs; ``missing`` lists them."""

    def __init__(self, table: str, missing: list[str]):
        self.table = table
        self.missing = missing
        super().__init__(f"table '{table}' lacks required column(s): {', '.join(missing)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def require_columns(frame: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    """Raise MissingColumnsError if ``frame`` lacks any of ``columns``.

    Args:
        frame: the table to check.
        columns: column names the caller needs.
        table: table name used in the error message.

    Raises:
        MissingColumnsError: at least one column is missing.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MissingColumnsError(table, missing)


def month_of(dates: pd.Series) -> pd.Series:
    """Calendar month (``Period[M]``) of each date; empty dates stay missing."""
    return pd.to_datetime(dates, errors="coerce").dt.to_period("M")


def month_ordinals(dates: pd.Series) -> np.ndarray:
    """Month of each date as an integer ordinal (months since 1970-01); missing = -1."""
    ts = pd.to_datetime(dates, errors="coerce")
    out = (ts.dt.year - 1970) * 12 + ts.dt.month - 1
    return out.fillna(-1).to_numpy(dtype=np.int64)


def months_from_ordinals(ordinals: np.ndarray | Iterable[int]) -> pd.PeriodIndex:
    """The ``Period[M]`` values of integer month ordinals (months since 1970-01)."""
    return pd.PeriodIndex.from_ordinals(np.asarray(list(ordinals), dtype=np.int64), freq="M")


def resolve_as_of(as_of: pd.Period | str | None, *dates: pd.Series) -> pd.Period:
    """The as-of month: ``as_of`` if given, else the latest month in ``dates``.

    Args:
        as_of: a month (``"2025-12"`` or a Period) or None.
        *dates: date columns whose latest value defines the default.

    Raises:
        ValueError: no ``as_of`` and no dates to derive it from.
    """
    if as_of is not None:
        return pd.Period(as_of, freq="M")
    latest = [pd.to_datetime(d, errors="coerce").max() for d in dates if len(d)]
    latest = [d for d in latest if pd.notna(d)]
    if not latest:
        raise ValueError("cannot derive the as-of month: no dates and no as_of given")
    return pd.Period(max(latest), freq="M")


def ratio(num: Any, den: Any) -> Any:
    """num ÷ den, NaN where den is 0: the one division of every rate and per-unit figure.

    Elementwise for numpy arrays (an array) and for a pandas Series ``den`` (a Series
    with the index of the operands); for two numbers a number (``nan`` when ``den`` is 0).
    """
    if isinstance(den, pd.Series):
        return num / den.where(den != 0)
    if np.ndim(num) == 0 and np.ndim(den) == 0:
        return num / den if den != 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den)
    return np.where(np.asarray(den) != 0, out, np.nan)
