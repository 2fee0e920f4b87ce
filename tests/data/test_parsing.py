"""Cell parsing checked against a second method: format with Python, parse back."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from planning_lib.data.parsing import parse_dates, parse_numbers

CENTS = st.integers(min_value=-(10**11), max_value=10**11)  # up to ±1 bn EUR in cents


def german(cents: int, grouped: bool) -> str:
    text = f"{abs(cents) / 100:,.2f}" if grouped else f"{abs(cents) / 100:.2f}"
    text = text.translate(str.maketrans(",.", ".,"))
    return ("-" if cents < 0 else "") + text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(CENTS, st.booleans(), st.sampled_from(["", " €", "\u00a0€"])), min_size=1)
)
def test_german_money_round_trip(items):
    cells = [german(c, g) + suffix for c, g, suffix in items]
    parsed, bad = parse_numbers(pd.Series(cells, dtype="str"), default_decimal=",")
    assert not bad.any()
    assert (parsed * 100).round().astype("int64").tolist() == [c for c, _, _ in items]


@settings(max_examples=60, deadline=None)
@given(st.lists(CENTS, min_size=1))
def test_english_money_round_trip(cents):
    cells = [f"{c / 100:,.2f}" for c in cents]
    parsed, bad = parse_numbers(pd.Series(cells, dtype="str"), default_decimal=".")
    assert not bad.any()
    assert (parsed * 100).round().astype("int64").tolist() == cents


@settings(max_examples=60, deadline=None)
@given(st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), min_size=1))
def test_dates_round_trip_in_both_formats(days):
    cells = [d.strftime("%d.%m.%Y") if i % 2 else d.isoformat() for i, d in enumerate(days)]
    parsed, bad, impossible = parse_dates(pd.Series(cells, dtype="str"))
    assert not bad.any() and not impossible.any()
    assert [t.date() for t in parsed] == days
