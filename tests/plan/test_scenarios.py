"""Scenarios, sensitivity and Monte Carlo: same core, checked against run_plan and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from planning_lib.core.config import load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.overrides import apply_overrides, resolve_overrides
from planning_lib.core.paths import CONFIGS
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import (
    PERCENTILE_ITEMS,
    default_sensitivity_drivers,
    monte_carlo,
    run_scenario,
    scenario_overrides,
    sensitivity,
)


def _with_mc(params, drivers, draws=500, seed=1):
    return apply_overrides(
        params,
        {"monte_carlo.drivers": drivers, "monte_carlo.draws": draws, "monte_carlo.seed": seed},
    )


def test_named_scenarios(params):
    base = run_scenario(params, "base")
    assert base.summary == run_plan(params).summary
    worst = run_scenario(params, "worst")
    assert worst.params.channels["inbound"].leads_per_month == 400
    # worst keeps churn at 5 %: fewer customers at the end than the base plan
    assert worst.summary["customers_end"] < base.summary["customers_end"]
    best = run_scenario(params, "best")
    assert best.summary["mrr_end"] > base.summary["mrr_end"]
    with pytest.raises(ParameterError, match=r"unknown scenario 'x' \(known: base, best, worst"):
        run_scenario(params, "x")


def test_zero_variance_reproduces_the_plan_exactly(params):
    fixed = {
        "drivers.arpa_monthly_eur": {"dist": "normal", "mean": 160, "sd": 0},
        "drivers.churn_rate_monthly.end": {
            "dist": "triangular",
            "low": 0.03,
            "mode": 0.03,
            "high": 0.03,
        },
        "channels.inbound.mql_to_sql": {"dist": "uniform", "low": 0.35, "high": 0.35},
        "channels.inbound.demo_to_won": {"dist": "lognormal", "mean": 0.25, "sd": 0},
        "channels.outbound.sql_to_demo": {"dist": "fixed", "mean": 0.30},
    }
    p = _with_mc(params, fixed, draws=200)
    mc = monte_carlo(p)
    plan = run_plan(p)
    assert mc.draws == 200
    for item in PERCENTILE_ITEMS:
        rows = mc.percentiles[mc.percentiles.line_item == item]
        expected = plan.line(item)
        for col in ("p10", "p50", "p90"):
            assert np.array_equal(rows[col].to_numpy(), expected), (item, col)
    assert mc.summary["mrr_end"]["p50"] == plan.summary["mrr_end"]
    assert mc.p_hit["mrr_end"] == 1.0  # 127,661 € ≥ 120,000 € in every draw


def test_seeded_and_reproducible(params):
    a, b = monte_carlo(params, draws=300, seed=5), monte_carlo(params, draws=300, seed=5)
    c = monte_carlo(params, draws=300, seed=6)
    assert a.percentiles.equals(b.percentiles) and a.p_hit == b.p_hit
    assert not a.percentiles.equals(c.percentiles)
    assert a.drivers == list(params.monte_carlo.drivers)


def test_p_hit_matches_the_linear_arpa_threshold(params):
    # target basis: mrr_end = A + B × arpa (new customers fixed); two plans give A and B
    lo, hi = (
        run_plan(params, {"drivers.arpa_monthly_eur": 140}),
        run_plan(params, {"drivers.arpa_monthly_eur": 180}),
    )
    b = (hi.summary["mrr_end"] - lo.summary["mrr_end"]) / 40
    threshold = 140 + (120_000 - lo.summary["mrr_end"]) / b  # arpa where mrr_end = 120,000
    expected = (180 - threshold) / 40  # P(uniform(140, 180) ≥ threshold)
    p = _with_mc(params, {"drivers.arpa_monthly_eur": {"dist": "uniform", "low": 140, "high": 180}})
    mc = monte_carlo(p, draws=20_000, seed=3)
    # binomial sd ≤ 0.5 / sqrt(20,000) = 0.0035
    assert mc.p_hit["mrr_end"] == pytest.approx(expected, abs=0.012)
    assert 0 < expected < 1


def test_distribution_means(params):
    p = _with_mc(
        params,
        {
            "drivers.arpa_monthly_eur": {"dist": "lognormal", "mean": 160, "sd": 30},
            "channels.inbound.mql_to_sql": {"dist": "beta", "a": 35, "b": 65},
        },
    )
    mc = monte_carlo(p, draws=20_000, seed=11, items=(*PERCENTILE_ITEMS, "mrr_new"))
    # new MRR in January = 55 customers × arpa; mean arpa 160 → 8,800 €
    assert mc.summary["mrr_start"]["mean"] == 80_000
    jan = mc.percentiles[(mc.percentiles.line_item == "mrr_new")].iloc[0]
    assert jan["p50"] == pytest.approx(
        55 * 160 * np.exp(-0.5 * np.log1p((30 / 160) ** 2)), rel=0.02
    )
    # beta(35, 65) has mean 0.35: inbound funnel customers ≈ 500 × .35 × .30 × .25 × 12 = 157.5
    assert mc.summary["new_customers_funnel"]["mean"] == pytest.approx(369, rel=0.01)


def test_unknown_mc_driver(params):
    p = _with_mc(params, {"drivers.nope": {"dist": "fixed", "mean": 1}})
    with pytest.raises(ParameterError, match=r"drivers\.nope: not a numeric plan parameter"):
        monte_carlo(p)
    q = _with_mc(params, {"drivers.arpa_monthly_eur": {"dist": "normal", "mean": 1}})
    with pytest.raises(ParameterError, match="normal needs \\['sd'\\]"):
        monte_carlo(q)


def test_sensitivity_matches_run_plan(params):
    df = sensitivity(params, "mrr_end", pct=0.1)
    assert len(df) == 15
    assert list(df["swing"]) == sorted(df["swing"], reverse=True)
    row = df[df.driver == "drivers.arpa_monthly_eur"].iloc[0]
    low = run_plan(params, {"drivers.arpa_monthly_eur": 144.0}).summary["mrr_end"]
    high = run_plan(params, {"drivers.arpa_monthly_eur": 176.0}).summary["mrr_end"]
    assert (row.low_value, row.high_value) == pytest.approx((144.0, 176.0))
    assert row.kpi_low == pytest.approx(low, rel=1e-12)
    assert row.kpi_high == pytest.approx(high, rel=1e-12)
    assert row.kpi_base == pytest.approx(run_plan(params).summary["mrr_end"], rel=1e-12)
    # in the target basis lead volumes do not move MRR
    assert df[df.driver == "channels.inbound.leads_per_month"].swing.iloc[0] == 0


def test_sensitivity_of_cost(params):
    """The cost per lead moves what is paid for: the planned leads on the funnel basis
    (±10 % of 13 € × 500 MQL × 12 months = ±7,800 €), the leads the target requires on
    the target basis (±10 % of 13 € × 360 ÷ .02625 MQL = ±17,828.57 €)."""
    funnel = apply_overrides(params, {"drivers.new_customers_basis": "funnel"})
    df = sensitivity(funnel, "cost_total", drivers=["channels.inbound.cost_per_lead_eur"])
    assert df.swing.iloc[0] == pytest.approx(2 * 0.1 * 13 * 500 * 12)
    df = sensitivity(params, "cost_total", drivers=["channels.inbound.cost_per_lead_eur"])
    assert df.swing.iloc[0] == pytest.approx(2 * 0.1 * 13 * 360 / (0.35 * 0.30 * 0.25))


def test_sensitivity_errors(params):
    with pytest.raises(ValueError, match="unknown KPI 'nope'"):
        sensitivity(params, "nope")
    with pytest.raises(ValueError, match="unknown KPI 'cost_by_category'"):
        sensitivity(params, "cost_by_category")
    with pytest.raises(ParameterError, match=r"channels\.x\.y: not a numeric driver"):
        sensitivity(params, "mrr_end", drivers=["channels.x.y"])


def test_default_drivers_skip_unused(params):
    drivers = default_sensitivity_drivers(params)
    assert "channels.outbound.mql_to_sql" not in drivers  # outbound enters at SQL
    assert "targets.1.value" in drivers  # the new-customer target
    assert "targets.0.value" not in drivers  # the MRR target does not drive the plan


def test_p_hit_churn_triangular(params):
    # churn end ~ triangular(0.025, 0.03, 0.045); the target 3 % is hit when the draw is
    # ≤ the mode: P = (0.03 - 0.025) / (0.045 - 0.025) = 0.25
    mc = monte_carlo(params, draws=20_000, seed=4)
    assert mc.p_hit["churn"] == pytest.approx(0.25, abs=0.012)


def test_no_drawn_drivers_is_the_plan(params):
    p = _with_mc(params, {})
    mc = monte_carlo(p, draws=100, seed=1)
    assert mc.draws == 100 and mc.drivers == []
    # the deterministic plan on the target basis: MRR 127,661 € ≥ 120,000 €, 600 new
    # customers by construction, CAC (marketing for the required leads) 344 € > 200 €
    assert mc.p_hit == {"mrr_end": 1.0, "new_customers": 1.0, "cac": 0.0, "churn": 1.0}
    funnel = monte_carlo(
        apply_overrides(p, {"drivers.new_customers_basis": "funnel"}), draws=100, seed=1
    )
    # funnel basis: 369 < 600 new customers, MRR 97,902 € < 120,000 €, CAC 93,600 / 369
    assert funnel.p_hit == {"mrr_end": 0.0, "new_customers": 0.0, "cac": 0.0, "churn": 1.0}


# --------------------------------------------------------------------------- relative overrides

# the scenarios as cloudflow.yaml defined them before they became relative
OLD_ABSOLUTE = {
    "best": {
        "drivers.churn_rate_monthly.end": 0.025,
        "channels.inbound.leads_per_month": 600,
        "channels.inbound.demo_to_won": 0.28,
    },
    "worst": {
        "drivers.churn_rate_monthly.path": "constant",
        "channels.inbound.leads_per_month": 400,
        "channels.outbound.sql_to_demo": 0.22,
    },
}
REGIONS = ("AT", "CH", "DE-Nord", "DE-Süd")


@pytest.mark.parametrize("name", ["best", "worst"])
def test_relative_scenarios_keep_the_company_figures(params, name):
    assert scenario_overrides(params, name) == OLD_ABSOLUTE[name]
    old = run_plan(params, OLD_ABSOLUTE[name]).summary
    assert run_scenario(params, name).summary == old


@pytest.mark.parametrize("region", REGIONS)
def test_region_worst_base_best_are_ordered(region):
    p = load_params(CONFIGS / "cloudflow.yaml", region=region)
    runs = {s: run_scenario(p, s) for s in ("worst", "base", "best")}
    for kpi in ("new_customers_funnel", "mrr_end"):
        worst, base, best = (runs[s].summary[kpi] for s in ("worst", "base", "best"))
        assert worst <= base <= best, (region, kpi, worst, base, best)
    assert (
        runs["worst"].summary["new_customers_funnel"] < runs["base"].summary["new_customers_funnel"]
    )
    leads = p.channels["inbound"].leads_per_month
    assert runs["worst"].params.channels["inbound"].leads_per_month == pytest.approx(0.8 * leads)
    assert runs["best"].params.channels["inbound"].leads_per_month == pytest.approx(1.2 * leads)


def test_at_worst_scales_the_at_lead_volume():
    at = load_params(CONFIGS / "cloudflow.yaml", region="AT")
    ovr = scenario_overrides(at, "worst")
    assert ovr["channels.inbound.leads_per_month"] == 60.0  # 0.8 × 75, not the company's 400
    assert ovr["channels.outbound.sql_to_demo"] == 0.22


def test_relative_values_factor_delta_and_both(params):
    got = resolve_overrides(
        params,
        {
            "channels.inbound.leads_per_month": {"factor": 0.5},
            "channels.outbound.sql_to_demo": {"delta": -0.08},
            "drivers.arpa_monthly_eur": {"factor": 1.1, "delta": 4},
            "budget.total_eur": 1000,
        },
    )
    assert got == {
        "channels.inbound.leads_per_month": 250.0,
        "channels.outbound.sql_to_demo": 0.22,  # rounded: not 0.21999999999999997
        "drivers.arpa_monthly_eur": 180.0,
        "budget.total_eur": 1000,
    }
    applied = apply_overrides(params, {"channels.inbound.leads_per_month": {"factor": 0}})
    assert applied.channels["inbound"].leads_per_month == 0


def test_relative_churn_end_left_open_counts_from_start(params):
    constant = apply_overrides(params, {"drivers.churn_rate_monthly": {"start": 0.04}})
    assert constant.drivers.churn_rate_monthly.end is None
    got = resolve_overrides(constant, {"drivers.churn_rate_monthly.end": {"delta": -0.01}})
    assert got == {"drivers.churn_rate_monthly.end": 0.03}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"factr": 0.8}, r"unknown key\(s\) \['factr'\] in a relative value"),
        ({"factor": 0.8, "scale": 2}, r"unknown key\(s\) \['scale'\]"),
        ({"factor": -0.5}, r"factor must be >= 0, not -0.5"),
        ({"factor": "0.8"}, r"factor must be a number"),
        ({}, r"an empty relative value"),
    ],
)
def test_bad_relative_values_name_scenario_and_path(params, value, message):
    p = params.model_copy(
        update={"scenarios": {"bad": {"channels.inbound.leads_per_month": value}}}
    )
    with pytest.raises(
        ParameterError, match=r"scenarios\.bad: channels\.inbound\.leads_per_month: "
    ):
        run_scenario(p, "bad")
    with pytest.raises(ParameterError, match=message):
        run_scenario(p, "bad")


def test_relative_value_on_a_text_parameter_is_an_error(params):
    with pytest.raises(
        ParameterError, match=r"drivers\.churn_rate_monthly\.path: a relative value"
    ):
        apply_overrides(params, {"drivers.churn_rate_monthly.path": {"factor": 2}})


def test_relative_result_is_revalidated(params):
    with pytest.raises(ParameterError, match=r"channels\.inbound\.demo_to_won: 1\.25 is above 1"):
        apply_overrides(params, {"channels.inbound.demo_to_won": {"factor": 5}})
