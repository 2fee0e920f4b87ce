"""Plan parameters of the sales organisation (phase 5): roles, hires, team structure
and variable pay. Units as in :mod:`planning_lib.core.params`.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from planning_lib.core.fields import NonNegFloat, NonNegInt, Share, StrictModel

__all__ = ["Compensation", "Hire", "Organisation", "Role"]


class Role(StrictModel):
    """A sales role: cost, productivity, ramp-up and attrition."""

    label_de: str
    label_en: str
    salary_yearly_eur: NonNegFloat = Field(description="Salary incl. employer costs (EUR/yr).")
    deals_per_month: NonNegFloat = Field(0.0, description="Deals a ramped rep closes (count/mo).")
    ramp_months: NonNegInt = Field(3, description="Months to full productivity (linear ramp).")
    attrition_yearly: Share = Field(0.0, description="Share of reps leaving per year (0..1).")
    quota_yearly_eur: NonNegFloat = Field(0.0, description="New first-year revenue quota (EUR).")
    carries_quota: bool = True


class Hire(StrictModel):
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


class Organisation(StrictModel):
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


class Compensation(StrictModel):
    """Variable pay of the sales team."""

    commission_rate_first_year: Share = Field(
        description="Rep commission as share of the new customer's first-year recurring "
        "revenue (12 × new MRR) plus, in a transactional business, its deal value, 0..1."
    )
    commission_rate_repeat_purchase: Share | None = Field(
        None,
        description="Transactional business only: rep commission as share of a repeat "
        "purchase's deal value, 0..1. Empty: repeat purchases earn no commission (the "
        "seed pays commission on new business; a new deal's base is its deal value).",
    )
    churn_bonus_eur_yearly: NonNegFloat = Field(0.0, description="Bonus pool for churn target.")
