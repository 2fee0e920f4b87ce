"""What the calibration modules share: a value's provenance, the window, exact splits.

See :mod:`planning_lib.analysis.calibration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from babel.numbers import format_decimal

from planning_lib.core.text_store import BABEL_LOCALES

__all__ = [
    "CalibrationError",
    "Source",
    "Span",
    "annualised",
    "covered_span",
    "covered_window",
    "euros",
    "month_ends",
    "no_change_target",
    "seasonal_weights",
    "split_exactly",
    "window_label",
    "window_months",
]


class CalibrationError(ValueError):
    """The data cannot calibrate a plan (a table or column is missing, no history)."""


@dataclass(frozen=True)
class Source:
    """Where a calibrated value came from.

    Attributes:
        key: text key in ``core/texts/init.yaml`` (German and English sentence).
        args: the numbers and names the sentence quotes.
        assumption: True for a documented default the user should fill in.
    """

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)
    assumption: bool = False


def no_change_target(expected: int, deadline: object, baseline: float | None) -> dict[str, Any]:
    """The proposed new-customer target of a calibrated plan: the no-change forecast
    ``expected`` by ``deadline``, last year's new customers as its ``baseline``."""
    return {
        "code": "new_customers",
        "metric": "new_customers",
        "value": expected,
        "unit": "count",
        "deadline": deadline,
        "baseline": baseline,
        "direction": "at_least",
        "description_de": f"{expected} Neukunden ohne Änderungen (Basisprognose)",
        "description_en": f"{expected} new customers without changes (baseline forecast)",
    }


def euros(value: float, lang: str) -> str:
    """Whole euros with the language's thousands separator for a sentence in the plan YAML
    (``description_de``/``_en``): 1605643 -> "1.605.643" (de), "1,605,643" (en)."""
    return format_decimal(round(float(value)), "#,##0", locale=BABEL_LOCALES[lang])


def window_months(as_of: pd.Period) -> pd.PeriodIndex:
    """The 12 months up to and including ``as_of``."""
    return pd.period_range(as_of - 11, as_of, freq="M")


def window_label(as_of: pd.Period) -> str:
    """``2025-01..2025-12``: the 12 months up to ``as_of``."""
    return f"{as_of - 11}..{as_of}"


def covered_window(as_of: pd.Period, first: object) -> tuple[str, int]:
    """The part of the 12-month window the data covers: its label (``2025-03..2025-09``)
    and its number of months, from the later of ``as_of − 11`` and the month of ``first``
    (the data's earliest date; None or missing: the full window) to ``as_of``. A history
    shorter than a year gives its per-month figures over the months it has, not ÷ 12."""
    lo = as_of - 11
    if first is not None and not pd.isna(first):
        lo = max(lo, min(pd.Timestamp(first).to_period("M"), as_of))
    return f"{lo}..{as_of}", as_of.ordinal - lo.ordinal + 1


@dataclass(frozen=True)
class Span:
    """The months a figure of the plan year was measured over: ``label``
    (``2025-03..2025-09``) and their number ``months``. Fewer than 12 months: the figure
    was scaled up to 12 (:func:`annualised`), and the YAML comment says so
    (:func:`planning_lib.present.plan_yaml.comment_text`: "aus 7 Monaten 2025-03..2025-09,
    auf 12 Monate hochgerechnet")."""

    label: str
    months: int

    def __str__(self) -> str:
        return self.label


def covered_span(as_of: pd.Period, first: object) -> Span:
    """:func:`covered_window` as a :class:`Span`."""
    label, months = covered_window(as_of, first)
    return Span(label, months)


def annualised(total: float, months: int) -> float:
    """A sum over ``months`` months (1..12) scaled to 12 months: ``total × 12 ÷ months``
    (12 months: ``total`` unchanged)."""
    return float(total) if months >= 12 else float(total) * 12 / months


def month_ends(as_of: pd.Period, first: pd.Period | None = None) -> list[pd.Timestamp]:
    """The last day of each month of the window (the month-end state of a count), from
    ``first`` when it lies inside the window (a shorter history's own months)."""
    months = window_months(as_of)
    if first is not None:
        months = months[months >= first]
    return [m.end_time.normalize() for m in months]


def split_exactly(total: float, weights: Mapping[str, float], decimals: int) -> dict[str, float]:
    """``total`` split over the keys in proportion to ``weights``, rounded to ``decimals``,
    adding up to ``total`` exactly (largest remainder: the units lost by rounding down go
    to the keys with the largest remainders, ties by key). Equal shares when every
    weight is 0."""
    keys = sorted(weights)
    if not keys:
        return {}
    scale = 10**decimals
    units = round(total * scale)
    w = [max(float(weights[k]), 0.0) for k in keys]
    wsum = sum(w) or float(len(keys))
    w = w if sum(w) else [1.0] * len(keys)
    exact = [units * x / wsum for x in w]
    floor = [int(x // 1) for x in exact]
    rest = units - sum(floor)
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - floor[i]), keys[i]))
    for i in order[:rest]:
        floor[i] += 1
    out = {}
    for k, u in zip(keys, floor, strict=True):
        out[k] = u if decimals == 0 else round(u / scale, decimals)
    return out


def seasonal_weights(monthly: pd.Series, min_months: int) -> list[float] | None:
    """Weight of each calendar month Jan..Dec (mean 1): the month's mean ÷ the mean of
    the 12 monthly means, over a monthly series (PeriodIndex); None when the series has
    fewer than ``min_months`` months or no volume."""
    if len(monthly) < min_months or float(monthly.sum()) <= 0:
        return None
    by_month = monthly.groupby(monthly.index.month).mean().reindex(range(1, 13))
    if by_month.isna().any() or float(by_month.mean()) <= 0:
        return None
    w = by_month / by_month.mean()
    return [round(float(x), 3) for x in w]
