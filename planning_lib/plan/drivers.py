"""How a driver moves over the plan months: paths from start to end, and lags.

All arrays have shape ``(n, T)``: n draws × T plan months. ``path_share`` says how far a
driver has moved from its start to its end value in each month (``drivers.paths`` in the
config: constant, linear, step); ``churn_path`` is the plan's logo churn per month along
that path (the observed churn rate of the history is ``metrics.churn.churn_rate``);
``lagged``/``leading`` shift a monthly series by the months between funnel stages.
"""

from __future__ import annotations

import numpy as np

__all__ = ["churn_path", "lagged", "leading", "path_share"]


def path_share(path: str, months: int, ramp_months: int, step_month: int) -> np.ndarray:
    """Share of the way from start to end done in each plan month (0..1), length T.

    ``constant``: 0 every month. ``linear``: 0 in month 1, then straight to 1 in
    month ``ramp_months`` (12: month 12), 1 afterwards. ``step``: 0 before month
    ``step_month`` (1-based), 1 from it on.
    """
    t = np.arange(months, dtype=float)
    if path == "constant":
        return np.zeros(months)
    if path == "linear":
        return np.minimum(t / max(ramp_months - 1, 1), 1.0)
    return (t >= step_month - 1).astype(float)


def churn_path(
    start: np.ndarray, end: np.ndarray, path: str, months: int, ramp_months: int, step_month: int
) -> np.ndarray:
    """Logo churn per month (share 0..1) along the DriverPath (see :func:`path_share`)."""
    return start + (end - start) * path_share(path, months, ramp_months, step_month)


def lagged(x: np.ndarray, lag: int, before: np.ndarray | None = None) -> np.ndarray:
    """``y_t = x_{t-lag}``; months before plan start take ``before`` (default: month 1's value).

    ``before`` is the monthly volume of the months before plan start, shape ``(n, 1)``
    (the pipeline already open at plan start).
    """
    if lag <= 0:
        return x
    t = x.shape[-1]
    idx = np.maximum(np.arange(t) - lag, 0)
    out = x[..., idx]
    if before is None:
        return out
    pre = np.arange(t) < lag
    return np.where(pre, before, out)


def leading(x: np.ndarray, lag: int) -> np.ndarray:
    """``y_t = x_{t+lag}``; months beyond the horizon take the last month's value."""
    if lag <= 0:
        return x
    t = x.shape[-1]
    idx = np.minimum(np.arange(t) + lag, t - 1)
    return x[..., idx]
