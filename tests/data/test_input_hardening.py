"""Inputs that used to corrupt silently (issue 15, items 4-9).

Each test builds the hostile input by hand and states the expected figure and where
it comes from; every one of them passed silently (or crashed) before the fix.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planning_lib.data import DataValidationError, load_table
from planning_lib.data.loaders import check_table
from planning_lib.data.parsing import (
    MAX_ABS_NUMBER,
    coerce_columns,
    excel_serial_dates,
    parse_dates,
)
from planning_lib.data.tables import TABLES

HEADER = (
    "deal_id;customer_id;created_date;close_date;stage;amount_eur;mrr_eur;"
    "region;product;segment;channel;owner"
)
ROW = "D-001;C-001;02.01.2025;15.01.2025;won;1.234,56;102,88;DE-Nord;Business;small;inbound;E-01"
COLUMNS = HEADER.split(";")


def failures_of(source, table: str = "deals", **kwargs) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as err:
        load_table(source, table, **kwargs)
    return err.value.failures


def row(deal: str, **cells) -> str:
    values = dict(zip(COLUMNS, ROW.split(";"), strict=True)) | {"deal_id": deal} | cells
    return ";".join(values[c] for c in COLUMNS)


# --- 4: encoding decided per file, mixed files refused ----------------------------------


def test_utf8_file_with_one_cp1252_byte_is_refused_naming_row_column_and_byte(tmp_path):
    """Row 2 is UTF-8 (``ü`` = C3 BC), row 4 holds ``ü`` as the single cp1252 byte FC.

    Before, the whole file was decoded as cp1252 and row 2 became ``DE-SÃ¼d``. Row 3
    has a quoted cell with a line break: it is one record over two lines, so the foreign
    byte is in row 4 starting on line 5, which the message names as a text editor shows
    it (CSV rows are lines, header = line 1).
    """
    path = tmp_path / "deals.csv"
    good = row("D-001", region="DE-Süd").encode("utf-8")
    multiline = row("D-002", product='"Business\nPlus"').encode("utf-8")
    bad = row("D-003", region="München").encode("cp1252")
    path.write_bytes(HEADER.encode() + b"\n" + good + b"\n" + multiline + b"\n" + bad + b"\n")
    assert b"\xc3\xbc" in path.read_bytes() and b"M\xfcnchen" in path.read_bytes()
    frame, failures = check_table(path, "deals")
    assert frame is None
    (hit,) = failures.to_dict("records")
    assert (hit["row"], hit["column"], hit["rule"]) == (5, "region", "mixed_encoding")
    assert hit["value"] == "M\\xfcnchen"
    assert hit["message"] == (
        "deals.csv, row 5, column \"region\": the file is UTF-8 (it holds e.g. 'ü'), "
        "but byte 0xFC in this row is no UTF-8 (in Windows-1252 it would be 'ü'): "
        "two encodings in one file; save the whole file again as UTF-8"
    )
    _, german = check_table(path, "deals", lang="de")
    assert (
        german["message"]
        .iloc[0]
        .startswith('deals.csv, Zeile 5, Spalte "region": die Datei ist UTF-8')
    )


def test_every_mixed_row_is_named_below_blank_lines(tmp_path):
    """Two blank lines above the header: header = row 3, data rows 4 and 5 both carry FC."""
    path = tmp_path / "deals.csv"
    lines = [
        HEADER.encode(),
        row("D-001", region="Zürich").encode("cp1252"),
        row("D-002", owner="Jürgen").encode("cp1252"),
        row("D-003", region="DE-Süd").encode("utf-8"),
    ]
    path.write_bytes(b"\n\n" + b"\n".join(lines) + b"\n")
    failures = check_table(path, "deals")[1]
    assert failures["rule"].unique().tolist() == ["mixed_encoding"]
    assert list(zip(failures["row"], failures["column"], strict=True)) == [
        (4, "region"),
        (5, "owner"),
    ]


def test_utf8_bom_with_a_foreign_byte_is_mixed_too(tmp_path):
    """The BOM is UTF-8 evidence: a cp1252 byte after it is not silently cp1252."""
    path = tmp_path / "deals.csv"
    body = f"{HEADER}\n{row('D-001', region='Zürich')}\n".encode("cp1252")
    path.write_bytes(b"\xef\xbb\xbf" + body)
    hit = failures_of(path).iloc[0]
    assert (hit["row"], hit["rule"]) == (2, "mixed_encoding")
    assert "UTF-8 (it holds e.g. a byte order mark (BOM)), but byte 0xFC" in hit["message"]


def test_pure_utf8_and_pure_cp1252_files_still_read(tmp_path):
    text = f"{HEADER}\n{row('D-001', region='DE-Süd')}\n{row('D-002', region='Zürich')}\n"
    for encoding in ("utf-8", "cp1252"):
        path = tmp_path / f"{encoding}" / "deals.csv"
        path.parent.mkdir()
        path.write_bytes(text.encode(encoding))
        deals = load_table(path, "deals")
        assert deals["region"].tolist() == ["DE-Süd", "Zürich"], encoding


# --- 9: a BOM in the middle of the file --------------------------------------------------


def test_bom_in_the_middle_does_not_stick_to_the_id(tmp_path):
    """Two UTF-8-BOM exports glued together (the second without its header)."""
    path = tmp_path / "deals.csv"
    first = f"{HEADER}\n{ROW}\n".encode("utf-8-sig")
    second = f"{row('D-002')}\n".encode("utf-8-sig")
    path.write_bytes(first + second)
    assert path.read_bytes().count(b"\xef\xbb\xbf") == 2
    deals = load_table(path, "deals")
    assert deals["deal_id"].tolist() == ["D-001", "D-002"]
    assert not deals.map(lambda v: isinstance(v, str) and "\ufeff" in v).any().any()


def test_second_export_with_its_header_is_flagged(tmp_path):
    """Glued with both headers: the second header (behind its BOM) is spreadsheet row 3."""
    path = tmp_path / "deals.csv"
    part = f"{HEADER}\n{ROW}\n".encode("utf-8-sig")
    path.write_bytes(part + part.replace(b"D-001", b"D-002"))
    (hit,) = check_table(path, "deals")[1].to_dict("records")
    assert (hit["row"], hit["rule"]) == (3, "repeated_header")
    assert hit["message"] == (
        "deals.csv, row 3: the row repeats the header (two exports glued together?); delete the row"
    )


@pytest.mark.parametrize(
    ("first_cell", "flagged"),
    [
        (" deal_id ", True),  # the name with blanks around it: still the header
        ("deal_id_2", False),  # holds the name, is not it
        ("my deal_id", False),
    ],
)
def test_repeated_header_is_the_whole_row_stripped(tmp_path, first_cell, flagged):
    """A data row whose first cell holds the first column's name is the header again only
    if every cell, stripped, is the header's (row 3 here: the header is row 1)."""
    path = tmp_path / "deals.csv"
    names = HEADER.split(";")
    again = ";".join([first_cell, *names[1:]])
    path.write_text(f"{HEADER}\n{ROW}\n{again}\n", encoding="utf-8")
    failures = check_table(path, "deals")[1]
    repeated = failures[failures["rule"] == "repeated_header"]
    assert repeated["row"].tolist() == ([3] if flagged else [])


