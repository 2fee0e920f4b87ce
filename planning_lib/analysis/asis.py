"""The as-is analysis (phase 1) and segmentation (phase 3) in one call.

:func:`run_analysis` takes the canonical tables and the plan parameters and returns
every table of the analysis by name (the names are the file stems ``planning analyse``
writes) plus the key figures the findings and reports quote. The figures themselves
are defined in the modules that compute them:

* :mod:`planning_lib.analysis.revenue`: revenue, MRR, bookings, YoY, CAGR.
* :mod:`planning_lib.analysis.funnel`: leads, cohort conversion, win rate, deal size, cycle.
* :mod:`planning_lib.analysis.unit_economics`: MRR bridge, churn, retention, CAC, CLV.
* :mod:`planning_lib.analysis.market`: market, competitors, SWOT, market share.
* :mod:`planning_lib.analysis.segments`: ABC, segment table, attractiveness, personas, positioning.

The *as-of month* is the last month of history: by default the month before
``company.plan_start`` (events after it are ignored). The *analysis year* is the last
complete calendar year up to it; "last 12 months" windows end in the as-of month.

Without plan parameters (``planning analyse`` without ``--config``) the caller gives the
as-of month, and the parts that read the parameters are left out and listed in
``Analysis.without_config`` (:data:`CONFIG_PARTS`): CLV (gross margin), the segment table
with its attractiveness (gross margin), market, competitors, SWOT and market share,
personas, persona links and positioning; the channels get ``planning init``'s standard
names. Everything else is computed exactly as with parameters; the ABC classes
use the schema's default thresholds (:class:`~planning_lib.core.params.Segmentation`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planning_lib.analysis.funnel import (
    ALL,
    deal_metrics,
    funnel_cohorts,
    funnel_conversion,
    leads_by_month,
    stage_lags,
)
from planning_lib.analysis.market import competitor_table, market_table, swot_table
from planning_lib.analysis.revenue import (
    aggregate_history,
    history_months,
    monthly_history,
    revenue_cagr,
)
from planning_lib.analysis.sales import (
    purchase_figures,
    sales_figures,
    sales_tables,
    skipped_parts,
)
from planning_lib.analysis.segments import (
    abc_classes,
    abc_summary,
    attractiveness,
    customer_bookings,
    customer_revenue,
    persona_links,
    persona_table,
    positioning_table,
    segment_table,
)
from planning_lib.analysis.unit_economics import (
    cac_by_channel,
    clv_empirical,
    cohort_retention,
    new_customer_share,
    new_customers,
    retention_curve,
)
from planning_lib.core.params import PlanParameters, Segmentation
from planning_lib.core.text_store import label_pair
from planning_lib.core.vocabulary import CHANNELS
from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.common import require_columns
from planning_lib.metrics.customers import (
    DIMENSIONS,
    customer_matrix,
    mrr_bridge_observed,
    subscription_months,
)

__all__ = [
    "CONFIG_PARTS",
    "Analysis",
    "analysis_year",
    "config_parts",
    "default_as_of",
    "figure_periods",
    "for_region",
    "history_start",
    "revenue_tables",
    "run_analysis",
    "window_months",
]

_FREQS = {"monthly": "M", "quarterly": "Q", "yearly": "Y"}

CONFIG_PARTS: dict[str, tuple[str | None, str]] = {
    "clv": ("customer_base", "drivers.gross_margin"),
    "segment_values": ("segmentation", "drivers.gross_margin"),
    "market": (None, "market"),
    "personas": (None, "personas, positioning"),
}
"""Part of the analysis that reads the plan parameters → (the table part of
:data:`planning_lib.analysis.sales.PARTS` it belongs to, None for every table set; the
configuration keys it reads). Without parameters these parts are left out; the channels
(one of :data:`planning_lib.core.vocabulary.CHANNELS`, the only values the data contract
allows) are then named as ``planning init`` names them (``init.channel.<code>``)."""


def config_parts(off: set[str]) -> list[tuple[str, str]]:
    """The parts of :data:`CONFIG_PARTS` an analysis without parameters leaves out, given
    the table parts ``off`` that are skipped anyway: (part, configuration keys)."""
    return [(part, keys) for part, (within, keys) in CONFIG_PARTS.items() if within not in off]


@dataclass
class Analysis:
    """Result of :func:`run_analysis`.

    Attributes:
        as_of: last month of history analysed.
        start: first month of history (see :func:`history_start`).
        year: last complete calendar year (the "last year" of the findings).
        tables: table name → DataFrame (names are the CSV file stems).
        figures: key figure name → value (units in the name: ``_eur``, ``_rate``
            shares 0..1, counts otherwise).
        labels: channel code → (German, English) label.
        skipped: the parts the tables could not give, with the missing tables
            (:func:`planning_lib.analysis.sales.skipped_parts`); empty with all tables.
        without_config: the parts left out for want of plan parameters, with the
            configuration keys that would give them (:func:`config_parts`); empty with
            parameters.
        region: the region whose customers (first won deal in it) the deal size per new
            customer is measured on; None for the company (or the region's rows alone).
        plan_deal_size_eur: the plan's ``drivers.transactional.deal_size_eur`` (NaN
            without a transactional plan): the basis a region's phase 1 names first.
    """

    as_of: pd.Period
    year: int
    start: pd.Period | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    skipped: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    without_config: list[tuple[str, str]] = field(default_factory=list)
    region: str | None = None
    plan_deal_size_eur: float = np.nan


def default_as_of(params: PlanParameters) -> pd.Period:
    """The month before the plan starts."""
    return pd.Period(params.company.plan_start, freq="M") - 1


def analysis_year(as_of: pd.Period) -> int:
    """The last complete calendar year up to ``as_of``."""
    return as_of.year if as_of.month == 12 else as_of.year - 1


def history_start(deals: pd.DataFrame, leads: pd.DataFrame) -> pd.Period | None:
    """First month of the CRM history: the earliest ``created_date`` of deals and leads.

    Subscription exports often also hold older customers that were still active when
    the CRM history begins; before this month MRR and new customers are incomplete.
    """
    dates = [
        pd.to_datetime(f["created_date"], errors="coerce").min()
        for f in (deals, leads)
        if "created_date" in f.columns and len(f)
    ]
    dates = [d for d in dates if pd.notna(d)]
    return pd.Period(min(dates), freq="M") if dates else None


def revenue_tables(
    subscriptions: pd.DataFrame,
    deals: pd.DataFrame,
    as_of: pd.Period,
    start: pd.Period | None = None,
) -> dict[str, pd.DataFrame]:
    """Monthly, quarterly and yearly revenue history plus CAGR, total and per dimension.

    Args:
        subscriptions: canonical ``subscriptions`` table.
        deals: canonical ``deals`` table.
        as_of: last month of history.
        start: first month of history (see :func:`history_start`).

    Returns:
        ``revenue_monthly``, ``revenue_quarterly``, ``revenue_yearly``, ``revenue_cagr``:
        long tables with ``dimension`` (``total`` or a dimension name) and ``member``
        (``all`` or the dimension value) in front of the columns of
        :func:`revenue_history` / :func:`revenue_cagr`.
    """
    dims = [d for d in DIMENSIONS if d in subscriptions.columns]
    sm = subscription_months(subscriptions, as_of, start)
    first = start if start is not None else (sm["month"].min() if len(sm) else as_of)
    months = history_months(first, as_of)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in _FREQS}
    cagr_parts = []
    for dim in [None, *dims]:
        monthly = monthly_history(sm, deals, months, dim)
        for name, freq in _FREQS.items():
            t = aggregate_history(monthly, freq, dim)  # type: ignore[arg-type]
            t = t.rename(columns={dim: "member"}) if dim else t.assign(member=ALL)
            t.insert(1, "dimension", dim or "total")
            t.insert(2, "member", t.pop("member"))
            parts[name].append(t)
            if freq == "Y":
                c = revenue_cagr(t.drop(columns=["dimension"]), "member")
                c.insert(0, "dimension", dim or "total")
                cagr_parts.append(c)
    out = {f"revenue_{name}": pd.concat(p, ignore_index=True) for name, p in parts.items()}
    out["revenue_cagr"] = pd.concat(cagr_parts, ignore_index=True)
    return out


def for_region(tables: dict[str, pd.DataFrame], region: str) -> dict[str, pd.DataFrame]:
    """The rows of ``region`` in every table that has a ``region`` column.

    Raises:
        ValueError: no table holds a row of ``region`` (the message lists the known ones).
    """
    out = {}
    known: set[str] = set()
    for name, frame in tables.items():
        if "region" in frame.columns:
            known |= set(frame["region"].dropna().astype(str))
            frame = frame[frame["region"].astype(str) == region].reset_index(drop=True)
        out[name] = frame
    if region not in known:
        raise ValueError(f"no data for region {region!r} (regions: {', '.join(sorted(known))})")
    return out


def _channel_summary(share: pd.DataFrame, cac: pd.DataFrame, year: int) -> pd.DataFrame:
    s = share[share["year"] == year][["channel", "new_customer_share"]]
    c = cac[(cac["year"] == year) & (cac["channel"] != ALL)][["channel", "cac_stated_eur"]]
    return s.merge(c, on="channel", how="outer")


def run_analysis(
    tables: dict[str, pd.DataFrame],
    params: PlanParameters | None,
    as_of: pd.Period | str | None = None,
    locale: str = "de",
    purchase_deals: pd.DataFrame | None = None,
    region: str | None = None,
) -> Analysis:
    """Compute every table of the as-is analysis and segmentation.

    Args:
        tables: canonical tables; ``deals`` is needed. A part whose tables are missing
            (``subscriptions``, ``leads``, ``costs``; see
            :data:`planning_lib.analysis.sales.PARTS`) is skipped and listed in
            ``Analysis.skipped``; without ``subscriptions`` the sales view of the deals
            (:func:`planning_lib.analysis.sales.sales_tables`) takes the place of the
            revenue history. ``headcount`` is not used here.
        params: plan parameters (gross margin, market, personas, positioning,
            segmentation weights, channel labels); None leaves out the parts that read
            them (:func:`config_parts`, listed in ``Analysis.without_config``).
        as_of: last month of history (default: month before ``company.plan_start``;
            required without ``params``).
        locale: ``de`` or ``en`` for text columns taken from the config (persona roles,
            positioning).
        purchase_deals: the deals the deal size per new customer and the repeat figures
            are measured on (default: ``tables["deals"]``); for a region, its customers'
            deals of every region
            (:func:`planning_lib.metrics.transactional.region_customer_deals`), as
            ``planning init`` would measure the region's deal size.
        region: the region of ``purchase_deals`` (``Analysis.region``: its deal size per
            new customer is labelled as the region's, for information beside the plan's).

    Returns:
        The :class:`Analysis`.

    Raises:
        KeyError: the deals table is missing.
        ValueError: neither ``params`` nor ``as_of`` given.
        MissingColumnsError: a table lacks a needed column.
    """
    if params is None and as_of is None:
        raise ValueError("the analysis without plan parameters needs the as-of month")
    if "deals" not in tables:
        raise KeyError("the analysis needs at least the table deals")
    skipped = skipped_parts(list(tables))
    off = {part for part, _ in skipped}
    deals = tables["deals"]
    subs, leads, costs = (tables.get(t) for t in ("subscriptions", "leads", "costs"))
    if subs is not None:
        require_columns(subs, ["customer_id", "start_date", "end_date", "mrr_eur"], "subscriptions")
    as_of_m = pd.Period(as_of, freq="M") if as_of is not None else default_as_of(params)
    start = history_start(deals, leads if leads is not None else pd.DataFrame())
    year = analysis_year(as_of_m)
    # without parameters no margin: ARPA and churn of the CLV formula stay, the CLVs are NaN
    margin = params.drivers.gross_margin if params is not None else np.nan
    seg = params.segmentation if params is not None else Segmentation()
    a = Analysis(as_of=as_of_m, year=year, start=start, skipped=skipped)
    a.region = region if purchase_deals is not None else None
    if params is not None and params.drivers.transactional is not None:
        a.plan_deal_size_eur = float(params.drivers.transactional.deal_size_eur)
    if params is None:
        a.labels = {ch: label_pair(f"init.channel.{ch}", ch) for ch in CHANNELS}
        a.without_config = config_parts(off)
    else:
        a.labels = {k: (c.label_de, c.label_en) for k, c in params.channels.items()}
    t = a.tables

    # revenue and MRR development; without subscriptions the sales view of the deals
    if "customer_base" not in off:
        t.update(revenue_tables(subs, deals, as_of_m, start))
    else:
        t.update(sales_tables(deals, as_of_m, start))

    # funnel
    last12 = as_of_m - 11
    if "lead_funnel" not in off:
        t["leads_by_month"] = leads_by_month(leads, as_of_m, "channel")
        t["stage_lags"] = stage_lags(leads, as_of_m)
        cohorts = funnel_cohorts(leads, as_of_m, ("channel", "segment"))
        t["funnel_cohorts"] = cohorts
        t["funnel_conversion_channel"] = funnel_conversion(cohorts, ("channel",), start=last12)
        t["funnel_conversion_segment"] = funnel_conversion(cohorts, ("segment",), start=last12)
    t["deal_metrics_channel"] = deal_metrics(deals, ("channel",), last12, as_of_m)
    t["deal_metrics_segment"] = deal_metrics(deals, ("segment",), last12, as_of_m)

    # unit economics
    clv_f, clv_e = pd.DataFrame(), {"clv_eur": np.nan}
    if "customer_base" not in off:
        cm = customer_matrix(subs, as_of_m, start)
        bridge = mrr_bridge_observed(cm)
        t["mrr_bridge"] = bridge
        new = new_customers(cm)
        share = new_customer_share(new, "channel").rename(columns={"share": "new_customer_share"})
        t["new_customers_by_channel"] = share
        if "cac" not in off:
            years = sorted({int(y) for y in new["year"].unique() if y <= year} | {year})
            cac = pd.concat([cac_by_channel(costs, new, int(y)) for y in years], ignore_index=True)
            t["cac"] = cac
        retention = cohort_retention(cm)
        t["cohort_retention"] = retention
        curve = retention_curve(retention)
        t["retention_curve"] = curve
        clv_f = clv_from_bridge(bridge, margin, 12)
        clv_e = clv_empirical(curve, margin)
        if params is not None:
            t["clv"] = pd.DataFrame(
                [
                    {"method": "formula", "clv_eur": float(clv_f["clv_eur"].iloc[0])},
                    {"method": "empirical", "clv_eur": clv_e["clv_eur"]},
                ]
            )

    # market and competition
    revenue_year = None
    if "market_share" not in off:
        yearly = t["revenue_yearly"]
        total_y = yearly[(yearly["dimension"] == "total") & yearly["complete"]]
        rev_row = total_y[total_y["period"] == str(year)]
        revenue_year = float(rev_row["revenue_eur"].iloc[0]) if len(rev_row) else None
    if params is not None:
        t["market"] = market_table(params.market, revenue_year, year)
        t["competitors"] = competitor_table(params.market)
        t["swot"] = swot_table(params.market)

    # ABC analysis: by the subscriptions' revenue, without them by the won deals' bookings
    revenue = (
        customer_revenue(cm, 12)
        if "customer_base" not in off
        else customer_bookings(deals, as_of_m, 12)
    )
    abc = abc_classes(revenue, seg.abc_a_share, seg.abc_b_share)
    t["abc_customers"] = abc
    t["abc_summary"] = abc_summary(abc)

    # segmentation
    if "segmentation" not in off:
        new_year = new[new["year"] == year]
        cac_year = cac[cac["year"] == year]
        if params is not None:
            for name, by in (
                ("segments", ("segment",)),
                ("segments_region", ("segment", "region")),
            ):
                st = segment_table(cm, deals, new_year, cac_year, margin, by, 12)
                t[name] = attractiveness(st, seg.attractiveness_weights)
            t["persona_links"] = persona_links(
                params.personas, t["segments"], _channel_summary(share, cac, year)
            )
    if params is not None:
        t["personas"] = persona_table(params.personas, locale)
        t["positioning"] = positioning_table(
            params.company.name, params.positioning, params.market.competitors, locale
        )

    a.figures = _key_figures(a, clv_f, clv_e)
    if "bookings_monthly" in t:
        a.figures.update(sales_figures(t, year, as_of_m))
        measured = deals if purchase_deals is None else purchase_deals
        a.figures.update(purchase_figures(measured, as_of_m))
        a.figures = _plan_deal_size_first(a.figures)
    return a


def _plan_deal_size_first(figures: dict[str, float]) -> dict[str, float]:
    """``figures`` with the deal size per new customer (the plan's basis, with the count
    and months it rests on) moved right before the mean of all won deals, so the two deal
    sizes stand side by side, the plan's first."""
    moved = ("new_customer_deal_size_eur", "deal_size_customers", "deal_size_months")
    if "avg_deal_size_eur" not in figures or any(k not in figures for k in moved):
        return figures
    out: dict[str, float] = {}
    for name, value in figures.items():
        if name == "avg_deal_size_eur":
            out.update({k: figures[k] for k in moved})
        if name not in moved:
            out[name] = value
    return out


