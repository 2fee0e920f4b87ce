"""The row a problem names is the row as the user's tool shows it, in every input format.

One deals table of four data rows whose third (D3) has the impossible close date
2025-13-45, written as CSV, XLSX and Parquet with the same cells. By hand:

- CSV in a text editor: header line 1, D1 line 2, D2 line 3, D3 line 4 -> "row 4";
  with a note of D1 holding one line break ("zwei" / "Zeilen"), D1 spans lines 2-3 and D3
  starts on line 5 -> "row 5" (the ragged-row check counted lines already; the cell
  checks counted records and said 4);
- XLSX in Excel: header row 1 -> D3 in row 4; with a title row and an empty row above
  the header (header in Excel row 3) -> row 6;
- Parquet numbers no rows: D3 is the third data row -> "data row 3" ("Datenzeile 3"),
  not "row 3", which in the other formats is another row.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planning_lib.data.failures import DataValidationError
from planning_lib.data.loaders import load_table

CELLS = {
    "deal_id": ["D1", "D2", "D3", "D4"],
    "customer_id": ["K1", "K2", "K3", "K4"],
    "created_date": ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"],
    "close_date": ["2025-02-01", "2025-02-02", "2025-13-45", "2025-02-04"],
    "stage": ["won"] * 4,
    "amount_eur": ["100", "200", "300", "400"],
    "notes": ["eins", "zwei", "drei", "vier"],
}


def _message(path: Path, lang: str = "en") -> str:
    with pytest.raises(DataValidationError) as err:
        load_table(path, "deals", lang=lang)
    failures = err.value.failures
    assert list(failures["column"]) == ["close_date"]
    return str(failures["message"].iloc[0])


def test_csv_names_the_editors_line(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    pd.DataFrame(CELLS).to_csv(path, index=False)
    assert _message(path).startswith('deals.csv, row 4, column "close_date": ')
    cells = CELLS | {"notes": ["zwei\nZeilen", "zwei", "drei", "vier"]}
    pd.DataFrame(cells).to_csv(path, index=False)
    assert path.read_text(encoding="utf-8").splitlines()[4].startswith("D3,")  # line 5
    assert _message(path).startswith('deals.csv, row 5, column "close_date": ')
    assert _message(path, "de").startswith('deals.csv, Zeile 5, Spalte "close_date": ')


def test_xlsx_names_excels_row(tmp_path: Path) -> None:
    path = tmp_path / "deals.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Deals"
    sheet.append(list(CELLS))
    for row in zip(*CELLS.values(), strict=True):
        sheet.append(list(row))
    book.save(path)
    assert _message(path).startswith('deals.xlsx [Deals], row 4, column "close_date": ')
    sheet.insert_rows(1, 2)  # a title and an empty row above the header
    sheet["A1"] = "Deals export"
    book.save(path)
    assert openpyxl.load_workbook(path).active["A6"].value == "D3"
    assert _message(path).startswith('deals.xlsx [Deals], row 6, column "close_date": ')


def test_parquet_names_the_data_row(tmp_path: Path) -> None:
    path = tmp_path / "deals.parquet"
    pd.DataFrame(CELLS).to_parquet(path, index=False)
    assert _message(path).startswith('deals.parquet, data row 3, column "close_date": ')
    assert _message(path, "de").startswith('deals.parquet, Datenzeile 3, Spalte "close_date": ')


def test_a_repeated_value_names_its_rows_as_the_format_does(tmp_path: Path) -> None:
    """D1..D4 all with the stage "Abgeschl." (not allowed): one problem listing the rows,
    in a Parquet file the data rows 1-4 ("4 data rows: 1, 2, 3, 4"), in a CSV file the
    lines 2-5 ("4 rows: 2, 3, 4, 5")."""
    cells = CELLS | {"close_date": ["2025-02-01"] * 4, "stage": ["Abgeschl."] * 4}
    pd.DataFrame(cells).to_parquet(tmp_path / "deals.parquet", index=False)
    pd.DataFrame(cells).to_csv(tmp_path / "deals.csv", index=False)
    for name, listed in (("deals.parquet", "4 data rows: 1, 2, 3, 4"),
                         ("deals.csv", "4 rows: 2, 3, 4, 5")):  # fmt: skip
        with pytest.raises(DataValidationError) as err:
            load_table(tmp_path / name, "deals")
        messages = list(err.value.failures["message"])
        assert len(messages) == 1 and f"({listed})" in messages[0], messages
