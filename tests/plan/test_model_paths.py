"""Drivers that move over the plan (``drivers.paths``), worked out by hand on CloudFlow.

CloudFlow: plan start 2026-01, 12 months, 600 new customers a year spread by the
seasonality (mean 1; January 1.1: 55 new customers), ARPA 160 €, inbound 500 MQL
a month (lags MQL→SQL 0, SQL→demo 1, demo→won 1; conversions 0.35, 0.30, 0.25),
partners: 3 signed per quarter, 2 months ramp, 2 leads each a month.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import numpy as np
import pytest

from planning_lib.core.config import dump_params, load_params
from planning_lib.core.fields import ParameterError
from planning_lib.core.overrides import PATH_KEYS, apply_overrides, driver_values
from planning_lib.core.params import params_from_dict
from planning_lib.core.paths import CONFIGS
from planning_lib.plan.channels import partners_active
from planning_lib.plan.inputs import model_inputs
from planning_lib.plan.lines import plan_lines
from planning_lib.plan.model import run_plan
from planning_lib.plan.organisation import cohort_heads
from planning_lib.plan.scenarios import PERCENTILE_ITEMS, draw_values, monte_carlo, sensitivity

ARPA_PATH = {"drivers.arpa_monthly_eur": {"end": 184, "path": "linear", "ramp_months": 12}}
LEADS_STEP = {"channels.inbound.leads_per_month": {"end": 600, "path": "step", "step_month": 7}}


@pytest.fixture(scope="module")
def plan(params):
    return run_plan(params)


def _with(params, paths, mc=None):
    """CloudFlow with ``drivers.paths`` (and Monte Carlo drivers) set."""
    data = params.model_dump()
    data["drivers"]["paths"] = paths
    if mc is not None:
        data["monte_carlo"]["drivers"] = mc
    return params_from_dict(data)


def _bridge_balances(result):
    line = result.line
    end = line("mrr_start") + line("mrr_new") + line("mrr_expansion")
    end = end - line("mrr_contraction") - line("mrr_churned")
    np.testing.assert_allclose(end, line("mrr_end"), rtol=1e-12)
    np.testing.assert_allclose(line("mrr_start")[1:], line("mrr_end")[:-1], rtol=1e-12)
    cust = line("customers_start") + line("customers_new") - line("customers_churned")
    np.testing.assert_allclose(cust, line("customers_end"), rtol=1e-12)


def test_arpa_linear_160_to_184(params, plan):
    result = run_plan(_with(params, ARPA_PATH))
    new = result.line("customers_new")
    assert new[0] == pytest.approx(55.0)  # 600 / 12 × 1.1 (January)
    arpa = [160 + 24 * (t - 1) / 11 for t in range(1, 13)]
    assert arpa[0] == 160 and arpa[5] == pytest.approx(170.909090) and arpa[11] == 184
    mrr_new = result.line("mrr_new")
    assert mrr_new[0] == pytest.approx(55 * 160)  # 8,800 €
    assert mrr_new[5] == pytest.approx(new[5] * 170.9090909)  # June: 47.5 × 170.91
    assert mrr_new[5] == pytest.approx(47.5 * (160 + 24 * 5 / 11))
    assert mrr_new[11] == pytest.approx(40 * 184)  # December: 600/12 × 0.8 × 184 = 7,360 €
    np.testing.assert_allclose(mrr_new, new * np.array(arpa), rtol=1e-12)
    _bridge_balances(result)
    # commissions on the month's ARPA: reps 10 % × 12 × non-partner new × ARPA_t
    reps_new = result.line("required_rep_deals")
    np.testing.assert_allclose(
        result.line("cost_commissions", "reps"), 0.1 * 12 * reps_new * np.array(arpa), rtol=1e-12
    )
    # the start value and the structure are untouched; only MRR-driven lines move
    assert result.line("customers_new").tolist() == plan.line("customers_new").tolist()
    assert result.summary["mrr_end"] > plan.summary["mrr_end"]


def test_inbound_leads_step_500_to_600_in_july(params, plan):
    result = run_plan(_with(params, LEADS_STEP))
    # planned leads are flat unless leads_seasonality says otherwise: MQL is the planned volume
    assert result.line("mql", "inbound").tolist() == [500.0] * 6 + [600.0] * 6
    assert plan.line("mql", "inbound").tolist() == [500.0] * 12
    # the planned leads' marketing; the funnel basis pays for exactly these
    np.testing.assert_allclose(
        result.line("marketing_planned", "inbound"), [6500.0] * 6 + [7800.0] * 6
    )
    funnel = run_plan(_with(params, LEADS_STEP), {"drivers.new_customers_basis": "funnel"})
    np.testing.assert_allclose(
        funnel.line("cost_marketing", "inbound"), [6500.0] * 6 + [7800.0] * 6
    )
    demos = result.line("demos", "inbound")  # SQL→demo lag 1: July's SQL hold demos in August
    assert demos[6] == pytest.approx(500 * 0.35 * 0.30)  # 52.5
    assert demos[7] == pytest.approx(600 * 0.35 * 0.30)  # 63.0
    won = result.line("won", "inbound")  # demo→won lag 1
    assert won[7] == pytest.approx(52.5 * 0.25)  # 13.125
    assert won[8] == pytest.approx(63.0 * 0.25)  # 15.75
    _bridge_balances(result)


def test_partner_signings_step_and_conversion_of_the_cohort_month(params):
    paths = {
        "channels.partner.new_partners_per_quarter": {"end": 6, "path": "step", "step_month": 7},
        "channels.inbound.demo_to_won": {"end": 0.5, "path": "step", "step_month": 7},
    }
    result = run_plan(_with(params, paths))
    # signed in months 1, 4 (3 each), 7, 10 (6 each); live 2 months later
    active = [0, 0, 3, 3, 3, 6, 6, 6, 12, 12, 12, 18]
    assert result.line("partners_active", "partner").tolist() == active
    assert result.line("partners_signed", "partner").tolist() == [3, 0, 0, 3, 0, 0] + [6, 0, 0] * 2
    assert result.line("leads_entry", "partner").tolist() == [2.0 * a for a in active]
    # demos held in June convert at June's 25 % (won in July), July's at 50 %
    won = result.line("won", "inbound")
    assert won[6] == pytest.approx(52.5 * 0.25) and won[7] == pytest.approx(52.5 * 0.5)


def test_attrition_moving_over_the_months():
    leave = np.array([[0.1] * 3 + [0.5] * 3])
    heads = cohort_heads(np.array([[10.0]]), 1, leave, 6)
    # joins in month index 1; at the end of months 1, 2: 10 % leave, of months 3, 4: 50 %
    np.testing.assert_allclose(heads, [[0, 10, 9, 8.1, 4.05, 2.025]])
    flat = cohort_heads(np.array([[10.0]]), 1, np.full((1, 6), 0.1), 6)
    np.testing.assert_allclose(flat, cohort_heads(np.array([[10.0]]), 1, np.array([[0.1]]), 6))
    per_month = np.full((1, 12), 3.0)
    np.testing.assert_allclose(
        partners_active(np.array([[1.0]]), per_month, 2, 12),
        partners_active(np.array([[1.0]]), np.array([[3.0]]), 2, 12),
    )


def test_end_equal_to_start_reproduces_the_plan_exactly(params, plan):
    same = {
        "drivers.arpa_monthly_eur": {"end": 160, "path": "linear"},
        "channels.inbound.leads_per_month": {"end": 500, "path": "step", "step_month": 4},
        "organisation.roles.inside_sales.salary_yearly_eur": {"end": 42000, "path": "linear"},
    }
    result = run_plan(_with(params, same))
    assert result.lines.keys() == plan.lines.keys()
    for key, arr in plan.lines.items():
        assert np.array_equal(result.lines[key], arr), key
    assert result.summary == plan.summary


def test_yaml_form_loads(params, tmp_path):
    path = tmp_path / "paths.yaml"
    dump_params(_with(params, {**ARPA_PATH, **LEADS_STEP}), path)
    text = path.read_text(encoding="utf-8")
    assert "drivers.arpa_monthly_eur:" in text and "channels.inbound.leads_per_month:" in text
    loaded = load_params(path)
    assert loaded.drivers.paths["channels.inbound.leads_per_month"].step_month == 7
    assert run_plan(loaded).line("mql", "inbound")[6] == 600
    # the path shape is structure, not a driver value: the keys stay as they were
    assert driver_values(loaded).keys() == driver_values(params).keys()


@pytest.mark.parametrize(
    ("key", "shape", "message"),
    [
        (
            "drivers.arpa_monthly",
            {"end": 184},
            r"drivers\.paths\.drivers\.arpa_monthly: not a driver of this plan "
            r"\(closest valid key: drivers\.arpa_monthly_eur\)",
        ),
        (
            "channels.inbund.leads_per_month",
            {"end": 600},
            r"channels\.inbund\.leads_per_month: not a driver .*"
            r"closest valid key: channels\.inbound\.leads_per_month",
        ),
        (
            "current.customers",
            {"end": 600},
            r"drivers\.paths\.current\.customers: cannot move over the plan",
        ),
        ("budget.total_eur", {"end": 1}, r"drivers\.paths\.budget\.total_eur: cannot move"),
        (
            "organisation.hires.0.count",
            {"end": 3},
            r"drivers\.paths\.organisation\.hires\.0\.count: not a driver|cannot move",
        ),
        ("targets.0.value", {"end": 1}, r"drivers\.paths\.targets\.0\.value: cannot move"),
        (
            "drivers.churn_rate_monthly.end",
            {"end": 0.02},
            r"churn_rate_monthly\.end: cannot move .*churn has its own path",
        ),
        (
            "channels.outbound.sql_to_demo",
            {"end": 1.3},
            r"drivers\.paths\.channels\.outbound\.sql_to_demo\.end: 1\.3 is above 1\.0",
        ),
        (
            "drivers.arpa_monthly_eur",
            {"end": -5},
            r"drivers\.paths\.drivers\.arpa_monthly_eur\.end: -5\.0 is below 0",
        ),
        (
            "drivers.expansion_rate_monthly",
            {"end": 0.01},
            r"drivers\.paths\.drivers\.expansion_rate_monthly: the start value .* is 0",
        ),
    ],
)
def test_bad_paths_name_the_key(params, key, shape, message):
    bad = _with(params, {key: shape})
    with pytest.raises(ParameterError, match=message):
        run_plan(bad)
    with pytest.raises(ParameterError, match=message):
        model_inputs(bad)


def test_bad_path_shape_is_a_parameter_error(params):
    with pytest.raises(ParameterError, match=r"drivers\.paths\..*path"):
        _with(params, {"drivers.arpa_monthly_eur": {"end": 184, "path": "curvy"}})
    with pytest.raises(ParameterError, match=r"exactly one of 'end' .* or 'factor'"):
        _with(params, {"drivers.arpa_monthly_eur": {"path": "linear"}})
    with pytest.raises(ParameterError, match=r"exactly one of 'end' .* or 'factor'"):
        _with(params, {"drivers.arpa_monthly_eur": {"end": 184, "factor": 1.15}})
    with pytest.raises(ParameterError, match=r"factor: -1(\.0)? is below 0"):
        _with(params, {"drivers.arpa_monthly_eur": {"factor": -1}})
    share = _with(params, {"channels.inbound.demo_to_won": {"factor": 5}})
    with pytest.raises(
        ParameterError,
        match=r"paths\.channels\.inbound\.demo_to_won\.factor: 0\.25 × 5 = 1\.25 is above 1",
    ):
        run_plan(share)


def test_factor_is_end_over_start_and_follows_the_start(params):
    by_end = run_plan(_with(params, LEADS_STEP))
    factor = {"channels.inbound.leads_per_month": {"factor": 1.2, "path": "step", "step_month": 7}}
    by_factor = _with(params, factor)
    assert (
        run_plan(by_factor).line("mql", "inbound").tolist()
        == by_end.line("mql", "inbound").tolist()
    )
    # an override of the start: with a factor the end follows (400 → 480) ...
    moved = run_plan(by_factor, {"channels.inbound.leads_per_month": 400})
    assert moved.line("mql", "inbound").tolist() == [400.0] * 6 + [480.0] * 6
    # ... with an absolute end it stays where it was given (400 → 600)
    moved = run_plan(_with(params, LEADS_STEP), {"channels.inbound.leads_per_month": 400})
    assert moved.line("mql", "inbound").tolist() == [400.0] * 6 + [600.0] * 6


def test_factor_fits_a_region(params, tmp_path):
    base = tmp_path / "base.yaml"
    dump_params(
        _with(
            params,
            {"channels.inbound.leads_per_month": {"factor": 1.2, "path": "step", "step_month": 7}},
        ),
        base,
    )
    (tmp_path / "regions").mkdir()
    (tmp_path / "regions" / "AT.yaml").write_text(
        (CONFIGS / "regions" / "AT.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    region = load_params(base, region="AT")
    assert region.channels["inbound"].leads_per_month == 75  # AT plans 75 MQL a month
    assert run_plan(region).line("mql", "inbound").tolist() == [75.0] * 6 + [90.0] * 6


def test_monte_carlo_draws_move_the_whole_path(params):
    p = _with(
        params,
        ARPA_PATH,
        mc={"drivers.arpa_monthly_eur": {"dist": "normal", "mean": 160, "sd": 16}},
    )
    inp = model_inputs(p)
    values, _ = draw_values(p, 500, 3)
    lines, n = plan_lines(inp, values)
    assert n == 500 and lines[("mrr_new", "")].shape == (500, 12)
    drawn = np.asarray(values["drivers.arpa_monthly_eur"])
    multiplier = 1 + 0.15 * np.arange(12) / 11  # 184 / 160 = 1.15 at month 12
    expected = lines[("customers_new", "")] * drawn[:, None] * multiplier
    np.testing.assert_allclose(lines[("mrr_new", "")], expected, rtol=1e-12)
    # a draw of 176 € runs to 176 × 1.15 = 202.4 € in December
    np.testing.assert_allclose(
        lines[("mrr_new", "")][:, -1] / lines[("customers_new", "")][:, -1], drawn * 1.15
    )


def test_zero_variance_monte_carlo_equals_the_plan_with_paths(params):
    mc = {
        "drivers.arpa_monthly_eur": {"dist": "normal", "mean": 160, "sd": 0},
        "channels.inbound.leads_per_month": {"dist": "fixed", "mean": 500},
        "channels.inbound.demo_to_won": {"dist": "uniform", "low": 0.25, "high": 0.25},
    }
    paths = {
        **ARPA_PATH,
        **LEADS_STEP,
        "channels.inbound.demo_to_won": {"end": 0.3, "path": "linear", "ramp_months": 6},
    }
    data = _with(params, paths, mc=mc).model_dump()
    data["monte_carlo"]["draws"] = 200
    p = params_from_dict(data)
    result = monte_carlo(p)
    plan = run_plan(p)
    for item in PERCENTILE_ITEMS:
        rows = result.percentiles[result.percentiles.line_item == item]
        for col in ("p10", "p50", "p90"):
            assert np.array_equal(rows[col].to_numpy(), plan.line(item)), (item, col)
    assert result.summary["mrr_end"]["p50"] == plan.summary["mrr_end"]


def test_every_movable_driver_broadcasts_over_months(params):
    data = params.model_dump()
    data["drivers"] |= {"expansion_rate_monthly": 0.01, "contraction_rate_monthly": 0.005}
    data["organisation"]["roles"]["inside_sales"]["attrition_yearly"] = 0.2
    data["budget"]["other_monthly_eur"] = 1000.0
    params = params_from_dict(data)
    values = driver_values(params)
    # every movable driver with a non-zero value (CloudFlow + the four set above)
    movable = [k for k in values if values[k] and any(fnmatchcase(k, p) for p in PATH_KEYS)]
    assert len(movable) == 28
    paths = {k: {"end": 0.9 * values[k], "path": "linear", "ramp_months": 12} for k in movable}
    p = _with(params, paths)
    result = run_plan(p)
    for key, arr in result.lines.items():
        assert np.shape(arr) == (1, 12), key
        if key[0] not in ("capacity_gap", "cash_balance", "contribution_margin", "reps_needed"):
            assert (np.asarray(arr) >= -1e-9).all(), key
    _bridge_balances(result)
    # every path's driver lower at the end: fewer leads, lower MRR, lower cost than the plan
    base = run_plan(params)
    assert result.line("mql", "inbound")[-1] == pytest.approx(0.9 * 500)
    assert result.summary["mrr_end"] < base.summary["mrr_end"]
    # sensitivity moves the start, and so the whole path, by ±10 %
    table = sensitivity(p, "mrr_end", ["drivers.arpa_monthly_eur"])
    assert table.loc[0, "kpi_base"] == pytest.approx(result.summary["mrr_end"])
    assert table.loc[0, "kpi_low"] < table.loc[0, "kpi_base"] < table.loc[0, "kpi_high"]


def test_drawn_shares_stay_within_0_1_along_the_path(params):
    # Monte Carlo draws are centred on the plan's value: set it to 0.75, the middle of
    # uniform(0.6, 0.9), so the draws stay 0.6..0.9
    p = _with(
        apply_overrides(params, {"channels.inbound.demo_to_won": 0.75}),
        {"channels.inbound.demo_to_won": {"factor": 1.2, "path": "linear"}},  # × 1.2 by Dec
        mc={"channels.inbound.demo_to_won": {"dist": "uniform", "low": 0.6, "high": 0.9}},
    )
    values, _ = draw_values(p, 50, 1)
    lines, _ = plan_lines(model_inputs(p), values)
    demos = lines[("demos", "inbound")]
    won = lines[("won", "inbound")]
    # December's deals are November's demos at November's rate: the draw × (1 + 0.2 ×
    # 10/11), clipped to 100 % (draws above 0.846 would exceed it), never more
    assert (won[:, -1] <= demos[:, -2] + 1e-9).all()
    drawn = np.asarray(values["channels.inbound.demo_to_won"])
    expected = np.minimum(drawn * (1 + 0.2 * 10 / 11), 1.0)
    np.testing.assert_allclose(won[:, -1] / demos[:, -2], expected, rtol=1e-12)
    assert (expected == 1.0).any() and (expected < 1.0).any()