# --- 5: Excel date serials ---------------------------------------------------------------


def _serial_by_hand(serial: int) -> dt.date:
    """Excel 1900 system counted by hand: 1 = 1900-01-01 up to 59 = 1900-02-28; Excel then
    counts a 29.02.1900 (serial 60), so from 61 on the date is 1899-12-30 + serial days."""
    if serial < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=serial)
    return dt.date(1899, 12, 30) + dt.timedelta(days=serial)


def test_excel_serials_1900_and_1904_systems():
    """Anchors: 45658 is 2025-01-01 (Excel ``=DATE(2025;1;1)``); 61 is 1900-03-01; the
    1904 system counts from 1904-01-01 = 0, so 2025-01-01 is 45658 - 1462 = 44196."""
    serials = [1, 59, 61, 366, 45658, 45658.75, 2958465]
    got = excel_serial_dates(pd.Series(serials, dtype="float64"))
    expected = [pd.Timestamp(_serial_by_hand(int(s))) for s in serials[:-1]]
    assert got.iloc[:-1].tolist() == expected
    assert expected[2] == pd.Timestamp("1900-03-01")
    assert expected[4] == expected[5] == pd.Timestamp("2025-01-01")
    assert pd.isna(got.iloc[-1])  # 9999-12-31 is beyond pandas' nanosecond range
    refused = excel_serial_dates(pd.Series([60, 0, -5, np.inf, np.nan], dtype="float64"))
    assert refused.isna().all()
    mac = excel_serial_dates(pd.Series([0.0, 44196.0, 1462.0]), epoch="1904")
    assert mac.tolist() == [
        pd.Timestamp("1904-01-01"),
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("1908-01-02"),  # 1904 + 4 years = 1461 days (1904 a leap year) + 1
    ]


