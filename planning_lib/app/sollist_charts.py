"""The Soll/Ist tab's charts: the new-customer gap, the no-change forecast, the regions.

:func:`gap_chart`, :func:`forecast_chart` and :func:`region_multiples` draw a
:class:`~planning_lib.app.sollist.SollIst` (or its variance table) as matplotlib figures,
labelled in German (or English), axes by :func:`planning_lib.present.charts.format_axis`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from planning_lib.app import cockpit as ck
from planning_lib.app.sollist import SollIst, month_rows
from planning_lib.core import text_store
from planning_lib.present import formatting as fmt
from planning_lib.present.charts import format_axis

__all__ = ["forecast_chart", "gap_chart", "region_multiples"]

_SIZE = (5.6, 3.0)


def _figure(title: str, size: tuple[float, float] = _SIZE) -> tuple[Figure, Any]:
    fig = Figure(figsize=size, dpi=80)
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _month_ticks(ax: Any, months: list[pd.Timestamp], locale: str) -> None:
    x = np.arange(len(months))
    ax.set_xticks(x, [fmt.format_month(m, locale) for m in months], rotation=45, fontsize=7)


def gap_chart(variance: pd.DataFrame, locale: str = "de") -> Figure:
    """Horizontal stacked bar of new customers year to date: actual, then the
    execution gap, then the part never funded, adding up to the plan (target)."""
    fig, ax = _figure(ck.label("gap_chart", locale), (5.6, 1.9))
    r = variance[
        (variance["grain"] == "ytd")
        & (variance["kpi"] == "new_customers")
        & (variance["member"].fillna("") == "")
    ]
    if r.empty:
        return fig
    r = r.iloc[0]
    parts = [
        (ck.label("actual", locale), float(r["actual"]), "#1f4e79"),
        (text_store.label("pva.gap_execution", locale), float(r["gap_execution"]), "#c62828"),
        (text_store.label("pva.gap_planning", locale), float(r["gap_planning"]), "#f9a825"),
    ]
    left = 0.0
    for name, value, colour in parts:
        ax.barh([0], [value], left=left, color=colour, label=name, height=0.5)
        left += value
    ax.axvline(float(r["plan"]), color="#333", lw=1, ls="--")
    ax.set_yticks([])
    ax.legend(fontsize=7, frameon=False, loc="upper center", ncols=3, bbox_to_anchor=(0.5, -0.25))
    format_axis(ax.xaxis, "count", locale)
    return fig


def forecast_chart(view: SollIst, locale: str = "de") -> Figure:
    """New customers per month: the no-change forecast with its 80 % and 95 % bands,
    the actuals so far and the plan's monthly target pace."""
    fig, ax = _figure(ck.label("forecast", locale))
    fc = view.forecast
    rows = month_rows(view.variance)
    new = rows[rows["kpi"] == "new_customers"].set_index("period").sort_index()
    months = (
        [pd.Timestamp(m) for m in fc.index]
        if fc is not None
        else [pd.Timestamp(m) for m in new.index]
    )
    x = np.arange(len(months))
    if fc is not None:
        ax.fill_between(
            x, fc["lo_95"], fc["hi_95"], color="#deebf7", label=ck.label("band95", locale)
        )
        ax.fill_between(
            x, fc["lo_80"], fc["hi_80"], color="#9ecae1", label=ck.label("band80", locale)
        )
        ax.plot(x, fc["mean"], color="#1f4e79", lw=1.5, label=ck.label("no_change", locale))
    pos = {m: i for i, m in enumerate(months)}
    pace = [(pos[pd.Timestamp(m)], float(v)) for m, v in view.plan_new_customers.items()
            if pd.Timestamp(m) in pos]  # fmt: skip
    if pace:
        ax.plot(*zip(*pace, strict=True), color="#333", ls="--", lw=1,
                label=ck.label("target_pace", locale))  # fmt: skip
    if len(new):
        xs = [pos[pd.Timestamp(m)] for m in new.index if pd.Timestamp(m) in pos]
        actual = [float(new.loc[m, "actual"]) for m in new.index if pd.Timestamp(m) in pos]
        ax.scatter(xs, actual, color="#c62828", zorder=3, s=14, label=ck.label("actual", locale))
    _month_ticks(ax, months, locale)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # room for the legend
    ax.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
    format_axis(ax.yaxis, "count", locale)
    return fig


def region_multiples(regions: pd.DataFrame, locale: str = "de") -> Figure:
    """Small multiples, one panel per region on a shared scale: the region's planned
    new customers per month (line) and its actuals (bars)."""
    names = list(dict.fromkeys(regions["region"]))
    cols = min(4, max(1, len(names)))
    nrows = max(1, -(-len(names) // cols))
    fig = Figure(figsize=(2.9 * cols, 2.2 * nrows + 0.4), dpi=80)
    fig.suptitle(ck.label("regions", locale), fontsize=10, x=0.01, ha="left")
    top = float(np.nanmax(regions[["plan", "actual"]].to_numpy(dtype=float))) if len(regions) else 1
    axes = fig.subplots(nrows, cols, squeeze=False, sharey=True)
    for i, ax in enumerate(axes.flat):
        if i >= len(names):
            ax.set_visible(False)
            continue
        r = regions[regions["region"] == names[i]].sort_values("month")
        months = [pd.Timestamp(m) for m in r["month"]]
        x = np.arange(len(months))
        ax.bar(x, r["actual"].fillna(0.0), color="#1f4e79", label=ck.label("actual", locale))
        ax.plot(x, r["plan"], color="#c62828", lw=1.2, label=ck.label("plan", locale))
        ax.set_title(names[i], fontsize=9)
        ax.set_xticks(x[::3], [fmt.format_month(m, locale) for m in months][::3], fontsize=6)
        ax.set_ylim(0, max(top, 1.0) * 1.1)
        ax.spines[["top", "right"]].set_visible(False)
        format_axis(ax.yaxis, "count", locale)
        if i == 0:
            ax.legend(fontsize=6, frameon=False, loc="upper left")
    return fig
