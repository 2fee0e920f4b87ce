"""Tables for readers: code names and values shown with their labels, numbers by unit.

The tables the notebooks write keep their code names (``revenue_yoy``, ``inbound``):
later phases and tests read them. What a reader sees is made here, in one place, for
the HTML report (:func:`display_frame`, numbers as locale text) and the Excel
workbook (:func:`display_table` plus :func:`column_label`, numbers stay numbers):

* column headers from the ``col.`` labels (``col.<table>.<name>`` first, for a column
  whose meaning depends on the table), else the KPI catalogue, else the value labels;
* code values in known columns (``channel``, ``stage``, ``transition``, ``status``...)
  from their labels; channels by the config's labels passed as ``value_labels``;
* numbers formatted by the unit their column name (or the row's ``unit``/KPI) states,
  with the one formatter of :mod:`planning_lib.present.formatting`; months as ``Jan. 2026``;
* columns in the other language (``label_en`` in a German report) left out.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.core.text_store import LABELS
from planning_lib.present.formatting import Unit, format_day, format_month, format_value
from planning_lib.present.labels import KEY_FIGURE_UNITS, column_unit, text

__all__ = [
    "COUNT_TABLES",
    "MIN_OBSERVATIONS",
    "ROW_UNIT_COLUMNS",
    "SAMPLE_SIZE_COLUMNS",
    "VALUE_KINDS",
    "ValueLabels",
    "column_label",
    "config_value_labels",
    "display_frame",
    "display_html",
    "display_table",
    "display_unit",
    "has_column_label",
    "name_unit",
    "row_units",
    "sample_caveats",
    "text_value",
    "value_label",
]

ValueLabels = Mapping[str, tuple[str, str]]
"""Extra value labels, code → (German, English): the config's channel labels."""

VALUE_KINDS: dict[str, tuple[str, ...]] = {
    "channel": ("value", "segment"),
    "key": ("segment", "value"),
    "member": ("segment", "dim", "value"),
    "segment": ("segment",),
    "stage": ("stage",),
    "category": ("cat",),
    "severity": ("severity",),
    "unit": ("unit",),
    "quadrant": ("swot",),
    "method": ("clv",),
    "link": ("dim",),
    "dimension": ("dim",),
    "region": ("value",),
    "kpi": ("kpi",),
    "metric": ("kpi",),
    "figure": ("kpi",),
    "measure": ("kpi",),
    "status": ("status",),
    "status_execution": ("status",),
    "transition": ("transition",),
    "team": ("team",),
    "role": ("role",),
    "owns": ("value",),
    "rule": ("rule",),
    "segments": ("segment",),
    "channels": ("value",),
    "code": ("finding",),
    "line_item": ("line",),
}
"""Columns holding codes, and the label prefixes their values are looked up under."""

LIST_COLUMNS = frozenset({"segments", "channels", "owns"})
"""Columns holding several codes joined by :data:`LIST_SEPARATOR` (``small; mid``)."""
LIST_SEPARATOR = "; "

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

MIN_OBSERVATIONS = 30
"""A rate or segment resting on fewer observations gets a caveat for readers."""

SAMPLE_SIZE_COLUMNS: dict[str, str] = {
    "01_conversion": "entered",
    "01_deal_metrics": "closed_deals",
    "03_segments": "customers",
}
"""Tables of rates and segments, and the column counting the observations of a row."""

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_COLUMNS = frozenset({"deadline", "date", "as_of"})
_MONTH_LIST = re.compile(r"^\d{4}-\d{2}(, \d{4}-\d{2})*$")
_UNIT_NAMES: dict[str, Unit] = {
    "EUR": "eur",
    "eur": "eur",
    "count": "count",
    "share": "share",
    "ratio": "ratio",
    "days": "decimal",
}
_EUR_WORDS = frozenset({"eur", "cost", "costs", "cac", "mrr", "arr", "revenue", "price", "clv"})


@functools.cache
def _kpi_catalogue() -> dict[str, Any]:
    from planning_lib.metrics.kpis import CATALOGUE

    return dict(CATALOGUE)


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "en" else pair[0]


def _lookup(code: str, prefixes: tuple[str, ...], locale: str) -> str | None:
    for prefix in prefixes:
        if prefix == "kpi":
            kpi = _kpi_catalogue().get(code)
            if kpi is not None:
                return kpi.label(locale)
            for p in ("kf", "col"):
                if f"{p}.{code}" in LABELS:
                    return _pick(LABELS[f"{p}.{code}"], locale)
        elif prefix == "status":
            if f"pva.status.{code}" in LABELS:
                return _pick(LABELS[f"pva.status.{code}"], locale)
        elif prefix == "line":
            from planning_lib.present.workbook import line_item_label

            return line_item_label(code, "", locale)
        elif prefix == "transition":
            if "_to_" in code:
                a, b = code.split("_to_", 1)
                la = _lookup(a, ("stage",), locale) or a
                lb = _lookup(b, ("stage",), locale) or b
                return f"{la} → {lb}"
        elif f"{prefix}.{code}" in LABELS:
            return _pick(LABELS[f"{prefix}.{code}"], locale)
    return None


