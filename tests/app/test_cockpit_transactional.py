"""Szenario-Cockpit for a transactional plan (issue #13 item 3): bookings, not MRR.

The plan comes from ``planning init`` on the simulated deals-only company of
``tests/transactional_company.py`` (``business_model: transactional``, no recurring
share: ``current.mrr_eur`` and ``drivers.arpa_monthly_eur`` are 0). Every expected value
is summed with plain pandas from the plan's tidy monthly table (``PlanResult.monthly``),
a second way beside the chart-data functions, which pivot it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning_lib.app import charts
from planning_lib.app import cockpit as ck
from planning_lib.app import tiles as co
from planning_lib.cli.main import main
from planning_lib.core.config import load_params
from planning_lib.core.overrides import apply_overrides
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import PERCENTILE_ITEMS, monte_carlo
from planning_lib.present.formatting import format_value
from tests.transactional_company import write_transactional


@pytest.fixture(scope="module")
def tx_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tx")
    write_transactional(folder / "data")
    out = folder / "tx.yaml"
    assert main(["init", "--data", str(folder / "data"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def tx_params(tx_config: Path):
    return load_params(tx_config)


@pytest.fixture(scope="module")
def tx_plan(tx_params):
    return run_plan(tx_params)


def _company_line(monthly: pd.DataFrame, item: str) -> np.ndarray:
    """A company line item, month by month, by plain filtering and sorting."""
    rows = monthly[(monthly["line_item"] == item) & (monthly["channel"] == "")]
    return rows.sort_values("month")["value"].to_numpy(float)


def test_plan_views_of_a_transactional_plan_are_its_bookings(tx_params, tx_plan):
    """Bookings per month = the plan's ``bookings`` line (filtered from the tidy table);
    composition = sums over the 12 months: new deals = Σ customers_new, deal size =
    Σ bookings_new ÷ Σ customers_new, repeat deal = Σ bookings_repeat ÷ Σ
    repeat_purchases; new + repeat = Σ bookings = the summary's ``bookings_total``. The
    plan has no MRR (every month 0), so the views are one-off."""
    monthly = tx_plan.monthly
    views = co.plan_views(monthly, tx_params, "de")
    assert views.one_off
    assert not _company_line(monthly, "mrr_end").any()
    np.testing.assert_allclose(views.bookings, _company_line(monthly, "bookings"), rtol=1e-12)
    total = {
        item: _company_line(monthly, item).sum()
        for item in ("customers_new", "bookings_new", "repeat_purchases", "bookings_repeat")
    }
    c = views.composition
    assert c["new_deals"] == pytest.approx(total["customers_new"], rel=1e-12)
    assert c["deal_size"] == pytest.approx(total["bookings_new"] / total["customers_new"])
    assert c["bookings_new"] == pytest.approx(total["bookings_new"], rel=1e-12)
    assert c["repeat_purchases"] == pytest.approx(total["repeat_purchases"], rel=1e-12)
    assert c["repeat_deal_size"] == pytest.approx(
        total["bookings_repeat"] / total["repeat_purchases"]
    )
    assert c["bookings_new"] + c["bookings_repeat"] == pytest.approx(c["bookings"], rel=1e-12)
    assert c["bookings"] == pytest.approx(tx_plan.summary["bookings_total"], rel=1e-12)
    # the deal size of the plan is the calibrated one: every new deal books it
    assert c["deal_size"] == pytest.approx(tx_params.drivers.transactional.deal_size_eur)


def test_a_subscription_plan_has_no_bookings_views(params):
    """CloudFlow (subscriptions): no bookings line, the views stay those of MRR."""
    views = co.plan_views(run_plan(params).monthly, params, "de")
    assert views.bookings is None and views.composition is None and not views.one_off


def test_composition_chart_stacks_new_and_repeat_bookings():
    """Hand-made parts: 10 new deals × 5.000 € = 50.000 €, 20 repeats × 1.000 € =
    20.000 €: bars 0–50.000, 50.000–70.000 and the total 0–70.000; labels German with
    the products ('10 × 5.000 €')."""
    parts = {
        "new_deals": 10.0,
        "deal_size": 5000.0,
        "bookings_new": 50_000.0,
        "repeat_purchases": 20.0,
        "repeat_deal_size": 1000.0,
        "bookings_repeat": 20_000.0,
        "bookings": 70_000.0,
    }
    fig = charts.composition_chart(parts, "de")
    ax = fig.axes[0]
    bars = [(p.get_y(), p.get_height()) for p in ax.patches]
    assert bars == [(0.0, 50_000.0), (50_000.0, 20_000.0), (0.0, 70_000.0)]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [
        "Neue Deals\n10 × 5.000\xa0€",
        "Wiederholungskäufe\n20 × 1.000\xa0€",
        "Gesamt",
    ]
    assert ax.get_title(loc="left") == "Aufträge im Plan: Zusammensetzung (€)"
    assert charts.png(fig)[:4] == b"\x89PNG"


def test_monte_carlo_reports_bookings_of_a_transactional_plan_only(tx_params, params):
    """With every drawn driver fixed (sd 0 / a fixed value), each draw is the plan: P10 =
    P50 = P90 = the plan's bookings line. A subscription plan has no bookings line: its
    percentiles are exactly those of ``PERCENTILE_ITEMS`` (the default adds nothing)."""
    fixed = {
        "drivers.transactional.deal_size_eur": {
            "dist": "fixed",
            "mean": tx_params.drivers.transactional.deal_size_eur,
        }
    }
    p = apply_overrides(
        tx_params,
        {"monte_carlo.drivers": fixed, "monte_carlo.draws": 50, "monte_carlo.seed": 3},
    )
    band = co.mc_band(monte_carlo(p), "bookings")
    plan = _company_line(run_plan(p).monthly, "bookings")
    for col in ("p10", "p50", "p90"):
        np.testing.assert_allclose(band[col], plan, rtol=1e-12)
    default = monte_carlo(params, draws=50, seed=3)
    explicit = monte_carlo(params, draws=50, seed=3, items=PERCENTILE_ITEMS)
    pd.testing.assert_frame_equal(default.percentiles, explicit.percentiles)
    assert "bookings" not in set(default.percentiles["line_item"])


def test_monte_carlo_band_of_bookings_spreads_with_the_deal_size(tx_params):
    """Deal size drawn normal (sd 20 % of the mean): the band is P10 ≤ P50 ≤ P90 each
    month and wider than zero, and P10 < the plan's bookings < P90 in the last month
    (the plan is the centre of a symmetric draw)."""
    size = tx_params.drivers.transactional.deal_size_eur
    drivers = {
        "drivers.transactional.deal_size_eur": {"dist": "normal", "mean": size, "sd": size * 0.2}
    }
    p = apply_overrides(
        tx_params,
        {"monte_carlo.drivers": drivers, "monte_carlo.draws": 400, "monte_carlo.seed": 5},
    )
    band = co.mc_band(monte_carlo(p), "bookings")
    plan = _company_line(run_plan(p).monthly, "bookings")
    assert (band["p10"] <= band["p50"]).all() and (band["p50"] <= band["p90"]).all()
    assert (band["p90"] - band["p10"] > 0).all()
    assert band["p10"][-1] < plan[-1] < band["p90"][-1]


def _without_revenue_target(params):
    return params.model_copy(
        update={"targets": [t for t in params.targets if t.metric != "revenue"]}
    )


def test_tiles_of_a_transactional_plan_name_no_mrr(tx_params, tx_plan):
    """Without a revenue target (the init plan's one taken out) the probability tile shows
    the new-customer target's chance (the plan has no MRR target); no tile label mentions
    MRR."""
    tiles = co.kpi_tiles(tx_plan.summary, _without_revenue_target(tx_params), "de", 0.73, "done")
    by_slot = {t.slot: t for t in tiles}
    assert by_slot["p_mrr_target"].label == "P(Neukunden-Ziel erreicht)"
    assert by_slot["p_mrr_target"].value == "73\xa0%"
    assert not [t.label for t in tiles if "MRR" in t.label]


def test_cockpit_of_a_transactional_plan_draws_bookings(tx_config, tx_params):
    """The whole app on the transactional config, Monte Carlo on: no tile, chart or the
    bases pair names MRR; the line chart's data are the plan's bookings line (plain
    filter of the unchanged plan's tidy table: the sliders at their start reproduce the
    plan, ARPA 0 included) and the composition's total bar their sum."""
    from planning_lib.app.cockpit_app import Cockpit

    app = Cockpit(tx_config, debounce_s=0.01)
    assert app.wait_until_idle(60) and app.mc_done.wait(120)
    monthly = run_plan(tx_params).monthly
    bookings = _company_line(monthly, "bookings")
    titles = {}
    for key in ("bookings", "composition", "leads", "cash", "tornado_bookings"):
        fig = app._board.figure(key)
        assert fig is not None, key
        titles[key] = fig.axes[0].get_title(loc="left")
    assert app._board.figure("mrr") is None and app._board.figure("bridge") is None
    assert not [t for t in titles.values() if "MRR" in t]
    labels = [w.value.split('<div class="kpi-label">')[1].split("</div>")[0]
              for w in app.tiles.values()]  # fmt: skip
    assert not [t for t in labels if "MRR" in t]
    assert "MRR" not in app.pair.value
    line = app._board.figure("bookings").axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), bookings, rtol=1e-12)
    total_bar = app._board.figure("composition").axes[0].patches[-1]
    assert total_bar.get_height() == pytest.approx(bookings.sum(), rel=1e-12)
    for slot in ("mrr", "bridge", "tornado"):
        assert app.images[slot].value[:4] == b"\x89PNG"
    assert ck.settings_from_params(tx_params)["arpa"] == 0
    expected = format_value(bookings.sum(), "eur", "de")
    assert f'<div class="kpi-value">{expected}</div>' in app.tiles["mrr_end"].value


