"""Targets: SMART checks, top-down splits, gap table and feasibility findings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planning_lib.plan.model import run_plan
from planning_lib.plan.targets import (
    ForecastDistribution,
    deadline_index,
    forecast_findings,
    gap_table,
    lead_history_findings,
    monthly_split,
    shares_from_history,
    split_by_shares,
    target_findings,
    target_hit,
)
from planning_lib.present.formatting import format_plain
from planning_lib.present.plan_finding_texts import plan_finding_text


def _codes(plan):
    return {f.code for f in plan.findings}


def test_deadline_index():
    start = dt.date(2026, 1, 1)
    assert deadline_index(dt.date(2026, 12, 31), start, 12) == 11
    assert deadline_index(dt.date(2027, 1, 31), start, 12) is None
    assert deadline_index(dt.date(2027, 1, 31), start, 24) == 12
    assert deadline_index(dt.date(2025, 12, 31), start, 12) is None


def test_cloudflow_targets_are_smart(params):
    assert target_findings(params) == []


def test_target_checks_find_problems(params):
    p = params.model_copy(deep=True)
    p.targets[0].deadline = dt.date(2027, 6, 30)
    p.targets[1].baseline = None
    p.targets[2].unit = "count"
    codes = [(f.code, f.numbers["target"]) for f in target_findings(p)]
    assert codes == [
        ("target_deadline_outside_horizon", "mrr_end"),
        ("target_without_baseline", "new_customers"),
        ("target_unit_mismatch", "cac"),
    ]


def test_monthly_split_cloudflow(params):
    weights = np.array(params.drivers.seasonality)
    months = monthly_split(600, weights)
    assert months[0] == pytest.approx(600 / 12 * 1.1)  # 55 in January
    assert months[7] == pytest.approx(600 / 12 * 0.8)  # 40 in August
    assert months.sum() == pytest.approx(600)  # the weights average 1


def test_split_by_shares_and_history():
    assert split_by_shares(600, {"DE-Nord": 3, "AT": 1}) == {"DE-Nord": 450, "AT": 150}
    assert split_by_shares(10, {"a": 0, "b": 0}) == {"a": 5, "b": 5}
    deals = pd.DataFrame(
        {"region": ["AT", "DE-Nord", "DE-Nord", "CH"], "mrr_eur": [100.0, 100.0, 100.0, 200.0]}
    )
    assert shares_from_history(deals, "region") == {"AT": 0.25, "CH": 0.25, "DE-Nord": 0.5}
    assert shares_from_history(deals, "region", "mrr_eur") == {"AT": 0.2, "CH": 0.4, "DE-Nord": 0.4}
    with pytest.raises(KeyError, match="column 'segment' not in history"):
        shares_from_history(deals, "segment")


def test_forecast_findings():
    fc = ForecastDistribution.default(350)
    assert fc.p90 == pytest.approx(350 + 1.2816 * 52.5, abs=0.01)  # 417.28
    assert forecast_findings(400, fc) == []
    (amb,) = forecast_findings(430, fc)
    assert (amb.code, amb.severity) == ("target_ambitious", "warning")
    # the seed's warning: 1 Mio → 10 Mio
    (unreal,) = forecast_findings(10_000_000, ForecastDistribution.default(1_000_000))
    assert (unreal.code, unreal.severity) == ("target_unrealistic", "critical")
    assert "10.000.000" in plan_finding_text(unreal, "de")
    assert "10,000,000" in plan_finding_text(unreal, "en")


def test_gap_table_cloudflow(params):
    plan = run_plan(params)
    gap = gap_table(plan.lines, ["inbound", "outbound", "partner"])
    won = gap[gap.stage == "won"].set_index("channel")
    assert won.loc["inbound", "top_down"] == pytest.approx(600 * 0.6)
    assert won.loc["inbound", "bottom_up"] == pytest.approx(13.125 * 12)
    assert won.loc["outbound", "gap"] == pytest.approx(198 - 180)
    assert won.loc["partner", "coverage"] == pytest.approx(13.5 / 60)
    assert "mql" not in set(gap[gap.channel == "outbound"].stage)


def test_budget_and_share_findings(params):
    plan = run_plan(params)
    assert "budget_categories_mismatch" not in _codes(plan)
    assert "lead_shares_not_one" not in _codes(plan)
    bad = run_plan(params, {"budget.total_eur": 450_000, "channels.inbound.lead_share": 0.5})
    f = next(x for x in bad.findings if x.code == "budget_categories_mismatch")
    assert f.numbers == {"categories_sum": 400_000, "total": 450_000}
    f = next(x for x in bad.findings if x.code == "lead_shares_not_one")
    assert f.numbers["sum"] == pytest.approx(0.9)


def test_commissions_budgeted_and_cash_negative(params):
    """Budget incl. 130,000 € commissions and 220,000 € marketing: 650,000 € covers the
    target-basis cost of 634,402.53 € (see test_model). Cash starts at −300,000 € and
    January adds 104,160 − 51,717.19 € (test_model's January), so the low point is the
    opening balance itself: −300,000 €."""
    p = run_plan(
        params,
        {
            "budget.by_category.commissions": 130_000,
            "budget.by_category.marketing": 220_000,
            "budget.total_eur": 650_000,
            "current.cash_eur": -300_000,
        },
    )
    assert "commissions_not_budgeted" not in _codes(p)
    assert "cost_over_budget" not in _codes(p)  # 634,402.53 € within 650,000 €
    assert p.line("cash_balance")[0] == pytest.approx(-300_000 + 104_160 - 51_717.19, abs=0.01)
    f = next(x for x in p.findings if x.code == "cash_negative")
    assert f.numbers["cash_low_point"] == pytest.approx(-300_000)
    assert p.findings[0].severity == "critical"


def test_target_hit_direction(params):
    cac = params.target("cac")
    assert list(target_hit(cac, np.array([150.0, 200.0, 250.0]))) == [True, True, False]
    mrr = params.target("mrr_end")
    assert list(target_hit(mrr, np.array([119_999.0, 120_000.0]))) == [False, True]


def test_target_hit_tolerates_float_noise_not_a_real_shortfall(params):
    """A count target of 7 is met by a plan sum of 7 - 1e-12 (floating-point noise of
    summing monthly deals, e.g. 6.999999999999999) and, at most 7, by 7 + 1e-12; 6.99
    misses it by 0.01 > the count tolerance 1e-6. Money counts to the cent: 119,999.996
    is 120,000.00 rounded to the cent (met), 119,999.99 is one cent short (missed)."""
    new = params.target("new_customers").model_copy(update={"value": 7.0, "direction": "at_least"})
    assert list(target_hit(new, np.array([7 - 1e-12, 7.0, 6.99]))) == [True, True, False]
    most = new.model_copy(update={"direction": "at_most"})
    assert list(target_hit(most, np.array([7 + 1e-12, 7.0, 7.01]))) == [True, True, False]
    mrr = params.target("mrr_end")
    assert mrr.value == 120_000
    assert list(target_hit(mrr, np.array([119_999.996, 119_999.99]))) == [True, False]


def test_format_plain_german_and_english():
    """German swaps the separators of Python's grouping: 1,234,567.89 -> 1.234.567,89."""
    assert format_plain(1234567.891, "de", 2) == "1.234.567,89"
    assert format_plain(1234567.891, "en", 2) == "1,234,567.89"


def test_leads_above_history(params):
    plan = run_plan(params)
    stages = {"inbound": "mql", "outbound": "sql"}
    found = lead_history_findings(plan.lines, stages, {"inbound": 800.0, "outbound": 400.0})
    assert [f.numbers["channel"] for f in found] == ["inbound"]
    # 360 ÷ .02625 = 13,714.29 MQL over 12 months (the seasonal target continues after
    # the plan, so the 12 months of leads serve one year of deals) → 1,142.86 per month
    assert found[0].numbers["required_monthly"] == pytest.approx(13_714.286 / 12, abs=0.01)
    assert found[0].numbers["ratio"] == pytest.approx(13_714.286 / 12 / 800, abs=1e-4)
