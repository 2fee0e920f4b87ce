"""The printable layout of a plan workbook, shared by ``planning batch`` and the cockpit.

A manager prints the workbook: every sheet is set up for A4 landscape, fitted to the
page width, with repeated title/header rows, a page header naming company, region,
plan version and date, and a page number in the footer. Sheets are named in full
German words (at most 31 characters, never cut inside a word); every written cell
carries a number format (numbers by unit, months as dates, text as ``@``), and text
that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` first) is
written as text with a quote prefix, never as a live formula.

Tables are written as :class:`Block` s (a title, a header row, rows of
``(value, number format)``); a sheet stacks blocks under its title row. A block
wider than it is long is written transposed, so it fits the page width legibly. The
plan's own sheets (monthly plan, cover) are laid out in :mod:`planning_lib.present.plan_sheets`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from planning_lib.core import text_store
from planning_lib.present.formatting import format_day, format_value, rounded_half_up

__all__ = [
    "FORMATS",
    "FORMULA_PREFIXES",
    "MONTH_FORMAT",
    "MONTH_FORMAT_EN",
    "PLAIN_FORMAT",
    "TEXT_FORMAT",
    "Block",
    "WorkbookMeta",
    "add_sheet",
    "localized",
    "new_workbook",
    "page_budget",
    "print_setup",
    "sheet_name",
    "stored_value",
    "write_cell",
]

FORMATS: dict[str, str] = {
    "eur": '#,##0 "€"',
    "share": "0.0 %",
    "count": "#,##0",
    "decimal": "#,##0.00",
    "ratio": '0.0"×"',
    "months": "0.0",
    "days": "0.0",
}
STORE_PLACES: dict[str, int] = {
    FORMATS["eur"]: 2,
    FORMATS["count"]: 0,
    FORMATS["share"]: 4,
    FORMATS["decimal"]: 2,
    FORMATS["ratio"]: 2,
    FORMATS["months"]: 2,
}
"""Decimal places a number is stored with, by its format: money to the cent, counts
whole, a share to 0.01 % (one place more than shown), ratios, months, days and decimals
to two places; so a cell holds 7, not 6.999999999999999."""
MONTH = "mmm yyyy"
MONTH_FORMAT = "[$-407]mmm yyyy"
"""Months with German names whatever the viewer's locale (``[$-407]`` = de-DE)."""
MONTH_FORMAT_EN = "[$-809]mmm yyyy"
PLAIN_FORMAT = "0"
"""Numbers shown as they are (years, ranks): 2026, not 2.026."""
TEXT_FORMAT = "@"
FORMULA_PREFIXES = ("=", "+", "-", "@")
"""First characters that make a spreadsheet read a text cell as a formula (OWASP)."""

SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]*?/\\:]")
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_BLOCK_TITLE = Font(bold=True, size=11)
_WRAP = Alignment(wrap_text=True, vertical="top")
_MAX_WIDTH = 40
_LINE_HEIGHT = 14.5
"""Points per line of 11 pt text (a wrapped cell's row gets this times its lines)."""
_MIN_WIDTH = 8
LINES_PER_PAGE = 46
"""Lines a landscape A4 page holds at a comfortable print size (11 pt, about 85 %)."""
MAX_LINES_PER_PAGE = 75
"""The densest page the budget allows (about 55 % scale); beyond it a sheet gets a page more."""
_TRANSPOSE_MIN_COLUMNS = 10
"""A table with at least this many columns and fewer rows than columns is transposed."""

Cell = tuple[Any, str | None]


@dataclass(frozen=True)
class WorkbookMeta:
    """What every printed page names: company, region, plan version and date."""

    company: str = ""
    region: str = ""
    plan_version: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    locale: str = "de"

    def t(self, key: str) -> str:
        """The text store's ``key`` (``workbook.*``) in the workbook's locale."""
        return text_store.label(key, self.locale)


@dataclass
class Block:
    """A table as written: title, header labels and rows of (value, number format)."""

    title: str
    headers: list[str]
    rows: list[list[Cell]]
    wrap_columns: frozenset[int] = frozenset()
    """0-based columns of long text (wrapped within the column width)."""

    def transposed(self) -> Block:
        """The block with rows and columns swapped (the first column becomes the header)."""
        head = [self.headers[0]] + [_text(r[0][0]) for r in self.rows]
        rows = [
            [(self.headers[j], TEXT_FORMAT)] + [r[j] for r in self.rows]
            for j in range(1, len(self.headers))
        ]
        return Block(self.title, head, rows)