def test_cockpit_switches_between_bookings_and_mrr_charts_with_arpa(tx_config):
    """ARPA 0 → 50 €/month gives the plan a recurring share: the line chart's place shows
    MRR (a new image); back to 0 it shows the bookings chart again, the same PNG as at the
    start, although the bookings chart's own inputs did not change in between (before,
    the board would have skipped it as already shown and left the MRR image up)."""
    from planning_lib.app.cockpit_app import Cockpit

    app = Cockpit(tx_config, debounce_s=0.01)
    app.mc_cb.value = False
    assert app.wait_until_idle(60)
    bookings_png = app.images["mrr"].value
    app.sliders["arpa"].value = 50
    assert app.wait_until_idle(60)
    mrr_png = app.images["mrr"].value
    assert mrr_png != bookings_png
    assert "MRR" in app._board.figure("mrr").axes[0].get_title(loc="left")
    app.sliders["arpa"].value = 0
    assert app.wait_until_idle(60)
    assert app.images["mrr"].value == bookings_png
    assert app.images["bridge"].value != mrr_png


def _euros(value: float) -> str:
    """Whole euros the German way, by hand: 1209203 → '1.209.203\xa0€'."""
    return f"{round(value):,}".replace(",", ".") + "\xa0€"


def test_probability_tile_of_a_revenue_target(tx_params, tx_plan, params):
    """The init plan carries a revenue target (the bookings proposal): the probability
    tile is P(Umsatzziel erreicht) with the given chance (0.4 → "40 %", red: below 0.5,
    amber from 0.5, green from 0.8), its key ``p_revenue_target``, and the cockpit asks Monte
    Carlo for the revenue target (``probability_metric``); a subscription plan keeps
    its MRR tile."""
    assert tx_params.target("revenue") is not None
    tiles = co.kpi_tiles(tx_plan.summary, tx_params, "de", 0.4, "done")
    tile = {t.slot: t for t in tiles}["p_mrr_target"]
    assert (tile.key, tile.label, tile.value, tile.status) == (
        "p_revenue_target",
        "P(Umsatzziel erreicht)",
        "40\xa0%",
        "bad",
    )
    en = {t.slot: t for t in co.kpi_tiles(tx_plan.summary, tx_params, "en", 0.4, "done")}
    assert en["p_mrr_target"].label == "P(revenue target hit)"
    assert co.probability_metric(tx_plan.summary, tx_params) == "revenue"
    assert co.probability_metric(tx_plan.summary, _without_revenue_target(tx_params)) == (
        "new_customers"
    )
    assert co.probability_metric(run_plan(params).summary, params) == "mrr_end"


