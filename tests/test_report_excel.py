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
    # a sheet per table (Excel freezes one header row per sheet), sorted by phase
    assert wb.sheetnames == ["01 Umwandlung", "06 Kosten", "06 Tidy"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A3"
        assert ws["A1"].font.bold and ws["A2"].font.bold
    ws = wb["06 Kosten"]
    assert ws["A1"].value == "Kosten"
    assert [c.value for c in ws[2]] == ["Monat", "Marketing", "Neukunden"]
    assert ws["A3"].number_format == "mmm yyyy"
    assert ws["B3"].value == 1234.5 and ws["B3"].number_format == '#,##0 "€"'
    assert ws["C3"].value == 3 and ws["C3"].number_format == "#,##0"
    tidy = wb["06 Tidy"]
    assert [c.value for c in tidy[2]] == ["Position", "Wert", "Einheit"]
    assert tidy["B3"].number_format == '#,##0 "€"' and tidy["B4"].number_format == "0.0 %"
    assert tidy["C3"].value == "EUR" and tidy["C4"].value == "Anteil"
    conv = wb["01 Umwandlung"]
    assert [c.value for c in conv[2]] == ["Kanal", "Umwandlungsrate"]
    assert conv["A3"].value == "inbound"  # no config labels given: the code
    assert conv["B3"].value == 0.25 and conv["B3"].number_format == "0.0 %"
    assert read_table(tmp_path, "01_conversion")["conversion_rate"].iloc[0] == 0.25


def test_workbook_in_english_uses_config_value_labels(tmp_path: Path) -> None:
    write_table(
        pd.DataFrame({"channel": ["inbound", "all"], "revenue_yoy": [0.28, 0.1]}),
        tmp_path,
        "01_yoy",
        title_de="Wachstum",
        title_en="Growth",
        value_labels={"inbound": ("Inbound-Marketing", "Inbound marketing")},
    )
    ws = load_workbook(build_workbook(tmp_path, tmp_path / "p.xlsx", locale="en"))["01 Growth"]
    assert [c.value for c in ws[2]] == ["Channel", "YoY growth"]
    assert [ws["A3"].value, ws["A4"].value] == ["Inbound marketing", "All channels"]
    assert ws["B3"].value == 0.28 and ws["B3"].number_format == "0.0 %"


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
    manifest["regions"]["Gesamt"] = {"status": "ok", "key_figures": {}}
    index = render_index(tmp_path, manifest, locale="en").read_text(encoding="utf-8")
    assert "<tr><td>Total</td>" in index and "<tr><td>AT</td>" in index
    assert "<th>Duration</th>" in index and "<td class='num'>1.0\u00a0s</td>" in index
    german = render_index(tmp_path, manifest, locale="de").read_text(encoding="utf-8")
    assert "<th>Dauer</th>" in german and "<td class='num'>1,0\u00a0s</td>" in german
