"""Excel workbook and run index from tables on disk."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from planning_lib.present.workbook import WorkbookMeta, page_budget, sheet_name
from planning_lib.run.artifacts import read_table, write_table
from planning_lib.run.excel import build_workbook
from planning_lib.run.html import render_index


def test_workbook_has_cover_and_a_sheet_per_phase_with_formats(tmp_path: Path) -> None:
    """Tables are stacked on one sheet per phase (named in full); each table is a
    title row, a shaded header row and its rows; numbers keep a format by unit.

    The layout changed from one sheet per table (issue 14: a region's workbook must
    print on at most 15 pages, 37 one-table sheets printed at least 37)."""
    write_table(
        pd.DataFrame({"month": ["2026-01"], "marketing_eur": [1234.5], "new_customers": [3]}),
        tmp_path,
        "06_budget_monthly",
        title_de="Kosten",
        title_en="Cost",
    )
    write_table(
        pd.DataFrame({"channel": ["inbound"], "conversion_rate": [0.25], "year": [2025]}),
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
        position=1,
    )
    path = build_workbook(tmp_path, tmp_path / "plan.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Übersicht", "Ist-Analyse und Prognose", "Budget und Finanzen"]
    budget = wb["Budget und Finanzen"]
    assert budget["A1"].value == f"Budget und Finanzen: {tmp_path.name}" and budget["A1"].font.bold
    # first table: title row 3, header row 4, data row 5
    assert budget["A3"].value == "Kosten" and budget["A4"].font.bold
    assert [c.value for c in budget[4]] == ["Monat", "Marketing", "Neukunden"]
    assert budget["A5"].number_format == "[$-407]mmm yyyy"
    assert budget["B5"].value == 1234.5 and budget["B5"].number_format == '[$-407]#,##0 "€"'
    assert budget["C5"].value == 3 and budget["C5"].number_format == "[$-407]#,##0"
    # second table after one empty row: title 7, header 8, rows 9-10 (line items labelled)
    assert budget["A7"].value == "Tidy"
    assert [c.value for c in budget[8]] == ["Position", "Wert", "Einheit"]
    assert (
        budget["A9"].value == "MRR Monatsende"
        and budget["A10"].value == "Abwanderungsrate je Monat"
    )
    assert (
        budget["B9"].number_format == '[$-407]#,##0 "€"'
        and budget["B10"].number_format == "[$-407]0.0 %"
    )
    assert budget["C9"].value == "EUR" and budget["C10"].value == "Anteil"
    conv = wb["Ist-Analyse und Prognose"]
    assert [c.value for c in conv[4]] == ["Kanal", "Umwandlungsrate", "Jahr"]
    assert conv["A5"].value == "inbound"  # no config labels given: the code
    assert conv["B5"].value == 0.25 and conv["B5"].number_format == "[$-407]0.0 %"
    assert conv["C5"].value == 2025 and conv["C5"].number_format == "[$-407]0"  # 2025, not 2.025
    assert read_table(tmp_path, "01_conversion")["conversion_rate"].iloc[0] == 0.25
    for ws in wb.worksheets:  # every value cell has a format; text is text
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.number_format != "General", (ws.title, cell.coordinate)


def test_workbook_in_english_uses_config_value_labels(tmp_path: Path) -> None:
    write_table(
        pd.DataFrame({"channel": ["inbound", "all"], "revenue_yoy": [0.28, 0.1]}),
        tmp_path,
        "01_yoy",
        title_de="Wachstum",
        title_en="Growth",
        value_labels={"inbound": ("Inbound-Marketing", "Inbound marketing")},
    )
    wb = load_workbook(build_workbook(tmp_path, tmp_path / "p.xlsx", locale="en"))
    assert wb.sheetnames == ["Overview", "As-is analysis and forecast"]
    ws = wb["As-is analysis and forecast"]
    assert [c.value for c in ws[4]] == ["Channel", "Growth over the calendar year before"]
    assert [ws["A5"].value, ws["A6"].value] == ["Inbound marketing", "All channels"]
    assert ws["B5"].value == 0.28 and ws["B5"].number_format == "[$-809]0.0 %"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # 24 + " (CAC)" = 30 characters; " je" would make 33 > 31
        ("Kundenakquisitionskosten (CAC) je Kanal", "Kundenakquisitionskosten (CAC)"),
        # "Gewinnrate, Auftragsgröße und" is 29; the connector "und" is dropped too
        ("Gewinnrate, Auftragsgröße und Verkaufszyklus", "Gewinnrate, Auftragsgröße"),
        ("Zielgruppen und Positionierung", "Zielgruppen und Positionierung"),  # 30: kept
        ("Soll/Ist: Abweichung [EUR]", "Soll Ist Abweichung EUR"),  # forbidden characters
    ],
)
def test_sheet_names_are_whole_words_of_at_most_31_characters(title: str, expected: str) -> None:
    taken: set[str] = set()
    assert sheet_name(title, taken) == expected
    assert len(expected) <= 31 and expected.lower() in taken
    # a second sheet of the same title gets a number, still whole words and <= 31
    again = sheet_name(title, taken)
    assert again != expected and len(again) <= 31 and again.endswith(" 2")
    assert all(word in title.replace("/", " ") for word in again.split()[:-1])


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    """Issue 15 item 10: a region or product name such as =HYPERLINK(...) from the data
    or the config must never become a live formula (OWASP CSV/formula injection)."""
    evil = ['=HYPERLINK("http://x","a")', "+1+2", "-3+cmd|' /C calc'!A0", "@SUM(1,2)"]
    write_table(
        pd.DataFrame({"region": evil, "product": evil[::-1], "mrr_eur": [1.0, 2.0, 3.0, 4.0]}),
        tmp_path,
        "01_mrr_by_region",
        title_de="MRR je Region",
        title_en="MRR per region",
    )
    path = build_workbook(
        tmp_path,
        tmp_path / "p.xlsx",
        meta=WorkbookMeta("=cmd()", "=HYPERLINK(1)", "@v", dt.date(2026, 1, 31)),
    )
    wb = load_workbook(path)
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    seen.append(cell.value)
    assert set(evil) <= set(seen)
    assert {"=cmd()", "=HYPERLINK(1)", "@v"} <= set(seen)  # cover: company, region, version
    # the file itself holds no formula element
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_every_sheet_is_set_up_for_printing(tmp_path: Path) -> None:
    write_table(
        pd.DataFrame({"channel": ["a"] * 60, "leads": range(60)}),
        tmp_path,
        "04_leads",
        title_de="Leads",
        title_en="Leads",
    )
    meta = WorkbookMeta("Cloud & Co", "AT", "Szenario Basis, Lauf 1", dt.date(2026, 3, 31))
    wb = load_workbook(build_workbook(tmp_path, tmp_path / "p.xlsx", meta=meta))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight >= 1
        assert ws.print_title_rows == "$1:$1"  # the sheet's heading on every page
        assert ws.oddHeader.left.text == "Cloud && Co · Region AT"  # & doubled: no code
        assert ws.oddHeader.center.text == "Planversion: Szenario Basis, Lauf 1"
        assert ws.oddHeader.right.text == "Stand: 31.03.2026"
        assert ws.oddFooter.right.text == "Seite &P von &N"


def test_monthly_plan_sheet_has_german_line_items_and_repeated_header(tmp_path: Path) -> None:
    months = ["2026-01-01", "2026-02-01"]
    monthly = pd.DataFrame(
        {
            "month": months * 3,
            "line_item": ["first_year_revenue_new"] * 2
            + ["customers_new"] * 2
            + ["reps_heads.inside_sales"] * 2,
            "channel": ["", "", "inbound", "inbound", "", ""],
            "value": [50235.53919641233, 100.0, 4.4, 5.0, 3.0, 3.0],
            "unit": ["EUR", "EUR", "count", "count", "count", "count"],
        }
    )
    write_table(monthly, tmp_path, "02_plan_monthly", title_de="Monatsplan", title_en="Plan",
                value_labels={"inbound": ("Inbound-Marketing", "Inbound marketing")})  # fmt: skip
    wb = load_workbook(build_workbook(tmp_path, tmp_path / "p.xlsx"))
    assert wb.sheetnames == ["Übersicht", "Monatsplan"]
    ws = wb["Monatsplan"]
    assert [c.value for c in ws[4]] == ["Position", "Jan. 2026", "Feb. 2026"]
    assert [ws["A5"].value, ws["A6"].value, ws["A7"].value] == [
        "Erstjahresumsatz Neukunden",
        "Neukunden – Inbound-Marketing",
        "Vertriebsmitarbeiter – Innendienst",
    ]
    assert ws["B5"].value == pytest.approx(50235.53919641233)
    assert ws["B5"].number_format == '[$-407]#,##0 "€"' and ws["B6"].number_format == "[$-407]#,##0"
    assert ws.print_title_rows == "$1:$4" and ws.freeze_panes == "B5"


def test_page_budget_keeps_the_workbook_within_the_page_limit() -> None:
    """Sheets of 200, 100 and 10 lines need ceil(200/46)=5, ceil(100/46)=3 and 1 pages
    at 46 lines a page (9). With a budget of 6 the sheet whose pages would stay least
    dense gives up one, step by step: a 200/4=50 vs b 100/2=50 (tie, by name) -> a=4;
    a 200/3=66.7 vs b 50 -> b=2; a 66.7 vs b 100/1=100 (above 75: not allowed) -> a=3;
    total 3+2+1 = 6. With a budget of 3 the next steps (a 200/2=100, b 100) would pass
    75 lines a page, so it stops at 6 pages rather than print too small.
    """
    wb = Workbook()
    wb.remove(wb.active)
    for name, lines in (("a", 200), ("b", 100), ("c", 10)):
        ws = wb.create_sheet(name)
        ws._printed_lines = lines
    pages = page_budget(wb, 6)
    assert pages == {"a": 3, "b": 2, "c": 1}
    assert [ws.page_setup.fitToHeight for ws in wb.worksheets] == [3, 2, 1]
    # a budget that cannot be met without pages above 75 lines keeps legibility
    assert sum(page_budget(wb, 3).values()) == 6  # 200/2=100 and 100/1 exceed 75


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
