"""Adaptation rules: malformed rules, hand-checked evaluation, the sample actuals."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from test_kpis import CTX, tables

from planning_lib.kpis import KpiContext
from planning_lib.params import Rule, load_params
from planning_lib.paths import CONFIGS, SAMPLE_DATA
from planning_lib.rules import RuleError, evaluate_rule, rules_from_data, rules_from_yaml


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


# hand-made actuals of tests/test_kpis.py; SQL cohorts count as complete 30 days after
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
def sample():
    from planning_lib.data.loaders import load_dataset
    from planning_lib.model import run_plan
    from planning_lib.plan_view import PlanView

    params = load_params(CONFIGS / "cloudflow.yaml")
    plan = run_plan(params)
    ctx = KpiContext(as_of=dt.date(2026, 6, 30), start=dt.date(2026, 1, 1))
    return (
        params,
        load_dataset(SAMPLE_DATA / "actuals"),
        ctx,
        PlanView.from_params(plan.monthly, params),
    )


def test_sample_actuals_trigger_the_seed_rules(sample):
    from planning_lib.rules import evaluate_rules

    params, actuals, ctx, view = sample
    results = evaluate_rules(params.rules, actuals, ctx, view)
    fired = {(r["rule"], r["member"]): r for r in results if r["triggered"]}
    # the injected SQL→demo dip: AT, SQL months Feb and Mar 2026 (README: 3/72, 5/75)
    assert set(fired) == {("sql_to_demo_low", "AT"), ("channel_below_plan", "partner")}
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
    # partner: no customer won in H1 against a plan of 60/year spread by seasonality
    partner = fired[("channel_below_plan", "partner")]
    assert partner["trigger_months"][:3] == ["2026-01", "2026-02", "2026-03"]
    assert all(e["value"] == 0 and e["plan"] > 0 for e in partner["evidence"])
    prop = partner["proposal"]
    # planned partner marketing Jul..Dec: the plan's cost_marketing/partner after June
    remaining = view.line("cost_marketing", "partner")
    assert prop["planned_remaining_marketing_eur"] == pytest.approx(remaining[6:].sum())
    assert prop["amount_eur"] == pytest.approx(prop["planned_remaining_marketing_eur"])  # 0 %
    assert sum(t["amount_eur"] for t in prop["to"]) == pytest.approx(prop["amount_eur"])
    assert all(t["attainment"] >= 0.8 for t in prop["to"])


def test_sample_actuals_leave_the_other_rules_quiet(sample):
    from planning_lib.rules import evaluate_rules

    _, actuals, ctx, view = sample
    results = evaluate_rules(load_rules(CONFIGS / "rules.yaml"), actuals, ctx, view)
    assert results and not any(r["triggered"] for r in results)
    assert {r["rule"] for r in results} == {"mql_to_sql_low", "churn_high", "outbound_below_plan"}
