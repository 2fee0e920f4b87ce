"""Views: the reshaping and sums the notebooks show, on tiny hand-checked frames."""

from __future__ import annotations

import pandas as pd
import pytest

from planning_lib.present import tables as display
from planning_lib.present.views import (
    budget,
    controlling,
    ist_analyse,
    kanaele,
    konsolidierung,
    ziele,
    zielgruppen,
)


def _monthly(values: dict[tuple[str, str], list[float]], unit: str = "EUR") -> pd.DataFrame:
    rows = []
    for (item, channel), series in values.items():
        for i, v in enumerate(series):
            rows.append(
                {
                    "month": pd.Timestamp(2026, i + 1, 1),
                    "line_item": item,
                    "channel": channel,
                    "value": v,
                    "unit": "share" if item == "churn_rate" else unit,
                }
            )
    return pd.DataFrame(rows)


def test_consolidate_monthly_sums_amounts_and_counts_but_not_shares() -> None:
    a = _monthly({("mrr_end", ""): [10, 20], ("churn_rate", ""): [0.05, 0.04]})
    b = _monthly({("mrr_end", ""): [1, 2], ("churn_rate", ""): [0.03, 0.03]})
    out = konsolidierung.consolidate_monthly({"A": a, "B": b})
    assert list(out["line_item"].unique()) == ["mrr_end"]
    assert list(out["value"]) == [11, 22]


def test_region_summary_table_sums_and_recomputes_cac() -> None:
    summaries = {
        "A": {"new_customers": 10, "cost_total": 1000, "cac_fully_loaded": 100, "mrr_end": 5},
        "B": {"new_customers": 30, "cost_total": 2000, "cac_fully_loaded": 66.7, "mrr_end": 7},
    }
    table = konsolidierung.region_summary_table(summaries)
    total = table[table["region"] == "Gesamt"].iloc[0]
    assert total["new_customers"] == 40
    assert total["mrr_end_eur"] == 12
    assert total["cac_fully_loaded_eur"] == pytest.approx(3000 / 40)  # not 100 + 66.7


def test_company_ltv_to_cac_is_lifetime_value_over_cost() -> None:
    summaries = {
        "A": {"new_customers": 10, "cost_total": 1000, "lifetime_value_new_customers": 4000},
        "B": {"new_customers": 30, "cost_total": 2000, "lifetime_value_new_customers": 5000},
    }
    for s in summaries.values():
        s["ltv_to_cac"] = s["lifetime_value_new_customers"] / s["cost_total"]
    table = konsolidierung.region_summary_table(summaries)
    total = table[table["region"] == "Gesamt"].iloc[0]
    assert total["ltv_to_cac"] == pytest.approx(9000 / 3000)  # not 4.0 + 2.5
    consolidated = pd.DataFrame(columns=["month", "line_item", "channel", "value", "unit"])
    assert konsolidierung.consolidated_key_figures(
        table.assign(customers_end=0.0, mrr_start_eur=0.0, mrr_end_eur=0.0, arr_end_eur=0.0).assign(
            budget_total_eur=0.0
        ),
        consolidated,
    )["ltv_to_cac"] == pytest.approx(3.0)


def test_budget_monthly_and_categories() -> None:
    monthly = _monthly(
        {
            ("cost_personnel", ""): [100, 100],
            ("cost_marketing", ""): [10, 30],
            ("cost_marketing", "inbound"): [10, 30],  # a part of the total: not added again
        }
    )
    costs = budget.budget_monthly(monthly)
    assert list(costs.columns) == ["personnel_eur", "marketing_eur"]
    assert list(costs["marketing_eur"]) == [10, 30]
    # yearly budget 1.200 over 2 plan months: 200 budget, cost 200 + 0 → no variance
    cats = budget.budget_by_category({"budget_by_category": {"personnel": 1200.0}}, costs)
    row = cats.set_index("category").loc["personnel"]
    assert row["budget_eur"] == pytest.approx(200) and row["variance_eur"] == pytest.approx(0)
    assert cats["cost_share"].sum() == pytest.approx(1.0)
    # the summary's definition: cost − budget, positive = over budget
    summary = {
        "budget_by_category": {"personnel": 1200.0, "marketing": 0.0},
        "budget_variance_by_category": {"personnel": -50.0, "marketing": 40.0},
    }
    cats = budget.budget_by_category(summary, costs).set_index("category")
    assert cats.loc["personnel", "variance_eur"] == -50.0  # under budget
    assert cats.loc["personnel", "budget_eur"] == 250.0  # 200 cost + 50 left
    assert cats.loc["marketing", "variance_eur"] == 40.0  # over budget
    shown = display.display_frame(cats.reset_index(), "de", table="06_budget_categories")
    header = "Abweichung (Kosten − Budget), positiv = über Budget"
    assert list(shown[header]) == ["-50\xa0€", "40\xa0€"]


