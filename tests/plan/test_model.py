"""The CloudFlow check: the plan reproduces the seed's figures, worked out by hand here."""

from __future__ import annotations

import math

import pytest

from planning_lib.core.fields import ParameterError
from planning_lib.core.finding import Finding
from planning_lib.plan.model import run_plan
from planning_lib.present.plan_finding_texts import plan_finding_text


@pytest.fixture(scope="module")
def plan(params):
    return run_plan(params)


def _finding(plan, code):
    return next(f for f in plan.findings if f.code == code)


def test_seed_figures(plan):
    s = plan.summary
    # budget 400,000 = 250,000 + 100,000 + 30,000 + 20,000
    assert s["budget_total"] == 400_000
    assert s["budget_categories_sum"] == 250_000 + 100_000 + 30_000 + 20_000
    assert s["budget_by_category"] == {
        "personnel": 250_000,
        "marketing": 100_000,
        "tools": 30_000,
        "training_travel": 20_000,
    }
    assert s["budget_share_by_category"]["personnel"] == pytest.approx(250_000 / 400_000)
    # 600 new customers × stated CLV 3,000 = 1.8 Mio €
    assert s["new_customers"] == pytest.approx(600)
    assert s["lifetime_value_new_customers_stated"] == pytest.approx(600 * 3_000)
    assert s["lifetime_value_new_customers_stated"] == pytest.approx(1_800_000)
    # 600 × CAC 200 = 120,000 €
    assert s["acquisition_cost_at_target_cac"] == pytest.approx(120_000)
    assert s["mrr_start"] == 80_000
    assert s["customers_start"] == 500


def test_fully_loaded_cac_finding(plan):
    """The target-basis plan pays for the leads the 600 customers need (issue 11).

    Customers per channel: 600 × lead shares 0.6 / 0.3 / 0.1 = 360 / 180 / 60. The
    reverse funnel with the target's seasonality continuing after December covers
    exactly one year of deals, so the required entry leads are the annual customers ÷
    the channel's conversion: inbound 360 ÷ (.35 × .30 × .25) = 13,714.29 MQL × 13 €,
    outbound 180 ÷ (.30 × .22) = 2,727.27 SQL × 3 €, partner 60 ÷ (.5 × .3) = 400 SQL
    × 50 €. Tools 435 € and training 300 € per head and month over 69 head-months
    (5 heads Jan-Mar, 6 from April).
    """
    f = _finding(plan, "cac_fully_loaded_above_target")
    assert f.numbers["cac_target"] == 200
    assert f.numbers["cac_budget"] == pytest.approx(400_000 / 600, abs=0.01)  # 666.67
    # the model's own cost lines:
    personnel = 5 * 42_000 + 54_000 * 9 / 12  # 3 + 2 Q1 hires all year; partner manager from April
    marketing = 360 / (0.35 * 0.30 * 0.25) * 13 + 180 / (0.30 * 0.22) * 3 + 60 / (0.5 * 0.3) * 50
    assert marketing == pytest.approx(178_285.714 + 8_181.818 + 20_000, abs=0.01)
    head_months = 5 * 3 + 6 * 9
    tools, training = 435 * head_months, 300 * head_months
    # rep deals 90 % of 600 (lead shares 0.6 + 0.3), partner deals 10 %; first-year revenue 12 × 160
    commissions = 540 * 12 * 160 * 0.10 + 60 * 12 * 160 * 0.20
    cost = personnel + marketing + tools + training + commissions
    assert (personnel, tools, training, commissions) == (250_500, 30_015, 20_700, 126_720)
    assert plan.summary["cost_total"] == pytest.approx(cost)
    assert plan.summary["cac_fully_loaded"] == pytest.approx(cost / 600)
    assert f.numbers["cac_fully_loaded"] == pytest.approx(cost / 600, abs=0.01)
    assert plan.summary["cac"] == pytest.approx(marketing / 600)  # 344.11 €: marketing only
    variance = plan.summary["budget_variance_by_category"]
    assert variance["personnel"] == pytest.approx(250_500 - 250_000)
    assert variance["marketing"] == pytest.approx(marketing - 100_000)
    assert variance["tools"] == pytest.approx(15)
    assert variance["training_travel"] == pytest.approx(700)
    assert variance["commissions"] == pytest.approx(126_720)  # not budgeted at all


