"""Model inputs: the numeric driver values and the plan's structure.

The driver model reads two things:

* ``values``: every numeric parameter as ``dotted.path -> float``
  (:func:`planning_lib.core.overrides.driver_values`, the same paths the YAML's
  ``scenarios:`` and ``monte_carlo.drivers`` sections use). Monte Carlo and
  sensitivity replace single entries by arrays of draws of shape ``(n,)``.
* ``ModelInputs``: the structure that cannot be drawn (horizon, lags, hire months,
  churn path kind, seasonality, channel and role names).

Scenario overrides and the checks of the dotted paths are in
:mod:`planning_lib.core.overrides`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from planning_lib.core.fields import ParameterError
from planning_lib.core.overrides import SHARE_SUFFIXES, check_driver_paths, driver_values
from planning_lib.core.params import PlanParameters
from planning_lib.plan.drivers import path_share

__all__ = [
    "ChannelShape",
    "HireShape",
    "ModelInputs",
    "RoleShape",
    "clip_values",
    "model_inputs",
    "stack_values",
]


def _driver_paths(params: PlanParameters, months: int) -> tuple[tuple[str, np.ndarray, bool], ...]:
    """(key, multiplier per month (T,), is a share) for every path that changes its driver.

    Raises:
        ParameterError: :func:`check_driver_paths` found problems.
    """
    if not params.drivers.paths:
        return ()
    values = driver_values(params)
    problems = check_driver_paths(params, values)
    if problems:
        raise ParameterError("drivers.paths", problems)
    out = []
    for key, shape in params.drivers.paths.items():
        start = values[key]
        if shape.factor is not None:
            ratio = shape.factor
        else:
            ratio = shape.end / start if start != 0 else 1.0
        if ratio == 1.0:  # end = start: constant
            continue
        share = path_share(shape.path, months, shape.ramp_months, shape.step_month)
        out.append((key, 1.0 + (ratio - 1.0) * share, key.endswith(SHARE_SUFFIXES)))
    return tuple(out)


def clip_values(values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Drawn or perturbed values clipped to their ranges: shares to 0..1, the rest to >= 0.

    ``current.cash_eur`` may be negative and is not clipped.
    """
    out: dict[str, np.ndarray] = {}
    for key, v in values.items():
        arr = np.asarray(v, dtype=float)
        if key.endswith(SHARE_SUFFIXES):
            arr = np.clip(arr, 0.0, 1.0)
        elif key != "current.cash_eur":
            arr = np.maximum(arr, 0.0)
        out[key] = arr
    return out


def stack_values(values: Mapping[str, Any]) -> tuple[dict[str, np.ndarray], int]:
    """Values as column arrays of shape ``(n, 1)`` for broadcasting against months.

    Returns:
        The reshaped values and ``n`` (1 when every value is a scalar).

    Raises:
        ValueError: arrays of different lengths.
    """
    sizes: set[int] = set()
    out: dict[str, np.ndarray] = {}
    for key, v in values.items():
        if isinstance(v, float | int):
            out[key] = np.array([[v]], dtype=float)
            continue
        arr = np.asarray(v, dtype=float).reshape(-1, 1)
        if arr.shape[0] != 1:
            sizes.add(arr.shape[0])
        out[key] = arr
    if len(sizes) > 1:
        raise ValueError(f"driver arrays of different lengths: {sorted(sizes)}")
    return out, sizes.pop() if sizes else 1


@dataclass(frozen=True)
class ChannelShape:
    """Structure of one channel: entry stage, lags (months) and whether it is a partner channel."""

    name: str
    entry_stage: str
    lag_mql_to_sql: int
    lag_sql_to_demo: int
    lag_demo_to_won: int
    partner_ramp_months: int
    is_partner: bool
    leads_weights: np.ndarray | None = None
    open_pipeline: bool = False


@dataclass(frozen=True)
class HireShape:
    """One hire cohort: role and start month index (0-based)."""

    role: str
    index: int
    start: int


@dataclass(frozen=True)
class RoleShape:
    """Structure of one role: ramp-up months and whether it carries a deal quota."""

    name: str
    ramp_months: int
    carries_quota: bool


