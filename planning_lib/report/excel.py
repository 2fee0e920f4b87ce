"""The Excel workbook of a region's plan: one sheet per phase, formatted, frozen headers.

The workbook is built from the tables the phase notebooks wrote
(``artifacts.iter_tables``): every table of a phase goes on that phase's sheet,
under a bold title, with a shaded header row. The first table's header row is
frozen. Number formats follow the column's unit, read from its name
(``*_eur`` → ``#,##0 €``, ``*share*``/``*rate*`` → ``0.0 %``, whole numbers →
``#,##0``); in a tidy table with a ``unit`` column each ``value`` cell gets the
format of its row's unit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from planning_lib.report.artifacts import TableInfo, atomic_write_bytes, iter_tables
from planning_lib.report.labels import column_unit, text

__all__ = ["FORMATS", "build_workbook", "number_format"]

FORMATS: dict[str, str] = {
    "eur": '#,##0 "€"',
    "share": "0.0%",
    "count": "#,##0",
    "decimal": "#,##0.00",
    "ratio": '0.0"×"',
    "months": "0.0",
}

_UNIT_ALIASES = {"eur": "eur", "EUR": "eur", "share": "share", "count": "count"}
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)


def number_format(column: str, values: pd.Series) -> str | None:
    """The Excel number format for a column, from its unit (None = text)."""
    unit = column_unit(column, values)
    return None if unit is None else FORMATS[unit]


def _sheet_title(phase: str, locale: str) -> str:
    try:
        name = text(f"phase.{phase}", locale)
    except KeyError:
        name = phase
    title = f"{phase} {name}" if not name.startswith(phase) else name
    for ch in "[]:*?/\\":
        title = title.replace(ch, "-")
    return title[:31]


def _write_table(ws, start_row: int, info: TableInfo, frame: pd.DataFrame, locale: str) -> int:
    ws.cell(row=start_row, column=1, value=info.title(locale)).font = _TITLE
    header_row = start_row + 1
    for j, col in enumerate(frame.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=str(col))
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    formats = {col: number_format(str(col), frame[col]) for col in frame.columns}
    unit_col = "unit" if "unit" in frame.columns and "value" in frame.columns else None
    for i, row in enumerate(frame.itertuples(index=False), start=header_row + 1):
        row_unit = _UNIT_ALIASES.get(str(getattr(row, "unit", ""))) if unit_col else None
        for j, (col, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if isinstance(value, float) and np.isnan(value):
                value = None
            elif isinstance(value, np.generic):
                value = value.item()
            cell = ws.cell(row=i, column=j, value=value)
            fmt = FORMATS[row_unit] if (row_unit and col == "value") else formats[col]
            if fmt and isinstance(value, int | float):
                cell.number_format = fmt
    for j, col in enumerate(frame.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width + 3)
    return header_row + len(frame) + 2


def build_workbook(
    output_dir: str | Path,
    target: str | Path,
    *,
    locale: str = "de",
    tables: Iterable[TableInfo] | None = None,
) -> Path:
    """Write the workbook of the tables in ``output_dir`` to ``target`` (atomically).

    Args:
        output_dir: a region's output folder (``tables/`` inside).
        target: the ``.xlsx`` path.
        locale: language of sheet names and table titles.
        tables: the tables to include (default: all in ``output_dir``).

    Returns:
        The written path.

    Raises:
        FileNotFoundError: there is no table to put into the workbook.
    """
    infos = list(tables if tables is not None else iter_tables(output_dir))
    if not infos:
        raise FileNotFoundError(f"no tables in {Path(output_dir) / 'tables'}")
    wb = Workbook()
    wb.remove(wb.active)
    by_phase: dict[str, list[TableInfo]] = {}
    for info in infos:
        by_phase.setdefault(info.phase, []).append(info)
    for phase in sorted(by_phase):
        ws = wb.create_sheet(_sheet_title(phase, locale))
        row = 1
        for k, info in enumerate(by_phase[phase]):
            frame = pd.read_csv(info.path)
            row = _write_table(ws, row, info, frame, locale)
            if k == 0:
                ws.freeze_panes = ws.cell(row=3, column=1)
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(target, buf.getvalue())
