"""What a reader sees of a transactional plan (issue #13 item 4): bookings, repeat
purchases, deals won and deal size instead of MRR rows that are 0 by construction.

The plan is the tiny one of ``tests/plan/test_transactional_plan.py`` (10 new deals a
month at 1,000 €, repeat rate 5 % of the month-start base at 400 €, churn 2 %, 100
customers at start, no MRR); its figures are worked out by hand there.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.app.tiles import TILE_KEYS, kpi_tiles
from planning_lib.core.params import params_from_dict
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import plan_bases
from planning_lib.present.plan_sheets import monthly_plan_block
from planning_lib.present.views.konsolidierung import (
    consolidated_key_figures,
    region_summary_table,
)
from planning_lib.present.views.plan import (
    KEY_FIGURE_NAMES,
    MRR_LINE_ITEMS,
    key_figure_names,
    plan_key_figures,
    shown_lines,
    zero_mrr_items,
)
from planning_lib.present.views.ziele import bases_table
from tests.plan.test_transactional_plan import tiny

BASE_SUM = 12 * 500 - 400 * (1 - 0.98**12) / 0.02
"""Σ of the month-start base over the 12 months (closed form, see the plan test)."""


@pytest.fixture(scope="module")
def plan():
    return run_plan(params_from_dict(tiny()))


def test_mrr_rows_are_left_out_of_the_monthly_plan(plan):
    """All 8 MRR lines are 0 in every month (no MRR at start, ARPA 0): none is shown, every
    other line is; the Excel block has exactly the rows of the other line items."""
    assert zero_mrr_items(plan.monthly) == frozenset(MRR_LINE_ITEMS)
    shown = shown_lines(plan.monthly)
    assert not shown["line_item"].isin(MRR_LINE_ITEMS).any()
    assert len(shown) == len(plan.monthly) - 8 * 12
    block = monthly_plan_block(plan.monthly, "Monatsplan")
    labels = [row[0][0] for row in block.rows]
    assert not any("MRR" in label or "ARR" in label for label in labels)
    rows = plan.monthly.drop_duplicates(["line_item", "channel"])
    assert len(labels) == int((~rows["line_item"].isin(MRR_LINE_ITEMS)).sum())


def test_recurring_share_keeps_the_whole_mrr_bridge():
    """2,000 € MRR at start, ARPA 50 €: the MRR bridge is real, all of it is shown
    (expansion 0 included, as for a subscription)."""
    d = tiny(arpa_monthly_eur=50.0)
    d["current"]["mrr_eur"] = 2000.0
    p = run_plan(params_from_dict(d))
    assert zero_mrr_items(p.monthly) == frozenset()
    assert shown_lines(p.monthly) is p.monthly
    assert {"mrr_start", "mrr_end", "arr_end"} <= set(key_figure_names(p.summary))


def test_subscription_plan_is_shown_unchanged(params):
    p = run_plan(params)
    assert shown_lines(p.monthly) is p.monthly
    assert key_figure_names(p.summary) == KEY_FIGURE_NAMES


def test_key_figures_are_bookings_not_mrr(plan):
    """Key figures: new deals 120, bookings of new deals 120 × 1,000 = 120,000 €, repeat
    purchases 0.05 × Σ base, their bookings × 400 €, total the sum, mean deal 1,000 €;
    no MRR figure."""
    kf = plan_key_figures(plan.summary)
    assert not {"mrr_start", "mrr_end", "arr_end"} & set(kf)
    assert kf["new_customers"] == pytest.approx(120)
    assert kf["bookings_new_total"] == pytest.approx(120_000)
    assert kf["repeat_purchases_total"] == pytest.approx(0.05 * BASE_SUM)
    assert kf["bookings_repeat_total"] == pytest.approx(20 * BASE_SUM)
    assert kf["bookings_total"] == pytest.approx(120_000 + 20 * BASE_SUM)
    assert kf["deal_size_avg"] == pytest.approx(1_000)


def test_bases_table_shows_bookings(plan):
    """Both bases are the funnel here (no new-customer target): 120,000 € + 20 × Σ base
    each; no MRR column, no MRR chance."""
    table = bases_table(plan_bases(plan.params))
    assert "mrr_end_eur" not in table and "p_hit_mrr_target" not in table
    assert table["bookings_total_eur"].tolist() == pytest.approx([120_000 + 20 * BASE_SUM] * 2)


def test_consolidation_sums_the_bookings():
    """Two regions: bookings 100,000 + 50,000 = 150,000 €, new deals 80 + 40 = 120 of
    60,000 + 30,000 € → mean deal 90,000 ÷ 120 = 750 €; no MRR column or figure."""
    one = {"new_customers": 80.0, "customers_end": 200.0, "bookings_total": 100_000.0}
    one |= {"bookings_new_total": 60_000.0, "bookings_repeat_total": 40_000.0}
    one |= {"repeat_purchases_total": 100.0, "mrr_start": 0.0, "mrr_end": 0.0, "arr_end": 0.0}
    one |= {"budget_total": 10_000.0, "cost_total": 8_000.0, "cash_start": 0.0}
    two = {**one, "new_customers": 40.0, "bookings_total": 50_000.0}
    two |= {"bookings_new_total": 30_000.0, "bookings_repeat_total": 20_000.0}
    table = region_summary_table({"A": one, "B": two})
    assert not {"mrr_start_eur", "mrr_end_eur", "arr_end_eur"} & set(table)
    total = table.set_index("region").loc["Gesamt"]
    assert total["bookings_total_eur"] == 150_000
    cash = pd.DataFrame({"month": ["2026-01-01"], "line_item": ["cash_balance"], "value": [5.0]})
    kf = consolidated_key_figures(table, cash)
    assert kf["bookings_total"] == 150_000
    assert kf["repeat_purchases_total"] == 200
    assert kf["deal_size_avg"] == pytest.approx(750)
    assert "mrr_end" not in kf


def test_tiles_show_bookings_and_the_mean_deal(plan):
    """The cockpit's MRR tile shows the bookings (120,000 + 20 × Σ base = 153.887 € in
    German whole euros), the payback tile the mean new deal (1.000 €); the page slots
    stay those of TILE_KEYS."""
    tiles = kpi_tiles(plan.summary, plan.params, "de")
    assert [t.slot for t in tiles] == list(TILE_KEYS)
    by_key = {t.key: t for t in tiles}
    assert "mrr_end" not in by_key and "payback_months" not in by_key
    want = round(120_000 + 20 * BASE_SUM)
    assert by_key["bookings_total"].value.replace("\xa0", " ") == f"{want:,} €".replace(",", ".")
    assert by_key["deal_size_avg"].value.replace("\xa0", " ") == "1.000 €"
