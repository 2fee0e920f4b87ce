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


def test_noise_pattern_means_the_same_in_re2_and_python_re():
    """The cleaning pattern for number cells is applied by Python's ``re`` (the decimal
    vote) and may be applied by RE2 (pyarrow's ``replace_substring_regex``, which
    pandas can use for Arrow strings). RE2 reads ``\\s`` as ASCII white space only, so
    the pattern spells out every character Python's ``\\s`` matches: for each of them
    (found by ``re`` itself, the second method) both engines must turn ``1<c>2`` into
    ``12``; the old pattern failed this for 22 of the 29 (``\\v``, thin space …)."""
    import re

    import pyarrow as pa
    import pyarrow.compute as pc

    from planning_lib.data.parsing import _NOISE, _NOISE_RE

    spaces = [chr(i) for i in range(0x3001) if re.match(r"\s", chr(i))]
    assert len(spaces) == 29
    cells = ["1" + c + "2" for c in spaces]
    assert [_NOISE_RE.sub("", c) for c in cells] == ["12"] * 29
    assert pc.replace_substring_regex(pa.array(cells), _NOISE, "").to_pylist() == ["12"] * 29


def test_thin_and_figure_spaces_group_thousands():
    """``1 234,50`` with a thin space (U+2009) or a figure space (U+2007) as thousands
    separator, as French/Swiss exports write it: 1234.5 and 2000.0 (by hand)."""
    cells = pd.Series(["1\u2009234,50", "2\u2007000,00 €", "12,5"], dtype="str")
    parsed, bad = parse_numbers(cells, default_decimal=",")
    assert not bad.any()
    assert parsed.tolist() == [1234.5, 2000.0, 12.5]
