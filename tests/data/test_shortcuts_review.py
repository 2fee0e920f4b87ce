"""A second read of the check and write shortcuts: cases the first tests left out.

- The canonical CSV made by two threads (``_CanonicalJob``): an error of any kind
  (also ``KeyboardInterrupt``, a ``BaseException``) in any task reaches the caller;
  a run that ends without writing (failed checks) stops the background thread; several
  frames written in an order other than the one they were begun in, with random delays
  in every task and write, give ``canonical_csv`` in one go each; one row split in two
  parts (an empty first half); a column that is not all text goes the plain way. After
  each run no thread is left.
- ``in_strict_order`` against Python's byte comparison on random ids (umlauts, blanks,
  combining accents, empty text, several Arrow chunks).
- ``_edge_space`` against pandas' ``str.strip`` per cell on random cells with Unicode
  white space at either edge.
- The plain-date shortcut against the date patterns on random columns of dates.
"""

from __future__ import annotations

import io
import itertools
import random
import threading
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import planning_lib.cli.validate as validate
import planning_lib.data.parsing as parsing
from planning_lib.cli.validate import Prepared, canonical_csv
from planning_lib.data.parsing import _edge_space, parse_dates
from planning_lib.data.schemas import in_strict_order


def _frame(rows: int, stage_dtype: object = "str") -> pd.DataFrame:
    n = np.arange(rows)
    return pd.DataFrame(
        {
            "deal_id": pd.Series([f"D{i:05d}" for i in n], dtype="str"),
            "created_date": pd.to_datetime("2025-01-01") + pd.to_timedelta(n % 28, unit="D"),
            "stage": pd.Series((["won", "lost", "demo"] * (rows + 1))[:rows], dtype=stage_dtype),
            "amount_eur": 1000.0 + n * 0.25,
        }
    )


def _threads_settle(before: int) -> int:
    """The number of live threads once the pool's threads have ended (up to 2 s)."""
    deadline = time.monotonic() + 2
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    return threading.active_count()


@pytest.mark.parametrize("error", [ValueError("kaputt"), KeyboardInterrupt()])
@pytest.mark.parametrize(
    "where", [("cells", "deal_id"), ("cells", "amount_eur"), ("rows", 0), ("rows", 3)]
)
def test_any_error_in_any_task_reaches_the_caller(monkeypatch, where, error):
    """An error while a column's cells are made (first or last column) or while a half
    is joined (first half from row 0, second from row 3 of 6 with the split lowered to
    4) is raised by ``Prepared.write``, whichever thread ran the task; afterwards no
    thread of the run is left."""
    real_cells, real_join = validate.canonical_cells, validate.join_csv

    def cells(values, dtype, decimals):
        if where == ("cells", values.name):
            raise error
        return real_cells(values, dtype, decimals)

    def join(names, columns, rows=slice(None), header=True):
        if where == ("rows", rows.start or 0):
            raise error
        return real_join(names, columns, rows, header)

    monkeypatch.setattr(validate, "canonical_cells", cells)
    monkeypatch.setattr(validate, "join_csv", join)
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    before = threading.active_count()
    frame = _frame(6)
    with pytest.raises(type(error)), Prepared() as prepared:
        prepared("deals", frame)
        prepared.write(frame, io.BytesIO())
    assert _threads_settle(before) == before


def test_a_run_without_writing_stops_the_background(monkeypatch):
    """Failed checks write nothing: leaving ``Prepared`` stops the background thread
    after the task it is on (each of the 4 columns takes 50 ms here, so without the stop
    all 4 would be made: at most the first one is), and no thread is left."""
    made = []
    real_cells = validate.canonical_cells

    def slow(values, dtype, decimals):
        made.append(values.name)
        time.sleep(0.05)
        return real_cells(values, dtype, decimals)

    monkeypatch.setattr(validate, "canonical_cells", slow)
    before = threading.active_count()
    with Prepared() as prepared:
        prepared("deals", _frame(5))
        time.sleep(0.01)  # the background thread is on its first column
    assert _threads_settle(before) == before
    assert len(made) <= 1


def test_several_frames_in_any_order_with_delays(monkeypatch):
    """Three frames begun one after the other (3, 4 and 9 rows; split from 4 rows) and
    written in a shuffled order while every task and write sleeps 0-2 ms at random: each
    file is ``canonical_csv`` of its frame in one go (40 runs; seeded)."""
    rng = random.Random(13)
    real_cells, real_join = validate.canonical_cells, validate.join_csv

    def nap() -> None:
        time.sleep(rng.random() * 0.002)

    def cells(values, dtype, decimals):
        nap()
        return real_cells(values, dtype, decimals)

    def join(names, columns, rows=slice(None), header=True):
        nap()
        return real_join(names, columns, rows, header)

    class Slow(io.BytesIO):
        def write(self, data) -> int:
            nap()
            return super().write(data)

    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    frames = [_frame(3), _frame(4), _frame(9)]
    expected = [canonical_csv("deals", f, threaded=False) for f in frames]
    monkeypatch.setattr(validate, "canonical_cells", cells)
    monkeypatch.setattr(validate, "join_csv", join)
    before = threading.active_count()
    for _ in range(40):
        order = [0, 1, 2]
        rng.shuffle(order)
        got = {}
        with Prepared() as prepared:
            for frame in frames:
                prepared("deals", frame)
            for i in order:
                stream = Slow()
                assert prepared.write(frames[i], stream)
                got[i] = stream.getvalue()
        assert [got[i] for i in range(3)] == expected
    assert _threads_settle(before) == before