@dataclass(frozen=True)
class ModelInputs:
    """The plan's structure (what cannot be drawn).

    Attributes:
        months: number of plan months T.
        plan_start: first day of plan month 1.
        calendar_months: calendar month (1..12) of each plan month, length T.
        seasonality: weight per plan month (mean 1 over a calendar year), length T.
        churn_path, churn_ramp_months, churn_step_month: the churn DriverPath's shape.
        paths: ``(key, multiplier, is_share)`` per driver that moves over the plan
            (``drivers.paths``): the driver's value in month t is its (drawn) value ×
            ``multiplier[t]`` (length T; 1 in month 1, end ÷ start at the path's
            end), shares clipped to 0..1. Paths with end = start are left out.
        channels, roles, hires: structures.
        payment_delay_months: months until invoices are paid.
        basis: 'target' or 'funnel' (see ``planning_lib.plan.model``).
        new_customer_target_key: value path of the new-customer target, or None.
        customer_share_source: 'history' or 'lead_share' (how the top-down target
            is split over channels).
        mixes: ('product' | 'segment', names) of the revenue splits given.
        renewal_billing: 'annual' (prepayers prepay again every 12 months) or 'monthly'.
        clv_max_lifetime_months: cap on the expected customer lifetime (months).
        calendar_seasonality: the new-customer weights Jan..Dec (mean 1), length 12.
        business_model: 'subscription' or 'transactional' (``company.business_model``).
        bookings_before_start: one-off bookings of the months before plan start (EUR,
            oldest first; ``current.bookings_before_start_eur``), None when not given.
    """

    months: int
    plan_start: dt.date
    calendar_months: tuple[int, ...]
    seasonality: np.ndarray
    churn_path: str
    churn_ramp_months: int
    churn_step_month: int
    channels: tuple[ChannelShape, ...]
    roles: tuple[RoleShape, ...]
    hires: tuple[HireShape, ...]
    payment_delay_months: int
    basis: str
    new_customer_target_key: str | None
    customer_share_source: str
    mixes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    paths: tuple[tuple[str, np.ndarray, bool], ...] = ()
    renewal_billing: str = "annual"
    clv_max_lifetime_months: int = 60
    calendar_seasonality: np.ndarray | None = None
    business_model: str = "subscription"
    bookings_before_start: tuple[float, ...] | None = None


def _calendar_weights(weights: list[float] | None) -> np.ndarray:
    """Weights Jan..Dec normalised to mean 1 (flat when None or all zero)."""
    if weights is None or sum(weights) <= 0:
        return np.ones(12)
    w = np.asarray(weights, dtype=float)
    return w / w.mean()


def _seasonality(weights: list[float] | None, calendar_months: tuple[int, ...]) -> np.ndarray:
    """Weight per plan month, normalised to mean 1 over the 12 calendar months."""
    return _calendar_weights(weights)[np.asarray(calendar_months) - 1]


def _leads_weights(
    setting: str | list[float], target_weights: list[float] | None, cal: tuple[int, ...]
) -> np.ndarray | None:
    """Planned leads' weight per plan month (mean 1 over a year); None when flat."""
    if setting == "flat":
        return None
    weights = target_weights if setting == "target" else setting
    if weights is None:
        return None
    return _seasonality(list(weights), cal)


def model_inputs(params: PlanParameters) -> ModelInputs:
    """The structure of the plan read from the parameters.

    Raises:
        ParameterError: ``drivers.paths`` names no movable driver or a bad end
            (:func:`check_driver_paths`).
    """
    c = params.company
    months = c.horizon_months
    cal = tuple((c.plan_start.month - 1 + t) % 12 + 1 for t in range(months))
    channels = tuple(
        ChannelShape(
            name=name,
            entry_stage=ch.entry_stage,
            lag_mql_to_sql=ch.lag_mql_to_sql_months,
            lag_sql_to_demo=ch.lag_sql_to_demo_months,
            lag_demo_to_won=ch.lag_demo_to_won_months,
            partner_ramp_months=ch.partner_ramp_months,
            is_partner=name == "partner"
            or ch.partner_commission_rate > 0
            or ch.partners_start > 0
            or ch.new_partners_per_quarter > 0,
            leads_weights=_leads_weights(ch.leads_seasonality, params.drivers.seasonality, cal),
            open_pipeline=ch.open_pipeline is not None,
        )
        for name, ch in params.channels.items()
    )
    roles = tuple(
        RoleShape(name=n, ramp_months=r.ramp_months, carries_quota=r.carries_quota)
        for n, r in params.organisation.roles.items()
    )
    hires = tuple(
        HireShape(role=h.role, index=i, start=h.start_month - 1)
        for i, h in enumerate(params.organisation.hires)
    )
    target_idx = next(
        (i for i, t in enumerate(params.targets) if t.metric == "new_customers"), None
    )
    hist = params.history.new_customer_share_by_source
    share_source = (
        "history"
        if hist and set(params.channels) <= set(hist) and abs(sum(hist.values()) - 1) < 1e-6
        else "lead_share"
    )
    churn = params.drivers.churn_rate_monthly
    return ModelInputs(
        months=months,
        plan_start=c.plan_start,
        calendar_months=cal,
        seasonality=_seasonality(params.drivers.seasonality, cal),
        churn_path=churn.path,
        churn_ramp_months=churn.ramp_months,
        churn_step_month=churn.step_month,
        channels=channels,
        roles=roles,
        hires=hires,
        payment_delay_months=params.drivers.payment_delay_months,
        basis=params.drivers.new_customers_basis,
        new_customer_target_key=None if target_idx is None else f"targets.{target_idx}.value",
        customer_share_source=share_source,
        mixes=tuple(
            (kind, tuple(mix.revenue_share))
            for kind, mix in (
                ("product", params.drivers.product_mix),
                ("segment", params.drivers.segment_mix),
            )
            if mix is not None
        ),
        paths=_driver_paths(params, months),
        renewal_billing=params.drivers.renewal_billing,
        clv_max_lifetime_months=params.drivers.clv_max_lifetime_months,
        calendar_seasonality=_calendar_weights(params.drivers.seasonality),
        business_model=c.business_model,
        bookings_before_start=(
            None
            if params.current.bookings_before_start_eur is None
            else tuple(params.current.bookings_before_start_eur)
        ),
    )
