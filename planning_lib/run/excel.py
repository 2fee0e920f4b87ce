"""The Excel workbook of a region's plan, laid out for printing (``planning batch``).

The workbook is built from the tables the phase notebooks wrote
(``artifacts.iter_tables``) and their key figures:

* ``Übersicht``: company, region, plan version and date, the key figures and the
  findings of the analysis and the plan;
* ``Monatsplan``: the monthly plan as line items (German names) × months;
* one sheet per phase, named in full (``Ist-Analyse und Prognose``), its tables
  stacked in the order the notebook showed them, each with its title and a shaded
  header row.

Headers and code values are the reader's labels (``report.display``); the cells stay
numbers with a number format by unit (``*_eur`` → ``#,##0 "€"``, shares → ``0.0 %``,
counts → ``#,##0``, months → ``mmm yyyy``), stored rounded to their unit's precision
(money to the cent, counts whole: ``present/workbook.stored_value``); in a tidy table
(``unit``, ``kpi`` or ``metric`` column) a row's values get the format of the row's unit.
Page layout, sheet names and formula-safe text: :mod:`planning_lib.present.workbook`.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from planning_lib.core.text_store import LABELS
from planning_lib.present.labels import KEY_FIGURE_UNITS
from planning_lib.present.plan_sheets import cover_blocks, monthly_plan_block
from planning_lib.present.tables import display_table, text_value
from planning_lib.present.units import ROW_UNIT_COLUMNS, display_unit, name_unit, row_units
from planning_lib.present.value_labels import column_label, value_label
from planning_lib.present.workbook import (
    FORMATS,
    MONTH_FORMAT,
    MONTH_FORMAT_EN,
    PLAIN_FORMAT,
    TEXT_FORMAT,
    Block,
    WorkbookMeta,
    add_sheet,
    new_workbook,
    page_budget,
    stored_value,
)
from planning_lib.run.artifacts import TableInfo, atomic_write_bytes, iter_tables, read_key_figures
from planning_lib.run.catalog import FINDINGS_TABLE, PLAN_MONTHLY_TABLE

__all__ = [
    "FORMATS",
    "MAX_PRINT_PAGES",
    "build_workbook",
    "findings_rows",
    "key_figure_rows",
    "number_format",
    "table_block",
]

MAX_PRINT_PAGES = 15
"""A region's workbook prints on at most this many pages."""
_MONTHLY_PLAN = f"_{PLAN_MONTHLY_TABLE}"
_FINDINGS = f"_{FINDINGS_TABLE}"
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2, "": 3}


def number_format(column: str, values: pd.Series, table: str | None = None) -> str | None:
    """The Excel number format for a column, from its unit (None = text)."""
    unit = display_unit(column, values, table)
    return None if unit is None else FORMATS[unit]


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "en" else pair[0]


def table_block(info: TableInfo, frame: pd.DataFrame, locale: str = "de") -> Block:
    """A written table as a block: labelled headers and values, formats by unit."""
    units_by_row = row_units(frame)
    labels = info.value_labels
    shown = display_table(frame, locale, labels, info.name)
    headers = [column_label(str(c), locale, table=info.name, value_labels=labels) for c in shown]
    formats = {col: number_format(str(col), shown[col], info.name) for col in shown.columns}
    if "month" in shown.columns:
        shown["month"] = pd.to_datetime(shown["month"], errors="coerce").fillna(shown["month"])
    rows = []
    for i, values in enumerate(shown.itertuples(index=False)):
        row_unit = units_by_row[i] if units_by_row is not None else None
        cells = []
        for col, value in zip(shown.columns, values, strict=True):
            if col == "month" and isinstance(value, pd.Timestamp):
                cells.append((value, MONTH_FORMAT_EN if locale == "en" else MONTH_FORMAT))
                continue
            if row_unit and col in ROW_UNIT_COLUMNS:
                fmt = FORMATS[row_unit]
            elif formats[col]:
                fmt = formats[col]
            else:
                fmt = PLAIN_FORMAT if isinstance(value, int | float) else TEXT_FORMAT
            cells.append((stored_value(text_value(str(col), value, locale), fmt), fmt))
        rows.append(cells)
    wrap = frozenset(
        j
        for j, col in enumerate(shown.columns)
        if str(col) in ("text", "description", "action", "caveat")
    )
    return Block(info.title(locale), headers, rows, wrap)


