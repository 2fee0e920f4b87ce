"""Phase 1 without subscriptions: the sales view of the deals, and what the missing tables skip.

The notes on missing tables (:func:`show_missing_tables`), the lead funnel
(:func:`show_funnel`) and the no-change forecast (:func:`show_no_change_forecast`) are
shared with the full view of :mod:`planning_lib.run.phases.ist_analyse`. The sales view is
called by :func:`planning_lib.run.phases.ist_analyse.phase_01_ist_analyse` when the
region's history has no ``subscriptions`` (a company that brings only its deals): a
short note per missing table, bookings and won deals per month, win rate, deal size
and cycle per region, product and owner, the lead funnel when ``leads`` is there, the
open pipeline, a no-change forecast of
won deals and the findings (including one line per skipped part).
"""

from __future__ import annotations

import pandas as pd

from planning_lib.analysis.asis import Analysis, figure_periods, window_months
from planning_lib.analysis.findings import generate_findings
from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.core.config import load_params
from planning_lib.present import charts
from planning_lib.present.analysis_finding_texts import (
    deal_sizes_text,
    findings_frame,
    purchase_basis_values,
)
from planning_lib.present.labels import forecast_model_label
from planning_lib.present.views import ist_analyse as views
from planning_lib.run.catalog import FINDINGS_TABLE
from planning_lib.run.phase import COMPANY, Phase

__all__ = [
    "HISTORY_TABLES",
    "sales_phase",
    "show_funnel",
    "show_market",
    "show_missing_tables",
    "show_no_change_forecast",
    "show_target_basis",
]

HISTORY_TABLES = {
    "subscriptions": "01.no_subscriptions",
    "leads": "01.no_leads",
    "costs": "01.no_costs",
}
"""Tables of the history besides deals → the note shown when the table is missing."""


def show_missing_tables(ph: Phase) -> None:
    """One short note per table of :data:`HISTORY_TABLES` missing from the region's history."""
    for table, note in HISTORY_TABLES.items():
        if table not in ph.history:
            ph.say(note)


def show_funnel(ph: Phase, analysis: Analysis) -> None:
    """The lead funnel of the last 12 months (needs ``leads``): the stage counts, the
    funnel chart per channel, the cohort conversion per channel and its sentence."""
    funnel = ph.table(
        views.funnel_last_12_months(analysis.tables["leads_by_month"]), "funnel_12m", "01.funnel"
    )
    per_channel = views.funnel_by_channel(funnel)
    per_channel.index = [ph.name(c) for c in per_channel.index]
    per_channel.columns = [ph.t(f"stage.{s}") for s in per_channel.columns]
    ph.chart(
        charts.channel_funnels_chart(per_channel, locale=ph.locale, title=ph.t("01.funnel_chart")),
        "funnel",
    )
    ph.table(analysis.tables["funnel_conversion_channel"], "conversion", "01.conversion")
    ph.say("01.funnel_text")


def show_market(ph: Phase, analysis: Analysis) -> bool:
    """Write the market, competitor and SWOT tables; show those the plan fills.

    The market table is shown when the plan's ``market`` gives a volume or a growth other
    than 0, the competitors and the SWOT when it lists any. When none is shown, the note
    ``01.no_market`` says so (rather than empty tables and a growth of "0,0 %").

    Returns:
        whether any of the three tables was shown.
    """
    market = ph.params.market
    shown = {
        "market": market.size_eur_yearly is not None or market.growth_rate_yearly != 0,
        "competitors": not analysis.tables["competitors"].empty,
        "swot": not analysis.tables["swot"].empty,
    }
    for name, show in shown.items():
        ph.table(analysis.tables[name], name, f"01.{name}", show=show)
    if not any(shown.values()):
        ph.say("01.no_market")
    return any(shown.values())


def show_no_change_forecast(ph: Phase, history: pd.Series, key: str, chart: str) -> pd.DataFrame:
    """Forecast ``history`` over the phase's horizon and show it: the chart ``chart`` titled
    ``<key>_title``, the table ``forecast`` titled ``<key>``, the sentence ``<key>_text``.

    The point forecast is the mean (``point="mean"``), as in init's no-change baseline
    (:func:`planning_lib.analysis.forecast.baseline.no_change_new_customers`) and
    ``planning forecast``: the sentence sums the months over the plan period, and a sum of
    means is the mean of the sum (a sum of medians is no median of anything). With the
    median the trial company's page said about 296 new customers without changes while its
    plan, from the same months, rests on 330."""
    forecast = auto_forecast(history, ph.horizon, point="mean")
    ph.chart(
        charts.forecast_chart(
            history,
            forecast,
            locale=ph.locale,
            title=ph.t(f"{key}_title"),
            history_label=ph.t("label.actual"),
            forecast_label=ph.t("label.forecast"),
        ),
        chart,
    )
    # the model is named once in the sentence below, not on every row
    ph.table(forecast.rename_axis("month").reset_index(), "forecast", key, hide=("model",))
    ph.say(
        f"{key}_text",
        mean=ph.fmt(forecast["mean"].sum(), "count"),
        model=forecast_model_label(str(forecast["model"].iloc[0]), ph.locale),
    )
    return forecast


