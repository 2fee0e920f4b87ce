"""The Soll/Ist tab of the Szenario-Cockpit (widgets only; the numbers come from
``planning_lib.app.sollist``, the tables and charts from ``sollist_tables`` and
``sollist_charts``, imported when the tab is first opened).

Nothing is computed until the tab is opened. Opening it refreshes the version list
(a version saved meanwhile, in this page or another, appears) and computes the chosen
plan version against the chosen actuals folder for the cockpit's region on a worker
thread; results are cached per (version, actuals folder, region), so switching back
is instant. A newer choice makes an older computation stale: its result is cached
but not shown. Errors are logged with their traceback and shown as one sentence.

DOM hooks for browser tests: root ``sollist`` (gets ``sollist-ready`` once the
current choice is shown), selectors ``ctl-actuals-version`` and ``ctl-actuals-dir``,
the tables ``sollist-kpi-month``, ``sollist-kpi-channel``, ``sollist-gap``,
``sollist-landing``, ``sollist-actions``, ``sollist-forecast``, the charts
``chart-sollist-gap``, ``chart-sollist-forecast``, ``chart-sollist-regions``; table
cells carry ``status-<key>`` classes (``status-on_track`` …).
"""

from __future__ import annotations

import html
import logging
import threading
from pathlib import Path
from typing import Any

import ipywidgets as w

from planning_lib.app import cockpit as ck

__all__ = ["SOLLIST_CSS", "SollIstTab", "actuals_folders"]

SOLLIST_CSS = """
<style>
.sollist table {border-collapse:collapse; font-size:12px; margin:4px 0 10px 0;}
.sollist td, .sollist th {padding:2px 8px; text-align:right; border-bottom:1px solid #e4e7eb;}
.sollist td:first-child, .sollist th:first-child {text-align:left;}
.sollist td.status-on_track {background:#e8f5e9; border-left:4px solid #2e7d32;}
.sollist td.status-watch {background:#fff8e1; border-left:4px solid #f9a825;}
.sollist td.status-off_track {background:#ffebee; border-left:4px solid #c62828;}
.sollist td.status-incomplete, .sollist td.status-no_plan {border-left:4px solid #9aa5b1;}
.sollist .sollist-note {font-size:12px; color:#52606d;}
.sollist li.severity-critical {color:#c62828;} .sollist li.severity-warning {color:#b26a00;}
</style>
"""


def actuals_folders(data_dir: Path) -> list[Path]:
    """The folders offered as actuals: every folder under ``data_dir`` holding an
    ``actuals/`` subfolder (a data folder with history), sorted by name."""
    if not data_dir.is_dir():
        return []
    return sorted(p for p in data_dir.iterdir() if (p / "actuals").is_dir())


