"""Charts of the Szenario-Cockpit: matplotlib figures rendered to PNG bytes.

Each builder takes plain arrays or small DataFrames (no plan engine types) and a
locale, so tests can call it with hand-made numbers. ``png`` renders a figure and
is safe to call from a worker thread: figures are built without pyplot.

The cockpit itself draws through a ``ChartBoard``: one figure per chart, kept and
updated in place on every slider change (a new figure costs about twice the drawing
time: text layout caches live with the figure's renderer), and a chart whose inputs
did not change is not drawn at all. Size and dpi are fixed (``SIZE``, ``DPI``).
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from planning_lib.core import text_store
from planning_lib.present.charts import format_axis
from planning_lib.present.formatting import format_value

__all__ = [
    "CHARTS",
    "ChartBoard",
    "bookings_band_chart",
    "cash_chart",
    "composition_chart",
    "fingerprint",
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


def _t(key: str, locale: Locale) -> str:
    return text_store.label(f"cockpit.chart.{key}", "de" if locale == "de" else "en")


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


# --------------------------------------------------------------------------- the charts
#
# Each chart is a small class: ``build`` makes the figure and keeps its artists,
# ``update`` moves them to new data in place (bar heights, line data, band, limits),
# which is what the cockpit does on every slider change (``ChartBoard``). ``shape``
# names what ``update`` cannot change (locale, month labels, channels, rows): a new
# shape builds a new figure. The module-level builders below return fresh figures
# (tests, one-off use).


class _Chart:
    """One chart: a figure built once, its artists updated in place."""

    title_key = ""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.fig, self.ax = _new(_t(self.title_key, locale))

    @staticmethod
    def shape(*args: object) -> tuple:
        """What ``update`` cannot change; a chart of another shape is built anew."""
        raise NotImplementedError

    def update(self, *args: object) -> None:
        raise NotImplementedError

    def _rescale(self) -> None:
        self.ax.relim()
        self.ax.autoscale_view()


def _bridge_bars(bridge: dict[str, float]) -> tuple[list[float], list[float], list[str]]:
    """Bottoms, heights and colours of the waterfall's six bars."""
    bottoms = [0.0]
    heights = [bridge["mrr_start"]]
    colours = [COLOURS["total"]]
    level = bridge["mrr_start"]
    for key, sign in _BRIDGE_STEPS:
        delta = sign * abs(bridge.get(key, 0.0))
        bottoms.append(level if delta >= 0 else level + delta)
        heights.append(abs(delta))
        colours.append(COLOURS["up"] if delta >= 0 else COLOURS["down"])
        level += delta
    bottoms.append(0.0)
    heights.append(bridge["mrr_end"])
    colours.append(COLOURS["total"])
    return bottoms, heights, colours


_BRIDGE_STEPS = (("mrr_new", 1), ("mrr_expansion", 1), ("mrr_contraction", -1), ("mrr_churned", -1))


class BridgeChart(_Chart):
    """Waterfall from start MRR through new, expansion, contraction and churn to end MRR."""

    title_key = "bridge"

    def __init__(self, bridge: dict[str, float], locale: Locale = "de") -> None:
        super().__init__(locale)
        names = [_t(k, locale) for k in ("mrr_start", *(k for k, _ in _BRIDGE_STEPS), "mrr_end")]
        bottoms, heights, colours = _bridge_bars(bridge)
        self.bars = self.ax.bar(names, heights, bottom=bottoms, color=colours, width=0.6)
        _money_axis(self.ax, locale)
        self._limits(bottoms, heights)

    @staticmethod
    def shape(bridge: dict[str, float], locale: Locale = "de") -> tuple:
        return (locale,)

    def _limits(self, bottoms: list[float], heights: list[float]) -> None:
        top = max((b + h for b, h in zip(bottoms, heights, strict=True)), default=0.0)
        self.ax.set_ylim(0, max(top, 1.0) * 1.08)

    def update(self, bridge: dict[str, float], locale: Locale = "de") -> None:
        bottoms, heights, colours = _bridge_bars(bridge)
        for bar, b, h, c in zip(self.bars, bottoms, heights, colours, strict=True):
            bar.set_y(b)
            bar.set_height(h)
            bar.set_facecolor(c)
        self._limits(bottoms, heights)


