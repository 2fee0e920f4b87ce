"""Shortcuts of the checks and of ``validate --write-canonical`` give what the full way gives.

- Ids in strict order are unique without hashing (:func:`in_strict_order`); ids out of
  order or repeated still go to pandera's uniqueness check, which names the rows.
- A code column whose every cell ``coerce_columns`` found allowed is not looked up a
  second time by the schema (``allowed_shown``); a column with an unknown value is.
- Dates strip each distinct cell instead of every cell: the same dates and problems
  as stripping every cell first (second method: pandas ``str.strip`` per cell, then
  ``to_datetime`` with the German format).
- The canonical CSV made by two threads in parts (cells, then two row halves written in
  order) is the bytes of ``canonical_csv`` made in one go.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import planning_lib.cli.validate as validate
import planning_lib.data.parsing as parsing
import planning_lib.data.schemas as schemas
from planning_lib.cli.validate import Prepared, canonical_csv
from planning_lib.data.loaders import check_table
from planning_lib.data.parsing import coerce_columns, parse_dates
from planning_lib.data.schemas import in_strict_order
from planning_lib.data.tables import TABLES


def _text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="str")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["D1", "D2", "D3"], True),
        (["A", "AB", "B"], True),  # byte order: a prefix comes first
        (["D1", "D2", "D2", "D3"], False),  # a repeat next to itself
        (["D1", "D3", "D2"], False),  # out of order: maybe unique, not shown here
        (["D1", None, "D3"], False),  # a missing id
        (["D1"], False),  # one cell: nothing compared
    ],
)
def test_strict_order_by_hand(values, expected):
    assert in_strict_order(_text(values)) is expected


def test_strict_order_needs_arrow_text():
    assert in_strict_order(pd.Series(["D1", "D2"], dtype=object)) is False


def _deals_csv(path, ids, stages):
    rows = [
        f"{i};C{n};2025-01-0{1 + n % 9};2025-02-0{1 + n % 9};{s};100;10"
        for n, (i, s) in enumerate(zip(ids, stages, strict=True))
    ]
    head = "deal_id;customer_id;created_date;close_date;stage;amount_eur;mrr_eur"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("ids", "duplicate_rows"),
    [
        (["D1", "D2", "D2", "D3"], [3, 4]),  # in order with a repeat: rows 3 and 4 (header 1)
        (["D2", "D1", "D2", "D3"], [2, 4]),  # out of order with a repeat
    ],
)
def test_repeated_ids_are_still_named(tmp_path, ids, duplicate_rows):
    """Neither id list is in strict order, so pandera checks uniqueness and names the
    rows of the repeated id (spreadsheet rows: the header is row 1)."""
    path = _deals_csv(tmp_path / "deals.csv", ids, ["won"] * 4)
    frame, failures = check_table(path, "deals")
    assert frame is None
    dup = failures[failures["rule"] == "duplicate"]
    assert sorted(dup["row"].tolist()) == duplicate_rows
    assert set(dup["value"]) == {"D2"}


def test_ids_in_order_skip_the_hash(tmp_path, monkeypatch):
    """The schema is asked without pandera's uniqueness for deal_id when the ids are in
    order, with it when they are not (the same ids shuffled)."""
    asked = []
    real = schemas.table_schema

    def spy(name, unique_shown=frozenset(), allowed_shown=frozenset()):
        asked.append(unique_shown)
        return real(name, unique_shown, allowed_shown)

    monkeypatch.setattr(schemas, "table_schema", spy)
    stages = ["won"] * 4
    check_table(_deals_csv(tmp_path / "a.csv", ["D1", "D2", "D3", "D4"], stages), "deals")
    check_table(_deals_csv(tmp_path / "b.csv", ["D3", "D1", "D4", "D2"], stages), "deals")
    assert asked == [frozenset({"deal_id"}), frozenset()]


def test_allowed_codes_are_shown_once():
    """stage holds only allowed codes, segment a German label (Mittel -> mid) and
    channel an unknown value: the first two are shown allowed, channel is not."""
    raw = pd.DataFrame(
        {
            "stage": _text(["won", "lost", None]),
            "segment": _text(["Mittel", "small", "large"]),
            "channel": _text(["inbound", "fax", "partner"]),
        }
    )
    shown: set[str] = set()
    typed, _ = coerce_columns(raw, TABLES["deals"], allowed_shown=shown)
    assert shown == {"stage", "segment"}
    assert typed["segment"].tolist() == ["mid", "small", "large"]


def test_an_unknown_code_is_still_reported(tmp_path):
    """A stage 'gewonnen!' maps to won (labels ignore punctuation); 'maybe' is no stage:
    the schema reports row 3 (header row 1) as not allowed."""
    path = _deals_csv(tmp_path / "deals.csv", ["D1", "D2", "D3"], ["gewonnen!", "maybe", "won"])
    _, failures = check_table(path, "deals")
    bad = failures[failures["rule"] == "not_allowed"]
    assert bad[["row", "column", "value"]].values.tolist() == [[3, "stage", "maybe"]]


def test_dates_strip_distinct_cells_like_every_cell():
    """Cells with blanks around them, the same date with and without blanks, a blank-only
    cell, a missing cell, an impossible date and a non-date. Second method: strip every
    cell, blank -> missing, then ``to_datetime(format="%d.%m.%Y")``; a stripped cell in
    date shape that does not parse is impossible, one out of shape is no date."""
    cells = [" 01.02.2024", "01.02.2024", "   ", None, "31.02.2024 ", "morgen", "\t05.03.2024"]
    parsed, bad, impossible = parse_dates(_text(cells))
    stripped = pd.Series(cells, dtype=object).str.strip().replace("", np.nan)
    expected = pd.to_datetime(stripped, format="%d.%m.%Y", errors="coerce")
    assert parsed.tolist() == expected.tolist()
    shaped = stripped.str.fullmatch(r"\d{2}\.\d{2}\.\d{4}").fillna(False).astype(bool)
    assert impossible.tolist() == (shaped & expected.isna()).tolist()
    assert bad.tolist() == (stripped.notna() & ~shaped).tolist()
    assert impossible.tolist() == [False, False, False, False, True, False, False]
    assert bad.tolist() == [False, False, False, False, False, True, False]


def _frame(rows: int) -> pd.DataFrame:
    n = np.arange(rows)
    return pd.DataFrame(
        {
            "deal_id": _text([f"D{i:05d}" for i in n]),
            "created_date": pd.to_datetime("2025-01-01") + pd.to_timedelta(n % 28, unit="D"),
            "stage": _text(["won", "lost", "demo"] * (rows // 3) + ["won"] * (rows % 3)),
            "amount_eur": 1000.0 + n * 0.25,
        }
    )


class _Recorder(io.BytesIO):
    """A file that keeps each write apart."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def write(self, data) -> int:
        self.writes.append(bytes(data))
        return super().write(data)


