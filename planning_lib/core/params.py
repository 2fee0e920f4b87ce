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
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "Budget",
    "Channel",
    "Company",
    "Compensation",
    "Competitor",
    "CurrentState",
    "Distribution",
    "DriverPath",
    "Drivers",
    "Hire",
    "History",
    "Market",
    "Mix",
    "MonteCarlo",
    "Organisation",
    "ParameterError",
    "PathShape",
    "Persona",
    "PlanParameters",
    "Role",
    "Rule",
    "Segmentation",
    "Target",
    "deep_merge",
    "dump_params",
    "load_params",
    "params_from_dict",
    "region_file",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
NonNegInt = Annotated[int, Field(ge=0)]

CHANNELS = ("inbound", "outbound", "partner")
COST_CATEGORIES = (
    "personnel",
    "marketing",
    "tools",
    "training_travel",
    "commissions",
    "other",
)


class _Model(BaseModel):
    """Base: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ParameterError(ValueError):
    """Plan parameters that break a rule; ``problems`` holds one sentence per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid plan parameters in {source}:\n{lines}")


class Company(_Model):
    """Who is planned and when."""

    name: str = Field(description="Company name shown in reports.")
    currency: Literal["EUR"] = Field("EUR", description="Currency of all money fields.")
    locale: Literal["de", "en"] = Field("de", description="Default language of reports.")
    plan_start: dt.date = Field(description="First day of the first plan month.")
    horizon_months: int = Field(12, ge=12, le=36, description="Plan length in months (12..36).")
    regions: list[str] = Field(default_factory=list, description="Sales territories.")
    products: list[str] = Field(default_factory=list, description="Products sold.")
    segments: list[str] = Field(default_factory=list, description="Customer segments.")

    @model_validator(mode="after")
    def _first_of_month(self) -> Company:
        if self.plan_start.day != 1:
            raise ValueError(f"plan_start {self.plan_start} must be the first day of a month")
        return self


class CurrentState(_Model):
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


class History(_Model):
    """Figures of the last year as the company states them."""

    new_customers_last_year: NonNegInt = Field(description="New customers won last year (count).")
    cac_eur: NonNegFloat = Field(description="Stated customer acquisition cost (EUR/customer).")
    clv_eur: NonNegFloat = Field(description="Stated customer lifetime value (EUR/customer).")
    new_customer_share_by_source: dict[str, Share] = Field(
        default_factory=dict,
        description="Share of last year's new customers by source (0..1, sums to 1).",
    )


class Competitor(_Model):
    """One competitor as structured input."""

    name: str
    price_monthly_eur: NonNegFloat | None = Field(None, description="List price (EUR/month).")
    positioning: str = ""
    strengths: list[str] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)


class Market(_Model):
    """Market and competition inputs (phase 1)."""

    size_eur_yearly: NonNegFloat | None = Field(None, description="Market volume (EUR/year).")
    growth_rate_yearly: float = Field(
        0.0, ge=-1.0, le=5.0, description="Market growth per year (share, 0.18 = 18 %)."
    )
    competitors: list[Competitor] = Field(default_factory=list)
    swot: dict[Literal["strengths", "weaknesses", "opportunities", "threats"], list[str]] = Field(
        default_factory=dict, description="SWOT items in the plan's language."
    )


class DriverPath(_Model):
    """A driver that may move over the plan: constant, linear or one step.

    ``linear`` goes from ``start`` in the first plan month to ``end`` in the last
    plan month of the first year (month 12) and stays there; ``step`` switches from
    ``start`` to ``end`` in month ``step_month`` (1-based).
    """

    start: float = Field(description="Value in plan month 1.")
    end: float | None = Field(None, description="Value at the end of the path.")
    path: Literal["constant", "linear", "step"] = "constant"
    step_month: int = Field(1, ge=1, le=36, description="Plan month of the step (1-based).")
    ramp_months: int = Field(12, ge=1, le=36, description="Months the linear path takes.")

    @model_validator(mode="after")
    def _end_given(self) -> DriverPath:
        if self.path != "constant" and self.end is None:
            raise ValueError(f"path '{self.path}' needs an 'end' value")
        return self


