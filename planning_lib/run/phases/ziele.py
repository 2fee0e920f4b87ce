"""Phase 2 (``02_ziele``): SMART targets, top-down against bottom-up, the plan for phases 4-8."""

from __future__ import annotations

from typing import Unpack

from planning_lib.analysis.funnel import open_pipeline_overrides
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import plan_bases
from planning_lib.plan.targets import gap_table
from planning_lib.present import charts
from planning_lib.present.value_labels import scenario_label
from planning_lib.present.views import ziele as views
from planning_lib.present.views.plan import line_wide, plan_key_figures, zero_mrr_items
from planning_lib.run.catalog import FINDINGS_TABLE, step
from planning_lib.run.phase import Phase, PhaseParameters, open_phase

__all__ = ["phase_02_ziele"]

STEP = step("02")


def phase_02_ziele(**params: Unpack[PhaseParameters]) -> Phase:
    """The region's monthly plan (saved for phases 4-8), its targets, gap and bases.

    Returns:
        The phase: ``tables`` and ``figures`` hold what it wrote.
    """
    ph = open_phase(STEP.code, **params)
    locale = ph.locale
    # the scenario's overrides are already applied; the pipeline open at plan start comes
    # from the region's lead history (the config's open_pipeline wins where it sets one)
    plan = run_plan(ph.params, open_pipeline_overrides(ph.params, ph.history.get("leads")))
    ph.save_plan(plan)
    ph.say("02.title", region=ph.region, scenario=scenario_label(ph.scenario, locale))
    if "leads" not in ph.history:  # no lead history: the pipeline at plan start is assumed
        ph.say("02.no_lead_history")

    # SMART-Ziele und was der Plan erreicht
    targets = ph.table(views.targets_table(plan.params, plan.lines), "targets", "02.targets")
    hit, total = views.targets_hit(targets)
    ph.say("02.targets_text", hit=hit, total=total)

    # Top-down gegen Bottom-up
    gap = ph.table(gap_table(plan.lines, list(plan.params.channels)), "gap", "02.gap")
    new = line_wide(plan.monthly, ["customers_new_target", "customers_new_funnel"])
    new.columns = [ph.t("02.top_down"), ph.t("02.bottom_up")]
    ph.chart(charts.line_chart(new, locale=locale, title=ph.t("02.gap_chart")), "new_customers_gap")
    top_down, bottom_up = views.won_gap(gap)
    ph.say(
        views.gap_text_key(top_down, bottom_up),
        top_down=ph.fmt(top_down, "count"),
        bottom_up=ph.fmt(bottom_up, "count"),
    )

    # MRR-Verlauf: Churn-Pfad gegen konstanten Churn (ein Einmalgeschäft ohne MRR:
    # die Aufträge neuer Kunden und aus Wiederholungskäufen)
    one_off = "mrr_end" in zero_mrr_items(plan.monthly)
    if one_off:
        _bookings(ph, plan)
    else:
        mrr = line_wide(plan.monthly, ["mrr_end", "mrr_end_churn_constant"])
        mrr.columns = [ph.t("02.mrr_path"), ph.t("02.mrr_constant")]
        ph.chart(
            charts.line_chart(mrr, locale=locale, title=ph.t("02.mrr_chart"), unit="eur"),
            "mrr_plan",
        )
        ph.say(
            "02.mrr_text",
            mrr_end=ph.fmt(plan.summary["mrr_end"], "eur"),
            mrr_constant=ph.fmt(plan.summary["mrr_end_churn_constant"], "eur"),
        )

    # Zwei Grundlagen: was der Plan finanziert, was das Ziel kostet
    bases = plan_bases(plan.params, draws=2_000, seed=ph.seed)  # plan.params: pipeline included
    ph.table(views.bases_table(bases), "bases", "02.bases")
    worth = ("bookings", "bookings_total") if one_off else ("mrr", "mrr_end")
    ph.say(
        "02.bases_text_transactional" if one_off else "02.bases_text",
        funnel_new=ph.fmt(bases["funnel"]["new_customers"], "count"),
        funnel_cost=ph.fmt(bases["funnel"]["cost_total"], "eur"),
        target_new=ph.fmt(bases["target"]["new_customers"], "count"),
        target_cost=ph.fmt(bases["target"]["cost_total"], "eur"),
        basis=ph.t(f"value.{plan.inputs.basis}"),
        **{f"{b}_{worth[0]}": ph.fmt(bases[b][worth[1]], "eur") for b in ("funnel", "target")},
    )

    # Befunde zur Machbarkeit
    ph.table(views.findings_table(plan.findings, locale), FINDINGS_TABLE, "02.findings")
    ph.key_figures(STEP.stem, **plan_key_figures(plan.summary))
    return ph


def _bookings(ph: Phase, plan) -> None:
    """A transactional plan without MRR: its bookings per month (new deals, repeat
    purchases) and one sentence with the plan's totals."""
    booked = line_wide(plan.monthly, ["bookings_new", "bookings_repeat"])
    booked.columns = [ph.t("02.bookings_new"), ph.t("02.bookings_repeat")]
    ph.chart(
        charts.line_chart(booked, locale=ph.locale, title=ph.t("02.bookings_chart"), unit="eur"),
        "bookings_plan",
    )
    s = plan.summary
    ph.say(
        "02.bookings_text",
        deals=ph.fmt(s["new_customers"], "count"),
        size=ph.fmt(s["deal_size_avg"], "eur"),
        new=ph.fmt(s["bookings_new_total"], "eur"),
        repeats=ph.fmt(s["repeat_purchases_total"], "count"),
        repeat=ph.fmt(s["bookings_repeat_total"], "eur"),
        bookings=ph.fmt(s["bookings_total"], "eur"),
    )
