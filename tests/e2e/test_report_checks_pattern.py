"""The code pattern of :mod:`tests.e2e.report_checks` itself: what it finds and what it
must leave alone (a manager's German numbers and dates), worked out by hand."""

from __future__ import annotations

import pytest

from tests.e2e.report_checks import CODE

CODES = [
    "first_year_revenue_new",
    "new_mrr_eur",
    "12m_rate",
    "3m_avg_deal_size",
    "12_month_rate",
    "01_ist_analyse",
    "win_rate_12m",
]
NOT_CODES = [
    "12.03.2025",
    "1.234,50 €",
    "Q1",
    "Q1 2025",
    "2025-01",
    "2025_01",
    "12 %",
    "Gewinnquote (Neugeschäft)",
    "Neukunden_Ziel",  # starts upper-case: a German word, not a code
    "12m",
    "rate",
]


@pytest.mark.parametrize("code", CODES)
def test_finds_codes_also_those_starting_with_a_digit(code: str) -> None:
    """In a sentence, the whole code is found, once."""
    assert CODE.findall(f"Der Wert {code}: 12,5 %.") == [code]


@pytest.mark.parametrize("text", NOT_CODES)
def test_leaves_german_numbers_dates_and_words_alone(text: str) -> None:
    assert CODE.findall(f"Stand {text}, Plan 1.234 €") == []