def _written(frame: pd.DataFrame) -> _Recorder:
    stream = _Recorder()
    with Prepared() as prepared:
        prepared("deals", frame)
        assert prepared.write(frame, stream)
        assert not prepared.write(frame.copy(), io.BytesIO())  # a frame it did not begin
    return stream


def test_parts_made_by_two_threads_are_the_whole_file(monkeypatch):
    """From 4 rows on (lowered for the test) the rows are joined in two halves, written
    one after the other; end to end they are ``canonical_csv`` in one go (11 rows:
    header + 5, then 6)."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    frame = _frame(11)
    stream = _written(frame)
    assert [w.count(b"\n") for w in stream.writes] == [1 + 5, 6]
    assert stream.getvalue() == canonical_csv("deals", frame, threaded=False)


def test_many_frames_many_times_in_order(monkeypatch):
    """The threads race for the tasks and the writes; whichever wins, the file is the
    same (20 runs of 3 sizes, each against ``canonical_csv``)."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    for rows in (4, 7, 40):
        frame = _frame(rows)
        expected = canonical_csv("deals", frame, threaded=False)
        for _ in range(20):
            assert _written(frame).getvalue() == expected


def test_a_cell_that_needs_quotes_makes_one_part(monkeypatch):
    """A comma in a cell: Arrow's writer refuses it, the whole file goes the plain way."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    frame = _frame(9)
    frame.loc[7, "deal_id"] = "D,7"  # in the second half: the first may be written already
    stream = _written(frame)
    assert b'"D,7"' in stream.getvalue()
    assert stream.getvalue() == canonical_csv("deals", frame, threaded=False)


def test_an_error_in_a_thread_reaches_the_caller(monkeypatch):
    """A column that fails to format fails the CSV, whichever thread formatted it."""

    def broken(values, dtype, decimals):
        if values.name == "amount_eur":
            raise ValueError("cannot format amount_eur")
        return real(values, dtype, decimals)

    real = validate.canonical_cells
    monkeypatch.setattr(validate, "canonical_cells", broken)
    frame = _frame(6)
    with Prepared() as prepared:
        prepared("deals", frame)
        with pytest.raises(ValueError, match="amount_eur"):
            prepared.write(frame, io.BytesIO())


def test_a_failed_write_reaches_the_caller(monkeypatch):
    """A full disk while a half is written (by either thread) fails the CSV."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)

    class Full(io.BytesIO):
        def write(self, data) -> int:
            raise OSError(28, "No space left on device")

    frame = _frame(10)
    with Prepared() as prepared:
        prepared("deals", frame)
        with pytest.raises(OSError, match="No space"):
            prepared.write(frame, Full())


@pytest.mark.parametrize(
    ("cells", "impossible"),
    [
        # 31.02. impossible, 29.02.2024 a leap day
        (["01.02.2024", "1.2.2024", "31.02.2024", None, "29.02.2024", "01.02.2024"], 1),
        (["2024-02-01", "2024-02-30", None, "2023-12-31"], 1),
        # mixed shapes (patterns): with a time, US slashes, a word (no date, not impossible)
        (["01.02.2024", "2024-02-01", "02/03/2024", "03.04.2024 10:00", "morgen"], 0),
        # Arabic-Indic digits: a date shape to Python's \d, not to the plain ASCII
        # shortcut; the patterns find it in shape, the parser cannot read it: impossible
        (["٠١.٠٢.٢٠٢٤", "01.02.2024"], 1),
    ],
)
def test_plain_dates_at_once_like_through_the_patterns(cells, impossible, monkeypatch):
    """Distinct cells that are all plain German or all plain ISO dates are parsed with
    that format at once; second method: the same cells through the date patterns
    (the shortcut switched off). Impossible dates (31.02., 30.02.) stay impossible."""
    fast = parse_dates(_text(cells))
    monkeypatch.setattr(parsing, "_plain_date_format", lambda distinct: None)
    slow = parse_dates(_text(cells))
    for got, expected in zip(fast, slow, strict=True):
        pd.testing.assert_series_equal(got, expected)
    assert fast[2].sum() == impossible