class PathShape(_Model):
    """How one driver moves over the plan (an entry of ``drivers.paths``).

    The driver's own value is the value in plan month 1; ``end`` is its value at the
    end of the path, or ``factor`` the end as a multiple of the start (give one of
    the two). ``linear`` goes straight to the end in month ``ramp_months`` and stays
    there; ``step`` switches to it in month ``step_month`` (1-based), as for
    :class:`DriverPath`. The model applies the path as the ratio end ÷ start (or
    ``factor``) on top of the driver's value, see :class:`Drivers`.
    """

    end: float | None = Field(None, description="Value at the end of the path (driver's unit).")
    factor: NonNegFloat | None = Field(None, description="End as a multiple of the start value.")
    path: Literal["linear", "step"] = "linear"
    ramp_months: int = Field(12, ge=1, le=36, description="Months the linear path takes.")
    step_month: int = Field(1, ge=1, le=36, description="Plan month of the step (1-based).")

    @model_validator(mode="after")
    def _end_or_factor(self) -> PathShape:
        if (self.end is None) == (self.factor is None):
            raise ValueError("give exactly one of 'end' (value) or 'factor' (end ÷ start)")
        return self


def _as_path(value: Any) -> Any:
    """Accept a plain number for a constant driver path."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"start": float(value)}
    return value


class Mix(_Model):
    """Split of revenue over products or segments, for contribution margin per part.

    Sales & marketing cost is allocated by the same revenue shares.
    """

    revenue_share: dict[str, Share] = Field(
        description="Share of recognised revenue per product/segment (0..1, sums to 1)."
    )
    gross_margin: dict[str, Share] = Field(
        default_factory=dict,
        description="Gross margin per product/segment (0..1); missing = drivers.gross_margin.",
    )

    @model_validator(mode="after")
    def _sums_to_one(self) -> Mix:
        total = sum(self.revenue_share.values())
        if self.revenue_share and abs(total - 1.0) > 1e-6:
            raise ValueError(f"revenue_share adds up to {total:g}, not 1")
        unknown = sorted(set(self.gross_margin) - set(self.revenue_share))
        if unknown:
            raise ValueError(f"gross_margin names {unknown} without a revenue_share")
        return self


class Drivers(_Model):
    """Revenue drivers of the customer base, and how drivers move over the plan.

    Churn has its own path (``churn_rate_monthly``: start, end, path). Any other
    driver that is a rate, a price, a volume or a cost (ARPA, expansion and
    contraction, gross margin, prepay share, channel lead volumes, conversions, cost
    per lead, partner signings, leads per partner, commission rates, salaries, deals
    per rep, attrition, other monthly cost) may move too: ``paths`` maps its dotted
    key, the same key scenarios, sliders, sensitivity and Monte Carlo use, to a
    :class:`PathShape`::

        drivers:
          arpa_monthly_eur: 160                  # the start value (plan month 1)
          paths:
            drivers.arpa_monthly_eur: {end: 184, path: linear, ramp_months: 12}
            channels.inbound.leads_per_month: {end: 600, path: step, step_month: 7}
            channels.outbound.sql_to_demo: {factor: 1.1, path: linear, ramp_months: 6}

    The key's own value stays the start value. The model applies the path as the
    ratio r = ``end / start`` (or ``factor``) on top of that value: month t is
    ``value × (1 + (r - 1) × f_t)`` with ``f_t`` the share of the way done (0..1).
    So a Monte Carlo draw or a sensitivity step of the start value moves the whole
    path by the same ratio (ARPA drawn at 176 with the path above: 176 → 202.4).
    The ratio is read from the parameters a plan is built from: with ``end`` it is
    end ÷ the start in those parameters, so a scenario or slider override of the
    key, or a region file that sets its own value, moves the start and the end stays
    as given (the ratio changes); with ``factor`` the end follows the start
    wherever it comes from (region, override, draw), so lead volumes that differ by
    region are best given a ``factor``. A scenario changes paths by replacing
    ``drivers.paths`` as a whole. Current state (``current.*``), history, budget
    totals, hire counts, targets, channel and mix splits and structural integers
    cannot move. ``end`` needs a non-zero start value (or is 0); shares stay within
    0..1 along the path (checked for the configured start; drawn values are
    clipped). A ratio of 1 leaves the plan unchanged. Keys and ends are checked
    when the model is built (``planning_lib.plan.inputs.check_driver_paths``).
    """

    churn_rate_monthly: DriverPath = Field(
        description="Logo churn per month (share of customers at month start, 0..1)."
    )
    arpa_monthly_eur: NonNegFloat = Field(
        description="Average revenue per new account (EUR/month)."
    )
    expansion_rate_monthly: Share = Field(0.0, description="Expansion MRR per month (share).")
    contraction_rate_monthly: Share = Field(0.0, description="Contraction MRR per month (share).")
    gross_margin: Share = Field(0.8, description="Gross margin on subscription revenue (0..1).")
    annual_prepay_share: Share = Field(
        0.0, description="Share of new customers paying 12 months upfront (0..1)."
    )
    payment_delay_months: int = Field(0, ge=0, le=3, description="Months until invoices are paid.")
    renewal_billing: Literal["annual", "monthly"] = Field(
        "annual",
        description="How annual prepayers renew after their first 12 months: 'annual' = "
        "another 12-month prepayment, 'monthly' = monthly billing from month 13.",
    )
    discount_rate_yearly: Share = Field(
        0.0, description="Discount rate for the customer lifetime value (share per year, 0..1)."
    )
    clv_max_lifetime_months: int = Field(
        60,
        ge=1,
        le=600,
        description="Cap on the expected customer lifetime (months) used for the CLV; "
        "binds when churn is (near) zero.",
    )
    new_customers_basis: Literal["target", "funnel"] = Field(
        "target",
        description="'target': new customers follow the target (top-down); "
        "'funnel': they follow lead volumes and conversions (bottom-up).",
    )
    product_mix: Mix | None = Field(
        None, description="Revenue split by product (for contribution margin per product)."
    )
    segment_mix: Mix | None = Field(
        None, description="Revenue split by segment (for contribution margin per segment)."
    )
    seasonality: list[NonNegFloat] | None = Field(
        None,
        min_length=12,
        max_length=12,
        description="Relative weight of each calendar month Jan..Dec for new business "
        "(mean 1); None = flat or learnt from history.",
    )
    paths: dict[str, PathShape] = Field(
        default_factory=dict,
        description="Drivers that move over the plan: dotted driver key → path from the "
        "key's value (start) to 'end' (or start × 'factor'), linear or step.",
    )

    @model_validator(mode="before")
    @classmethod
    def _paths(cls, data: Any) -> Any:
        if isinstance(data, dict) and "churn_rate_monthly" in data:
            data = {**data, "churn_rate_monthly": _as_path(data["churn_rate_monthly"])}
        return data

    @model_validator(mode="after")
    def _churn_in_range(self) -> Drivers:
        for name in ("start", "end"):
            v = getattr(self.churn_rate_monthly, name)
            if v is not None and not 0.0 <= v <= 1.0:
                side = "above 1.0" if v > 1 else "below 0.0"
                raise ValueError(f"churn_rate_monthly.{name}: {v} is {side}")
        return self


class Channel(_Model):
    """One sales channel: lead volume, funnel conversion, lags and costs.

    Lead volume is given at the stage the channel reports (inbound MQL, outbound SQL,
    partner leads from active partners). Conversions are shares 0..1; lags are months
    between stages (the sales cycle).
    """

    label_de: str
    label_en: str
    lead_share: Share = Field(description="Planned share of all leads (0..1).")
    entry_stage: Literal["mql", "sql"] = Field("mql", description="Stage the volume counts.")
    leads_per_month: NonNegFloat = Field(0.0, description="Planned leads at entry stage (count).")
    mql_to_sql: Share = Field(1.0, description="MQL → SQL conversion (0..1).")
    sql_to_demo: Share = Field(description="SQL → demo conversion (0..1).")
    demo_to_won: Share = Field(description="Demo → won conversion (0..1).")
    lag_mql_to_sql_months: NonNegInt = 0
    lag_sql_to_demo_months: NonNegInt = 0
    lag_demo_to_won_months: NonNegInt = 1
    cost_per_lead_eur: NonNegFloat = Field(0.0, description="Marketing cost per entry lead (EUR).")
    partners_start: NonNegInt = Field(0, description="Active partners at plan start (count).")
    new_partners_per_quarter: NonNegFloat = Field(0.0, description="Partners signed (count/qtr).")
    partner_ramp_months: NonNegInt = Field(0, description="Months until a partner delivers.")
    leads_per_partner_monthly: NonNegFloat = Field(0.0, description="Leads per partner (count/mo).")
    partner_commission_rate: Share = Field(0.0, description="Share of first-year revenue paid.")
    leads_seasonality: Literal["flat", "target"] | list[NonNegFloat] = Field(
        "flat",
        description="How the planned leads spread over the year: 'flat' (the same every "
        "month), 'target' (the new-customer seasonality) or 12 weights Jan..Dec (mean 1).",
    )
    open_pipeline: dict[Literal["mql", "sql", "demos"], NonNegFloat] | None = Field(
        None,
        description="Monthly stage volumes in the months before plan start (count/month): "
        "the pipeline already open at plan start. None = the steady state of the first "
        "plan month's planned volumes. The same pipeline feeds the bottom-up funnel and "
        "is counted by the reverse funnel.",
    )

    @field_validator("leads_seasonality")
    @classmethod
    def _twelve_weights(cls, v: Any) -> Any:
        if isinstance(v, list) and len(v) != 12:
            raise ValueError(f"leads_seasonality: needs 12 monthly weights, got {len(v)}")
        return v


class Role(_Model):
    """A sales role: cost, productivity, ramp-up and attrition."""

    label_de: str
    label_en: str
    salary_yearly_eur: NonNegFloat = Field(description="Salary incl. employer costs (EUR/yr).")
    deals_per_month: NonNegFloat = Field(0.0, description="Deals a ramped rep closes (count/mo).")
    ramp_months: NonNegInt = Field(3, description="Months to full productivity (linear ramp).")
    attrition_yearly: Share = Field(0.0, description="Share of reps leaving per year (0..1).")
    quota_yearly_eur: NonNegFloat = Field(0.0, description="New first-year revenue quota (EUR).")
    carries_quota: bool = True


class Hire(_Model):
    """Planned hires of one role, starting in a quarter (or a month)."""

    role: str
    count: NonNegInt
    quarter: int | None = Field(None, ge=1, le=12, description="Plan quarter (1-based).")
    month: int | None = Field(None, ge=1, le=36, description="Plan month of start (1-based).")

    @model_validator(mode="after")
    def _when(self) -> Hire:
        if (self.quarter is None) == (self.month is None):
            raise ValueError("a hire needs exactly one of 'quarter' or 'month'")
        return self

    @property
    def start_month(self) -> int:
        """Plan month (1-based) the hires start: a quarter's hires start in its first month."""
        return self.month if self.month is not None else 3 * (self.quarter - 1) + 1


