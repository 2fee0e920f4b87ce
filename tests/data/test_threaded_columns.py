"""Large tables are parsed and written two columns at a time; the result is the same as
one column after the other.

Second method: the same call with :data:`planning_lib.core.threads.THREADS` set to 1
(no thread). A table of 120,000 rows (above ``THREADED_ROWS``) with bad cells in
several columns: the typed frame, the problems (their order too) and the canonical CSV
bytes must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import planning_lib.core.threads as threads
from planning_lib.cli.validate import canonical_csv
from planning_lib.core.threads import THREADED_ROWS, map_columns
from planning_lib.data import arrow_csv
from planning_lib.data.parsing import coerce_columns
from planning_lib.data.tables import TABLES

ROWS = 120_000


def _raw() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    amount = [
        f"{x:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        for x in rng.lognormal(7, 1, ROWS)
    ]
    amount[7] = "zwölf"  # not a number
    created = [
        f"{d:02d}.0{m}.2025"
        for d, m in zip(rng.integers(1, 29, ROWS), rng.integers(1, 10, ROWS), strict=True)
    ]
    created[11] = "31.02.2025"  # impossible date
    stage = rng.choice(["Gewonnen", "Verloren", "demo", "Angebot"], ROWS).tolist()
    return pd.DataFrame(
        {
            "deal_id": [f"D{i:06d}" for i in range(ROWS)],
            "customer_id": [f"C{i % 5000}" for i in range(ROWS)],
            "created_date": created,
            "close_date": created,
            "stage": stage,
            "amount_eur": amount,
            "mrr_eur": ["x"] + ["0"] * (ROWS - 1),
            "region": rng.choice(["Süd", " Nord ", None], ROWS).tolist(),
        },
        dtype="str",
    )


def test_threaded_parse_and_write_equal_one_thread(monkeypatch):
    assert ROWS >= THREADED_ROWS
    raw = _raw()
    monkeypatch.setattr(threads, "THREADS", 2)
    typed_2, problems_2 = coerce_columns(raw, TABLES["deals"], default_decimal=",")
    csv_2 = canonical_csv("deals", typed_2)
    monkeypatch.setattr(threads, "THREADS", 1)
    typed_1, problems_1 = coerce_columns(raw, TABLES["deals"], default_decimal=",")
    csv_1 = canonical_csv("deals", typed_1)
    pd.testing.assert_frame_equal(typed_2, typed_1)
    assert problems_2 == problems_1
    # by hand: row 0's mrr "x", row 7's amount, row 11's two impossible dates
    assert (0, "mrr_eur", "not_a_number") in problems_1
    assert (7, "amount_eur", "not_a_number") in problems_1
    assert (11, "created_date", "impossible_date") in problems_1
    assert csv_2 == csv_1


@pytest.mark.parametrize("rows", [10, THREADED_ROWS])
def test_map_columns_keeps_the_order(monkeypatch, rows):
    """Results in the order of the items, whichever thread finishes first (the first
    item sleeps longest)."""
    import time

    monkeypatch.setattr(threads, "THREADS", 2)

    def slow(i: int) -> int:
        time.sleep(0.02 * (5 - i))
        return i * i

    assert map_columns(slow, range(5), rows) == [0, 1, 4, 9, 16]


def test_cp1252_columns_are_decoded_the_same_in_two_threads(tmp_path, monkeypatch):
    """A cp1252 file of 120,000 rows read by the byte reader: its columns with umlauts
    and the euro sign are decoded two at a time; the frame equals the one read with one
    thread, and by hand row ``i``'s cells are ``Müller{i % 7}`` and ``{i} €``."""
    lines = ["name;betrag;id", *(f"Müller{i % 7};{i} €;{i}" for i in range(ROWS))]
    data = ("\n".join(lines) + "\n").encode("cp1252")
    start = data.index(b"\n") + 1

    def read():
        return arrow_csv.read_file_cells(
            data, start, ["name", "betrag", "id"], ";", False, "cp1252"
        )

    two = read()
    monkeypatch.setattr(threads, "THREADS", 1)
    one = read()
    pd.testing.assert_frame_equal(two, one)
    assert two["name"].iloc[12_345] == f"Müller{12_345 % 7}"
    assert two["betrag"].iloc[ROWS - 1] == f"{ROWS - 1} €"
