"""Sales capacity: heads per role, ramp-up, attrition, productive reps and deal capacity.

Cohorts: the reps at plan start (fully ramped) and each planned hire (joins at the
start of its month, ramps up linearly: ``k / ramp_months`` productive in its k-th
month, full from month ``ramp_months``). Attrition is the expected value: a yearly
share ``a`` becomes a monthly leaving share ``1 - (1 - a)^(1/12)`` applied to the
heads of every cohort at the end of each month. Leavers are **not** backfilled
(a backfill is a planned hire).

Arrays: ``(n, T)`` (n draws × T months); per-draw scalars ``(n, 1)``; a driver with a
path (``drivers.paths``) arrives as ``(n, T)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "capacity_deals",
    "cohort_heads",
    "leaving_share_monthly",
    "ramp_productivity",
]


def leaving_share_monthly(attrition_yearly: np.ndarray) -> np.ndarray:
    """Share of heads leaving per month (0..1) from the yearly attrition share."""
    return 1.0 - (1.0 - attrition_yearly) ** (1.0 / 12.0)


def cohort_heads(
    count: np.ndarray, start: int, leaving_monthly: np.ndarray, months: int
) -> np.ndarray:
    """Heads of one cohort employed in each month (count, expected value).

    ``count`` join at the start of month index ``start`` (0-based) and shrink by
    ``leaving_monthly`` at the end of every month they work; ``leaving_monthly`` may
    be ``(n, 1)`` or move over the months ``(n, T)`` (each month's share applies).
    """
    age = np.arange(months) - start
    if np.shape(leaving_monthly)[-1] == 1:
        alive = (1.0 - leaving_monthly) ** np.maximum(age, 0)
    else:
        kept = np.where(age >= 0, 1.0 - leaving_monthly, 1.0)
        alive = np.cumprod(np.concatenate([np.ones_like(kept[..., :1]), kept[..., :-1]], -1), -1)
    return np.where(age >= 0, count * alive, 0.0)


def ramp_productivity(start: int, ramp_months: int, months: int) -> np.ndarray:
    """Productivity of a cohort hired in month index ``start`` (share 0..1 per month).

    The k-th month after joining (k = 1, 2, ...) is ``min(k / ramp_months, 1)``;
    ``ramp_months`` 0 means productive at once; before joining 0.
    """
    k = np.arange(months) - start + 1.0
    if ramp_months <= 0:
        return (k >= 1).astype(float)
    return np.where(k >= 1, np.minimum(k / ramp_months, 1.0), 0.0)


def capacity_deals(productive_reps: np.ndarray, deals_per_month: np.ndarray) -> np.ndarray:
    """Deals the productive reps can close per month (count)."""
    return productive_reps * deals_per_month