def test_one_row_split_in_two_parts(monkeypatch):
    """Split from 1 row: one row is two parts, the header alone (rows 0 to 0) and the
    row; together ``canonical_csv``, written as 2 pieces of 1 line each."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 1)
    frame = _frame(1)
    writes: list[bytes] = []

    class Recorder(io.BytesIO):
        def write(self, data) -> int:
            writes.append(bytes(data))
            return super().write(data)

    stream = Recorder()
    with Prepared() as prepared:
        prepared("deals", frame)
        assert prepared.write(frame, stream)
    assert stream.getvalue() == canonical_csv("deals", frame, threaded=False)
    assert [w.count(b"\n") for w in writes] == [1, 1]
    assert writes[0] == b"deal_id,created_date,stage,amount_eur\n"


def test_a_column_not_all_text_goes_the_plain_way(monkeypatch):
    """A stage column of Python objects (not Arrow text) cannot be joined by Arrow: the
    file is the plain writer's, the same bytes as ``canonical_csv`` (9 rows, split)."""
    monkeypatch.setattr(validate, "_SPLIT_ROWS", 4)
    frame = _frame(9, stage_dtype=object)
    stream = io.BytesIO()
    with Prepared() as prepared:
        prepared("deals", frame)
        assert prepared.write(frame, stream)
    assert stream.getvalue() == canonical_csv("deals", frame, threaded=False)
    assert stream.getvalue().count(b"\n") == 10


_PIECES = ["a", "b", "A", "Ä", "ä", "ß", " ", "\u00a0", "0", "1", "e\u0301", "é", "\U0001f600", ""]


def test_strict_order_is_byte_order():
    """2000 random id lists (sorted, sorted without repeats, as they come, a missing id),
    each as one and as two Arrow chunks: ``in_strict_order`` is True exactly when each id
    is filled and its UTF-8 bytes are greater than the id before (Python's ``bytes``
    comparison), and then the ids have no repeat (pandas ``duplicated``)."""
    rng = random.Random(7)
    shown = 0
    for _ in range(2000):
        ids: list[str | None] = [
            "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 3)))
            for _ in range(rng.randint(0, 10))
        ]
        shape = rng.random()
        if shape < 0.3:
            ids = sorted(ids)
        elif shape < 0.7:
            ids = sorted(set(ids), key=lambda s: s.encode())
        if rng.random() < 0.1 and ids:
            ids[rng.randrange(len(ids))] = None
        raw = [None if i is None else i.encode() for i in ids]
        expected = (
            len(ids) >= 2 and None not in raw and all(b > a for a, b in itertools.pairwise(raw))
        )
        cut = rng.randint(0, len(ids))
        chunks = pa.chunked_array(
            [pa.array(ids[:cut], pa.large_string()), pa.array(ids[cut:], pa.large_string())]
        )
        two = pd.Series(pd.array(chunks, dtype="str"))
        for series in (pd.Series(ids, dtype="str"), two):
            assert in_strict_order(series) is expected, ids
            if expected:
                assert not series.duplicated().any()
        shown += expected
    assert 300 < shown < 1700  # both answers were asked for


_SPACES = [" ", "\t", "\u00a0", "\u2003", "\u3000", "\x0b", "\x1c", "\x85", "\u200b", "\ufeff"]


def test_edge_space_is_what_strip_removes():
    """2000 random text columns (missing cells, empty text, umlauts, Unicode white space
    and look-alikes at either edge): ``_edge_space`` is True exactly when pandas'
    ``str.strip`` changes a filled cell."""
    rng = random.Random(11)
    for _ in range(2000):
        cells = []
        for _ in range(rng.randint(1, 6)):
            cell = rng.choice(["a", "Ä", "", "D1", "ß x", "\u00a0", " "])
            if rng.random() < 0.2:
                cell = rng.choice(_SPACES) + cell
            if rng.random() < 0.2:
                cell += rng.choice(_SPACES)
            cells.append(None if rng.random() < 0.1 else cell)
        values = pd.Series(cells, dtype="str")
        changed = (values.str.strip() != values) & values.notna()
        assert _edge_space(values) is bool(changed.any()), cells


def test_plain_dates_like_the_patterns_on_random_columns(monkeypatch):
    """600 random date columns (plain German with one or two digits, plain ISO, blanks
    around, impossible days and months, a time of day, slashes, a word, Arabic-Indic and
    full-width digits, missing cells): the plain-format shortcut gives the dates and
    problem masks of the date patterns (the shortcut switched off)."""
    rng = random.Random(5)
    odd = ["morgen", "01.02.2024 10:00", "2024-02-01T08:00", "02/03/2024", "٠١.٠٢.٢٠٢٤"]
    odd += ["０１.０２.２０２４", "1.2.24", "29.02.2024", "29.02.2023", "2024-1-5", ""]
    columns = []
    for _ in range(600):
        shape = rng.random()
        cells: list[str | None] = []
        for _ in range(rng.randint(1, 8)):
            d, m = rng.randint(0, 32), rng.randint(0, 13)
            if shape < 0.4:
                cell = f"{d}.{m}.2024" if rng.random() < 0.5 else f"{d:02d}.{m:02d}.2024"
            elif shape < 0.7:
                cell = f"2024-{m:02d}-{d:02d}"
            else:
                cell = rng.choice([f"{d}.{m}.2024", f"2024-{m:02d}-{d:02d}", *odd])
            if rng.random() < 0.1:
                cell = rng.choice(_SPACES[:5]) + cell
            cells.append(None if rng.random() < 0.1 else cell)
        columns.append(pd.Series(cells, dtype="str"))
    fast = [parse_dates(c) for c in columns]
    monkeypatch.setattr(parsing, "_plain_date_format", lambda distinct: None)
    for column, got in zip(columns, fast, strict=True):
        for a, b in zip(got, parse_dates(column), strict=True):
            pd.testing.assert_series_equal(a, b)
