"""One plan per run (issue 11): every figure on the same new customers, both bases side by side.

The CloudFlow figures are worked out by hand in each docstring (seed: 500 MQL/month
inbound at .35 × .30 × .25, 250 SQL/month outbound at .30 × .22, partners 3 per quarter
with 2 leads a month after 2 months at .5 × .3; target 600 split 60/30/10 by lead share).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from planning_lib.core.overrides import apply_overrides
from planning_lib.core.paths import CONFIGS
from planning_lib.metrics.clv import customer_lifetime
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import monte_carlo, plan_bases, run_scenario
from planning_lib.present.plan_finding_texts import plan_finding_text

FUNNEL = {"drivers.new_customers_basis": "funnel"}


@pytest.fixture(scope="module")
def bases(params):
    return plan_bases(params, draws=2_000, seed=7)


def _falling_churn() -> list[float]:
    return [0.05 - 0.02 * m / 11 for m in range(12)]


def _funnel_new_by_month() -> list[float]:
    """New customers per month from the planned leads (bottom-up).

    inbound 500 × .35 × .30 × .25 = 13.125 and outbound 250 × .30 × .22 = 16.5 every
    month (the months before plan start repeat month 1); partner SQL from active
    partners 0,0,6,6,6,12,12,12,18,18,18,24 reach 'won' two months later at .5 × .3.
    """
    partner_sql = [0, 0, 6, 6, 6, 12, 12, 12, 18, 18, 18, 24]
    partner_won = [0, 0] + [x * 0.5 * 0.3 for x in partner_sql[:10]]
    return [13.125 + 16.5 + p for p in partner_won]


def test_funnel_basis_by_hand(bases):
    """Funnel basis: 369 new customers; MRR 80,000 € run month by month with the falling
    churn (on month-start MRR) and 160 € per new customer: ≈ 97,902 €, far below the
    120,000 € target, so no draw reaches it (P ≈ 0)."""
    new = _funnel_new_by_month()
    assert sum(new) == pytest.approx(369)
    mrr = 80_000.0
    for c, n in zip(_falling_churn(), new, strict=True):
        mrr = mrr - c * mrr + 160 * n
    assert mrr == pytest.approx(97_902.43, abs=0.01)
    f = bases["funnel"]
    assert f["new_customers"] == pytest.approx(369)
    assert f["mrr_end"] == pytest.approx(mrr, rel=1e-12)
    assert f["marketing_cost"] == pytest.approx(500 * 13 * 12 + 250 * 3 * 12 + 132 * 50)
    assert f["p_mrr_target"] == 0.0
    assert f["p_new_customers_target"] == 0.0


def test_target_basis_pays_for_the_required_leads(params, bases):
    """Target basis: 600 customers and the leads they need.

    inbound 360 ÷ .02625 = 13,714.29 MQL × 13 € = 178,285.71 €; outbound 180 ÷ .066 =
    2,727.27 SQL × 3 € = 8,181.82 €; partner 60 ÷ .15 = 400 SQL × 50 € = 20,000 €:
    206,467.53 € against the planned 93,600 € (2.21 times, 112,867.53 € more), stated as
    a critical finding with the euro figures.
    """
    t = bases["target"]
    needed = 178_285.714 + 8_181.818 + 20_000
    assert t["new_customers"] == pytest.approx(600)
    assert t["marketing_cost"] == pytest.approx(needed, abs=0.01)
    assert t["marketing_cost"] / bases["funnel"]["marketing_cost"] == pytest.approx(
        2.2058, abs=1e-4
    )
    plan = run_plan(params)
    f = next(x for x in plan.findings if x.code == "target_leads_cost")
    assert f.severity == "critical"
    assert f.numbers["marketing_required"] == pytest.approx(needed, abs=0.01)
    assert f.numbers["marketing_planned"] == pytest.approx(93_600)
    assert f.numbers["difference"] == pytest.approx(needed - 93_600, abs=0.01)
    assert "206.468 €" in plan_finding_text(f, "de") and "93.600 €" in plan_finding_text(f, "de")
    # every cost line follows the 600: commissions on 540 rep deals and 60 partner deals
    assert plan.summary["commissions_total"] == pytest.approx(540 * 192 + 60 * 384)
    # P(hit) on this basis: the MRR target is judged on the 600 customers' MRR
    assert t["p_mrr_target"] > 0.5
    assert t["p_new_customers_target"] == 1.0  # by construction: the basis assumes it
    # the funnel basis costs less, delivers less and never reaches the MRR target
    assert bases["funnel"]["cost_total"] < t["cost_total"]


def test_channel_without_planned_leads(params):
    """A channel with 0 planned leads: on the funnel basis it wins nobody; on the target
    basis its 180 customers cost the 2,727.27 SQL they need × 3 € = 8,181.82 € (CAC
    45.45 €), never a CAC of 0."""
    zero = {"channels.outbound.leads_per_month": 0.0}
    funnel = run_plan(params, {**zero, **FUNNEL})
    assert funnel.summary["new_customers_by_team"]["outbound_team"] == 0
    assert math.isnan(funnel.summary["cac_by_channel"]["outbound"])
    target = run_plan(params, zero)
    assert target.line("cost_marketing", "outbound").sum() == pytest.approx(180 / 0.066 * 3)
    assert target.summary["cac_by_channel"]["outbound"] == pytest.approx(3 / 0.066)


def test_best_case_costs_less_than_worst_case(params):
    """Target basis, marketing for the required leads: best (inbound demo→won .28)
    needs 360 ÷ (.35 × .30 × .28) = 12,244.90 MQL × 13 € = 159,183.67 € + 8,181.82 +
    20,000 = 187,365.49 €; worst (outbound SQL→demo .22) needs 180 ÷ (.22 × .22) =
    3,719.01 SQL × 3 € = 11,157.02 € + 178,285.71 + 20,000 = 209,442.73 €."""
    best, worst = run_scenario(params, "best"), run_scenario(params, "worst")
    marketing = lambda r: r.summary["cost_by_category"]["marketing"]  # noqa: E731
    assert marketing(best) == pytest.approx(187_365.49, abs=0.01)
    assert marketing(worst) == pytest.approx(209_442.73, abs=0.01)
    assert best.summary["cost_total"] < worst.summary["cost_total"]
    assert best.summary["mrr_end"] > worst.summary["mrr_end"]


def test_monte_carlo_of_a_scenario_is_centred_on_it(params):
    """best sets churn at year end to 2.5 %; the declared triangular(2.5 %, 3 %, 4.5 %)
    moves with it to (2 %, 2.5 %, 4 %), so P(churn ≤ 3 %) = 1 − (4 − 3)² ÷ ((4 − 2) ×
    (4 − 2.5)) = 2/3 (base: (3 − 2.5) ÷ (4.5 − 2.5) = 1/4)."""
    best = run_scenario(params, "best").params
    mc = monte_carlo(best, draws=40_000, seed=3)
    assert mc.p_hit["churn"] == pytest.approx(2 / 3, abs=0.01)
    assert monte_carlo(params, draws=40_000, seed=3).p_hit["churn"] == pytest.approx(0.25, abs=0.01)


def test_customer_lifetime_by_hand():
    """Closed forms: constant churn c gives 1 ÷ c; with a yearly discount r each month
    counts d = (1 + r)^(−1/12), L = 1 ÷ (1 − (1 − c) d); zero churn is capped."""
    assert customer_lifetime(np.full((1, 12), 0.05))[0] == pytest.approx(20.0)
    d = 1.1 ** (-1 / 12)
    assert customer_lifetime(np.full((1, 12), 0.05), discount_yearly=0.1)[0] == pytest.approx(
        1 / (1 - 0.95 * d)
    )
    assert customer_lifetime(np.zeros((1, 12)), cap_months=60)[0] == 60.0


def test_zero_churn_caps_the_lifetime_with_a_finding(params):
    """Zero churn: lifetime 60 months (the default cap), CLV 160 × .8 × 60 = 7,680 €."""
    plan = run_plan(params, {"drivers.churn_rate_monthly": {"start": 0.0}})
    assert plan.summary["clv"] == pytest.approx(7_680)
    assert math.isinf(plan.summary["clv_end_churn"]) or math.isnan(plan.summary["clv_end_churn"])
    f = next(x for x in plan.findings if x.code == "clv_lifetime_capped")
    assert f.numbers["lifetime_cap_months"] == 60


def test_nrr_grr_with_expansion_and_contraction(params):
    """Constant churn 2 %, expansion 1 %, contraction 0.5 % a month on the starting base:
    NRR = (1 − .02 + .01 − .005)^12 = .985^12 = 83.41 %, GRR = .975^12 = 73.81 %."""
    plan = run_plan(
        params,
        {
            "drivers.churn_rate_monthly": {"start": 0.02},
            "drivers.expansion_rate_monthly": 0.01,
            "drivers.contraction_rate_monthly": 0.005,
        },
    )
    assert plan.summary["nrr"] == pytest.approx(0.985**12)
    assert plan.summary["grr"] == pytest.approx(0.975**12)


def test_company_cash_by_hand(params):
    """January: receipts 104,160 € (test_model), cost of revenue 20 % of 84,800 € =
    16,960 €, sales & marketing 51,717.19 €, other operating cost 60,000 €: 150,000 −
    24,517.19 = 125,482.81 €, below the opening balance, so the low point is a month."""
    plan = run_plan(params, {"budget.other_operating_monthly_eur": 60_000})
    jan = 150_000 + 104_160 - 0.2 * 84_800 - 51_717.19 - 60_000
    assert plan.line("company_cash_balance")[0] == pytest.approx(jan, abs=0.01)
    assert plan.summary["company_cash_low_point"] == pytest.approx(
        plan.line("company_cash_balance").min()
    )
    assert plan.summary["company_cash_low_point"] < 150_000
    # the sales cash has no cost of revenue and no other operating cost
    assert plan.line("cash_balance")[0] == pytest.approx(150_000 + 104_160 - 51_717.19, abs=0.01)


def test_rising_churn_is_checked_at_the_worse_rate(params):
    """Churn rising 3 % → 5 %: the 'constant churn' check uses 5 %, not the start's 3 %.
    Flat seasonality: 50 new customers × 160 € = 8,000 € a month, so at 5 % MRR =
    80,000 × .95^12 + 8,000 × (1 − .95^12) ÷ .05 = 116,771.2 €."""
    plan = run_plan(
        params,
        {
            "drivers.seasonality": None,
            "drivers.churn_rate_monthly": {"start": 0.03, "end": 0.05, "path": "linear"},
        },
    )
    closed = 80_000 * 0.95**12 + 8_000 * (1 - 0.95**12) / 0.05
    assert plan.summary["mrr_end_churn_constant"] == pytest.approx(closed, rel=1e-12)
    f = next(x for x in plan.findings if x.code.startswith("mrr_target"))
    assert f.numbers["churn_constant"] == 0.05
    assert f.numbers["mrr_with_constant_churn"] == pytest.approx(closed, abs=0.01)


def test_planned_leads_follow_the_target_seasonality(params):
    """leads_seasonality 'target': inbound MQL = 500 × the month's weight (Jan 1.1 ...)."""
    plan = run_plan(params, {"channels.inbound.leads_seasonality": "target"})
    weights = params.drivers.seasonality
    assert plan.line("mql", "inbound") == pytest.approx([500 * w for w in weights])
    assert plan.line("mql", "inbound").sum() == pytest.approx(6_000)


