"""Generated findings: texts, numbers, and silence where the data does not support them."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.analysis.asis import Analysis
from planning_lib.present.findings import (
    abc_concentration,
    channel_mix_vs_conversion,
    churn_level,
    market_position,
    mrr_development,
    sales_cycle_gap,
    segment_attractiveness,
    two_proportion_p_value,
)

NB = "\xa0"  # German puts a no-break space before % and €

LABELS = {
    "inbound": ("Inbound-Marketing", "Inbound marketing"),
    "outbound": ("Outbound-Vertrieb", "Outbound sales"),
}


def _analysis(**tables: pd.DataFrame) -> Analysis:
    return Analysis(as_of=pd.Period("2025-12", "M"), year=2025, tables=tables, labels=LABELS)


def _mix(inbound: tuple[int, int], outbound: tuple[int, int]) -> Analysis:
    share = pd.DataFrame(
        {
            "year": [2025, 2025],
            "channel": ["inbound", "outbound"],
            "new_customers": [60, 40],
            "new_customer_share": [0.6, 0.4],
        }
    )
    conv = pd.DataFrame(
        {
            "transition": ["sql_to_demo", "sql_to_demo", "demo_to_won", "demo_to_won"],
            "channel": ["inbound", "outbound", "inbound", "outbound"],
            "entered": [500, 500, inbound[0], outbound[0]],
            "converted": [150, 150, inbound[1], outbound[1]],
        }
    )
    conv["conversion_rate"] = conv["converted"] / conv["entered"]
    return _analysis(new_customers_by_channel=share, funnel_conversion_channel=conv)


def test_two_proportion_p_value():
    # 80/400 = .20 vs 112/400 = .28; pooled .24; se = sqrt(.24 * .76 * (2/400)) = .0302;
    # z = .08 / .0302 = 2.649 -> two-sided p = 2 * (1 - Phi(2.649)) = .0081
    assert two_proportion_p_value(80, 400, 112, 400) == pytest.approx(0.0081, abs=2e-4)
    assert two_proportion_p_value(10, 100, 10, 100) == pytest.approx(1.0)


def test_channel_mix_vs_conversion_seed_style():
    # inbound brings 60 % of new customers; demo->won inbound 80/400 = 20 %,
    # outbound 112/400 = 28 %: 28 / 20 - 1 = 40 % better (p = .008); SQL->demo equal
    f = channel_mix_vs_conversion(_mix((400, 80), (400, 112)))
    assert f is not None
    assert f.code == "channel_mix_vs_conversion"
    assert f.text_de == (
        f"60,0{NB}% der Neukunden 2025 kamen über Inbound-Marketing, aber Leads aus "
        f"Outbound-Vertrieb konvertieren 40,0{NB}% besser von Demo zu Abschluss "
        f"(28,0{NB}% gegenüber 20,0{NB}%)."
    )
    assert f.text_en == (
        "60.0% of new customers in 2025 came via Inbound marketing, but Outbound sales "
        "leads convert 40.0% better from demo to close (28.0% vs. 20.0%)."
    )
    assert f.numbers["relative_difference"] == pytest.approx(0.4)
    assert f.numbers["transition"] == "demo_to_won"


def test_channel_mix_when_the_largest_channel_also_converts_best():
    f = channel_mix_vs_conversion(_mix((400, 112), (400, 80)))
    assert f is not None
    assert "und diese Leads konvertieren zudem 40,0" in f.text_de
    assert f.numbers["rate_top"] == pytest.approx(0.28)


def test_channel_mix_silent_without_evidence():
    # 8/40 = 20 % vs 11/40 = 27.5 %: 37.5 % better, but z = .075 / .095 = .79, p = .43
    assert channel_mix_vs_conversion(_mix((40, 8), (40, 11))) is None
    # fewer than 30 leads at the stage: not compared at all
    assert channel_mix_vs_conversion(_mix((20, 2), (20, 12))) is None


def test_churn_level():
    a = _analysis()
    a.figures = {"logo_churn_rate": 0.05, "gross_revenue_churn_rate": 0.04}
    f = churn_level(a)
    assert f is not None
    # lifetime 1 / 0.05 = 20 months
    assert f.text_de == (
        f"In den letzten 12 Monaten wanderten monatlich 5,0{NB}% der Kunden ab "
        f"(Umsatz: 4,0{NB}%); ein Kunde bleibt damit im Schnitt 20,0 Monate."
    )
    assert f.numbers["lifetime_months"] == pytest.approx(20.0)
    a.figures = {"logo_churn_rate": 0.0, "gross_revenue_churn_rate": 0.0}
    assert churn_level(a) is None


def test_abc_concentration():
    summary = pd.DataFrame(
        {
            "abc_class": ["A", "B", "C"],
            "customers": [20, 30, 50],
            "customer_share": [0.2, 0.3, 0.5],
            "revenue_eur": [800.0, 150.0, 50.0],
            "revenue_share": [0.8, 0.15, 0.05],
        }
    )
    f = abc_concentration(_analysis(abc_summary=summary))
    assert f is not None
    assert f.text_de == (
        f"20,0{NB}% der Kunden (A-Kunden) erzielen 80,0{NB}% des Umsatzes der letzten 12 Monate."
    )
    few = summary.assign(customers=[1, 1, 1])
    assert abc_concentration(_analysis(abc_summary=few)) is None


def test_market_position():
    market = pd.DataFrame(
        {"market_share": [0.0024], "market_size_eur": [420e6], "growth_rate_yearly": [0.18]}
    )
    a = _analysis(market=market)
    a.figures = {"revenue_yoy": 0.065}
    f = market_position(a)
    assert f is not None
    assert f.text_de == (
        f"Marktanteil 2025: 0,24{NB}% eines Marktes von 420.000.000{NB}€, der um 18,0{NB}% "
        f"p. a. wächst; der eigene Umsatz wuchs mit +6,5{NB}% langsamer als der Markt."
    )
    assert f.text_en.endswith("own revenue grew +6.5%, slower than the market.")
    unknown = market.assign(market_size_eur=[float("nan")], market_share=[float("nan")])
    assert market_position(_analysis(market=unknown)) is None


def test_segment_attractiveness_leaves_out_unknown_figures():
    seg = pd.DataFrame(
        {
            "segment": ["small", "large"],
            "attractiveness": [0.25, 0.75],
            "revenue_growth": [float("nan"), float("nan")],
            "clv_eur": [1500.0, 7400.0],
        }
    )
    f = segment_attractiveness(_analysis(segments=seg))
    assert f is not None
    # growth unknown (short history): not mentioned, not in the numbers
    assert f.text_de == (
        f"Attraktivstes Segment: Großunternehmen (Score 0,75, CLV 7.400{NB}€); "
        "am wenigsten attraktiv: Kleinunternehmen (0,25)."
    )
    assert "top_revenue_growth" not in f.numbers
    assert segment_attractiveness(_analysis(segments=seg.head(1))) is None


def test_sales_cycle_gap_names_days_for_both_channels():
    dm = pd.DataFrame(
        {
            "channel": ["inbound", "outbound"],
            "won_deals": [36, 15],
            "cycle_median_days": [52.0, 33.0],
            "cycle_p80_days": [61.0, 40.0],
        }
    )
    f = sales_cycle_gap(_analysis(deal_metrics_channel=dm))
    assert f is not None
    assert f.text_de == (
        "Abschlüsse über Inbound-Marketing brauchen im Median 52 Tage (P80: 61), "
        "über Outbound-Vertrieb nur 33 Tage."
    )
    assert f.text_en.endswith("via Outbound sales only 33 days.")


def test_mrr_development_names_the_month_in_words():
    a = _analysis()
    a.figures = {"mrr_end_eur": 11307.0, "customers_end": 73, "arpa_eur": 155.0}
    a.figures["revenue_eur"] = 128038.0
    f = mrr_development(a)
    assert f is not None
    assert f.text_de.startswith(f"MRR Dez. 2025: 11.307{NB}€ bei 73 Kunden")
    assert f.text_en.startswith("MRR Dec 2025: €11,307 from 73 customers")


def test_segment_recommended_from_few_customers_carries_a_caveat():
    """Issue 14: 'a segment recommended from 4 customers without a caveat'. The top
    segment (large, 4 customers < 30) gets the caveat; with 30 customers it does not."""
    seg = pd.DataFrame(
        {
            "segment": ["small", "large"],
            "customers": [43, 4],
            "attractiveness": [0.29, 0.58],
            "revenue_growth": [0.01, 1.25],
            "clv_eur": [1460.0, float("nan")],
        }
    )
    f = segment_attractiveness(_analysis(segments=seg))
    assert f is not None and f.numbers["top_customers"] == 4
    assert f.text_de.endswith(
        "Achtung: das Segment zählt nur 4 Kunden (unter 30); der Punktwert ist ein "
        "Hinweis, kein Beleg."
    )
    assert "only 4 customers (fewer than 30)" in f.text_en
    enough = segment_attractiveness(_analysis(segments=seg.assign(customers=[43, 30])))
    assert enough is not None and "Achtung" not in enough.text_de
