"""Funnel on lead cohorts and deal metrics on hand-made tables, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planning_lib.analysis.funnel import (
    deal_metrics,
    funnel_cohorts,
    funnel_conversion,
    leads_by_month,
    stage_lags,
)
from planning_lib.metrics.common import MissingColumnsError

AS_OF = "2024-04"


def _leads() -> pd.DataFrame:
    rows = [
        # id, channel, created, mql, sql, demo, won, lost (month-day of 2024)
        ("L1", "inbound", "01-05", "01-05", "01-20", "02-10", "03-05", None),
        ("L2", "inbound", "01-10", "01-10", "02-03", None, None, "03-01"),
        ("L3", "inbound", "01-15", "01-15", None, None, None, "01-30"),
        ("L4", "outbound", "02-01", None, "02-01", "02-20", "05-10", None),
        ("L5", "outbound", "02-05", None, "02-05", "03-01", None, "03-20"),
        ("L6", "inbound", "04-02", "04-02", None, None, None, None),
    ]
    dates = ["created_date", "mql_date", "sql_date", "demo_date", "won_date", "lost_date"]
    df = pd.DataFrame(rows, columns=["lead_id", "channel", *dates])
    for c in dates:
        df[c] = pd.to_datetime("2024-" + df[c], errors="coerce")
    df["segment"] = ["small", "mid", "small", "mid", "small", "small"]
    return df


def _rate(table: pd.DataFrame, transition: str, cohort: str, channel: str) -> pd.Series:
    r = table[
        (table["transition"] == transition)
        & (table["cohort"] == cohort)
        & (table["channel"] == channel)
    ]
    assert len(r) == 1
    return r.iloc[0]


def test_stage_lags_and_maturity():
    lags = stage_lags(_leads(), AS_OF).set_index("transition")
    # MQL->SQL lags: L1 15 days, L2 24 days; P90 (linear) = 15 + 0.9 * 9 = 23.1 -> 1 month
    assert lags.loc["mql_to_sql", "lag_quantile_days"] == pytest.approx(23.1)
    assert lags.loc["mql_to_sql", "maturity_months"] == 1
    # lead->won: only L1 (L4's win on 2024-05-10 is after the as-of month): 60 days -> 2 months
    assert lags.loc["lead_to_won", "converted"] == 1
    assert lags.loc["lead_to_won", "lag_median_days"] == 60
    assert lags.loc["lead_to_won", "maturity_months"] == 2


def test_later_stages_count_for_the_cohort_month():
    c = funnel_cohorts(_leads(), AS_OF, by=("channel",))
    # MQL cohort 2024-01 (L1, L2, L3): L2 reached SQL in February, it still counts for January
    jan = _rate(c, "mql_to_sql", "2024-01", "inbound")
    assert (jan["entered"], jan["converted"]) == (3, 2)
    assert jan["conversion_rate"] == pytest.approx(2 / 3)
    assert jan["mature"]
    # MQL cohort 2024-04 (L6) is younger than the 1-month maturity: flagged
    apr = _rate(c, "mql_to_sql", "2024-04", "inbound")
    assert (apr["entered"], apr["converted"], apr["mature"]) == (1, 0, False)
    # SQL cohort 2024-02 outbound (L4, L5): both had a demo
    feb = _rate(c, "sql_to_demo", "2024-02", "outbound")
    assert (feb["entered"], feb["converted"]) == (2, 2)
    # demo cohort 2024-02 outbound (L4): its win lies after the as-of month -> not converted
    assert _rate(c, "demo_to_won", "2024-02", "outbound")["converted"] == 0


def test_conversion_uses_mature_cohorts_only():
    c = funnel_cohorts(_leads(), AS_OF, by=("channel",))
    conv = funnel_conversion(c, ("channel",)).set_index(["transition", "channel"])
    # MQL->SQL inbound: mature cohort 2024-01 only: 2 / 3; cohort 2024-04 (1 lead) left out
    row = conv.loc[("mql_to_sql", "inbound")]
    assert (row["entered"], row["converted"]) == (3, 2)
    assert (row["immature_cohorts"], row["entered_immature"]) == (1, 1)
    # demo->won: inbound L1 won (1/1); outbound L4, L5 not (0/2); all 1/3
    assert conv.loc[("demo_to_won", "inbound"), "conversion_rate"] == pytest.approx(1.0)
    assert conv.loc[("demo_to_won", "outbound"), "conversion_rate"] == pytest.approx(0.0)
    assert conv.loc[("demo_to_won", "all"), "conversion_rate"] == pytest.approx(1 / 3)
    # lead->won: maturity 2 months, so created cohorts 2024-01 and 2024-02 count:
    # inbound L1..L3 -> 1/3, outbound L4, L5 -> 0/2
    assert conv.loc[("lead_to_won", "inbound"), "conversion_rate"] == pytest.approx(1 / 3)
    assert conv.loc[("lead_to_won", "outbound"), "entered"] == 2


def test_funnel_by_segment_and_start_filter():
    c = funnel_cohorts(_leads(), AS_OF, by=("channel", "segment"))
    conv = funnel_conversion(c, ("segment",), start="2024-02").set_index(["transition", "segment"])
    # from cohort 2024-02 on, SQL->demo: L2 (mid, no demo), L4 (mid, demo), L5 (small, demo)
    assert conv.loc[("sql_to_demo", "mid"), "conversion_rate"] == pytest.approx(0.5)
    assert conv.loc[("sql_to_demo", "small"), "conversion_rate"] == pytest.approx(1.0)


def test_no_cohort_since_start_gives_an_empty_table_not_an_error():
    """#13 trial: a tiny region (Österreich, 5 customers) whose leads all came before
    the last 12 months stopped phase 1 and ``planning analyse --region`` with
    ``KeyError: 'transition'``. The leads here start in 2024-01..2024-04; from 2024-05
    on there is no cohort, so the conversion table has no rows (by hand) and keeps its
    columns for the reports."""
    c = funnel_cohorts(_leads(), AS_OF, by=("channel",))
    conv = funnel_conversion(c, ("channel",), start="2024-05")
    assert conv.empty
    assert list(conv.columns) == [
        "transition",
        "channel",
        "entered",
        "converted",
        "conversion_rate",
        "mature_cohorts",
        "immature_cohorts",
        "entered_immature",
    ]


def test_leads_by_month_counts_each_stage_in_its_month():
    lm = leads_by_month(_leads(), AS_OF).set_index(["month", "channel"])
    # January inbound: 3 created, 3 MQL, 1 SQL (L1); February inbound: L2's SQL, L1's demo
    assert tuple(lm.loc[("2024-01", "inbound"), ["leads", "mql", "sql"]]) == (3, 3, 1)
    assert tuple(lm.loc[("2024-02", "inbound"), ["leads", "sql", "demo"]]) == (0, 1, 1)
    # L4's win in May is after the as-of month: no May row, no win counted
    assert lm["won"].sum() == 1


def test_missing_columns_are_named():
    with pytest.raises(MissingColumnsError, match="sql_date"):
        funnel_cohorts(_leads().drop(columns="sql_date"), AS_OF)


def _deals() -> pd.DataFrame:
    rows = [
        # channel, stage, created, close, amount, mrr
        ("inbound", "won", "2024-01-01", "2024-01-31", 1200.0, 100.0),  # 30 days
        ("inbound", "won", "2024-02-01", "2024-03-12", 2400.0, 200.0),  # 29 + 11 = 40 days
        ("inbound", "lost", "2024-01-10", "2024-02-10", 0.0, 0.0),
        ("outbound", "won", "2024-03-01", "2024-03-21", 600.0, 50.0),  # 20 days
        ("outbound", "lost", "2024-01-05", "2024-03-05", 0.0, 0.0),
        ("outbound", "lost", "2024-01-06", "2024-03-06", 0.0, 0.0),
        ("outbound", "demo", "2024-03-10", "2024-05-01", 900.0, 75.0),  # open: ignored
    ]
    df = pd.DataFrame(
        rows, columns=["channel", "stage", "created_date", "close_date", "amount_eur", "mrr_eur"]
    )
    df["created_date"] = pd.to_datetime(df["created_date"])
    df["close_date"] = pd.to_datetime(df["close_date"])
    return df


def test_deal_metrics_per_channel_and_total():
    m = deal_metrics(_deals(), ("channel",)).set_index("channel")
    # inbound: 3 closed, 2 won -> 2/3; size (1200 + 2400) / 2 = 1800; cycles 30, 40:
    # median 35, P80 = 30 + 0.8 * 10 = 38
    assert m.loc["inbound", "win_rate"] == pytest.approx(2 / 3)
    assert m.loc["inbound", "avg_deal_size_eur"] == pytest.approx(1800.0)
    assert m.loc["inbound", "avg_new_mrr_eur"] == pytest.approx(150.0)
    assert m.loc["inbound", "cycle_median_days"] == pytest.approx(35.0)
    assert m.loc["inbound", "cycle_p80_days"] == pytest.approx(38.0)
    # outbound: 1 of 3 won (the open deal does not count)
    assert m.loc["outbound", "closed_deals"] == 3
    assert m.loc["outbound", "win_rate"] == pytest.approx(1 / 3)
    # all: 3 of 6; size (1200 + 2400 + 600) / 3 = 1400; cycles 20, 30, 40: median 30,
    # P80 at position 0.8 * 2 = 1.6 -> 30 + 0.6 * 10 = 36
    assert m.loc["all", "win_rate"] == pytest.approx(0.5)
    assert m.loc["all", "avg_deal_size_eur"] == pytest.approx(1400.0)
    assert m.loc["all", "cycle_p80_days"] == pytest.approx(36.0)
    assert list(m.index) == ["inbound", "outbound", "all"]


def test_deal_metrics_window():
    m = deal_metrics(_deals(), ("channel",), end="2024-02").set_index("channel")
    # closed up to February: inbound won (Jan) and lost (Feb) -> 1/2; no outbound closed
    assert m.loc["inbound", "win_rate"] == pytest.approx(0.5)
    assert "outbound" not in m.index
    assert math.isclose(m.loc["all", "closed_deals"], 2)


def test_stage_no_lead_reached_gives_empty_cohorts_not_a_crash():
    """No demo date anywhere (the leads of ``_leads`` with ``demo_date`` blanked).

    By hand, as of 2024-04: SQL entered by L1 (01-20), L2 (02-03), L4 (02-01), L5 (02-05);
    none reaches a demo, so sql_to_demo has cohorts 2024-01 (L1: 1 entered, 0 converted)
    and 2024-02 (L2, L4, L5: 3 entered, 0 converted). demo_to_won has no cohort at all;
    its total row in the conversion says 0 entered, 0 converted and no rate. The SQL→demo
    lag has no conversions, so its maturity is 0 months and both cohorts are mature:
    4 entered, 0 converted, rate 0.
    """
    leads = _leads().assign(demo_date=pd.NaT)
    cohorts = funnel_cohorts(leads, AS_OF)
    assert not (cohorts["transition"] == "demo_to_won").any()
    s2d = cohorts[cohorts["transition"] == "sql_to_demo"]
    assert s2d["cohort"].tolist() == ["2024-01", "2024-02", "2024-02"]
    assert s2d["entered"].sum() == 4 and s2d["converted"].sum() == 0
    conv = funnel_conversion(cohorts).set_index(["transition", "channel"])
    assert conv.loc[("sql_to_demo", "all"), "entered"] == 4
    assert conv.loc[("sql_to_demo", "all"), "conversion_rate"] == 0.0
    d2w = conv.loc[("demo_to_won", "all")]
    assert (d2w["entered"], d2w["converted"], d2w["mature_cohorts"]) == (0, 0, 0)
    assert math.isnan(d2w["conversion_rate"])


def test_leads_reaching_only_mql():
    """Every lead stops at MQL (sql, demo, won dates blanked): mql_to_sql has the three
    inbound MQL cohorts of January (L1, L2, L3) and one of April (L6), 0 converted; the
    later transitions have no cohort and a total row of 0 entered each."""
    leads = _leads().assign(sql_date=pd.NaT, demo_date=pd.NaT, won_date=pd.NaT)
    cohorts = funnel_cohorts(leads, AS_OF)
    assert set(cohorts["transition"]) == {"mql_to_sql", "lead_to_won"}
    m2s = cohorts[cohorts["transition"] == "mql_to_sql"]
    assert m2s["entered"].tolist() == [3, 1] and m2s["converted"].sum() == 0
    conv = funnel_conversion(cohorts).set_index(["transition", "channel"])
    for step in ("sql_to_demo", "demo_to_won"):
        assert conv.loc[(step, "all"), "entered"] == 0