def test_open_pipeline_feeds_the_first_months(params):
    """An empty pipeline at plan start: inbound's first deals come from January's MQL
    (lags 0 + 1 + 1), so January and February win 0 inbound customers; with 40 demos a
    month open, January wins 40 × .25 = 10."""
    empty = run_plan(params, {"channels.inbound.open_pipeline": {"mql": 0, "sql": 0, "demos": 0}})
    won = empty.line("customers_new_funnel", "inbound")
    assert won[:2].tolist() == [0.0, 0.0]
    assert won[2] == pytest.approx(13.125)
    some = run_plan(params, {"channels.inbound.open_pipeline": {"demos": 40}})
    assert some.line("customers_new_funnel", "inbound")[0] == pytest.approx(10)


def test_zero_budget_is_a_finding_not_a_cac_of_zero(params):
    plan = run_plan(params, {"budget.total_eur": 0, "budget.by_category": {}})
    assert math.isnan(plan.summary["cac_budget"])
    assert any(f.code == "budget_missing" for f in plan.findings)


def test_zero_budget_is_one_finding_not_also_over_budget(params):
    """No budget given (total 0 €, no categories): the plan's costs (> 0 €: CloudFlow has a
    team and leads) exceed 0 €, but that is the missing budget, said once by
    ``budget_missing``; ``cost_over_budget`` ("… übersteigen das Budget (0 €)") must not
    fire beside it. A budget of 1 € keeps ``cost_over_budget`` (costs > 1.01 €) and drops
    ``budget_missing``."""
    plan = run_plan(params, {"budget.total_eur": 0, "budget.by_category": {}})
    codes = [f.code for f in plan.findings]
    assert plan.summary["cost_total"] > 0
    assert "budget_missing" in codes
    assert "cost_over_budget" not in codes
    tiny = run_plan(params, {"budget.total_eur": 1, "budget.by_category": {"marketing": 1}})
    codes = [f.code for f in tiny.findings]
    assert "cost_over_budget" in codes
    assert "budget_missing" not in codes


