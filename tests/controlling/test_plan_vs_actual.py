"""Plan vs actual and revenue effects on the hand-made actuals against a hand-made plan."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from planning_lib.controlling.plan_view import PlanView, plan_values
from planning_lib.controlling.plan_vs_actual import (
    Thresholds,
    attainment,
    mrr_variance_bridge,
    plan_vs_actual,
    revenue_effects,
    status,
)
from tests.metrics.test_kpis import CTX, tables

MONTHS = pd.date_range("2026-01-01", periods=12, freq="MS")


def fake_plan() -> PlanView:
    """Per month: new customers inbound 0.7, outbound 0.3, partner 0.5 (total 1.5);
    marketing 270 EUR, all costs 945 EUR, churn 10 % of 10 customers, ARPA 100 EUR."""
    lines = {
        ("customers_new", "inbound"): 0.7,
        ("customers_new", "outbound"): 0.3,
        ("customers_new", "partner"): 0.5,
        ("customers_new", ""): 1.5,
        ("cost_marketing", ""): 270.0,
        ("cost_total", ""): 945.0,
        ("churn_rate", ""): 0.1,
        ("customers_start", ""): 10.0,
        ("sql", "inbound"): 4.0,
    }
    rows = [
        {"month": m, "line_item": k[0], "channel": k[1], "value": v, "unit": ""}
        for k, v in lines.items()
        for m in MONTHS
    ]
    rates = {"mql_to_sql": 0.5, "sql_to_demo": 0.5, "demo_to_won": 0.5}
    return PlanView(
        monthly=pd.DataFrame(rows),
        arpa_monthly_eur=100.0,
        rates={c: rates for c in ("inbound", "outbound", "partner")},
        cost_per_lead_eur={"inbound": 10.0, "outbound": 5.0, "partner": 50.0},
        name="hand",
    )


def test_status_thresholds_and_direction():
    assert attainment(100.0, 96.0, "up") == pytest.approx(0.96)
    assert attainment(100.0, 125.0, "down") == pytest.approx(0.8)  # cost 25 % over plan
    assert attainment(0.0, 5.0, "up") != attainment(0.0, 5.0, "up")  # NaN: no plan
    t = Thresholds()
    assert [status(a, t) for a in (1.2, 0.95, 0.9, 0.85, 0.84)] == [
        "on_track", "on_track", "watch", "watch", "off_track",
    ]  # fmt: skip
    assert status(float("nan")) == "no_plan"


def test_plan_values_pool_like_the_actuals():
    view = fake_plan()
    # counts add up: Q1 new customers 3 × 1.5 = 4.5
    assert plan_values(view, "new_customers", "quarter").iloc[0] == pytest.approx(4.5)
    # ratios pool: CAC Q1 = 3 × 270 / 4.5 = 180, not an average of monthly CACs
    assert plan_values(view, "cac", "quarter").iloc[0] == pytest.approx(180.0)
    until = pd.Timestamp("2026-03-01")
    assert plan_values(view, "new_mrr", "ytd", "inbound", until).iloc[0] == pytest.approx(210.0)


def test_plan_vs_actual_by_hand():
    v = plan_vs_actual(tables(), CTX, fake_plan())
    q = v[v["grain"] == "quarter"].set_index(["kpi", "member"])
    # new customers Q1 (first subscription in Q1, as in phase 1): C5 (Feb 1), C1 (Mar 1),
    # both inbound = 2 (C2's won deal has no subscription); plan 4.5 → 2 / 4.5 = 0.444 off
    row = q.loc[("new_customers", "")]
    assert (row["plan"], row["actual"], row["variance"]) == pytest.approx((4.5, 2.0, -2.5))
    assert row["status"] == "off_track"
    # inbound: 2 of 2.1 = 0.952 on track; outbound 0 of 0.9 off track; partner 0 of 1.5 off
    assert q.loc[("new_customers", "inbound"), "attainment"] == pytest.approx(2 / 2.1)
    assert q.loc[("new_customers", "inbound"), "status"] == "on_track"
    assert q.loc[("new_customers", "outbound"), "status"] == "off_track"
    # CAC fully loaded: plan 2835 / 4.5 = 630, actual 2100 / 2 = 1050 → 630/1050 = 0.6 off
    row = q.loc[("cac_fully_loaded", "")]
    assert (row["plan"], row["actual"]) == pytest.approx((630.0, 1050.0))
    assert row["attainment"] == pytest.approx(0.6)
    assert row["status"] == "off_track"
    # churn: plan 0.1 × 10 each month pooled = 0.1; actual (month-end state) 1 ÷ (3 + 2 + 3)
    # = 0.125 → 0.1 / 0.125 = 0.8 off track
    assert q.loc[("logo_churn", ""), "actual"] == pytest.approx(0.125)
    assert q.loc[("logo_churn", ""), "status"] == "off_track"
    # SQL→demo Jan, inbound: actual 1/1 vs plan 0.5, but the cohort is too young (60 days)
    m = v[(v["grain"] == "month") & (v["kpi"] == "sql_to_demo") & (v["member"] == "inbound")]
    jan = m[m["period"] == pd.Timestamp("2026-01-01")].iloc[0]
    assert (jan["plan"], jan["actual"], jan["status"]) == (0.5, 1.0, "incomplete")
    # nothing planned and nothing happened: no row (outbound MQL); leads without plan: no_plan
    assert not len(v[(v["kpi"] == "mql") & (v["member"] == "outbound")])
    assert set(v[v["kpi"] == "leads"]["status"]) == {"no_plan"}
    assert set(v["status_de"]) <= {"im Plan", "beobachten", "kritisch", "unvollständig",
                                   "ohne Planwert"}  # fmt: skip


def funnel_plan() -> PlanView:
    """:func:`fake_plan` plus what its planned leads deliver per month (the model's
    ``customers_new_funnel``): inbound 0.5, outbound 0.3, partner 0 (total 0.8)."""
    view = fake_plan()
    extra = [
        {"month": m, "line_item": "customers_new_funnel", "channel": c, "value": v, "unit": ""}
        for c, v in (("inbound", 0.5), ("outbound", 0.3), ("partner", 0.0), ("", 0.8))
        for m in MONTHS
    ]
    return dataclasses.replace(
        view, monthly=pd.concat([view.monthly, pd.DataFrame(extra)], ignore_index=True)
    )


def test_variance_splits_into_planning_and_execution_gap():
    """Q1 (3 months) new customers on :func:`funnel_plan`, actuals of ``tables()``.

    inbound: plan 3 × 0.7 = 2.1, plan_funnel 3 × 0.5 = 1.5, actual 2 (C5, C1):
    gap_planning 2.1 − 1.5 = 0.6, gap_execution 1.5 − 2 = −0.5 (more than funded),
    together 0.1 = plan − actual; attainment 2/2.1 = 0.952 on track, execution
    2/1.5 = 1.333 on track.
    partner: plan 1.5, plan_funnel 0, actual 0 (D2 has no subscription): the whole
    1.5 is planning; no funnel plan to judge execution on (no_plan).
    total: plan 4.5, plan_funnel 2.4, actual 2: 2.1 planning + 0.4 execution = 2.5;
    execution 2/2.4 = 0.833 → off track (below 85 %).
    new MRR inbound: plan 2.1 × 100 = 210, plan_funnel 150, actual 100 + 160 = 260:
    gap_planning 60, gap_execution −110.
    KPIs without a funnel basis (CAC) leave the split empty.
    """
    v = plan_vs_actual(tables(), CTX, funnel_plan(), grains=("quarter",))
    q = v.set_index(["kpi", "member"])
    cols = ["plan", "plan_funnel", "actual", "gap_planning", "gap_execution"]
    assert q.loc[("new_customers", "inbound"), cols].tolist() == pytest.approx(
        [2.1, 1.5, 2.0, 0.6, -0.5]
    )
    assert q.loc[("new_customers", "inbound"), "attainment_execution"] == pytest.approx(2 / 1.5)
    assert q.loc[("new_customers", "inbound"), "status_execution"] == "on_track"
    assert q.loc[("new_customers", "partner"), cols].tolist() == pytest.approx(
        [1.5, 0.0, 0.0, 1.5, 0.0]
    )
    assert q.loc[("new_customers", "partner"), "status_execution"] == "no_plan"
    assert q.loc[("new_customers", ""), cols].tolist() == pytest.approx([4.5, 2.4, 2.0, 2.1, 0.4])
    assert q.loc[("new_customers", ""), "status_execution"] == "off_track"
    assert q.loc[("new_customers", ""), "status_execution_de"] == "kritisch"
    assert q.loc[("new_mrr", "inbound"), cols].tolist() == pytest.approx(
        [210.0, 150.0, 260.0, 60.0, -110.0]
    )
    split = v.dropna(subset=["plan", "plan_funnel", "actual"])
    assert (split["gap_planning"] + split["gap_execution"]).tolist() == pytest.approx(
        (split["plan"] - split["actual"]).tolist()
    )
    cac = q.loc[("cac_fully_loaded", "")]
    assert pd.isna(cac["plan_funnel"]) and pd.isna(cac["gap_execution"])
    assert cac["status_execution"] == ""


def test_cohort_conversions_pool_complete_months_only():
    ctx = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30})
    v = plan_vs_actual(tables(), ctx, fake_plan(), grains=("quarter",))
    row = v[(v["kpi"] == "sql_to_demo") & (v["member"] == "inbound")].iloc[0]
    # complete SQL months Jan (L1: demo) and Feb (L2, L6: none) → 1/3; Mar is too young.
    # plan: 0.5 on 4 SQL a month → 0.5; attainment 2/3 → off track (not "incomplete")
    assert (row["plan"], row["actual"]) == pytest.approx((0.5, 1 / 3))
    assert row["status"] == "off_track"
    # with the default 60 days no SQL month of Q1 is complete: no quarter row at all
    v60 = plan_vs_actual(tables(), CTX, fake_plan(), grains=("quarter",))
    assert v60[v60["kpi"] == "sql_to_demo"].empty


def test_revenue_effects_by_hand():
    eff = revenue_effects(tables(), CTX, fake_plan())
    mrr = eff[(eff["measure"] == "new_mrr") & (eff["dimension"] == "channel")]
    cells = mrr.set_index("member")
    # plan Q1 at ARPA 100: inbound 2.1 → 210, outbound 0.9 → 90, partner 1.5 → 150 (450)
    # actual: inbound D5 100 + D1 160 = 260 (2 deals), partner D2 300 (1), outbound 0
    tot = cells.loc["total"]
    assert (tot["plan_eur"], tot["actual_eur"], tot["variance_eur"]) == pytest.approx(
        (450.0, 560.0, 110.0)
    )
    # volume (3 − 4.5) × 100 = −150; mix 0 (one plan price for all channels);
    # price inbound 2 × (130 − 100) = 60 + partner 1 × (300 − 100) = 200 → 260
    assert tot["volume_effect_eur"] == pytest.approx(-150.0)
    assert tot["mix_effect_eur"] == pytest.approx(0.0, abs=1e-9)
    assert tot["price_effect_eur"] == pytest.approx(260.0)
    assert cells.loc["inbound", "price_effect_eur"] == pytest.approx(60.0)
    assert cells.loc["outbound", "variance_eur"] == pytest.approx(-90.0)
    # first-year revenue: plan price 12 × 100 = 1200; actual 1200 + 1920 + 3600 = 6720
    rev = eff[(eff["measure"] == "new_revenue") & (eff["member"] == "total")].iloc[0]
    assert (rev["plan_eur"], rev["actual_eur"]) == pytest.approx((5400.0, 6720.0))
    assert rev["volume_effect_eur"] + rev["mix_effect_eur"] + rev["price_effect_eur"] == (
        pytest.approx(6720.0 - 5400.0)
    )
    assert set(eff["dimension"]) == {"channel"}  # segment and product need history


def test_segment_effects_split_the_plan_like_the_history():
    t = tables()
    hist = t["deals"].iloc[:0].copy()
    rows = [("H1", "small", 100.0), ("H2", "small", 100.0), ("H3", "small", 100.0),
            ("H4", "mid", 300.0)]  # fmt: skip
    for i, (deal, seg, mrr) in enumerate(rows):
        hist.loc[i] = [deal, f"K{i}", pd.Timestamp("2025-03-01"), pd.Timestamp("2025-06-01"),
                       "won", 12 * mrr, mrr, "AT", "Starter", seg, "inbound", "E1"]  # fmt: skip
    eff = revenue_effects(t, CTX, fake_plan(), history={**t, "deals": hist})
    seg = eff[(eff["measure"] == "new_mrr") & (eff["dimension"] == "segment")].set_index("member")
    # history 2025: small 3 of 4 deals at 100, mid 1 at 300; average 150 → relative price
    # small 2/3, mid 2. Plan Q1 4.5 customers at ARPA 100 (450): small 3.375 × 66.67 = 225,
    # mid 1.125 × 200 = 225 (the plan total stays 450)
    assert seg.loc["small", "plan_volume"] == pytest.approx(3.375)
    assert seg.loc["small", "plan_eur"] == pytest.approx(225.0)
    assert seg.loc["mid", "plan_eur"] == pytest.approx(225.0)
    # actual: all three Q1 deals are small (100 + 160 + 300 = 560)
    # volume (3 − 4.5) × 100 = −150; mix 3 × ((1 − .75) × 66.67 + (0 − .25) × 200) = −100;
    # price 3 × (186.67 − 66.67) = 360; together 110 = 560 − 450
    tot = seg.loc["total"]
    assert tot["volume_effect_eur"] == pytest.approx(-150.0)
    assert tot["mix_effect_eur"] == pytest.approx(-100.0)
    assert tot["price_effect_eur"] == pytest.approx(360.0)
    assert tot["variance_eur"] == pytest.approx(110.0)


def test_mrr_variance_bridge_by_hand():
    """MRR bridge Jan..Mar 2026, plan vs the subscriptions of ``tables()`` (month-end state).

    Plan (added lines): opening 500 (mrr_start of January), per month new 150, expansion
    10, contraction 5, churn 50 → Q1 new 450, expansion 30, contraction −15, churn −150;
    closing = mrr_end of March = 500 + 3 × (150 + 10 − 5 − 50) = 815.
    Actual: opening (end of Dec 2025) C10 100 + C11 200 + C12 100 + 50 = 450; January C11
    ends (churn −200); February C12's Starter ends, its Business stays (contraction
    −100), C5 starts (new 100); March C1 starts (new 160): new 260, expansion 0;
    closing 100 + 50 + 100 + 160 = 410 = 450 + 260 − 100 − 200.
    Variance (actual − plan): opening −50, new −190, expansion −30, contraction −85,
    churn −50; together −405 = closing 410 − 815.
    """
    view = fake_plan()
    extra = {("mrr_new", ""): 150.0, ("mrr_expansion", ""): 10.0,
             ("mrr_contraction", ""): 5.0, ("mrr_churned", ""): 50.0}  # fmt: skip
    rows = [{"month": m, "line_item": k[0], "channel": k[1], "value": v, "unit": "EUR"}
            for k, v in extra.items() for m in MONTHS]  # fmt: skip
    for i, m in enumerate(MONTHS):
        rows.append({"month": m, "line_item": "mrr_start", "channel": "", "unit": "EUR",
                     "value": 500.0 + 105.0 * i})  # fmt: skip
        rows.append({"month": m, "line_item": "mrr_end", "channel": "", "unit": "EUR",
                     "value": 605.0 + 105.0 * i})  # fmt: skip
    view = dataclasses.replace(
        view, monthly=pd.concat([view.monthly, pd.DataFrame(rows)], ignore_index=True)
    )
    b = mrr_variance_bridge(tables(), CTX, view).set_index("component")
    order = ["opening", "new", "expansion", "contraction", "churn", "closing"]
    assert list(b.index) == order
    assert b["plan_eur"].tolist() == pytest.approx([500, 450, 30, -15, -150, 815])
    assert b["actual_eur"].tolist() == pytest.approx([450, 260, 0, -100, -200, 410])
    assert b["variance_eur"].tolist() == pytest.approx([-50, -190, -30, -85, -50, -405])
    assert b["variance_eur"].iloc[:5].sum() == pytest.approx(b.loc["closing", "variance_eur"])
    assert set(b["period"]) == {"2026-01..2026-03"}
    assert b.loc["churn", "label_de"] == "Abwanderung (Churn)"


def test_history_split_without_won_deals_is_zero_and_quiet():
    """#13 trial: Österreich won no deal in the 12 history months before the plan, and
    phase 7 showed numpy's 'RuntimeWarning: invalid value encountered in scalar divide'
    (with the source path) on the manager's page (0 won ÷ 0). The hand-made KPI tables
    hold deals of 2026 only, so the 12 months before a plan start of 2026-01-01 have no
    won deal: no share and no relative price, no warning (warnings are errors here)."""
    import warnings

    from planning_lib.controlling.plan_vs_actual import _history_split
    from tests.metrics.test_kpis import CTX, tables

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        split = _history_split(tables(), CTX, "channel", "mrr_eur")
    assert split.empty or (split[["share", "rel_price"]] == 0.0).all().all()