def test_commissions_not_budgeted(plan):
    f = _finding(plan, "commissions_not_budgeted")
    assert f.numbers["commissions_if_all_rep_deals"] == pytest.approx(600 * 160 * 12 * 0.10)
    assert f.numbers["commissions_if_all_rep_deals"] == pytest.approx(115_200)
    assert f.numbers["commissions_total"] == pytest.approx(126_720)


def _mrr_by_hand(churn: list[float], new_mrr: list[float], mrr0: float = 80_000) -> float:
    m = mrr0
    for c, n in zip(churn, new_mrr, strict=True):
        m = m - c * m + n  # churn on month-start MRR, then the month's new MRR
    return m


def test_mrr_constant_churn_closed_form(params):
    plan = run_plan(
        params, {"drivers.seasonality": None, "drivers.churn_rate_monthly.path": "constant"}
    )
    # 600 / 12 = 50 new customers × 160 € = 8,000 € new MRR each month, churn 5 %
    c, n = 0.05, 50 * 160
    closed = 80_000 * (1 - c) ** 12 + n * (1 - (1 - c) ** 12) / c
    assert closed == pytest.approx(116_771.2, abs=0.1)  # 43,228.8 + 73,542.4
    assert plan.summary["mrr_end"] == pytest.approx(closed, rel=1e-12)
    assert plan.summary["mrr_end"] < 120_000


def test_mrr_target_with_falling_vs_constant_churn(params, plan):
    weights = params.drivers.seasonality  # Jan..Dec, mean 1
    new_mrr = [600 / 12 * w * 160 for w in weights]
    falling = [0.05 - 0.02 * m / 11 for m in range(12)]  # 5 % in month 1 → 3 % in month 12
    with_path = _mrr_by_hand(falling, new_mrr)
    constant = _mrr_by_hand([0.05] * 12, new_mrr)
    assert with_path > 120_000 > constant
    assert plan.summary["mrr_end"] == pytest.approx(with_path, rel=1e-12)
    f = _finding(plan, "mrr_target_needs_churn_path")
    assert f.severity == "warning"
    assert f.numbers["mrr_with_churn_path"] == pytest.approx(with_path, abs=0.01)
    assert f.numbers["mrr_with_constant_churn"] == pytest.approx(constant, abs=0.01)
    # worst case keeps churn at 5 %: the target is missed
    worst = run_plan(params, params.scenarios["worst"])
    assert _finding(worst, "mrr_target_missed").severity == "critical"


def test_customer_bridge_and_clv(plan):
    """CLV over the churn path (issue 11): 5 % falling linearly to 3 % in month 12, then 3 %.

    Second method: survival summed month by month over 3,000 months (the tail beyond
    is below 1e-30), no closed form: L = Σ_k Π_{j<k} (1 − c_j) ≈ 29.89 months, CLV =
    160 × 0.8 × L ≈ 3,825.8 € (between 2,560 at 5 % and 4,266.67 at 3 %). ROI = (600 ×
    CLV − cost) ÷ cost, one less than LTV:CAC.
    """
    s = plan.summary
    assert s["customers_end"] == pytest.approx(500 + 600 - s["churned_customers"])
    churn = [0.05 - 0.02 * j / 11 for j in range(12)] + [0.03] * 2988
    life, alive = 0.0, 1.0
    for c in churn:
        life += alive
        alive *= 1 - c
    assert life == pytest.approx(29.889, abs=0.001)
    assert s["customer_lifetime_months"] == pytest.approx(life, rel=1e-9)
    assert s["clv"] == pytest.approx(160 * 0.8 * life, rel=1e-9)  # 3,825.83 €
    assert s["clv_end_churn"] == pytest.approx(160 * 0.8 / 0.03)  # 4,266.67 with year-end churn
    assert s["clv_start_churn"] == pytest.approx(160 * 0.8 / 0.05)  # 2,560
    assert s["lifetime_value_new_customers"] == pytest.approx(600 * 160 * 0.8 * life)
    assert s["payback_months"] == pytest.approx(s["cac_fully_loaded"] / (160 * 0.8))
    assert s["roi"] == pytest.approx((600 * 160 * 0.8 * life - s["cost_total"]) / s["cost_total"])
    assert s["roi"] == pytest.approx(s["ltv_to_cac"] - 1)
    assert s["roi"] != pytest.approx(s["ltv_to_cac"])
    assert s["roi_first_year_revenue"] == pytest.approx(600 * 12 * 160 / s["cost_total"])
    f = _finding(plan, "clv_inconsistent")
    assert f.numbers["implied_churn_monthly"] == pytest.approx(160 * 0.8 / 3_000, abs=1e-6)