def test_actions_and_landing_tables() -> None:
    actions = [
        {"rule": "a", "triggered": False, "action_de": "nichts", "action_en": "none"},
        {
            "rule": "b",
            "member": "AT",
            "severity": "warning",
            "triggered": True,
            "trigger_months": ["2026-02-01", "2026-03-01"],
            "action_de": "Schulung",
            "action_en": "training",
        },
    ]
    table = controlling.actions_table(actions, "en")
    assert list(table["rule"]) == ["b", "a"]  # triggered first
    assert table.iloc[0]["months"] == "2026-02, 2026-03"
    assert table.iloc[0]["action"] == "training"
    landing = {
        "figures": {"new_customers": {"actual_to_date": 22, "landing": 38, "plan": 90}},
        "targets": [
            {
                "code": "n",
                "metric": "new_customers",
                "target": 90,
                "landing": 38,
                "gap": -52,
                "met": False,
                "direction": "at_least",
            }
        ],
    }
    row = controlling.landing_table(landing).iloc[0]
    assert row["figure"] == "new_customers" and row["landing"] == 38
    assert list(controlling.landing_targets(landing).columns) == [
        "code",
        "metric",
        "target",
        "landing",
        "gap",
        "met",
    ]


def test_channel_plan_coverage_and_cost_per_won() -> None:
    monthly = _monthly(
        {
            ("leads_entry", "inbound"): [50, 50],
            ("required_entry", "inbound"): [100, 100],
            ("customers_new", "inbound"): [2, 2],
            ("cost_marketing", "inbound"): [400, 400],
        },
        unit="count",
    )
    row = kanaele.channel_plan(monthly).set_index("channel").loc["inbound"]
    assert row["lead_coverage_share"] == 0.5
    assert row["cost_per_won_eur"] == 200


def test_missing_regions() -> None:
    assert konsolidierung.missing_regions(["A", "B", "C"], {"A": 1, "C": 2}) == ["B"]


def test_monthly_by_pivots_one_dimension() -> None:
    rm = pd.DataFrame(
        {
            "period": ["2025-01", "2025-01", "2025-02", "2025-01"],
            "dimension": ["segment", "segment", "segment", "total"],
            "member": ["small", "mid", "small", "all"],
            "mrr_end_eur": [1.0, 2.0, 3.0, 99.0],
        }
    )
    wide = ist_analyse.monthly_by(rm, "segment", "mrr_end_eur")
    assert list(wide.columns) == ["mid", "small"]
    assert wide.loc[pd.Timestamp("2025-02-01"), "small"] == 3.0
    assert ist_analyse.monthly_history(rm, "mrr_end_eur").iloc[0] == 99.0


def test_landing_path_cumulative_selects_one_metric() -> None:
    path = pd.DataFrame(
        {
            "month": ["2026-01-01", "2026-02-01", "2026-01-01"],
            "metric": ["new_customers", "new_customers", "mrr"],
            "plan_cumulative": [10.0, 20.0, 5.0],
            "landing_cumulative": [8.0, 15.0, 4.0],
        }
    )
    out = controlling.landing_path_cumulative(path, "new_customers")
    assert list(out["landing_cumulative"]) == [8.0, 15.0]
    assert out.index[1] == pd.Timestamp("2026-02-01")


def test_small_selections_the_narrative_quotes() -> None:
    targets = pd.DataFrame({"hit": [True, False, None]})
    assert ziele.targets_hit(targets) == (1, 3)
    gap = pd.DataFrame(
        {"stage": ["won", "won", "sql"], "top_down": [10.0, 5.0, 99.0], "bottom_up": [4, 3, 1]}
    )
    assert ziele.won_gap(gap) == (15.0, 7.0)


def test_gap_sentence_says_which_way_the_funnel_misses_the_target() -> None:
    """Target 7 new customers: a funnel of 11 delivers 4 more (room, not a gap to close),
    a funnel of 5 delivers 2 fewer (close the difference), 7 + 1e-9 is the same 7."""
    from planning_lib.present.labels import text

    assert ziele.gap_text_key(7.0, 11.0) == "02.gap_text_surplus"
    assert ziele.gap_text_key(7.0, 5.0) == "02.gap_text"
    assert ziele.gap_text_key(7.0, 7.0 + 1e-9) == "02.gap_text_equal"
    more = text("02.gap_text_surplus", "de", top_down="7", bottom_up="11")
    assert more == (
        "Das Ziel verlangt 7 Neukunden, der geplante Funnel liefert 11, mehr als das Ziel: "
        "Spielraum für ein höheres Ziel oder weniger Leads."
    )
    assert "Differenz" not in more
    assert "more than the target" in text("02.gap_text_surplus", "en", top_down="7", bottom_up="11")
    less = text("02.gap_text", "de", top_down="7", bottom_up="5")
    assert "die Differenz muss" in less and "liefert 5:" in less
    channels = pd.DataFrame(
        {
            "channel": ["inbound", "outbound"],
            "lead_coverage_share": [0.5, 1.2],
            "leads_required": [100.0, 10.0],
            "leads_planned": [50.0, 12.0],
        }
    )
    assert kanaele.lead_shortfall(channels) == (["inbound"], 50.0)
    abc = pd.DataFrame({"abc_class": ["A", "B"], "revenue_share": [0.8, 0.2]})
    assert zielgruppen.a_class(abc)["revenue_share"] == 0.8
    seg = pd.DataFrame({"segment": ["small", "mid"], "rank": [2, 1]})
    assert zielgruppen.top_segment(seg)["segment"] == "mid"