def _xlsx(path: Path, rows: list[list], epoch_1904: bool = False) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = Workbook()
    if epoch_1904:
        book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.title = "deals"
    sheet.append(COLUMNS)
    for cells in rows:
        sheet.append(cells)
    book.save(path)
    return path


def _xlsx_row(deal: str, created, closed) -> list:
    cells = ROW.split(";")
    cells[0], cells[2], cells[3] = deal, created, closed
    return cells


def test_xlsx_serial_dates_load_as_dates_not_1970(tmp_path):
    """General-formatted date cells hold serials: 45658 = 2025-01-01, 45672 = 2025-01-15."""
    path = _xlsx(tmp_path / "deals.xlsx", [_xlsx_row("D-001", 45658, 45672.5)])
    deals = load_table(path, "deals")
    assert deals["created_date"].tolist() == [pd.Timestamp("2025-01-01")]
    assert deals["close_date"].tolist() == [pd.Timestamp("2025-01-15")]


def test_xlsx_1904_date_system_is_honoured(tmp_path):
    """In a 1904 workbook 44196 is 2025-01-01 (45658 - 1462) and 44210 is 2025-01-15."""
    path = _xlsx(tmp_path / "deals.xlsx", [_xlsx_row("D-001", 44196, 44210)], epoch_1904=True)
    deals = load_table(path, "deals")
    assert deals["created_date"].tolist() == [pd.Timestamp("2025-01-01")]
    assert deals["close_date"].tolist() == [pd.Timestamp("2025-01-15")]


def test_xlsx_fictitious_leap_day_and_impossible_serials_are_refused(tmp_path):
    path = _xlsx(
        tmp_path / "deals.xlsx",
        [_xlsx_row("D-001", 60, 45672), _xlsx_row("D-002", -3, 45672)],
    )
    failures = failures_of(path)
    assert list(zip(failures["row"], failures["column"], failures["rule"], strict=True)) == [
        (2, "created_date", "excel_leap_day"),
        (3, "created_date", "impossible_date"),
    ]
    assert "29.02.1900, a day that never existed" in failures["message"].iloc[0]


def test_numbers_in_a_date_column_of_other_sources_are_refused(tmp_path):
    """Parquet has no date system: an integer there is no date (it used to be 1970-01-01)."""
    deals = load_table(_xlsx(tmp_path / "deals.xlsx", [_xlsx_row("D-001", 45658, 45672)]), "deals")
    path = tmp_path / "deals.parquet"
    deals.assign(created_date=[45658]).to_parquet(path)
    hit = failures_of(path).iloc[0]
    assert (hit["row"], hit["column"], hit["rule"]) == (1, "created_date", "number_as_date")
    assert "45658 is a number, not a date" in hit["message"].replace("'", "")


# --- 6: duplicate column names -----------------------------------------------------------


def test_duplicate_csv_columns_are_named_with_positions(tmp_path):
    """Column 13 (M) repeats amount_eur; before, column 6 won silently (1234.56)."""
    path = tmp_path / "deals.csv"
    path.write_text(f"{HEADER};amount_eur\n{ROW};5\n", encoding="utf-8")
    (hit,) = check_table(path, "deals")[1].to_dict("records")
    assert (hit["column"], hit["rule"], hit["value"]) == (
        "amount_eur",
        "duplicate_column",
        "amount_eur, amount_eur",
    )
    assert hit["message"] == (
        'deals.csv, column "amount_eur": "amount_eur" (column 6, F), "amount_eur" '
        "(column 13, M) are the same column; the first would be used silently. "
        "Rename or delete all but one"
    )


def test_duplicate_xlsx_columns_differing_in_case(tmp_path):
    """XLSX header with "Close Date" in column 14 (N) besides close_date in column 4 (D)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([*COLUMNS, "Notiz", "Close Date"])
    sheet.append([*ROW.split(";"), "x", "31.12.2025"])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    (hit,) = failures_of(path, lang="de").to_dict("records")
    assert (hit["column"], hit["rule"]) == ("close_date", "duplicate_column")
    assert '"close_date" (Spalte 4, D), "Close Date" (Spalte 14, N)' in hit["message"]


def test_duplicate_export_columns_of_a_mapping(tmp_path):
    """HubSpot's "Amount" twice (columns 3 and 4): which one is the deal value?"""
    path = tmp_path / "deals.csv"
    path.write_text(
        "Record ID,Deal Stage,Amount,Amount,Close Date,Create Date\n"
        "1,closedwon,100,900,2025-01-31,2025-01-02\n",
        encoding="utf-8",
    )
    failures = failures_of(path, mapping="hubspot")
    (hit,) = failures[failures["rule"] == "duplicate_column"].to_dict("records")
    assert hit["column"] == "amount_eur"
    assert '"Amount" (column 3, C), "Amount" (column 4, D)' in hit["message"]


