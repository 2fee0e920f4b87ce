"""Phase 4 (``04_kanaele``): the reverse funnel per channel against the planned leads."""

from __future__ import annotations

from typing import Unpack

from planning_lib.present import charts
from planning_lib.present.views import kanaele as views
from planning_lib.present.views.plan import channel_wide
from planning_lib.run.catalog import step
from planning_lib.run.phase import Phase, PhaseParameters, open_phase

__all__ = ["phase_04_kanaele"]

STEP = step("04")


def phase_04_kanaele(**params: Unpack[PhaseParameters]) -> Phase:
    """Which channels deliver the new customers and the leads each needs, from phase 2's plan.

    Returns:
        The phase: ``tables`` holds what it wrote.
    """
    ph = open_phase(STEP.code, **params, load_data=False)
    locale = ph.locale
    monthly, _summary = ph.load_plan()
    ph.say("04.title", region=ph.region)

    # Umgekehrter Funnel je Kanal
    channels = ph.table(views.channel_plan(monthly), "channels", "04.channels")
    ph.chart(
        charts.bar_chart(
            channels.set_index("channel")["lead_coverage_share"].rename(ph.name),
            locale=locale,
            title=ph.t("04.coverage_chart"),
            unit="share",
        ),
        "lead_coverage",
    )
    short, missing = views.lead_shortfall(channels)
    ph.say(
        "04.coverage_text",
        channels=", ".join(map(ph.name, short)) or "–",
        missing=ph.fmt(missing, "count"),
    )

    # Benötigte MQL pro Monat und Kanal
    required = channel_wide(monthly, "required_entry")
    ph.table(required.reset_index(), "required_leads", "04.required_table", show=False)
    ph.chart(
        charts.stacked_bar_chart(
            ph.labelled(required, "channel"),
            locale=locale,
            title=ph.t("04.required_chart"),
            unit="count",
        ),
        "required_leads",
    )
    ph.say("04.required_text")
    return ph
