"""Tables for readers: code names and values shown with their labels, numbers by unit.

The tables the notebooks write keep their code names (``revenue_yoy``, ``inbound``):
later phases and tests read them. What a reader sees is made here, in one place, for
the HTML report (:func:`display_frame`, numbers as locale text) and the Excel
workbook (:func:`display_table` plus ``column_label``, numbers stay numbers):

* column headers and code values in known columns (``channel``, ``stage``,
  ``transition``, ``status``...) by their labels
  (:mod:`planning_lib.present.value_labels`); channels by the config's labels passed as
  ``value_labels``;
* numbers formatted by the unit their column name (or the row's ``unit``/KPI) states
  (:mod:`planning_lib.present.units`), with the one formatter of
  :mod:`planning_lib.present.formatting`; months as ``Jan. 2026``;
* columns in the other language (``label_en`` in a German report) left out.
"""

from __future__ import annotations

import re
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.analysis.findings import MIN_OBSERVATIONS
from planning_lib.present.formatting import format_day, format_month, format_value
from planning_lib.present.labels import text
from planning_lib.present.units import ROW_UNIT_COLUMNS, display_unit, row_units
from planning_lib.present.value_labels import ValueLabels, column_label, value_label

__all__ = [
    "SAMPLE_SIZE_COLUMNS",
    "display_frame",
    "display_html",
    "display_table",
    "sample_caveats",
    "text_value",
]

SAMPLE_SIZE_COLUMNS: dict[str, str] = {
    "01_conversion": "entered",
    "01_deal_metrics": "closed_deals",
    "03_segments": "customers",
}
"""Tables of rates and segments, and the column counting the observations of a row."""

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_COLUMNS = frozenset({"deadline", "date", "as_of"})
_MONTH_LIST = re.compile(r"^\d{4}-\d{2}(, \d{4}-\d{2})*$")


def _other_language(columns: list[str], locale: str) -> set[str]:
    """Columns in the language the report is not in (``label_en`` in German)."""
    cols = set(columns)
    if locale == "en":
        drop = {c for c in cols if c.endswith("_de")}
        drop |= {c.removesuffix("_en") for c in cols if c.endswith("_en")} & cols
        return drop
    return {c for c in cols if c.endswith("_en")}


def sample_caveats(frame: pd.DataFrame, table: str | None, locale: str = "de") -> list[str] | None:
    """A caveat per row of a table of rates or segments whose row rests on fewer than
    :data:`~planning_lib.analysis.findings.MIN_OBSERVATIONS` observations (``""`` for the
    others; a row of none, e.g. a funnel stage no lead reached, is not measurable);
    None when no row does or the table counts no observations."""
    column = SAMPLE_SIZE_COLUMNS.get(table or "")
    if column is None or column not in frame.columns:
        return None
    counts = pd.to_numeric(frame[column], errors="coerce")
    few = counts < MIN_OBSERVATIONS
    if not few.any():
        return None
    return [
        (text("caveat.none", locale) if n == 0 else text("caveat.few", locale, n=int(n)))
        if f
        else ""
        for n, f in zip(counts, few, strict=True)
    ]


def display_table(
    frame: pd.DataFrame,
    locale: str = "de",
    value_labels: ValueLabels | None = None,
    table: str | None = None,
) -> pd.DataFrame:
    """``frame`` with code values shown by their labels; names and numbers unchanged.

    Columns in the other language are left out; a column in the report's language
    (``label_de`` in German, ``description_en`` in English) is shown under its base
    name (``label``, ``description``). In a table of rates or segments
    (:data:`SAMPLE_SIZE_COLUMNS`, by ``table``) a ``caveat`` column marks the rows
    resting on fewer than 30 observations.
    """
    drop = _other_language([str(c) for c in frame.columns], locale)
    if "code" in frame.columns and "metric" in frame.columns:
        drop.add("code")  # a target's config id; its metric names it for readers
    if "component" in frame.columns and {"label_de", "label_en"} <= set(frame.columns):
        drop.add("component")  # the MRR bridge's step code; its label names it for readers
    out = frame.drop(columns=[c for c in frame.columns if str(c) in drop])
    suffix = "_en" if locale == "en" else "_de"
    present = {str(c) for c in out.columns}
    out = out.rename(
        columns={
            c: str(c).removesuffix(suffix)
            for c in out.columns
            if str(c).endswith(suffix) and str(c).removesuffix(suffix) not in present
        }
    )
    out.columns.name = None  # a pivot's leftover axis name is no column
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            out[col] = [value_label(str(col), v, locale, value_labels) for v in series]
    caveats = sample_caveats(frame, table, locale)
    if caveats is not None and "caveat" not in out.columns:
        out["caveat"] = caveats
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool | np.bool_)


