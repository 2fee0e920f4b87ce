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
