"""The workbooks' fixed words (sheet names, block titles, headers, page header and footer)
come from the text store (``workbook.*``), German and English, not from German/English
pairs in the code (#13)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import planning_lib
from planning_lib.present.plan_sheets import cover_blocks
from planning_lib.present.workbook import WorkbookMeta

ROOT = Path(planning_lib.__file__).parent


def test_the_cover_blocks_read_their_words_from_the_store() -> None:
    """The cover's three blocks, German and English, with the words written out here."""
    for locale, titles, ident in (
        ("de", ["Plan", "Kennzahlen", "Befunde"],
         ["Unternehmen", "Region", "Planversion", "Stand"]),
        ("en", ["Plan", "Key figures", "Findings"],
         ["Company", "Region", "Plan version", "As of"]),
    ):  # fmt: skip
        meta = WorkbookMeta("Firma", "Nord", "v1", dt.date(2026, 1, 5), locale)
        blocks = cover_blocks(meta, [], [("Warnung", "Budget", "Ein Satz.")])
        assert [b.title for b in blocks][:3] == titles
        assert [row[0][0] for row in blocks[0].rows] == ident
    assert WorkbookMeta(locale="de").t("workbook.overview") == "Übersicht"
    assert WorkbookMeta(locale="en").t("workbook.page_p_of_n") == "Page &P of &N"


def test_no_workbook_word_pair_is_left_in_the_code() -> None:
    """No call ``t("German", "English")`` (the old WorkbookMeta.t) is left in the code."""
    pair = re.compile(r"""\bt\(\s*["'][^"']*["']\s*,\s*["']""")
    sources = ["present/plan_sheets.py", "present/workbook.py", "app/export.py", "run/excel.py"]
    found = [n for n in sources if pair.search((ROOT / n).read_text(encoding="utf-8"))]
    assert found == []
