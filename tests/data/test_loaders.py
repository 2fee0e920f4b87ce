"""Loaders: CSV as real exports come, XLSX, Parquet, folders; the bad-input list."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from planning_lib.data import DataValidationError, load_dataset, load_table
from planning_lib.data.loaders import check_table
from tests.fixtures import EXPORTS

HEADER = (
    "deal_id;customer_id;created_date;close_date;stage;amount_eur;mrr_eur;"
    "region;product;segment;channel;owner"
)
ROW = "D-001;C-001;02.01.2025;15.01.2025;won;1.234,56;102,88;DE-Nord;Business;small;inbound;E-01"


def write(tmp_path: Path, text: str, name: str = "deals.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def failures_of(path: Path, table: str = "deals", **kwargs) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as err:
        load_table(path, table, **kwargs)
    return err.value.failures


def only(failures: pd.DataFrame, rule: str) -> pd.Series:
    """The single failure with ``rule`` (fails if there is not exactly one)."""
    hits = failures[failures["rule"] == rule]
    assert len(hits) == 1, failures[["row", "column", "rule", "message"]].to_string()
    return hits.iloc[0]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- good cases -------------------------------------------------------------------------


def test_german_csv_decimal_comma_and_dotted_dates():
    deals = load_table(EXPORTS / "deals_de.csv", "deals")
    assert deals["amount_eur"].tolist() == [1234.56, 2400.0, 12000.0]
    assert deals["mrr_eur"].tolist() == [102.88, 200.0, 1000.0]
    assert deals["created_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-01-02",
        "2025-01-10",
        "2025-02-03",
    ]
    assert deals["region"].tolist() == ["DE-Nord", "DE-Süd", "AT"]
    assert list(deals.columns)[:3] == ["deal_id", "customer_id", "created_date"]
    assert str(deals["close_date"].dtype) == "datetime64[ns]"


def test_comma_csv_with_iso_dates_point_decimals_and_currency(tmp_path):
    text = (
        "deal_id,customer_id,created_date,close_date,stage,amount_eur,mrr_eur,region,"
        "product,segment,channel,owner\n"
        'D1,C1,2025-01-02,2025-01-15,Won,"1,234.56",102.88,DE-Nord,B,small,Inbound,E1\n'
        'D2,C2,2025-01-03,2025-01-20,lost,"€ 2,000",0,AT,B,mid,partner,E2\n'
    )
    deals = load_table(write(tmp_path, text), "deals")
    assert deals["amount_eur"].tolist() == [1234.56, 2000.0]
    assert deals["stage"].tolist() == ["won", "lost"]  # case of codes is normalised
    assert deals["channel"].tolist() == ["inbound", "partner"]


def test_blanks_and_euro_sign_in_numbers(tmp_path):
    row = ROW.replace("1.234,56", "1 234,50 €").replace("102,88", "1\u00a0000,00\u00a0€")
    deals = load_table(write(tmp_path, f"{HEADER}\n{row}\n"), "deals")
    assert deals["amount_eur"].iloc[0] == 1234.5
    assert deals["mrr_eur"].iloc[0] == 1000.0


def test_utf8_bom_is_read(tmp_path):
    path = write(tmp_path, f"{HEADER}\n{ROW}\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    deals = load_table(path, "deals")
    assert deals["deal_id"].tolist() == ["D-001"]  # the BOM did not stick to the header


def test_cp1252_umlauts_read_correctly(tmp_path):
    row2 = ROW.replace("D-001", "D-002").replace("DE-Nord", "Zürich")
    text = f"{HEADER}\n{ROW.replace('DE-Nord', 'München')}\n{row2}\n"
    path = write(tmp_path, text, encoding="cp1252")
    assert "ü".encode("cp1252") in path.read_bytes()
    assert b"\xc3\xbc" not in path.read_bytes()  # really not UTF-8
    deals = load_table(path, "deals")
    assert deals["region"].tolist() == ["München", "Zürich"]


def test_tab_delimited_utf16_excel_unicode_text(tmp_path):
    text = f"{HEADER}\n{ROW}\n".replace(";", "\t")
    deals = load_table(write(tmp_path, text, encoding="utf-16"), "deals")
    assert deals["amount_eur"].tolist() == [1234.56]


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path):
    bad = ROW.replace("D-001", "D-002").replace("1.234,56", "zwölf")
    failures = failures_of(write(tmp_path, f"{HEADER}\n{ROW}\n\n{bad}\n"))
    assert only(failures, "not_a_number")["row"] == 4  # header 1, row 2, blank 3, bad 4


def test_credit_note_may_be_negative(tmp_path):
    header = HEADER + ";is_credit_note"
    credit = ROW.replace("D-001", "D-002").replace("1.234,56", "-1.234,56") + ";ja"
    deals = load_table(write(tmp_path, f"{header}\n{ROW};\n{credit}\n"), "deals")
    assert deals["amount_eur"].tolist() == [1234.56, -1234.56]
    assert deals["is_credit_note"].tolist()[1] == "true"


def test_xlsx_sheet_rows_and_native_cells(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Export"
    sheet.append(["Bericht vom 01.04.2025"])  # a title row above the header
    sheet.append([])
    sheet.append(HEADER.split(";"))
    sheet.append(ROW.split(";"))  # text cells
    values = ["D-002", 1002, pd.Timestamp("2025-01-05"), pd.Timestamp("2025-02-01"), "lost"]
    sheet.append([*values, 960.0, 80, "CH", "Starter", "small", "outbound", "E-02"])
    sheet.append(["D-003", "C-3", "2025-03-01", "2025-02-01", "won", "x", 1, "AT", "P"])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    failures = failures_of(path)  # the title row above the header is skipped
    assert failures["file"].unique().tolist() == ["deals.xlsx [Export]"]
    assert only(failures, "not_a_number")["row"] == 6  # the sheet row of D-003
    assert only(failures, "date_order")["row"] == 6
    assert set(failures["rule"]) == {"not_a_number", "date_order", "required"}
    assert failures.loc[failures["rule"] == "required", "column"].tolist() == [
        "channel",
        "owner",
        "segment",
    ]
    sheet.delete_rows(6)
    book.save(path)
    deals = load_table(path, "deals")
    assert deals["customer_id"].tolist() == ["C-001", "1002"]
    assert deals["amount_eur"].tolist() == [1234.56, 960.0]
    assert deals["created_date"].iloc[1] == pd.Timestamp("2025-01-05")


def test_parquet_round_trip(tmp_path):
    deals = load_table(EXPORTS / "deals_de.csv", "deals")
    path = tmp_path / "deals.parquet"
    deals.to_parquet(path)
    again = load_table(path, "deals")
    pd.testing.assert_frame_equal(again, deals)


def test_load_dataset_finds_tables_and_collects_all_failures(tmp_path):
    (tmp_path / "deals.csv").write_bytes((EXPORTS / "deals_de.csv").read_bytes())
    costs = "month;region;category;amount_eur\n01.01.2025;AT;marketing;1.500,00\n"
    (tmp_path / "costs.csv").write_text(costs, encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x\n1\n", encoding="utf-8")  # not a table: ignored
    frames = load_dataset(tmp_path)
    assert sorted(frames) == ["costs", "deals"]
    assert frames["costs"]["amount_eur"].tolist() == [1500.0]
    (tmp_path / "costs.csv").write_text(costs.replace("marketing", "catering"), "utf-8")
    (tmp_path / "headcount.csv").write_text("employee_id;role\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        load_dataset(tmp_path)
    failures = err.value.failures
    assert set(zip(failures["file"], failures["rule"], strict=True)) == {
        ("costs.csv", "not_allowed"),
        ("headcount.csv", "header_only"),
    }


def test_inputs_are_never_modified(tmp_path):
    good = write(tmp_path, f"{HEADER}\n{ROW}\n", "deals.csv", encoding="cp1252")
    bad = write(tmp_path, f"{HEADER}\n{ROW.replace('won', 'gewonnen?')}\n", "bad.csv")
    before = {p: (sha(p), p.stat().st_mtime_ns) for p in (good, bad)}
    load_table(good, "deals")
    check_table(bad, "deals")
    load_dataset(tmp_path)  # bad.csv is no table name: only deals.csv is read
    assert {p: (sha(p), p.stat().st_mtime_ns) for p in (good, bad)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "deals.csv"]


# --- the bad-input list -----------------------------------------------------------------


def test_empty_file(tmp_path):
    hit = only(failures_of(write(tmp_path, "")), "empty_file")
    assert hit["message"] == "deals.csv: the file is empty (no header, no rows)"


def test_header_only(tmp_path):
    hit = only(failures_of(write(tmp_path, HEADER + "\n\n")), "header_only")
    assert hit["message"] == "deals.csv: the file has a header but no data rows"


def test_wrong_delimiter(tmp_path):
    text = f"{HEADER}\n{ROW}\n".replace(";", "|")
    hit = only(failures_of(write(tmp_path, text)), "delimiter")
    assert hit["row"] == 1
    assert "the file seems to use '|'" in hit["message"]
    assert "use ',' or ';' or a tab as delimiter" in hit["message"]


def test_rows_split_by_another_delimiter_than_the_header(tmp_path):
    comma_row = "D-002,C-002,02.01.2025,15.01.2025,won,1234.56,102.88,AT,B,small,inbound,E-01"
    text = f"{HEADER}\n{ROW}\n{comma_row}\n{ROW.replace('D-001', 'D-003')}\n"
    hit = only(failures_of(write(tmp_path, text)), "ragged_row")
    assert hit["row"] == 3
    assert hit["message"] == (
        "deals.csv, row 3: the row has 1 field(s), the header has 12; "
        "check the delimiter and quotes in this row"
    )


def test_too_many_fields_names_the_row(tmp_path):
    text = f"{HEADER}\n{ROW}\n{ROW};extra;cells\n"
    hit = only(failures_of(write(tmp_path, text)), "ragged_row")
    assert hit["row"] == 3
    assert "the row has 14 field(s), the header has 12" in hit["message"]


def test_missing_required_column(tmp_path):
    # owner is optional since issue 13 (a default fills it); stage stays required
    header = HEADER.replace(";stage", "")
    row = ROW.replace(";won", "")
    hit = only(failures_of(write(tmp_path, f"{header}\n{row}\n")), "missing_column")
    assert hit["column"] == "stage"
    assert pd.isna(hit["row"])
    assert hit["message"].startswith('deals.csv, column "stage": required column is missing.')


def test_misspelt_column_suggests_the_right_one(tmp_path):
    header = HEADER.replace("close_date", "closing_date")
    hit = only(failures_of(write(tmp_path, f"{header}\n{ROW}\n")), "missing_column")
    assert hit["column"] == "close_date"
    assert 'Closest existing columns: "closing_date"' in hit["message"]


def test_text_in_money_column(tmp_path):
    row = ROW.replace("1.234,56", "tbd")
    hit = only(failures_of(write(tmp_path, f"{HEADER}\n{row}\n")), "not_a_number")
    assert (hit["row"], hit["column"], hit["value"]) == (2, "amount_eur", "tbd")
    assert hit["message"] == (
        "deals.csv, row 2, column \"amount_eur\": 'tbd' is not a number in EUR "
        "(expected e.g. 1234.56, 1.234,56 or 1 234,56 €)"
    )


def test_foreign_currency_is_not_taken_for_eur(tmp_path):
    row = ROW.replace("1.234,56", "USD 1.234,56")
    hit = only(failures_of(write(tmp_path, f"{HEADER}\n{row}\n")), "not_a_number")
    assert hit["value"] == "USD 1.234,56"


def test_impossible_date(tmp_path):
    row = ROW.replace("02.01.2025", "31.02.2025")
    hit = only(failures_of(write(tmp_path, f"{HEADER}\n{row}\n")), "impossible_date")
    assert hit["message"] == (
        "deals.csv, row 2, column \"created_date\": '31.02.2025' is not a real calendar date"
    )


def test_close_before_create(tmp_path):
    row = ROW.replace("15.01.2025", "01.01.2025")
    hit = only(failures_of(write(tmp_path, f"{HEADER}\n{row}\n")), "date_order")
    assert hit["message"] == (
        'deals.csv, row 2, column "close_date": 2025-01-01 is before created_date '
        "2025-01-02; it must be on or after it"
    )


def test_duplicate_id(tmp_path):
    other = ROW.replace("C-001", "C-002")
    failures = failures_of(write(tmp_path, f"{HEADER}\n{ROW}\n{ROW}\n{other}\n"))
    dups = failures[failures["rule"] == "duplicate"]
    assert dups["row"].tolist() == [2, 3, 4]
    assert dups["message"].iloc[0] == (
        "deals.csv, row 2, column \"deal_id\": 'D-001' occurs more than once "
        "(rows 2, 3, 4); values must be unique"
    )


def test_negative_amount_without_credit_note(tmp_path):
    row = ROW.replace("1.234,56", "-50,00")
    hit = only(failures_of(write(tmp_path, f"{HEADER}\n{row}\n")), "negative_without_credit_note")
    assert (hit["row"], hit["column"], hit["value"]) == (2, "amount_eur", "-50")
    assert "allowed only on rows marked as credit notes" in hit["message"]


def test_all_problems_are_collected_not_only_the_first(tmp_path):
    rows = [
        ROW,
        ROW.replace("D-001", "D-002").replace("1.234,56", "abc"),
        ROW.replace("D-001", "D-003").replace("15.01.2025", "31.02.2025"),
        ROW.replace("D-001", "D-004").replace("small", "huge"),
    ]
    failures = failures_of(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    assert list(zip(failures["row"], failures["rule"], strict=True)) == [
        (3, "not_a_number"),
        (4, "impossible_date"),
        (5, "not_allowed"),
    ]


def test_messages_in_german(tmp_path):
    row = ROW.replace("1.234,56", "tbd")
    failures = failures_of(write(tmp_path, f"{HEADER}\n{row}\n"), lang="de")
    assert only(failures, "not_a_number")["message"].startswith(
        "deals.csv, Zeile 2, Spalte \"amount_eur\": 'tbd' ist keine Zahl in EUR"
    )


def test_header_case_and_leading_blank_lines(tmp_path):
    header = HEADER.replace("deal_id", "Deal_ID").replace("close_date", "Close Date")
    bad = ROW.replace("D-001", "D-002").replace("won", "closed")  # "verloren" is lost now
    failures = failures_of(write(tmp_path, f"\n\n{header}\n{ROW}\n{bad}\n"))
    hit = only(failures, "not_allowed")
    assert (hit["row"], hit["column"]) == (5, "stage")  # blank, blank, header, row 4, row 5
    deals = load_table(write(tmp_path, f"\n{header}\n{ROW}\n"), "deals")
    assert deals["deal_id"].tolist() == ["D-001"]


def test_ragged_row_number_below_blank_lines(tmp_path):
    text = f"\n{HEADER}\n{ROW}\n\n{ROW.replace('D-001', 'D-002')};extra\n"
    hit = only(failures_of(write(tmp_path, text)), "ragged_row")
    assert hit["row"] == 5  # blank 1, header 2, row 3, blank 4, row 5
