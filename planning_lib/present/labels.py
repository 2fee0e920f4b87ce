"""German and English UI strings of the notebooks and reports, looked up in the text store.

The texts themselves are data (``planning_lib/core/texts/*.yaml``, read once by
:mod:`planning_lib.core.text_store`). Notebooks never hard-code narrative: they call
``text(key, locale, **numbers)`` so the ``locale`` parameter switches a whole report
between German (default) and English, and a sentence that states a number gets it
filled in from the computed result. Key figures (``kf.*``) also carry their unit
(:data:`KEY_FIGURE_UNITS`), so the run index and Excel format them the same way. Table
columns (``col.<name>``, or ``col.<table>.<name>`` where the meaning depends on the
table) and code values (``stage.``, ``cat.``, ``segment.``, ``value.``...) are in the
store too; :mod:`planning_lib.present.tables` applies them to every table a reader
sees, while the written tables keep their code names.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from planning_lib.core.text_store import LABELS
from planning_lib.present.formatting import Unit, format_day, format_value

__all__ = [
    "KEY_FIGURE_UNITS",
    "column_unit",
    "forecast_model_label",
    "format_figure",
    "partial_month_line",
    "text",
    "warm_up_line",
]

KEY_FIGURE_UNITS: dict[str, Unit] = {
    "customers_start": "count",
    "customers_end": "count",
    "new_customers": "count",
    "churned_customers": "count",
    "mrr_start": "eur",
    "mrr_end": "eur",
    "arr_end": "eur",
    "bookings_total": "eur",
    "bookings_new_total": "eur",
    "bookings_repeat_total": "eur",
    "repeat_purchases_total": "count",
    "deal_size_avg": "eur",
    "budget_total": "eur",
    "cac_fully_loaded": "eur",
    "clv": "eur",
    "ltv_to_cac": "ratio",
    "cash_low_point": "eur",
    "history_customers": "count",
    "history_mrr": "eur",
    "history_new_customers_last_year": "count",
    "history_bookings_last_year": "eur",
    "history_won_deals_last_year": "count",
    "history_bookings_last_12_months": "eur",
    "history_won_deals_last_12_months": "count",
    "forecast_won_deals": "count",
    "regions": "count",
    "forecast_new_customers": "count",
    "landing_new_customers": "count",
}


def text(key: str, locale: str = "de", **values: Any) -> str:
    """The label ``key`` in ``locale`` ('de' default, 'en'), with ``values`` filled in.

    Raises:
        KeyError: the label is not defined (the message names the closest keys).
    """
    try:
        de, en = LABELS[key]
    except KeyError:
        prefix = key.split(".")[0]
        near = [k for k in LABELS if k.startswith(prefix + ".")][:8]
        raise KeyError(f"no label {key!r} (labels with that prefix: {near})") from None
    template = en if locale == "en" else de
    template = _PLURAL.sub(lambda m: m[2] if _is_one(values.get(m[1])) else m[3], template)
    return template.format(**values) if values else template


_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")
"""``{n|Regel ist|Regeln sind}``: the first form when ``n`` is one, else the second."""


def _is_one(value: Any) -> bool:
    """Whether a count (a number, or its formatted text such as ``"1"``) is exactly one."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return value == 1
    return str(value).strip() == "1"


def format_figure(name: str, value: Any, locale: str = "de") -> str:
    """Format the key figure ``name`` with its unit from :data:`KEY_FIGURE_UNITS`."""
    return format_value(value, KEY_FIGURE_UNITS.get(name, "count"), locale)


_SHARE_WORDS = frozenset(
    {
        "share",
        "rate",
        "conversion",
        "pct",
        "probability",
        "retention",
        "margin",
        "yoy",
        "churn",
        "coverage",
        "attainment",
        "growth",
    }
)
"""Words of a column name (split at ``_``) that make it a share 0..1 (shown as percent)."""
_PLAIN_COLUMNS = frozenset({"year", "rank", "age"})
"""Numeric columns shown as they are (no grouping: 2026, not 2.026)."""

_COUNT_COLUMNS = frozenset(
    {
        "leads",
        "mql",
        "sql",
        "demos",
        "won",
        "leads_planned",
        "leads_required",
        "mql_planned",
        "mql_required",
        "sql_planned",
        "sql_required",
        "demos_planned",
        "demos_required",
        "new_customers",
        "customers_start",
        "customers_end",
        "churned_customers",
        "top_down",
        "bottom_up",
        "plan_volume",
        "actual_volume",
    }
)
"""Columns of counts (leads, customers, ...) whose plan values are fractional expected
values: shown rounded to whole numbers (the CSV keeps them as they are)."""


