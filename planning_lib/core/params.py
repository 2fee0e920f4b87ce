"""Typed plan parameters: every field with its unit, range and meaning.

The parameters of one plan live in a YAML file (``data/configs/cloudflow.yaml``).
A region file (``data/configs/regions/AT.yaml``) names only what differs and is
merged key by key over the base file. Unknown keys are errors, never ignored.

Units: money in EUR, rates as shares 0..1, durations in months unless a field
name says otherwise.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from planning_lib.core.drivers import Channel, Drivers
from planning_lib.core.fields import NonNegFloat, NonNegInt, ParameterError, Share, StrictModel
from planning_lib.core.organisation import Compensation, Organisation
from planning_lib.core.vocabulary import COST_CATEGORIES

__all__ = [
    "Budget",
    "Company",
    "Competitor",
    "CostDriver",
    "CurrentState",
    "Distribution",
    "History",
    "Market",
    "MonteCarlo",
    "Persona",
    "PlanParameters",
    "Rule",
    "Segmentation",
    "Target",
    "params_from_dict",
]


class Company(StrictModel):
    """Who is planned and when."""

    name: str = Field(description="Company name shown in reports.")
    currency: Literal["EUR"] = Field("EUR", description="Currency of all money fields.")
    locale: Literal["de", "en"] = Field("de", description="Default language of reports.")
    plan_start: dt.date = Field(description="First day of the first plan month.")
    horizon_months: int = Field(12, ge=12, le=36, description="Plan length in months (12..36).")
    regions: list[str] = Field(default_factory=list, description="Sales territories.")
    products: list[str] = Field(default_factory=list, description="Products sold.")
    segments: list[str] = Field(default_factory=list, description="Customer segments.")
    business_model: Literal["subscription", "transactional"] = Field(
        "subscription",
        description="'subscription': revenue is MRR (the MRR bridge); 'transactional': "
        "revenue is won deals (new deals × deal size + repeat purchases of existing "
        "customers, drivers.transactional), plus MRR only where current.mrr_eur and "
        "drivers.arpa_monthly_eur give a recurring share.",
    )

    @model_validator(mode="after")
    def _first_of_month(self) -> Company:
        if self.plan_start.day != 1:
            raise ValueError(f"plan_start {self.plan_start} must be the first day of a month")
        return self


class CurrentState(StrictModel):
    """The situation at plan start (the seed's 'Aktuelle Situation')."""

    customers: NonNegInt = Field(description="Paying customers at plan start (count).")
    mrr_eur: NonNegFloat = Field(description="Monthly recurring revenue at plan start (EUR/month).")
    reps: dict[str, NonNegInt] = Field(
        default_factory=dict, description="Head count per sales role at plan start (count)."
    )
    cash_eur: float = Field(0.0, description="Cash available for sales at plan start (EUR).")
    company_cash_eur: float | None = Field(
        None,
        description="The company's cash at plan start (EUR), opening balance of the "
        "company cash plan; None = cash_eur.",
    )
    bookings_before_start_eur: list[NonNegFloat] | None = Field(
        None,
        description="Transactional business: one-off bookings won in each month before "
        "plan start (EUR), oldest first, the last is the month before plan start. With "
        "drivers.payment_delay_months d plan month t (t = 1..d) receives the bookings of "
        "month t − d; at least d months are needed. None: nothing from before plan start "
        "but the starting MRR.",
    )


class History(StrictModel):
    """Figures of the last year as the company states them."""

    new_customers_last_year: NonNegInt = Field(description="New customers won last year (count).")
    cac_eur: NonNegFloat = Field(description="Stated customer acquisition cost (EUR/customer).")
    clv_eur: NonNegFloat = Field(description="Stated customer lifetime value (EUR/customer).")
    new_customer_share_by_source: dict[str, Share] = Field(
        default_factory=dict,
        description="Share of last year's new customers by source (0..1, sums to 1).",
    )


class Competitor(StrictModel):
    """One competitor as structured input."""

    name: str
    price_monthly_eur: NonNegFloat | None = Field(None, description="List price (EUR/month).")
    positioning: str = ""
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)


class Market(StrictModel):
    """Market and competition inputs (phase 1)."""

    size_eur_yearly: NonNegFloat | None = Field(None, description="Market volume (EUR/year).")
    growth_rate_yearly: float = Field(
        0.0, ge=-1.0, le=5.0, description="Market growth per year (share, 0.18 = 18 %)."
    )
    competitors: list[Competitor] = Field(default_factory=list)
    swot: dict[Literal["strengths", "weaknesses", "opportunities", "threats"], list[str]] = Field(
        default_factory=dict, description="SWOT items in the plan's language."
    )