def test_funnel_bottom_up_and_gap(plan):
    # inbound 500 × .35 × .30 × .25 = 13.125 / month; outbound 250 × .30 × .22 = 16.5 / month;
    # partner SQL lagged two months: 0,0,0,0,6,6,6,12,12,12,18,18 = 90 × .5 × .3 = 13.5
    assert plan.line("customers_new_funnel", "inbound").sum() == pytest.approx(13.125 * 12)
    assert plan.line("customers_new_funnel", "outbound").sum() == pytest.approx(16.5 * 12)
    assert plan.line("customers_new_funnel", "partner").sum() == pytest.approx(13.5)
    assert plan.summary["new_customers_funnel"] == pytest.approx(157.5 + 198 + 13.5)
    f = _finding(plan, "funnel_below_target")
    assert f.numbers["new_customers_funnel"] == pytest.approx(369)
    short = {x.numbers["channel"] for x in plan.findings if x.code == "leads_short"}
    assert short == {"inbound", "partner"}


def test_capacity_short_in_january(plan):
    # January: 3 ramped reps × 12 + 2 new reps at 1/3 productivity × 12 = 44 deals;
    # required rep deals = 600 / 12 × 1.1 (Jan weight) × 0.9 (non-partner share) = 49.5
    assert plan.line("capacity_deals")[0] == pytest.approx(44)
    assert plan.line("required_rep_deals")[0] == pytest.approx(49.5)
    f = _finding(plan, "capacity_short")
    assert f.numbers["months"] == ["2026-01"]
    assert f.numbers["largest_gap_deals"] == pytest.approx(5.5)
    assert plan_finding_text(f, "de") == (
        "Die produktiven Vertriebsmitarbeiter schaffen in 1 Monat nicht die nötigen "
        "Abschlüsse (größte Lücke 5,5 Deals, Jan. 2026)."
    )
    english = plan_finding_text(f, "en")
    assert english.startswith("Productive reps cannot close the required deals in 1 month ")
    # reps needed in January: 49.5 deals ÷ 12 deals per productive rep = 4.125 FTE, 3.67 there
    assert plan.line("reps_needed")[0] == pytest.approx(49.5 / 12)
    assert f.numbers["reps_productive_in_worst_month"] == pytest.approx(3 + 2 / 3, abs=0.01)


def test_capacity_short_names_the_month_of_the_largest_gap(params):
    # seasonality 1.1 in Jan, 1.6 in Oct, 1 elsewhere: sum 12.7, so a month's weight is
    # w × 12 / 12.7 and its rep deals 600 / 12 × w × 12 / 12.7 × 0.9 = 540 × w / 12.7.
    # Jan: 540 × 1.1 / 12.7 = 46.77 vs 44 capacity (gap 2.77);
    # Oct: 540 × 1.6 / 12.7 = 68.03 vs 5 ramped reps × 12 = 60 (gap 8.03, the largest)
    season = [1.1, 1, 1, 1, 1, 1, 1, 1, 1, 1.6, 1, 1]
    plan = run_plan(params, {"drivers.seasonality": season})
    f = _finding(plan, "capacity_short")
    assert f.numbers["months"] == ["2026-01", "2026-10"]
    assert f.numbers["largest_gap_deals"] == pytest.approx(540 * 1.6 / 12.7 - 60, abs=0.01)
    assert f.numbers["largest_gap_month"] == "2026-10"
    assert f.numbers["reps_productive_in_worst_month"] == pytest.approx(5)
    assert plan_finding_text(f, "de").endswith("(größte Lücke 8,0 Deals, Okt. 2026).")
    assert plan_finding_text(f, "en").endswith("(largest gap 8.0 deals, Oct 2026).")