def column_unit(name: str, values: Any) -> Unit | None:
    """The unit of a table column, read from its name (``*_eur``, ``*_rate``...) and values.

    Returns None for a column that is not numeric (text, dates) or one shown as it is
    (``year``, ``rank``).
    """
    series = pd.Series(values)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return None
    n = name.lower()
    if n in _PLAIN_COLUMNS:
        return None
    if n.startswith("score_"):
        return "decimal"  # a segment's points 0..1 per criterion, not a share
    words = set(n.split("_"))
    if n.endswith("_eur") or "_eur_" in n or n.startswith("eur_"):
        return "eur"
    if "ltv_to_cac" in n or n.endswith("_ratio") or n == "roi":
        return "ratio"
    if words & _SHARE_WORDS or "p_hit" in n:
        return "share"
    if n.endswith("_months") or n.startswith("months_"):
        return "months"
    if n in _COUNT_COLUMNS:
        return "count"
    finite = series.dropna()
    if pd.api.types.is_integer_dtype(series) or (
        len(finite) and np.allclose(finite, np.round(finite))
    ):
        return "count"
    if n.endswith("_days"):
        return "days"  # a cycle of 27.5 days reads "27,5", not "27,50"
    return "decimal"


_MODEL_KEYS = {
    "N": "model.ets",
    "A": "model.ets_trend",
    "Ad": "model.ets_damped",
}


def _model_name(code: str, locale: str) -> str:
    """One model code of the forecast engine in words (unknown codes as they are)."""
    ets = re.fullmatch(r"ETS\(\w,(N|A|Ad),(N|A|M)\)", code)
    if ets:
        key = "model.ets_seasonal" if ets[2] != "N" else _MODEL_KEYS[ets[1]]
        return text(key, locale)
    if code.startswith("SARIMA("):
        return text("model.sarima", locale)
    if code.startswith("ARIMA("):
        return text("model.arima", locale)
    named = {
        "Theta": "model.theta",
        "SeasonalNaive": "model.snaive",
        "Naive": "model.naive",
        "RunRate": "model.run_rate",
    }
    if code in named:
        return text(named[code], locale)
    if code in ("Croston", "SBA", "TSB"):
        return text("model.intermittent", locale, name=code)
    return code


def forecast_model_label(code: str, locale: str = "de") -> str:
    """The forecast engine's model code (``ETS(A,Ad,N)``, ``Comb(ETS(A,N,N)+Theta)+STL``)
    in words for a manager's page: "Modell: exponentielle Glättung mit gedämpftem Trend",
    "Mittel der Modelle exponentielle Glättung, Theta-Methode, saisonbereinigt"."""
    adjusted = code.endswith("+STL")
    core = code.removesuffix("+STL")
    comb = re.fullmatch(r"Comb\((.*)\)", core)
    members = _split_members(comb[1]) if comb else [core]
    names = ", ".join(dict.fromkeys(_model_name(m, locale) for m in members))
    out = text("model.several" if len(members) > 1 else "model.one", locale, names=names)
    return text("model.seasonally_adjusted", locale, name=out) if adjusted else out


def _split_members(inner: str) -> list[str]:
    """``ETS(A,N,N)+ARIMA(0,1,1)+Theta`` -> its members (``+`` outside brackets)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "+" and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return parts


def partial_month_line(part: Any, locale: str = "de") -> str:
    """The one line saying that a history's first month is left out of the monthly series
    as partial in the export (a :class:`planning_lib.metrics.window.PartialMonth`):
    "Erster Monat 2025-03 nur teilweise im Export (ab 01.03.2025; ...)"."""
    return text(
        "window.partial_first_month",
        locale,
        month=str(part.month),
        day=format_day(part.start, locale),
        coverage=format_value(part.coverage, "share", locale, decimals=0),
    )


def warm_up_line(warm: Any, locale: str = "de") -> str:
    """The one line saying that the export's warm-up is left out of the new customers (a
    :class:`planning_lib.metrics.window.WarmUp`)."""
    return text(
        "window.warm_up",
        locale,
        first=str(warm.first),
        last=str(warm.last),
        gap=format_value(warm.median_gap_days, "count", locale),
        day=format_day(warm.start, locale),
        warm=format_value(warm.warm_mean, "decimal", locale, decimals=1),
        later=format_value(warm.later_mean, "decimal", locale, decimals=1),
    )
