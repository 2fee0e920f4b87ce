"""ABC analysis, segment table, attractiveness, personas and positioning, worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from planning_lib.analysis.segments import (
    abc_classes,
    abc_summary,
    attractiveness,
    persona_links,
    persona_table,
    positioning_table,
    segment_table,
)
from planning_lib.analysis.unit_economics import cac_by_channel, new_customers
from planning_lib.core.params import Competitor, Persona, Segmentation
from planning_lib.metrics.customers import customer_matrix


def test_abc_classes_and_summary():
    rev = pd.DataFrame(
        {"customer_id": ["c3", "c1", "c5", "c2", "c4"], "revenue_eur": [100, 500, 40, 300, 60]}
    )
    abc = abc_classes(rev, 0.8, 0.95)
    # sorted: c1 500, c2 300, c3 100, c4 60, c5 40 (total 1000)
    # cumulative share before each: 0, .5, .8, .9, .96
    # A while before < .8: c1, c2; B while before < .95: c3, c4; C: c5
    assert list(abc["customer_id"]) == ["c1", "c2", "c3", "c4", "c5"]
    assert list(abc["abc_class"]) == ["A", "A", "B", "B", "C"]
    assert abc["cumulative_share"].iloc[2] == pytest.approx(0.9)
    s = abc_summary(abc).set_index("abc_class")
    # A: 2 of 5 customers (40 %), 800 of 1000 (80 %); C: 1 (20 %), 40 (4 %)
    assert s.loc["A", "customer_share"] == pytest.approx(0.4)
    assert s.loc["A", "revenue_share"] == pytest.approx(0.8)
    assert s.loc["C", "revenue_share"] == pytest.approx(0.04)


def test_abc_thresholds_are_parameters_and_ties_sort_by_id():
    rev = pd.DataFrame({"customer_id": ["b", "a", "c"], "revenue_eur": [50.0, 50.0, 0.0]})
    # a and b tie -> a first; with a_share 0.5: a (before 0) A, b (before .5) B, c (before 1) C
    abc = abc_classes(rev, 0.5, 0.9)
    assert list(abc["customer_id"]) == ["a", "b", "c"]
    assert list(abc["abc_class"]) == ["A", "B", "C"]
    with pytest.raises(ValueError, match="a_share"):
        abc_classes(rev, 0.9, 0.5)


def test_attractiveness_normalised_weighted_score():
    table = pd.DataFrame(
        {
            "segment": ["small", "mid", "large"],
            "revenue_eur": [100.0, 200.0, 300.0],
            "cac_eur": [50.0, 50.0, 50.0],
            "churn_rate_monthly": [0.02, 0.04, float("nan")],
        }
    )
    out = attractiveness(table, {"revenue": 3, "cac": 1})
    # revenue normalised 0, .5, 1; CAC equal everywhere -> .5
    # score = 3/4 * revenue + 1/4 * .5 -> .125, .5, .875
    assert list(out["score_revenue"]) == pytest.approx([0.0, 0.5, 1.0])
    assert list(out["attractiveness"]) == pytest.approx([0.125, 0.5, 0.875])
    assert list(out["rank"]) == [3, 2, 1]
    # churn: lower is better -> .02 scores 1, .04 scores 0, unknown scores .5
    out = attractiveness(table, {"churn": 1})
    assert list(out["score_churn"]) == pytest.approx([1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="unknown criteria"):
        attractiveness(table, {"beauty": 1})


def test_default_weights_are_valid_criteria():
    weights = Segmentation().attractiveness_weights
    assert sum(weights.values()) == pytest.approx(1.0)
    table = pd.DataFrame(
        {
            "segment": ["x", "y"],
            "revenue_eur": [1.0, 2.0],
            "revenue_growth": [0.1, 0.0],
            "win_rate": [0.2, 0.2],
            "avg_deal_size_eur": [1.0, 1.0],
            "clv_eur": [1.0, 1.0],
            "cac_eur": [1.0, 1.0],
            "churn_rate_monthly": [0.1, 0.1],
        }
    )
    out = attractiveness(table, weights)
    # y better on revenue (0.2), x on growth (0.2); the rest equal (0.5 each): tie 0.5
    assert list(out["attractiveness"]) == pytest.approx([0.5, 0.5])


def _subs() -> pd.DataFrame:
    # month-end state, as of 2024-06:
    #          Jan  Feb  Mar  Apr  May  Jun
    # a small  100  100  100    .    .    .   (lost April)
    # b mid      .    .  200  200  230  200
    # c small    .   50   50   50    .    .   (lost May)
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "c"],
            "region": ["N", "N", "N", "S"],
            "product": ["P", "P", "Q", "P"],
            "segment": ["small", "mid", "mid", "small"],
            "channel": ["inbound", "outbound", "outbound", "inbound"],
            "start_date": pd.to_datetime(["2024-01-15", "2024-03-01", "2024-05-01", "2024-02-01"]),
            "end_date": pd.to_datetime(["2024-04-10", None, "2024-06-15", "2024-05-20"]),
            "mrr_eur": [100.0, 200.0, 30.0, 50.0],
        }
    )


def test_segment_table():
    cm = customer_matrix(_subs(), "2024-06")
    deals = pd.DataFrame(
        {
            "segment": ["small", "small", "mid", "mid"],
            "stage": ["won", "lost", "won", "won"],
            "created_date": pd.to_datetime(
                ["2024-03-01", "2024-04-01", "2024-05-01", "2024-01-01"]
            ),
            "close_date": pd.to_datetime(["2024-04-10", "2024-05-01", "2024-06-01", "2024-01-15"]),
            "amount_eur": [1200.0, 0.0, 2400.0, 9999.0],
            "mrr_eur": [100.0, 0.0, 200.0, 833.0],
        }
    )
    costs = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
            "region": ["N"] * 3,
            "category": ["marketing", "personnel", "marketing"],
            "channel": ["inbound", None, "outbound"],
            "amount_eur": [100.0, 300.0, 60.0],
        }
    )
    new = new_customers(cm)
    cac = cac_by_channel(costs, new, 2024)  # fully loaded: inbound 150, outbound 160
    t = segment_table(cm, deals, new, cac, gross_margin=0.8, months=3).set_index("segment")
    # revenue Apr..Jun: small c 50; mid b 200 + 230 + 200 = 630
    # Jan..Mar: small a 300 + c 100 = 400; mid b 200 -> growth -0.875 and 2.15
    assert t.loc["small", "revenue_eur"] == pytest.approx(50.0)
    assert t.loc["mid", "revenue_eur"] == pytest.approx(630.0)
    assert t.loc["small", "revenue_growth"] == pytest.approx(50 / 400 - 1)
    assert t.loc["mid", "revenue_growth"] == pytest.approx(630 / 200 - 1)
    assert t.loc["mid", "revenue_share"] == pytest.approx(630 / 680)
    # customers at the end of June: small none, mid b
    assert (t.loc["small", "customers"], t.loc["mid", "customers"]) == (0, 1)
    # deals closed Apr..Jun: small 1 of 2 won (1200), mid 1 of 1 (2400; January deal outside)
    assert t.loc["small", "win_rate"] == pytest.approx(0.5)
    assert t.loc["mid", "avg_deal_size_eur"] == pytest.approx(2400.0)
    # churn Apr..Jun: small starts 2 + 1 + 0 = 3, lost a and c -> 2/3; mid 0 -> CLV unknown
    assert t.loc["small", "churn_rate_monthly"] == pytest.approx(2 / 3)
    assert t.loc["mid", "churn_rate_monthly"] == pytest.approx(0.0)
    assert math.isnan(t.loc["mid", "clv_eur"])
    # CAC: small customers a, c came inbound (150); mid b outbound (160)
    assert t.loc["small", "cac_eur"] == pytest.approx(150.0)
    assert t.loc["mid", "cac_eur"] == pytest.approx(160.0)


def test_segment_by_region():
    cm = customer_matrix(_subs(), "2024-06")
    empty_deals = pd.DataFrame(
        columns=[
            "segment",
            "region",
            "stage",
            "created_date",
            "close_date",
            "amount_eur",
            "mrr_eur",
        ]
    )
    new = new_customers(cm)
    cac = pd.DataFrame({"channel": ["inbound", "outbound"], "cac_fully_loaded_eur": [10.0, 20.0]})
    t = segment_table(cm, empty_deals, new, cac, 0.8, by=("segment", "region"), months=3)
    # small/N: a (no revenue Apr..Jun), small/S: c 50, mid/N: b 630
    keys = list(zip(t["segment"], t["region"], strict=True))
    assert keys == [("mid", "N"), ("small", "N"), ("small", "S")]
    assert list(t["revenue_eur"]) == pytest.approx([630.0, 0.0, 50.0])


def test_personas_and_positioning_tables():
    personas = [
        Persona(
            name="Anja",
            age=38,
            role_de="Projektleiterin",
            role_en="Project lead",
            segments=["small", "mid"],
            channels=["inbound"],
        ),
        Persona(name="Markus", segments=["huge"], channels=["partner"]),
    ]
    pt = persona_table(personas, "en")
    assert list(pt["role"]) == ["Project lead", ""]
    assert pt.loc[0, "segments"] == "small; mid"
    segs = pd.DataFrame(
        {
            "segment": ["small", "mid"],
            "customers": [10, 5],
            "revenue_share": [0.4, 0.6],
            "attractiveness": [0.3, 0.7],
        }
    )
    chans = pd.DataFrame(
        {"channel": ["inbound"], "new_customer_share": [0.6], "cac_stated_eur": [250.0]}
    )
    links = persona_links(personas, segs, chans)
    anja = links[links["persona"] == "Anja"].set_index("key")
    assert anja.loc["mid", "attractiveness"] == pytest.approx(0.7)
    assert anja.loc["inbound", "cac_stated_eur"] == pytest.approx(250.0)
    # links to segments or channels without data are kept and flagged
    markus = links[links["persona"] == "Markus"]
    assert list(markus["in_data"]) == [False, False]
    pos = positioning_table(
        "CloudFlow",
        {"de": "Die agile Lösung", "en": "The agile solution"},
        [Competitor(name="Kanban-Light", price_monthly_eur=90, positioning="Günstig")],
        "en",
    )
    assert list(pos["provider"]) == ["CloudFlow", "Kanban-Light"]
    assert pos.loc[0, "positioning"] == "The agile solution"
    assert pos.loc[1, "price_monthly_eur"] == 90
