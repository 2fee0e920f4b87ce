"""Phase 3 (``03_zielgruppen``): ABC analysis, segments, personas and positioning.

What the tables give is shown: the ABC analysis always (by the subscriptions' revenue,
without them by the won deals' bookings per customer), the segments with subscriptions
and costs. A part phase 1 skipped for want of a table (``Analysis.skipped``) gets one
note naming it and the tables that would give it. Without any history (phase 1 had no
deals) the note says so, and what the plan file gives without history follows: its
segments, personas and positioning.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

import pandas as pd

from planning_lib.analysis.asis import Analysis
from planning_lib.analysis.findings import MIN_OBSERVATIONS
from planning_lib.analysis.sales import PARTS
from planning_lib.analysis.segments import persona_table, positioning_table
from planning_lib.core import text_store
from planning_lib.present import charts
from planning_lib.present.views import zielgruppen as views
from planning_lib.run.catalog import step
from planning_lib.run.phase import Phase, PhaseParameters, open_phase

__all__ = ["phase_03_zielgruppen"]

STEP = step("03")


def phase_03_zielgruppen(**params: Unpack[PhaseParameters]) -> Phase:
    """Who the customers are and which segments pay off, from the analysis phase 1 saved.

    Returns:
        The phase: ``tables`` holds what it wrote.
    """
    ph = open_phase(STEP.code, **params, load_data=False)
    analysis = ph.load_analysis()
    ph.say("03.title", region=ph.region)
    if not analysis.tables:  # phase 1 had no history (only actuals/): nothing to segment
        ph.say("03.no_history")
        return _plan_only(ph)

    if "abc_summary" in analysis.tables:
        _abc(ph, analysis)
    if "segments" not in analysis.tables:  # no subscriptions or costs: no customer segments
        _skipped_segments(ph, analysis)
        return _personas(ph, analysis.tables)
    return _segments(ph, analysis)


def _abc(ph: Phase, analysis: Analysis) -> None:
    """ABC analysis of the customers by revenue (without subscriptions: by bookings)."""
    locale = ph.locale
    by_bookings = "bookings_monthly" in analysis.tables  # the deals' sales view
    abc = ph.table(analysis.tables["abc_summary"], "abc", "03.abc")
    a_row = views.a_class(abc)
    ph.chart(
        charts.bar_chart(
            abc.set_index("abc_class")["revenue_share"],
            locale=locale,
            title=views.abc_chart_title(by_bookings, locale),
            unit="share",
        ),
        "abc",
    )
    if by_bookings:
        ph.say("03.abc_bookings")
    ph.say(
        "03.abc_text_bookings" if by_bookings else "03.abc_text",
        customers=ph.fmt(a_row["customer_share"], "share"),
        revenue=ph.fmt(a_row["revenue_share"], "share"),
    )


def _skipped_segments(ph: Phase, analysis: Analysis) -> None:
    """One note per part phase 1 skipped that phase 3 would show (the segmentation), with
    the tables that would give it; an analysis saved without that list names every table
    the segmentation needs."""
    parts = [(p, missing) for p, missing in analysis.skipped if p == "segmentation"]
    if not parts:
        ph.say("03.no_segmentation", tables=", ".join(PARTS["segmentation"]))
    for part, missing in parts:
        label = text_store.label(f"analysis_finding.skipped_analysis.part.{part}", ph.locale)
        key = "03.skipped_part.many" if len(missing) > 1 else "03.skipped_part"
        ph.say(key, part=label, tables=", ".join(missing))


def _segments(ph: Phase, analysis: Analysis) -> Phase:
    """The segment table, its attractiveness chart and the best segment, then personas."""
    locale = ph.locale
    # Segmente und ihre Attraktivität
    segments = ph.table(analysis.tables["segments"], "segments", "03.segments")
    ph.chart(
        charts.bar_chart(
            segments.set_index("segment")["attractiveness"].rename(ph.name),
            locale=locale,
            title=ph.t("03.attractiveness"),
            unit="decimal",
            horizontal=True,
        ),
        "attractiveness",
    )
    best = views.top_segment(segments)
    ph.say(
        "03.segments_text",
        segment=ph.name(best["segment"]),
        score=ph.fmt(best["attractiveness"], "decimal"),
    )
    if best["customers"] < MIN_OBSERVATIONS:
        ph.say("03.segments_caveat", segment=ph.name(best["segment"]), n=int(best["customers"]))

    return _personas(ph, analysis.tables)


def _plan_only(ph: Phase) -> Phase:
    """Without history: the plan file's segments, personas and positioning (they need no
    history), as phase 1 builds them from the plan when it has one."""
    p = ph.params
    if p.company.segments:
        ph.say("03.plan_segments", segments=", ".join(ph.name(s) for s in p.company.segments))
    tables = {
        "personas": persona_table(p.personas, ph.locale),
        "positioning": positioning_table(
            p.company.name, p.positioning, p.market.competitors, ph.locale
        ),
    }
    return _personas(ph, tables)


def _personas(ph: Phase, tables: Mapping[str, pd.DataFrame]) -> Phase:
    """Buyer personas and positioning from the plan (``tables``: the analysis' tables);
    the personas' links to segments and channels when the segmentation ran."""
    ph.table(tables["personas"], "personas", "03.personas")
    if "persona_links" in tables:
        ph.table(tables["persona_links"], "persona_links", "03.persona_links")
        ph.say("03.personas_text")
    ph.table(tables["positioning"], "positioning", "03.positioning")
    ph.say("03.positioning_text", statement=ph.params.positioning.get(ph.locale, ""))
    return ph
