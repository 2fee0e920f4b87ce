"""Phase 6 (``06_budget``): cost per category against the budget, ROI, margin and cash."""

from __future__ import annotations

from typing import Unpack

from planning_lib.present import charts
from planning_lib.present.views import budget as views
from planning_lib.present.views.plan import line_wide
from planning_lib.run.catalog import step
from planning_lib.run.phase import Phase, PhaseParameters, open_phase

__all__ = ["phase_06_budget"]

STEP = step("06")


def phase_06_budget(**params: Unpack[PhaseParameters]) -> Phase:
    """What the plan costs and what it brings, from phase 2's plan.

    Returns:
        The phase: ``tables`` holds what it wrote.
    """
    ph = open_phase(STEP.code, **params, load_data=False)
    locale = ph.locale
    monthly, summary = ph.load_plan()
    ph.say("06.title", region=ph.region)

    # Kosten je Kategorie und Monat
    costs = views.budget_monthly(monthly)
    ph.table(costs.rename_axis("month").reset_index(), "budget_monthly", "06.budget_monthly")
    ph.chart(
        charts.stacked_bar_chart(
            ph.labelled(costs, "cat"), locale=locale, title=ph.t("06.budget_chart")
        ),
        "budget_monthly",
    )
    by_cat = ph.table(
        views.budget_by_category(summary, costs), "budget_categories", "06.budget_categories"
    )
    ph.say(
        "06.budget_text",
        budget=ph.fmt(summary["budget_total"], "eur"),
        cost=ph.fmt(by_cat["planned_cost_eur"].sum(), "eur"),
    )

    # ROI, Deckungsbeitrag und Liquidität
    profit = ph.table(views.profitability(monthly), "profitability", "06.profitability")
    ph.say(
        "06.margin_text",
        margin=ph.fmt(profit["contribution_margin_eur"].sum(), "eur"),
        revenue=ph.fmt(profit["revenue_eur"].sum(), "eur"),
    )
    cash = line_wide(monthly, ["cash_balance", "company_cash_balance"])
    cash.columns = [ph.t("06.cash"), ph.t("06.company_cash")]
    ph.chart(
        charts.line_chart(cash, locale=locale, title=ph.t("06.cash_chart"), unit="eur"), "cash"
    )
    ph.say(
        "06.roi_text",
        roi=ph.fmt(summary["roi"], "share"),
        life=ph.fmt(summary["customer_lifetime_months"], "months"),
        ltv=ph.fmt(summary["lifetime_value_new_customers"], "eur"),
        cac=ph.fmt(summary["cac_fully_loaded"], "eur"),
        low=ph.fmt(summary["cash_low_point"], "eur"),
        month=ph.fmt(summary.get("cash_low_point_month", ""), "month"),
        company_low=ph.fmt(summary["company_cash_low_point"], "eur"),
    )
    return ph
