"""The plan of a transactional business (issue #13 item 4), derived by hand on a tiny config.

One channel ``direct``: 40 SQL a month, sql_to_demo 1, demo_to_won 0.25, won in the
month of the SQL (all lags 0), funnel basis: N = 40 × 1 × 0.25 = 10 new deals every
month. Drivers: deal size 1,000 €, repeat-purchase rate 5 % of the month-start base,
repeat deal 400 €, churn 2 %, 100 customers at plan start, no MRR.
"""

from __future__ import annotations

import datetime as dt

import pytest

from planning_lib.core.fields import ParameterError
from planning_lib.core.params import params_from_dict
from planning_lib.plan.model import run_plan


def tiny(**drivers_extra) -> dict:
    return {
        "company": {
            "name": "Tiny",
            "plan_start": dt.date(2026, 1, 1),
            "business_model": "transactional",
        },
        "current": {"customers": 100, "mrr_eur": 0.0, "reps": {"ae": 2}},
        "history": {"new_customers_last_year": 120, "cac_eur": 0.0, "clv_eur": 0.0},
        "drivers": {
            "churn_rate_monthly": 0.02,
            "arpa_monthly_eur": 0.0,
            "gross_margin": 0.5,
            "new_customers_basis": "funnel",
            "transactional": {
                "deal_size_eur": 1000.0,
                "repeat_purchase_rate_monthly": 0.05,
                "repeat_deal_size_eur": 400.0,
            },
            **drivers_extra,
        },
        "channels": {
            "direct": {
                "label_de": "Direkt",
                "label_en": "Direct",
                "lead_share": 1.0,
                "entry_stage": "sql",
                "leads_per_month": 40.0,
                "sql_to_demo": 1.0,
                "demo_to_won": 0.25,
                "lag_demo_to_won_months": 0,
            }
        },
        "organisation": {
            "roles": {"ae": {"label_de": "AE", "label_en": "AE", "salary_yearly_eur": 0.0}}
        },
        "compensation": {"commission_rate_first_year": 0.1},
        "budget": {"total_eur": 0.0, "by_category": {}},
    }


@pytest.fixture(scope="module")
def plan():
    return run_plan(params_from_dict(tiny()))


def test_first_two_months_by_hand(plan):
    """Month 1: base 100 at start, 100 × 5 % = 5 repeat purchases × 400 € = 2,000 €, new
    10 × 1,000 € = 10,000 €, revenue 12,000 €; end base 100 × 0.98 + 10 = 108.
    Month 2: base 108, 5.4 repeats × 400 € = 2,160 €, revenue 12,160 €; end
    108 × 0.98 + 10 = 115.84."""
    assert list(plan.line("customers_new")[:2]) == pytest.approx([10, 10])
    assert list(plan.line("customers_start")[:2]) == pytest.approx([100, 108])
    assert list(plan.line("customers_end")[:2]) == pytest.approx([108, 115.84])
    assert list(plan.line("repeat_purchases")[:2]) == pytest.approx([5, 5.4])
    assert list(plan.line("bookings_new")[:2]) == pytest.approx([10_000, 10_000])
    assert list(plan.line("bookings_repeat")[:2]) == pytest.approx([2_000, 2_160])
    assert list(plan.line("revenue")[:2]) == pytest.approx([12_000, 12_160])
    assert list(plan.line("gross_profit")[:2]) == pytest.approx([6_000, 6_080])
    assert plan.line("mrr_end") == pytest.approx([0.0] * 12)


def test_year_totals_closed_form(plan):
    """Base at month start t (0-based): B_t = 0.98^t × 100 + 10 × (1 − 0.98^t) ÷ 0.02
    = 500 − 400 × 0.98^t; Σ_{t<12} B_t = 12 × 500 − 400 × (1 − 0.98^12) ÷ 0.02;
    bookings = 120 × 1,000 + 0.05 × 400 × Σ B_t."""
    base_sum = 12 * 500 - 400 * (1 - 0.98**12) / 0.02
    s = plan.summary
    assert s["repeat_purchases_total"] == pytest.approx(0.05 * base_sum)
    assert s["bookings_total"] == pytest.approx(120_000 + 20 * base_sum)
    assert s["revenue_total"] == pytest.approx(s["bookings_total"])
    assert s["bookings_year1"] == pytest.approx(s["bookings_total"])


