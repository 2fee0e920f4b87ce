"""Phase 5 (``05_organisation``): team, ramp-up and capacity, structure, tools, commissions."""

from __future__ import annotations

from typing import Unpack

from planning_lib.present import charts
from planning_lib.present.views import organisation as views
from planning_lib.present.views.plan import line_wide
from planning_lib.run.catalog import step
from planning_lib.run.phase import Phase, PhaseParameters, open_phase

__all__ = ["phase_05_organisation"]

STEP = step("05")


def phase_05_organisation(**params: Unpack[PhaseParameters]) -> Phase:
    """Who does what with which capacity, from phase 2's plan.

    Returns:
        The phase: ``tables`` holds what it wrote.
    """
    ph = open_phase(STEP.code, **params, load_data=False)
    locale = ph.locale
    monthly, summary = ph.load_plan()
    ph.say("05.title", region=ph.region)

    # Team, Einarbeitung und Kapazität
    org = ph.table(views.organisation_monthly(monthly), "organisation", "05.organisation")
    cap = line_wide(monthly, ["capacity_deals", "required_rep_deals"])
    cap.columns = [ph.t("05.capacity"), ph.t("05.required")]
    ph.chart(charts.line_chart(cap, locale=locale, title=ph.t("05.capacity_chart")), "capacity")
    ph.say(
        "05.capacity_text",
        short=ph.fmt(int(summary.get("capacity_short_months", 0)), "months_count"),
        heads=ph.fmt(org["reps_heads"].iloc[-1], "count"),
    )

    # Struktur und Werkzeuge
    ph.table(views.roles_table(ph.params, locale), "roles", "05.roles")
    ph.table(views.structure_table(ph.params), "structure", "05.structure")
    ph.say("05.structure_text")

    # Provisionen
    ph.say(
        "05.commission_text",
        total=ph.fmt(summary["commissions_total"], "eur"),
        reps=ph.fmt(summary.get("commissions_reps", 0.0), "eur"),
        partners=ph.fmt(summary.get("commissions_partners", 0.0), "eur"),
    )
    return ph
