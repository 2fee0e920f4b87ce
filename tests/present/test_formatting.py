"""Locale formatting: exact strings for de (default) and en."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from planning_lib.metrics.kpis import CATALOGUE
from planning_lib.present.formatting import (
    DATA_UNITS,
    MISSING,
    babel_locale,
    format_count,
    format_eur,
    format_month,
    format_number,
    format_percent,
    format_value,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1234.56,), f"1.234,56{NBSP}€"),
        ((1234.56, "en"), "€1,234.56"),
        ((1234.56, "de", 0), f"1.235{NBSP}€"),
        ((1234.56, "en", 0), "€1,235"),
        ((-1234.5,), f"-1.234,50{NBSP}€"),
        ((80000,), f"80.000,00{NBSP}€"),
        ((120000, "de", 0), f"120.000{NBSP}€"),
        ((0.005,), f"0,01{NBSP}€"),  # half up, not banker's rounding
        ((2.5, "de", 0), f"3{NBSP}€"),
        ((1234567.891, "en"), "€1,234,567.89"),
    ],
)
def test_format_eur(args, expected):
    assert format_eur(*args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0.185,), f"18,5{NBSP}%"),
        ((0.185, "en"), "18.5%"),
        ((0.05, "de", 0), f"5{NBSP}%"),
        ((0.03,), f"3,0{NBSP}%"),
        ((1.5,), f"150,0{NBSP}%"),
        ((0.12345, "en", 2), "12.35%"),
    ],
)
def test_format_percent(args, expected):
    assert format_percent(*args) == expected


def test_format_number_and_count():
    assert format_number(1234.5, decimals=1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(0.25, decimals=2) == "0,25"
    assert format_count(12345) == "12.345"
    assert format_count(12345, "en") == "12,345"
    assert format_count(600) == "600"


def test_format_month_short_default_and_long():
    assert format_month(dt.date(2026, 1, 15)) == "Jan. 2026"
    assert format_month("2026-01-01", style="long") == "Januar 2026"
    assert format_month(pd.Timestamp("2026-03-31")) == "März 2026"
    assert format_month(dt.datetime(2026, 12, 1, 13, 5), style="long") == "Dezember 2026"
    assert format_month("2026-01-01", "en") == "Jan 2026"
    assert format_month("2026-01-01", "en", "long") == "January 2026"
    with pytest.raises(ValueError, match="style must be 'short' or 'long'"):
        format_month("2026-01-01", style="medium")


def test_missing_values_show_a_dash():
    assert MISSING == "–"
    assert format_eur(None) == MISSING
    assert format_eur(math.nan) == MISSING
    assert format_percent(float("nan")) == MISSING
    assert format_count(pd.NA) == MISSING
    assert format_month(pd.NaT) == MISSING


def test_locales():
    assert babel_locale() == "de_DE"
    assert babel_locale("en") == "en_GB"
    assert format_eur(1234.56, "de_AT") == f"€{NBSP}1.234,56"
    with pytest.raises(ValueError, match="unknown locale 'xx_YY'"):
        babel_locale("xx_YY")


def test_format_months_count_after_in():
    from planning_lib.present.formatting import format_months_count

    assert [format_months_count(n) for n in (0, 1, 3)] == ["keinem Monat", "1 Monat", "3 Monaten"]
    assert [format_months_count(n, "en") for n in (0, 1, 3)] == ["no month", "1 month", "3 months"]


@pytest.mark.parametrize(
    ("values", "unit", "locale", "expected"),
    [
        # tornado before: 48k 49k 50k 50k 50k; one decimal makes every tick distinct
        (
            [48_000, 48_500, 49_000, 49_500, 50_000],
            "eur",
            "de",
            [
                "48,0 Tsd.\xa0€",
                "48,5 Tsd.\xa0€",
                "49,0 Tsd.\xa0€",
                "49,5 Tsd.\xa0€",
                "50,0 Tsd.\xa0€",
            ],
        ),
        # 175k / 1.000k before: thousands and millions with German separators
        ([0, 50_000, 175_000], "eur", "de", ["0\xa0€", "50 Tsd.\xa0€", "175 Tsd.\xa0€"]),
        (
            [500_000, 1_000_000, 1_500_000],
            "eur",
            "de",
            ["0,5 Mio.\xa0€", "1,0 Mio.\xa0€", "1,5 Mio.\xa0€"],
        ),
        ([500_000, 1_000_000], "eur", "en", ["€0.5m", "€1.0m"]),
        (
            [-2_000, 0, 2_000],
            "eur",
            "de",
            ["−2.000\xa0€", "0\xa0€", "2.000\xa0€"],
        ),  # < 10.000: as is
        ([0.05, 0.1, 0.15], "share", "de", ["5\xa0%", "10\xa0%", "15\xa0%"]),
        ([0.125, 0.15], "share", "de", ["12,5\xa0%", "15,0\xa0%"]),  # 13 % would misstate
        ([0.123456, 0.5], "share", "de", ["12\xa0%", "50\xa0%"]),  # never exact: fewest distinct
        ([6, 7, 8], "count", "de", ["6", "7", "8"]),
    ],
)
def test_axis_labels_are_compact_distinct_and_german(values, unit, locale, expected):
    from planning_lib.present.formatting import axis_labels

    assert axis_labels(values, unit, locale) == expected


def test_count_axes_have_whole_distinct_ticks_and_money_axes_german_units():
    """A count axis of 6..9 customers used to tick every 0.5 and round the labels to
    8, 8, 7, 7...; with whole-number ticks each label is a distinct whole number.
    A money axis up to ~190.000 € reads in Tsd. € (was 175k)."""
    from planning_lib.present.charts import bar_chart, line_chart

    months = pd.date_range("2026-01-01", periods=4, freq="MS")
    fig = line_chart(pd.DataFrame({"Neukunden": [6.2, 8.8, 7.1, 9.0]}, index=months), title="x")
    ax = fig.axes[0]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
    assert all(float(t).is_integer() for t in ticks)
    assert len(set(labels)) == len(labels) and all(lbl.isdigit() for lbl in labels)
    fig = bar_chart(pd.Series([120_000.0, 190_000.0], index=["a", "b"]), title="x", unit="eur")
    ax = fig.axes[0]
    labels = ax.yaxis.get_major_formatter().format_ticks(list(ax.get_yticks()))
    assert "150 Tsd.\xa0€" in labels and not any("k" in lbl for lbl in labels)


def test_cockpit_tornado_ticks_are_distinct():
    from planning_lib.app import charts as cockpit_charts

    tornado = pd.DataFrame(
        {"label": ["a", "b"], "low": [48_200.0, 49_000.0], "high": [50_300.0, 49_900.0]}
    )
    fig = cockpit_charts.tornado_chart(tornado, base=49_500.0)
    ax = fig.axes[0]
    labels = ax.xaxis.get_major_formatter().format_ticks(list(ax.get_xticks()))
    assert len(set(labels)) == len(labels) and all("Tsd.\xa0€" in lbl for lbl in labels)


def test_data_units_name_a_format_for_every_unit_of_the_kpi_catalogue():
    """Every unit the KPI catalogue uses (count, EUR, share, days, ratio) has a format, and
    the strings are those of the Soll/Ist tables: 1234.4 customers whole '1.234';
    25257.6 EUR whole, half up '25.258 €'; 0.045 one decimal '4,5 %'; 45.25 days one
    decimal, half up '45,3'; LTV:CAC 3.14 one decimal with the sign '3,1×'."""
    assert {k.unit for k in CATALOGUE.values()} <= set(DATA_UNITS)
    nb = "\u00a0"
    assert format_value(1234.4, DATA_UNITS["count"]) == "1.234"
    assert format_value(25257.6, DATA_UNITS["EUR"]) == f"25.258{nb}€"
    assert format_value(0.045, DATA_UNITS["share"]) == f"4,5{nb}%"
    assert format_value(45.25, DATA_UNITS["days"]) == "45,3"
    assert format_value(45.25, DATA_UNITS["days"], "en") == "45.3"
    assert format_value(3.14, DATA_UNITS["ratio"]) == "3,1×"


def test_month_words_and_the_cockpits_number_error_come_from_the_text_store() -> None:
    """The month words after "in" and the cockpit's "is no number" are the text store's
    (``months_after_in.*``, ``cockpit.not_a_number``); their modules hold no such words."""
    import inspect

    import pytest

    from planning_lib.app import cockpit
    from planning_lib.present import formatting

    assert formatting.format_months_count(2) == "2 Monaten"
    with pytest.raises(ValueError, match=r"^Churn/Monat, Jahresende: 'viel' ist keine Zahl$"):
        cockpit.parse_setting(cockpit.control("churn_end"), "viel", "de")
    assert '"keinem Monat"' not in inspect.getsource(formatting.format_months_count)
    assert "ist keine Zahl" not in inspect.getsource(cockpit)