def key_figure_rows(figures: Mapping[str, Any], locale: str = "de") -> list[tuple[str, Any, str]]:
    """(label, value, unit) of the key figures that have a label, in the label order."""
    rows = []
    for name, value in figures.items():
        key = f"kf.{name}"
        if key not in LABELS or not isinstance(value, int | float):
            continue
        unit = KEY_FIGURE_UNITS.get(name) or name_unit(name)
        rows.append((_pick(LABELS[key], locale), value, unit))
    return rows


def findings_rows(frame: pd.DataFrame, locale: str = "de") -> list[tuple[str, str, str, int]]:
    """(severity label, topic label, sentence, severity rank) of a findings table."""
    out = []
    for rec in frame.to_dict("records"):
        severity = str(rec.get("severity") or "")
        if severity != severity or severity == "nan":
            severity = ""
        code = str(rec.get("code", ""))
        out.append(
            (
                value_label("severity", severity, locale) if severity else "",
                str(value_label("code", code, locale)),
                str(rec.get("text", "")),
                _SEVERITY_ORDER.get(severity, 3),
            )
        )
    return out


def build_workbook(
    output_dir: str | Path,
    target: str | Path,
    *,
    locale: str = "de",
    tables: Iterable[TableInfo] | None = None,
    meta: WorkbookMeta | None = None,
) -> Path:
    """Write the printable workbook of the tables in ``output_dir`` to ``target`` (atomically).

    Args:
        output_dir: a region's output folder (``tables/`` and ``key_figures/`` inside).
        target: the ``.xlsx`` path.
        locale: language of sheet names, titles, headers and labelled values.
        tables: the tables to include (default: all in ``output_dir``).
        meta: company, region, plan version and date for the cover and page headers
            (default: the folder's name as region, today's date).

    Returns:
        The written path.

    Raises:
        FileNotFoundError: there is no table to put into the workbook.
    """
    infos = list(tables if tables is not None else iter_tables(output_dir))
    if not infos:
        raise FileNotFoundError(f"no tables in {Path(output_dir) / 'tables'}")
    meta = meta or WorkbookMeta(region=Path(output_dir).name, locale=locale)
    infos.sort(key=lambda i: (i.phase, i.position, i.name))
    frames = {i.name: pd.read_csv(i.path, keep_default_na=False, na_values=[""]) for i in infos}
    config_labels: dict[str, tuple[str, str]] = {}  # the config's channel labels, any sidecar
    for info in infos:
        config_labels.update(info.value_labels)

    findings = []
    for info in infos:
        if info.name.endswith(_FINDINGS):
            findings += findings_rows(frames[info.name], locale)
    findings.sort(key=lambda f: f[3])
    figures = key_figure_rows(read_key_figures(output_dir), locale)

    wb = new_workbook()
    taken: set[str] = set()
    overview = meta.t("workbook.overview")
    add_sheet(
        wb,
        overview,
        f"{meta.t('workbook.sales_plan')} {meta.region}".strip(),
        cover_blocks(meta, figures, [f[:3] for f in findings]),
        meta,
        taken,
    )
    for info in infos:
        if info.name.endswith(_MONTHLY_PLAN):
            title = meta.t("workbook.monthly_plan")
            block = monthly_plan_block(frames[info.name], info.title(locale), locale, config_labels)
            add_sheet(
                wb, title, f"{title} {meta.region}", [block], meta, taken,
                repeat_header=True, freeze_first_column=True,
            )  # fmt: skip
    by_phase: dict[str, list[Block]] = {}
    for info in infos:
        if info.name.endswith((_MONTHLY_PLAN, _FINDINGS)):
            continue
        by_phase.setdefault(info.phase, []).append(table_block(info, frames[info.name], locale))
    for phase, blocks in by_phase.items():
        key = f"phase.{phase}"
        title = _pick(LABELS[key], locale) if key in LABELS else phase
        add_sheet(wb, title, f"{title}: {meta.region}", blocks, meta, taken)
    page_budget(wb, MAX_PRINT_PAGES)
    buf = io.BytesIO()
    wb.save(buf)
    return atomic_write_bytes(target, buf.getvalue())
