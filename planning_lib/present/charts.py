"""Charts of the phase notebooks (matplotlib, no pyplot state).

Every function takes tidy data and returns a ``matplotlib.figure.Figure``; the
notebook displays it and saves it with ``artifacts.write_chart``. Axes are
formatted in the report's locale (``1.234 €`` in German, ``€1,234`` in English).
Figures are built with ``Figure()`` directly, so nothing accumulates in pyplot and
a batch worker does not need a display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from planning_lib.present.formatting import Unit, axis_labels, format_month, format_value

__all__ = [
    "LocaleAxisFormatter",
    "bar_chart",
    "channel_funnels_chart",
    "forecast_chart",
    "format_axis",
    "funnel_steps",
    "line_chart",
    "stacked_bar_chart",
]

_PALETTE = ("#1f5f8b", "#e07b39", "#3a9d5d", "#8e5ea2", "#c44e52", "#7f7f7f", "#b5a642")


def _figure(width: float = 8.0, height: float = 3.6) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


class LocaleAxisFormatter(Formatter):
    """Tick labels in the report's locale, compact and distinct (``175 Tsd. €``).

    The labels of one axis are made together (:func:`formatting.axis_labels`), so
    neighbouring ticks never read the same (``50k 50k``) and all share one scale.
    """

    def __init__(self, unit: str, locale: str) -> None:
        self.unit, self.locale = unit, locale
        self._labels: dict[float, str] = {}

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        values = [float(v) for v in locs]
        self._labels = dict(zip(values, axis_labels(values, self.unit, self.locale), strict=True))

    def __call__(self, x: float, pos: int | None = None) -> str:
        if float(x) in self._labels:
            return self._labels[float(x)]
        return axis_labels([x], self.unit, self.locale)[0]


def format_axis(axis: object, unit: str, locale: str) -> None:
    """Locale tick labels on ``axis`` (``ax.xaxis``/``ax.yaxis``); a count axis gets
    whole-number ticks only (no 7,5 customers, no duplicated ``8, 8``)."""
    axis.set_major_formatter(LocaleAxisFormatter(unit, locale))  # type: ignore[attr-defined]
    if unit == "count":
        axis.set_major_locator(MaxNLocator(integer=True))  # type: ignore[attr-defined]


def _month_axis(ax: object, index: pd.Index, locale: str) -> None:
    """Month ticks of a date axis in words: ``Jan. 2026`` (de), ``Jan 2026`` (en)."""
    if isinstance(index, pd.DatetimeIndex):
        from matplotlib.dates import num2date

        ax.xaxis.set_major_formatter(  # type: ignore[attr-defined]
            FuncFormatter(lambda v, _pos: format_month(num2date(v).date(), locale))
        )


def line_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: Unit = "count",
    locale: str = "de",
    styles: Mapping[str, str] | None = None,
) -> Figure:
    """One line per column of ``frame`` over its index (usually months).

    Args:
        frame: index = x values (dates), one column per line; column names are the legend.
        title: chart title.
        unit: unit of the y axis.
        locale: 'de' or 'en' for the axis labels.
        styles: optional line style per column (e.g. ``{"Plan": "--"}``).
    """
    fig, ax = _figure()
    for i, col in enumerate(frame.columns):
        ax.plot(
            frame.index,
            frame[col].to_numpy(dtype=float),
            (styles or {}).get(str(col), "-"),
            color=_PALETTE[i % len(_PALETTE)],
            label=str(col),
            linewidth=1.8,
        )
    ax.set_title(title, loc="left")
    format_axis(ax.yaxis, unit, locale)
    _month_axis(ax, frame.index, locale)
    if len(frame.columns) > 1:
        ax.legend(frameon=False, fontsize=8)
    return fig


def bar_chart(
    values: pd.Series,
    *,
    title: str,
    unit: Unit = "count",
    locale: str = "de",
    horizontal: bool = False,
    annotate: bool = True,
) -> Figure:
    """One bar per entry of ``values`` (index = categories), optionally with value labels."""
    fig, ax = _figure(height=max(2.8, 0.35 * len(values) + 1.2) if horizontal else 3.6)
    labels = [str(i) for i in values.index]
    data = values.to_numpy(dtype=float)
    colors = [_PALETTE[0] if v >= 0 else _PALETTE[4] for v in data]
    if horizontal:
        bars = ax.barh(labels, data, color=colors)
        ax.invert_yaxis()
        format_axis(ax.xaxis, unit, locale)
        ax.grid(axis="x", alpha=0.3)
    else:
        bars = ax.bar(labels, data, color=colors)
        format_axis(ax.yaxis, unit, locale)
    if annotate:
        ax.bar_label(bars, labels=[format_value(v, unit, locale) for v in data], fontsize=8)
    ax.set_title(title, loc="left")
    return fig


def stacked_bar_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: Unit = "eur",
    locale: str = "de",
) -> Figure:
    """Stacked bars: index = x (months), one stack segment per column (categories)."""
    fig, ax = _figure()
    x = np.arange(len(frame.index))
    bottom = np.zeros(len(frame.index))
    for i, col in enumerate(frame.columns):
        vals = frame[col].to_numpy(dtype=float)
        ax.bar(x, vals, bottom=bottom, color=_PALETTE[i % len(_PALETTE)], label=str(col))
        bottom = bottom + vals
    ticks = [format_month(i, locale) if hasattr(i, "strftime") else str(i) for i in frame.index]
    slanted = len(ticks) > 8
    ax.set_xticks(x, ticks, rotation=45 if slanted else 0, ha="right" if slanted else "center")
    ax.tick_params(axis="x", labelsize=8)
    format_axis(ax.yaxis, unit, locale)
    ax.legend(
        frameon=False,
        fontsize=8,
        ncols=min(len(frame.columns), 4),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3 if slanted else -0.1),
    )
    ax.set_title(title, loc="left")
    return fig


def forecast_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    *,
    title: str,
    unit: Unit = "count",
    locale: str = "de",
    history_label: str = "Ist",
    forecast_label: str = "Prognose",
) -> Figure:
    """History as a line, the forecast's mean dashed and its 80 %/95 % intervals shaded.

    Args:
        history: the observed monthly series.
        forecast: DataFrame indexed by future months with ``mean`` and, where
            present, ``lo_80``/``hi_80``/``lo_95``/``hi_95``.
    """
    fig, ax = _figure()
    ax.plot(history.index, history.to_numpy(dtype=float), color=_PALETTE[0], label=history_label)
    for level, alpha in ((95, 0.15), (80, 0.3)):
        lo, hi = f"lo_{level}", f"hi_{level}"
        if lo in forecast and hi in forecast:
            ax.fill_between(
                forecast.index,
                forecast[lo].to_numpy(dtype=float),
                forecast[hi].to_numpy(dtype=float),
                color=_PALETTE[1],
                alpha=alpha,
                linewidth=0,
                label=f"{level} %",
            )
    ax.plot(
        forecast.index,
        forecast["mean"].to_numpy(dtype=float),
        "--",
        color=_PALETTE[1],
        label=forecast_label,
    )
    format_axis(ax.yaxis, unit, locale)
    _month_axis(ax, history.index, locale)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(title, loc="left")
    return fig


def funnel_steps(counts: Sequence[float]) -> tuple[list[int], list[float | None]]:
    """The stages a channel's funnel shows and the conversion into each of them.

    A stage with no count before a later stage with counts is skipped (outbound leads
    enter at SQL, they have no MQL stage). The conversion into a stage is its count ÷
    the previous stage's, only where that previous stage is shown and not zero; after
    a skipped stage there is none (SQL ÷ leads is no conversion for outbound).

    Returns:
        (indices of the stages shown, conversion into each shown stage or None).
    """
    data = [float(c) for c in counts]
    last = max((i for i, c in enumerate(data) if c > 0), default=-1)
    shown = [i for i, c in enumerate(data) if c > 0 or i > last]
    shares: list[float | None] = []
    for i in shown:
        prev = i - 1
        ok = prev in shown and data[prev] > 0
        shares.append(data[i] / data[prev] if ok else None)
    return shown, shares


def channel_funnels_chart(
    counts: pd.DataFrame,
    *,
    title: str,
    locale: str = "de",
) -> Figure:
    """One horizontal funnel per channel: count per stage and the conversion from the stage
    before, where there is one (see :func:`funnel_steps`).

    Args:
        counts: one row per channel (index = its label), one column per stage (labels,
            in funnel order).
        title: chart title.
        locale: 'de' or 'en'.
    """
    n = max(len(counts), 1)
    fig = Figure(figsize=(8.0, 1.0 + n * (0.42 * len(counts.columns) + 0.5)), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for k, (ax, (channel, row)) in enumerate(zip(axes, counts.iterrows(), strict=False)):
        shown, shares = funnel_steps(row.to_numpy(dtype=float))
        names = [str(counts.columns[i]) for i in shown]
        data = [float(row.iloc[i]) for i in shown]
        bars = ax.barh(names, data, color=_PALETTE[k % len(_PALETTE)])
        ax.invert_yaxis()
        labels = [
            format_value(v, "count", locale)
            + (f"  ({format_value(sh, 'share', locale)})" if sh is not None else "")
            for v, sh in zip(data, shares, strict=True)
        ]
        ax.bar_label(bars, labels=labels, fontsize=8)
        ax.set_xlim(0, max([*data, 1.0]) * 1.25)
        format_axis(ax.xaxis, "count", locale)
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(str(channel), loc="left", fontsize=10)
    fig.suptitle(title, x=0.0, ha="left")
    return fig
