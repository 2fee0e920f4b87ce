"""Phase 1 (``01_ist_analyse``): history, funnel, unit economics, market, forecast, findings."""

from __future__ import annotations

from typing import Unpack

import pandas as pd

from planning_lib.analysis.asis import (
    Analysis,
    analysis_year,
    default_as_of,
    figure_periods,
    run_analysis,
)
from planning_lib.analysis.findings import generate_findings
from planning_lib.data.loaders import load_dataset
from planning_lib.metrics.transactional import region_customer_deals
from planning_lib.present import charts
from planning_lib.present.analysis_finding_texts import findings_frame
from planning_lib.present.labels import partial_month_line, warm_up_line
from planning_lib.present.views import ist_analyse as views
from planning_lib.run.catalog import FINDINGS_TABLE, step
from planning_lib.run.phase import COMPANY, Phase, PhaseParameters, open_phase
from planning_lib.run.phases.ist_analyse_sales import (
    HISTORY_TABLES,
    sales_phase,
    show_funnel,
    show_market,
    show_missing_tables,
    show_no_change_forecast,
    show_target_basis,
)

__all__ = ["phase_01_ist_analyse"]

STEP = step("01")


def phase_01_ist_analyse(**params: Unpack[PhaseParameters]) -> Phase:
    """Where the region stands and where it goes without change; saves the analysis.

    Returns:
        The phase: ``tables`` and ``figures`` hold what it wrote.
    """
    ph = open_phase(STEP.code, **params, needs_region_rows=True, keep_company_deals=True)
    locale = ph.locale
    if "deals" not in ph.history:  # only actuals/ (or no deals): nothing to analyse yet
        return _without_history(ph)
    analysis = run_analysis(
        ph.history,
        ph.params,
        locale=locale,
        purchase_deals=_region_purchase_deals(ph),
        region=ph.region,
    )
    ph.save_analysis(analysis)
    if "revenue_monthly" not in analysis.tables:  # no subscriptions: the deals' sales view
        return sales_phase(ph, analysis, STEP.stem)
    ph.say("01.title", region=ph.region, as_of=ph.fmt(str(analysis.as_of), "month"))
    show_missing_tables(ph)

    # Umsatz und MRR der letzten Jahre
    fig_mrr = views.monthly_history(analysis.tables["revenue_monthly"], "mrr_end_eur")
    ph.chart(
        charts.line_chart(
            fig_mrr.to_frame(ph.t("01.mrr")), locale=locale, title=ph.t("01.mrr_title"), unit="eur"
        ),
        "mrr_history",
    )
    fig = analysis.figures
    ph.say(
        "01.mrr_text",
        **views.mrr_text_periods(analysis),
        as_of=ph.fmt(str(analysis.as_of), "month"),
        mrr=ph.fmt(fig["mrr_end_eur"], "eur"),
        customers=ph.fmt(fig["customers_end"], "count"),
        yoy=ph.fmt(fig["revenue_yoy"], "share"),
        cagr=ph.fmt(fig["revenue_cagr"], "share"),
    )
    ph.table(views.history_yearly(analysis.tables["revenue_yearly"]), "history_yearly", "01.yearly")
    for dim in ("segment", "channel", "product"):
        by_dim = views.monthly_by(analysis.tables["revenue_monthly"], dim, "mrr_end_eur")
        ph.chart(
            charts.stacked_bar_chart(
                ph.labelled(by_dim.iloc[-12:], dim), locale=locale, title=ph.t(f"01.mrr_by_{dim}")
            ),
            f"mrr_by_{dim}",
        )
    ph.say("01.mrr_by_text")

    # Funnel der letzten 12 Monate (mit der Tabelle leads)
    if "leads_by_month" in analysis.tables:
        show_funnel(ph, analysis)
    ph.table(analysis.tables["deal_metrics_channel"], "deal_metrics", "01.deal_metrics")

    # Unit Economics: Neukunden, CAC (mit der Tabelle costs), CLV
    unit = {
        "year": analysis.year,
        "new": ph.fmt(fig["new_customers"], "count"),
        "clv": ph.fmt(fig["clv_formula_eur"], "eur"),
        "churn": ph.fmt(fig["logo_churn_rate"], "share"),
        # the MRR bridge's months of the CLV and churn (figure_periods names them)
        "window": figure_periods(analysis)["logo_churn_rate"] or "–",
    }
    if "cac" in analysis.tables:
        cac_year = analysis.tables["cac"][analysis.tables["cac"]["year"] == analysis.year]
        ph.table(cac_year, "cac", "01.cac")
        ph.table(analysis.tables["clv"], "clv", "01.clv")
        ph.say(
            "01.unit_text",
            cac=ph.fmt(fig["cac_stated_eur"], "eur"),
            cac_full=ph.fmt(fig["cac_fully_loaded_eur"], "eur"),
            **unit,
        )
    else:
        ph.table(analysis.tables["clv"], "clv", "01.clv")
        ph.say("01.unit_text_no_cac", **unit)

    # Markt und Wettbewerb
    if show_market(ph, analysis):
        ph.say("01.market_text")

    # Prognose ohne Änderungen: Neukunden pro Monat (erster gewonnener Deal je Kunde)
    months = views.monthly_history(analysis.tables["revenue_monthly"], "won_deals").index
    new = views.new_customer_history(ph.history["deals"], months, ph.history.get("subscriptions"))
    # the months the plan's no-change baseline rests on (init): the export's whole deals
    # say where it begins and how often customers buy again
    whole = ph.company_deals
    if whole is None:  # the company's history, or a region's read from the cache
        whole = ph.history["deals"] if ph.region == COMPANY else load_dataset(ph.data_path)["deals"]
    new, part, warm = views.without_export_start(new, whole)
    forecast = show_no_change_forecast(ph, new, "01.forecast", "forecast_new_customers")
    if part is not None:
        ph.say("01.window_note", text=partial_month_line(part, locale))
    if warm is not None:
        ph.say("01.window_note", text=warm_up_line(warm, locale))
    show_target_basis(ph, float(forecast["mean"].sum()))

    # Befunde
    ph.table(findings_frame(generate_findings(analysis), locale), FINDINGS_TABLE, "01.findings")
    ph.key_figures(
        STEP.stem,
        history_customers=fig["customers_end"],
        history_mrr=fig["mrr_end_eur"],
        history_new_customers_last_year=fig["new_customers"],
        forecast_new_customers=float(forecast["mean"].sum()),
    )
    return ph