def test_bookings_chart_names_the_cumulative_revenue_target(tx_params, tx_plan):
    """The revenue target is bookings summed up to its deadline, so the monthly chart
    names it in the legend, German: 'Umsatzziel (Aufträge kumuliert): 1.209.203 €' (the
    YAML's target value, formatted by hand); without a target the legend has no such
    entry and the plan line is unchanged."""
    views = co.plan_views(tx_plan.monthly, tx_params, "de")
    goal = tx_params.target("revenue").value
    fig = charts.bookings_band_chart(views.months, views.bookings, locale="de", target=goal)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"Umsatzziel (Aufträge kumuliert): {_euros(goal)}" in texts
    plain = charts.bookings_band_chart(views.months, views.bookings, locale="de")
    assert not [t for t in plain.axes[0].get_legend().get_texts() if "Umsatzziel" in t.get_text()]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), views.bookings, rtol=0)


def test_cockpit_of_a_revenue_target_shows_its_chance_and_legend(tx_config, tx_params):
    """The whole app, Monte Carlo on (its default draws and seed): the probability tile
    reads P(Umsatzziel erreicht) with the share of draws reaching the revenue target as
    ``monte_carlo`` on the same centred plan gives it (mc.p_hit of the target's code),
    and the bookings chart's legend names the target."""
    from planning_lib.app.cockpit_app import Cockpit

    app = Cockpit(tx_config, debounce_s=0.01)
    assert app.wait_until_idle(60) and app.mc_done.wait(120)
    draws = ck.validate_int(app.draws.value, *ck.MC_DRAWS_RANGE, 1000)
    seed = ck.validate_int(app.seed.value, *ck.SEED_RANGE, 42)
    t = tx_params.target("revenue")
    mc = monte_carlo(co.centred_monte_carlo(app.planned), draws, seed)
    want = format_value(mc.p_hit[t.code], "share", "de", 0)
    tile = app.tiles["p_mrr_target"].value
    assert '<div class="kpi-label">P(Umsatzziel erreicht)</div>' in tile
    assert f'<div class="kpi-value">{want}</div>' in tile
    legend = app._board.figure("bookings").axes[0].get_legend().get_texts()
    assert f"Umsatzziel (Aufträge kumuliert): {_euros(t.value)}" in [x.get_text() for x in legend]
