"""The as-is analysis findings: when each rule fires, with which numbers, and its German sentence.

One test per rule family: a small input where the rule must fire (numbers derived by hand
in the docstring, the sentence from the template ``analysis_finding.<code>`` in German,
English where a detail differs) and one where it must stay silent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from planning_lib.analysis.asis import Analysis, figure_periods
from planning_lib.analysis.findings import (
    GENERATORS,
    abc_concentration,
    cac_vs_clv,
    channel_mix_vs_conversion,
    churn_level,
    funnel_bottleneck,
    generate_findings,
    immature_cohorts,
    market_position,
    mrr_development,
    new_customer_mix,
    sales_cycle_gap,
    sales_summary,
    segment_attractiveness,
    skipped_findings,
    top_rep,
    two_proportion_p_value,
)
from planning_lib.analysis.funnel import ALL
from planning_lib.present.analysis_finding_texts import analysis_finding_text

NB = "\xa0"  # German puts a no-break space before % and €

LABELS = {
    "inbound": ("Inbound-Marketing", "Inbound marketing"),
    "outbound": ("Outbound-Vertrieb", "Outbound sales"),
}


def _analysis(**tables: pd.DataFrame) -> Analysis:
    return Analysis(as_of=pd.Period("2025-12", "M"), year=2025, tables=tables, labels=LABELS)


def _de(f) -> str:
    return analysis_finding_text(f, "de")


def _en(f) -> str:
    return analysis_finding_text(f, "en")


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
    """80/400 = .20 vs 112/400 = .28; pooled .24; se = sqrt(.24 * .76 * (2/400)) = .0302;
    z = .08 / .0302 = 2.649 -> two-sided p = 2 * (1 - Phi(2.649)) = .0081."""
    assert two_proportion_p_value(80, 400, 112, 400) == pytest.approx(0.0081, abs=2e-4)
    assert two_proportion_p_value(10, 100, 10, 100) == pytest.approx(1.0)


def test_channel_mix_vs_conversion_seed_style():
    """Inbound brings 60 % of new customers; demo->won inbound 80/400 = 20 %, outbound
    112/400 = 28 %: 28 / 20 - 1 = 40 % better (p = .008 < .05); SQL->demo equal (150/500
    each, p = 1), so the demo->won comparison is reported, with "aber"."""
    f = channel_mix_vs_conversion(_mix((400, 80), (400, 112)))
    assert f is not None
    assert f.code == "channel_mix_vs_conversion"
    assert _de(f) == (
        f"60,0{NB}% der Neukunden 2025 kamen über Inbound-Marketing, aber Leads aus "
        f"Outbound-Vertrieb konvertieren 40,0{NB}% besser von Demo zu Abschluss "
        f"(28,0{NB}% gegenüber 20,0{NB}%)."
    )
    assert _en(f) == (
        "60.0% of new customers in 2025 came via Inbound marketing, but Outbound sales "
        "leads convert 40.0% better from demo to close (28.0% vs. 20.0%)."
    )
    assert f.numbers["top_share"] == pytest.approx(0.6)
    assert f.numbers["rate_top"] == pytest.approx(0.20)
    assert f.numbers["rate_other"] == pytest.approx(0.28)
    assert f.numbers["relative_difference"] == pytest.approx(0.4)
    assert f.numbers["p_value"] == pytest.approx(0.0081, abs=2e-4)
    assert f.numbers["transition"] == "demo_to_won"


def test_channel_mix_when_the_largest_channel_also_converts_best():
    """Swapped: inbound (60 % of new customers) 112/400 = 28 %, outbound 80/400 = 20 %:
    the largest channel is also 28 / 20 - 1 = 40 % better ("und ... zudem")."""
    f = channel_mix_vs_conversion(_mix((400, 112), (400, 80)))
    assert f is not None
    assert f.numbers["rate_top"] == pytest.approx(0.28)
    assert _de(f) == (
        f"60,0{NB}% der Neukunden 2025 kamen über Inbound-Marketing, und diese Leads "
        f"konvertieren zudem 40,0{NB}% besser von Demo zu Abschluss als Leads aus "
        f"Outbound-Vertrieb (28,0{NB}% gegenüber 20,0{NB}%)."
    )


def test_channel_mix_silent_without_evidence():
    """8/40 = 20 % vs 11/40 = 27.5 %: 37.5 % better, but z = .075 / .095 = .79, p = .43;
    with fewer than 30 leads at the stage the channels are not compared at all."""
    assert channel_mix_vs_conversion(_mix((40, 8), (40, 11))) is None
    assert channel_mix_vs_conversion(_mix((20, 2), (20, 12))) is None


def _new_customers(rows: list[tuple[int, str, int]]) -> Analysis:
    df = pd.DataFrame(rows, columns=["year", "channel", "new_customers"])
    df["new_customer_share"] = df["new_customers"] / df.groupby("year")["new_customers"].transform(
        "sum"
    )
    return _analysis(new_customers_by_channel=df)


def test_new_customer_mix():
    """2025: inbound 60 + outbound 40 = 100 new customers, shares 60 % and 40 %;
    2024: 50 + 30 = 80, so growth 100 / 80 - 1 = +25 %."""
    a = _new_customers(
        [
            (2024, "inbound", 50),
            (2024, "outbound", 30),
            (2025, "outbound", 40),
            (2025, "inbound", 60),
        ]
    )
    f = new_customer_mix(a)
    assert f is not None
    assert f.numbers == pytest.approx(
        {
            "year": 2025,
            "new_customers": 100,
            "share_inbound": 0.6,
            "share_outbound": 0.4,
            "new_customers_prev": 80,
            "growth": 0.25,
        }
    )
    assert _de(f) == (
        f"2025 gewann das Unternehmen 100 Neukunden (+25,0{NB}% ggü. 2024: 80): "
        f"60,0{NB}% Inbound-Marketing, 40,0{NB}% Outbound-Vertrieb."
    )
    assert _en(f) == (
        "2025 brought 100 new customers (+25.0% vs. 2024: 80): "
        "60.0% Inbound marketing, 40.0% Outbound sales."
    )


def test_new_customer_mix_without_a_previous_year_or_without_new_customers():
    """Only 2025 (inbound 3 of 4 = 75 %): no comparison with 2024; only 2024: silent."""
    f = new_customer_mix(_new_customers([(2025, "inbound", 3), (2025, "outbound", 1)]))
    assert f is not None and "growth" not in f.numbers
    assert _de(f) == (
        f"2025 gewann das Unternehmen 4 Neukunden: 75,0{NB}% Inbound-Marketing, "
        f"25,0{NB}% Outbound-Vertrieb."
    )
    assert new_customer_mix(_new_customers([(2024, "inbound", 3)])) is None


def test_mrr_development():
    """MRR 11,307 € from 73 customers at December 2025, ARPA 155 €; revenue 2025
    128,038 € at +6.5 % on the year, which the sentence names (the analysis year 2025 - 1
    = "ggü. 2024" / "vs. 2024"); CAGR 2022-2025 12 % a year: all stated."""
    a = _analysis()
    a.figures = {
        "mrr_end_eur": 11307.0,
        "customers_end": 73,
        "arpa_eur": 155.0,
        "revenue_eur": 128038.0,
        "revenue_yoy": 0.065,
        "revenue_cagr": 0.12,
        "cagr_first_year": 2022,
        "cagr_last_year": 2025,
    }
    f = mrr_development(a)
    assert f is not None
    assert f.numbers == {
        "mrr_end_eur": 11307.0,
        "customers_end": 73,
        "arpa_eur": 155.0,
        "revenue_eur": 128038.0,
        "revenue_yoy": 0.065,
        "revenue_cagr": 0.12,
    }
    assert _de(f) == (
        f"MRR Dez. 2025: 11.307{NB}€ bei 73 Kunden (ARPA 155{NB}€); Umsatz 2025 "
        f"128.038{NB}€ (+6,5{NB}% ggü. 2024), CAGR 2022–2025 12,0{NB}% pro Jahr."
    )
    assert _en(f).startswith("MRR Dec 2025: €11,307 from 73 customers")
    assert "revenue 2025 €128,038 (+6.5% vs. 2024)" in _en(f)


def test_mrr_development_leaves_out_unknown_growth_and_is_silent_without_mrr():
    """No year-on-year growth and no CAGR (short history): the sentence ends after ARPA;
    no MRR at all: silent."""
    a = _analysis()
    a.figures = {"mrr_end_eur": 11307.0, "customers_end": 73, "arpa_eur": 155.0}
    a.figures["revenue_eur"] = 128038.0
    f = mrr_development(a)
    assert f is not None and set(f.numbers) == {
        "mrr_end_eur",
        "customers_end",
        "arpa_eur",
        "revenue_eur",
    }
    assert _de(f) == f"MRR Dez. 2025: 11.307{NB}€ bei 73 Kunden (ARPA 155{NB}€)."
    a.figures["mrr_end_eur"] = float("nan")
    assert mrr_development(a) is None


def test_cac_vs_clv_below_the_rule_of_thumb():
    """CAC 500 € (marketing only), 1,000 € fully loaded, CLV 2,500 €: CLV/CAC = 2,500 / 500
    = 5.0 and 2,500 / 1,000 = 2.5 fully loaded, below 3, so a warning."""
    a = _analysis()
    a.figures = {
        "cac_stated_eur": 500.0,
        "cac_fully_loaded_eur": 1000.0,
        "clv_formula_eur": 2500.0,
        "clv_empirical_eur": 2000.0,
    }
    f = cac_vs_clv(a)
    assert f is not None and f.severity == "warning"
    assert f.numbers["clv_to_cac_stated"] == pytest.approx(5.0)
    assert f.numbers["clv_to_cac_fully_loaded"] == pytest.approx(2.5)
    assert _de(f) == (
        f"CAC 2025: 500{NB}€ (nur Marketing) bzw. 1.000{NB}€ (voll belastet); "
        f"CLV 2.500{NB}€, aus Kohorten 2.000{NB}€. CLV/CAC = 5,0 bzw. 2,5 voll belastet, "
        "unter dem Richtwert 3."
    )


def test_cac_vs_clv_above_the_rule_of_thumb_and_silent_without_costs():
    """Fully loaded CAC 800 €: 2,500 / 800 = 3.125 >= 3 ("über", info); no empirical CLV, so
    none stated. A stated CAC of 0 (no marketing costs): silent."""
    a = _analysis()
    a.figures = {"cac_stated_eur": 500.0, "cac_fully_loaded_eur": 800.0, "clv_formula_eur": 2500.0}
    f = cac_vs_clv(a)
    assert f is not None and f.severity == "info"
    assert f.numbers["clv_to_cac_fully_loaded"] == pytest.approx(3.125)
    assert _de(f) == (
        f"CAC 2025: 500{NB}€ (nur Marketing) bzw. 800{NB}€ (voll belastet); CLV 2.500{NB}€. "
        "CLV/CAC = 5,0 bzw. 3,1 voll belastet, über dem Richtwert 3."
    )
    a.figures["cac_stated_eur"] = 0.0
    assert cac_vs_clv(a) is None


def test_churn_level():
    """5 % logo churn a month: a customer stays 1 / 0.05 = 20 months; no churn: silent."""
    a = _analysis()
    a.figures = {"logo_churn_rate": 0.05, "gross_revenue_churn_rate": 0.04}
    f = churn_level(a)
    assert f is not None
    assert _de(f) == (
        f"In den letzten 12 Monaten wanderten monatlich 5,0{NB}% der Kunden ab "
        f"(Umsatz: 4,0{NB}%); ein Kunde bleibt damit im Schnitt 20,0 Monate."
    )
    assert f.numbers["lifetime_months"] == pytest.approx(20.0)
    a.figures = {"logo_churn_rate": 0.0, "gross_revenue_churn_rate": 0.0}
    assert churn_level(a) is None


def _funnel(entered: list[int], converted: list[int]) -> Analysis:
    conv = pd.DataFrame(
        {
            "transition": ["mql_to_sql", "sql_to_demo", "demo_to_won"],
            "channel": [ALL] * 3,
            "entered": entered,
            "converted": converted,
        }
    )
    conv["conversion_rate"] = conv["converted"] / conv["entered"]
    return _analysis(funnel_conversion_channel=conv)


def test_funnel_bottleneck():
    """MQL->SQL 400/1,000 = 40 %, SQL->demo 120/400 = 30 %, demo->won 30/120 = 25 %:
    the bottleneck is demo->won at 25 % of 120 leads."""
    f = funnel_bottleneck(_funnel([1000, 400, 120], [400, 120, 30]))
    assert f is not None
    assert f.numbers == {"transition": "demo_to_won", "conversion_rate": 0.25, "entered": 120}
    assert _de(f) == (
        f"Größter Engpass im Funnel: nur 25,0{NB}% der Leads kommen von Demo zu Abschluss "
        "(ausgereifte Kohorten der letzten 12 Monate)."
    )


def test_funnel_bottleneck_silent_with_one_comparable_stage():
    """Only MQL->SQL has at least 30 leads (SQL->demo 20, demo->won 5): nothing to compare."""
    assert funnel_bottleneck(_funnel([1000, 20, 5], [20, 5, 1])) is None


def _cycles(won: list[int], median: list[float]) -> Analysis:
    dm = pd.DataFrame(
        {
            "channel": ["inbound", "outbound"],
            "won_deals": won,
            "cycle_median_days": median,
            "cycle_p80_days": [61.0, 40.0],
        }
    )
    return _analysis(deal_metrics_channel=dm)


def test_sales_cycle_gap_names_days_for_both_channels():
    """Inbound median 52 days against outbound 33: 52 / 33 - 1 = 58 % longer (>= 20 %)."""
    f = sales_cycle_gap(_cycles([36, 15], [52.0, 33.0]))
    assert f is not None
    assert f.numbers["slow_channel"] == "inbound" and f.numbers["fast_median_days"] == 33.0
    assert _de(f) == (
        "Abschlüsse über Inbound-Marketing brauchen im Median 52 Tage (P80: 61), "
        "über Outbound-Vertrieb nur 33 Tage."
    )
    assert _en(f).endswith("via Outbound sales only 33 days.")


def test_sales_cycle_gap_silent_when_close_or_too_few_deals():
    """36 against 33 days: 36 / 33 - 1 = 9 % < 20 %; outbound with 9 won deals (< 10): one
    channel left, nothing to compare."""
    assert sales_cycle_gap(_cycles([36, 15], [36.0, 33.0])) is None
    assert sales_cycle_gap(_cycles([36, 9], [52.0, 33.0])) is None


def test_abc_concentration():
    """20 of 100 customers (20 %) are A customers with 800 of 1,000 € (80 %) of revenue;
    with 3 customers (< 10) silent."""
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
    assert f.numbers == {"a_customers": 20, "a_customer_share": 0.2, "a_revenue_share": 0.8}
    assert _de(f) == (
        f"20,0{NB}% der Kunden (A-Kunden) erzielen 80,0{NB}% des Umsatzes der letzten 12 Monate."
    )
    few = summary.assign(customers=[1, 1, 1])
    assert abc_concentration(_analysis(abc_summary=few)) is None


def test_market_position():
    """0.24 % of a 420 M€ market growing 18 %; own revenue +6.5 % < 18 %: slower; the own
    growth is 2025 over 2024 (the analysis year and the one before), named in the sentence."""
    market = pd.DataFrame(
        {"market_share": [0.0024], "market_size_eur": [420e6], "growth_rate_yearly": [0.18]}
    )
    a = _analysis(market=market)
    a.figures = {"revenue_yoy": 0.065}
    f = market_position(a)
    assert f is not None
    assert f.numbers == {
        "market_share": 0.0024,
        "market_size_eur": 420e6,
        "market_growth": 0.18,
        "revenue_yoy": 0.065,
    }
    assert _de(f) == (
        f"Marktanteil 2025: 0,24{NB}% eines Marktes von 420.000.000{NB}€, der um 18,0{NB}% "
        f"p. a. wächst; der eigene Umsatz wuchs 2025 ggü. 2024 mit +6,5{NB}% langsamer als "
        "der Markt."
    )
    assert _en(f).endswith("own revenue grew +6.5% in 2025 over 2024, slower than the market.")
    unknown = market.assign(market_size_eur=[float("nan")], market_share=[float("nan")])
    assert market_position(_analysis(market=unknown)) is None


def test_segment_attractiveness_leaves_out_unknown_figures():
    """Large (score .75) is the most, small (.25) the least attractive; growth unknown (short
    history): not mentioned, not in the numbers; a single segment: silent."""
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
    assert _de(f) == (
        f"Attraktivstes Segment: Großunternehmen (Score 0,75, CLV 7.400{NB}€); "
        "am wenigsten attraktiv: Kleinunternehmen (0,25)."
    )
    assert "top_revenue_growth" not in f.numbers
    assert segment_attractiveness(_analysis(segments=seg.head(1))) is None


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
    assert _de(f) == (
        f"Attraktivstes Segment: Großunternehmen (Score 0,58, Umsatzwachstum +125,0{NB}%); "
        "am wenigsten attraktiv: Kleinunternehmen (0,29). Achtung: das Segment zählt nur "
        "4 Kunden (unter 30); der Punktwert ist ein Hinweis, kein Beleg."
    )
    assert "only 4 customers (fewer than 30)" in _en(f)
    enough = segment_attractiveness(_analysis(segments=seg.assign(customers=[43, 30])))
    assert enough is not None and "Achtung" not in _de(enough)


def _cohorts(immature: int) -> Analysis:
    conv = pd.DataFrame(
        {
            "transition": ["lead_to_won"],
            "channel": [ALL],
            "immature_cohorts": [immature],
            "entered_immature": [250],
        }
    )
    lags = pd.DataFrame({"transition": ["lead_to_won"], "maturity_months": [4]})
    return _analysis(funnel_conversion_channel=conv, stage_lags=lags)


def test_immature_cohorts():
    """3 immature monthly cohorts (250 leads) while 90 % of wins take up to 4 months;
    no immature cohort: silent."""
    f = immature_cohorts(_cohorts(3))
    assert f is not None
    assert f.numbers == {"immature_cohorts": 3, "entered_immature": 250}
    assert _de(f) == (
        "Die Lead-Kohorten der letzten 3 Monate sind noch nicht ausgereift (90 % der "
        "Abschlüsse brauchen bis zu 4 Monate) und zählen nicht in die Konversionsraten."
    )
    assert immature_cohorts(_cohorts(0)) is None


def test_sales_summary():
    """The sales figures as given: 2025 bookings 120,000 € from 12 won deals (calendar
    year), beside them the last 12 months up to the as-of month 2025-12 (2025-01..2025-12:
    here the same 120,000 € from 12 deals), win rate 0.25, value of all won deals
    10,000 €, median cycle 45 days, 4 open deals at the end of 2025-12 over 50,000 €,
    weighted 15,000 €; silent without bookings (a full analysis with subscriptions)."""
    a = _analysis()
    a.figures = {
        "bookings_eur": 120000.0,
        "won_deals": 12.0,
        "bookings_eur_12m": 120000.0,
        "won_deals_12m": 12.0,
        "win_rate": 0.25,
        "avg_deal_size_eur": 10000.0,
        "cycle_median_days": 45.0,
        "open_deals": 4.0,
        "open_pipeline_eur": 50000.0,
        "open_pipeline_weighted_eur": 15000.0,
    }
    f = sales_summary(a)
    assert f is not None
    assert f.numbers["year"] == 2025
    assert _de(f) == (
        f"Auftragseingang 2025 (Kalenderjahr): 120.000{NB}€ aus 12 gewonnenen Deals. "
        f"Letzte 12 Monate (2025-01..2025-12): Auftragseingang 120.000{NB}€ aus 12 "
        f"gewonnenen Deals, Gewinnquote 25,0{NB}%, Ø Wert je gewonnenem Deal (alle Deals "
        f"inkl. Wiederholungskäufe, 2025-01..2025-12; keine Dealgröße je Neukunde messbar) "
        f"10.000{NB}€, Verkaufszyklus im Median 45 Tage. Offene Pipeline "
        f"Ende 2025-12: 4 Deals über 50.000{NB}€, gewichtet mit den "
        f"Abschlusswahrscheinlichkeiten der Stufen 15.000{NB}€."
    )
    assert sales_summary(_analysis()) is None


def test_top_rep():
    """Owners A (bookings 30,000 €) and B (10,000 €): A leads with 30 / 40 = 75 % of the
    bookings; silent without a reps table."""
    reps = pd.DataFrame(
        {
            "owner": ["B", "A"],
            "won_deals": [2, 5],
            "bookings_eur": [10000.0, 30000.0],
            "win_rate": [0.2, 0.5],
            "cycle_median_days": [30.0, 60.0],
        }
    )
    f = top_rep(_analysis(sales_reps=reps))
    assert f is not None
    assert f.numbers["owner"] == "A"
    assert f.numbers["bookings_share"] == pytest.approx(0.75)
    assert _de(f) == (
        f"Höchster Auftragseingang der letzten 12 Monate: A mit 30.000{NB}€ (75,0{NB}% des "
        "Auftragseingangs aller 2 Vertriebsmitarbeiter), 5 gewonnene Deals, Gewinnquote "
        f"50,0{NB}%, Verkaufszyklus im Median 60 Tage."
    )
    assert top_rep(_analysis()) is None


def test_skipped_parts_are_findings_and_rules_without_their_tables_stay_silent():
    """Two skipped parts give two ``skipped_analysis`` findings with the missing tables
    (one table: "Tabelle … fehlt", two: "Tabellen … fehlen"); rules whose tables are
    missing (the funnel's, the segments') do not run, so an empty analysis gives only these."""
    a = _analysis()
    a.skipped = [("customer_base", ("subscriptions",)), ("cac", ("subscriptions", "costs"))]
    fs = skipped_findings(a)
    assert [f.numbers for f in fs] == [
        {"part": "customer_base", "tables": "subscriptions"},
        {"part": "cac", "tables": "subscriptions, costs"},
    ]
    assert _de(fs[0]).endswith("übersprungen: Tabelle subscriptions fehlt.")
    assert _de(fs[1]) == "CAC je Kanal übersprungen: Tabellen subscriptions, costs fehlen."
    assert _en(fs[1]) == "CAC per channel skipped: tables subscriptions, costs are missing."
    a.tables["deal_metrics_channel"] = pd.DataFrame(
        columns=["channel", "won_deals", "cycle_median_days"]
    )
    a.tables["market"] = pd.DataFrame(
        [{"market_share": float("nan"), "market_size_eur": 1e6, "growth_rate_yearly": 0.1}]
    )
    assert [f.code for f in generate_findings(a)] == ["skipped_analysis", "skipped_analysis"]


def test_every_rule_has_a_test_here():
    """Guard: a new rule in GENERATORS needs its fire/silent test in this file."""
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [g.__name__ for g in GENERATORS if f"def test_{g.__name__}" not in source]
    assert not missing


def test_short_history_names_the_months_measured():
    """History from 2025-04 (``Analysis.start``) to the as-of month 2025-09: of the last
    12 months (2024-10..2025-09) only 2025-04..2025-09 are in it, 6 months (9 - 4 + 1).
    The funnel bottleneck (demo->won 30/120 = 25 %, as in :func:`test_funnel_bottleneck`)
    and the ABC concentration (20 % of customers, 80 % of revenue) name those 6 months in
    German and English. A history from 2025-03 up to 2025-12 covers 10 months; one from
    2023-01 covers all 12, the sentence of a full year."""
    funnel = _funnel([1000, 400, 120], [400, 120, 30])
    summary = pd.DataFrame(
        {
            "abc_class": ["A", "B", "C"],
            "customers": [20, 30, 50],
            "customer_share": [0.2, 0.3, 0.5],
            "revenue_eur": [800.0, 150.0, 50.0],
            "revenue_share": [0.8, 0.15, 0.05],
        }
    )
    short = Analysis(
        as_of=pd.Period("2025-09", "M"),
        year=2024,
        start=pd.Period("2025-04", "M"),
        tables={**funnel.tables, "abc_summary": summary},
        labels=LABELS,
    )
    f = funnel_bottleneck(short)
    assert f.facts == {"window_months": 6}
    assert _de(f).endswith("(ausgereifte Kohorten der letzten 6 Monate).")
    assert _en(f).endswith("(mature cohorts of the last 6 months).")
    abc = abc_concentration(short)
    assert _de(abc).endswith("des Umsatzes der letzten 6 Monate.")
    assert _en(abc).endswith("of the revenue of the last 6 months.")
    bookings = Analysis(
        as_of=short.as_of,
        year=2024,
        start=short.start,
        tables={"abc_summary": summary, "bookings_monthly": pd.DataFrame()},
    )
    assert _de(abc_concentration(bookings)).endswith("des Auftragseingangs der letzten 6 Monate.")
    ten = Analysis(as_of=pd.Period("2025-12", "M"), year=2025, start=pd.Period("2025-03", "M"))
    ten.tables.update(funnel.tables)
    assert funnel_bottleneck(ten).facts == {"window_months": 10}
    full = Analysis(as_of=pd.Period("2025-12", "M"), year=2025, start=pd.Period("2023-01", "M"))
    full.tables.update(funnel.tables)
    assert _de(funnel_bottleneck(full)).endswith("(ausgereifte Kohorten der letzten 12 Monate).")


def test_short_deals_history_names_its_window():
    """A deals history from 2025-04 up to 2025-09: the top rep (A, as in
    :func:`test_top_rep`) is of the last 6 months (9 - 4 + 1), and the window figures
    (bookings, win rate) cover 2025-04..2025-09, not 2024-10..2025-09; the year figure
    stays the calendar year."""
    reps = pd.DataFrame(
        {
            "owner": ["B", "A"],
            "won_deals": [2, 5],
            "bookings_eur": [10000.0, 30000.0],
            "win_rate": [0.2, 0.5],
            "cycle_median_days": [30.0, 60.0],
        }
    )
    a = Analysis(
        as_of=pd.Period("2025-09", "M"),
        year=2024,
        start=pd.Period("2025-04", "M"),
        tables={"sales_reps": reps},
        figures={"bookings_eur": 0.0, "bookings_eur_12m": 40000.0, "win_rate": 0.4},
    )
    f = top_rep(a)
    assert _de(f).startswith("Höchster Auftragseingang der letzten 6 Monate: A mit 30.000")
    assert _en(f).startswith("Highest bookings of the last 6 months: A with")
    assert figure_periods(a) == {
        "bookings_eur": "2024",
        "bookings_eur_12m": "2025-04..2025-09",
        "win_rate": "2025-04..2025-09",
    }