def test_commissions_on_the_deal(plan):
    """All 10 deals a month are rep deals: commission 10 % × 10 × 1,000 € = 1,000 €."""
    assert plan.line("cost_commissions")[:2] == pytest.approx([1_000, 1_000])
    assert plan.line("first_year_revenue_new")[0] == pytest.approx(10_000)


def test_clv_from_repeat_purchases(plan):
    """Churn 2 % constant, no discount: lifetime 1 ÷ 0.02 = 50 months (cap 60); CLV =
    0.5 × (1,000 + 0.05 × 49 × 400) = 0.5 × 1,980 = 990 €."""
    assert plan.summary["customer_lifetime_months"] == pytest.approx(50)
    assert plan.summary["clv"] == pytest.approx(990)


def test_recurring_share_adds_the_mrr():
    """With 2,000 € MRR at start and 50 € ARPA per new deal the MRR bridge runs as for
    a subscription: month 1 MRR 2,000 × 0.98 + 10 × 50 = 2,460 €, revenue 12,000 +
    2,460 = 14,460 €."""
    d = tiny(arpa_monthly_eur=50.0)
    d["current"]["mrr_eur"] = 2000.0
    p = run_plan(params_from_dict(d))
    assert p.line("mrr_end")[0] == pytest.approx(2_460)
    assert p.line("revenue")[0] == pytest.approx(14_460)


def test_transactional_needs_its_drivers():
    d = tiny()
    del d["drivers"]["transactional"]
    with pytest.raises(ParameterError, match=r"drivers\.transactional"):
        params_from_dict(d)


def _finding(plan, code):
    return next(f for f in plan.findings if f.code == code)


def test_commissions_not_budgeted_on_the_deal_value(plan):
    """Nothing budgeted for commissions: the finding's 'if all deals were rep deals' is
    10 % × 120 new deals × 1,000 € = 12,000 € (no MRR: 12 × ARPA adds 0), the same as the
    plan's commissions (all deals are rep deals here): 12 months × 1,000 €."""
    f = _finding(plan, "commissions_not_budgeted")
    assert f.numbers["commissions_if_all_rep_deals"] == pytest.approx(12_000)
    assert f.numbers["commissions_total"] == pytest.approx(12_000)


def test_repeat_purchases_commissioned_when_the_rules_say_so():
    """compensation.commission_rate_repeat_purchase 5 %: month 1 = 10 % × 10,000 € +
    5 % × 2,000 € = 1,100 €, month 2 = 1,000 + 5 % × 2,160 = 1,108 €; the finding adds
    5 % × all repeat bookings (20 × Σ B_t, closed form above) to the 12,000 €."""
    d = tiny()
    d["compensation"]["commission_rate_repeat_purchase"] = 0.05
    p = run_plan(params_from_dict(d))
    assert p.line("cost_commissions")[:2] == pytest.approx([1_100, 1_108])
    base_sum = 12 * 500 - 400 * (1 - 0.98**12) / 0.02
    f = _finding(p, "commissions_not_budgeted")
    assert f.numbers["commissions_if_all_rep_deals"] == pytest.approx(
        12_000 + 0.05 * 20 * base_sum, abs=0.01
    )


def test_repeat_purchases_earn_nothing_by_default(plan):
    """No repeat-purchase rate in the rules: commissions stay 10 % of the new deals only."""
    assert plan.params.compensation.commission_rate_repeat_purchase is None
    assert plan.line("cost_commissions")[1] == pytest.approx(1_000)