def test_repeated_unrelated_columns_do_not_block_the_load(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(f"{HEADER};Notiz;Notiz\n{ROW};a;b\n", encoding="utf-8")
    assert load_table(path, "deals")["amount_eur"].tolist() == [1234.56]


# --- 7: infinite and absurd numbers ------------------------------------------------------


def test_infinite_and_huge_money_is_refused_per_cell(tmp_path):
    """1e309 overflows float64 to inf; 1e308 is finite but two of them sum to inf
    (float max 1.8e308); 1e13 is beyond the bound 1e12; 999.999.999.999 is inside."""
    rows = [
        row("D-001", amount_eur="1e309"),
        row("D-002", amount_eur="1e308"),
        row("D-003", amount_eur="1e308"),
        row("D-004", mrr_eur="10.000.000.000.000"),
        row("D-005", amount_eur="999.999.999.999"),
    ]
    with np.errstate(over="ignore"):
        assert np.isinf(np.float64(1e308) + np.float64(1e308))
    path = tmp_path / "deals.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    failures = failures_of(path)
    assert list(zip(failures["row"], failures["column"], failures["rule"], strict=True)) == [
        (2, "amount_eur", "not_finite"),
        (3, "amount_eur", "too_large"),
        (4, "amount_eur", "too_large"),
        (5, "mrr_eur", "too_large"),
    ]
    assert failures["message"].iloc[1] == (
        "deals.csv, row 3, column \"amount_eur\": '1e308' is beyond ±1,000,000,000,000 "
        "(10^12), the largest value accepted; check the unit and the decimal separator"
    )
    ok = tmp_path / "ok" / "deals.csv"
    ok.parent.mkdir()
    ok.write_text(f"{HEADER}\n{rows[-1]}\n", encoding="utf-8")
    assert load_table(ok, "deals")["amount_eur"].tolist() == [999_999_999_999.0]
    assert MAX_ABS_NUMBER == 1e12


def test_native_infinity_and_integer_overflow(tmp_path):
    """Parquet floats: inf and -inf are refused; a count of 1e309 was a crash (Int64 cast)."""
    deals = load_table(_xlsx(tmp_path / "deals.xlsx", [_xlsx_row("D-001", 45658, 45672)]), "deals")
    frame = pd.concat([deals, deals.assign(deal_id="D-002")], ignore_index=True)
    path = tmp_path / "deals.parquet"
    frame.assign(amount_eur=[np.inf, -np.inf]).to_parquet(path)
    failures = failures_of(path)
    assert failures["rule"].tolist() == ["not_finite", "not_finite"]
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "lead_id;created_date;channel;region;segment;company_size;mql_date;sql_date;"
        "demo_date;won_date;lost_date;deal_id\n"
        "L1;02.01.2025;inbound;AT;small;1e309;;;;;;\n",
        encoding="utf-8",
    )
    (hit,) = failures_of(leads, "leads").to_dict("records")
    assert (hit["row"], hit["column"], hit["rule"]) == (2, "company_size", "not_finite")


# --- 8: SQL sources are only read ---------------------------------------------------------


@pytest.mark.parametrize("scheme", ["sqlite", "duckdb"])
def test_missing_database_file_is_an_error_and_not_created(tmp_path, scheme):
    path = tmp_path / f"crm.{scheme}"
    (hit,) = check_table(f"{scheme}:///{path}", "deals", sql_table="deals")[1].to_dict("records")
    assert hit["rule"] == "no_database"
    assert f"the database file {path} does not exist" in hit["message"]
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def _sqlite(path: Path) -> str:
    import sqlalchemy as sa

    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    deals = pd.DataFrame([dict(zip(COLUMNS, ROW.split(";"), strict=True))])
    with engine.begin() as conn:
        deals.to_sql("deals", conn, index=False)
    engine.dispose()
    return url