def show_target_basis(ph: Phase, own_new_customers: float | None = None) -> None:
    """A region's phase 1: beside its own no-change forecast, the basis its new-customer
    target rests on, labelled as such: its part of the company's no-change baseline
    (``forecast_no_change_new_customers`` of the region file against the base file's),
    with the share it was split by (its new customers of last year against the
    company's). ``planning init --regions`` splits the company's baseline by that share
    so that the region files add up to the base; the region's own series forecast does
    not add up (each region's series picks its own model), so it is shown, named as the
    region's own, and the target's figure is the part. ``own_new_customers``: the own
    forecast's new customers (the full view), None for the sales view (won deals).
    Nothing for the company or a plan without a no-change figure."""
    part = ph.params.forecast_no_change_new_customers
    if ph.region == COMPANY or ph.config_path is None or part is None:
        return
    company = load_params(ph.config_path)
    total = company.forecast_no_change_new_customers
    if total is None:
        return
    hist = ph.params.history.new_customers_last_year
    hist_total = company.history.new_customers_last_year
    values = {
        "part": ph.fmt(part, "count"),
        "total": ph.fmt(total, "count"),
        "share": ph.fmt(hist / hist_total if hist_total else float("nan"), "share"),
        "hist": ph.fmt(hist, "count"),
        "hist_total": ph.fmt(hist_total, "count"),
    }
    if own_new_customers is None:
        ph.say("01.forecast_won_basis", **values)
    else:
        ph.say("01.forecast_basis", own=ph.fmt(own_new_customers, "count"), **values)


def sales_phase(ph: Phase, analysis: Analysis, stem: str) -> Phase:
    """Show the sales view of ``analysis`` (see the module) in the phase ``ph``."""
    locale, fig = ph.locale, analysis.figures
    ph.say("01.title", region=ph.region, as_of=ph.fmt(str(analysis.as_of), "month"))
    show_missing_tables(ph)

    # Auftragseingang und gewonnene Deals je Monat
    bookings = analysis.tables["bookings_monthly"]
    booked = views.bookings_history(bookings, "bookings_eur")
    ph.chart(
        charts.line_chart(
            booked.to_frame(ph.t("01.bookings")),
            locale=locale,
            title=ph.t("01.bookings_title"),
            unit="eur",
        ),
        "bookings_history",
    )
    months = window_months(analysis)  # fewer than 12 in a shorter history
    window = f"{analysis.as_of - (months - 1)}..{analysis.as_of}"
    ph.say(
        "01.bookings_text",
        year=analysis.year,
        bookings=ph.fmt(fig["bookings_eur"], "eur"),
        won=ph.fmt(fig["won_deals"], "count"),
        window=window,
        months=months,
        bookings_12m=ph.fmt(fig["bookings_eur_12m"], "eur"),
        won_12m=ph.fmt(fig["won_deals_12m"], "count"),
        win_rate=ph.fmt(fig["win_rate"], "share"),
        cycle=ph.fmt(fig["cycle_median_days"], "count"),
        deal_sizes=deal_sizes_text(
            fig.get("new_customer_deal_size_eur", float("nan")),
            figure_periods(analysis).get("new_customer_deal_size_eur", ""),
            fig["avg_deal_size_eur"],
            window,
            locale,
            region=analysis.region,
            plan_eur=analysis.plan_deal_size_eur,
            basis_follows="new_customer_deal_size_eur" in fig,  # "zur Information" said once
        ),
    )
    if "new_customer_deal_size_eur" in fig:  # the same values and basis as planning init
        key, values = purchase_basis_values(fig, analysis.as_of, locale, analysis.region)
        ph.say(key, **values)
    ph.table(views.bookings_yearly(bookings), "bookings_yearly", "01.bookings_yearly")
    for name, title in (
        ("deal_metrics_region", "01.deal_metrics_region"),
        ("deal_metrics_product", "01.deal_metrics_product"),
        ("deal_metrics_owner", "01.deal_metrics_owner"),
        ("deal_metrics_channel", "01.deal_metrics"),
    ):
        if name in analysis.tables:
            ph.table(_without_zero_mrr(analysis.tables[name]), name, title)
    if "sales_reps" in analysis.tables:
        ph.table(_without_zero_mrr(analysis.tables["sales_reps"]), "sales_reps", "01.sales_reps")
    if "leads_by_month" in analysis.tables:  # the leads' funnel, when they are there
        show_funnel(ph, analysis)

    # Offene Pipeline, gewichtet mit den Abschlusswahrscheinlichkeiten der Stufen
    ph.table(analysis.tables["open_pipeline"], "open_pipeline", "01.open_pipeline")
    ph.say(
        "01.open_pipeline_text",
        open=ph.fmt(fig["open_deals"], "count"),
        amount=ph.fmt(fig["open_pipeline_eur"], "eur"),
        weighted=ph.fmt(fig["open_pipeline_weighted_eur"], "eur"),
    )

    # Markt und Wettbewerb (aus dem Plan), nur was der Plan nennt
    show_market(ph, analysis)

    # Prognose ohne Änderungen: gewonnene Deals pro Monat
    won = views.bookings_history(bookings, "won_deals")
    forecast = show_no_change_forecast(ph, won, "01.forecast_won", "forecast_won_deals")
    show_target_basis(ph)

    # Befunde, mit den übersprungenen Teilen
    ph.table(findings_frame(generate_findings(analysis), locale), FINDINGS_TABLE, "01.findings")
    ph.key_figures(
        stem,
        history_bookings_last_year=fig["bookings_eur"],
        history_won_deals_last_year=fig["won_deals"],
        history_bookings_last_12_months=fig["bookings_eur_12m"],
        history_won_deals_last_12_months=fig["won_deals_12m"],
        forecast_won_deals=float(forecast["mean"].sum()),
    )
    return ph


def _without_zero_mrr(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its new-MRR column when no deal carries MRR (one-off sales).

    A business without subscriptions has ``mrr_eur`` 0 on every deal; a column "Ø neuer
    MRR 0" on every row says nothing and reads like a subscription figure.
    """
    column = "avg_new_mrr_eur"
    if column in frame and not frame[column].fillna(0.0).abs().gt(0).any():
        return frame.drop(columns=column)
    return frame
