"""Phase 7 (``07_controlling``): KPIs of the actuals, plan vs actual, rules, rolling landing."""

from __future__ import annotations

from pathlib import Path
from typing import Unpack

from planning_lib.controlling import deals_controlling as deals_pva
from planning_lib.controlling import plan_vs_actual as controlling
from planning_lib.controlling.actuals_folder import CONTROLLING_TABLES, LayoutError, check_actuals
from planning_lib.controlling.landing import rolling_landing
from planning_lib.controlling.plan_view import PlanView
from planning_lib.controlling.rules import evaluate_rules
from planning_lib.present import charts
from planning_lib.present.views import controlling as views
from planning_lib.run.catalog import step
from planning_lib.run.phase import COMPANY, Phase, PhaseParameters, load_region_tables, open_phase

__all__ = ["phase_07_controlling"]

STEP = step("07")


def phase_07_controlling(**params: Unpack[PhaseParameters]) -> Phase:
    """The plan year's actuals against phase 2's plan: status, gaps, effects, rules, landing.

    Returns:
        The phase: ``tables`` and ``figures`` hold what it wrote.
    """
    ph = open_phase(STEP.code, **params)
    locale = ph.locale
    missing = [t for t in CONTROLLING_TABLES if t not in ph.actuals]
    if missing and "deals" in ph.actuals:  # deals without the other tables: the deal figures
        return _deals_controlling(ph)
    if missing:  # before the plan year (or some tables missing): a note instead of an error
        key = "07.no_actuals" if len(missing) == len(CONTROLLING_TABLES) else "07.partial_actuals"
        ph.say(key, region=ph.region, tables=", ".join(missing))
        return ph
    try:
        check_actuals(ph.actuals, Path(ph.data_path) / "actuals", ph.params.company.plan_start)
    except LayoutError:
        start = ph.fmt(ph.params.company.plan_start, "month")
        ph.say("07.no_plan_year_actuals", region=ph.region, start=start)
        return ph
    monthly, summary = ph.load_plan()
    plan = PlanView.from_params(monthly, ph.params)
    ctx = controlling.context_for(ph.params, ph.actuals, plan=plan)
    ph.say("07.title", region=ph.region, as_of=ph.fmt(ctx.as_of, "month"))

    # KPIs der Ist-Daten je Monat
    ph.table(views.actual_kpis(ph.actuals, ctx), "kpis", "07.kpis")

    # Soll-Ist-Vergleich mit Status
    variance = controlling.plan_vs_actual(ph.actuals, ctx, plan, grains=("month", "ytd"))
    since = _since(ph)
    status = ph.table(views.variance_table(variance), "variance", f"07.variance{since}")
    new = views.plan_actual_monthly(variance, "new_customers")
    new.columns = [ph.t("label.plan"), ph.t("label.actual")]
    ph.chart(charts.line_chart(new, locale=locale, title=ph.t("07.pva_chart")), "plan_vs_actual")
    ph.say(
        f"07.variance_text{since}",
        off=int((status["status"] == "off_track").sum()),
        total=len(status),
    )

    # Lücke je Kanal: Plan nie finanziert (Plan − Funnel-Plan) oder Umsetzung (Funnel-Plan − Ist)
    split = ph.table(views.execution_split(variance), "execution", "07.execution")
    by_channel = split.set_index("channel")
    widest = views.execution_widest(split)
    if widest is None:  # no new customers in plan or actuals: nothing to split
        ph.say("07.execution_none")
    else:
        total = by_channel.loc["total"]
        ph.say(
            "07.execution_text",
            gap=ph.fmt(total["plan"] - total["actual"], "count"),
            planning=ph.fmt(total["gap_planning"], "count"),
            execution=ph.fmt(total["gap_execution"], "count"),
            channel=ph.name(widest),
            att=ph.fmt(by_channel.loc[widest, "attainment"], "share"),
            att_x=ph.fmt(by_channel.loc[widest, "attainment_execution"], "share"),
        )

    # MRR-Brücke: Startbasis, Neu-MRR, Expansion, Kontraktion, Abwanderung
    bridge = ph.table(
        controlling.mrr_variance_bridge(ph.actuals, ctx, plan), "mrr_bridge", "07.mrr_bridge"
    )
    var = bridge.set_index("component")["variance_eur"]
    ph.say("07.mrr_bridge_text", **{k: ph.fmt(v, "eur") for k, v in var.items()})

    # Abweichung zerlegt: Preis-, Mengen- und Mixeffekt
    effects = controlling.revenue_effects(ph.actuals, ctx, plan, ph.history)
    ph.table(effects, "effects", "07.effects")
    ph.say("07.effects_text")

    # Anpassungsregeln: ausgelöste Maßnahmen
    actions = evaluate_rules(list(ph.params.rules), ph.actuals, ctx, plan)
    triggered = ph.table(views.actions_table(actions, locale), "actions", "07.actions")
    ph.say("07.actions_text", n=int(triggered["triggered"].sum()), total=len(triggered))
    ph.table(views.rule_evidence_table(actions), "rule_evidence", "07.evidence")
    ph.say("07.evidence_text")

    # Hochrechnung zum Jahresende (rollierende Prognose)
    if "leads" not in ph.history:  # the leads then come from the actual months' run-rate
        ph.say("07.no_lead_history")
    landing = rolling_landing(ph.params, ph.actuals, ctx, summary, ph.history, plan)
    figures = ph.table(views.landing_table(landing), "landing", "07.landing")
    ph.table(views.landing_targets(landing), "landing_targets", "07.landing_targets")
    row = figures.set_index("figure").loc["new_customers"]
    ph.say(
        "07.landing_text",
        actual=ph.fmt(row["actual_to_date"], "count"),
        landing=ph.fmt(row["landing"], "count"),
        plan=ph.fmt(row["plan"], "count"),
    )
    ph.table(landing["path"], "landing_path", "07.landing_path", show=False)
    path = views.landing_path_cumulative(landing["path"], "new_customers")
    path.columns = [ph.t("label.plan"), ph.t("07.landing_line")]
    ph.chart(
        charts.line_chart(
            path, locale=locale, title=ph.t("07.landing_chart"), styles={path.columns[1]: "--"}
        ),
        "landing",
    )
    ph.key_figures(STEP.stem, landing_new_customers=float(row["landing"]))
    return ph


