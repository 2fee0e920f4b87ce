"""Property tests: bridges balance, nothing negative, budget sums, monotonic drivers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning_lib.core.config import load_params
from planning_lib.core.overrides import apply_overrides, driver_values
from planning_lib.core.paths import CONFIGS
from planning_lib.core.vocabulary import COST_CATEGORIES
from planning_lib.plan.budget import prepaid_mrr
from planning_lib.plan.inputs import model_inputs
from planning_lib.plan.lines import plan_lines

BASE = load_params(CONFIGS / "cloudflow.yaml")
SHAPES = {
    (basis, path, months): apply_overrides(
        BASE,
        {
            "drivers.new_customers_basis": basis,
            "drivers.churn_rate_monthly.path": path,
            "company.horizon_months": months,
            "drivers.payment_delay_months": 1 if months == 24 else 0,
        },
    )
    for basis in ("target", "funnel")
    for path in ("constant", "linear", "step")
    for months in (12, 24, 36)
}
# balances may go below zero (a finding says so)
MAY_BE_NEGATIVE = {"capacity_gap", "contribution_margin", "cash_balance", "company_cash_balance"}

share = st.floats(0.0, 1.0)
drivers = st.fixed_dictionaries(
    {
        "drivers.churn_rate_monthly.start": st.floats(0.0, 0.3),
        "drivers.churn_rate_monthly.end": st.floats(0.0, 0.3),
        "drivers.expansion_rate_monthly": st.floats(0.0, 0.05),
        "drivers.contraction_rate_monthly": st.floats(0.0, 0.05),
        "drivers.arpa_monthly_eur": st.floats(0.0, 1000.0),
        "drivers.annual_prepay_share": share,
        "channels.inbound.leads_per_month": st.floats(0.0, 5000.0),
        "channels.inbound.mql_to_sql": share,
        "channels.outbound.sql_to_demo": share,
        "channels.partner.demo_to_won": share,
        "current.reps.inside_sales": st.integers(0, 20).map(float),
        "organisation.hires.0.count": st.integers(0, 10).map(float),
        "organisation.roles.inside_sales.attrition_yearly": share,
        "targets.1.value": st.floats(0.0, 5000.0),
    }
)
shape_key = st.sampled_from(sorted(SHAPES))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _lines(key, values):
    params = SHAPES[key]
    base = driver_values(params)
    base.update(values)
    lines, n = plan_lines(model_inputs(params), base)
    return {k: np.broadcast_to(v, (n, v.shape[-1])) for k, v in lines.items()}


@FAST
@given(key=shape_key, values=drivers)
def test_bridges_balance_and_nothing_negative(key, values):
    lines = _lines(key, values)
    g = lambda item, ch="": lines[(item, ch)][0]  # noqa: E731
    np.testing.assert_allclose(
        g("customers_end"),
        g("customers_start") + g("customers_new") - g("customers_churned"),
        rtol=1e-9,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        g("mrr_end"),
        g("mrr_start")
        + g("mrr_new")
        + g("mrr_expansion")
        - g("mrr_contraction")
        - g("mrr_churned"),
        rtol=1e-9,
        atol=1e-6,
    )
    np.testing.assert_allclose(g("customers_start")[1:], g("customers_end")[:-1])
    np.testing.assert_allclose(g("mrr_start")[1:], g("mrr_end")[:-1])
    for (item, ch), arr in lines.items():
        if item not in MAY_BE_NEGATIVE:
            assert np.nanmin(arr) >= -1e-9, (item, ch)
    # company cash = sales cash (same opening, receipts, sales & marketing cost) minus the
    # cumulated cost of revenue and other operating cost
    np.testing.assert_allclose(
        g("company_cash_balance"),
        g("cash_balance") - np.cumsum(g("cost_of_revenue") + g("cost_other_operating")),
        rtol=1e-9,
        atol=1e-6,
    )


@FAST
@given(key=shape_key, values=drivers)
def test_budget_sums(key, values):
    lines = _lines(key, values)
    cats = sum(lines[(f"cost_{c}", "")] for c in COST_CATEGORIES)
    np.testing.assert_allclose(lines[("cost_total", "")], cats, rtol=1e-12)
    channels = sum(lines[("cost_marketing", ch)] for ch in ("inbound", "outbound", "partner"))
    np.testing.assert_allclose(lines[("cost_marketing", "")], channels, rtol=1e-12)
    roles = sum(v for (item, _), v in lines.items() if item.startswith("cost_personnel."))
    np.testing.assert_allclose(lines[("cost_personnel", "")], roles, rtol=1e-12)
    comm = lines[("cost_commissions", "reps")] + lines[("cost_commissions", "partner")]
    np.testing.assert_allclose(lines[("cost_commissions", "")], comm, rtol=1e-12)


@FAST
@given(key=shape_key, values=drivers, more=st.floats(0.0, 0.2))
def test_higher_churn_never_raises_ending_mrr(key, values, more):
    start = values["drivers.churn_rate_monthly.start"]
    end = values["drivers.churn_rate_monthly.end"]
    values = {
        **values,
        "drivers.churn_rate_monthly.start": np.array([start, min(start + more, 1.0)]),
        "drivers.churn_rate_monthly.end": np.array([end, min(end + more, 1.0)]),
    }
    mrr = _lines(key, values)[("mrr_end", "")]
    assert np.all(mrr[1] <= mrr[0] * (1 + 1e-12) + 1e-9)


@FAST
@given(key=shape_key, values=drivers, extra=st.integers(1, 5), hires=st.integers(0, 5))
def test_more_reps_never_lower_capacity(key, values, extra, hires):
    reps = values["current.reps.inside_sales"]
    hired = values["organisation.hires.0.count"]
    values = {
        **values,
        "current.reps.inside_sales": np.array([reps, reps + extra, reps]),
        "organisation.hires.0.count": np.array([hired, hired, hired + hires]),
    }
    cap = _lines(key, values)[("capacity_deals", "")]
    assert np.all(cap[1] >= cap[0] - 1e-9)
    assert np.all(cap[2] >= cap[0] - 1e-9)


@settings(max_examples=40, deadline=None)
@given(
    churn=st.lists(st.floats(0.0, 0.5), min_size=36, max_size=36),
    new=st.lists(st.floats(0.0, 1e4), min_size=36, max_size=36),
    share_=share,
)
def test_prepaid_pool_equals_cohort_sum(churn, new, share_):
    retention = 1.0 - np.array([churn])
    mrr_new = np.array([new])
    fast = prepaid_mrr(mrr_new, retention, np.array([[share_]]))[0]
    # second method: each cohort s is prepaid in months s..s+11, shrinking by retention
    slow = np.zeros(36)
    for s in range(36):
        value = share_ * new[s]
        for t in range(s, min(s + 12, 36)):
            if t > s:
                value *= retention[0, t]
            slow[t] += value
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-6)


def test_cloudflow_nothing_negative_36_months():
    p = apply_overrides(BASE, {"company.horizon_months": 36})
    lines, _ = plan_lines(model_inputs(p), driver_values(p))
    assert all(arr.min() >= 0 for (item, _), arr in lines.items() if item not in MAY_BE_NEGATIVE)
    assert lines[("mrr_end", "")].shape == (1, 36)


def test_mismatched_draw_lengths_raise():
    values = driver_values(BASE)
    values["drivers.arpa_monthly_eur"] = np.ones(3)
    values["drivers.gross_margin"] = np.ones(4)
    with pytest.raises(ValueError, match="different lengths"):
        plan_lines(model_inputs(BASE), values)
