"""The Ziele sheet's plan bases read as the HTML page reads them (#13), and the batch
tests' report checks read every sheet's text cells, so a raw code there is caught.

A new user's workbook showed ``funnel``/``target`` in the column "Grundlage" of the
Ziele sheet. The bases table (``02_bases``, as phase 2 writes it) is built into a
workbook here; the expected labels are the text store's ``value.funnel``/``value.target``
written out by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from planning_lib.run.artifacts import write_table
from planning_lib.run.excel import build_workbook
from tests.e2e.report_checks import codes_and_floats, config_code_pattern

LABELS = {
    "de": ("Grundlage", ["Trichter: geplante Leads", "Ziel: erreicht und bezahlt"]),
    "en": ("Basis", ["Funnel: planned leads", "Target: reached and paid for"]),
}


@pytest.mark.parametrize("locale", ["de", "en"])
def test_the_bases_read_as_words_on_the_ziele_sheet(tmp_path: Path, locale: str) -> None:
    write_table(
        pd.DataFrame({"basis": ["funnel", "target"], "new_customers": [11.2, 7.0]}),
        tmp_path,
        "02_bases",
        title_de="Zwei Grundlagen",
        title_en="Two bases",
    )
    target = build_workbook(tmp_path, tmp_path / "plan.xlsx", locale=locale)
    ws = load_workbook(target).worksheets[-1]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    header, names = LABELS[locale]
    at = next(i for i, r in enumerate(rows) if r[0] == header)
    assert [r[0] for r in rows[at + 1 : at + 3]] == names
    cells = {v for r in rows for v in r if isinstance(v, str)}
    assert not cells & {"funnel", "target"}


def test_the_report_checks_read_every_sheet_s_text_cells(tmp_path: Path, params) -> None:
    """A raw 'funnel' on the second sheet and 'new_mrr_eur' on the third are found, by
    sheet; numbers and the German 'Trichter' are not."""
    folder = tmp_path / "Nord"
    folder.mkdir()
    wb = Workbook()
    wb.active.append(["Übersicht", 12.5])
    wb.create_sheet("Ziele").append(["funnel", 11.2])
    wb.create_sheet("Budget").append(["Trichter", "new_mrr_eur"])
    wb.save(folder / "plan_Nord.xlsx")
    found, floats = codes_and_floats([folder], config_code_pattern(params))
    assert found == {
        "Nord/plan_Nord.xlsx:Ziele": {"funnel"},
        "Nord/plan_Nord.xlsx:Budget": {"new_mrr_eur"},
    }
    assert floats == {}