def test_no_reps_at_all_says_so_instead_of_a_gap(params):
    """No inside-sales rep now (current.reps 0) and none hired (count 0); the partner
    manager carries no quota. Flat seasonality: the rep deals each month are
    600 / 12 × 0.9 (non-partner share) = 45 against a capacity of 0, so every month is
    short, the first (Jan 2026) is the peak; 45 deals ÷ 12 deals per rep = 3.75 FTE,
    rounded up 4 reps. Without any quota role nobody closes the deals."""
    overrides = {
        "current.reps.inside_sales": 0,
        "organisation.hires.0.count": 0,
        "drivers.seasonality": [1.0] * 12,
    }
    plan = run_plan(params, overrides)
    assert "capacity_short" not in {f.code for f in plan.findings}
    f = _finding(plan, "capacity_no_reps")
    assert len(f.numbers["months"]) == 12
    assert f.numbers["largest_required_deals"] == pytest.approx(45)
    assert f.numbers["reps_needed_max"] == pytest.approx(3.75)
    assert plan_finding_text(f, "de") == (
        "Der Plan hat keine Vertriebsmitarbeiter (current.reps und organisation.hires): "
        "die nötigen Abschlüsse (bis zu 45,0 Deals im Monat, Jan. 2026) brauchen die "
        "Kapazität von 4 Vertriebsmitarbeitern (3,75 FTE)."
    )
    assert plan_finding_text(f, "en").endswith("need the capacity of 4 reps (3.75 FTE).")
    one = Finding(
        "capacity_no_reps",
        "warning",
        {"months": ["2026-01"], "largest_gap_month": "2026-01"},
        {"largest_required_deals": 0.8, "reps_needed_max": 0.08},
    )
    assert plan_finding_text(one, "de").endswith("Kapazität von 1 Vertriebsmitarbeiter (0,08 FTE).")
    assert plan_finding_text(one, "en").endswith("capacity of 1 rep (0.08 FTE).")
    none = Finding(
        "capacity_no_reps",
        "warning",
        {"months": ["2026-01"], "largest_gap_month": "2026-01"},
        {"largest_required_deals": 0.8, "reps_needed_max": float("nan")},
    )
    assert plan_finding_text(none, "de").endswith(
        "(bis zu 0,8 Deals im Monat, Jan. 2026) schließt niemand."
    )


def test_cac_by_channel(plan):
    """Target basis: each channel pays for the leads its share of the target requires.

    inbound 360 customers need 360 ÷ .02625 MQL × 13 € → 13 ÷ .02625 = 495.24 € each;
    outbound 3 ÷ (.30 × .22) = 45.45 €; partner 50 ÷ .15 = 333.33 € + 20 % of 1,920 €
    first-year revenue = 717.33 € incl. commission.
    """
    cac = plan.summary["cac_by_channel"]
    assert cac["inbound"] == pytest.approx(13 / (0.35 * 0.30 * 0.25))  # 495.24 €
    assert cac["outbound"] == pytest.approx(3 / (0.30 * 0.22))  # 45.45 €
    assert cac["partner"] == pytest.approx(50 / (0.5 * 0.3) + 1920 * 0.2)  # 717.33 €
    # teams by lead source: inbound 60 %, outbound 30 %, partner 10 % of 600
    assert plan.summary["new_customers_by_team"] == pytest.approx(
        {"inbound_team": 360, "outbound_team": 180, "partner_management": 60}
    )
    assert plan.summary["cost_per_lead_by_channel"] == pytest.approx(
        {"inbound": 13.0, "outbound": 3.0, "partner": 50.0}
    )


