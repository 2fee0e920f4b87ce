"""Adaptation rules: malformed rules, hand-checked evaluation, the sample actuals."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from planning_lib.controlling.rules import (
    RuleError,
    evaluate_rule,
    rules_from_data,
    rules_from_yaml,
)
from planning_lib.core.params import Rule
from planning_lib.core.paths import CONFIGS, SAMPLE_DATA
from planning_lib.metrics.kpis import KpiContext
from tests.metrics.test_kpis import CTX, tables


def load_rules(path) -> list[Rule]:
    return rules_from_yaml(path.read_text(encoding="utf-8"), str(path))


BASE = {"code": "r1", "metric": "sql_to_demo", "comparison": "<", "threshold": 0.5,
        "action_de": "Aktion", "action_en": "action"}  # fmt: skip


def rule(**kw) -> Rule:
    return rules_from_data([{**BASE, **kw}])[0]


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"metric": "sql_to_dmeo"}, "metric", "unknown metric 'sql_to_dmeo'"),
        ({"comparison": "=<"}, "comparison", "'=<' is not allowed"),
        ({"window_months": 0}, "window_months", "greater than or equal to 1"),
        ({"scope": {"team": "x"}}, "scope", "unknown key 'team'"),
        ({"per": "owner"}, "per", "'owner' is not allowed"),
        ({"metric": "cac", "per": "channel"}, "per", "'cac' has no dimension 'channel'"),
        ({"metric": "win_rate", "comparison": "below_plan"}, "comparison", "no plan value"),
        ({"comparison": "below_plan", "scope": {"region": "AT"}}, "scope", "not split by region"),
        ({"colour": "red"}, "colour", "unknown key"),
    ],
)
def test_malformed_rule_names_rule_and_field(change, field, text):
    with pytest.raises(RuleError, match=f"rule 'r1', field '{field}'") as exc:
        rules_from_data([{**BASE, **change}])
    assert text in str(exc.value)
    assert exc.value.field == field


def test_missing_action_and_duplicate_codes():
    no_action = {k: v for k, v in BASE.items() if k != "action_en"}
    with pytest.raises(RuleError, match="rule 'r1', field 'action_en'"):
        rules_from_data([no_action])
    with pytest.raises(RuleError, match="rule 'r1', field 'code': used more than once"):
        rules_from_data([BASE, BASE])


def test_standalone_rules_file_loads(tmp_path):
    rules = load_rules(CONFIGS / "rules.yaml")
    assert [r.code for r in rules] == ["mql_to_sql_low", "churn_high", "outbound_below_plan"]
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {code: x, metric: nope, comparison: '<', threshold: 1,"
                   " action_de: a, action_en: b}\n")  # fmt: skip
    with pytest.raises(RuleError, match="rule 'x', field 'metric'"):
        load_rules(bad)
    with pytest.raises(RuleError, match="must hold a list of rules"):
        rules_from_yaml("rules: 3", "x.yaml")


# hand-made actuals of tests/metrics/test_kpis.py; SQL cohorts count as complete 30 days after
# their month: Jan (Jan 31 + 30 = Mar 2) and Feb (Mar 30) are judged, Mar (Apr 30) is not.
HAND = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30})


def test_evaluation_by_hand():
    # SQL→demo: Jan cohort {L1, L4} 2/2 = 1.0; Feb {L2, L5, L6} 1/3 → below 0.5 in Feb only
    [res] = evaluate_rule(rule(), tables(), HAND)
    assert res["triggered"] and res["trigger_months"] == ["2026-02"]
    assert [(e["month"], e["condition_met"], e["cohort_incomplete"]) for e in res["evidence"]] == [
        ("2026-01", False, False),
        ("2026-02", True, False),
    ]
    assert res["evidence"][1]["value"] == pytest.approx(1 / 3, abs=1e-6)
    # two consecutive months needed: Feb alone is not enough
    [res2] = evaluate_rule(rule(window_months=2), tables(), HAND)
    assert not res2["triggered"] and res2["trigger_months"] == []
    # per channel: inbound Jan {L1} 1.0, Feb {L2, L6} 0.0 → triggers; outbound Jan {L4} 1.0;
    # partner Feb {L5} 1.0
    per = {r["member"]: r["triggered"] for r in evaluate_rule(rule(per="channel"), tables(), HAND)}
    assert per == {"inbound": True, "outbound": False, "partner": False}
    # scope keeps the rows of one channel
    [scoped] = evaluate_rule(rule(scope={"channel": "partner"}), tables(), HAND)
    assert not scoped["triggered"]


def test_young_cohorts_are_not_judged():
    # with the default 60 days no SQL month of Q1 is complete on 2026-03-31
    [res] = evaluate_rule(rule(), tables(), CTX)
    assert not res["triggered"]
    assert [e["cohort_incomplete"] for e in res["evidence"]] == [True, True]
    # Feb's 1/3 is below 0.5, but an incomplete cohort never counts
    assert [e["condition_met"] for e in res["evidence"]][1] is True


@pytest.fixture(scope="module")
def sample(params):
    from planning_lib.controlling.plan_view import PlanView
    from planning_lib.data.loaders import load_dataset
    from planning_lib.plan.model import run_plan

    plan = run_plan(params)
    ctx = KpiContext(as_of=dt.date(2026, 6, 30), start=dt.date(2026, 1, 1))
    return (
        params,
        load_dataset(SAMPLE_DATA / "actuals"),
        ctx,
        PlanView.from_params(plan.monthly, params),
    )


def test_sample_actuals_trigger_the_seed_rules(sample):
    from planning_lib.controlling.rules import evaluate_rules

    params, actuals, ctx, view = sample
    results = evaluate_rules(params.rules, actuals, ctx, view)
    fired = {(r["rule"], r["member"]): r for r in results if r["triggered"]}
    # the injected SQL→demo dip: AT, SQL months Feb and Mar 2026 (README: 3/72, 5/75)
    # issue 11: rules judge execution (actual vs plan_funnel); the partner channel's
    # shortfall against the target split is a gap of the plan, see the next test
    assert set(fired) == {("sql_to_demo_low", "AT")}
    at = fired[("sql_to_demo_low", "AT")]
    assert at["trigger_months"] == ["2026-02", "2026-03"]
    ev = {e["month"]: e["value"] for e in at["evidence"]}
    assert ev["2026-02"] == pytest.approx(3 / 72, abs=1e-6)
    assert ev["2026-03"] == pytest.approx(5 / 75, abs=1e-6)
    # June SQLs are too young to judge: shown below the threshold, marked, not counted
    june = next(e for e in at["evidence"] if e["month"] == "2026-06")
    assert (june["condition_met"], june["cohort_incomplete"]) == (True, True)
    assert june["value"] < 0.2
    quiet = [r for r in results if r["rule"] == "sql_to_demo_low" and not r["triggered"]]
    assert sorted(r["member"] for r in quiet) == ["CH", "DE-Nord", "DE-Süd"]
    # partner: no customer in H1 against a target split of 5.5/month, but the planned
    # partners deliver 0 until April (plan_funnel 0: never judged) and 0.9 in May and June
    # (0 of 0.9: met) -> 2 months, window 3: quiet
    [partner] = [r for r in results if r["rule"] == "channel_below_plan"]
    assert (partner["member"], partner["triggered"]) == ("partner", False)
    assert partner["judged_against"] == "plan_funnel"
    ev = {e["month"]: e for e in partner["evidence"]}
    assert [ev[m]["plan_funnel"] for m in sorted(ev)] == pytest.approx([0, 0, 0, 0, 0.9, 0.9])
    assert [ev[m]["condition_met"] for m in sorted(ev)] == [False] * 4 + [True] * 2
    assert all(e["value"] == 0 and e["plan"] > 0 for e in partner["evidence"])


def test_budget_shift_judges_execution_not_the_target_split(sample):
    """A per-channel rule on new customers (below 80 %, 2 months) on the sample actuals.

    Actual new customers Jan..Jun: inbound 20, 14, 10, 14, 14, 10 (82), outbound 12, 10,
    18, 18, 15, 15 (88), partner 0. Target split (plan) inbound 33, 33, 33, 31.5, 30,
    28.5 (189): every month below 80 % (10/33 .. 20/33 ≤ 0.61), so judged on the target
    split inbound would trigger and lose budget. Its planned leads deliver
    500 × 0.35 × 0.30 × 0.25 = 13.125 a month (plan_funnel, 78.75 in H1; 82/78.75 =
    104 %): below 80 % only in March and June (10/13.125 = 0.76), never 2 months in a
    row -> quiet. Outbound: plan_funnel 16.5/month: Jan 12/16.5 = 0.73 and Feb 10/16.5 =
    0.61 -> triggered (Jan, Feb). Partner: plan_funnel 0.9 in May and June, 0 won ->
    triggered (May, Jun) with attainment 0. Partner's proposal: its remaining marketing
    Jul..Dec × (1 − 0), to inbound (May+Jun 24 of 26.25 = 0.914286) and outbound (30 of
    33 = 0.909091), both ≥ 0.8, in proportion to these attainments.
    """
    from planning_lib.controlling.rules import evaluate_rules, rules_from_data

    _, actuals, ctx, view = sample
    rule = {"code": "per_channel", "metric": "new_customers", "comparison": "below_plan",
            "threshold": 0.8, "window_months": 2, "per": "channel",
            "action_de": "Budget umschichten", "action_en": "Shift budget"}  # fmt: skip
    results = {r["member"]: r for r in evaluate_rules(rules_from_data([rule]), actuals, ctx, view)}
    assert not results["inbound"]["triggered"]
    inbound = {e["month"]: e for e in results["inbound"]["evidence"]}
    assert inbound["2026-01"]["share_of_plan"] == pytest.approx(20 / 33, abs=1e-6)
    assert inbound["2026-01"]["share_of_plan_funnel"] == pytest.approx(20 / 13.125, abs=1e-6)
    met = [m for m, e in sorted(inbound.items()) if e["condition_met"]]
    assert met == ["2026-03", "2026-06"]
    assert results["outbound"]["trigger_months"] == ["2026-01", "2026-02"]
    partner = results["partner"]
    assert partner["trigger_months"] == ["2026-05", "2026-06"]
    prop = partner["proposal"]
    remaining = view.line("cost_marketing", "partner")[6:].sum()
    assert prop["attainment"] == 0.0
    assert prop["amount_eur"] == pytest.approx(remaining, abs=0.01)
    to = {t["channel"]: t for t in prop["to"]}
    a_in, a_out = 24 / 26.25, 30 / 33
    assert to["inbound"]["attainment"] == pytest.approx(a_in, abs=1e-6)
    assert to["outbound"]["attainment"] == pytest.approx(a_out, abs=1e-6)
    assert to["inbound"]["amount_eur"] == pytest.approx(remaining * a_in / (a_in + a_out), abs=0.01)


def test_sample_actuals_leave_the_other_rules_quiet(sample):
    from planning_lib.controlling.rules import evaluate_rules

    _, actuals, ctx, view = sample
    results = evaluate_rules(load_rules(CONFIGS / "rules.yaml"), actuals, ctx, view)
    assert results and not any(r["triggered"] for r in results)
    assert {r["rule"] for r in results} == {"mql_to_sql_low", "churn_high", "outbound_below_plan"}
