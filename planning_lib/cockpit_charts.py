"""Charts of the Szenario-Cockpit: matplotlib figures rendered to PNG bytes.

Each builder takes plain arrays or small DataFrames (no plan engine types) and a
locale, so tests can call it with hand-made numbers. ``png`` renders a figure and
is safe to call from a worker thread: figures are built without pyplot, so the
cockpit, which redraws on every change, keeps no figures alive.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planning_lib.report.charts import format_axis

__all__ = [
    "cash_chart",
    "leads_chart",
    "mrr_band_chart",
    "mrr_bridge_chart",
    "png",
    "tornado_chart",
]

Locale = str
SIZE = (5.6, 3.0)
DPI = 80
COLOURS = {"up": "#2e7d32", "down": "#c62828", "total": "#1f4e79", "band": "#9ecae1"}

_T = {
    "bridge": {"de": "MRR-Brücke (€/Monat)", "en": "MRR bridge (€/month)"},
    "mrr_start": {"de": "Start", "en": "Start"},
    "mrr_new": {"de": "Neu", "en": "New"},
    "mrr_expansion": {"de": "Expansion", "en": "Expansion"},
    "mrr_contraction": {"de": "Kontraktion", "en": "Contraction"},
    "mrr_churned": {"de": "Churn", "en": "Churn"},
    "mrr_end": {"de": "Ende", "en": "End"},
    "mrr": {"de": "MRR je Monat (€)", "en": "MRR per month (€)"},
    "plan": {"de": "Plan", "en": "Plan"},
    "band": {"de": "P10–P90", "en": "P10–P90"},
    "target": {"de": "Ziel", "en": "Target"},
    "leads": {
        "de": "Benötigte Leads je Kanal (Eintrittsstufe)",
        "en": "Required leads per channel (entry stage)",
    },
    "cash": {"de": "Liquidität Vertrieb (€, Monatsende)", "en": "Sales cash (€, month end)"},
    "tornado": {"de": "Sensitivität: MRR zum Jahresende", "en": "Sensitivity: year-end MRR"},
    "low": {"de": "Treiber −", "en": "Driver −"},
    "high": {"de": "Treiber +", "en": "Driver +"},
}


def _t(key: str, locale: Locale) -> str:
    return _T[key]["de" if locale == "de" else "en"]


def _money_axis(ax: Axes, locale: Locale) -> None:
    """EUR ticks in the locale, compact and distinct (``175 Tsd. €``, not ``175k``)."""
    format_axis(ax.yaxis, "eur", locale)


def _new(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, dpi=DPI)
    ax = fig.subplots()
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    return fig, ax


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (figures are built without pyplot, so nothing is kept)."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def mrr_bridge_chart(bridge: dict[str, float], locale: Locale = "de") -> Figure:
    """Waterfall from start MRR through new, expansion, contraction and churn to end MRR.

    Args:
        bridge: EUR per month for mrr_start, mrr_new, mrr_expansion, mrr_contraction,
            mrr_churned (each a positive amount; contraction and churn are subtracted)
            and mrr_end.
        locale: 'de' or 'en'.
    """
    fig, ax = _new(_t("bridge", locale))
    steps = [
        ("mrr_new", 1),
        ("mrr_expansion", 1),
        ("mrr_contraction", -1),
        ("mrr_churned", -1),
    ]
    names = [_t("mrr_start", locale)]
    bottoms = [0.0]
    heights = [bridge["mrr_start"]]
    colours = [COLOURS["total"]]
    level = bridge["mrr_start"]
    for key, sign in steps:
        delta = sign * abs(bridge.get(key, 0.0))
        names.append(_t(key, locale))
        bottoms.append(level if delta >= 0 else level + delta)
        heights.append(abs(delta))
        colours.append(COLOURS["up"] if delta >= 0 else COLOURS["down"])
        level += delta
    names.append(_t("mrr_end", locale))
    bottoms.append(0.0)
    heights.append(bridge["mrr_end"])
    colours.append(COLOURS["total"])
    ax.bar(names, heights, bottom=bottoms, color=colours, width=0.6)
    top = max((b + h for b, h in zip(bottoms, heights, strict=True)), default=0.0)
    ax.set_ylim(0, max(top, 1.0) * 1.08)
    _money_axis(ax, locale)
    return fig


def mrr_band_chart(
    months: Sequence[str],
    mrr: Sequence[float],
    p10: Sequence[float] | None = None,
    p90: Sequence[float] | None = None,
    target: float | None = None,
    locale: Locale = "de",
) -> Figure:
    """Monthly MRR of the plan with the Monte Carlo P10–P90 band and the target line."""
    fig, ax = _new(_t("mrr", locale))
    x = np.arange(len(months))
    if p10 is not None and p90 is not None:
        ax.fill_between(x, p10, p90, color=COLOURS["band"], alpha=0.6, label=_t("band", locale))
    ax.plot(x, mrr, color=COLOURS["total"], lw=2, label=_t("plan", locale))
    if target is not None:
        ax.axhline(target, color="#555", ls="--", lw=1, label=_t("target", locale))
    ax.set_xticks(x, [str(m) for m in months], rotation=45, fontsize=7)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    _money_axis(ax, locale)
    return fig


def leads_chart(leads: pd.DataFrame, locale: Locale = "de") -> Figure:
    """Stacked bars of required leads per month (rows) and channel (columns, labelled)."""
    fig, ax = _new(_t("leads", locale))
    x = np.arange(len(leads.index))
    bottom = np.zeros(len(x))
    for col in leads.columns:
        vals = leads[col].to_numpy(dtype=float)
        ax.bar(x, vals, bottom=bottom, label=str(col), width=0.7)
        bottom += vals
    ax.set_xticks(x, [str(m) for m in leads.index], rotation=45, fontsize=7)
    if len(x):
        ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.25)
    ax.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
    format_axis(ax.yaxis, "count", locale)
    return fig


def cash_chart(months: Sequence[str], cash: Sequence[float], locale: Locale = "de") -> Figure:
    """Cumulative sales cash at month end, the low point marked."""
    fig, ax = _new(_t("cash", locale))
    x = np.arange(len(months))
    values = np.asarray(cash, dtype=float)
    ax.plot(x, values, color=COLOURS["total"], lw=2)
    ax.axhline(0, color="#555", lw=0.8)
    if len(values):
        i = int(np.argmin(values))
        ax.scatter([x[i]], [values[i]], color=COLOURS["down"], zorder=3)
    ax.set_xticks(x, [str(m) for m in months], rotation=45, fontsize=7)
    _money_axis(ax, locale)
    return fig


def tornado_chart(tornado: pd.DataFrame, base: float, locale: Locale = "de") -> Figure:
    """Horizontal bars: the KPI when each driver moves down (low) and up (high).

    Args:
        tornado: columns ``label``, ``low``, ``high`` (KPI values), largest swing first.
        base: the KPI of the unchanged plan.
        locale: 'de' or 'en'.
    """
    fig, ax = _new(_t("tornado", locale))
    rows = tornado.iloc[::-1]
    y = np.arange(len(rows))
    ax.barh(y, rows["low"] - base, left=base, color=COLOURS["down"], label=_t("low", locale))
    ax.barh(y, rows["high"] - base, left=base, color=COLOURS["up"], label=_t("high", locale))
    ax.axvline(base, color="#333", lw=0.8)
    ax.set_yticks(y, list(rows["label"]), fontsize=7)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    format_axis(ax.xaxis, "eur", locale)  # 48,5 Tsd. € … 50,0 Tsd. €, no "50k 50k"
    return fig