def test_cash_january_by_hand(plan):
    """January on the target basis: the leads bought in January close in March.

    Lags 0 + 1 + 1 (inbound) and 1 + 1 (outbound, partner): January's required leads
    serve March's target (600 / 12 × 1.1 = 55 customers: 33 inbound, 16.5 outbound,
    5.5 partner). Tools/training 435/300 € × 5 heads. Cash rises in January, so the
    low point is the opening balance of 150,000 € (end of December 2025).
    """
    new_mrr = 55 * 160  # 600 / 12 × 1.1
    revenue = 80_000 - 0.05 * 80_000 + new_mrr
    cash_in = revenue - 0.2 * new_mrr + 12 * 0.2 * new_mrr  # 20 % prepay 12 months upfront
    cost = (
        5 * 42_000 / 12  # reps (partner manager from April)
        + 33 / (0.35 * 0.30 * 0.25) * 13  # 1,257.14 MQL
        + 16.5 / (0.30 * 0.22) * 3  # 250 SQL
        + 5.5 / (0.5 * 0.3) * 50  # 36.67 partner SQL
        + 5 * 435
        + 5 * 300
        + 49.5 * 12 * 160 * 0.10
        + 5.5 * 12 * 160 * 0.20  # commissions
    )
    assert plan.line("cash_in")[0] == pytest.approx(cash_in)
    assert plan.line("cash_out")[0] == pytest.approx(cost)
    assert plan.line("cash_balance")[0] == pytest.approx(150_000 + cash_in - cost)
    assert 150_000 + cash_in - cost > 150_000
    assert plan.summary["cash_low_point"] == pytest.approx(150_000)
    assert plan.summary["cash_low_point_month"] == "2025-12"


def test_cash_18_months_prepay_renewal_month_by_hand(params):
    # horizons of 13..23 months used to fail in the prepaid pool; churn 0 keeps it by hand.
    # Jan 2027 (month 13): 600 customers won in 2026 + 55 in Jan 2027 (600 / 12 × 1.1)
    plan = run_plan(
        params,
        {
            "company.horizon_months": 18,
            "drivers.churn_rate_monthly": {"start": 0.0},
            "drivers.renewal_billing": "monthly",
        },
    )
    revenue = 80_000 + 160 * (600 + 55)  # 184,800 € MRR, all billed monthly ...
    prepaid = 0.2 * 160 * 600  # ... except 20 % of the 2026 cohorts, still prepaid: 19,200 €
    upfront = 12 * 0.2 * 160 * 55  # Jan 2027's prepayers pay 12 months now: 21,120 €
    assert plan.line("cash_in")[12] == pytest.approx(revenue - prepaid + upfront)  # 186,720 €
    assert plan.line("cash_in").shape == (18,)


def test_cash_18_months_prepayers_renew_annually(params):
    """Renewal billing 'annual' (the default): January 2026's prepayers prepay again.

    Month 13 with churn 0: every 2026 prepayer is still inside a prepaid year (the
    January cohort has just renewed), so prepaid MRR = 20 % × 160 × (600 + 55) =
    20,960 €; January 2026's cohort renews: 12 × 0.2 × 160 × 55 = 21,120 €, and
    January 2027's new prepayers pay another 21,120 €. Cash in = 184,800 − 20,960 +
    21,120 + 21,120 = 206,080 €. In February 2027 (month 14) February 2026's cohort
    renews (600 / 12 × 1.1 = 55 again): the same formula with 710 customers.
    """
    plan = run_plan(
        params, {"company.horizon_months": 18, "drivers.churn_rate_monthly": {"start": 0.0}}
    )
    assert plan.line("cash_in")[12] == pytest.approx(
        184_800 - 0.2 * 160 * 655 + 2 * 12 * 0.2 * 160 * 55
    )
    feb = 80_000 + 160 * 710 - 0.2 * 160 * 710 + 2 * 12 * 0.2 * 160 * 55
    assert plan.line("cash_in")[13] == pytest.approx(feb)


