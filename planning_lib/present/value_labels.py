"""What a reader sees for a code: value labels, column headers and plan line item names.

The tables keep their code names (``inbound``, ``sql_to_demo``, ``customers_new``); a
reader sees the labels looked up here in the text store: a code value by its column's
label prefixes (:data:`VALUE_KINDS`: ``stage.``, ``cat.``, ``segment.``...), a column
header from ``col.<table>.<name>``, ``col.<name>``, the KPI catalogue or the value
labels, a plan line item from ``line.<code>``. The config's own codes (channels, roles,
teams, rules) are labelled by :func:`config_value_labels`, passed on as ``value_labels``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from planning_lib.core.text_store import LABELS
from planning_lib.metrics.kpis import CATALOGUE
from planning_lib.present.formatting import format_percent, format_value
from planning_lib.present.labels import forecast_model_label
from planning_lib.present.labels import text as label_text
from planning_lib.present.units import name_unit

__all__ = [
    "LIST_COLUMNS",
    "LIST_SEPARATOR",
    "TOTAL_COLUMNS",
    "VALUE_KINDS",
    "ValueLabels",
    "column_label",
    "config_value_labels",
    "has_column_label",
    "line_item_label",
    "scenario_label",
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
    "basis": ("value",),
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

TOTAL_COLUMNS = frozenset({"region", "product", "owner"})
"""Columns whose total row ``all`` reads ``total.<column>`` (``Alle Regionen``), not the
channel total ``value.all`` (``Alle Kanäle``)."""

LIST_COLUMNS = frozenset({"segments", "channels", "owns"})
"""Columns holding several codes joined by :data:`LIST_SEPARATOR` (``small; mid``)."""
LIST_SEPARATOR = "; "


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[1] if locale == "en" else pair[0]


def _lookup(code: str, prefixes: tuple[str, ...], locale: str) -> str | None:
    for prefix in prefixes:
        if prefix == "kpi":
            kpi = CATALOGUE.get(code)
            if kpi is not None:
                return kpi.label(locale)
            for p in ("kf", "col"):
                if f"{p}.{code}" in LABELS:
                    return _pick(LABELS[f"{p}.{code}"], locale)
        elif prefix == "status":
            if f"pva.status.{code}" in LABELS:
                return _pick(LABELS[f"pva.status.{code}"], locale)
        elif prefix == "line":
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
    metric = _lookup(rule.metric, ("kpi",), locale) or rule.metric
    if rule.comparison in ("below_plan", "above_plan"):
        share = format_percent(rule.threshold, locale)
        text = label_text(f"rule.{rule.comparison}", locale, metric=metric, share=share)
    else:
        unit = name_unit(rule.metric)
        text = (
            f"{metric} {_COMPARISONS[rule.comparison]} {format_value(rule.threshold, unit, locale)}"
        )
    if rule.window_months > 1:
        text = label_text("rule.window", locale, text=text, months=rule.window_months)
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


def scenario_label(name: str, locale: str = "de") -> str:
    """The reader's name of a scenario (text store ``scenario.<name>``): ``base`` →
    ``Realistisch (Basis)``, ``best``, ``worst``, the cockpit's ``custom``; the one name
    the cockpit, the reports and the workbook show. A config's own scenario keeps its name."""
    key = f"scenario.{name}"
    return _pick(LABELS[key], locale) if key in LABELS else name


def value_label(
    column: str, value: Any, locale: str = "de", value_labels: ValueLabels | None = None
) -> Any:
    """The label of the code ``value`` in ``column`` (the value itself when it has none).

    Booleans become ``ja``/``nein`` (``yes``/``no``) in any column.
    """
    if isinstance(value, bool | np.bool_):
        return _pick(LABELS[f"value.{str(bool(value)).lower()}"], locale)
    if value == "all" and column in TOTAL_COLUMNS:
        return _pick(LABELS[f"total.{column}"], locale)
    if column == "model" and isinstance(value, str):  # a forecast's model code
        return forecast_model_label(value, locale)
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
    kpi = CATALOGUE.get(name)
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


_ROLE_SUFFIX = re.compile(r"^(?P<base>[a-z_]+)\.(?P<part>[a-z_]+)$")


def line_item_label(
    code: str,
    channel: str = "",
    locale: str = "de",
    value_labels: Mapping[str, tuple[str, str]] | None = None,
) -> str | None:
    """The reader's name of a plan line item (``customers_new`` + ``inbound`` →
    ``Neukunden – Inbound-Marketing``); None when the line item has no label."""
    part = ""
    m = _ROLE_SUFFIX.match(code)
    if m:
        code, part = m["base"], m["part"]
    key = f"line.{code}"
    if key not in LABELS:
        return None
    label = _pick(LABELS[key], locale)
    for extra in (part, channel):
        if not extra:
            continue
        if value_labels and extra in value_labels:
            label += " – " + _pick(value_labels[extra], locale)
        elif f"role.{extra}" in LABELS:
            label += " – " + _pick(LABELS[f"role.{extra}"], locale)
        elif f"value.{extra}" in LABELS:
            label += " – " + _pick(LABELS[f"value.{extra}"], locale)
        else:
            label += f" – {extra}"
    return label
