"""A plan calibrated from the history (``planning init``): every parameter the data can give.

:func:`calibrate` reads the canonical tables of a data folder as of a month (default: the
last complete month of the data) and returns the parameters of a complete "no change" plan
of a subscription business (a transactional one:
:mod:`planning_lib.analysis.calibration_transactional`) for the 12 months after it, each
value with its provenance (:class:`Source`): where it came from and from how many rows,
or, for what the data cannot give (market, personas, gross margin, cash, ...), a
documented default marked as an assumption to fill in (:data:`DEFAULTS`). The figures are
those of the as-is analysis, computed by the same functions:

* customers, MRR, churn, expansion and contraction: the observed MRR bridge
  (:func:`planning_lib.metrics.customers.mrr_bridge_observed`) and
  :func:`planning_lib.metrics.clv.clv_from_bridge`, over the last 12 months;
* ARPA of a new account: the first month's MRR of the customers won in the last 12
  months (:func:`planning_lib.analysis.unit_economics.new_customers`);
* without a leads table, the channels from the deals (deals of prospects created per
  month enter as SQL, their win rate is ``demo_to_won``:
  :func:`planning_lib.analysis.calibration_transactional.deal_channels`);
* conversions per channel and stage: mature lead cohorts of the last 12 months
  (:func:`planning_lib.analysis.funnel.funnel_conversion`); lags: the median stage lag of
  the channel's leads (:func:`planning_lib.analysis.funnel.stage_lags`) in months;
* leads per month and their seasonality: stage entries at the channel's entry stage
  (:func:`planning_lib.analysis.funnel.leads_by_month`);
* the no-change target and the new-customer seasonality: the forecast baseline
  (:func:`planning_lib.analysis.forecast.baseline.no_change_new_customers`, from won
  deals when a deals table exists, else from the subscriptions; the same history as
  ``planning forecast``, so the proposal and the forecast agree);
* team, salaries, budget, cost per lead, commissions: the ``headcount`` and ``costs``
  tables (:mod:`planning_lib.analysis.calibration_team`).

A history shorter than a year gives every figure over the months it covers
(:func:`planning_lib.analysis.calibration_common.covered_window`): per-month figures (leads
per month) ÷ its months, figures per plan year (new customers last year, the budget) scaled
up to 12 months (:func:`~planning_lib.analysis.calibration_common.annualised`), rates as
ratios of its months; the comments name those months ("aus 6 Monaten 2025-04..2025-09, auf
12 Monate hochgerechnet").

The region files (:mod:`planning_lib.analysis.calibration_regions`) give every region its
share of the additive figures so that they add up to the base.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.analysis.asis import history_start
from planning_lib.analysis.calibration_common import (
    CalibrationError,
    Source,
    annualised,
    covered_span,
    covered_window,
    no_change_target,
    seasonal_weights,
    split_exactly,
)
from planning_lib.analysis.calibration_regions import region_files, transactional_region_files
from planning_lib.analysis.calibration_team import team_and_costs
from planning_lib.analysis.calibration_transactional import (
    deal_channels,
    new_business_deals,
    transactional_plan,
)
from planning_lib.analysis.forecast.baseline import (
    NoChangeBaseline,
    monthly_new_customers,
    no_change_new_customers,
)
from planning_lib.analysis.funnel import (
    ALL,
    funnel_cohorts,
    funnel_conversion,
    leads_by_month,
    stage_lags,
)
from planning_lib.analysis.unit_economics import new_customer_share, new_customers
from planning_lib.core.text_store import label_pair
from planning_lib.core.vocabulary import CHANNELS, SEGMENTS
from planning_lib.data.completion import Note, render_note
from planning_lib.data.tables import OPTIONAL_DEFAULTS
from planning_lib.metrics import window
from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.common import ratio
from planning_lib.metrics.customers import CustomerMatrix, customer_matrix, mrr_bridge_observed
from planning_lib.metrics.transactional import new_customer_deals

__all__ = [
    "BUSINESS_MODELS",
    "DEFAULTS",
    "Calibration",
    "CalibrationError",
    "Source",
    "calibrate",
    "last_complete_month",
    "seasonal_weights",
]

BUSINESS_MODELS = ("subscription", "transactional")
"""Business models ``calibrate`` supports (transactional: from the deals alone,
:mod:`planning_lib.analysis.calibration_transactional`)."""

DEFAULTS: dict[str, Any] = {
    "gross_margin": 0.8,
    "annual_prepay_share": 0.0,
    "payment_delay_months": 0,
    "cash_eur": 0.0,
    "market_growth_rate_yearly": 0.0,
    "min_entered": 30,
    "min_season_months": 24,
    "min_season_volume": 10,
}
"""Documented defaults: values the data cannot give (assumptions to fill in), and the
thresholds of the calibration (``min_entered``: a channel's conversion needs this many
leads in mature cohorts, else the rate of all channels is used; ``min_season_months``:
months of history needed to learn a seasonality, else flat; ``min_season_volume``:
mean leads per month a channel needs for its own lead seasonality, else flat)."""

_NEEDED = ("subscriptions", "leads")
ONE_CHANNEL = str(OPTIONAL_DEFAULTS["deals"]["channel"])
"""The one channel of a calibration from deals that name no channel (an assumption):
the loader's default of the absent column (:func:`planning_lib.data.completion.fill_defaults`)."""
_DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    Attributes:
        as_of: last month of history used.
        values: the complete parameter dict (loads with ``params_from_dict``).
        sources: dotted parameter path (list items by index, ``targets.0.value``) →
            where the value came from.
        baseline: the no-change forecast of new customers.
        regions: region → its region file's dict (empty without regions).
        region_sources: region → dotted path → source.
    """

    as_of: pd.Period
    values: dict[str, Any]
    sources: dict[str, Source]
    baseline: NoChangeBaseline
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    region_sources: dict[str, dict[str, Source]] = field(default_factory=dict)


def last_complete_month(tables: dict[str, pd.DataFrame]) -> pd.Period:
    """The last complete month of the data (:func:`planning_lib.metrics.window.last_complete_month`:
    the month of the latest dated event, created/start dates and closed deals' close dates,
    when that date is the month's last day, else the month before), the one rule of
    ``planning init``, ``forecast`` and ``analyse``."""
    try:
        return window.last_complete_month(tables)
    except ValueError as exc:
        raise CalibrationError(str(exc)) from exc


def _customer_base(subs: pd.DataFrame, as_of: pd.Period, start: pd.Period | None):
    cm = customer_matrix(subs, as_of, start)
    bridge = mrr_bridge_observed(cm)
    last12 = bridge.tail(12)
    if last12.empty:
        raise CalibrationError(f"the subscriptions hold less than two months up to {as_of}")
    return cm, bridge, last12


def _base_values(
    cm: CustomerMatrix, bridge: pd.DataFrame, last12: pd.DataFrame, as_of: pd.Period, src: dict
) -> tuple[dict[str, Any], pd.DataFrame]:
    # the months the history covers (a shorter one: its own months, not the 12-month
    # window): the bridge's months for the rates, the matrix's for the new customers
    win = covered_window(as_of, pd.Period(last12["month"].iloc[0], freq="M").start_time)[0]
    new_span = covered_span(as_of, cm.months[0].start_time)
    end_date = as_of.end_time.date().isoformat()
    clv_f = clv_from_bridge(bridge, DEFAULTS["gross_margin"], 12).iloc[0]
    customers, mrr = int(clv_f["customers_end"]), round(float(clv_f["mrr_end_eur"]), 2)
    src["current.customers"] = Source("init.customers", {"date": end_date})
    src["current.mrr_eur"] = Source("init.mrr", {"date": end_date, "customers": customers})
    src["current.cash_eur"] = Source("init.cash", {}, assumption=True)
    months = {str(m) for m in pd.period_range(as_of - 11, as_of, freq="M")}
    new = new_customers(cm)
    new_w = new[new["month"].isin(months)].reset_index(drop=True)
    n_new = len(new_w)
    if n_new == 0:
        raise CalibrationError(f"no new customers in {win}: nothing to calibrate a plan from")
    churn = float(clv_f["churn_rate_monthly"])
    start_c = int(last12["customers_start"].sum())
    mrr_start = float(last12["mrr_start_eur"].sum())
    expansion = float(ratio(float(last12["expansion_mrr_eur"].sum()), mrr_start))
    contraction = float(ratio(float(last12["contraction_mrr_eur"].sum()), mrr_start))
    arpa_new = float(new_w["first_mrr_eur"].mean())
    churned = int(last12["churned_customers"].sum())
    src["drivers.churn_rate_monthly.start"] = Source(
        "init.churn", {"churned": churned, "customers": start_c, "window": win}
    )
    src["drivers.arpa_monthly_eur"] = Source(
        "init.arpa_new",
        {
            "customers": n_new,
            "window": new_span.label,
            "arpa_base": round(float(clv_f["arpa_eur"]), 2),
        },
    )
    src["drivers.expansion_rate_monthly"] = Source("init.expansion", {"window": win})
    src["drivers.contraction_rate_monthly"] = Source("init.contraction", {"window": win})
    for key in ("gross_margin", "annual_prepay_share", "payment_delay_months"):
        src[f"drivers.{key}"] = Source(f"init.{key}", {}, assumption=True)
    share = new_customer_share(new_w.assign(year=as_of.year), "channel")
    shares = split_exactly(1.0, {str(r.channel): float(r.share) for r in share.itertuples()}, 4)
    # a count per plan year: a history shorter than a year is scaled up to 12 months
    n_year = round(annualised(n_new, new_span.months))
    src["history.new_customers_last_year"] = Source(
        "init.new_customers", {"window": new_span, "count": n_new}
    )
    src["history.new_customer_share_by_source"] = Source(
        "init.new_share", {"window": new_span.label, "count": n_new}
    )
    src["history.clv_eur"] = Source(
        "init.clv", {"window": win, "margin": round(100 * DEFAULTS["gross_margin"])}
    )
    values = {
        "current": {"customers": customers, "mrr_eur": mrr, "reps": {}, "cash_eur": 0.0},
        "history": {
            "new_customers_last_year": n_year,
            "cac_eur": 0.0,
            "clv_eur": round(float(clv_f["clv_eur"]), 2) if pd.notna(clv_f["clv_eur"]) else 0.0,
            "new_customer_share_by_source": shares,
        },
        "drivers": {
            "churn_rate_monthly": {"start": round(churn, 4), "path": "constant"},
            "arpa_monthly_eur": round(arpa_new, 2),
            "expansion_rate_monthly": round(expansion if np.isfinite(expansion) else 0.0, 4),
            "contraction_rate_monthly": round(contraction if np.isfinite(contraction) else 0.0, 4),
            "gross_margin": DEFAULTS["gross_margin"],
            "annual_prepay_share": DEFAULTS["annual_prepay_share"],
            "payment_delay_months": DEFAULTS["payment_delay_months"],
            "new_customers_basis": "target",
        },
    }
    return values, new_w


def _entry_stage(leads: pd.DataFrame) -> str:
    """``mql`` when most of the channel's leads have an MQL date, else ``sql``."""
    return "mql" if leads["mql_date"].notna().mean() >= 0.5 else "sql"


def _channel_order(names: list[str]) -> list[str]:
    known = [c for c in CHANNELS if c in names]
    return known + sorted(n for n in names if n not in CHANNELS)


def _channels(
    leads: pd.DataFrame, as_of: pd.Period, src: dict
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Each channel's parameters and its entry-stage leads in the window (count)."""
    counts = leads_by_month(leads, as_of, "channel")
    # leads per month over the months the leads cover (a history shorter than a year: its
    # own months, not ÷ 12, which would understate the volume)
    first = pd.to_datetime(leads["created_date"], errors="coerce").min()
    win, covered = covered_window(as_of, first)
    conv = funnel_conversion(funnel_cohorts(leads, as_of, ("channel",)), ("channel",), as_of - 11)
    all_rows = conv[conv["channel"] == ALL].set_index("transition")
    months = pd.period_range(leads_by_month(leads, as_of)["month"].min(), as_of, freq="M")
    window = {str(m) for m in pd.period_range(as_of - 11, as_of, freq="M")}
    names = _channel_order(sorted(leads["channel"].dropna().astype(str).unique()))
    out: dict[str, dict[str, Any]] = {}
    volumes: dict[str, float] = {}
    for ch in names:
        mine = leads[leads["channel"].astype(str) == ch]
        entry = _entry_stage(mine)
        c = counts[counts["channel"] == ch].set_index("month")[entry]
        volume = float(c[c.index.isin(window)].sum())
        volumes[ch] = volume
        de, en = label_pair(f"init.channel.{ch}", ch)
        p = f"channels.{ch}"
        item: dict[str, Any] = {"label_de": de, "label_en": en, "lead_share": 0.0}
        item["entry_stage"] = entry
        item["leads_per_month"] = round(volume / covered, 2)
        src[f"{p}.entry_stage"] = Source(f"init.entry_{entry}", {})
        src[f"{p}.leads_per_month"] = Source(
            "init.leads",
            {"stage": entry.upper(), "count": int(volume), "window": win, "months": covered},
        )
        steps = ("mql_to_sql", "sql_to_demo", "demo_to_won")
        rows = conv[conv["channel"] == ch].set_index("transition")
        for step in steps[(0 if entry == "mql" else 1) :]:
            n = int(rows.at[step, "entered"]) if step in rows.index else 0
            # no cohort of any channel in the window: no total row, none entered
            n_all = int(all_rows.at[step, "entered"]) if step in all_rows.index else 0
            if n >= DEFAULTS["min_entered"]:
                rate, conv_n = (
                    float(rows.at[step, "conversion_rate"]),
                    int(rows.at[step, "converted"]),
                )
                src[f"{p}.{step}"] = Source(
                    "init.conversion", {"entered": n, "converted": conv_n, "window": win}
                )
            elif n_all == 0:
                rate = 0.0
                src[f"{p}.{step}"] = Source(
                    "init.conversion_none", {"entered": n, "window": win}, assumption=True
                )
            else:
                rate = float(all_rows.at[step, "conversion_rate"])
                src[f"{p}.{step}"] = Source(
                    "init.conversion_all",
                    {"entered": n, "all": n_all, "window": win},
                    assumption=True,
                )
            item[step] = round(rate, 4)
        lags = stage_lags(mine, as_of).set_index("transition")
        for step in steps[(0 if entry == "mql" else 1) :]:
            days = lags.at[step, "lag_median_days"]
            key = f"lag_{step}_months"
            item[key] = round(float(days) / _DAYS_PER_MONTH) if pd.notna(days) else 0
            src[f"{p}.{key}"] = Source(
                "init.lag",
                {
                    "days": 0 if pd.isna(days) else float(days),
                    "count": int(lags.at[step, "converted"]),
                },
            )
        series = c.reindex([str(m) for m in months], fill_value=0)
        series.index = months
        weights = seasonal_weights(series.astype(float), DEFAULTS["min_season_months"])
        mean = float(series.mean())
        item["leads_seasonality"] = "flat"
        if mean < DEFAULTS["min_season_volume"]:
            src[f"{p}.leads_seasonality"] = Source(
                "init.season_few_leads", {"mean": round(mean, 1)}, assumption=True
            )
        elif weights is None:
            src[f"{p}.leads_seasonality"] = Source(
                "init.season_flat", {"months": len(months)}, assumption=True
            )
        else:
            item["leads_seasonality"] = weights
            src[f"{p}.leads_seasonality"] = Source("init.season_leads", {"months": len(months)})
        out[ch] = item
    shares = split_exactly(1.0, volumes, 4)
    for ch, item in out.items():
        item["lead_share"] = float(shares[ch])
        src[f"channels.{ch}.lead_share"] = Source("init.lead_share", {"window": win})
    return out, volumes


def _deals_dated(deals: pd.DataFrame) -> bool:
    """The deals can stand in for the leads: they carry stage, created and close dates."""
    return len(deals) > 0 and {"stage", "created_date", "close_date"} <= set(deals.columns)


def _deal_channels(
    deals: pd.DataFrame, as_of: pd.Period, src: dict
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Channels from the deals when the data has no leads table: each channel's deals of
    prospects created per month enter as SQL (``leads_per_month``), their win rate is
    ``demo_to_won`` (:func:`planning_lib.analysis.calibration_transactional.deal_channels`).
    Deals naming no channel at all (the column absent, or filled by the loader's default)
    make one channel :data:`ONE_CHANNEL`, marked as an assumption."""
    new = new_business_deals(deals)
    names = new["channel"] if "channel" in new.columns else pd.Series("", index=new.index)
    named = bool((names.fillna("").astype(str).str.strip() != "").any())
    filled = Note("default", "channel", len(deals), ONE_CHANNEL, "why_channel")
    loaded = {render_note(filled, lang) for lang in ("en", "de")}
    if loaded & set(deals.attrs.get("notes", [])):  # the loader filled the absent column
        named = False
    if not named:
        new = new.assign(channel=ONE_CHANNEL)
    channels, volumes = deal_channels(new, as_of, DEFAULTS["min_entered"], src)
    if not named:
        src[f"channels.{ONE_CHANNEL}.lead_share"] = Source("init.one_channel", {}, assumption=True)
    return channels, volumes


def _segments(subs: pd.DataFrame) -> list[str]:
    present = set(subs["segment"].dropna().astype(str)) if "segment" in subs.columns else set()
    return [s for s in SEGMENTS if s in present] + sorted(present - set(SEGMENTS))


def calibrate(
    tables: dict[str, pd.DataFrame],
    as_of: pd.Period | str | None = None,
    business_model: str = "subscription",
    company_name: str = "",
    with_regions: bool = False,
) -> Calibration:
    """The parameters of a no-change plan calibrated from the history (module docstring).

    Args:
        tables: canonical tables (``subscriptions`` and ``leads`` needed, or instead of
            the leads ``deals`` with stage, created and close dates: the channels then
            come from the deals; ``deals``, ``costs``, ``headcount`` used when present).
        as_of: last month of history (default: :func:`last_complete_month`).
        business_model: ``subscription`` (subscriptions and leads or deals needed) or
            ``transactional`` (deals needed).
        company_name: the company's name (empty: an assumption to fill in).
        with_regions: also calibrate one region file per region of the data.

    Raises:
        CalibrationError: an unsupported business model, a missing table, or a history
            without customers or new customers up to ``as_of``.
    """
    if business_model not in BUSINESS_MODELS:
        raise CalibrationError(
            f"business model {business_model!r} is not supported yet by planning init "
            f"(supported: {', '.join(BUSINESS_MODELS)})"
        )
    if business_model == "transactional":
        if "deals" not in tables:
            raise CalibrationError("planning init of a transactional business needs deals")
        as_of_t = pd.Period(as_of, freq="M") if as_of is not None else last_complete_month(tables)
        values, src, base = transactional_plan(tables, as_of_t, company_name, DEFAULTS)
        out_t = Calibration(as_of=as_of_t, values=values, sources=src, baseline=base)
        if with_regions:
            out_t.regions, out_t.region_sources = transactional_region_files(
                tables, values, as_of_t
            )
            values["company"]["regions"] = sorted(out_t.regions)
        return out_t
    deals = tables.get("deals", pd.DataFrame())
    missing = [t for t in _NEEDED if t not in tables]
    if missing == ["leads"] and _deals_dated(deals):
        missing = []  # channels and conversions from the deals (_deal_channels)
    if missing:
        need = ", ".join("leads (or deals)" if t == "leads" else t for t in missing)
        raise CalibrationError(f"planning init needs the table(s) {need}")
    as_of_m = pd.Period(as_of, freq="M") if as_of is not None else last_complete_month(tables)
    subs, leads = tables["subscriptions"], tables.get("leads", pd.DataFrame())
    plan_start = (as_of_m + 1).start_time.date()
    deadline = ((as_of_m + 12).end_time).date()
    src: dict[str, Source] = {}
    cm, bridge, last12 = _customer_base(subs, as_of_m, history_start(deals, leads))
    values, new_w = _base_values(cm, bridge, last12, as_of_m, src)
    # new customers by their first won deal; customers the subscriptions show as
    # customers before it (the export began after them) are not new there
    dated = {"stage", "close_date"} <= set(deals.columns)
    basis_table = new_customer_deals(deals, subs) if dated else subs
    whole = deals if dated else None  # the whole export: where it begins, its repeats
    baseline = no_change_new_customers(basis_table, plan_start, whole=whole)
    history_m = monthly_new_customers(basis_table, plan_start, whole=whole)
    season = seasonal_weights(history_m, DEFAULTS["min_season_months"])
    values["drivers"]["seasonality"] = season
    src["drivers.seasonality"] = (
        Source("init.season_new", {"months": len(history_m), "source": baseline.source})
        if season is not None
        else Source("init.season_flat", {"months": len(history_m)}, assumption=True)
    )
    regions = sorted(set(subs["region"].dropna().astype(str))) if "region" in subs else []
    values = {
        "company": {
            "name": company_name or "Meine Firma",
            "currency": "EUR",
            "locale": "de",
            "plan_start": plan_start,
            "horizon_months": 12,
            "regions": regions if with_regions else [],
            "products": sorted(set(subs["product"].dropna().astype(str)))
            if "product" in subs
            else [],
            "segments": _segments(subs),
        },
        **values,
    }
    src["company.name"] = Source("init.name", {}, assumption=not company_name)
    src["company.plan_start"] = Source("init.plan_start", {"as_of": str(as_of_m)})
    values["market"] = {"growth_rate_yearly": DEFAULTS["market_growth_rate_yearly"]}
    src["market"] = Source("init.market", {}, assumption=True)
    expected = round(baseline.expected)
    values["forecast_no_change_new_customers"] = expected
    fsrc = {
        "expected": expected,
        "p10": round(baseline.p10),
        "p90": round(baseline.p90),
        "months": len(history_m),
        "source": baseline.source,
    }
    src["forecast_no_change_new_customers"] = Source("init.baseline", fsrc)
    values["targets"] = [
        no_change_target(expected, deadline, values["history"]["new_customers_last_year"]),
        {
            "code": "churn",
            "metric": "churn_rate_monthly",
            "value": values["drivers"]["churn_rate_monthly"]["start"],
            "unit": "share",
            "deadline": deadline,
            "baseline": values["drivers"]["churn_rate_monthly"]["start"],
            "direction": "at_most",
            "description_de": "Churn-Rate halten",
            "description_en": "Hold the churn rate",
        },
    ]
    src["targets.0.value"] = Source("init.target_new", fsrc, assumption=True)
    src["targets.1.value"] = Source("init.target_churn", {}, assumption=True)
    values["drivers"]["new_customers_basis"] = "target"
    src["drivers.new_customers_basis"] = Source("init.basis", {})
    if "leads" in tables:
        values["channels"], volumes = _channels(leads, as_of_m, src)
    else:
        values["channels"], volumes = _deal_channels(deals, as_of_m, src)
        shares = values["history"]["new_customer_share_by_source"]
        if set(shares) - set(values["channels"]):
            # the subscriptions name channels the deals do not: the share by the deals' own
            # first wins is unknown here, so the channels' lead shares stand in
            values["history"]["new_customer_share_by_source"] = {
                ch: item["lead_share"] for ch, item in values["channels"].items()
            }
            src["history.new_customer_share_by_source"] = Source(
                "init.new_share_leads", {}, assumption=True
            )
    team = team_and_costs(tables, as_of_m, new_w, volumes, src)
    values["current"]["reps"] = team.reps
    values["history"]["cac_eur"] = team.cac_eur
    values["organisation"] = team.organisation
    values["compensation"] = team.compensation
    values["budget"] = team.budget
    for ch, cpl in team.cost_per_lead.items():
        if ch in values["channels"]:
            values["channels"][ch]["cost_per_lead_eur"] = cpl
    values["personas"] = []
    src["personas"] = Source("init.personas", {}, assumption=True)
    out = Calibration(as_of=as_of_m, values=values, sources=src, baseline=baseline)
    if with_regions and regions:
        out.regions, out.region_sources = region_files(tables, values, cm, new_w, as_of_m)
    return out