def test_sqlite_is_opened_read_only(tmp_path):
    """A statement that writes fails: the connection cannot change the input."""
    path = tmp_path / "my crm#1.db"  # blank and '#' must survive the URI form
    url = _sqlite(path)
    before = path.read_bytes()
    assert load_table(url, "deals", sql_table="deals")["deal_id"].tolist() == ["D-001"]
    (hit,) = check_table(url, "deals", query="DELETE FROM deals RETURNING *")[1].to_dict("records")
    assert hit["rule"] == "unreadable"
    assert "readonly database" in hit["message"]
    assert path.read_bytes() == before


def test_sql_error_names_the_whole_query(tmp_path):
    """The error used to end after the first line of the query ("... 'SELECT deal_id,")."""
    url = _sqlite(tmp_path / "crm.db")
    query = "SELECT deal_id,\n       missing_column\nFROM deals\nWHERE stage = 'won'"
    (hit,) = check_table(url, "deals", query=query)[1].to_dict("records")
    assert "no such column: missing_column" in hit["message"]
    assert "[SQL: SELECT deal_id, missing_column FROM deals WHERE stage = 'won']" in hit["message"]
    assert "\n" not in hit["message"]
    assert hit["file"].endswith("(query SELECT deal_id, missing_column FROM deals WHERE stage = …)")


def test_duplicate_columns_of_a_query_are_named_by_position(tmp_path):
    """``SELECT *, amount_eur``: the 13th result column repeats the 6th (no letters in SQL)."""
    url = _sqlite(tmp_path / "crm.db")
    failures = check_table(url, "deals", query="SELECT *, amount_eur FROM deals")[1]
    (hit,) = failures.to_dict("records")
    assert (hit["column"], hit["rule"]) == ("amount_eur", "duplicate_column")
    assert (
        '"amount_eur" (column 6), "amount_eur" (column 13) are the same column' in (hit["message"])
    )


# --- dates beyond the readable range, estimates from a single won deal -------------------


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "'01.01.2300' lies outside the dates that can be read"),
        ("de", "'01.01.2300' liegt außerhalb der lesbaren Daten"),
    ],
)
def test_a_date_beyond_2262_is_named_not_a_crash(tmp_path, lang, sentence):
    """A mistyped year 2300 stopped the whole check with pandas' 'Out of bounds nanosecond
    timestamp'. Now it is one failure naming file, row (2, under the header) and column;
    the other row's problem (an impossible 31.04.) is reported beside it."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "deal_id;customer_id;created_date;close_date;stage;amount_eur;mrr_eur\n"
        "D1;C1;01.01.2024;01.01.2300;won;100;10\n"
        "D2;C1;01.01.2024;31.04.2024;won;100;10\n",
        encoding="utf-8",
    )
    failures = check_table(path, "deals", lang=lang)[1]
    got = failures[["row", "column", "rule"]].values.tolist()
    assert got == [[2, "close_date", "date_out_of_range"], [3, "close_date", "impossible_date"]]
    assert sentence in failures["message"].iloc[0]


def test_native_dates_beyond_the_range_too():
    """Spreadsheet cells that are dates already (datetime objects, as openpyxl gives them):
    the year 2300 cannot be held (missing, and flagged with the impossible dates by the
    public parse_dates), 2024-01-01 is kept; as a column it is one problem."""
    cells = pd.Series([dt.datetime(2300, 1, 1), dt.datetime(2024, 1, 1)], dtype=object)
    parsed, bad, impossible = parse_dates(cells)
    assert parsed.isna().tolist() == [True, False]
    assert str(parsed.iloc[1].date()) == "2024-01-01"
    assert bad.tolist() == [False, False] and impossible.tolist() == [True, False]
    raw = pd.DataFrame({"close_date": cells})
    _, problems = coerce_columns(raw, TABLES["deals"])
    assert problems == [(0, "close_date", "date_out_of_range")]


def test_open_deal_estimated_from_a_single_won_deal(tmp_path):
    """One won deal (30 days from created to closed) and one open deal without a close
    date: pandas' get_group missed the one-row group and stopped the load with
    KeyError(''). Now the open deal gets a close date and the note says it was
    estimated (never before the as-of date)."""
    path = tmp_path / "deals.csv"
    path.write_text(
        "deal_id,customer_id,created_date,close_date,stage,amount_eur,mrr_eur\n"
        "D1,C1,2024-01-01,2024-01-31,won,100,10\n"
        "D2,C2,2024-02-01,,demo,100,10\n",
        encoding="utf-8",
    )
    frame, failures = check_table(path, "deals")
    assert failures.empty
    assert frame["close_date"].notna().all()
    assert frame["close_date"].iloc[1] >= pd.Timestamp("2024-02-01")
    assert any("close_date" in n for n in frame.attrs["notes"])
