"""The plan as controlling sees it: monthly plan values of the KPIs that have a plan.

A plan comes from ``run_plan`` (a ``PlanResult``) or from a saved version; both reduce
to a :class:`PlanView`: the tidy monthly line items plus the few parameters the
comparison needs (ARPA, conversions and cost per lead per channel).

Each plan-comparable KPI is a pair of monthly series (numerator, denominator) so that
quarter and year-to-date values pool exactly as the actual KPIs do; counts and sums
have no denominator, levels (MRR, customers) take the period's last month.

Two bases (``basis``): ``plan`` is the plan's own line (with
``new_customers_basis: target`` the new customers the target requires, split over the
channels); ``funnel`` is what the plan's own activities deliver: the model's
``customers_new_funnel`` line (planned entry leads × planned conversions). The
funnel basis exists for the KPIs in :data:`FUNNEL_METRICS`: the new-customer family
(new customers, deals won, new MRR, new revenue, partner revenue, deal size) takes
the funnel line; the funnel stages and conversions are planned activities already,
so both bases agree there. Controlling splits a shortfall into the part the plan
never funded (plan − funnel) and the part execution missed (funnel − actual).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.metrics.acquisition import cac, cac_fully_loaded
from planning_lib.metrics.churn import churn_rate
from planning_lib.metrics.common import ratio
from planning_lib.metrics.measures import period_start

__all__ = [
    "BASES",
    "FUNNEL_METRICS",
    "LEVEL_METRICS",
    "PLAN_METRICS",
    "PlanView",
    "plan_series",
    "plan_values",
]

PLAN_METRICS: dict[str, tuple[str, ...]] = {
    "leads": ("", "channel"),
    "mql": ("", "channel"),
    "sql": ("", "channel"),
    "demos": ("", "channel"),
    "mql_to_sql": ("", "channel"),
    "sql_to_demo": ("", "channel"),
    "demo_to_won": ("", "channel"),
    "new_customers": ("", "channel"),
    "deals_won": ("", "channel"),
    "new_mrr": ("", "channel"),
    "new_revenue": ("", "channel"),
    "avg_deal_size": ("", "channel"),
    "partner_revenue": ("",),
    "cac": ("",),
    "cac_fully_loaded": ("",),
    "sales_costs": ("",),
    "logo_churn": ("",),
    "mrr": ("",),
    "customers": ("",),
}
"""KPI code → dimensions the plan has it for ('' = total)."""

LEVEL_METRICS: frozenset[str] = frozenset({"mrr", "customers"})

BASES: tuple[str, ...] = ("plan", "funnel")
_NEW_FAMILY = frozenset(
    {"new_customers", "deals_won", "new_mrr", "new_revenue", "partner_revenue", "avg_deal_size"}
)
FUNNEL_METRICS: frozenset[str] = _NEW_FAMILY | frozenset(
    {"leads", "mql", "sql", "demos", "mql_to_sql", "sql_to_demo", "demo_to_won"}
)
"""KPIs with a funnel-basis plan value (what the plan's own activities deliver)."""
_NEW_LINE = {"plan": "customers_new", "funnel": "customers_new_funnel"}

_CONVERSION = {
    "mql_to_sql": ("mql", "mql_to_sql"),
    "sql_to_demo": ("sql", "sql_to_demo"),
    "demo_to_won": ("demos", "demo_to_won"),
}
_STAGE_LINE = {"leads": "leads_entry", "mql": "mql", "sql": "sql", "demos": "demos"}


@dataclass(frozen=True)
class PlanView:
    """A plan reduced to what controlling compares with.

    Attributes:
        monthly: tidy plan (month, line_item, channel, value, unit).
        arpa_monthly_eur: planned MRR per new customer (EUR/month).
        rates: per channel the planned conversions (``mql_to_sql``, ``sql_to_demo``,
            ``demo_to_won``, shares 0..1).
        cost_per_lead_eur: per channel the planned marketing cost per entry lead (EUR).
        name: what the plan is (``config`` or the version's name and id).
        deal_size_eur: one-off value of a new deal (EUR/deal; a transactional plan's
            ``drivers.transactional.deal_size_eur``, 0 for a subscription plan). A new
            deal's value is ``deal_size_eur + 12 × arpa_monthly_eur``.
    """

    monthly: pd.DataFrame
    arpa_monthly_eur: float
    rates: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    cost_per_lead_eur: Mapping[str, float] = field(default_factory=dict)
    name: str = "config"
    deal_size_eur: float = 0.0

    @classmethod
    def from_params(cls, monthly: pd.DataFrame, params: Any, name: str = "config") -> PlanView:
        """Build from a monthly plan and its parameters (pydantic model or dict)."""
        p = params.model_dump(mode="json") if hasattr(params, "model_dump") else params
        chans = p["channels"]
        one_off = p["drivers"].get("transactional") or {}
        transactional = p.get("company", {}).get("business_model") == "transactional"
        return cls(
            monthly=monthly,
            arpa_monthly_eur=float(p["drivers"]["arpa_monthly_eur"]),
            rates={
                c: {k: float(v[k]) for k in ("mql_to_sql", "sql_to_demo", "demo_to_won")}
                for c, v in chans.items()
            },
            cost_per_lead_eur={c: float(v["cost_per_lead_eur"]) for c, v in chans.items()},
            name=name,
            deal_size_eur=float(one_off.get("deal_size_eur", 0.0)) if transactional else 0.0,
        )

    def deal_value(self, new: pd.Series) -> pd.Series:
        """Value of ``new`` deals (EUR): first-year MRR (12 × ARPA) plus the one-off deal."""
        value = new * 12.0 * self.arpa_monthly_eur
        return value + new * self.deal_size_eur if self.deal_size_eur else value

    @property
    def months(self) -> pd.DatetimeIndex:
        """First day of each plan month."""
        return pd.DatetimeIndex(sorted(pd.to_datetime(self.monthly["month"]).unique()))

    @property
    def channels(self) -> list[str]:
        """Channels the plan has."""
        return sorted(self.rates)

    def line(self, item: str, channel: str = "") -> pd.Series:
        """One line item over the plan months (0 where it is missing)."""
        m = self.monthly
        sel = m[(m["line_item"] == item) & (m["channel"] == channel)]
        s = pd.Series(sel["value"].to_numpy(float), index=pd.to_datetime(sel["month"]))
        return s.groupby(level=0).sum().reindex(self.months, fill_value=0.0)

    def has_line(self, item: str) -> bool:
        """Whether the plan has the line item (a saved version may predate a line)."""
        return bool((self.monthly["line_item"] == item).any())

    def new_customers_item(self, basis: str = "plan") -> str:
        """The line item of new customers on ``basis``: ``customers_new`` (plan) or
        ``customers_new_funnel`` (funnel; the plan's line when the plan has no funnel line).
        """
        if basis not in BASES:
            raise ValueError(f"unknown basis '{basis}' (known: {', '.join(BASES)})")
        item = _NEW_LINE[basis]
        return item if self.has_line(item) else _NEW_LINE["plan"]

    def channel_sum(self, item: str, channel: str) -> pd.Series:
        """A per-channel line for one channel, or summed over the channels for ``''``."""
        if channel:
            return self.line(item, channel)
        return sum((self.line(item, c) for c in self.channels), pd.Series(0.0, self.months))


def plan_series(
    view: PlanView, metric: str, channel: str = "", basis: str = "plan"
) -> pd.DataFrame:
    """Monthly plan of ``metric`` as numerator and denominator (columns num, den).

    Counts and sums have no denominator (NaN): they add up over a period. ``basis``
    ``funnel`` (only for :data:`FUNNEL_METRICS`) takes the new customers the plan's
    own activities deliver instead of the plan's new customers.

    Raises:
        KeyError: the plan has no value for ``metric`` (or not per channel, or not on
            the funnel basis).
    """
    dims = PLAN_METRICS.get(metric)
    if dims is None or (channel and "channel" not in dims):
        raise KeyError(
            f"the plan has no '{metric}'" + (f" per channel ({channel})" if channel else "")
        )
    if basis == "funnel" and metric not in FUNNEL_METRICS:
        raise KeyError(f"the plan has no funnel basis for '{metric}'")
    one = pd.Series(np.nan, view.months)  # no denominator: a count or sum
    arpa = view.arpa_monthly_eur
    new_item = view.new_customers_item(basis)
    new = view.channel_sum(new_item, channel)
    if metric in _STAGE_LINE:
        return pd.DataFrame({"num": view.channel_sum(_STAGE_LINE[metric], channel), "den": one})
    if metric in _CONVERSION:
        stage, rate = _CONVERSION[metric]
        chans = [channel] if channel else view.channels
        den = sum((view.line(stage, c) for c in chans), pd.Series(0.0, view.months))
        num = sum(
            (view.line(stage, c) * view.rates[c][rate] for c in chans), pd.Series(0.0, view.months)
        )
        return pd.DataFrame({"num": num, "den": den})
    if metric in ("new_customers", "deals_won"):
        return pd.DataFrame({"num": new, "den": one})
    if metric == "new_mrr":
        return pd.DataFrame({"num": new * arpa, "den": one})
    if metric == "new_revenue":
        return pd.DataFrame({"num": view.deal_value(new), "den": one})
    if metric == "partner_revenue":
        return pd.DataFrame({"num": view.deal_value(view.line(new_item, "partner")), "den": one})
    if metric == "avg_deal_size":
        return pd.DataFrame({"num": view.deal_value(new), "den": new})
    if metric == "cac":
        return pd.DataFrame({"num": view.line("cost_marketing"), "den": view.line("customers_new")})
    if metric == "cac_fully_loaded":
        return pd.DataFrame({"num": view.line("cost_total"), "den": view.line("customers_new")})
    if metric == "sales_costs":
        return pd.DataFrame({"num": view.line("cost_total"), "den": one})
    if metric == "logo_churn":
        start = view.line("customers_start")
        return pd.DataFrame({"num": view.line("churn_rate") * start, "den": start})
    if metric == "mrr":
        return pd.DataFrame({"num": view.line("mrr_end"), "den": one})
    return pd.DataFrame({"num": view.line("customers_end"), "den": one})  # customers


def plan_values(
    view: PlanView,
    metric: str,
    grain: str,
    channel: str = "",
    until: pd.Timestamp | None = None,
    basis: str = "plan",
) -> pd.Series:
    """Plan of ``metric`` per ``grain`` period (month, quarter, ytd), pooled like the actuals.

    Args:
        until: last month included (e.g. the actuals' as-of month); default all months.
        basis: ``plan`` or ``funnel`` (see :func:`plan_series`).

    Returns:
        Plan value per period start (NaN where the denominator is 0).
    """
    s = plan_series(view, metric, channel, basis)
    if until is not None:
        s = s[s.index <= until]
    key = period_start(pd.Series(s.index, index=s.index), grain)
    if metric in LEVEL_METRICS:
        return s["num"].groupby(key).last()
    if s["den"].isna().all():
        return s["num"].groupby(key).sum().astype(float)
    g = s.groupby(key)[["num", "den"]].sum()
    if metric == "cac":
        return cac(g["num"], g["den"]).astype(float)
    if metric == "cac_fully_loaded":
        return cac_fully_loaded(g["num"], g["den"]).astype(float)
    if metric == "logo_churn":
        return churn_rate(g["num"], g["den"]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ratio(g["num"], g["den"]).astype(float)