def _region_purchase_deals(ph: Phase) -> pd.DataFrame | None:
    """For a region's deals-only history: its customers' deals of every region
    (:func:`planning_lib.metrics.transactional.region_customer_deals`, read from the
    whole data folder, as read once with the history; read here only when the history
    came from the cache), so the region's deal size per new customer is measured on the
    customers its plan counts as new (shown for information beside the plan's, the
    company's). None for the company, with subscriptions (the full view shows no deal
    size per new customer) or without a region column."""
    h = ph.history
    if ph.region == COMPANY or "subscriptions" in h or "region" not in h.get("deals", {}):
        return None
    deals = ph.company_deals
    if deals is None:
        deals = load_dataset(ph.data_path)["deals"]
    return region_customer_deals(deals, ph.region)


def _without_history(ph: Phase) -> Phase:
    """Phase 1 of a data folder without the table ``deals`` before the plan start (e.g.
    only ``actuals/`` of the first plan year): one note says what cannot be shown and why;
    an empty analysis (as of the month before the plan start, every part listed as skipped)
    is saved so the later phases run from the plan alone."""
    as_of = default_as_of(ph.params)
    missing = tuple(t for t in ("deals", *HISTORY_TABLES) if t not in ph.history)
    ph.save_analysis(
        Analysis(as_of=as_of, year=analysis_year(as_of), skipped=[("history", missing)])
    )
    ph.say("01.title", region=ph.region, as_of=ph.fmt(str(as_of), "month"))
    ph.say("01.no_history")
    return ph
