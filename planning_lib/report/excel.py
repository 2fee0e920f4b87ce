"""The Excel workbook of a region's plan: one sheet per table, formatted, frozen header.

The workbook is built from the tables the phase notebooks wrote
(``artifacts.iter_tables``), one sheet each, named ``<phase> <title>``, in the order
the notebooks showed them: a bold title, then a shaded header row that stays frozen
while scrolling (Excel freezes one row per sheet, hence a sheet per table). Headers
and code values are the reader's labels (``report.display``); the cells stay numbers
with a number format by unit (``*_eur`` → ``#,##0 "€"``, shares → ``0.0 %``, counts
→ ``#,##0``, months → ``mmm yyyy``); in a tidy table (``unit``, ``kpi`` or
``metric`` column) a row's values get the format of the row's unit.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from numbers import Number
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planning_lib.report.artifacts import TableInfo, atomic_write_bytes, iter_tables
from planning_lib.report.display import (
    ROW_UNIT_COLUMNS,
    column_label,
    display_table,
    display_unit,
    row_units,
)

__all__ = ["FORMATS", "build_workbook", "number_format"]

FORMATS: dict[str, str] = {
    "eur": '#,##0 "€"',
    "share": "0.0 %",
    "count": "#,##0",
    "decimal": "#,##0.00",
    "ratio": '0.0"×"',
    "months": "0.0",
}
MONTH_FORMAT = "mmm yyyy"

_HEADER_FILL = PatternFill("solid", fgColor="DCE6F0")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=12)
_MAX_WIDTH = 60


def number_format(column: str, values: pd.Series, table: str | None = None) -> str | None:
    """The Excel number format for a column, from its unit (None = text)."""
    unit = display_unit(column, values, table)
    return None if unit is None else FORMATS[unit]


def _sheet_title(info: TableInfo, locale: str, taken: set[str]) -> str:
    title = f"{info.phase} {info.title(locale)}"
    title = title.replace(":", "")
    for ch in "[]*?/\\":
        title = title.replace(ch, "-")
    title = title[:31].rstrip()
    base, n = title, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def _cell_value(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_table(ws: Worksheet, info: TableInfo, frame: pd.DataFrame, locale: str) -> None:
    ws.cell(row=1, column=1, value=info.title(locale)).font = _TITLE
    units_by_row = row_units(frame)
    shown = display_table(frame, locale, info.value_labels)
    labels = info.value_labels
    headers = [column_label(str(c), locale, table=info.name, value_labels=labels) for c in shown]
    for j, header in enumerate(headers, start=1):
        cell = ws.cell(row=2, column=j, value=header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    formats = {col: number_format(str(col), shown[col], info.name) for col in shown.columns}
    months = "month" in shown.columns
    if months:
        shown["month"] = pd.to_datetime(shown["month"], errors="coerce").fillna(shown["month"])
    for i, row in enumerate(shown.itertuples(index=False), start=3):
        row_unit = units_by_row[i - 3] if units_by_row is not None else None
        for j, (col, value) in enumerate(zip(shown.columns, row, strict=True), start=1):
            cell = ws.cell(row=i, column=j, value=_cell_value(value))
            if col == "month" and isinstance(value, pd.Timestamp):
                cell.number_format = MONTH_FORMAT
                continue
            fmt = FORMATS[row_unit] if (row_unit and col in ROW_UNIT_COLUMNS) else formats[col]
            if fmt and isinstance(cell.value, Number) and not isinstance(cell.value, bool):
                cell.number_format = fmt
    for j, (header, col) in enumerate(zip(headers, shown.columns, strict=True), start=1):
        width = max([len(header)] + [len(str(v)) for v in shown[col].head(200)])
        ws.column_dimensions[get_column_letter(j)].width = min(width + 3, _MAX_WIDTH)
    ws.freeze_panes = ws.cell(row=3, column=1)


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
        locale: language of sheet names, titles, headers and labelled values.
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
    taken: set[str] = set()
    for info in sorted(infos, key=lambda i: (i.phase, i.position, i.name)):
        ws = wb.create_sheet(_sheet_title(info, locale, taken))
        _write_table(
            ws, info, pd.read_csv(info.path, keep_default_na=False, na_values=[""]), locale
        )
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(target, buf.getvalue())