class Organisation(_Model):
    """Roles, hires and the structure of the sales team (phase 5)."""

    roles: dict[str, Role]
    hires: list[Hire] = Field(default_factory=list)
    structure: dict[str, list[str]] = Field(
        default_factory=dict, description="Teams and what they own (e.g. lead sources)."
    )
    training_monthly: bool = True
    tools: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_roles(self) -> Organisation:
        for i, h in enumerate(self.hires):
            if h.role not in self.roles:
                raise ValueError(
                    f"hires[{i}].role '{h.role}' is not a defined role "
                    f"(known: {', '.join(sorted(self.roles))})"
                )
        return self


class Compensation(_Model):
    """Variable pay of the sales team."""

    commission_rate_first_year: Share = Field(
        description="Rep commission as share of the new customer's first-year recurring "
        "revenue (12 × new MRR), 0..1."
    )
    churn_bonus_eur_yearly: NonNegFloat = Field(0.0, description="Bonus pool for churn target.")


class CostDriver(_Model):
    """A cost line that follows the plan: a fixed amount plus an amount per sales head."""

    fixed_monthly_eur: NonNegFloat = Field(0.0, description="Fixed cost (EUR/month).")
    per_head_monthly_eur: NonNegFloat = Field(
        0.0, description="Cost per sales employee on the payroll (EUR/head/month)."
    )