def stored_value(value: Any, fmt: str | None) -> Any:
    """``value`` rounded (half up, as the formatter shows it) to the places
    :data:`STORE_PLACES` gives its format; a count becomes an int. Text, dates, missing,
    infinite values and numbers of other formats (years: ``0``) are returned as they are.
    """
    places = STORE_PLACES.get(fmt or "")
    if places is None or isinstance(value, bool) or not isinstance(value, Number):
        return value
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return value
    rounded = rounded_half_up(number, places)
    return int(rounded) if places == 0 else float(rounded)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name of whole words, at most 31 characters, unique in ``taken`` (updated).

    Characters Excel forbids (``[]*?/\\:``) are left out; a title too long loses whole
    words from its end (and a trailing connector such as ``und``), never part of a word.

    Raises:
        ValueError: the first word alone is longer than 31 characters.
    """
    clean = " ".join(_SHEET_FORBIDDEN.sub(" ", title).replace("'", "").split())
    words = clean.split(" ")
    if len(words[0]) > SHEET_NAME_MAX:
        raise ValueError(f"sheet title {title!r}: its first word is longer than 31 characters")
    name = _fit_words(words, SHEET_NAME_MAX) or "Tabelle"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" {n}"
        name, n = _fit_words(base.split(" "), SHEET_NAME_MAX - len(suffix)) + suffix, n + 1
    taken.add(name.lower())
    return name


_CONNECTORS = frozenset({"und", "oder", "je", "gegen", "mit", "zum", "der", "die", "das", "in"})


def _fit_words(words: Sequence[str], limit: int) -> str:
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word])) > limit:
            break
        kept.append(word)
    while len(kept) > 1 and (kept[-1].lower() in _CONNECTORS or kept[-1] in ("–", "-", ",")):
        kept.pop()
    return " ".join(kept).rstrip(",")


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


LOCALE_TAGS = {"de": "[$-407]", "en": "[$-809]"}
"""Locale of a number format (de-DE, en-GB): LibreOffice then prints German separators
and month names whatever its own locale; Excel shows the reader's system separators."""


def localized(fmt: str, locale: str = "de") -> str:
    """``fmt`` tagged with the workbook's locale (``[$-407]#,##0``); text stays ``@``."""
    if fmt == TEXT_FORMAT or fmt.startswith("[$"):
        return fmt
    return LOCALE_TAGS.get(locale, LOCALE_TAGS["de"]) + fmt


def write_cell(
    ws: Worksheet,
    row: int,
    column: int,
    value: Any,
    fmt: str | None = None,
    locale: str = "de",
) -> Any:
    """Write ``value`` with a number format; text is always text, never a formula.

    Numbers get ``fmt`` (``#,##0`` when none is given), dates ``mmm yyyy`` unless
    ``fmt`` says otherwise, both tagged with ``locale`` (:func:`localized`); text gets
    ``@``. Text starting with ``=``, ``+``, ``-`` or ``@`` is stored as a string with
    a quote prefix (what Excel does for ``'=text``), so a name like
    ``=HYPERLINK(...)`` from the data or the config stays inert.
    """
    value = _plain(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, bool):
        cell.value = value
        return cell
    if isinstance(value, Number):
        cell.value = value
        number = fmt if fmt and fmt != TEXT_FORMAT else FORMATS["count"]
        cell.number_format = localized(number, locale)
        return cell
    if isinstance(value, dt.date):
        cell.value = value
        cell.number_format = localized(fmt if fmt and fmt != TEXT_FORMAT else MONTH, locale)
        return cell
    text = str(value)
    cell.value = text
    cell.data_type = "s"  # openpyxl reads "=..." as a formula; this is text
    cell.number_format = TEXT_FORMAT
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def new_workbook() -> Workbook:
    """An empty workbook (no default sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _esc(text: str) -> str:
    """Text for a page header (``&`` starts a header code, so it is doubled)."""
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, meta: WorkbookMeta, title_rows: str | None) -> None:
    """A4 landscape, fit to page width, repeated rows, page header and footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    region = meta.t("workbook.region") + f" {meta.region}" if meta.region else ""
    version = meta.t("workbook.plan_version") + f": {meta.plan_version}"
    date = meta.t("workbook.as_of") + f": {format_day(meta.date, meta.locale)}"
    ws.oddHeader.left.text = _esc(" · ".join(p for p in (meta.company, region) if p))
    ws.oddHeader.center.text = _esc(version if meta.plan_version else "")
    ws.oddHeader.right.text = _esc(date)
    for part in (ws.oddHeader.left, ws.oddHeader.center, ws.oddHeader.right):
        part.size = 9
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = meta.t("workbook.page_p_of_n")
    ws.oddFooter.left.size = ws.oddFooter.right.size = 8


