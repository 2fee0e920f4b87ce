"""Labels: every label in both languages with the same placeholders; formatting by unit."""

from __future__ import annotations

import string

import pandas as pd
import pytest

from planning_lib.core.text_store import LABELS
from planning_lib.present.formatting import format_value
from planning_lib.present.labels import (
    KEY_FIGURE_UNITS,
    column_unit,
    format_figure,
    text,
)


def _fields(template: str) -> set[str]:
    """The placeholders of a label; ``{n|Regel|Regeln}`` (plural choice) counts as ``n``."""
    return {f.split("|")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


@pytest.mark.parametrize("key", sorted(LABELS))
def test_label_has_german_and_english_with_the_same_placeholders(key: str) -> None:
    de, en = LABELS[key]
    assert de.strip() and en.strip()
    assert _fields(de) == _fields(en)


def test_every_key_figure_has_a_label() -> None:
    for name in KEY_FIGURE_UNITS:
        assert text(f"kf.{name}", "de") and text(f"kf.{name}", "en")


def test_text_fills_values_and_switches_language() -> None:
    assert text("05.commission_text", "de", total="1 €", reps="2 €", partners="3 €") == (
        "Provisionen im Plan: 1 € (Vertrieb 2 €, Partner 3 €)."
    )
    assert text("status.failed", "en") == "failed"
    with pytest.raises(KeyError, match=r"no label 'status.nope'.*status.ok"):
        text("status.nope")


def test_format_value_by_unit_and_locale() -> None:
    assert format_value(120000, "eur") == "120.000\xa0€"
    assert format_value(120000, "eur", "en") == "€120,000"
    assert format_value(0.03, "share") == "3,0\xa0%"
    assert format_value(1234.4, "count", "en") == "1,234"
    assert format_value(2.44, "ratio") == "2,4×"
    assert format_value(None, "eur") == "–"
    assert format_figure("mrr_end", 80000, "de") == "80.000\xa0€"


def test_column_unit_from_names_and_values() -> None:
    assert column_unit("budget_eur", pd.Series([1.5])) == "eur"
    assert column_unit("conversion_rate", pd.Series([0.3])) == "share"
    assert column_unit("new_customers", pd.Series([3.0, 4.0])) == "count"
    assert column_unit("ltv_to_cac", pd.Series([2.5])) == "ratio"
    assert column_unit("score", pd.Series([0.25])) == "decimal"
    assert column_unit("channel", pd.Series(["inbound"])) is None


def test_day_columns_show_one_decimal_or_whole_days() -> None:
    """A cycle of 27.5 and 45.8 days (the deals-only page showed "27,50" / "45,80") reads
    "27,5" and "45,8": unit ``days``, one decimal; a column of whole days stays a count
    ("26"). By hand: 27.5 → "27,5", 45.800000000000004 → "45,8", 26.0 → "26"."""
    from planning_lib.present.tables import display_frame

    assert column_unit("cycle_median_days", pd.Series([27.5, 40.0])) == "days"
    assert column_unit("cycle_median_days", pd.Series([26.0, 29.0])) == "count"
    frame = pd.DataFrame(
        {"cycle_median_days": [26.0, 29.0], "cycle_p80_days": [27.5, 45.800000000000004]}
    )
    shown = display_frame(frame, "de")
    assert shown.iloc[:, 0].tolist() == ["26", "29"]
    assert shown.iloc[:, 1].tolist() == ["27,5", "45,8"]


def test_display_frame_labels_headers_values_and_formats_numbers() -> None:
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame(
        {
            "year": [2025],
            "revenue_eur": [1234.4],
            "revenue_yoy": [0.28],
            "customers_end": [12345],
            "transition": ["mql_to_sql"],
            "channel": ["inbound"],
            "month": ["2026-01"],
        }
    )
    channels = {"inbound": ("Inbound-Marketing", "Inbound marketing")}
    de = display_frame(frame, "de", value_labels=channels)
    assert list(de.columns) == [
        "Jahr",
        "Umsatz",
        "Wachstum ggü. Kalenderjahr davor",
        "Kunden Jahresende",
        "Übergang",
        "Kanal",
        "Monat",
    ]
    assert de.iloc[0].tolist() == [
        2025,
        "1.234\xa0€",
        "28,0\xa0%",
        "12.345",
        "MQL → SQL",
        "Inbound-Marketing",
        "Jan. 2026",
    ]
    en = display_frame(frame, "en", value_labels=channels)
    assert list(en.columns)[:3] == ["Year", "Revenue", "Growth over the calendar year before"]
    assert en.iloc[0].tolist()[1:6] == [
        "€1,234",
        "28.0%",
        "12,345",
        "MQL → SQL",
        "Inbound marketing",
    ]
    assert frame["revenue_yoy"].iloc[0] == 0.28  # the table itself keeps codes and numbers


def test_display_frame_formats_tidy_rows_by_their_unit_and_drops_the_other_language() -> None:
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame(
        {
            "metric": ["mrr_end", "churn_rate_monthly"],
            "unit": ["EUR", "share"],
            "target": [17250.0, 0.03],
            "hit": [True, False],
            "description": ["MRR steigern", "Churn senken"],
            "description_en": ["Grow MRR", "Lower churn"],
        }
    )
    de = display_frame(frame, "de")
    assert list(de.columns) == ["Kennzahl", "Einheit", "Ziel", "Erreicht", "Beschreibung"]
    assert de["Ziel"].tolist() == ["17.250\xa0€", "3,0\xa0%"]
    assert de["Erreicht"].tolist() == ["ja", "nein"]
    en = display_frame(frame, "en")
    assert en["Description"].tolist() == ["Grow MRR", "Lower churn"]
    assert en["Target"].tolist() == ["€17,250", "3.0%"]


def test_column_unit_reads_words_not_substrings() -> None:
    assert column_unit("revenue_yoy", pd.Series([0.28])) == "share"
    assert column_unit("churned_customers", pd.Series([4.0])) == "count"
    assert column_unit("year", pd.Series([2025])) is None


def test_display_html_sets_text_left_and_formats_month_lists() -> None:
    from planning_lib.present.tables import display_frame, display_html

    frame = pd.DataFrame(
        {"rule": ["a"], "months": ["2026-02, 2026-03"], "period": ["2026-01..2026-06"]}
    )
    frame.columns.name = "line_item"  # left over from a pivot: not shown
    shown = display_frame(frame, "de")
    assert shown.iloc[0].tolist() == ["a", "Feb. 2026, März 2026", "Jan. 2026 – Juni 2026"]
    html = display_html(frame, "de", table="07_actions")
    assert "table.report-07-actions td:nth-child(1)" in html and "line_item" not in html
    assert "<th>Regel</th>" in html


def test_fractional_counts_are_shown_as_whole_numbers() -> None:
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame(
        {
            "leads_required": [1954.29, 388.64],
            "demos_required": [210.0, 29.25],
            "score": [0.5, 0.25],
        }
    )
    shown = display_frame(frame, "de")
    assert shown["Leads benötigt"].tolist() == ["1.954", "389"]
    assert shown["Demos benötigt"].tolist() == ["210", "29"]
    assert shown["score"].tolist() == ["0,50", "0,25"]  # a score is no count
    gap = pd.DataFrame({"top_down": [1954.29], "bottom_up": [900.0], "gap": [-1054.29]})
    assert display_frame(gap, "de", table="02_gap").iloc[0].tolist() == ["1.954", "900", "-1.054"]
    wide = pd.DataFrame({"inbound": [188.57], "outbound": [37.5]})
    shown = display_frame(wide, "en", table="04_required_leads")
    assert shown.iloc[0].tolist() == ["189", "38"]


def test_years_booleans_and_days_for_readers() -> None:
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame({"year": [2025], "hit": [True], "deadline": ["2026-12-31"]})
    assert display_frame(frame, "de").iloc[0].tolist() == [2025, "ja", "31.12.2026"]
    assert display_frame(frame, "en").iloc[0].tolist() == [2025, "yes", "31 Dec 2026"]


def test_landing_table_formats_actual_to_date_by_its_row_unit() -> None:
    """'Hochrechnung zum Jahresende' showed 22.000000 / 11616.200000 / 0.054054: the
    column actual_to_date ends in _date and was taken for a day column (left as a
    float). By the rows' units: 22 customers -> '22', 11616.2 EUR -> '11.616 €',
    a share of 0.054054 -> '5,4 %'."""
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame(
        {
            "figure": ["new_customers", "mrr_end", "churn_rate_monthly"],
            "actual_to_date": [22.0, 11616.2, 0.05405405405405406],
            "landing": [38.27, 10291.8, 0.054],
        }
    )
    shown = display_frame(frame, "de")
    assert shown["Ist bisher"].tolist() == ["22", "11.616\xa0€", "5,4\xa0%"]


def test_every_plan_line_item_has_a_german_label() -> None:
    """The monthly plan's line items of every shipped config and scenario (a new line
    item in the model fails here until report/labels.py names it as ``line.<code>``)."""
    from planning_lib.core.config import load_params
    from planning_lib.core.paths import CONFIGS
    from planning_lib.plan.model import run_plan
    from planning_lib.plan.scenarios import scenario_overrides
    from planning_lib.present.value_labels import line_item_label

    missing = set()
    regions = [None, *sorted(p.stem for p in (CONFIGS / "regions").glob("*.yaml"))]
    for region in regions:
        params = load_params(CONFIGS / "cloudflow.yaml", region=region)
        for scenario in ("base", *params.scenarios):
            monthly = run_plan(params, scenario_overrides(params, scenario)).monthly
            for item in monthly["line_item"].unique():
                for locale in ("de", "en"):
                    if line_item_label(str(item), "", locale) is None:
                        missing.add(str(item))
    assert not missing, f"line items without 'line.<code>' in report/labels.py: {sorted(missing)}"


def test_config_codes_get_labels_from_the_config() -> None:
    """Teams are named by the channels they own, rules by their condition in words:
    sql_to_demo < 0.20 -> 'Konversion SQL→Demo < 20,0 %'; new_customers below_plan 0.8
    over 3 months -> 'Neukunden unter 80,0 % des Plans (3 Monate)'."""
    from planning_lib.core.config import load_params
    from planning_lib.core.paths import CONFIGS
    from planning_lib.present.value_labels import config_value_labels, value_label

    labels = config_value_labels(load_params(CONFIGS / "cloudflow.yaml"))
    assert labels["inbound_team"] == ("Team Inbound-Marketing", "Team Inbound marketing")
    assert labels["sql_to_demo_low"][0] == "Konversion SQL→Demo < 20,0\xa0%"
    assert labels["channel_below_plan"][0] == "Neukunden unter 80,0\xa0% des Plans (3 Monate)"
    assert value_label("rule", "sql_to_demo_low", "de", labels) == labels["sql_to_demo_low"][0]
    assert value_label("team", "outbound_team", "en", labels) == "Team Outbound sales"
    assert value_label("code", "cost_over_budget", "de") == "Kosten über Budget"


def test_rates_and_segments_on_fewer_than_30_observations_get_a_caveat() -> None:
    """03_segments counts customers per segment: 4 and 26 are below 30, 43 is not;
    the reader's table gets a 'Hinweis' column for those rows (HTML and Excel)."""
    from planning_lib.present.tables import display_frame, display_table

    seg = pd.DataFrame({"segment": ["large", "mid", "small"], "customers": [4, 26, 43]})
    shown = display_frame(seg, "de", table="03_segments")
    assert shown["Hinweis"].tolist() == [
        "nur 4 Beobachtungen (unter 30): Hinweis, kein Beleg",
        "nur 26 Beobachtungen (unter 30): Hinweis, kein Beleg",
        "",
    ]
    # enough observations everywhere, or a table without a count: no column
    assert "caveat" not in display_table(seg.assign(customers=[30, 31, 43]), table="03_segments")
    assert "caveat" not in display_table(seg, table="03_abc")
    conv = pd.DataFrame({"transition": ["sql_to_demo"], "entered": [12], "conversion_rate": [0.5]})
    assert display_table(conv, "en", table="01_conversion")["caveat"].tolist() == [
        "only 12 observations (fewer than 30): a hint, not evidence"
    ]


def test_counts_in_sentences_take_singular_or_plural() -> None:
    """'am Ende des Plans sind 1 Vertriebsmitarbeiter' (issue 14): a sentence with a
    count agrees with it. 1 -> 'ist', 'Beobachtung'; 2 -> 'sind', 'Beobachtungen'."""
    assert text("07.actions_text", "de", n=1, total=2).startswith("1 von 2 Regeln ist ausgelöst")
    assert text("07.actions_text", "de", n="2", total=2).startswith("2 von 2 Regeln sind")
    assert text("07.actions_text", "en", n="1", total=3).startswith("1 of 3 rules is triggered")
    assert "es fehlt insgesamt 1 Lead im" in text(
        "04.coverage_text", "de", channels="x", missing="1"
    )
    assert "es fehlen insgesamt 1.054 Leads" in text(
        "04.coverage_text", "de", channels="x", missing="1.054"
    )
    assert text("caveat.few", "de", n=1).startswith("nur 1 Beobachtung (unter 30)")
    heads = text("05.capacity_text", "de", short="1 Monat", heads="1")
    assert "Vertriebsmitarbeiter am Ende des Plans: 1." in heads and " sind 1 " not in heads


def test_code_lists_and_scores_are_shown_for_readers() -> None:
    """A persona's segments 'small; mid' and channels 'inbound; outbound' were shown as
    codes; a segment's points per criterion (score_growth 1.0) as '100,0 %' beside
    'Punkte Umsatz 1,00'. Lists are labelled item by item; points are decimals."""
    from planning_lib.present.tables import display_frame

    frame = pd.DataFrame(
        {
            "segments": ["small; mid"],
            "channels": ["inbound; outbound"],
            "score_growth": [1.0],
            "score_revenue": [0.65],
        }
    )
    labels = {"inbound": ("Inbound-Marketing", "x"), "outbound": ("Outbound-Vertrieb", "y")}
    shown = display_frame(frame, "de", value_labels=labels)
    assert shown.iloc[0].tolist() == [
        "Klein (10–49); Mittelstand (50–250)",
        "Inbound-Marketing; Outbound-Vertrieb",
        "1,00",
        "0,65",
    ]


def test_every_finding_code_in_the_source_has_a_label() -> None:
    """Each ``Finding("<code>", ...)`` written in the package has ``finding.<code>``, so a
    manager never reads a raw code (found by reading the source, so a new finding without
    a label fails here before any batch run)."""
    import re
    from pathlib import Path

    import planning_lib

    root = Path(planning_lib.__file__).parent
    codes: set[str] = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'Finding\(\s*"([a-z0-9_]+)"', text))
    assert {"target_leads_cost", "clv_lifetime_capped", "cost_over_budget"} <= codes
    missing = sorted(c for c in codes if f"finding.{c}" not in LABELS)
    assert not missing, f"findings without a label: {missing}"


def test_phase_2_names_scenario_and_basis_in_words() -> None:
    """The basis codes read as the text store's value labels ('funnel' → 'Trichter:
    geplante Leads', 'target' → 'Ziel: erreicht und bezahlt'); the scenario 'base' as the
    cockpit names it ('Realistisch (Basis)'); a config's own scenario keeps its name."""
    from planning_lib.present.tables import display_frame
    from planning_lib.present.value_labels import scenario_label, value_label

    frame = pd.DataFrame({"basis": ["funnel", "target"], "new_customers": [11.0, 7.0]})
    shown = display_frame(frame, "de")
    assert list(shown.iloc[:, 0]) == ["Trichter: geplante Leads", "Ziel: erreicht und bezahlt"]
    assert value_label("basis", "funnel", "en") == "Funnel: planned leads"
    assert scenario_label("base") == "Realistisch (Basis)"
    assert scenario_label("worst", "en") == "Worst case"
    assert scenario_label("messe_2026") == "messe_2026"