class MrrBandChart(_Chart):
    """Monthly MRR of the plan with the Monte Carlo P10–P90 band and the target line."""

    title_key = "mrr"

    def __init__(
        self,
        months: Sequence[str],
        mrr: Sequence[float],
        p10: Sequence[float] | None = None,
        p90: Sequence[float] | None = None,
        target: float | None = None,
        locale: Locale = "de",
    ) -> None:
        super().__init__(locale)
        ax = self.ax
        self.x = x = np.arange(len(months))
        self.band = None
        if p10 is not None and p90 is not None:
            self.band = ax.fill_between(
                x, p10, p90, color=COLOURS["band"], alpha=0.6, label=_t("band", locale)
            )
        (self.line,) = ax.plot(x, mrr, color=COLOURS["total"], lw=2, label=_t("plan", locale))
        self.target = None
        if target is not None:
            self.target = ax.axhline(target, color="#555", ls="--", lw=1,
                                     label=_t("target", locale))  # fmt: skip
        ax.set_xticks(x, [str(m) for m in months], rotation=45, fontsize=7)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        _money_axis(ax, locale)

    @staticmethod
    def shape(months, mrr, p10=None, p90=None, target=None, locale="de") -> tuple:
        band = p10 is not None and p90 is not None
        return (locale, tuple(str(m) for m in months), band, target is not None)

    def update(self, months, mrr, p10=None, p90=None, target=None, locale="de") -> None:
        self.line.set_ydata(np.asarray(mrr, dtype=float))
        if self.target is not None and target is not None:
            self.target.set_ydata([target, target])
        if self.band is not None and p10 is not None and p90 is not None:
            if hasattr(self.band, "set_data"):  # matplotlib >= 3.10
                self.band.set_data(self.x, p10, p90)
            else:  # older: a new band in the old one's place (the legend keeps its entry)
                style = {"color": COLOURS["band"], "alpha": 0.6, "zorder": self.band.zorder}
                self.band.remove()
                self.band = self.ax.fill_between(self.x, p10, p90, **style)
        self._rescale()  # relim counts the band (a collection) as fill_between did


class BookingsBandChart(MrrBandChart):
    """A transactional plan's bookings per month (new deals + repeat purchases) with the
    Monte Carlo P10–P90 band of bookings; drawn like the MRR chart. ``target`` is a
    revenue target: bookings summed up to its deadline, not a monthly level, so it is no
    line on the monthly axis but named in the legend (``Umsatzziel (Aufträge kumuliert):
    1.209.203 €``)."""

    title_key = "bookings"

    def __init__(self, months, mrr, p10=None, p90=None, target=None, locale="de") -> None:
        super().__init__(months, mrr, p10, p90, None, locale)
        if target is not None:
            text = _t("bookings_target", locale).format(value=format_value(target, "eur", locale))
            self.ax.plot([], [], color="#555", ls="--", lw=1, label=text)
            self.ax.legend(fontsize=7, frameon=False, loc="lower right")

    @staticmethod
    def shape(months, mrr, p10=None, p90=None, target=None, locale="de") -> tuple:
        # the legend names the target's value: another value is another figure
        return (*MrrBandChart.shape(months, mrr, p10, p90, None, locale), target)

    def update(self, months, mrr, p10=None, p90=None, target=None, locale="de") -> None:
        super().update(months, mrr, p10, p90, None, locale)


_COMPOSITION = ("bookings_new", "bookings_repeat", "bookings_total")


def _composition_bars(parts: dict[str, float]) -> tuple[list[float], list[float]]:
    """Bottoms and heights of the composition's three bars: new deals, repeat purchases
    stacked on them, and the total."""
    new, repeat = parts["bookings_new"], parts["bookings_repeat"]
    return [0.0, new, 0.0], [new, repeat, new + repeat]


def _composition_names(parts: dict[str, float], locale: Locale) -> list[str]:
    """Bar labels with their product: 'Neue Deals\n158 × 6.092 €'."""

    def times(count: float | None, size: float | None) -> str:
        return f"{format_value(count, 'count', locale, 0)} × {format_value(size, 'eur', locale)}"

    return [
        f"{_t('bookings_new', locale)}\n{times(parts['new_deals'], parts['deal_size'])}",
        f"{_t('bookings_repeat', locale)}\n"
        f"{times(parts['repeat_purchases'], parts['repeat_deal_size'])}",
        _t("bookings_total", locale),
    ]


