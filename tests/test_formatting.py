"""Locale formatting: exact strings for de (default) and en."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from planning_lib.report.formatting import (
    MISSING,
    babel_locale,
    format_count,
    format_eur,
    format_month,
    format_number,
    format_percent,
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
    from planning_lib.report.formatting import format_months_count

    assert [format_months_count(n) for n in (0, 1, 3)] == ["keinem Monat", "1 Monat", "3 Monaten"]
    assert [format_months_count(n, "en") for n in (0, 1, 3)] == ["no month", "1 month", "3 months"]
