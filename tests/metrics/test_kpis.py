"""KPI catalogue: values on a tiny hand-made actuals set, worked out by hand below."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from planning_lib.metrics.kpis import (
    CATALOGUE,
    KPI_COLUMNS,
    KpiContext,
    UnknownKpiError,
    compute_kpi,
    compute_kpis,
)

NaT = None


def _frame(cols: str, rows: list[tuple], dates: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols.split())
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    return df


def tables() -> dict[str, pd.DataFrame]:
    """Actuals Q1 2026 (as of 2026-03-31)."""
    leads = _frame(
        "lead_id created_date channel region segment company_size "
        "mql_date sql_date demo_date won_date lost_date deal_id partner_id",
        [
            ("L1", "2026-01-05", "inbound", "DE-Nord", "small", 20,
             "2026-01-05", "2026-01-20", "2026-02-10", "2026-03-01", NaT, "D1", None),
            ("L2", "2026-01-10", "inbound", "DE-Nord", "mid", 80,
             "2026-01-10", "2026-02-02", NaT, NaT, NaT, None, None),
            ("L3", "2026-01-15", "inbound", "AT", "small", 15,
             "2026-01-15", NaT, NaT, NaT, NaT, None, None),
            ("L4", "2026-01-20", "outbound", "AT", "mid", 90,
             NaT, "2026-01-20", "2026-01-30", NaT, "2026-02-15", None, None),
            ("L5", "2026-02-03", "partner", "DE-Nord", "small", 30,
             NaT, "2026-02-03", "2026-02-20", "2026-03-10", NaT, "D2", "P1"),
            ("L6", "2026-02-10", "inbound", "AT", "small", 12,
             "2026-02-10", "2026-02-12", "2026-04-05", NaT, NaT, None, None),
        ],
        ("created_date", "mql_date", "sql_date", "demo_date", "won_date", "lost_date"),
    )  # fmt: skip
    deals = _frame(
        "deal_id customer_id created_date close_date stage amount_eur mrr_eur "
        "region product segment channel owner",
        [
            ("D1", "C1", "2026-01-20", "2026-03-01", "won", 1920.0, 160.0,
             "DE-Nord", "Starter", "small", "inbound", "E1"),
            ("D2", "C2", "2026-02-03", "2026-03-10", "won", 3600.0, 300.0,
             "DE-Nord", "Business", "small", "partner", "E1"),
            ("D3", "C3", "2026-01-20", "2026-02-15", "lost", 2400.0, 200.0,
             "AT", "Business", "mid", "outbound", "E2"),
            ("D4", "C4", "2026-02-01", "2026-04-30", "proposal", 6000.0, 500.0,
             "AT", "Enterprise", "large", "outbound", "E2"),
            ("D5", "C5", "2026-01-02", "2026-01-31", "won", 1200.0, 100.0,
             "AT", "Starter", "small", "inbound", "E2"),
        ],
        ("created_date", "close_date"),
    )  # fmt: skip
    subs = _frame(
        "customer_id region product segment channel start_date end_date mrr_eur",
        [
            ("C10", "DE-Nord", "Starter", "small", "inbound", "2025-06-01", NaT, 100.0),
            ("C11", "DE-Nord", "Business", "mid", "outbound", "2025-03-01", "2026-01-31", 200.0),
            ("C12", "AT", "Starter", "small", "inbound", "2025-01-01", "2026-02-14", 100.0),
            ("C12", "AT", "Business", "small", "inbound", "2025-09-01", NaT, 50.0),
            ("C5", "AT", "Starter", "small", "inbound", "2026-02-01", NaT, 100.0),
            ("C1", "DE-Nord", "Starter", "small", "inbound", "2026-03-01", NaT, 160.0),
        ],
        ("start_date", "end_date"),
    )
    costs = _frame(
        "month region category channel amount_eur",
        [
            ("2026-01-01", "DE-Nord", "marketing", "inbound", 300.0),
            ("2026-01-01", "AT", "personnel", None, 1000.0),
            ("2026-02-01", "DE-Nord", "marketing", "inbound", 200.0),
            ("2026-03-01", "DE-Nord", "tools", None, 100.0),
            ("2026-03-01", "AT", "marketing", "outbound", 500.0),
        ],
        ("month",),
    )
    headcount = _frame(
        "employee_id role region hire_date exit_date",
        [
            ("E1", "inside_sales", "DE-Nord", "2025-01-01", NaT),
            ("E2", "inside_sales", "AT", "2026-02-01", NaT),
        ],
        ("hire_date", "exit_date"),
    )
    return {
        "leads": leads,
        "deals": deals,
        "subscriptions": subs,
        "costs": costs,
        "headcount": headcount,
    }


CTX = KpiContext(
    as_of=dt.date(2026, 3, 31),
    start=dt.date(2026, 1, 1),
    gross_margin=0.8,
    quota_yearly_eur={"inside_sales": 36_500.0},  # 100 EUR per day
)
JAN, FEB, MAR = (pd.Timestamp(f"2026-0{i}-01") for i in (1, 2, 3))
Q1 = JAN


def values(code: str, grain: str = "month", dim: str | None = None) -> dict:
    df = compute_kpi(tables(), CTX, code, grain, dim)
    return {(r.period, r.member): r.value for r in df.itertuples()}


def total(code: str, grain: str = "month") -> dict:
    return {p: v for (p, _), v in values(code, grain).items()}


def test_lead_counts_by_month_and_week():
    # leads: Jan L1-L4 = 4, Feb L5, L6 = 2, Mar none = 0 (a zero row, not a gap)
    assert total("leads") == {JAN: 4, FEB: 2, MAR: 0}
    # MQL by mql_date: Jan L1, L2, L3; Feb L6.  SQL: Jan L1, L4; Feb L2, L5, L6
    assert total("mql") == {JAN: 3, FEB: 1, MAR: 0}
    assert total("sql") == {JAN: 2, FEB: 3, MAR: 0}
    weekly = total("leads", "week")
    # 2026-01-01 is a Thursday: its week starts Mon 2025-12-29 (no leads there);
    # week of Jan 5: L1 (Mon 5th), L2 (Sat 10th) = 2; Jan 12: L3; Jan 19: L4
    assert weekly[pd.Timestamp("2025-12-29")] == 0
    assert weekly[pd.Timestamp("2026-01-05")] == 2
    assert weekly[pd.Timestamp("2026-01-12")] == 1
    assert weekly[pd.Timestamp("2026-01-19")] == 1
    by_channel = values("leads", "quarter", "channel")
    assert by_channel == {(Q1, "inbound"): 4, (Q1, "outbound"): 1, (Q1, "partner"): 1}


def test_conversions_are_measured_on_cohorts():
    # MQL cohort Jan {L1, L2, L3}: L1 and L2 reach SQL (L2 only in Feb, still Jan's) = 2/3.
    # Feb cohort {L6}: 1/1 (a ratio of monthly counts would say SQL Feb 3 / MQL Feb 1 = 3.0)
    assert total("mql_to_sql") == pytest.approx({JAN: 2 / 3, FEB: 1.0})
    # SQL cohort Jan {L1, L4}: both had a demo = 1.0; Feb {L2, L5, L6}: only L5
    # (L6's demo on 2026-04-05 is after as-of) = 1/3
    assert total("sql_to_demo") == pytest.approx({JAN: 1.0, FEB: 1 / 3})
    # pooled over Q1: 3 demos of 5 SQLs = 0.6, not the mean of months (1 + 1/3) / 2
    assert total("sql_to_demo", "quarter") == pytest.approx({Q1: 0.6})
    # Feb by channel: inbound {L2, L6} 0/2, partner {L5} 1/1
    feb = {k[1]: v for k, v in values("sql_to_demo", "month", "channel").items() if k[0] == FEB}
    assert feb == {"inbound": 0.0, "partner": 1.0}
    # complete cohorts: with 60 days of maturity none of Q1 on 2026-03-31, with 30 Jan and Feb
    df = compute_kpi(tables(), CTX, "sql_to_demo", "month")
    assert not df["complete"].any()
    short = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30})
    assert compute_kpi(tables(), short, "sql_to_demo", "month")["complete"].tolist() == [
        True,
        True,
    ]
    assert compute_kpi(tables(), CTX, "leads", "month")["complete"].all()
    # demo cohort Jan {L4 (lost)} = 0; Feb {L1, L5}: both won in March = 1.0
    assert total("demo_to_won") == {JAN: 0.0, FEB: 1.0}


def test_deal_kpis():
    # won: Jan D5; Mar D1, D2.  closed: Jan D5 won; Feb D3 lost; Mar D1, D2 won
    assert total("win_rate") == {JAN: 1.0, FEB: 0.0, MAR: 1.0}
    assert total("win_rate", "quarter") == {Q1: 0.75}  # 3 won of 4 closed
    # avg deal size Q1 = (1920 + 3600 + 1200) / 3 = 2240; Mar (1920 + 3600) / 2 = 2760
    assert total("avg_deal_size", "quarter") == {Q1: 2240.0}
    assert total("avg_deal_size")[MAR] == 2760.0
    assert total("new_mrr", "quarter") == {Q1: 560.0}  # 160 + 300 + 100
    # new customers = first subscription starting in the period (as in phase 1): C5 starts
    # 2026-02-01, C1 2026-03-01; C2 (deal D2 won) has no subscription in this table → 2
    assert total("new_customers", "ytd") == {Q1: 2}
    assert total("new_customers") == {JAN: 0, FEB: 1, MAR: 1}
    assert total("partner_revenue", "quarter") == {Q1: 3600.0}  # D2
    # cycle days: D5 Jan 2 → Jan 31 = 29; D2 Feb 3 → Mar 10 = 35; D1 Jan 20 → Mar 1 = 40
    assert total("sales_cycle_median", "quarter") == {Q1: 35.0}
    # P80 of [29, 35, 40]: position 0.8 × 2 = 1.6 → 35 + 0.6 × (40 − 35) = 38
    assert total("sales_cycle_p80", "quarter") == pytest.approx({Q1: 38.0})


def test_pipeline_coverage():
    """Open pipeline ÷ remaining target (issue 11: was ÷ won value of the same period).

    Target (plan's new first-year value): total 4,000 EUR a month, inbound 2,000. As of
    Mar 31 January to March have ended: each is seen from its eve, against its whole
    target; the year runs: seen on Mar 31 against the year's target still to win.
    - Jan (Dec 31): no deal yet → 0 / 4000 = 0.
    - Feb (Jan 31): open D1 1920 (closes Mar 1) + D3 2400 (closes Feb 15); D5 closed on
      Jan 31 itself → 4320 / 4000 = 1.08; inbound D1 1920 / 2000 = 0.96.
    - Mar (Feb 28): D1 1920 + D2 3600 (closes Mar 10) + D4 6000 (open) = 11520 / 4000 = 2.88.
    - Q1 (Dec 31): 0 / 12000 = 0.
    - YTD (Mar 31): open D4 6000; target 12 × 4000 = 48000 − won D5 1200 + D1 1920 +
      D2 3600 = 41280 → 6000 / 41280; inbound: nothing open, 24000 − 3120 = 20880 → 0.
    """
    year = pd.date_range("2026-01-01", periods=12, freq="MS")
    target = {"": {m: 4000.0 for m in year}, "inbound": {m: 2000.0 for m in year}}
    ctx = dataclasses.replace(CTX, target_eur=target)

    def cov(grain, dim=None, col="value"):
        df = compute_kpi(tables(), ctx, "pipeline_coverage", grain, dim)
        return {(r.period, r.member): getattr(r, col) for r in df.itertuples()}

    assert cov("month") == pytest.approx({(JAN, ""): 0.0, (FEB, ""): 1.08, (MAR, ""): 2.88})
    assert set(cov("month", col="base").values()) == {4000.0}
    assert cov("quarter") == pytest.approx({(Q1, ""): 0.0})
    assert cov("ytd") == pytest.approx({(JAN, ""): 6000 / 41280})
    assert cov("ytd", col="base") == pytest.approx({(JAN, ""): 41280.0})
    assert cov("month", "channel")[(FEB, "inbound")] == pytest.approx(0.96)
    assert cov("ytd", "channel") == pytest.approx({(JAN, "inbound"): 0.0})
    assert cov("ytd", "channel", "base") == pytest.approx({(JAN, "inbound"): 20880.0})
    # without a target (no plan) there is nothing to relate the pipeline to
    assert compute_kpi(tables(), CTX, "pipeline_coverage", "month").empty


def test_pipeline_coverage_weighted():
    """Weighted by the stage win probability (beta-binomial shrinkage with 20 pseudo-deals
    towards the overall rate, ``planning_lib.analysis.pipeline``).

    Closed deals: D1, D2, D5 won, D3 lost → overall 3/4. Qualified rate of inbound/small
    (D1, D5 won): (2 + 20 × 0.75) / 22 = 17/22; outbound/mid (D3 lost): 15/21.
    Feb (seen on Jan 31): D1 closed later, its demo (Feb 10) is after Jan 31 → qualified;
    D3 qualified: 1920 × 17/22 + 2400 × 15/21 = 3197.92 → / 4000 = 0.79948.
    YTD (Mar 31): D4 (outbound/large, no closed deal in its group → overall rates) in
    proposal: the demo rate of the deals with a demo (D1, D2 both won) is 1, so every
    later stage is 1 → 6000 / 41280, as unweighted.
    """
    target = {"": {m: 4000.0 for m in pd.date_range("2026-01-01", periods=12, freq="MS")}}
    ctx = dataclasses.replace(CTX, target_eur=target)
    df = compute_kpi(tables(), ctx, "pipeline_coverage_weighted", "month")
    feb = df[df["period"] == FEB].iloc[0]
    assert feb["value"] == pytest.approx((1920 * 17 / 22 + 2400 * 15 / 21) / 4000)
    ytd = compute_kpi(tables(), ctx, "pipeline_coverage_weighted", "ytd").iloc[0]
    assert ytd["value"] == pytest.approx(6000 / 41280)


def test_cost_kpis():
    # Q1 marketing 300 + 200 + 500 = 1000, all costs 2100, new customers 2 (C5, C1 by their
    # first subscription) → stated 1000 / 2 = 500, fully loaded 2100 / 2 = 1050
    assert total("cac", "quarter") == pytest.approx({Q1: 500.0})
    assert total("cac_fully_loaded", "quarter") == pytest.approx({Q1: 1050.0})
    # DE-Nord: marketing 300 + 200 = 500, new customer C1 → 500; AT: 500 / C5 → 500
    assert values("cac", "quarter", "region") == {(Q1, "DE-Nord"): 500.0, (Q1, "AT"): 500.0}
    # Jan: no new customer → no CAC (not infinity, not zero); Feb: 200 / C5 = 200
    assert JAN not in total("cac")
    assert total("cac")[FEB] == pytest.approx(200.0)


def test_subscription_kpis():
    # month-end state (as in phase 1): the start of a month is the end of the month before,
    # so C5 (starts Feb 1) and C1 (starts Mar 1) are new in their month, not at risk in it.
    # Dec 31: C10, C11, C12 (MRR 100 + 200 + 100 + 50 = 450); C11 ends Jan 31 → lost in Jan.
    # Jan 31: C10, C12 (MRR 250); in Feb C12's Starter ends Feb 14 but its Business runs
    #         on: no logo lost, 100 contraction.  Feb 28: C10, C12, C5 (MRR 250); nothing
    #         ends in Mar.
    assert total("logo_churn") == pytest.approx({JAN: 1 / 3, FEB: 0.0, MAR: 0.0})
    assert total("logo_churn", "quarter") == pytest.approx({Q1: 1 / 8})  # 1 ÷ (3 + 2 + 3)
    # (200 churned + 100 contraction) ÷ (450 + 250 + 250)
    assert total("revenue_churn", "quarter") == pytest.approx({Q1: 300 / 950})
    # NRR Q1: customers of Jan 1 had 450; on Mar 31 they keep C10 100 + C12 Business 50
    assert total("nrr", "quarter") == pytest.approx({Q1: 150 / 450})
    # CLV Q1: ARPA at Mar 31 = 410 / 4 customers = 102.5, × 0.8 ÷ (1/8) = 656;
    # LTV:CAC 656 / 1050 (fully loaded CAC, see test_cost_kpis)
    assert total("clv", "quarter") == pytest.approx({Q1: 656.0})
    assert total("ltv_cac", "quarter") == pytest.approx({Q1: 656 / 1050})


def test_quota_attainment_per_rep():
    # quota 100 EUR/day. E1 all Q1 (90 days) 9000; E2 from Feb 1 (59 days) 5900.
    # won: E1 D1 + D2 = 5520; E2 D5 = 1200
    per_rep = values("quota_attainment", "quarter", "owner")
    assert per_rep == pytest.approx({(Q1, "E1"): 5520 / 9000, (Q1, "E2"): 1200 / 5900})
    assert total("quota_attainment", "quarter") == pytest.approx({Q1: 6720 / 14900})


def test_quota_attainment_ramps_new_hires_like_the_plan():
    """Ramp-up 3 months (as ``planning_lib.plan.organisation``: the k-th month from the hire month
    carries k/3 of the quota). E2 hired Feb 1: Feb 28 days × 100 × 1/3 = 933.33, Mar
    31 × 100 × 2/3 = 2066.67 → Q1 quota 3000 (unramped 5900); E1 (hired Jan 2025, month
    13+) the full 9000. Won E1 5520, E2 1200 → 0.4 (unramped 0.203); total 6720 / 12000.
    """
    ctx = dataclasses.replace(CTX, ramp_months={"inside_sales": 3})
    df = compute_kpi(tables(), ctx, "quota_attainment", "quarter", "owner")
    per_rep = {r.member: (r.value, r.base) for r in df.itertuples()}
    assert per_rep["E2"] == pytest.approx((1200 / 3000, 3000.0))
    assert per_rep["E1"] == pytest.approx((5520 / 9000, 9000.0))
    tot = compute_kpi(tables(), ctx, "quota_attainment", "quarter").iloc[0]
    assert tot["value"] == pytest.approx(6720 / 12000)
    feb = compute_kpi(tables(), ctx, "quota_attainment", "month", "owner")
    feb = feb[(feb["period"] == FEB) & (feb["member"] == "E2")].iloc[0]
    assert feb["base"] == pytest.approx(2800 / 3)


def test_partner_activation_needs_partner_ids():
    t = tables()
    t["partners"] = pd.DataFrame(
        {"partner_id": ["P1", "P2"], "signed_date": pd.to_datetime(["2026-01-10", "2026-01-15"])}
    )
    df = compute_kpi(t, CTX, "partner_activation", "month")
    # Feb: P1 brought L5, two partners signed → 0.5; Jan and Mar: no partner lead
    assert dict(zip(df["period"], df["value"], strict=True)) == {FEB: 0.5}
    no_ids = tables()
    no_ids["leads"] = no_ids["leads"].drop(columns="partner_id")
    assert compute_kpi(no_ids, CTX, "partner_activation", "month").empty


def test_catalogue_defines_each_kpi_once_with_labels_and_units():
    required = {
        "leads", "mql", "sql", "mql_to_sql", "sql_to_demo", "demo_to_won", "win_rate",
        "avg_deal_size", "sales_cycle_median", "sales_cycle_p80", "new_customers", "cac",
        "cac_fully_loaded", "clv", "ltv_cac", "logo_churn", "revenue_churn", "nrr",
        "pipeline_coverage", "pipeline_coverage_weighted", "quota_attainment",
        "partner_activation", "partner_revenue",
    }  # fmt: skip
    assert required <= set(CATALOGUE)
    for k in CATALOGUE.values():
        assert k.label_de and k.label_en and k.formula
        assert k.unit in {"count", "EUR", "share", "days", "ratio"}
        assert k.good in {"up", "down"}
        assert k.default_grain in k.grains


def test_compute_kpis_is_sorted_and_deterministic():
    codes = ["leads", "sql_to_demo", "win_rate", "cac", "logo_churn", "quota_attainment"]
    a = compute_kpis(tables(), CTX, codes)
    b = compute_kpis(tables(), CTX, codes)
    assert list(a.columns) == KPI_COLUMNS
    pd.testing.assert_frame_equal(a, b)
    assert a.to_csv(index=False) == b.to_csv(index=False)
    assert {"week", "month", "quarter", "ytd"} <= set(a["grain"])
    assert {"", "channel", "region", "segment", "owner"} <= set(a["dimension"])
    assert a["kpi"].unique().tolist() == codes  # catalogue order


def test_errors_name_the_problem():
    with pytest.raises(UnknownKpiError, match="unknown KPI 'sql_to_dmeo'"):
        compute_kpi(tables(), CTX, "sql_to_dmeo", "month")
    with pytest.raises(ValueError, match="no grain 'week'"):
        compute_kpi(tables(), CTX, "cac", "week")
    t = tables()
    t["leads"] = t["leads"].drop(columns="region")
    with pytest.raises(KeyError, match="region"):
        compute_kpi(t, CTX, "leads", "month", "region")


def test_mrr_and_customers_at_period_end():
    # Jan 31: C11 (ends Jan 31) is gone → S1 100 + C12 Starter 100 + Business 50 = 250, 2 customers
    # Feb 28: C12 Starter ended Feb 14; C5 started → 100 + 50 + 100 = 250, 3 customers
    # Mar 31: C1 started → 250 + 160 = 410, 4 customers
    assert total("mrr") == {JAN: 250.0, FEB: 250.0, MAR: 410.0}
    assert total("customers") == {JAN: 2, FEB: 3, MAR: 4}
    assert total("mrr", "quarter") == {Q1: 410.0}


def test_quota_attainment_of_a_region_without_reps_or_wins_is_empty():
    """#13 trial: a tiny region (Österreich) with no sales employee and no deal won in the
    plan year stopped ``planning controlling --region`` with a pandas merge error (an
    empty quota table against an empty won table of another dtype). Nothing to divide
    by: no rows, by hand; with reps but no wins the three months stay (0 won ÷ quota)."""
    t = tables()
    no_wins = t["deals"][t["deals"]["stage"] != "won"]
    empty = {**t, "headcount": t["headcount"].iloc[0:0], "deals": no_wins}
    assert compute_kpi(empty, CTX, "quota_attainment", "month").empty
    reps_only = compute_kpi({**t, "deals": no_wins}, CTX, "quota_attainment", "month")
    assert reps_only["value"].tolist() == [0.0, 0.0, 0.0]


def test_kpi_names_live_in_the_text_store_not_in_the_code() -> None:
    """Every KPI's German and English name is the text store's ``kpi.<code>`` (a manager
    reads them in the controlling tables and the reports); the catalogue's source holds
    none of them. Checked by hand: the subscription KPI ``avg_deal_size`` is
    "Durchschnittliche Dealgröße" / "Average deal size", and that German name appears in
    no ``.py`` file of the package."""
    from pathlib import Path

    import planning_lib
    from planning_lib.core.text_store import LABELS
    from planning_lib.metrics.kpis import CATALOGUE

    assert CATALOGUE["avg_deal_size"].label("de") == "Durchschnittliche Dealgröße"
    assert CATALOGUE["avg_deal_size"].label("en") == "Average deal size"
    for code, kpi in CATALOGUE.items():
        assert (kpi.label_de, kpi.label_en) == LABELS[f"kpi.{code}"], code
    root = Path(planning_lib.__file__).parent
    holders = [
        p.name for p in root.rglob("*.py") if "Durchschnittliche Dealgröße" in p.read_text("utf-8")
    ]
    assert holders == []