class CompositionChart(_Chart):
    """A transactional plan's bookings over the horizon: new deals × mean deal size,
    repeat purchases × mean repeat deal, and their sum (in place of the MRR bridge)."""

    title_key = "composition"

    def __init__(self, parts: dict[str, float], locale: Locale = "de") -> None:
        super().__init__(locale)
        bottoms, heights = _composition_bars(parts)
        colours = [COLOURS["up"], COLOURS["up"], COLOURS["total"]]
        x = np.arange(len(_COMPOSITION))
        self.bars = self.ax.bar(x, heights, bottom=bottoms, color=colours, width=0.6)
        self.ax.set_xticks(x, _composition_names(parts, locale), fontsize=7)
        _money_axis(self.ax, locale)
        self._limits(bottoms, heights)

    @staticmethod
    def shape(parts: dict[str, float], locale: Locale = "de") -> tuple:
        return (locale,)

    def _limits(self, bottoms: list[float], heights: list[float]) -> None:
        top = max((b + h for b, h in zip(bottoms, heights, strict=True)), default=0.0)
        self.ax.set_ylim(0, max(top, 1.0) * 1.08)

    def update(self, parts: dict[str, float], locale: Locale = "de") -> None:
        bottoms, heights = _composition_bars(parts)
        for bar, b, h in zip(self.bars, bottoms, heights, strict=True):
            bar.set_y(b)
            bar.set_height(h)
        self.ax.set_xticks(np.arange(len(_COMPOSITION)), _composition_names(parts, locale),
                           fontsize=7)  # fmt: skip
        self._limits(bottoms, heights)


class LeadsChart(_Chart):
    """Stacked bars of required leads per month (rows) and channel (columns, labelled)."""

    title_key = "leads"

    def __init__(self, leads: pd.DataFrame, locale: Locale = "de") -> None:
        super().__init__(locale)
        ax = self.ax
        x = np.arange(len(leads.index))
        bottom = np.zeros(len(x))
        self.stacks = []
        for col in leads.columns:
            vals = leads[col].to_numpy(dtype=float)
            self.stacks.append(ax.bar(x, vals, bottom=bottom, label=str(col), width=0.7))
            bottom = bottom + vals
        ax.set_xticks(x, [str(m) for m in leads.index], rotation=45, fontsize=7)
        self._limits(bottom)
        ax.legend(fontsize=7, frameon=False, loc="upper left", ncols=3)
        format_axis(ax.yaxis, "count", locale)

    @staticmethod
    def shape(leads: pd.DataFrame, locale: Locale = "de") -> tuple:
        return (locale, tuple(map(str, leads.index)), tuple(map(str, leads.columns)))

    def _limits(self, top: np.ndarray) -> None:
        if len(top):
            self.ax.set_ylim(0, max(float(top.max()), 1.0) * 1.25)

    def update(self, leads: pd.DataFrame, locale: Locale = "de") -> None:
        bottom = np.zeros(len(leads.index))
        for bars, col in zip(self.stacks, leads.columns, strict=True):
            vals = leads[col].to_numpy(dtype=float)
            for bar, b, h in zip(bars, bottom, vals, strict=True):
                bar.set_y(b)
                bar.set_height(h)
            bottom = bottom + vals
        self._limits(bottom)


class CashChart(_Chart):
    """Cumulative sales cash at month end, the low point marked."""

    title_key = "cash"

    def __init__(self, months: Sequence[str], cash: Sequence[float], locale: Locale = "de") -> None:
        super().__init__(locale)
        ax = self.ax
        x = np.arange(len(months))
        values = np.asarray(cash, dtype=float)
        (self.line,) = ax.plot(x, values, color=COLOURS["total"], lw=2)
        ax.axhline(0, color="#555", lw=0.8)
        self.low = None
        if len(values):
            i = int(np.argmin(values))
            self.low = ax.scatter([x[i]], [values[i]], color=COLOURS["down"], zorder=3)
        ax.set_xticks(x, [str(m) for m in months], rotation=45, fontsize=7)
        _money_axis(ax, locale)

    @staticmethod
    def shape(months: Sequence[str], cash: Sequence[float], locale: Locale = "de") -> tuple:
        return (locale, tuple(str(m) for m in months))

    def update(self, months: Sequence[str], cash: Sequence[float], locale: Locale = "de") -> None:
        values = np.asarray(cash, dtype=float)
        self.line.set_ydata(values)
        if self.low is not None:
            i = int(np.argmin(values))
            self.low.set_offsets([[i, values[i]]])
        self._rescale()


