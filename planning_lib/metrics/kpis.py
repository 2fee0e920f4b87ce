"""The KPI catalogue: every KPI defined once, computed from the canonical tables.

A :class:`Kpi` names its code, formula, unit, the
direction that is good, its default grain, the grains and dimensions it can be
computed at, and the measure (in :mod:`planning_lib.metrics.measures`) that computes it.
Notebooks, the CLI, the controlling and the rules all read this one catalogue. Its German
and English names are in the text store (``kpi.<code>`` in ``core/texts/reports.yaml``).

Units: ``count``, ``EUR``, ``share`` (0..1), ``days``, ``ratio``. Funnel conversions
are measured on lead cohorts (see :func:`planning_lib.metrics.measures.cohort_conversion`).

KPIs the as-is analysis (phase 1) also reports have one definition for both phases:
churn, ARPA and CLV come from :func:`planning_lib.metrics.customers.member_bridge`
(month-end state), new customers from
:func:`planning_lib.metrics.acquisition.first_subscriptions`, won deals from
:func:`planning_lib.metrics.deals.won_deals`; ``tests/test_kpi_consistency.py``
checks that both phases give the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

import pandas as pd

from planning_lib.core.text_store import label_pair
from planning_lib.metrics import measures as m
from planning_lib.metrics import retention as r
from planning_lib.metrics.acquisition import STATED_CAC_CATEGORIES
from planning_lib.metrics.coverage import pipeline_coverage
from planning_lib.metrics.measures import GRAINS, KpiContext, Tables

__all__ = [
    "CATALOGUE",
    "KPI_COLUMNS",
    "Kpi",
    "KpiContext",
    "UnknownKpiError",
    "compute_kpi",
    "compute_kpis",
    "get_kpi",
]

Measure = Callable[[Tables, KpiContext, str, str | None], pd.DataFrame]
KPI_COLUMNS = [
    "kpi", "grain", "period", "dimension", "member", "value", "base", "unit", "complete",
]  # fmt: skip

_LEAD_DIMS = ("channel", "region", "segment")
_DEAL_DIMS = ("channel", "region", "segment", "product")
_SUB_DIMS = ("channel", "region", "segment", "product")
_ALL = GRAINS
_MONTHLY = ("month", "quarter", "ytd")


class UnknownKpiError(KeyError):
    """A KPI code that is not in the catalogue; the message lists the known codes."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"unknown KPI '{code}' (known: {', '.join(CATALOGUE)})")


@dataclass(frozen=True)
class Kpi:
    """One KPI definition.

    Attributes:
        code: machine name, e.g. ``sql_to_demo``; its German and English names are the
            text store's ``kpi.<code>`` (:attr:`label_de`, :attr:`label_en`).
        formula: the formula in words (English).
        unit: ``count``, ``EUR``, ``share`` (0..1), ``days`` or ``ratio``.
        good: ``up`` when higher is better, ``down`` when lower is better.
        default_grain: the grain reports show first.
        grains: grains the KPI can be computed at.
        dims: dimensions it can be broken down by (besides the total).
        measure: ``measure(tables, ctx, grain, dim) -> DataFrame``.
        table: the canonical table it mainly reads.
    """

    code: str
    formula: str
    unit: str
    good: str
    default_grain: str
    grains: tuple[str, ...]
    dims: tuple[str, ...]
    measure: Measure
    table: str

    @property
    def label_de(self) -> str:
        """The German name (text store ``kpi.<code>``)."""
        return label_pair(f"kpi.{self.code}")[0]

    @property
    def label_en(self) -> str:
        """The English name (text store ``kpi.<code>``)."""
        return label_pair(f"kpi.{self.code}")[1]

    def label(self, lang: str = "de") -> str:
        """The label in ``lang`` (``de`` or ``en``)."""
        return self.label_de if lang == "de" else self.label_en


def _k(
    code: str,
    formula: str,
    unit: str,
    good: str,
    measure: Measure,
    table: str,
    dims: tuple[str, ...],
    grains: tuple[str, ...] = _ALL,
    default_grain: str = "month",
) -> Kpi:
    return Kpi(code, formula, unit, good, default_grain, grains, dims, measure, table)