def page_budget(wb: Workbook, max_pages: int) -> dict[str, int]:
    """Give every sheet a number of printed pages (``fitToHeight``), at most ``max_pages``
    in all where the content allows.

    A sheet needs ``lines / LINES_PER_PAGE`` pages at a comfortable size; when the
    workbook would need more than ``max_pages``, the sheet that loses least legibility
    gives up a page, down to ``MAX_LINES_PER_PAGE`` lines a page (or one page).

    Returns:
        sheet name → pages.
    """
    lines = {ws.title: getattr(ws, "_printed_lines", LINES_PER_PAGE) for ws in wb.worksheets}
    pages = {name: max(1, -(-n // LINES_PER_PAGE)) for name, n in lines.items()}
    while sum(pages.values()) > max_pages:
        candidates = [
            (lines[n] / (p - 1), n)
            for n, p in pages.items()
            if p > 1 and lines[n] / (p - 1) <= MAX_LINES_PER_PAGE
        ]
        if not candidates:
            break
        pages[min(candidates)[1]] -= 1
    for ws in wb.worksheets:
        ws.page_setup.fitToHeight = pages[ws.title]
    return pages


def _width(value: Any, fmt: str | None, locale: str) -> int:
    if value is None:
        return 0
    if isinstance(value, Number) and not isinstance(value, bool):
        unit = next((u for u, f in FORMATS.items() if f == fmt), "count")
        return len(format_value(value, unit, locale))  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return 9
    return max((len(part) for part in str(value).split("\n")), default=0)


def add_sheet(
    wb: Workbook,
    title: str,
    heading: str,
    blocks: Iterable[Block],
    meta: WorkbookMeta,
    taken: set[str],
    *,
    repeat_header: bool = False,
    freeze_first_column: bool = False,
) -> Worksheet:
    """A sheet named after ``title`` with ``heading`` in row 1 and the blocks below it.

    Args:
        wb: the workbook.
        title: the sheet's name in words (made a valid name by :func:`sheet_name`).
        heading: the first row, repeated on every printed page.
        blocks: tables stacked with one empty row between them.
        meta: company, region, plan version, date, locale (page header).
        taken: sheet names already used (lower case; updated).
        repeat_header: for a sheet of one long table: the first block's title and
            header rows repeat on every printed page and stay frozen on screen.
        freeze_first_column: also keep the first column in view while scrolling.
    """
    ws = wb.create_sheet(sheet_name(title, taken))
    write_cell(ws, 1, 1, heading).font = _TITLE
    widths: dict[int, int] = {}
    wrapped: dict[int, list[tuple[int, int]]] = {}
    header_rows: set[int] = set()
    row = 3
    header_row = None
    for block in blocks:
        if len(block.headers) >= _TRANSPOSE_MIN_COLUMNS and len(block.rows) < len(block.headers):
            block = block.transposed()
        write_cell(ws, row, 1, block.title).font = _BLOCK_TITLE
        row += 1
        header_row = header_row or row
        header_rows.add(row)
        for j, head in enumerate(block.headers, start=1):
            cell = write_cell(ws, row, j, head)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            widths[j] = max(widths.get(j, _MIN_WIDTH), min(max(map(len, head.split())) + 2, 30))
            wrapped.setdefault(row, []).append((j, len(head) + 1))
        row += 1
        for values in block.rows:
            for j, (value, fmt) in enumerate(values, start=1):
                cell = write_cell(ws, row, j, value, fmt, meta.locale)
                w = _width(cell.value, fmt, meta.locale)
                if w > _MAX_WIDTH or (j - 1) in block.wrap_columns:
                    cell.alignment = _WRAP
                    wrapped.setdefault(row, []).append((j, w))
                widths[j] = max(widths.get(j, _MIN_WIDTH), min(w + 2, _MAX_WIDTH))
            row += 1
        row += 1
    for j, w in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = w
    extra_lines = 0
    for r, cells in wrapped.items():  # spreadsheets do not grow rows of wrapped text on load
        lines = max(-(-w // max(widths[j] - 1, 1)) for j, w in cells)
        if lines > 1:
            ws.row_dimensions[r].height = _LINE_HEIGHT * lines
            extra_lines += lines - 1
            if r not in header_rows:  # the row's other cells start at the top too
                for cell in ws[r]:
                    cell.alignment = _WRAP
    ws._printed_lines = row + extra_lines  # type: ignore[attr-defined]  # for page_budget
    if repeat_header and header_row:
        ws.print_title_rows = f"1:{header_row}"
        ws.freeze_panes = ws.cell(row=header_row + 1, column=2 if freeze_first_column else 1)
        print_setup(ws, meta, f"1:{header_row}")
    else:
        ws.freeze_panes = ws.cell(row=2, column=1)
        print_setup(ws, meta, "1:1")
    return ws