class TornadoChart(_Chart):
    """Horizontal bars: the KPI when each driver moves down (low) and up (high)."""

    title_key = "tornado"

    def __init__(self, tornado: pd.DataFrame, base: float, locale: Locale = "de") -> None:
        super().__init__(locale)
        ax = self.ax
        rows = tornado.iloc[::-1]
        y = np.arange(len(rows))
        self.low = ax.barh(y, rows["low"] - base, left=base, color=COLOURS["down"],
                           label=_t("low", locale))  # fmt: skip
        self.high = ax.barh(y, rows["high"] - base, left=base, color=COLOURS["up"],
                            label=_t("high", locale))  # fmt: skip
        self.base = ax.axvline(base, color="#333", lw=0.8)
        self.labels = list(rows["label"])
        ax.set_yticks(y, self.labels, fontsize=7)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        format_axis(ax.xaxis, "eur", locale)  # 48,5 Tsd. € … 50,0 Tsd. €, no "50k 50k"

    @staticmethod
    def shape(tornado: pd.DataFrame, base: float, locale: Locale = "de") -> tuple:
        return (locale, len(tornado))

    def update(self, tornado: pd.DataFrame, base: float, locale: Locale = "de") -> None:
        rows = tornado.iloc[::-1]
        for bars, col in ((self.low, "low"), (self.high, "high")):
            for bar, v in zip(bars, rows[col].to_numpy(float), strict=True):
                bar.set_x(base)
                bar.set_width(v - base)
                bar.sticky_edges.x[:] = [base]  # barh's sticky edge: the bar's base
        self.base.set_xdata([base, base])
        labels = list(rows["label"])
        if labels != self.labels:  # the drivers' order moved: new tick labels
            self.ax.set_yticks(np.arange(len(rows)), labels, fontsize=7)
            self.labels = labels
        self._rescale()


class BookingsTornadoChart(TornadoChart):
    """The tornado of a transactional plan: bookings over the plan per driver move."""

    title_key = "tornado_bookings"


def mrr_bridge_chart(bridge: dict[str, float], locale: Locale = "de") -> Figure:
    """Waterfall from start MRR through new, expansion, contraction and churn to end MRR.

    Args:
        bridge: EUR per month for mrr_start, mrr_new, mrr_expansion, mrr_contraction,
            mrr_churned (each a positive amount; contraction and churn are subtracted)
            and mrr_end.
        locale: 'de' or 'en'.
    """
    return BridgeChart(bridge, locale).fig


def mrr_band_chart(
    months: Sequence[str],
    mrr: Sequence[float],
    p10: Sequence[float] | None = None,
    p90: Sequence[float] | None = None,
    target: float | None = None,
    locale: Locale = "de",
) -> Figure:
    """Monthly MRR of the plan with the Monte Carlo P10–P90 band and the target line."""
    return MrrBandChart(months, mrr, p10, p90, target, locale).fig


def bookings_band_chart(
    months: Sequence[str],
    bookings: Sequence[float],
    p10: Sequence[float] | None = None,
    p90: Sequence[float] | None = None,
    locale: Locale = "de",
    target: float | None = None,
) -> Figure:
    """Monthly bookings of a transactional plan with the Monte Carlo P10–P90 band and,
    given a revenue ``target`` (EUR up to its deadline), the target in the legend."""
    return BookingsBandChart(months, bookings, p10, p90, target, locale).fig


def composition_chart(parts: dict[str, float], locale: Locale = "de") -> Figure:
    """Bookings over the plan: new deals × deal size, repeat purchases, total.

    Args:
        parts: ``PlanViews.composition`` (new_deals, deal_size, bookings_new,
            repeat_purchases, repeat_deal_size, bookings_repeat, bookings).
        locale: 'de' or 'en'.
    """
    return CompositionChart(parts, locale).fig


def leads_chart(leads: pd.DataFrame, locale: Locale = "de") -> Figure:
    """Stacked bars of required leads per month (rows) and channel (columns, labelled)."""
    return LeadsChart(leads, locale).fig


def cash_chart(months: Sequence[str], cash: Sequence[float], locale: Locale = "de") -> Figure:
    """Cumulative sales cash at month end, the low point marked."""
    return CashChart(months, cash, locale).fig


def tornado_chart(tornado: pd.DataFrame, base: float, locale: Locale = "de") -> Figure:
    """Horizontal bars: the KPI when each driver moves down (low) and up (high).

    Args:
        tornado: columns ``label``, ``low``, ``high`` (KPI values), largest swing first.
        base: the KPI of the unchanged plan.
        locale: 'de' or 'en'.
    """
    return TornadoChart(tornado, base, locale).fig


# --------------------------------------------------------------------------- the board


CHARTS: dict[str, type[_Chart]] = {
    "bridge": BridgeChart,
    "mrr": MrrBandChart,
    "leads": LeadsChart,
    "cash": CashChart,
    "tornado": TornadoChart,
    "bookings": BookingsBandChart,
    "composition": CompositionChart,
    "tornado_bookings": BookingsTornadoChart,
}
"""Chart kinds by board key; a transactional plan without MRR draws ``bookings``,
``composition`` and ``tornado_bookings`` into the places (:data:`SLOTS`) of ``mrr``,
``bridge`` and ``tornado``."""