_KPIS: list[Kpi] = [
    _k("leads", "leads created in the period",
       "count", "up", m.leads_created, "leads", _LEAD_DIMS, default_grain="week"),
    _k("mql", "leads reaching MQL in the period (by mql_date)",
       "count", "up", partial(m.stage_count, date_col="mql_date"), "leads", _LEAD_DIMS),
    _k("sql", "leads reaching SQL in the period (by sql_date)",
       "count", "up", partial(m.stage_count, date_col="sql_date"), "leads", _LEAD_DIMS),
    _k("demos", "leads with a demo held in the period (by demo_date)",
       "count", "up", partial(m.stage_count, date_col="demo_date"), "leads", _LEAD_DIMS),
    _k("mql_to_sql", "leads with mql_date in the period that reached SQL by as-of ÷ those leads",
       "share", "up", partial(m.cohort_conversion, stages=("mql", "sql")), "leads", _LEAD_DIMS),
    _k("sql_to_demo", "leads with sql_date in the period that had a demo by as-of ÷ those leads",
       "share", "up", partial(m.cohort_conversion, stages=("sql", "demo")), "leads", _LEAD_DIMS),
    _k("demo_to_won", "leads with demo_date in the period that were won by as-of ÷ those leads",
       "share", "up", partial(m.cohort_conversion, stages=("demo", "won")), "leads", _LEAD_DIMS),
    _k("win_rate", "deals won ÷ deals closed (won + lost) in the period",
       "share", "up", m.win_rate, "deals", _DEAL_DIMS),
    _k("deals_won", "deals won in the period (credit notes out)",
       "count", "up", m.deals_won, "deals", _DEAL_DIMS),
    _k("avg_deal_size", "first-year value of won deals ÷ deals won",
       "EUR", "up", m.avg_deal_size, "deals",
       _DEAL_DIMS),
    _k("new_revenue", "sum of amount_eur of deals won in the period (credit notes included)",
       "EUR", "up",
       partial(m.won_sum, column="amount_eur", channel=None), "deals", _DEAL_DIMS),
    _k("new_mrr",
       "sum of mrr_eur of deals won in the period in their customer's first month (new "
       "customers; an existing customer's upsell is expansion)", "EUR", "up",
       m.new_customer_mrr, "deals", _DEAL_DIMS),
    _k("sales_cycle_median", "median of close_date − created_date of won deals", "days", "down",
       partial(m.sales_cycle, quantile=0.5), "deals", _DEAL_DIMS),
    _k("sales_cycle_p80", "80th percentile of close_date − created_date of won deals",
       "days", "down",
       partial(m.sales_cycle, quantile=0.8), "deals", _DEAL_DIMS),
    _k("new_customers", "customers whose first subscription starts in the period", "count", "up",
       m.new_customers, "subscriptions", _SUB_DIMS),
    _k("cac", "marketing costs ÷ new customers",
       "EUR", "down", partial(m.cac, categories=STATED_CAC_CATEGORIES), "costs", ("region",),
       _MONTHLY),
    _k("cac_fully_loaded", "all sales and marketing costs ÷ new customers", "EUR", "down",
       partial(m.cac, categories=None), "costs", ("region",), _MONTHLY),
    _k("sales_costs", "all sales and marketing costs",
       "EUR", "down", partial(m.cost_sum, categories=None), "costs", ("region", "channel"),
       _MONTHLY),
    _k("clv", "ARPA (MRR ÷ customers at period end) × gross margin ÷ monthly logo churn",
       "EUR", "up",
       r.clv, "subscriptions", _SUB_DIMS, _MONTHLY),
    _k("ltv_cac", "CLV ÷ fully loaded CAC", "ratio", "up", r.ltv_cac,
       "subscriptions", ("region",), _MONTHLY),
    _k("mrr", "MRR of the subscriptions running past the period's last day", "EUR", "up",
       partial(r.level_at_end, what="mrr"), "subscriptions", _SUB_DIMS),
    _k("customers", "distinct customers with a subscription running past the period's last day",
       "count",
       "up", partial(r.level_at_end, what="customers"), "subscriptions", _SUB_DIMS),
    _k("logo_churn",
       "customers lost ÷ customers at month start (end of the month before), pooled (per month)",
       "share", "down", r.logo_churn, "subscriptions", _SUB_DIMS, _MONTHLY),
    _k("revenue_churn", "churned plus contraction MRR ÷ MRR at month start, pooled (per month)",
       "share", "down", r.revenue_churn, "subscriptions", _SUB_DIMS, _MONTHLY),
    _k("nrr", "MRR at period end of the customers active at period start ÷ their MRR then",
       "share", "up", r.net_revenue_retention, "subscriptions", _SUB_DIMS, _MONTHLY),
    _k("pipeline_coverage",
       "open pipeline (EUR) ÷ remaining target of the period (plan's new first-year value "
       "− won so far), at the period's eve or, while it runs, at as-of", "ratio", "up",
       pipeline_coverage, "deals", ("channel",), _MONTHLY),
    _k("pipeline_coverage_weighted",
       "open pipeline weighted by stage win probability ÷ remaining target of the period",
       "ratio", "up", partial(pipeline_coverage, weighted=True), "deals", ("channel",),
       _MONTHLY),
    _k("quota_attainment",
       "first-year value won ÷ pro-rata yearly quota of the quota-carrying reps", "share", "up",
       m.quota_attainment, "headcount", ("owner", "region"), _MONTHLY),
    _k("partner_activation",
       "partners with a lead in the period ÷ partners signed (needs leads.partner_id)",
       "share", "up", m.partner_activation, "leads", ("region",), _MONTHLY),
    _k("partner_revenue", "first-year value of won partner-channel deals", "EUR", "up",
       partial(m.won_sum, column="amount_eur", channel="partner"), "deals",
       ("region", "segment", "product")),
]  # fmt: skip