def _table(frame: Any, css: str, status_col: str | None = None) -> str:
    """An HTML table of display texts; ``(text, status)`` cells and the row's
    ``status_col`` become ``status-<key>`` classes."""
    cols = [c for c in frame.columns if c != status_col]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    rows = []
    for _, r in frame.iterrows():
        cells = []
        for i, c in enumerate(cols):
            v = r[c]
            status = None
            if isinstance(v, tuple):
                v, status = v
            elif status_col and i == len(cols) - 1:
                status = r[status_col]
            cls = f' class="status-{html.escape(str(status))}"' if status else ""
            cells.append(f"<td{cls}>{html.escape(str(v))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="{css}"><tr>{head}</tr>{"".join(rows)}</table>'


class SollIstTab:
    """The Soll/Ist tab of a ``planning_lib.app.cockpit_app.Cockpit``.

    Args:
        cockpit: the cockpit (its config, region, locale, versions folder, logger).
        data_dir: where actuals folders are looked for (default ``data/``).
    """

    def __init__(self, cockpit: Any, data_dir: Path | None = None) -> None:
        from planning_lib.controlling.versions import DEFAULT_VERSIONS_DIR
        from planning_lib.core.paths import DATA, SAMPLE_DATA

        self.cockpit = cockpit
        self.log: logging.Logger = cockpit.log
        self.versions_dir = Path(cockpit.versions_dir or DEFAULT_VERSIONS_DIR)
        folders = actuals_folders(data_dir or DATA) or [SAMPLE_DATA]
        self.folders = {str(p): p for p in folders}
        self.open = False
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()
        self._gen = 0
        self.computed = threading.Event()

        self.version_dd = w.Dropdown(layout=w.Layout(width="420px"))
        self.version_dd.add_class("ctl-actuals-version")
        self.folder_dd = w.Dropdown(layout=w.Layout(width="420px"))
        self.folder_dd.add_class("ctl-actuals-dir")
        self.head = w.HTML()
        self.status = w.HTML()
        self.status.add_class("sollist-status")
        self.tables = w.HTML()
        self.images = {k: w.Image(format="png") for k in ("gap", "forecast", "regions")}
        for k, img in self.images.items():
            img.add_class(f"chart-sollist-{k}")
            img.layout = w.Layout(display="none", max_width="100%")
        self.widget = w.VBox(
            [
                w.HTML(SOLLIST_CSS),
                w.HBox([self.version_dd, self.folder_dd]),
                self.head,
                self.status,
                w.HBox(
                    [self.images["gap"], self.images["forecast"]],
                    layout=w.Layout(align_items="flex-start"),  # no stretched chart
                ),
                self.tables,
                self.images["regions"],
            ]
        )
        self.widget.add_class("sollist")
        self._syncing = False
        self.relabel()
        self.version_dd.observe(self._on_choice, names="value")
        self.folder_dd.observe(self._on_choice, names="value")
        cockpit.region_dd.observe(self._on_choice, names="value")
        cockpit.locale_tb.observe(self._on_locale, names="value")

    # ------------------------------------------------------------------ labels
    @property
    def locale(self) -> str:
        return self.cockpit.locale

    def relabel(self) -> None:
        """Captions in the cockpit's language (choices kept); the version list is read
        when the tab is opened."""
        loc = self.locale
        self._syncing = True
        try:
            self.version_dd.description = ck.label("plan_version", loc)
            self.folder_dd.description = ck.label("actuals_dir", loc)
            for dd in (self.version_dd, self.folder_dd):
                dd.style = {"description_width": "130px"}
            if self.open:
                self.refresh_versions()
            else:
                self.version_dd.options = [(ck.label("config_plan", loc), "")]
                self.version_dd.value = ""
            keep = self.folder_dd.value
            self.folder_dd.options = [(Path(k).name, k) for k in self.folders]
            self.folder_dd.value = keep if keep in self.folders else next(iter(self.folders))
        finally:
            self._syncing = False

    def refresh_versions(self) -> None:
        """Re-read the versions folder (a version saved elsewhere appears); keep the choice."""
        from planning_lib.app import sollist

        keep = self.version_dd.value
        options = sollist.plan_choices(self.versions_dir, self.locale)
        syncing, self._syncing = self._syncing, True
        try:
            self.version_dd.options = options
            values = [v for _, v in options]
            self.version_dd.value = keep if keep in values else sollist.CONFIG_PLAN
        finally:
            self._syncing = syncing

    # ------------------------------------------------------------------ events
    def opened(self, is_open: bool) -> None:
        """The tab was shown (True) or hidden: refresh the version list and compute."""
        self.open = is_open
        if is_open:
            self._guard(lambda: (self.refresh_versions(), self.request()))

    def _guard(self, fn: Any) -> None:

        try:
            fn()
        except Exception as exc:
            self.log.exception("Soll/Ist callback failed")
            self.status.value = html.escape(
                ck.label("sollist_error", self.locale, reason=type(exc).__name__)
            )

    def _on_choice(self, _change: dict[str, Any]) -> None:
        if not self._syncing and self.open:
            self._guard(self.request)

    def _on_locale(self, _change: dict[str, Any]) -> None:
        def go() -> None:
            self.relabel()
            if self.open:
                self.request()

        self._guard(go)

    def key(self) -> tuple[str, str, str]:
        """The cache key of the current choice: (version, actuals folder, region)."""
        from planning_lib.app import sollist

        allowed = [v for _, v in self.version_dd.options]
        version = ck.validate_choice(self.version_dd.value, allowed, sollist.CONFIG_PLAN)
        folder = ck.validate_choice(
            self.folder_dd.value, list(self.folders), next(iter(self.folders))
        )
        return str(version), str(folder), self.cockpit.region or ""

    def request(self) -> None:
        """Show the current choice: from the cache, or computed on a worker thread."""

        key = self.key()
        with self._lock:
            self._gen += 1
            gen = self._gen
            cached = self._cache.get(key)
        self._set_ready(False)
        self.computed.clear()
        if cached is not None:
            self._show(cached, gen)
            return
        self.status.value = (
            f'<p class="sollist-note">{html.escape(ck.label("computing", self.locale))}</p>'
        )
        threading.Thread(
            target=self._work, args=(key, gen), name="cockpit-sollist", daemon=True
        ).start()

    def _work(self, key: tuple[str, str, str], gen: int) -> None:
        from planning_lib.app import sollist

        version, folder, region = key
        try:
            view = sollist.compute(
                self.cockpit.config,
                self.folders[folder],
                region or None,
                version,
                self.versions_dir,
            )
        except Exception as exc:
            self.log.exception("Soll/Ist computation failed")
            if gen == self._gen:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.status.value = html.escape(
                    ck.label("sollist_error", self.locale, reason=reason)
                )
                self.computed.set()
            return
        with self._lock:
            self._cache[key] = view
        self._show(view, gen)

    # ------------------------------------------------------------------ showing
    def _show(self, view: Any, gen: int) -> None:
        from planning_lib.app import charts
        from planning_lib.app import sollist_charts as sc
        from planning_lib.app import sollist_tables as st
        from planning_lib.present import formatting as fmt

        if gen != self._gen:
            return
        loc = self.locale
        e = html.escape
        self.head.value = (
            f"<h3>{e(ck.label('tab_actuals', loc))}: {e(view.plan_name)}</h3>"
            f'<p class="sollist-note">{e(ck.label("as_of", loc))} '
            f"{e(fmt.format_day(view.as_of, loc))}</p>"
        )
        actions = st.actions_list(view.actions, loc)
        items = []
        for a in actions:
            ev = ", ".join(a["evidence"])
            extra = f"<br>{e(a['proposal'])}" if a["proposal"] else ""
            items.append(
                f'<li class="severity-{e(a["severity"])}"><b>{e(a["title"])}</b><br>'
                f"{e(a['action'])}<br><small>{e(ck.label('evidence', loc))}: {e(ev)}</small>"
                f"{extra}</li>"
            )
        acts = f"<ul>{''.join(items)}</ul>" if items else f"<p>{e(ck.label('no_actions', loc))}</p>"
        summary = st.forecast_summary(view, loc)
        self.tables.value = (
            f"<h4>{e(ck.label('kpis_month', loc))}</h4>"
            + _table(st.kpi_month_table(view.variance, loc), "sollist-kpi-month")
            + f"<h4>{e(ck.label('gap', loc))}</h4>"
            + _table(st.gap_table(view.variance, loc), "sollist-gap")
            + f"<h4>{e(ck.label('landing', loc))}</h4>"
            + _table(st.landing_table(view.landing, loc), "sollist-landing", "met_key")
            + f'<h4>{e(ck.label("forecast", loc))}</h4><p class="sollist-forecast">{e(summary)}</p>'
            + f"<h4>{e(ck.label('actions', loc))}</h4>"
            + f'<div class="sollist-actions">{acts}</div>'
            + f"<h4>{e(ck.label('kpis_channel', loc))}</h4>"
            + _table(st.kpi_channel_table(view.variance, loc), "sollist-kpi-channel", "status_key")
        )
        figures = {
            "gap": sc.gap_chart(view.variance, loc),
            "forecast": sc.forecast_chart(view, loc),
            "regions": sc.region_multiples(view.regions, loc),
        }
        for k, fig in figures.items():
            if gen != self._gen:
                return
            self.images[k].value = charts.png(fig)
            self.images[k].layout.display = ""
        self.status.value = ""
        if gen == self._gen:
            self._set_ready(True)
            self.computed.set()

    def _set_ready(self, ready: bool) -> None:
        classes = [c for c in self.widget._dom_classes if c != "sollist-ready"]
        self.widget._dom_classes = (*classes, "sollist-ready") if ready else tuple(classes)