_COMPARISONS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _rule_label(rule: Any, locale: str) -> str:
    """``Konversion SQL→Demo < 20,0 %``; ``Neukunden unter 80,0 % des Plans (3 Monate)``."""
    from planning_lib.present.formatting import format_percent

    metric = _lookup(rule.metric, ("kpi",), locale) or rule.metric
    if rule.comparison in ("below_plan", "above_plan"):
        share = format_percent(rule.threshold, locale)
        if locale == "en":
            side = "below" if rule.comparison == "below_plan" else "above"
            text = f"{metric} {side} {share} of plan"
        else:
            side = "unter" if rule.comparison == "below_plan" else "über"
            text = f"{metric} {side} {share} des Plans"
    else:
        unit = name_unit(rule.metric)
        text = (
            f"{metric} {_COMPARISONS[rule.comparison]} {format_value(rule.threshold, unit, locale)}"
        )
    if rule.window_months > 1:
        months = "months" if locale == "en" else "Monate"
        text += f" ({rule.window_months} {months})"
    return text


def config_value_labels(params: Any) -> dict[str, tuple[str, str]]:
    """Labels of the config's codes shown in tables, code → (de, en): channels, roles,
    teams (``Team Inbound-Marketing``, from the channels they own) and rules (their
    condition in words)."""
    labels = {code: (ch.label_de, ch.label_en) for code, ch in params.channels.items()}
    labels.update({c: (r.label_de, r.label_en) for c, r in params.organisation.roles.items()})
    for team, owned in params.organisation.structure.items():
        de = ", ".join(labels.get(o, (o, o))[0] for o in owned)
        en = ", ".join(labels.get(o, (o, o))[1] for o in owned)
        labels.setdefault(team, (f"Team {de}" if de else team, f"Team {en}" if en else team))
    for rule in params.rules:
        labels.setdefault(rule.code, (_rule_label(rule, "de"), _rule_label(rule, "en")))
    return labels


def value_label(
    column: str, value: Any, locale: str = "de", value_labels: ValueLabels | None = None
) -> Any:
    """The label of the code ``value`` in ``column`` (the value itself when it has none).

    Booleans become ``ja``/``nein`` (``yes``/``no``) in any column.
    """
    if isinstance(value, bool | np.bool_):
        return _pick(LABELS[f"value.{str(bool(value)).lower()}"], locale)
    if not isinstance(value, str) or column not in VALUE_KINDS:
        return value
    if column in LIST_COLUMNS and LIST_SEPARATOR in value:
        return LIST_SEPARATOR.join(
            str(value_label(column, part, locale, value_labels))
            for part in value.split(LIST_SEPARATOR)
        )
    if value_labels and value in value_labels:
        return _pick(value_labels[value], locale)
    found = _lookup(value, VALUE_KINDS[column], locale)
    return value if found is None else found


def _column_label(
    name: str, locale: str, table: str | None, value_labels: ValueLabels | None
) -> str | None:
    for key in (f"col.{table}.{name}" if table else None, f"col.{name}"):
        if key and key in LABELS:
            return _pick(LABELS[key], locale)
    kpi = _kpi_catalogue().get(name)
    if kpi is not None:
        return kpi.label(locale)
    code = name.removesuffix("_eur")
    if value_labels and code in value_labels:
        return _pick(value_labels[code], locale)
    return _lookup(code, ("cat", "segment", "value"), locale)


def column_label(
    name: str,
    locale: str = "de",
    *,
    table: str | None = None,
    value_labels: ValueLabels | None = None,
) -> str:
    """The header of column ``name`` for readers (``name`` itself when it has no label)."""
    found = _column_label(name, locale, table, value_labels)
    return name if found is None else found


def has_column_label(
    name: str, *, table: str | None = None, value_labels: ValueLabels | None = None
) -> bool:
    """Whether column ``name`` has a label (a test keeps every shown column labelled)."""
    return _column_label(name, "de", table, value_labels) is not None


def name_unit(name: str) -> Unit:
    """The unit of a figure named ``name`` (KPI catalogue, key figures, else its words)."""
    kpi = _kpi_catalogue().get(name)
    if kpi is not None and kpi.unit in _UNIT_NAMES:
        return _UNIT_NAMES[kpi.unit]
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
    kpi = _kpi_catalogue().get(name)
    if unit is not None and kpi is not None and kpi.unit in _UNIT_NAMES:
        return _UNIT_NAMES[kpi.unit]
    return unit


def row_units(frame: pd.DataFrame) -> list[Unit | None] | None:
    """The unit of each row of a tidy table, from its ``unit`` or its figure's name.

    Returns None when the rows carry no unit (the columns' names state it).
    """
    if "unit" in frame.columns:
        return [_UNIT_NAMES.get(str(u)) for u in frame["unit"]]
    for key in ("kpi", "metric", "figure"):
        if key in frame.columns:
            return [name_unit(str(v)) for v in frame[key]]
    return None


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
    :data:`MIN_OBSERVATIONS` observations (``""`` for the others); None when no row does
    or the table counts no observations."""
    column = SAMPLE_SIZE_COLUMNS.get(table or "")
    if column is None or column not in frame.columns:
        return None
    counts = pd.to_numeric(frame[column], errors="coerce")
    few = counts < MIN_OBSERVATIONS
    if not few.any():
        return None
    return [
        text("caveat.few", locale, n=int(n)) if f else "" for n, f in zip(counts, few, strict=True)
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