def test_forecast_finding(plan):
    f = _finding(plan, "target_unrealistic")
    assert f.numbers["forecast_p99"] == pytest.approx(350 * (1 + 2.3263 * 0.15), abs=0.01)
    assert f.severity == "critical"


def test_monthly_is_tidy(plan):
    df = plan.monthly
    assert list(df.columns) == ["month", "line_item", "channel", "value", "unit"]
    assert len(df) == len(plan.lines) * 12
    assert df["month"].min().strftime("%Y-%m-%d") == "2026-01-01"
    assert set(df["unit"]) <= {"EUR", "count", "share", "months"}
    mrr = df[(df.line_item == "mrr_end") & (df.channel == "")]["value"].to_numpy()
    assert mrr[-1] == pytest.approx(plan.summary["mrr_end"])
    assert not df.duplicated(["month", "line_item", "channel"]).any()


def test_bad_override_names_the_path(params):
    with pytest.raises(ParameterError, match=r"channels\.inbound\.mql_to_sql: 1\.5 is above 1"):
        run_plan(params, {"channels.inbound.mql_to_sql": 1.5})
    with pytest.raises(ParameterError, match=r"drivers\.churn: unknown key"):
        run_plan(params, {"drivers.churn": 0.04})
    with pytest.raises(ParameterError, match=r"targets\.9\.value"):
        run_plan(params, {"targets.9.value": 1})


def test_override_changes_one_value(params, plan):
    """More planned leads: on the funnel basis 100 more MQL × 13 € × 12 months of cost
    and 100 × .02625 × 10 months (lag 2) more customers; on the target basis neither
    cost nor MRR move (it pays for the leads the target needs, whatever is planned)."""
    funnel = {"drivers.new_customers_basis": "funnel"}
    base_f = run_plan(params, funnel)
    more_f = run_plan(params, {**funnel, "channels.inbound.leads_per_month": 600})
    diff = more_f.summary["cost_by_category"]["marketing"]
    diff -= base_f.summary["cost_by_category"]["marketing"]
    assert diff == pytest.approx(100 * 13 * 12)
    assert more_f.summary["new_customers"] - base_f.summary["new_customers"] == pytest.approx(
        100 * 0.35 * 0.30 * 0.25 * 12
    )  # months before plan start repeat month 1, so all 12 months' deals rise
    more = run_plan(params, {"channels.inbound.leads_per_month": 600})
    assert params.channels["inbound"].leads_per_month == 500  # base untouched
    assert math.isclose(more.summary["mrr_end"], plan.summary["mrr_end"])  # target basis
    assert math.isclose(more.summary["cost_total"], plan.summary["cost_total"])


def test_funnel_basis_uses_bottom_up(params):
    p = run_plan(params, {"drivers.new_customers_basis": "funnel"})
    assert p.summary["new_customers"] == pytest.approx(369)
    assert p.summary["new_customers_target"] == pytest.approx(600)


def test_contribution_margin_by_product(params, plan):
    mix = {
        "drivers.product_mix": {
            "revenue_share": {"Starter": 0.5, "Business": 0.3, "Enterprise": 0.2},
            "gross_margin": {"Enterprise": 0.6},
        }
    }
    p = run_plan(params, mix)
    revenue, cost = plan.line("revenue"), plan.line("cost_total")
    # Starter: half the revenue at 80 % margin minus half the cost
    starter = p.line("contribution_margin.product.Starter")
    assert starter == pytest.approx(revenue * 0.5 * 0.8 - cost * 0.5)
    enterprise = p.line("contribution_margin.product.Enterprise")
    assert enterprise == pytest.approx(revenue * 0.2 * 0.6 - cost * 0.2)
    parts = sum(p.line(f"revenue.product.{n}") for n in ("Starter", "Business", "Enterprise"))
    assert parts == pytest.approx(revenue)
    with pytest.raises(ParameterError, match=r"revenue_share adds up to 0\.9, not 1"):
        run_plan(params, {"drivers.segment_mix": {"revenue_share": {"small": 0.9}}})