def test_controlling_reads_the_deal_value(plan):
    """Controlling's plan of new revenue and deal size: 10 deals × 1,000 € = 10,000 € a
    month, 1,000 € a deal (not 12 × ARPA = 0). With ARPA 50 € the first-year MRR is
    added: 10 × (1,000 + 600) = 16,000 €, 1,600 € a deal."""
    from planning_lib.controlling.plan_view import PlanView, plan_values

    view = PlanView.from_params(plan.monthly, plan.params)
    assert plan_values(view, "new_revenue", "month").iloc[0] == pytest.approx(10_000)
    assert plan_values(view, "avg_deal_size", "month").iloc[0] == pytest.approx(1_000)
    p = run_plan(params_from_dict(tiny(arpa_monthly_eur=50.0)))
    view = PlanView.from_params(p.monthly, p.params.model_dump(mode="json"))
    assert plan_values(view, "new_revenue", "month").iloc[0] == pytest.approx(16_000)
    assert plan_values(view, "avg_deal_size", "month").iloc[0] == pytest.approx(1_600)


def _with_paths(paths: dict) -> dict:
    d = tiny()
    d["drivers"]["paths"] = paths
    return d


def test_deal_size_moves_linearly():
    """drivers.paths: deal size 1,000 → 1,200 € linear over 12 months: month t (1-based)
    1,000 × (1 + 0.2 × (t − 1) ÷ 11); new bookings = 10 deals × that: 10,000 € in
    month 1, 10 × (1,000 + 200 ÷ 11) = 10,181.82 € in month 2, 12,000 € in month 12;
    the commission follows the month's deal: 10 % × 12,000 = 1,200 € in month 12."""
    path = {"drivers.transactional.deal_size_eur": {"end": 1200, "path": "linear"}}
    p = run_plan(params_from_dict(_with_paths(path)))
    booked = p.line("bookings_new")
    assert booked[0] == pytest.approx(10_000)
    assert booked[1] == pytest.approx(10 * (1000 + 200 / 11))
    assert booked[11] == pytest.approx(12_000)
    assert p.line("cost_commissions")[11] == pytest.approx(1_200)
    assert p.params.drivers.transactional.deal_size_eur == 1000  # the key keeps its start


def test_repeat_rate_steps_up_in_month_7():
    """Repeat rate 5 % → 10 % as a step from month 7: months 1-6 buy at 5 %, 7-12 at
    10 % of the month-start base B_t = 500 − 400 × 0.98^t (t 0-based, see above):
    month 6 = 0.05 × (500 − 400 × 0.98^5), month 7 = 0.10 × (500 − 400 × 0.98^6); the
    repeat deal (400 €) moves with its own path 400 → 200 at the same step:
    month 7 repeat bookings = 0.10 × B_6 × 200."""
    path = {
        "drivers.transactional.repeat_purchase_rate_monthly": {
            "end": 0.10,
            "path": "step",
            "step_month": 7,
        },
        "drivers.transactional.repeat_deal_size_eur": {
            "end": 200,
            "path": "step",
            "step_month": 7,
        },
    }
    p = run_plan(params_from_dict(_with_paths(path)))
    repeats = p.line("repeat_purchases")
    assert repeats[5] == pytest.approx(0.05 * (500 - 400 * 0.98**5))
    assert repeats[6] == pytest.approx(0.10 * (500 - 400 * 0.98**6))
    assert p.line("bookings_repeat")[6] == pytest.approx(0.10 * (500 - 400 * 0.98**6) * 200)


@pytest.mark.parametrize(
    ("key", "shape", "message"),
    [
        (
            "drivers.transactional.repeat_purchase_rate_monthly",
            {"end": 1.5},
            r"drivers\.paths\.drivers\.transactional\.repeat_purchase_rate_monthly\.end: "
            r"1\.5 is above 1\.0 \(a share stays within 0\.\.1\)",
        ),
        (
            "drivers.transactional.deal_size_eur",
            {"end": -5},
            r"drivers\.paths\.drivers\.transactional\.deal_size_eur\.end: -5\.0 is below 0",
        ),
        (
            "drivers.transactional.deal_siz_eur",
            {"end": 900},
            r"drivers\.transactional\.deal_siz_eur: not a driver of this plan "
            r"\(closest valid key: drivers\.transactional\.deal_size_eur\)",
        ),
    ],
)
def test_bad_transactional_paths_name_the_key(key, shape, message):
    with pytest.raises(ParameterError, match=message):
        run_plan(params_from_dict(_with_paths({key: shape})))