def _key_figures(a: Analysis, clv_f: pd.DataFrame, clv_e: dict[str, float]) -> dict[str, float]:
    """The headline figures of the analysis year (see :class:`Analysis`)."""
    t = a.tables
    y = str(a.year)
    none = pd.DataFrame()
    yearly = t.get("revenue_yearly")
    tot = none if yearly is None else yearly[(yearly["dimension"] == "total")].set_index("period")
    cac = t.get("cac")
    blended = none if cac is None else cac[(cac["year"] == a.year) & (cac["channel"] == ALL)]
    bridge = t.get("mrr_bridge", none)
    last12 = bridge.tail(12)
    mrr_start = float(last12["mrr_start_eur"].sum()) if len(last12) else 0.0
    lost = (
        float((last12["churned_mrr_eur"] + last12["contraction_mrr_eur"]).sum())
        if len(last12)
        else 0.0
    )
    cagr = t.get("revenue_cagr")
    cagr_tot = none if cagr is None else cagr[cagr["dimension"] == "total"]

    def get(frame: pd.DataFrame, col: str) -> float:
        v = frame[col].iloc[0] if len(frame) else np.nan
        return np.nan if pd.isna(v) else float(v)

    new_year = get(blended, "new_customers")
    share = t.get("new_customers_by_channel")
    if cac is None and share is not None:  # no costs: the same count, from the customer base
        new_year = float(share.loc[share["year"] == a.year, "new_customers"].sum())
    fig = {
        "year": float(a.year),
        "revenue_eur": float(tot.at[y, "revenue_eur"]) if y in tot.index else np.nan,
        "revenue_yoy": float(tot.at[y, "revenue_yoy"]) if y in tot.index else np.nan,
        "revenue_cagr": get(cagr_tot, "cagr"),
        "cagr_first_year": get(cagr_tot, "first_year"),
        "cagr_last_year": get(cagr_tot, "last_year"),
        "mrr_end_eur": float(bridge["mrr_end_eur"].iloc[-1]) if len(bridge) else np.nan,
        "customers_end": float(bridge["customers_end"].iloc[-1]) if len(bridge) else np.nan,
        "arpa_eur": get(clv_f, "arpa_eur"),
        "new_customers": new_year,
        "cac_stated_eur": get(blended, "cac_stated_eur"),
        "cac_fully_loaded_eur": get(blended, "cac_fully_loaded_eur"),
        "churn_window_months": float(len(last12)) if len(last12) else np.nan,
        "logo_churn_rate": get(clv_f, "churn_rate_monthly"),  # the CLV's churn: one figure
        "gross_revenue_churn_rate": lost / mrr_start if mrr_start else np.nan,
        "clv_formula_eur": get(clv_f, "clv_eur"),
        "clv_empirical_eur": clv_e["clv_eur"],
        "market_share": get(t.get("market", none), "market_share"),
    }
    return fig