SLOTS: dict[str, str] = {"bookings": "mrr", "composition": "bridge", "tornado_bookings": "tornado"}
"""The image a chart is shown in when it is not its own key's."""


def fingerprint(value: object) -> object:
    """A hashable, exact summary of chart inputs (arrays and frames by their bytes)."""
    if isinstance(value, np.ndarray):
        return ("nd", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, pd.DataFrame):
        return ("df", fingerprint(value.to_numpy()), tuple(map(str, value.index)),
                tuple(map(str, value.columns)))  # fmt: skip
    if isinstance(value, pd.Series):
        return ("s", fingerprint(value.to_numpy()), tuple(map(str, value.index)))
    if isinstance(value, dict):
        return ("d", tuple(sorted((str(k), fingerprint(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("l", tuple(fingerprint(v) for v in value))
    if isinstance(value, float) and value != value:  # NaN equals NaN here
        return ("nan",)
    return value


class ChartBoard:
    """The cockpit's charts: one figure each, kept and updated in place.

    ``render(key, *args)`` returns the chart's PNG, or None when its inputs equal those
    of the PNG shown last (nothing to send). A chart whose shape changed (locale,
    months, channels, tornado rows, band on/off) is built anew; otherwise its artists
    are moved to the new data and the same figure is drawn again, with its layout
    recomputed only when the tick labels' extents changed. ``renders`` counts the
    PNGs made per chart. Thread-safe (the plan worker and Monte Carlo both render).
    """

    def __init__(self) -> None:
        self._charts: dict[str, tuple[tuple, _Chart, FigureCanvasAgg]] = {}
        self._shown: dict[str, object] = {}
        self._extent: dict[str, tuple[tuple, tuple]] = {}  # tick texts, label extent
        self._lock = threading.RLock()
        self.renders: Counter[str] = Counter()
        self.builds: Counter[str] = Counter()

    def render(self, key: str, *args: object) -> bytes | None:
        """The PNG of chart ``key`` (see ``CHARTS``) for ``args``; None when unchanged."""
        kind = CHARTS[key]
        fp = fingerprint(args)
        with self._lock:
            if key in self._shown and self._shown[key] == fp:
                return None
            shape = kind.shape(*args)
            held = self._charts.get(key)
            if held is None or held[0] != shape:
                chart = kind(*args)
                canvas = FigureCanvasAgg(chart.fig)
                self._charts[key] = (shape, chart, canvas)
                self._extent.pop(key, None)
                self.builds[key] += 1
            else:
                _, chart, canvas = held
                chart.update(*args)
            data = self._draw(key, chart, canvas)
            self._shown[key] = fp
            self.renders[key] += 1
            return data

    def figure(self, key: str) -> Figure | None:
        """The figure chart ``key`` is drawn on (None before its first render)."""
        held = self._charts.get(key)
        return None if held is None else held[1].fig

    def forget(self, key: str) -> None:
        """Render ``key`` next time even if its inputs are the same (its image was reset)."""
        with self._lock:
            self._shown.pop(key, None)

    def _draw(self, key: str, chart: _Chart, canvas: FigureCanvasAgg) -> bytes:
        canvas.draw()
        texts = _tick_texts(chart.ax)
        held = self._extent.get(key)
        if held is None or held[0] != texts:  # other tick labels: do they need room?
            extent = _label_extent(chart.ax, canvas)
            if held is None or held[1] != extent:  # labels grew or shrank: lay out anew
                chart.fig.tight_layout()
                canvas.draw()
                texts, extent = _tick_texts(chart.ax), _label_extent(chart.ax, canvas)
            self._extent[key] = (texts, extent)
        buf = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
            buf, format="png", dpi=(DPI, DPI), compress_level=1
        )
        return buf.getvalue()


def _tick_texts(ax: Axes) -> tuple:
    return tuple(t.get_text() for t in ax.get_yticklabels()), tuple(
        t.get_text() for t in ax.get_xticklabels()
    )


def _label_extent(ax: Axes, canvas: FigureCanvasAgg) -> tuple:
    """Widest y and tallest x tick label (pixels): what tight_layout depends on."""
    renderer = canvas.get_renderer()
    y = [t.get_window_extent(renderer).width for t in ax.get_yticklabels() if t.get_text()]
    x = [t.get_window_extent(renderer).height for t in ax.get_xticklabels() if t.get_text()]
    return (round(max(y, default=0.0)), round(max(x, default=0.0)))