def _since(ph: Phase) -> str:
    """Key suffix of the YTD texts: "seit Jahresbeginn" for a plan year starting in
    January, else "seit Planbeginn" (``_plan``)."""
    return "" if ph.params.company.plan_start.month == 1 else "_plan"


def _deals_controlling(ph: Phase) -> Phase:
    """Plan vs actual from the deals alone (a deals-only or transactional company):
    bookings, won deals, deal size, win rate (and new vs repeat bookings), the landing
    on bookings; one note per part the missing tables would enable."""
    deals = ph.actuals["deals"]
    if not deals_pva.closed_in_plan_year(deals, ph.params.company.plan_start):
        start = ph.fmt(ph.params.company.plan_start, "month")
        ph.say("07.no_plan_year_actuals", region=ph.region, start=start)
        return ph
    as_of = deals_pva.deals_as_of(deals)
    if as_of < ph.params.company.plan_start:  # the plan year's first month still runs
        ph.say("07.no_complete_month", region=ph.region, as_of=ph.fmt(as_of, "month"))
        return ph
    monthly, _summary = ph.load_plan()
    plan = PlanView.from_params(monthly, ph.params)
    ph.say("07.deals_title", region=ph.region, as_of=ph.fmt(as_of, "month"))
    for _table, part in deals_pva.skipped_parts(ph.actuals):
        ph.say(f"07.skipped.{part}")
    ph.say("07.skipped.rules")
    unused = deals_pva.unused_tables(ph.actuals)
    if unused:
        ph.say("07.skipped.unused", tables=", ".join(unused))

    # Soll-Ist der Deal-Kennzahlen je Monat und seit Jahresbeginn
    history, company_deals = ph.history.get("deals"), None
    if ph.region != COMPANY:  # who is a customer: decided company-wide (regions add up)
        history = load_region_tables(ph.data_path, COMPANY).get("deals")
        company_deals = load_region_tables(ph.data_path / "actuals", COMPANY)["deals"]
    variance = deals_pva.deals_plan_vs_actual(
        deals, as_of, plan, history, company_deals=company_deals
    )
    ph.table(views.deals_monthly_table(variance), "deals_monthly", "07.deals_monthly", show=False)
    since = _since(ph)
    status = ph.table(views.deals_variance_table(variance), "deals_status", f"07.variance{since}")
    booked = status.set_index("kpi").loc["bookings"]
    ph.say(
        f"07.deals_variance_text{since}",
        off=int((status["status"] == "off_track").sum()),
        total=len(status),
        actual=ph.fmt(booked["actual"], "eur"),
        plan=ph.fmt(booked["plan"], "eur"),
    )
    unknown = list(status.loc[status["status"] == "no_history", "kpi"])
    if unknown:  # the data folder's deals (who bought before the plan start) are missing
        kf = [f"kf.{'win_rate_new' if k == 'win_rate' else k}" for k in unknown]
        ph.say("07.no_history", figures=", ".join(ph.t(k) for k in kf))
    elif "bookings_repeat" in set(status["kpi"]):
        ph.say("07.repeat_text")
    monthly_b = views.plan_actual_monthly(variance, "bookings")
    monthly_b.columns = [ph.t("label.plan"), ph.t("label.actual")]
    ph.chart(
        charts.line_chart(monthly_b, locale=ph.locale, title=ph.t("07.deals_pva_chart")),
        "plan_vs_actual",
    )

    # Hochrechnung des Auftragseingangs zum Jahresende, offene Pipeline
    landing = ph.table(
        deals_pva.bookings_landing(deals, as_of, plan), "landing", "07.deals_landing"
    )
    row = landing.iloc[0]
    ph.say(
        "07.deals_landing_text",
        actual=ph.fmt(row["actual_to_date"], "eur"),
        landing=ph.fmt(row["landing"], "eur"),
        plan=ph.fmt(row["plan"], "eur"),
        status=ph.t(f"pva.status.{row['status']}"),
        pipeline=ph.fmt(row["open_pipeline_eur"], "eur"),
        weighted=ph.fmt(row["open_pipeline_weighted_eur"], "eur"),
    )
    ph.key_figures(STEP.stem, landing_bookings=float(row["landing"]))
    return ph