YEAR_FIGURES: tuple[str, ...] = (
    "year",
    "revenue_eur",
    "revenue_yoy",
    "cac_stated_eur",
    "cac_fully_loaded_eur",
    "market_share",
    "bookings_eur",
    "won_deals",
)
"""Key figures of the calendar year ``Analysis.year`` (the seed's Ist-Analyse compares
years: revenue, its growth over the year before, CAC, market share, the bookings of the
year)."""

BRIDGE_FIGURES: tuple[str, ...] = (
    "arpa_eur",
    "churn_window_months",
    "logo_churn_rate",
    "gross_revenue_churn_rate",
    "clv_formula_eur",
)
"""Key figures of the MRR bridge's last 12 months up to the as-of month (fewer in a
shorter history: ``churn_window_months``)."""

WINDOW_FIGURES: tuple[str, ...] = (
    "bookings_eur_12m",
    "won_deals_12m",
    "win_rate",
    "avg_deal_size_eur",
    "cycle_median_days",
    "repeat_purchases",
    "repeat_purchase_rate",
    "repeat_base_customer_months",
    "repeat_base_active_months",
)
"""Key figures of the 12 months up to the as-of month (the basis of ``planning init``)."""

AS_OF_FIGURES: tuple[str, ...] = (
    "mrr_end_eur",
    "customers_end",
    "open_deals",
    "open_pipeline_eur",
    "open_pipeline_weighted_eur",
    "open_deals_estimated",
)
"""Key figures of the state at the end of the as-of month."""


