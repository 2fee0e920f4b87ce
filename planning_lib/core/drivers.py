"""Plan parameters of the revenue drivers and the sales channels (phases 2 and 4).

The drivers of the customer base (churn, ARPA, expansion, margins, billing), how a
driver moves over the plan (:class:`DriverPath`, :class:`PathShape`), the revenue
mix, and each channel's lead volume, funnel conversions, lags and costs. Units as
in :mod:`planning_lib.core.params`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from planning_lib.core.fields import NonNegFloat, NonNegInt, Share, StrictModel

__all__ = ["Channel", "DriverPath", "Drivers", "Mix", "PathShape", "Transactional"]


class DriverPath(StrictModel):
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


class PathShape(StrictModel):
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


class Mix(StrictModel):
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


class Transactional(StrictModel):
    """Revenue drivers of a transactional business (``company.business_model: transactional``).

    Revenue of a month = new deals × ``deal_size_eur`` + repeat purchases ×
    ``repeat_deal_size_eur``, repeat purchases = ``repeat_purchase_rate_monthly`` ×
    customers at month start (see ``planning_lib.plan.transactional``).
    """

    deal_size_eur: NonNegFloat = Field(
        description="Average won deal of a new customer, one-off (EUR/deal)."
    )
    repeat_purchase_rate_monthly: Share = Field(
        0.0,
        description="Repeat purchases per existing customer and month (share 0..1; "
        "0.02 = 2 of 100 customers buy again each month).",
    )
    repeat_deal_size_eur: NonNegFloat = Field(
        0.0, description="Average won deal of a repeat purchase (EUR/deal)."
    )


class Drivers(StrictModel):
    """Revenue drivers of the customer base, and how drivers move over the plan.

    Churn has its own path (``churn_rate_monthly``: start, end, path). Any other
    driver that is a rate, a price, a volume or a cost (ARPA, expansion and
    contraction, gross margin, prepay share, a transactional business's deal sizes and
    repeat-purchase rate, channel lead volumes, conversions, cost
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
    transactional: Transactional | None = Field(
        None,
        description="Deal size and repeat purchases of a transactional business "
        "(needed when company.business_model is 'transactional').",
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


class Channel(StrictModel):
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
