"""Excel workbook and run index from tables on disk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from planning_lib.report.artifacts import read_table, write_table
from planning_lib.report.excel import build_workbook
from planning_lib.report.html import render_index


def test_workbook_has_a_sheet_per_phase_frozen_header_and_formats(tmp_path: Path) -> None:
    write_table(
        pd.DataFrame({"month": ["2026-01"], "marketing_eur": [1234.5], "new_customers": [3]}),
        tmp_path,
        "06_budget_monthly",
        title_de="Kosten",
        title_en="Cost",
    )
    write_table(
        pd.DataFrame({"channel": ["inbound"], "conversion_rate": [0.25]}),
        tmp_path,
        "01_conversion",
        title_de="Umwandlung",
        title_en="Conversion",
    )
    write_table(
        pd.DataFrame(
            {"line_item": ["mrr_end", "churn_rate"], "value": [5.0, 0.1], "unit": ["EUR", "share"]}
        ),
        tmp_path,
        "06_tidy",
        title_de="Tidy",
        title_en="Tidy",
    )
    path = build_workbook(tmp_path, tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["01 Ist-Analyse und Prognose", "06 Budget und Finanzen"]
    ws = wb["06 Budget und Finanzen"]
    assert ws.freeze_panes == "A3"
    assert ws["A1"].value == "Kosten" and ws["A1"].font.bold
    assert ws["B3"].value == 1234.5 and "€" in ws["B3"].number_format
    assert ws["C3"].number_format == "#,##0"
    # second table below: title, header, then each value formatted by its row's unit
    assert ws["A5"].value == "Tidy"
    assert "€" in ws["B7"].number_format and ws["B8"].number_format == "0.0%"
    assert wb["01 Ist-Analyse und Prognose"]["B3"].number_format == "0.0%"
    assert read_table(tmp_path, "01_conversion")["conversion_rate"].iloc[0] == 0.25


def test_bad_table_name_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two-digit phase"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path, "budget", title_de="x", title_en="x")


def test_index_names_the_failed_cell_and_links_the_notebook(tmp_path: Path) -> None:
    manifest = {
        "run_id": "20260101T000000Z-abcdef",
        "created_utc": "2026-01-01T00:00:00+00:00",
        "status": "failed",
        "regions": {"AT": {"status": "failed", "key_figures": {"mrr_end": 80000.0}}},
        "notebooks": [
            {
                "region": "AT",
                "notebook": "01_ist_analyse",
                "status": "failed",
                "duration_s": 1.0,
                "output_notebook": "AT/notebooks/01_ist_analyse.ipynb",
                "output_html": None,
                "error": {
                    "kind": "cell",
                    "execution_count": 3,
                    "cell_source_first_line": "ph = open_phase(",
                    "ename": "ParameterError",
                    "evalue": "churn_rate_monthly.start: 1.3 is above 1.0",
                },
            }
        ],
    }
    index = render_index(tmp_path, manifest, locale="en").read_text(encoding="utf-8")
    assert "cell In [3] (ph = open_phase()" in index
    assert "ParameterError: churn_rate_monthly.start: 1.3 is above 1.0" in index
    assert 'href="AT/notebooks/01_ist_analyse.ipynb"' in index
    assert "€80,000" in index