def test_repeat_deal_path_needs_a_start_value():
    """A path scales the start value (end ÷ start): a repeat deal of 0 € cannot move."""
    d = _with_paths({"drivers.transactional.repeat_deal_size_eur": {"end": 300}})
    d["drivers"]["transactional"]["repeat_deal_size_eur"] = 0.0
    with pytest.raises(
        ParameterError,
        match=r"drivers\.paths\.drivers\.transactional\.repeat_deal_size_eur: the start "
        r"value .* is 0",
    ):
        run_plan(params_from_dict(d))


def _paid_later(before: list[float] | None) -> dict:
    d = tiny(payment_delay_months=2)
    if before is not None:
        d["current"]["bookings_before_start_eur"] = before
    return d


def test_bookings_won_before_plan_start_are_paid_in_the_plan():
    """Payment delay 2 months, bookings of the three months before plan start 5,000 /
    7,000 / 9,000 € (oldest first): month 1 receives the bookings of 2 months before it
    (the second-last before start: 7,000 €), month 2 those of the month before start
    (9,000 €), month 3 the bookings of plan month 1 (12,000 €, see above). Without them
    months 1 and 2 receive nothing (no MRR at start)."""
    p = run_plan(params_from_dict(_paid_later([5000.0, 7000.0, 9000.0])))
    assert p.line("cash_in")[:3] == pytest.approx([7_000, 9_000, 12_000])
    bare = run_plan(params_from_dict(_paid_later(None)))
    assert bare.line("cash_in")[:3] == pytest.approx([0, 0, 12_000])
    # the sales cash ends 7,000 + 9,000 € higher, the rest of the plan is the same
    gain = p.line("cash_balance")[-1] - bare.line("cash_balance")[-1]
    assert gain == pytest.approx(16_000)


def test_too_few_months_before_start_name_the_rule():
    with pytest.raises(
        ParameterError,
        match=r"current\.bookings_before_start_eur: 1 month\(s\) given, "
        r"drivers\.payment_delay_months is 2",
    ):
        params_from_dict(_paid_later([9000.0]))


def test_bookings_before_start_only_for_a_transactional_plan():
    d = _paid_later([7000.0, 9000.0])
    d["company"]["business_model"] = "subscription"
    del d["drivers"]["transactional"]
    with pytest.raises(ParameterError, match=r"current\.bookings_before_start_eur: only for"):
        params_from_dict(d)


def test_capacity_compares_all_won_deals_with_all_won_deals():
    """Deals per rep is calibrated from all won deals, repeat purchases included
    (``planning init``: won deals ÷ head-months), so the required rep deals of a
    transactional plan count the repeat purchases too. 2 productive AEs × 6 deals = 12
    deals of capacity a month. Month 1: 10 new + 100 × 5 % = 5 repeat = 15 required, gap
    12 − 15 = −3, reps needed 15 ÷ 6 = 2.5. Month 2: 10 + 108 × 5 % = 15.4, gap −3.4,
    2.5667 reps. Month 3: base 115.84, 10 + 5.792 = 15.792. Commissions stay on the new
    deals alone (10 % × 10 × 1,000 € = 1,000 €): repeat purchases have their own rate."""
    d = tiny()
    d["organisation"]["roles"]["ae"]["deals_per_month"] = 6.0
    p = run_plan(params_from_dict(d))
    assert list(p.line("capacity_deals")[:3]) == pytest.approx([12, 12, 12])
    assert list(p.line("required_rep_deals")[:3]) == pytest.approx([15, 15.4, 15.792])
    assert list(p.line("capacity_gap")[:3]) == pytest.approx([-3, -3.4, -3.792])
    assert list(p.line("reps_needed")[:3]) == pytest.approx([2.5, 15.4 / 6, 15.792 / 6])
    assert list(p.line("cost_commissions")[:3]) == pytest.approx([1_000, 1_000, 1_000])
    assert p.summary["capacity_short_months"] == 12
