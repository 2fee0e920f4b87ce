"""Labels: every label in both languages with the same placeholders; formatting by unit."""

from __future__ import annotations

import string

import pandas as pd
import pytest

from planning_lib.report.labels import (
    KEY_FIGURE_UNITS,
    LABELS,
    column_unit,
    format_figure,
    format_value,
    text,
)


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


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


def test_display_frame_labels_headers_values_and_formats_numbers() -> None:
    from planning_lib.report.display import display_frame

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
        "Wachstum ggü. Vorjahr",
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
    assert list(en.columns)[:3] == ["Year", "Revenue", "YoY growth"]
    assert en.iloc[0].tolist()[1:6] == [
        "€1,234",
        "28.0%",
        "12,345",
        "MQL → SQL",
        "Inbound marketing",
    ]
    assert frame["revenue_yoy"].iloc[0] == 0.28  # the table itself keeps codes and numbers


def test_display_frame_formats_tidy_rows_by_their_unit_and_drops_the_other_language() -> None:
    from planning_lib.report.display import display_frame

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
    from planning_lib.report.display import display_frame, display_html

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
    from planning_lib.report.display import display_frame

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
    from planning_lib.report.display import display_frame

    frame = pd.DataFrame({"year": [2025], "hit": [True], "deadline": ["2026-12-31"]})
    assert display_frame(frame, "de").iloc[0].tolist() == [2025, "ja", "31.12.2026"]
    assert display_frame(frame, "en").iloc[0].tolist() == [2025, "yes", "31 Dec 2026"]