class Budget(_Model):
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


class Target(_Model):
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


class Rule(_Model):
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


class Persona(_Model):
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


class Segmentation(_Model):
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


class Distribution(_Model):
    """A driver's uncertainty for Monte Carlo; parameters in the driver's unit."""

    dist: Literal["normal", "lognormal", "triangular", "beta", "uniform", "fixed"]
    mean: float | None = None
    sd: float | None = Field(None, ge=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    a: float | None = Field(None, gt=0)
    b: float | None = Field(None, gt=0)


class MonteCarlo(_Model):
    """Monte Carlo settings: draws, seed and the drivers' distributions."""

    draws: int = Field(1000, ge=1, le=1_000_000)
    seed: int = 42
    drivers: dict[str, Distribution] = Field(default_factory=dict)


class PlanParameters(_Model):
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

    def target(self, metric: str) -> Target | None:
        """The first target on ``metric``, or None."""
        return next((t for t in self.targets if t.metric == metric), None)


# --------------------------------------------------------------------------- I/O


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base`` key by key (dicts recursively, all else replaced)."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


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


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParameterError(str(path), [f"not valid YAML: {exc}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(str(path), ["the file must hold a mapping of parameters"])
    return data


def region_file(config: str | Path, region: str) -> Path:
    """The override file of region ``region``: ``regions/<region>.yaml`` beside ``config``.

    A region is a name, never a path: separators, ``..`` and names whose file would
    (after resolving links) lie outside the config's ``regions/`` folder are refused,
    so ``--region ../../x`` cannot read another YAML file. A trailing ``.yaml`` is
    allowed (``AT.yaml`` names ``AT``).

    Raises:
        ParameterError: the name is no plain region name.
    """
    folder = Path(config).parent / "regions"
    name = region.strip()
    for suffix in (".yaml", ".yml"):
        name = name.removesuffix(suffix)
    bad = not name or name in (".", "..") or any(c in name for c in ("/", "\\", "\0"))
    if not bad:
        root = folder.resolve()
        candidate = (folder / f"{name}.yaml").resolve()
        bad = candidate.parent != root
    if bad:
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise ParameterError(
            str(config),
            [
                f"region {region!r} is not a region name: a region names a file "
                f"{folder}/<name>.yaml; path separators and '..' are not allowed "
                f"(known regions: {', '.join(known) or 'none'})"
            ],
        )
    return folder / f"{name}.yaml"


def load_params(path: str | Path, region: str | Path | None = None) -> PlanParameters:
    """Load plan parameters from YAML, optionally merged with a region override file.

    Args:
        path: base YAML file.
        region: a region name (text: ``regions/<name>.yaml`` beside the base file,
            see :func:`region_file`) or the path of a region YAML file (a ``Path``).

    Raises:
        ParameterError: a value breaks a rule or a key is unknown, or a scenario or
            Monte Carlo driver names no parameter (the message names scenario, path
            and the closest valid path); also a region name that is a path
            (separators, ``..``) or leads outside ``regions/``.
        FileNotFoundError: a file is missing.
    """
    # core.overrides imports the schema of this module: load_params belongs in core/config.py
    from planning_lib.core.overrides import check_driver_paths, check_override_paths

    path = Path(path)
    data = _read_yaml(path)
    source = str(path)
    if region is not None:
        rpath = region if isinstance(region, Path) else region_file(path, region)
        if not rpath.exists():
            known = sorted(p.stem for p in (path.parent / "regions").glob("*.yaml"))
            raise FileNotFoundError(
                f"No region file {rpath} (known regions: {', '.join(known) or 'none'})"
            )
        data = deep_merge(data, _read_yaml(rpath))
        source = f"{path} + {rpath}"
    params = params_from_dict(data, source)
    problems = check_override_paths(params) + check_driver_paths(params)
    if problems:
        raise ParameterError(source, problems)
    return params


def dump_params(params: PlanParameters, path: str | Path | None = None) -> str:
    """Serialise parameters to YAML (and write them to ``path`` when given)."""
    text = yaml.safe_dump(
        params.model_dump(mode="json", exclude_none=True),
        allow_unicode=True,
        sort_keys=False,
    )
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