class CostDriver(StrictModel):
    """A cost line that follows the plan: a fixed amount plus an amount per sales head."""

    fixed_monthly_eur: NonNegFloat = Field(0.0, description="Fixed cost (EUR/month).")
    per_head_monthly_eur: NonNegFloat = Field(
        0.0, description="Cost per sales employee on the payroll (EUR/head/month)."
    )


class Budget(StrictModel):
    """The sales budget for the plan year (phase 6)."""

    total_eur: NonNegFloat = Field(description="Total sales budget (EUR/plan year).")
    by_category: dict[str, NonNegFloat] = Field(description="Budget per cost category (EUR).")
    other_monthly_eur: NonNegFloat = Field(0.0, description="Other costs (EUR/month).")
    cost_drivers: dict[Literal["tools", "training_travel"], CostDriver] = Field(
        default_factory=dict,
        description="Tools and training/travel as plan lines (fixed + per head); a "
        "category without a driver is planned at its budget ÷ 12 (with a finding).",
    )
    other_operating_monthly_eur: NonNegFloat = Field(
        0.0,
        description="Operating cost outside sales & marketing (EUR/month; R&D, G&A), for "
        "the company cash plan.",
    )

    @model_validator(mode="after")
    def _categories(self) -> Budget:
        unknown = sorted(set(self.by_category) - set(COST_CATEGORIES))
        if unknown:
            raise ValueError(
                f"by_category: unknown categories {unknown} (known: {', '.join(COST_CATEGORIES)})"
            )
        return self


class Target(StrictModel):
    """A SMART target: what, how much, by when, from which baseline, who owns it."""

    code: str
    metric: Literal[
        "mrr_end",
        "new_customers",
        "cac",
        "churn_rate_monthly",
        "arr_end",
        "revenue",
        "customers_end",
        "nps",
        "market_share",
    ]
    value: float
    unit: Literal["EUR", "count", "share", "points"]
    deadline: dt.date
    baseline: float | None = None
    owner: str = ""
    direction: Literal["at_least", "at_most"] = "at_least"
    description_de: str = ""
    description_en: str = ""


class Rule(StrictModel):
    """An adaptation rule: when a metric crosses a threshold, propose an action."""

    code: str
    metric: str
    comparison: Literal["<", "<=", ">", ">=", "below_plan", "above_plan"]
    threshold: float
    window_months: int = Field(1, ge=1, le=12, description="Consecutive months needed.")
    scope: dict[str, str] = Field(default_factory=dict, description="e.g. {channel: partner}")
    per: Literal["region", "channel", "segment", "product"] | None = Field(
        None,
        description="Evaluate separately for each value of this dimension (e.g. every "
        "region); None = the scope as a whole.",
    )
    severity: Literal["info", "warning", "critical"] = "warning"
    action_de: str
    action_en: str


class Persona(StrictModel):
    """A buyer persona linked to segments and channels (phase 3)."""

    name: str
    age: NonNegInt | None = None
    role_de: str = ""
    role_en: str = ""
    goals: list[str] = Field(default_factory=list)
    pains: list[str] = Field(default_factory=list)
    info_channels: list[str] = Field(default_factory=list)
    segments: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


ATTRACTIVENESS_CRITERIA = ("revenue", "growth", "win_rate", "deal_size", "clv", "cac", "churn")


class Segmentation(StrictModel):
    """ABC thresholds and segment attractiveness weights (phase 3)."""

    abc_a_share: Share = Field(0.8, description="Cumulative revenue share of A customers.")
    abc_b_share: Share = Field(0.95, description="Cumulative revenue share of A+B customers.")
    attractiveness_weights: dict[str, NonNegFloat] = Field(
        default_factory=lambda: {
            "revenue": 0.2,
            "growth": 0.2,
            "win_rate": 0.15,
            "deal_size": 0.1,
            "clv": 0.15,
            "cac": 0.1,
            "churn": 0.1,
        },
        description="Weight per criterion (normalised to sum 1); criteria: "
        + ", ".join(ATTRACTIVENESS_CRITERIA),
    )

    @model_validator(mode="after")
    def _valid(self) -> Segmentation:
        if self.abc_b_share < self.abc_a_share:
            raise ValueError("abc_b_share must be at least abc_a_share")
        unknown = sorted(set(self.attractiveness_weights) - set(ATTRACTIVENESS_CRITERIA))
        if unknown:
            raise ValueError(
                f"attractiveness_weights: unknown criteria {unknown} "
                f"(known: {', '.join(ATTRACTIVENESS_CRITERIA)})"
            )
        if self.attractiveness_weights and sum(self.attractiveness_weights.values()) <= 0:
            raise ValueError("attractiveness_weights must not all be 0")
        return self


