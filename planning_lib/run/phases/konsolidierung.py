"""The consolidation (``08_konsolidierung``): the regions' plans summed to the company plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Unpack

from planning_lib.present import charts
from planning_lib.present.views import konsolidierung as views
from planning_lib.present.views.plan import line_wide
from planning_lib.run.catalog import PLAN_MONTHLY_TABLE, step
from planning_lib.run.phase import (
    COMPANY,
    Phase,
    PhaseParameters,
    open_phase,
    read_region_plans,
)

__all__ = ["phase_08_konsolidierung"]

STEP = step("08")


def phase_08_konsolidierung(
    region_dirs: Mapping[str, str], **params: Unpack[PhaseParameters]
) -> Phase:
    """Key figures per region and in total, the consolidated monthly plan.

    Args:
        region_dirs: region → the output folder its phase notebooks wrote (``planning batch``
            passes the regions that completed).
        params: the notebook's standard parameters (``region`` names the consolidation).

    Returns:
        The phase: ``tables`` and ``figures`` hold what it wrote.
    """
    ph = open_phase(STEP.code, **params, load_data=False)
    locale = ph.locale
    monthly_by_region, summaries = read_region_plans(region_dirs)
    ph.say("08.title", regions=", ".join(summaries) or "–")
    missing = views.missing_regions(ph.params.company.regions, summaries)
    if missing:
        ph.say("08.missing", regions=", ".join(missing))

    # Kennzahlen je Region und Summe
    table = ph.table(views.region_summary_table(summaries), "regions", "08.regions")
    consolidated = views.consolidate_monthly(monthly_by_region)
    ph.table(consolidated, PLAN_MONTHLY_TABLE, "08.plan_monthly", show=False)
    ph.say("08.plan_text")
    figures = views.consolidated_key_figures(table, consolidated)
    ph.key_figures(STEP.stem, **figures)
    one_off = "mrr_end" not in figures  # transactional plans without MRR: their bookings
    worth = ("bookings", "bookings_total") if one_off else ("mrr", "mrr_end")
    ph.say(
        "08.total_text_transactional" if one_off else "08.total_text",
        new=ph.fmt(figures["new_customers"], "count"),
        budget=ph.fmt(figures["budget_total"], "eur"),
        cac=ph.fmt(figures["cac_fully_loaded"], "eur"),
        **{worth[0]: ph.fmt(figures[worth[1]], "eur")},
    )

    # Neukunden und MRR je Region
    regions_only = table[table["region"] != COMPANY].set_index("region")
    ph.chart(
        charts.bar_chart(regions_only["new_customers"], locale=locale, title=ph.t("08.new_chart")),
        "new_customers",
    )
    name = "bookings" if one_off else "mrr"
    mrr = line_wide(consolidated, ["bookings" if one_off else "mrr_end"])
    mrr.columns = [ph.t(f"08.{name}")]
    ph.chart(
        charts.line_chart(mrr, locale=locale, title=ph.t(f"08.{name}_chart"), unit="eur"), name
    )
    return ph
