"""One number per KPI: the as-is analysis (phase 1) and the KPI catalogue (phase 7) agree.

Both phases are run on the same data and period: a hand-made quarter (Q1 2024, worked
out by hand below) and the 2025 history of ``data/sample``. Every KPI computed on
both sides is compared: logo and revenue churn, MRR and customers per month, ARPA,
CLV, new customers, CAC stated and fully loaded, the funnel cohort conversions, win
rate, deal size and sales cycle.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planning_lib.analysis.asis import run_analysis
from planning_lib.analysis.funnel import ALL, deal_metrics, funnel_cohorts
from planning_lib.analysis.revenue import revenue_history
from planning_lib.analysis.unit_economics import cac_by_channel, new_customers
from planning_lib.core.paths import SAMPLE_DATA
from planning_lib.metrics.clv import clv_from_bridge
from planning_lib.metrics.customers import customer_matrix, mrr_bridge_observed
from planning_lib.metrics.kpis import KpiContext, compute_kpi

NaT = None
JAN, FEB, MAR = (pd.Timestamp(f"2024-0{i}-01") for i in (1, 2, 3))
CTX = KpiContext(as_of=dt.date(2024, 3, 31), start=dt.date(2024, 1, 1), gross_margin=0.8)
_CONVERSIONS = ("mql_to_sql", "sql_to_demo", "demo_to_won")


def _frame(cols: str, rows: list[tuple], dates: tuple[str, ...]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols.split())
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    return df


def hand_tables() -> dict[str, pd.DataFrame]:
    """Q1 2024, as of 2024-03-31.

    Subscriptions, month-end state (a subscription counts at a month's end when it runs
    past its last day; the start of a month is the end of the month before):

        customer  product   start       end         MRR  Dec31 Jan31 Feb29 Mar31
        A         Starter   2023-06-01  -           100   100   100   100   100
        B         Business  2023-09-15  2024-01-31  200   200     .     .     .  lost Jan
        C         Starter   2023-10-01  2024-02-10  100   100   100     .     .
        C         Business  2024-02-10  -           150     .     .   150   150  swap: +50
        D         Starter   2024-02-01  -            80     .     .    80    80  new Feb (1st)
        E         Business  2024-03-20  -           120     .     .     .   120  new Mar
        F         Starter   2024-01-05  2024-03-15   90     .    90    90     .  new Jan, lost Mar
        customers / MRR                                  3/400 3/290 4/420 4/450
    """
    subs = _frame(
        "customer_id region product segment channel start_date end_date mrr_eur",
        [
            ("A", "N", "Starter", "small", "inbound", "2023-06-01", NaT, 100.0),
            ("B", "N", "Business", "mid", "outbound", "2023-09-15", "2024-01-31", 200.0),
            ("C", "N", "Starter", "small", "inbound", "2023-10-01", "2024-02-10", 100.0),
            ("C", "N", "Business", "small", "inbound", "2024-02-10", NaT, 150.0),
            ("D", "N", "Starter", "small", "inbound", "2024-02-01", NaT, 80.0),
            ("E", "N", "Business", "mid", "outbound", "2024-03-20", NaT, 120.0),
            ("F", "N", "Starter", "small", "inbound", "2024-01-05", "2024-03-15", 90.0),
        ],
        ("start_date", "end_date"),
    )
    deals = _frame(
        "deal_id customer_id created_date close_date stage amount_eur mrr_eur "
        "region product segment channel owner",
        [
            ("D1", "F", "2024-01-02", "2024-01-05", "won", 1080.0, 90.0,
             "N", "Starter", "small", "inbound", "E1"),
            ("D2", "D", "2024-01-10", "2024-02-01", "won", 960.0, 80.0,
             "N", "Starter", "small", "inbound", "E1"),
            ("D3", "X", "2024-02-01", "2024-02-20", "lost", 2400.0, 200.0,
             "N", "Business", "mid", "outbound", "E1"),
            ("D4", "E", "2024-02-19", "2024-03-20", "won", 1440.0, 120.0,
             "N", "Business", "mid", "outbound", "E1"),
        ],
        ("created_date", "close_date"),
    )  # fmt: skip
    leads = _frame(
        "lead_id created_date channel region segment mql_date sql_date demo_date won_date",
        [
            ("L1", "2024-01-03", "inbound", "N", "small",
             "2024-01-03", "2024-01-15", "2024-02-05", "2024-03-01"),
            ("L2", "2024-01-20", "inbound", "N", "small", "2024-01-20", "2024-02-10", NaT, NaT),
            ("L3", "2024-02-05", "inbound", "N", "mid", "2024-02-05", NaT, NaT, NaT),
            ("L4", "2024-02-12", "outbound", "N", "mid",
             NaT, "2024-02-12", "2024-02-28", "2024-04-10"),
        ],
        ("created_date", "mql_date", "sql_date", "demo_date", "won_date"),
    )  # fmt: skip
    costs = _frame(
        "month region category channel amount_eur",
        [
            ("2024-01-01", "N", "marketing", "inbound", 300.0),
            ("2024-02-01", "N", "personnel", None, 600.0),
            ("2024-03-01", "N", "marketing", "outbound", 150.0),
            ("2023-12-01", "N", "marketing", "inbound", 999.0),  # before the period
        ],
        ("month",),
    )
    return {"subscriptions": subs, "deals": deals, "leads": leads, "costs": costs}


def kpi(tables: dict, ctx: KpiContext, code: str, grain: str, dim: str | None = None) -> dict:
    df = compute_kpi(tables, ctx, code, grain, dim)
    return {(r.period, r.member) if dim else r.period: r.value for r in df.itertuples()}


# --------------------------------------------------------------------------- by hand


def test_churn_arpa_clv_by_hand_in_both_phases():
    t = hand_tables()
    cm = customer_matrix(t["subscriptions"], "2024-03", start="2023-12")
    bridge = mrr_bridge_observed(cm).set_index("month")
    # logo churn: Jan B lost of 3 = 1/3; Feb none of 3 (C swaps products, D starts on
    # Feb 1 and is new in Feb, not at risk); Mar F lost of 4 = 1/4
    expected = {JAN: 1 / 3, FEB: 0.0, MAR: 1 / 4}
    assert kpi(t, CTX, "logo_churn", "month") == pytest.approx(expected)
    phase1 = {pd.Timestamp(m): v for m, v in bridge["logo_churn_rate"].items()}
    assert phase1 == pytest.approx(expected)
    # pooled over Q1: 2 lost ÷ (3 + 3 + 4) = 0.2
    assert kpi(t, CTX, "logo_churn", "quarter") == pytest.approx({JAN: 0.2})
    # revenue churn: Jan 200 / 400; Feb 0 / 290 (C's swap 100 → 150 is expansion, not
    # churn); Mar 90 / 420. Q1 pooled (200 + 90) / (400 + 290 + 420) = 290 / 1110
    rev = {JAN: 0.5, FEB: 0.0, MAR: 90 / 420}
    assert kpi(t, CTX, "revenue_churn", "month") == pytest.approx(rev)
    phase1 = {pd.Timestamp(m): v for m, v in bridge["gross_revenue_churn_rate"].items()}
    assert phase1 == pytest.approx(rev)
    assert kpi(t, CTX, "revenue_churn", "quarter") == pytest.approx({JAN: 290 / 1110})
    # ARPA at Mar 31 = 450 / 4 = 112.5; CLV = 112.5 × 0.8 ÷ 0.2 = 450
    clv = clv_from_bridge(mrr_bridge_observed(cm), 0.8, months=3).iloc[0]
    assert (clv["arpa_eur"], clv["churn_rate_monthly"], clv["clv_eur"]) == pytest.approx(
        (112.5, 0.2, 450.0)
    )
    assert kpi(t, CTX, "clv", "quarter") == pytest.approx({JAN: 450.0})
    mrr_q, cust_q = kpi(t, CTX, "mrr", "quarter")[JAN], kpi(t, CTX, "customers", "quarter")[JAN]
    assert mrr_q / cust_q == pytest.approx(clv["arpa_eur"])


def test_mrr_and_customers_per_month_by_hand_in_both_phases():
    t = hand_tables()
    hist = revenue_history(t["subscriptions"], t["deals"], "M", as_of="2024-03", start="2023-12")
    hist = hist.set_index("period")
    # month ends: Jan 3 customers / 290, Feb 4 / 420, Mar 4 / 450
    mrr = {JAN: 290.0, FEB: 420.0, MAR: 450.0}
    customers = {JAN: 3, FEB: 4, MAR: 4}
    assert kpi(t, CTX, "mrr", "month") == pytest.approx(mrr)
    assert kpi(t, CTX, "customers", "month") == customers
    assert {pd.Timestamp(p): v for p, v in hist["mrr_end_eur"].items() if p >= "2024"} == mrr
    phase1 = {pd.Timestamp(p): v for p, v in hist["customers_end"].items() if p >= "2024"}
    assert phase1 == customers


def test_new_customers_and_cac_by_hand_in_both_phases():
    t = hand_tables()
    new = new_customers(customer_matrix(t["subscriptions"], "2024-03", start="2023-12"))
    # first subscriptions in Q1: F (Jan 5), D (Feb 1), E (Mar 20); A, B, C came earlier
    assert sorted(new["customer_id"]) == ["D", "E", "F"]
    assert kpi(t, CTX, "new_customers", "month") == {JAN: 1, FEB: 1, MAR: 1}
    assert kpi(t, CTX, "new_customers", "ytd", "channel") == {
        (JAN, "inbound"): 2,  # F, D
        (JAN, "outbound"): 1,  # E
    }
    blended = cac_by_channel(t["costs"], new, 2024).set_index("channel").loc[ALL]
    # stated: marketing 300 + 150 = 450 ÷ 3 = 150; fully loaded (450 + 600) ÷ 3 = 350
    assert (blended["cac_stated_eur"], blended["cac_fully_loaded_eur"]) == (150.0, 350.0)
    assert kpi(t, CTX, "cac", "ytd") == pytest.approx({JAN: 150.0})
    assert kpi(t, CTX, "cac_fully_loaded", "ytd") == pytest.approx({JAN: 350.0})


def test_funnel_and_deals_by_hand_in_both_phases():
    t = hand_tables()
    c = funnel_cohorts(t["leads"], "2024-03", by=()).set_index(["transition", "cohort"])
    # MQL→SQL: Jan {L1, L2} 2/2, Feb {L3} 0/1. SQL→demo: Jan {L1} 1/1, Feb {L2, L4} 1/2.
    # demo→won: Feb {L1, L4}: L1 won Mar 1, L4 only Apr 10 (after as-of) → 1/2
    expected = {
        "mql_to_sql": {JAN: 1.0, FEB: 0.0},
        "sql_to_demo": {JAN: 1.0, FEB: 0.5},
        "demo_to_won": {FEB: 0.5},
    }
    for code, exp in expected.items():
        assert kpi(t, CTX, code, "month") == pytest.approx(exp)
        rates = c.loc[code, "conversion_rate"]
        assert {pd.Timestamp(k): v for k, v in rates.items()} == pytest.approx(exp)
    dm = deal_metrics(t["deals"], ("channel",), "2024-01", "2024-03").set_index("channel")
    # closed D1, D2, D4 won, D3 lost → 0.75; deal size (1080 + 960 + 1440) / 3 = 1160;
    # cycle days D1 3, D2 22, D4 30: median 22, P80 at 0.8 × 2 = 1.6 → 22 + 0.6 × 8 = 26.8
    assert tuple(dm.loc[ALL, ["win_rate", "avg_deal_size_eur"]]) == pytest.approx((0.75, 1160))
    assert kpi(t, CTX, "win_rate", "quarter") == {JAN: 0.75}
    assert kpi(t, CTX, "avg_deal_size", "quarter") == pytest.approx({JAN: 1160.0})
    assert dm.loc[ALL, "cycle_median_days"] == kpi(t, CTX, "sales_cycle_median", "quarter")[JAN]
    assert dm.loc[ALL, "cycle_p80_days"] == pytest.approx(26.8)
    assert kpi(t, CTX, "sales_cycle_p80", "quarter") == pytest.approx({JAN: 26.8})


# --------------------------------------------------------------------------- sample 2025


@pytest.fixture(scope="module")
def sample(params) -> dict:
    if not (SAMPLE_DATA / "subscriptions.csv").exists():
        pytest.skip("data/sample is not there")
    from planning_lib.data.loaders import load_dataset

    tables = load_dataset(SAMPLE_DATA)
    analysis = run_analysis(tables, params, as_of="2025-12")
    ctx = KpiContext(
        as_of=dt.date(2025, 12, 31),
        start=dt.date(2025, 1, 1),
        gross_margin=params.drivers.gross_margin,
    )
    return {"tables": tables, "analysis": analysis, "ctx": ctx}


def _year(frame: pd.DataFrame, col: str, key: str = "month") -> dict:
    rows = frame[frame[key].astype(str).str.startswith("2025")]
    return {pd.Timestamp(str(k)): v for k, v in zip(rows[key], rows[col], strict=True)}


def test_sample_customer_base_kpis_agree(sample):
    t, a, ctx = sample["tables"], sample["analysis"], sample["ctx"]
    assert a.year == 2025
    fig, bridge = a.figures, a.tables["mrr_bridge"]
    y = pd.Timestamp("2025-01-01")
    assert kpi(t, ctx, "logo_churn", "month") == pytest.approx(_year(bridge, "logo_churn_rate"))
    assert kpi(t, ctx, "logo_churn", "ytd")[y] == pytest.approx(fig["logo_churn_rate"])
    monthly = _year(bridge, "gross_revenue_churn_rate")
    assert kpi(t, ctx, "revenue_churn", "month") == pytest.approx(monthly)
    assert kpi(t, ctx, "revenue_churn", "ytd")[y] == pytest.approx(fig["gross_revenue_churn_rate"])
    assert kpi(t, ctx, "clv", "ytd")[y] == pytest.approx(fig["clv_formula_eur"])
    mrr, cust = kpi(t, ctx, "mrr", "ytd")[y], kpi(t, ctx, "customers", "ytd")[y]
    assert (mrr, cust) == pytest.approx((fig["mrr_end_eur"], fig["customers_end"]))
    assert mrr / cust == pytest.approx(fig["arpa_eur"])
    rm = a.tables["revenue_monthly"]
    rm = rm[rm["dimension"] == "total"]
    assert kpi(t, ctx, "mrr", "month") == pytest.approx(_year(rm, "mrr_end_eur", "period"))
    assert kpi(t, ctx, "customers", "month") == _year(rm, "customers_end", "period")


def test_sample_churn_per_channel_agrees(sample):
    t, ctx = sample["tables"], sample["ctx"]
    subs = t["subscriptions"]
    start = pd.Period("2022-01", freq="M")
    bridge = mrr_bridge_observed(customer_matrix(subs, "2025-12", start), "channel")
    bridge = bridge[bridge["customers_start"] > 0]
    expected = {
        (pd.Timestamp(m), ch): v
        for m, ch, v in zip(
            bridge["month"], bridge["channel"], bridge["logo_churn_rate"], strict=True
        )
        if m.startswith("2025")
    }
    assert kpi(t, ctx, "logo_churn", "month", "channel") == pytest.approx(expected)


def test_sample_new_customers_and_cac_agree(sample):
    t, a, ctx = sample["tables"], sample["analysis"], sample["ctx"]
    fig, cac = a.figures, a.tables["cac"]
    y = pd.Timestamp("2025-01-01")
    assert kpi(t, ctx, "new_customers", "ytd")[y] == fig["new_customers"]
    per_channel = cac[(cac["year"] == 2025) & (cac["channel"] != ALL)]
    pairs = zip(per_channel["channel"], per_channel["new_customers"], strict=True)
    expected = {(y, ch): n for ch, n in pairs}
    assert kpi(t, ctx, "new_customers", "ytd", "channel") == expected
    assert kpi(t, ctx, "cac", "ytd")[y] == pytest.approx(fig["cac_stated_eur"])
    assert kpi(t, ctx, "cac_fully_loaded", "ytd")[y] == pytest.approx(fig["cac_fully_loaded_eur"])


def test_sample_funnel_cohorts_agree(sample):
    t, a, ctx = sample["tables"], sample["analysis"], sample["ctx"]
    cohorts = a.tables["funnel_cohorts"]
    for code in _CONVERSIONS:
        c = cohorts[(cohorts["transition"] == code) & cohorts["cohort"].str.startswith("2025")]
        g = c.groupby("cohort")[["entered", "converted"]].sum()
        expected = {pd.Timestamp(k): r.converted / r.entered for k, r in g.iterrows()}
        df = compute_kpi(t, ctx, code, "month")
        assert dict(zip(df["period"], df["value"], strict=True)) == pytest.approx(expected)
        assert df["base"].tolist() == g["entered"].astype(float).tolist()


def test_sample_deal_kpis_agree(sample):
    t, a, ctx = sample["tables"], sample["analysis"], sample["ctx"]
    dm = a.tables["deal_metrics_channel"].set_index("channel").loc[ALL]
    y = pd.Timestamp("2025-01-01")
    assert kpi(t, ctx, "win_rate", "ytd")[y] == pytest.approx(dm["win_rate"])
    assert kpi(t, ctx, "avg_deal_size", "ytd")[y] == pytest.approx(dm["avg_deal_size_eur"])
    assert kpi(t, ctx, "sales_cycle_median", "ytd")[y] == pytest.approx(dm["cycle_median_days"])
    assert kpi(t, ctx, "sales_cycle_p80", "ytd")[y] == pytest.approx(dm["cycle_p80_days"])