def test_plan_cli_writes_both_bases(tmp_path):
    """`planning plan` puts the pair into summary.json: 369 vs 600 new customers."""
    out = tmp_path / "plan"
    cmd = [sys.executable, "-m", "planning_lib.cli.main", "plan"]
    cmd += ["--config", str(CONFIGS / "cloudflow.yaml"), "--draws", "500", "--seed", "1"]
    subprocess.run([*cmd, "--out", str(out)], check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["basis"] == "target"
    assert summary["bases"]["funnel"]["new_customers"] == pytest.approx(369)
    assert summary["bases"]["target"]["new_customers"] == pytest.approx(600)
    assert summary["bases"]["funnel"]["p_mrr_target"] == 0.0
    assert summary["roi"] == pytest.approx(summary["ltv_to_cac"] - 1, abs=1e-5)


def test_basis_override_keeps_params_valid(params):
    p = apply_overrides(params, FUNNEL)
    assert p.drivers.new_customers_basis == "funnel"


def test_open_pipeline_from_the_sample_history(params, tmp_path):
    """`planning plan --data data/sample`: the months before plan start hold the sample's
    stage entries of October-December 2025 (mean per month; counted here directly from
    the leads' stage dates, a second method): inbound 552 MQL, 204.33 SQL, 65 demos;
    outbound 157 SQL, 50.33 demos; partner 1/3 SQL, 0 demos.

    Funnel basis, lags inbound 0/1/1, outbound and partner 1/1: January wins the open
    demos × demo→won, February the open SQL × SQL→demo × demo→won, from March on the
    planned volumes. inbound 65 × .25 + 204.33 × .30 × .25 + 10 × 13.125 = 162.825
    (steady state 157.5); outbound 50.33 × .22 + 157 × .30 × .22 + 10 × 16.5 = 186.435
    (198); partner 0 + 1/3 × .5 × .3 + 13.5 = 13.55 (13.5): 362.81 instead of 369.
    """
    import pandas as pd

    from planning_lib.core.paths import SAMPLE_DATA
    from planning_lib.data.loaders import load_dataset

    leads = load_dataset(SAMPLE_DATA)["leads"]
    window = (pd.Timestamp("2025-10-01"), pd.Timestamp("2025-12-31"))

    def entries(channel, col):
        d = pd.to_datetime(leads.loc[leads["channel"] == channel, col])
        return float(((d >= window[0]) & (d <= window[1])).sum()) / 3

    assert entries("inbound", "mql_date") == pytest.approx(552)
    assert entries("inbound", "sql_date") == pytest.approx(204.333, abs=1e-3)
    assert entries("inbound", "demo_date") == pytest.approx(65)
    assert entries("outbound", "sql_date") == pytest.approx(157)
    assert entries("outbound", "demo_date") == pytest.approx(50.333, abs=1e-3)
    assert entries("partner", "sql_date") == pytest.approx(1 / 3)
    inbound = 65 * 0.25 + 613 / 3 * 0.30 * 0.25 + 10 * 13.125
    outbound = 151 / 3 * 0.22 + 157 * 0.30 * 0.22 + 10 * 16.5
    partner = 1 / 3 * 0.5 * 0.3 + 13.5
    out = tmp_path / "plan"
    cmd = [sys.executable, "-m", "planning_lib.cli.main", "plan", "--config"]
    cmd += [str(CONFIGS / "cloudflow.yaml"), "--data", str(SAMPLE_DATA), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["new_customers_funnel"] == pytest.approx(inbound + outbound + partner)
    assert summary["new_customers_funnel"] == pytest.approx(362.81, abs=0.01)
    assert summary["new_customers"] == pytest.approx(600)  # the target basis is unchanged


def test_plan_with_a_missing_data_folder_is_one_line(tmp_path):
    """`plan --data` on a folder that does not exist stops with one line naming it (exit 1,
    nothing written), instead of planning without the history as if nothing was given."""
    out = tmp_path / "plan"
    cmd = [sys.executable, "-m", "planning_lib.cli.main", "plan", "--config"]
    cmd += [str(CONFIGS / "cloudflow.yaml"), "--data", str(tmp_path / "nope"), "--out", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [f"error: data folder not found: {tmp_path / 'nope'}"]
    assert not out.exists()


def _with_revenue_target(params, value: float, drawn: bool = True):
    """CloudFlow plus a revenue target (EUR through 2026-12-31, the plan's last month);
    ``drawn=False`` declares no Monte Carlo driver, so every draw is the plan itself."""
    from planning_lib.core.params import Target

    t = Target(code="revenue", metric="revenue", value=value, unit="EUR", deadline="2026-12-31")
    update = {"targets": [*params.targets, t]}
    if not drawn:
        update["monte_carlo"] = params.monte_carlo.model_copy(update={"drivers": {}})
    return params.model_copy(update=update)


def test_no_revenue_target_no_revenue_probability(bases):
    """CloudFlow has no revenue target: the bases carry no ``p_revenue_target`` key (the
    sample's summary.json keeps its keys)."""
    assert all("p_revenue_target" not in bases[b] for b in ("funnel", "target"))


@pytest.mark.parametrize("basis", ["funnel", "target"])
def test_revenue_probability_without_drawn_drivers_is_one_or_zero(params, basis):
    """No driver drawn: every draw is the deterministic plan of the basis, whose revenue
    R is the sum of its 12 monthly ``revenue`` lines (run_plan). A target 1 € below R is
    met by every draw (P = 1), one 1 € above by none (P = 0)."""
    r = float(
        run_plan(apply_overrides(params, {"drivers.new_customers_basis": basis}))
        .line("revenue")
        .sum()
    )
    below = plan_bases(_with_revenue_target(params, r - 1, drawn=False), draws=50, seed=3)
    above = plan_bases(_with_revenue_target(params, r + 1, drawn=False), draws=50, seed=3)
    assert below[basis]["p_revenue_target"] == 1.0
    assert above[basis]["p_revenue_target"] == 0.0


def test_revenue_probability_is_the_share_of_the_draws_own_revenue(params):
    """Drawn drivers (CloudFlow's declared distributions, 400 draws, seed 11): the funnel
    basis's P(revenue target) equals the share of the draws whose revenue over the 12
    plan months reaches the target, computed from the draws themselves (draw_values →
    plan_lines with the same seed, revenue summed per draw). The target is set at the
    draws' median, so the share is strictly between 0 and 1 and not a trivial 0 or 1."""
    from planning_lib.plan.inputs import model_inputs
    from planning_lib.plan.lines import plan_lines
    from planning_lib.plan.scenarios import draw_values

    funnel = apply_overrides(params, FUNNEL)
    values, drivers = draw_values(funnel, 400, 11)
    assert drivers  # the case draws something
    lines, n = plan_lines(model_inputs(funnel), values)
    revenue = np.broadcast_to(np.asarray(lines[("revenue", "")]), (n, 12)).sum(axis=1)
    target = float(np.median(revenue))
    want = float((revenue >= target).mean())
    assert 0.0 < want < 1.0
    got = plan_bases(_with_revenue_target(params, target), draws=400, seed=11)
    assert got["funnel"]["p_revenue_target"] == pytest.approx(want, abs=1e-12)
