"""Rolling forecast: run-rates, overrides for the re-run, the landing arithmetic."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from planning_lib.controlling import rolling
from planning_lib.controlling.landing import landing
from tests.metrics.test_kpis import CTX, tables


def test_elapsed_months():
    start = dt.date(2026, 1, 1)
    assert rolling.elapsed_months(start, dt.date(2026, 6, 30)) == 6
    assert rolling.elapsed_months(start, dt.date(2026, 1, 15)) == 1
    assert rolling.elapsed_months(start, dt.date(2025, 12, 31)) == 0


def test_actual_drivers_by_hand(params):
    ctx = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30, "mql_to_sql": 30})
    d = rolling.actual_drivers(tables(), ctx, params, window=3, min_cohort=1)
    # entry leads, mean of Jan..Mar: inbound MQL 3, 1, 0; outbound SQL 1, 0, 0; partner 0, 1, 0
    assert d["entry_leads"] == pytest.approx(
        {"inbound": 4 / 3, "outbound": 1 / 3, "partner": 1 / 3}
    )
    # inbound SQL→demo on complete cohorts: Jan {L1} 1/1, Feb {L2, L6} 0/2 → 1/3
    assert d["conversions"]["inbound"]["sql_to_demo"] == pytest.approx(1 / 3)
    # MQL→SQL: Jan {L1, L2, L3} 2/3, Feb {L6} 1/1 → 3/4 (Mar has no MQL)
    assert d["conversions"]["inbound"]["mql_to_sql"] == pytest.approx(3 / 4)
    # churn Jan..Mar pooled 1 ÷ (3 + 2 + 3) = 1/8 (month-end state); new MRR 560 over 3 deals
    assert d["churn_rate_monthly"] == pytest.approx(1 / 8)
    assert d["arpa_monthly_eur"] == pytest.approx(560 / 3)
    assert (d["customers"], d["mrr_eur"]) == (4, pytest.approx(410.0))
    assert d["reps"] == {"inside_sales": 2}
    assert d["new_customers_to_date"] == 2  # first subscriptions C5 (Feb), C1 (Mar)
    assert (d["cost_to_date_eur"], d["marketing_cost_to_date_eur"]) == (2100.0, 1000.0)
    assert d["months_to_date"] == ["2026-01", "2026-02", "2026-03"]
    # cohorts below min_cohort keep the plan's value (None here)
    strict = rolling.actual_drivers(tables(), ctx, params, window=3, min_cohort=20)
    assert strict["conversions"]["inbound"]["sql_to_demo"] is None


def test_overrides_restart_the_plan_and_the_model_accepts_them(params):
    from planning_lib.plan.model import run_plan

    ctx = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30, "mql_to_sql": 30})
    d = rolling.actual_drivers(tables(), ctx, params, window=3, min_cohort=1)
    leads = {c: {"leads_per_month": v, "method": "run_rate"} for c, v in d["entry_leads"].items()}
    ov = rolling.rolling_overrides(params, d, leads, CTX.as_of)
    assert ov["company.plan_start"] == dt.date(2026, 4, 1)
    # hires: inside sales in Q1 (month 1) are done; the partner manager of Q2 (plan month 4)
    # starts in month 1 of the re-run
    assert ov["organisation.hires"] == [{"role": "partner_manager", "count": 1, "month": 1}]
    assert ov["current.reps"] == {"inside_sales": 2, "partner_manager": 0}
    assert ov["drivers.new_customers_basis"] == "funnel"
    assert ov["channels.inbound.sql_to_demo"] == pytest.approx(1 / 3)
    assert "channels.outbound.mql_to_sql" not in ov  # outbound enters at SQL
    assert ov["channels.partner.new_partners_per_quarter"] == 0.0
    rerun = run_plan(params, ov)
    # the re-run follows the funnel on the actual rates: inbound 4/3 MQL × 3/4 × 1/3 × 1.0
    # (demo→won: no maturity set here, so the Feb demo cohort {L1, won} counts: 1/1)
    assert ov["channels.inbound.demo_to_won"] == 1.0
    won = rerun.line("customers_new", "inbound")
    assert won[0] == pytest.approx(4 / 3 * 3 / 4 * 1 / 3 * 1.0)
    assert rerun.line("mrr_start")[0] == pytest.approx(410.0)


def test_landing_arithmetic(params):
    arrays = {
        "customers_new": [10.0, 20.0, 99.0],
        "cost_total": [100.0, 200.0, 999.0],
        "cost_marketing": [10.0, 20.0, 999.0],
        "mrr_end": [500.0, 600.0, 999.0],
        "customers_end": [5.0, 6.0, 99.0],
        "churn_rate": [0.04, 0.04, 0.04],
    }
    rerun = SimpleNamespace(line=lambda item, channel="": np.asarray(arrays[item]))
    drivers = {
        "new_customers_to_date": 3,
        "cost_to_date_eur": 2100.0,
        "marketing_cost_to_date_eur": 1000.0,
        "mrr_eur": 410.0,
        "customers": 4,
        "churn_rate_monthly": 0.1,
    }
    plan = {"new_customers": 40.0, "mrr_end": 700.0, "churn_rate_end": 0.03}
    out = landing(rerun, drivers, plan, params.targets, remaining=2)
    f = out["figures"]
    # 3 to date + 10 + 20 of the re-run's first two months = 33, plan 40
    assert f["new_customers"] == {
        "actual_to_date": 3, "forecast_rest": 30.0, "landing": 33.0, "plan": 40.0, "vs_plan": -7.0,
    }  # fmt: skip
    assert f["mrr_end"]["landing"] == 600.0  # a level: the re-run's 2nd month
    assert f["cost_total"]["landing"] == 2400.0  # 2100 + 100 + 200
    assert f["cac_fully_loaded"]["landing"] == pytest.approx(2400 / 33)
    assert f["cac"]["landing"] == pytest.approx(1030 / 33)  # marketing 1000 + 10 + 20
    assert f["churn_rate_monthly"]["plan"] == 0.03
    t = {x["code"]: x for x in out["targets"]}
    assert t["mrr_end"]["met"] is False and t["mrr_end"]["gap"] == 600.0 - 120_000
    assert t["new_customers"]["gap"] == 33.0 - 600
    assert t["cac"]["met"] is True  # at most 200: 31.2
    assert t["churn"]["met"] is False  # 0.04 > 0.03


def _history_leads(months: int) -> dict[str, pd.DataFrame]:
    dates = pd.date_range(end="2025-12-01", periods=months, freq="MS")
    rows = []
    for i, d in enumerate(dates):
        for ch, stage in (
            ("inbound", "mql_date"),
            ("outbound", "sql_date"),
            ("partner", "sql_date"),
        ):
            rows.append({"lead_id": f"{ch}{i}", "created_date": d, "channel": ch, stage: d})
    leads = pd.DataFrame(rows)
    for c in ("mql_date", "sql_date"):
        leads[c] = pd.to_datetime(leads[c])
    return {"leads": leads}


def test_entry_leads_use_the_forecast_engine_with_history(monkeypatch, params):
    seen = {}

    def fake_forecast(y, horizon, levels=(80, 95)):
        seen[len(seen)] = y
        idx = pd.date_range("2026-04-01", periods=horizon, freq="MS")
        return pd.DataFrame({"mean": [7.0] * horizon, "model": "fake"}, index=idx)

    monkeypatch.setattr(rolling, "auto_forecast", fake_forecast)
    run_rate = {"inbound": 1.0, "outbound": 2.0, "partner": 3.0}
    none = rolling.forecast_entry_leads(None, tables(), CTX, params, 9, run_rate)
    # issue 11: without history the run-rate is seasonal (see the next test)
    assert none["inbound"]["method"] == "run_rate_seasonal"
    out = rolling.forecast_entry_leads(_history_leads(30), tables(), CTX, params, 9, run_rate)
    assert out["inbound"]["leads_per_month"] == 7.0
    assert out["inbound"]["method"] == "auto_forecast:fake"
    y = seen[0]  # inbound: 30 history months of 1 MQL, then the actuals Jan 3, Feb 1, Mar 0
    assert len(y) == 33 and y.iloc[:30].eq(1).all() and y.iloc[-3:].tolist() == [3, 1, 0]
    short = rolling.forecast_entry_leads(_history_leads(12), tables(), CTX, params, 9, run_rate)
    assert short["inbound"]["method"] == "run_rate_seasonal"  # under 24 months: run-rate


def test_landing_path_month_by_month():
    from planning_lib.controlling.landing import landing_path
    from tests.controlling.test_plan_vs_actual import fake_plan

    months = pd.date_range("2026-04-01", periods=9, freq="MS")
    rerun = pd.DataFrame(
        [
            {"month": m, "line_item": item, "channel": "", "value": v, "unit": ""}
            for m in months
            for item, v in (("customers_new", 2.0), ("mrr_end", 500.0), ("cost_total", 100.0))
        ]
    )
    path = landing_path(tables(), CTX, fake_plan(), rerun).set_index(["metric", "month"])
    nc = path.loc["new_customers"]
    # actual (first subscriptions) Jan none, Feb C5, Mar C1; from April the re-run's 2 a month
    assert nc["landing"].tolist()[:5] == [0.0, 1.0, 1.0, 2.0, 2.0]
    assert nc["actual"].iloc[3] != nc["actual"].iloc[3]  # NaN after as-of
    assert nc["landing_cumulative"].iloc[-1] == 2.0 + 9 * 2.0
    assert nc["plan_cumulative"].iloc[-1] == pytest.approx(12 * 1.5)
    mrr = path.loc["mrr"]
    assert mrr["landing"].tolist()[:4] == [250.0, 250.0, 410.0, 500.0]  # a level: not summed
    costs = path.loc["sales_costs"]
    assert costs["landing"].tolist()[:4] == [1300.0, 200.0, 600.0, 100.0]
    assert costs["plan"].iloc[0] == 945.0


def test_lead_forecast_without_history_follows_the_seasonality(params):
    """Run-rate 1 lead/month measured Jan..Mar (as of Mar 31, window 3), CloudFlow's
    seasonality Jan..Dec 1.1 1.1 1.1 1.05 1.0 0.95 0.85 0.8 1.05 1.1 1.1 0.8: the level is
    1 ÷ 1.1 (Q1 is a strong quarter), Apr..Dec get level × 1.05, 1.0, ..., 0.8: mean
    8.7 / 9 / 1.1 = 0.878788 (not the flat 1.0). Without a seasonality: flat 1.0."""
    run_rate = {"inbound": 1.0, "outbound": 2.0, "partner": 3.0}
    out = rolling.forecast_entry_leads(None, tables(), CTX, params, 9, run_rate)
    season = [1.05, 1.0, 0.95, 0.85, 0.8, 1.05, 1.1, 1.1, 0.8]
    assert out["inbound"]["per_month"] == pytest.approx([s / 1.1 for s in season])
    assert out["inbound"]["leads_per_month"] == pytest.approx(8.7 / 9 / 1.1)
    assert out["outbound"]["leads_per_month"] == pytest.approx(2 * 8.7 / 9 / 1.1)
    flat = params.model_copy(
        update={"drivers": params.drivers.model_copy(update={"seasonality": None})}
    )
    same = rolling.forecast_entry_leads(None, tables(), CTX, flat, 9, run_rate)
    assert same["inbound"] == {"leads_per_month": 1.0, "per_month": [1.0] * 9, "method": "run_rate"}


def test_churn_run_rate_is_year_to_date(params):
    """Churn pooled over every month to date, not the last ``window`` months: with a
    window of 1 (March only: 0 of 3) the YTD rate stays 1 ÷ (3 + 2 + 3) = 1/8."""
    ctx = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30, "mql_to_sql": 30})
    d = rolling.actual_drivers(tables(), ctx, params, window=1, min_cohort=1)
    assert d["churn_rate_monthly"] == pytest.approx(1 / 8)
    assert d["entry_leads"]["inbound"] == 0.0  # leads: March only (window 1)


def test_arpa_run_rate_leaves_out_upsells(params):
    """#13 trial: the rolling forecast's ARPA was all won deals' MRR ÷ all won deals,
    upsells of existing customers included (38.340 € ÷ 103 = 372,23 € against the new
    customers' 36.605 € ÷ 96 = 381,30 €). Here the KPI tables plus D9, an upsell of C10
    (subscribed since 2025-06) won 2026-02-20 with MRR 90: by hand the new customers'
    ARPA stays (160 + 300 + 100) ÷ 3 = 560/3 (D1, D2, D5); with D9 it was 650/4 = 162,5."""
    t = tables()
    upsell = t["deals"].iloc[[0]].assign(
        deal_id="D9", customer_id="C10", created_date=pd.Timestamp("2026-02-01"),
        close_date=pd.Timestamp("2026-02-20"), stage="won", mrr_eur=90.0, amount_eur=1080.0,
    )  # fmt: skip
    t["deals"] = pd.concat([t["deals"], upsell], ignore_index=True)
    ctx = dataclasses.replace(CTX, maturity_days={"sql_to_demo": 30, "mql_to_sql": 30})
    d = rolling.actual_drivers(t, ctx, params, window=3, min_cohort=1)
    assert d["arpa_monthly_eur"] == pytest.approx(560 / 3)
