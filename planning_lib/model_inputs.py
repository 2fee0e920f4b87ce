"""Model inputs: parameter overrides, numeric driver values and the plan's structure.

The driver model reads two things:

* ``values``: every numeric parameter as ``dotted.path -> float`` (the same paths the
  YAML's ``scenarios:`` and ``monte_carlo.drivers`` sections use). Monte Carlo and
  sensitivity replace single entries by arrays of draws of shape ``(n,)``.
* ``ModelInputs``: the structure that cannot be drawn (horizon, lags, hire months,
  churn path kind, seasonality, channel and role names).

Overrides are applied to the pydantic parameters and re-validated, so a bad override
is reported with its path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from planning_lib.params import ParameterError, PlanParameters, params_from_dict

__all__ = [
    "SHARE_SUFFIXES",
    "ChannelShape",
    "HireShape",
    "ModelInputs",
    "RoleShape",
    "apply_overrides",
    "clip_values",
    "driver_values",
    "model_inputs",
    "stack_values",
]

# value paths ending in one of these are shares 0..1 (clipped there when drawn or perturbed)
SHARE_SUFFIXES: tuple[str, ...] = (
    "churn_rate_monthly.start",
    "churn_rate_monthly.end",
    "expansion_rate_monthly",
    "contraction_rate_monthly",
    "gross_margin",
    "annual_prepay_share",
    "lead_share",
    "mql_to_sql",
    "sql_to_demo",
    "demo_to_won",
    "partner_commission_rate",
    "attrition_yearly",
    "commission_rate_first_year",
)


def _set_path(data: Any, parts: list[str], value: Any, full: str) -> None:
    """Set ``value`` at ``parts`` inside nested dicts/lists (in place)."""
    node = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            try:
                idx = int(part)
                node[idx]
            except (ValueError, IndexError):
                done = ".".join(parts[:i])
                raise ParameterError(
                    "overrides",
                    [f"{full}: '{part}' is not an index of {done} (0..{len(node) - 1})"],
                ) from None
            if last:
                node[idx] = value
            else:
                node = node[idx]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                if node.get(part) is None:
                    node[part] = {}
                node = node[part]
        else:
            done = ".".join(parts[:i])
            raise ParameterError("overrides", [f"{full}: {done} is a value, not a section"])


def apply_overrides(params: PlanParameters, overrides: Mapping[str, Any] | None) -> PlanParameters:
    """Parameters with dotted-path overrides applied and re-validated.

    Args:
        params: the base parameters (not changed).
        overrides: ``{"channels.inbound.leads_per_month": 600, ...}``; list items by
            index (``"targets.1.value"``).

    Returns:
        New, validated parameters (``params`` itself when there is nothing to apply).

    Raises:
        ParameterError: an override names an unknown path or breaks a rule; the
            message names the path.
    """
    if not overrides:
        return params
    data = params.model_dump()
    for path, value in overrides.items():
        _set_path(data, path.split("."), value, path)
    return params_from_dict(data, source="overrides " + ", ".join(sorted(overrides)))


def _flatten(node: Any, prefix: str, out: dict[str, float]) -> None:
    if isinstance(node, bool) or node is None:
        return
    if isinstance(node, int | float):
        out[prefix] = float(node)
    elif isinstance(node, dict):
        for k, v in node.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _flatten(v, f"{prefix}.{i}", out)


def driver_values(params: PlanParameters) -> dict[str, float]:
    """Every numeric parameter as ``dotted.path -> float`` (churn ``end`` defaults to ``start``).

    Sections without model meaning (market, personas, rules, scenarios, monte_carlo)
    are left out.
    """
    out: dict[str, float] = {}
    sections = ("current", "history", "drivers", "channels", "organisation", "compensation")
    _flatten(params.model_dump(include={*sections, "budget"}), "", out)
    for i, t in enumerate(params.targets):
        out[f"targets.{i}.value"] = float(t.value)
    churn = params.drivers.churn_rate_monthly
    if churn.end is None:
        out["drivers.churn_rate_monthly.end"] = float(churn.start)
    # structural integers are not drivers
    for key in [k for k in out if k.endswith(("_months", "step_month"))]:
        del out[key]
    for key in [k for k in out if ".hires." in k and not k.endswith(".count")]:
        del out[key]
    return out


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
        channels, roles, hires: structures.
        payment_delay_months: months until invoices are paid.
        basis: 'target' or 'funnel' (see ``planning_lib.model``).
        new_customer_target_key: value path of the new-customer target, or None.
        customer_share_source: 'history' or 'lead_share' (how the top-down target
            is split over channels).
        mixes: ('product' | 'segment', names) of the revenue splits given.
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


def _seasonality(weights: list[float] | None, calendar_months: tuple[int, ...]) -> np.ndarray:
    """Weight per plan month, normalised to mean 1 over the 12 calendar months."""
    if weights is None or sum(weights) <= 0:
        return np.ones(len(calendar_months))
    w = np.asarray(weights, dtype=float)
    w = w / w.mean()
    return w[np.asarray(calendar_months) - 1]


def model_inputs(params: PlanParameters) -> ModelInputs:
    """The structure of the plan read from the parameters."""
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
    )
