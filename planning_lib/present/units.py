"""The unit a figure or a table column is shown in (money, share, count...).

From the KPI catalogue for a KPI's code, from the key figures' units
(:data:`~planning_lib.present.labels.KEY_FIGURE_UNITS`), else from the words of the
name (:func:`~planning_lib.present.labels.column_unit`); a tidy table's rows may carry
their own unit. :mod:`planning_lib.present.tables` (HTML) and
:mod:`planning_lib.run.excel` (Excel) format by these units.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from planning_lib.metrics.kpis import CATALOGUE
from planning_lib.present.formatting import Unit
from planning_lib.present.labels import KEY_FIGURE_UNITS, column_unit

__all__ = [
    "COUNT_TABLES",
    "ROW_UNIT_COLUMNS",
    "UNIT_NAMES",
    "display_unit",
    "name_unit",
    "row_units",
]

ROW_UNIT_COLUMNS: tuple[str, ...] = (
    "value",
    "baseline",
    "target",
    "plan",
    "plan_funnel",
    "actual",
    "variance",
    "gap_planning",
    "gap_execution",
    "landing",
    "gap",
    "actual_to_date",
    "forecast_rest",
    "vs_plan",
    "forecast",
    "plan_cumulative",
    "landing_cumulative",
)
"""Columns whose unit is that of the row (its ``unit``, ``kpi``, ``metric`` or ``figure``)."""

COUNT_TABLES: dict[str, tuple[str, ...]] = {
    "01_forecast": ("mean", "lo_80", "hi_80", "lo_95", "hi_95"),
    "02_gap": ("gap",),
    "04_required_leads": (),
}
"""Tables whose columns hold counts though their names do not say so: the named
columns (all numeric ones for ``()``) are shown as whole numbers."""

UNIT_NAMES: dict[str, Unit] = {
    "EUR": "eur",
    "eur": "eur",
    "count": "count",
    "share": "share",
    "ratio": "ratio",
    "days": "decimal",
}
"""A unit as the KPI catalogue or a tidy table's ``unit`` column names it."""
_EUR_WORDS = frozenset({"eur", "cost", "costs", "cac", "mrr", "arr", "revenue", "price", "clv"})


def name_unit(name: str) -> Unit:
    """The unit of a figure named ``name`` (KPI catalogue, key figures, else its words)."""
    kpi = CATALOGUE.get(name)
    if kpi is not None and kpi.unit in UNIT_NAMES:
        return UNIT_NAMES[kpi.unit]
    if name in KEY_FIGURE_UNITS:
        return KEY_FIGURE_UNITS[name]
    unit = column_unit(name, [0.5])
    if unit in ("share", "ratio", "eur", "months"):
        return unit
    return "eur" if set(name.lower().split("_")) & _EUR_WORDS else "count"


def display_unit(name: str, values: Any, table: str | None = None) -> Unit | None:
    """The unit of a column: from its name, or the KPI catalogue for a KPI's code.

    In a table of :data:`COUNT_TABLES` its count columns are counts (whole numbers).
    """
    unit = column_unit(name, values)
    counts = COUNT_TABLES.get(table or "")
    if unit == "decimal" and counts is not None and (not counts or name in counts):
        return "count"
    kpi = CATALOGUE.get(name)
    if unit is not None and kpi is not None and kpi.unit in UNIT_NAMES:
        return UNIT_NAMES[kpi.unit]
    return unit


def row_units(frame: pd.DataFrame) -> list[Unit | None] | None:
    """The unit of each row of a tidy table, from its ``unit`` or its figure's name.

    Returns None when the rows carry no unit (the columns' names state it).
    """
    if "unit" in frame.columns:
        return [UNIT_NAMES.get(str(u)) for u in frame["unit"]]
    for key in ("kpi", "metric", "figure"):
        if key in frame.columns:
            return [name_unit(str(v)) for v in frame[key]]
    return None