class Distribution(StrictModel):
    """A driver's uncertainty for Monte Carlo; parameters in the driver's unit."""

    dist: Literal["normal", "lognormal", "triangular", "beta", "uniform", "fixed"]
    mean: float | None = None
    sd: float | None = Field(None, ge=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    a: float | None = Field(None, gt=0)
    b: float | None = Field(None, gt=0)


class MonteCarlo(StrictModel):
    """Monte Carlo settings: draws, seed and the drivers' distributions."""

    draws: int = Field(1000, ge=1, le=1_000_000)
    seed: int = 42
    drivers: dict[str, Distribution] = Field(default_factory=dict)


class PlanParameters(StrictModel):
    """All parameters of one plan (company or region)."""

    company: Company
    current: CurrentState
    history: History
    market: Market = Field(default_factory=Market)
    forecast_no_change_new_customers: NonNegInt | None = Field(
        None, description="Stated 'no change' forecast of new customers in the plan year."
    )
    targets: list[Target] = Field(default_factory=list)
    drivers: Drivers
    channels: dict[str, Channel]
    organisation: Organisation
    compensation: Compensation
    budget: Budget
    rules: list[Rule] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list)
    positioning: dict[Literal["de", "en"], str] = Field(default_factory=dict)
    segmentation: Segmentation = Field(default_factory=Segmentation)
    scenarios: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Named overrides: dotted parameter path → absolute value, or a value "
        "relative to the plan's own ({factor: 0.8}: × 0.8; {delta: -0.02}: + -0.02).",
    )
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)
    region: str | None = Field(None, description="Region this file plans; None = company.")

    @model_validator(mode="after")
    def _transactional_drivers(self) -> PlanParameters:
        if self.company.business_model == "transactional" and self.drivers.transactional is None:
            raise ValueError(
                "drivers.transactional: required when company.business_model is "
                "'transactional' (deal_size_eur, repeat_purchase_rate_monthly, "
                "repeat_deal_size_eur)"
            )
        before = self.current.bookings_before_start_eur
        if before is not None:
            if self.company.business_model != "transactional":
                raise ValueError(
                    "current.bookings_before_start_eur: only for company.business_model "
                    "'transactional' (a subscription's months before plan start bill "
                    "current.mrr_eur)"
                )
            delay = self.drivers.payment_delay_months
            if len(before) < delay:
                raise ValueError(
                    f"current.bookings_before_start_eur: {len(before)} month(s) given, "
                    f"drivers.payment_delay_months is {delay}: give the bookings of the last "
                    f"{delay} months before plan start (oldest first)"
                )
        return self

    def target(self, metric: str) -> Target | None:
        """The first target on ``metric``, or None."""
        return next((t for t in self.targets if t.metric == metric), None)


# --------------------------------------------------------------------------- I/O


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``dict[str, Channel] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(typing.get_args(annotation)):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The parameter names allowed at ``loc`` (dict keys and list indices are skipped)."""
    model: type[BaseModel] | None = PlanParameters
    for part in loc:
        if model is None:
            return []
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is not None:
            model = _inner_model(field.annotation)
    return sorted(model.model_fields) if model is not None else []


def _format_error(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(tuple(err["loc"][:-1])), n=1)
        hint = f"did you mean '{close[0]}'?" if close else "check the spelling"
        return f"{loc}: unknown key (not a plan parameter; {hint})"
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return f"{loc}: {value} is above {bound}"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return f"{loc}: {value} is below {bound}"
    if kind == "missing":
        return f"{loc}: required but missing"
    msg = err["msg"].removeprefix("Value error, ")
    if loc and re.match(r"^[A-Za-z_][\w.]*: ", msg):  # a validator named the sub-field
        return f"{loc}.{msg}"
    return f"{loc}: {msg}" if loc else msg


def params_from_dict(data: dict[str, Any], source: str = "<dict>") -> PlanParameters:
    """Validate a parameter dict; raise ParameterError naming each bad field."""
    try:
        return PlanParameters.model_validate(data)
    except ValidationError as exc:
        raise ParameterError(source, [_format_error(e) for e in exc.errors()]) from None