CATALOGUE: dict[str, Kpi] = {k.code: k for k in _KPIS}


def get_kpi(code: str) -> Kpi:
    """The catalogue entry ``code``.

    Raises:
        UnknownKpiError: ``code`` is not in the catalogue.
    """
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownKpiError(code) from None


def _has_dim(tables: Tables, kpi: Kpi, dim: str) -> bool:
    if dim == "owner":
        return "owner" in tables["deals"].columns
    return dim in tables[kpi.table].columns and (
        kpi.table != "costs" or tables["costs"][dim].notna().any()
    )


def compute_kpi(
    tables: Tables, ctx: KpiContext, code: str, grain: str, dim: str | None = None
) -> pd.DataFrame:
    """One KPI at one grain, as the total (``dim=None``) or per member of ``dim``.

    Returns:
        Columns :data:`KPI_COLUMNS`; ``period`` is the period's first day (Timestamp);
        ``complete`` is False for a funnel conversion whose cohort period ended less
        than ``ctx.maturity_days[code]`` days before ``ctx.as_of`` (it may still rise).

    Raises:
        UnknownKpiError: unknown code.
        ValueError: the KPI is not defined at ``grain`` or by ``dim``.
    """
    kpi = get_kpi(code)
    if grain not in kpi.grains:
        raise ValueError(f"KPI '{code}' has no grain '{grain}' (known: {', '.join(kpi.grains)})")
    if dim is not None and dim not in kpi.dims:
        raise ValueError(f"KPI '{code}' has no dimension '{dim}' (known: {', '.join(kpi.dims)})")
    out = kpi.measure(tables, ctx, grain, dim)
    lag = pd.Timedelta(days=ctx.maturity_days.get(code, 0))
    ends = [m.period_end(p, grain, ctx.as_of) + lag for p in out["period"]]
    complete = [bool(e <= pd.Timestamp(ctx.as_of)) for e in ends]
    out = out.assign(kpi=code, grain=grain, dimension=dim or "", unit=kpi.unit, complete=complete)
    return out[KPI_COLUMNS].reset_index(drop=True)


def compute_kpis(
    tables: Tables,
    ctx: KpiContext,
    codes: Iterable[str] | None = None,
    grains: Iterable[str] | None = None,
    by_dimensions: bool = True,
) -> pd.DataFrame:
    """Every (or the given) KPI at every (or the given) grain, total and per dimension.

    Dimensions a table lacks are left out. The rows are sorted (catalogue order,
    grain, dimension, member, period), so equal inputs give an identical table.

    Returns:
        Columns :data:`KPI_COLUMNS`.
    """
    frames = []
    for code in codes or CATALOGUE:
        kpi = get_kpi(code)
        for grain in grains or kpi.grains:
            if grain not in kpi.grains:
                continue
            dims: list[str | None] = [None]
            if by_dimensions:
                dims += [d for d in kpi.dims if _has_dim(tables, kpi, d)]
            frames.extend(compute_kpi(tables, ctx, code, grain, d) for d in dims)
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    order = {c: i for i, c in enumerate(CATALOGUE)}
    grain_order = {g: i for i, g in enumerate(GRAINS)}
    out = out.assign(_k=out["kpi"].map(order), _g=out["grain"].map(grain_order))
    out = out.sort_values(["_k", "_g", "dimension", "member", "period"], kind="stable")
    return out.drop(columns=["_k", "_g"]).reset_index(drop=True)