def _month_text(value: Any, locale: str) -> Any:
    try:
        return format_month(value, locale)
    except (ValueError, TypeError):
        return value


def _day_text(value: Any, locale: str) -> Any:
    """``2026-12-31`` as ``31.12.2026`` (``31 Dec 2026``); other values as they are."""
    if isinstance(value, str) and _DAY.match(value):
        return format_day(value, locale)
    return value


def _months_text(value: Any, locale: str) -> Any:
    """``2026-02, 2026-03`` as ``Feb. 2026, März 2026``; other values as they are."""
    if isinstance(value, str) and _MONTH_LIST.match(value):
        return ", ".join(_month_text(m, locale) for m in value.split(", "))
    return value


def _period_text(value: Any, locale: str) -> Any:
    """``2026-01..2026-06`` as ``Jan. 2026 – Juni 2026``; other values as they are."""
    if isinstance(value, str) and ".." in value:
        start, end = value.split("..", 1)
        return f"{_month_text(start, locale)} – {_month_text(end, locale)}"
    return value


def text_value(column: str, value: Any, locale: str = "de") -> Any:
    """A text cell as a reader sees it: periods, month lists and days in words
    (``2026-01..2026-06`` → ``Jan. 2026 – Juni 2026``); other values unchanged."""
    if not isinstance(value, str):
        return value
    if column == "period":
        return _period_text(value, locale)
    if column == "months":
        return _months_text(value, locale)
    if column in _DAY_COLUMNS or column.endswith("_date"):
        return _day_text(value, locale)
    return value


def display_frame(
    frame: pd.DataFrame,
    locale: str = "de",
    *,
    table: str | None = None,
    value_labels: ValueLabels | None = None,
) -> pd.DataFrame:
    """The table as a reader sees it: labelled headers and values, numbers as text.

    Args:
        frame: a table with code names (as written for later phases).
        locale: ``de`` (default) or ``en``.
        table: the table's name (``08_regions``) for labels that depend on it.
        value_labels: extra code labels (the config's channels).

    Returns:
        A new frame of text cells; ``frame`` is not changed.
    """
    units_by_row = row_units(frame)
    out = display_table(frame, locale, value_labels, table)
    for col in out.columns:
        name = str(col)
        if name == "month":
            out[col] = [_month_text(v, locale) for v in out[col]]
            continue
        if name == "period":
            out[col] = [_period_text(v, locale) for v in out[col]]
            continue
        if name == "months":
            out[col] = [_months_text(v, locale) for v in out[col]]
            continue
        if units_by_row is not None and name in ROW_UNIT_COLUMNS:
            out[col] = [
                format_value(v, u, locale) if u and _is_number(v) else v
                for v, u in zip(out[col], units_by_row, strict=True)
            ]
            continue
        if name in _DAY_COLUMNS or name.endswith("_date"):
            out[col] = [_day_text(v, locale) for v in out[col]]
            continue
        unit = display_unit(name, out[col], table)
        if unit is not None:
            out[col] = [format_value(v, unit, locale) for v in out[col]]
    return out.rename(
        columns={
            c: column_label(str(c), locale, table=table, value_labels=value_labels)
            for c in out.columns
        }
    )


def display_html(
    frame: pd.DataFrame,
    locale: str = "de",
    *,
    table: str | None = None,
    value_labels: ValueLabels | None = None,
) -> str:
    """The table as HTML for the report: :func:`display_frame`, text columns left-aligned.

    Numbers stay right-aligned (the notebook's style) and never wrap, nor do months;
    the columns that held text before formatting (names, sentences, codes) are set
    left, by a style scoped to this table.
    """
    base = display_table(frame, locale, value_labels, table)
    shown = display_frame(frame, locale, table=table, value_labels=value_labels)
    left, keep = [], []
    for i, c in enumerate(base.columns, start=1):
        text_column = pd.api.types.is_bool_dtype(base[c]) or not pd.api.types.is_numeric_dtype(
            base[c]
        )
        (left if text_column else keep).append(i)
        if str(c) in ("month", "period"):
            keep.append(i)
    scope = "report-" + "".join(ch if ch.isalnum() else "-" for ch in (table or "table"))
    body = shown.to_html(index=False, na_rep="–", classes=f"report-table {scope}")

    def cells(columns: list[int]) -> str:
        return ",".join(f"table.{scope} td:nth-child({i})" for i in columns)

    rules = []
    if left:
        heads = ",".join(f"table.{scope} th:nth-child({i})" for i in left)
        rules.append(f"{cells(left)},{heads}{{text-align:left}}")
    if keep:
        rules.append(f"{cells(keep)}{{white-space:nowrap}}")
    return f"<style>{''.join(rules)}</style>\n{body}" if rules else body