def window_months(a: Analysis, months: int = 12) -> int:
    """Months of the last ``months`` up to the as-of month that the history covers: all
    of them, or those from its first month (:attr:`Analysis.start`) in a shorter one
    (6 for a history 2025-04..2025-09)."""
    if a.start is None:
        return months
    return int(min(months, a.as_of.ordinal - a.start.ordinal + 1))


def _span(first: pd.Period | int | str, last: pd.Period | int | str) -> str:
    return str(last) if str(first) == str(last) else f"{first}..{last}"


def figure_periods(a: Analysis) -> dict[str, str]:
    """The period each key figure of ``a`` covers, by name (in the order of
    ``a.figures``): ``YYYY`` (calendar year), ``YYYY-MM..YYYY-MM`` (a window of months),
    ``YYYY-MM`` (the end of the as-of month) or ``YYYY..YYYY`` (the CAGR's years); empty
    for a figure without a value.

    The window of months is the last 12 up to the as-of month, from the history's first
    month in a shorter history (:func:`window_months`). ``new_customers`` is of the
    calendar year with the subscriptions (the CAC's denominator) and of the last 12
    months without them (``planning init``'s count,
    :func:`planning_lib.analysis.sales.purchase_figures`); the deal sizes per new customer
    and per repeat purchase reach back as far as their own months figure says; the
    empirical CLV follows every cohort of the history.
    """
    f = a.figures
    window = _span(a.as_of - (window_months(a) - 1), a.as_of)
    bridge = a.tables.get("mrr_bridge")
    if bridge is not None and len(bridge):
        months = sorted(bridge["month"].astype(str).unique())[-12:]
        bridge_window = _span(months[0], months[-1])
    else:
        bridge_window = window

    def back(months_figure: str) -> str:
        n = f.get(months_figure, np.nan)
        return _span(a.as_of - (int(n) - 1), a.as_of) if pd.notna(n) and n >= 1 else ""

    first = a.start if a.start is not None else a.as_of
    periods: dict[str, str] = {}
    for name, value in f.items():
        if name in YEAR_FIGURES:
            period = str(a.year)
        elif name in WINDOW_FIGURES:
            period = window
        elif name in BRIDGE_FIGURES:
            period = bridge_window
        elif name in AS_OF_FIGURES:
            period = str(a.as_of)
        elif name in ("revenue_cagr", "cagr_first_year", "cagr_last_year"):
            lo, hi = f.get("cagr_first_year", np.nan), f.get("cagr_last_year", np.nan)
            period = _span(int(lo), int(hi)) if pd.notna(lo) and pd.notna(hi) else ""
        elif name == "new_customers":
            period = window if "bookings_monthly" in a.tables else str(a.year)
        elif name in ("new_customer_deal_size_eur", "deal_size_customers", "deal_size_months"):
            period = back("deal_size_months")
        elif name.startswith("repeat_deal_size"):
            period = back("repeat_deal_size_months")
        elif name == "clv_empirical_eur":
            period = _span(first, a.as_of)
        else:  # a figure added without its period: fail loudly rather than guess
            raise KeyError(f"key figure {name!r} has no period in figure_periods")
        periods[name] = period if pd.notna(value) else ""
    return periods