def test_rule_evidence_marks_incomplete_cohorts() -> None:
    actions = [
        {
            "rule": "sql_to_demo_low",
            "member": "AT",
            "metric": "sql_to_demo",
            "evidence": [
                {"month": "2026-05", "value": 0.3, "condition_met": False},
                {
                    "month": "2026-06",
                    "value": 0.08,
                    "condition_met": True,
                    "cohort_incomplete": True,
                },
            ],
        },
        {
            "rule": "quiet",
            "member": "",
            "metric": "leads",
            "evidence": [
                {"month": "2026-05", "value": 9.0, "condition_met": False},
            ],
        },  # no condition met: left out
    ]
    table = controlling.rule_evidence_table(actions)
    assert list(table["month"]) == ["2026-05", "2026-06"]  # the quiet rule is left out
    shown = display.display_frame(table, "de", table="07_rule_evidence")
    june = shown.iloc[1]
    assert (june["Wert"], june["Bedingung erfüllt"], june["Kohorte unvollständig"]) == (
        "8,0\xa0%",
        "ja",
        "ja",
    )
    english = display.display_frame(table, "en", table="07_rule_evidence")
    assert english.iloc[1]["Cohort incomplete"] == "yes"


def test_funnel_per_channel_shows_true_conversions_only() -> None:
    from planning_lib.present import charts

    funnel = pd.DataFrame(
        {
            "channel": ["inbound", "outbound", "all"],
            "leads": [993, 273, 1266],
            "mql": [992, 0, 992],
            "sql": [354, 273, 627],
            "demo": [120, 88, 208],
            "won": [36, 15, 51],
        }
    )
    per = ist_analyse.funnel_by_channel(funnel)
    assert list(per.index) == ["inbound", "outbound"]  # no mixed 'all' funnel
    shown, shares = charts.funnel_steps(per.loc["inbound"])
    assert shown == [0, 1, 2, 3, 4]
    assert shares[2] == pytest.approx(354 / 992)  # MQL → SQL, inbound only
    # outbound enters at SQL: no MQL bar and no 'SQL ÷ leads' percentage
    shown, shares = charts.funnel_steps(per.loc["outbound"])
    assert shown == [0, 2, 3, 4]
    assert shares[:2] == [None, None]
    assert shares[2] == pytest.approx(88 / 273) and shares[3] == pytest.approx(15 / 88)
    assert charts.funnel_steps([40, 0, 40, 12, 0]) == ([0, 2, 3, 4], [None, None, 0.3, 0.0])
    fig = charts.channel_funnels_chart(per, title="t")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["inbound", "outbound"]


def test_phase_one_counts_new_customers_not_won_deals():
    """Phase 1's no-change forecast of new customers forecasts each customer's first won
    deal per month, as init's new-customer baseline does, not every won deal. By hand,
    January-March 2025: A first buys in January and again in March (repeat), B in
    February, C's won row in February is a credit note, F bought first in December 2024
    (its February deal is a repeat), a deal without a customer (E, March) is its own
    customer, G buys in March, H's deal is lost. New customers: Jan 1 (A), Feb 1 (B),
    Mar 2 (E, G); the won rows per month would be 1, 3, 3."""
    from planning_lib.present.views.ist_analyse import new_customer_history

    deals = pd.DataFrame(
        {
            "deal_id": ["d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9"],
            "customer_id": ["A", "A", "B", "C", "F", "F", "", "G", "H"],
            "stage": ["won"] * 8 + ["lost"],
            "close_date": pd.to_datetime(
                [
                    "2025-01-10",
                    "2025-03-05",
                    "2025-02-20",
                    "2025-02-25",
                    "2024-12-01",
                    "2025-02-01",
                    "2025-03-15",
                    "2025-03-20",
                    "2025-01-12",
                ]
            ),
            "is_credit_note": ["false"] * 3 + ["true"] + ["false"] * 5,
        }
    )
    months = pd.date_range("2025-01-01", periods=3, freq="MS")
    got = new_customer_history(deals, months)
    assert got.tolist() == [1.0, 1.0, 2.0]
    assert list(got.index) == list(months)
