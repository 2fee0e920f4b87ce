"""The Szenario-Cockpit as ipywidgets: controls, KPI tiles, charts, findings, exports.

``Cockpit`` builds the widget tree the Voila notebook displays. Every callback
validates what the browser sent (``planning_lib.app.cockpit.validate_settings``) before
anything is computed. Changes are debounced and computed on a worker thread (the
deterministic plan and the tiles first, then the charts and the tornado); Monte Carlo
runs on its own thread, so the page never waits for it. Charts are drawn by a
``cockpit_charts.ChartBoard``: one figure per chart, updated in place, and a chart whose
inputs did not change is not drawn or sent again. A newer change makes older
results stale: they are dropped, never shown. Errors are logged with their traceback
to the server's stderr and shown on the page as one plain sentence.

Stable DOM hooks for browser tests: the root has class ``cockpit``; each tile
``kpi-tile kpi-<key>`` (e.g. ``kpi-mrr-end``) with the value in ``.kpi-value``; each
slider ``ctl-<key>`` with its German readout ``ctl-<key>-readout``; the scenario,
region and language selectors ``ctl-scenario``,
``ctl-region``, ``ctl-locale``; the status line ``cockpit-status``; the root gets
``cockpit-idle`` once every output is current.

pandas, numpy and matplotlib are imported by the worker after the page is up.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from planning_lib.app import cockpit as ck
from planning_lib.app import tiles as out
from planning_lib.app.runtime import Engine, default_engine, server_logger, versions_path
from planning_lib.core.config import load_params
from planning_lib.core.params import PlanParameters
from planning_lib.present.formatting import format_value
from planning_lib.present.plan_finding_texts import plan_finding_text

__all__ = ["COCKPIT_CSS", "Cockpit"]

COCKPIT_CSS = """
<style>
.cockpit .kpi-tile {border-radius:6px; padding:6px 10px; margin:3px; min-width:150px;
  background:#f4f6f8; border-left:5px solid #9aa5b1;}
.cockpit .kpi-tile.status-ok {border-left-color:#2e7d32;}
.cockpit .kpi-tile.status-warn {border-left-color:#f9a825;}
.cockpit .kpi-tile.status-bad {border-left-color:#c62828;}
.cockpit .kpi-label {font-size:12px; color:#52606d;}
.cockpit .kpi-value {font-size:22px; font-weight:600; color:#1f2933;}
.cockpit .kpi-note {font-size:11px; color:#7b8794;}
.cockpit .cockpit-status {font-size:12px; color:#7b8794; min-height:1.4em;}
.cockpit .finding-critical {color:#c62828;} .cockpit .finding-warning {color:#b26a00;}
.cockpit .cockpit-bases table {border-collapse:collapse; font-size:12px; margin:4px 3px;}
.cockpit .cockpit-bases td, .cockpit .cockpit-bases th {padding:2px 8px; text-align:right;}
.cockpit .cockpit-bases tr.chosen {font-weight:600; background:#e8f0fe;}
</style>
"""


def _slider(c: ck.Control, value: float, plan_value: float | None = None) -> w.Widget:
    """The slider of a control at ``value`` (shares in percent), spanning
    ``ck.slider_range`` around ``plan_value``; its readout is a separate German text
    box (:class:`Readout`), so the slider's own (English-style) readout is off."""
    low, high = ck.slider_range(c, value if plan_value is None else plan_value)
    low, high = min(low, value), max(high, value)
    common = {
        "value": c.to_widget(value),
        "min": c.to_widget(low),
        "max": c.to_widget(high),
        "step": c.to_widget(c.step),
        "continuous_update": False,
        "readout": False,
        "style": {"description_width": "225px"},
        "layout": w.Layout(flex="1 1 auto", width="auto"),
    }
    if c.is_int:
        s = w.IntSlider(**{**common, "value": int(value), "min": int(low), "max": int(high)})
    else:
        s = w.FloatSlider(**common)
    s.add_class(f"ctl-{c.key.replace('_', '-')}")
    return s


class Readout:
    """The readout of a slider in the page's language (``3,0 %``, ``100.000 €``),
    editable: a typed value (``4,5``; ``4.5`` is read as 4,5 too) moves the slider,
    widening its span up to the control's limits; anything else is logged and the
    readout shows the slider's value again.

    DOM hook: ``ctl-<key>-readout`` (a text box; its ``input`` holds the text).
    """

    def __init__(self, c: ck.Control, slider: w.Widget, cockpit: Cockpit) -> None:
        self.c, self.slider, self.cockpit = c, slider, cockpit
        self.box = w.Text(continuous_update=False, layout=w.Layout(width="105px"))
        self.box.add_class("ctl-readout")
        self.box.add_class(f"ctl-{c.key.replace('_', '-')}-readout")
        self._busy = False
        self.show()
        slider.observe(lambda _ch: self.show(), names="value")
        self.box.observe(self._typed, names="value")

    def show(self) -> None:
        """Write the slider's value into the readout (current language)."""
        text = ck.format_setting(self.c, self.c.from_widget(self.slider.value), self.cockpit.locale)
        self._busy = True
        try:
            self.box.value = text
        finally:
            self._busy = False

    def _typed(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        c, s = self.c, self.slider
        try:
            value = ck.parse_setting(c, change["new"], self.cockpit.locale)
        except ValueError as exc:
            self.cockpit.log.info("rejected readout: %s", exc)
            self.show()
            return
        value = min(max(value, c.low), c.high)
        pos = round(value) if c.is_int else c.to_widget(value)
        if pos < s.min:
            s.min = pos
        if pos > s.max:
            s.max = pos
        if s.value == pos:
            self.show()
        s.value = pos


def _description(c: ck.Control, locale: ck.Locale) -> str:
    return ck.label(c.key, locale) + (" (%)" if c.kind == "share" else "")


class Cockpit:
    """The scenario app: build it, then display ``cockpit.widget``.

    Args:
        config: base parameter YAML (e.g. ``data/configs/cloudflow.yaml``).
        region: region name (``regions/<name>.yaml`` beside ``config``) or None.
        locale: 'de' (default) or 'en'.
        engine: the plan engine (default: ``default_engine()``).
        debounce_s: wait this long after the last change before computing.
        versions_dir: where "save as plan version" writes and the Soll/Ist tab lists
            versions from (None = ``$PLANNING_COCKPIT_VERSIONS`` or ``data/versions``).
    """

    def __init__(
        self,
        config: str | Path,
        region: str | None = None,
        locale: str = "de",
        engine: Engine | None = None,
        debounce_s: float = 0.03,
        versions_dir: str | Path | None = None,
    ) -> None:
        self.log = server_logger()
        self.config = Path(config)
        self.engine = engine or default_engine()
        self.debounce_s = debounce_s
        self.versions_dir = versions_dir if versions_dir is not None else versions_path()
        self.locale: ck.Locale = "en" if locale == "en" else "de"
        self.regions = sorted(p.stem for p in (self.config.parent / "regions").glob("*.yaml"))
        self.region = region if region in self.regions else None
        self.params = load_params(self.config, region=self.region)
        self.scenario = "base"
        self.basis = "base"
        self.plan_basis = self.params.drivers.new_customers_basis
        self.settings = ck.settings_from_params(self.params)
        self.result: Any = None
        self.overrides: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cv = threading.Condition()
        self._gen = 0
        self._pending = False
        self._done_gen = 0
        self._mc_cv = threading.Condition()
        self._mc_job: tuple[int, Any, PlanParameters, Any, int, int] | None = None
        self._board: Any = None  # cockpit_charts.ChartBoard, made by the worker
        self._pair_cache: dict[Any, dict[str, Any]] = {}
        self.mc_done = threading.Event()
        self.planned: PlanParameters | None = None
        self._syncing = False
        self._build()
        threading.Thread(target=self._worker, name="cockpit-plan", daemon=True).start()
        threading.Thread(target=self._mc_worker, name="cockpit-mc", daemon=True).start()
        self.request()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        loc = self.locale
        self.title = w.HTML()
        self.region_dd = w.Dropdown(layout=w.Layout(width="98%"))
        self.region_dd.add_class("ctl-region")
        self.scenario_dd = w.Dropdown(layout=w.Layout(width="98%"))
        self.scenario_dd.add_class("ctl-scenario")
        self.locale_tb = w.ToggleButtons(options=[("Deutsch", "de"), ("English", "en")], value=loc)
        self.locale_tb.add_class("ctl-locale")
        self.basis_tb = w.ToggleButtons(options=[("", "target"), ("", "funnel")])
        self.basis_tb.value = self.plan_basis
        self.basis_tb.add_class("ctl-basis")
        self.pair = w.HTML()
        self.pair.add_class("cockpit-bases")
        self.sliders = {c.key: _slider(c, self.settings[c.key]) for c in ck.CONTROLS}
        self.readouts = {c.key: Readout(c, self.sliders[c.key], self) for c in ck.CONTROLS}
        self.mc_cb = w.Checkbox(value=True, indent=False)
        self.mc_cb.add_class("ctl-monte-carlo")
        self.draws = w.BoundedIntText(
            value=1000, min=ck.MC_DRAWS_RANGE[0], max=ck.MC_DRAWS_RANGE[1]
        )
        self.seed = w.BoundedIntText(
            value=self.params.monte_carlo.seed, min=ck.SEED_RANGE[0], max=ck.SEED_RANGE[1]
        )
        self.sections = {
            g: w.VBox([w.HBox([self.sliders[c.key], self.readouts[c.key].box])
                       for c in ck.CONTROLS if c.group == g])
            for g in ("ziele", "funnel", "budget", "team")
        }  # fmt: skip
        self.accordion = w.Accordion(children=list(self.sections.values()))
        self.accordion.selected_index = 0
        self.tiles = {k: w.HTML() for k in out.TILE_KEYS}
        for k, t in self.tiles.items():
            t.add_class("kpi-tile")
            t.add_class("kpi-" + k.replace("_", "-"))
        self.images = {
            k: w.Image(format="png") for k in ("bridge", "mrr", "leads", "cash", "tornado")
        }
        for k, img in self.images.items():
            img.add_class(f"chart-{k}")
            img.layout = w.Layout(width="49%", display="none")  # shown with its first chart
        self.findings = w.HTML()
        self.findings.add_class("cockpit-findings")
        self.status = w.HTML()
        self.status.add_class("cockpit-status")
        self.version_name = w.Text(value="", layout=w.Layout(width="98%"))
        self.version_name.add_class("ctl-version-name")
        self.save_btn = w.Button(icon="save", layout=w.Layout(width="98%"))
        self.save_btn.add_class("ctl-save")
        self.downloads = w.HTML()
        self.downloads.add_class("cockpit-downloads")
        self._relabel()

        for s in self.sliders.values():
            s.observe(self._on_slider, names="value")
        self.scenario_dd.observe(self._on_scenario, names="value")
        self.region_dd.observe(self._on_region, names="value")
        self.locale_tb.observe(self._on_locale, names="value")
        self.basis_tb.observe(self._on_basis, names="value")
        for x in (self.mc_cb, self.draws, self.seed):
            x.observe(self._on_mc, names="value")
        self.save_btn.on_click(self._on_save)

        self.labels = {
            k: w.HTML() for k in ("region", "scenario", "plan_basis", "language", "mc", "save")
        }
        self._relabel_headers()
        controls = w.VBox(
            [
                self.labels["language"], self.locale_tb,
                self.labels["region"], self.region_dd,
                self.labels["scenario"], self.scenario_dd,
                self.labels["plan_basis"], self.basis_tb,
                self.accordion,
                self.labels["mc"], w.HBox([self.mc_cb, self.draws, self.seed]),
                self.labels["save"], self.version_name, self.save_btn, self.downloads,
            ],
            layout=w.Layout(width="520px", min_width="520px"),
        )  # fmt: skip
        imgs = list(self.images.values())
        outputs = w.VBox(
            [
                w.HBox(list(self.tiles.values()), layout=w.Layout(flex_flow="row wrap")),
                self.pair,
                self.status,
                w.HBox(imgs[:2]), w.HBox(imgs[2:4]),
                w.HBox([imgs[4], self.findings], layout=w.Layout(align_items="flex-start")),
            ],
            layout=w.Layout(flex="1 1 auto"),
        )  # fmt: skip
        self.findings.layout = w.Layout(width="49%")
        from planning_lib.app.actuals_app import SollIstTab  # computes only when opened

        self.actuals_tab = SollIstTab(self)
        self.tabs = w.Tab(children=[w.HBox([controls, outputs]), self.actuals_tab.widget])
        self.tabs.add_class("cockpit-tabs")
        self.tabs.observe(
            lambda ch: self.actuals_tab.opened(ch["new"] == 1), names="selected_index"
        )
        self._relabel_tabs()
        self.locale_tb.observe(lambda _ch: self._relabel_tabs(), names="value")
        self.widget = w.VBox([w.HTML(COCKPIT_CSS), self.title, self.tabs])
        self.widget.add_class("cockpit")

    def _relabel_tabs(self) -> None:
        from planning_lib.app.actuals import label as tab_label

        for i, key in enumerate(("tab_plan", "tab_actuals")):
            self.tabs.set_title(i, tab_label(key, self.locale))

    def _relabel_headers(self) -> None:
        loc = self.locale
        self.labels["region"].value = f"<b>{ck.label('region', loc)}</b>"
        self.labels["scenario"].value = f"<b>{ck.label('scenario', loc)}</b>"
        self.labels["plan_basis"].value = f"<b>{ck.label('plan_basis', loc)}</b>"
        self.labels["language"].value = f"<b>{ck.label('language', loc)}</b>"
        self.labels["mc"].value = (
            f"<b>{ck.label('monte_carlo', loc)}</b> "
            f"({ck.label('draws', loc)}, {ck.label('seed', loc)})"
        )
        self.labels["save"].value = f"<b>{ck.label('save', loc)}</b>"

    def _relabel(self) -> None:
        """Set every caption in the current language (values unchanged)."""
        loc = self.locale
        self._syncing = True
        try:
            self.title.value = f"<h2>{ck.label('title', loc)} – {html.escape(self._where())}</h2>"
            self.region_dd.options = [(ck.label("company", loc), "")] + [
                (r, r) for r in self.regions
            ]
            self.region_dd.value = self.region or ""
            named = ["base", *[s for s in ("best", "worst") if s in self.params.scenarios]]
            self.scenario_dd.options = [(ck.label(s, loc), s) for s in [*named, "custom"]]
            self.scenario_dd.value = self.scenario
            self.basis_tb.options = [(ck.label(f"basis_{b}", loc), b) for b in ("target", "funnel")]
            self.basis_tb.value = self.plan_basis
            for c in ck.CONTROLS:
                self.sliders[c.key].description = _description(c, loc)
                self.readouts[c.key].show()
            for i, g in enumerate(self.sections):
                self.accordion.set_title(i, ck.label(g, loc))
            self.mc_cb.description = ck.label("monte_carlo", loc)
            self.version_name.placeholder = ck.label("version_name", loc)
            self.save_btn.description = ck.label("save", loc)
        finally:
            self._syncing = False

    def _where(self) -> str:
        return self.region or self.params.company.name

    # ------------------------------------------------------------------ callbacks
    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            self.log.exception("cockpit callback failed")
            self.status.value = html.escape(ck.label("error", self.locale))

    def _read_settings(self) -> dict[str, float | int]:
        raw = {c.key: c.from_widget(self.sliders[c.key].value) for c in ck.CONTROLS}
        clean, problems = ck.validate_settings(raw, self.settings)
        for p in problems:
            self.log.warning("rejected widget value: %s", p)
        return clean

    def _on_slider(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return

        def go() -> None:
            if self.scenario != "custom":
                self._set_quietly(self.scenario_dd, "custom")
                self.scenario = "custom"
            self.request()

        self._guard(go)

    def _set_quietly(self, widget: w.Widget, value: Any) -> None:
        self._syncing = True
        try:
            widget.value = value
        finally:
            self._syncing = False

    def _load_scenario(self, scenario: str) -> None:
        """Move the sliders to what ``scenario`` implies (no recomputation per slider)."""
        scen = ck.scenario_overrides(self.params, scenario)
        applied = self.engine_params(scen)
        self.settings = ck.settings_from_params(applied)
        self._syncing = True
        try:
            for c in ck.CONTROLS:
                pos, s = c.to_widget(self.settings[c.key]), self.sliders[c.key]
                s.min, s.max = min(s.min, pos), max(s.max, pos)  # never clamp a scenario
                s.value = pos
        finally:
            self._syncing = False

    def _set_ranges(self) -> None:
        """Slider spans around the current plan's values (after a region change)."""
        plan = ck.settings_from_params(self.params)
        self._syncing = True
        try:
            for c in ck.CONTROLS:
                low, high = ck.slider_range(c, float(plan[c.key]))
                lo, hi = (
                    (int(low), int(high)) if c.is_int else (c.to_widget(low), c.to_widget(high))
                )
                s = self.sliders[c.key]
                if lo > s.max:
                    s.max, s.min = hi, lo
                else:
                    s.min, s.max = lo, hi
        finally:
            self._syncing = False

    def engine_params(self, overrides: dict[str, Any]) -> PlanParameters:
        """Base parameters with ``overrides`` applied (validated)."""
        from planning_lib.core.overrides import apply_overrides

        return apply_overrides(self.params, overrides)

    def _on_scenario(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return

        def go() -> None:
            allowed = [v for _, v in self.scenario_dd.options]
            new = ck.validate_choice(change["new"], allowed, self.scenario)
            self.scenario = new
            if new != "custom":
                self.basis = new
                self._load_scenario(new)
            self.request()

        self._guard(go)

    def _on_region(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return

        def go() -> None:
            new = ck.validate_choice(change["new"], ["", *self.regions], self.region or "")
            self.region = new or None
            self.params = load_params(self.config, region=self.region)
            self.scenario = self.basis = "base"
            self._set_ranges()
            self._relabel()
            self._load_scenario("base")
            self.request()

        self._guard(go)

    def _on_locale(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return

        def go() -> None:
            self.locale = ck.validate_choice(change["new"], ("de", "en"), self.locale)  # type: ignore[assignment]
            self._relabel()
            self._relabel_headers()
            self.request()

        self._guard(go)

    def _on_basis(self, change: dict[str, Any]) -> None:
        """The plan basis: every figure of the page follows the one chosen."""
        if self._syncing:
            return

        def go() -> None:
            self.plan_basis = ck.validate_choice(
                change["new"], ["target", "funnel"], self.plan_basis
            )
            self.request()

        self._guard(go)

    def _show_pair(self, overrides: dict[str, Any], summary: dict[str, Any]) -> None:
        """Both bases side by side (the chosen one bold): new customers, MRR, cost, CAC."""
        loc = self.locale
        other = "funnel" if self.plan_basis == "target" else "target"
        alt = self._plan_summary({**overrides, "drivers.new_customers_basis": other})
        self._remember_summary(overrides, summary)
        by = {self.plan_basis: summary, other: alt}
        cols = [
            ("new_customers", "count"),
            ("mrr_end", "eur"),
            ("cost_total", "eur"),
            ("cac_fully_loaded", "eur"),
        ]
        head = "".join(f"<th>{html.escape(ck.label(k, loc))}</th>" for k, _ in cols)
        rows = []
        for b in ("funnel", "target"):
            s = by[b]
            cells = "".join(
                f"<td>{html.escape(format_value(s.get(k), kind, loc))}</td>" for k, kind in cols
            )
            style = ' class="chosen"' if b == self.plan_basis else ""
            rows.append(
                f"<tr{style}><th>{html.escape(ck.label(f'basis_{b}', loc))}</th>{cells}</tr>"
            )
        self.pair.value = (
            f"<b>{html.escape(ck.label('bases_pair', loc))}</b>"
            f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"
        )

    def _summary_key(self, overrides: dict[str, Any]) -> Any:
        from planning_lib.app.charts import fingerprint

        return (self.region, fingerprint(overrides))

    def _remember_summary(self, overrides: dict[str, Any], summary: dict[str, Any]) -> None:
        if len(self._pair_cache) > 64:
            self._pair_cache.clear()
        self._pair_cache[self._summary_key(overrides)] = summary

    def _plan_summary(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """The plan summary for ``overrides``, remembered (the bases pair's second plan:
        toggling the basis back and forth plans nothing new)."""
        key = self._summary_key(overrides)
        if key not in self._pair_cache:
            self._remember_summary(overrides, self.engine.run_plan(self.params, overrides).summary)
        return self._pair_cache[key]

    def _on_mc(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._guard(self.request)

    # ------------------------------------------------------------------ computing
    def request(self) -> None:
        """Ask for a recomputation (debounced; the newest request wins)."""
        with self._cv:
            self._gen += 1
            self._pending = True
            self._cv.notify_all()

    def _worker(self) -> None:
        while True:
            with self._cv:
                while not self._pending:
                    self._cv.wait()
                while True:  # debounce: wait until no request came for debounce_s
                    gen = self._gen
                    self._cv.wait(timeout=self.debounce_s)
                    if self._gen == gen:
                        break
                self._pending = False
            try:
                self._compute(gen)
            except Exception:
                self.log.exception("cockpit computation failed")
                self.status.value = html.escape(ck.label("error", self.locale))
            finally:
                with self._cv:
                    self._done_gen = max(self._done_gen, gen)
                    self._cv.notify_all()

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Block until the newest request is computed (tiles, charts, tornado); False on timeout.

        Monte Carlo, which runs on its own thread, is not waited for.
        """
        deadline = time.monotonic() + timeout
        with self._cv:
            while self._done_gen < self._gen or self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(timeout=left)
        return True

    def _stale(self, gen: int) -> bool:
        return gen != self._gen

    def _compute(self, gen: int) -> None:
        """Plan → tiles (first, fast) → Monte Carlo job → findings → charts → tornado.

        Between steps a newer request makes this run stale and it stops.
        """
        t0 = time.perf_counter()
        self._set_idle(False)
        loc = self.locale
        settings = self._read_settings()
        scenario = self.basis if self.scenario == "custom" else self.scenario
        overrides = ck.overrides_from_settings(self.params, settings, scenario)
        overrides["drivers.new_customers_basis"] = self.plan_basis
        result = self.engine.run_plan(self.params, overrides)
        if self._stale(gen):
            return
        planned = getattr(result, "params", None) or self.engine_params(overrides)
        with self._lock:
            self.settings, self.overrides, self.result = settings, overrides, result
            self.planned = planned
        mc_on = bool(self.mc_cb.value) and self.engine.monte_carlo is not None
        self._show_tiles(result.summary, planned, "running" if mc_on else "off", None)
        self.status.value = ""
        t_tiles = time.perf_counter() - t0
        views = out.plan_views(result.monthly, planned, loc)
        if mc_on:
            draws = ck.validate_int(self.draws.value, *ck.MC_DRAWS_RANGE, 1000)
            seed = ck.validate_int(self.seed.value, *ck.SEED_RANGE, 42)
            self.mc_done.clear()
            with self._mc_cv:
                self._mc_job = (gen, result, planned, views, draws, seed)
                self._mc_cv.notify()
        self._show_pair(overrides, result.summary)
        self._show_findings(result.findings)
        target = planned.target("mrr_end")
        steps: list[tuple[str, tuple[Any, ...]]] = [
            ("bridge", (views.bridge, loc)),
            ("leads", (views.leads, loc)),
            ("cash", (views.months, views.cash, loc)),
        ]
        if not mc_on:  # with Monte Carlo the MRR chart comes with its band
            steps.insert(1, ("mrr", (views.months, views.mrr, None, None,
                                     target.value if target else None, loc)))  # fmt: skip
        for key, args in steps:  # a chart whose inputs did not change is not drawn
            if self._stale(gen):
                return
            self._show_chart(key, *args)
        if self._stale(gen):
            return
        self._show_tornado(planned, float(result.summary.get("mrr_end", 0.0)), loc)
        if not self._stale(gen):
            self._set_idle(True)
        self.log.info(
            "plan gen %d: tiles %.0f ms, all %.0f ms",
            gen,
            1000 * t_tiles,
            1000 * (time.perf_counter() - t0),
        )

    def _show_chart(self, key: str, *args: Any) -> None:
        """Draw chart ``key`` for ``args`` into its image; nothing when its inputs are
        those of the image shown (see ``cockpit_charts.ChartBoard``)."""
        if self._board is None:
            from planning_lib.app import charts  # matplotlib: after the tiles

            self._board = charts.ChartBoard()
        data = self._board.render(key, *args)
        if data is not None:
            img = self.images[key]
            img.value = data
            img.layout.display = ""

    def _set_idle(self, idle: bool) -> None:
        """Toggle the root's ``cockpit-idle`` class (set when every output is current)."""
        classes = [c for c in self.widget._dom_classes if c != "cockpit-idle"]
        self.widget._dom_classes = (*classes, "cockpit-idle") if idle else tuple(classes)

    def _show_tiles(
        self, summary: dict[str, Any], planned: PlanParameters, mc_state: str, p: float | None
    ) -> None:
        for tile in out.kpi_tiles(summary, planned, self.locale, p, mc_state):  # type: ignore[arg-type]
            widget = self.tiles[tile.key]
            widget.value = (
                f'<div class="kpi-label">{html.escape(tile.label)}</div>'
                f'<div class="kpi-value">{html.escape(tile.value)}</div>'
                f'<div class="kpi-note">{html.escape(tile.note) or "&nbsp;"}</div>'
            )
            keep = [c for c in widget._dom_classes if not c.startswith("status-")]
            widget._dom_classes = (*keep, f"status-{tile.status}")

    def _show_findings(self, findings: list[Any]) -> None:
        loc = self.locale
        items = [
            f'<li class="finding-{html.escape(str(f.severity))}">'
            f"{html.escape(plan_finding_text(f, loc))}</li>"
            for f in findings
        ]
        body = f"<ul>{''.join(items)}</ul>" if items else f"<p>{ck.label('no_findings', loc)}</p>"
        self.findings.value = f"<h4>{ck.label('findings', loc)}</h4>{body}"

    def _show_tornado(self, planned: PlanParameters, base: float, loc: str) -> None:
        if self.engine.sensitivity is None:
            return
        table = out.tornado_table(self.engine.sensitivity(planned, "mrr_end"), planned, loc)
        self._show_chart("tornado", table, base, loc)

    def _mc_worker(self) -> None:
        while True:
            with self._mc_cv:
                while self._mc_job is None:
                    self._mc_cv.wait()
                gen, result, planned, views, draws, seed = self._mc_job
                self._mc_job = None
            if self._stale(gen):
                continue
            try:
                self._monte_carlo(gen, result, planned, views, draws, seed)
            except Exception:
                self.log.exception("Monte Carlo failed")
                self.status.value = html.escape(ck.label("error", self.locale))

    def _monte_carlo(
        self, gen: int, result: Any, planned: PlanParameters, views: Any, draws: int, seed: int
    ) -> None:
        assert self.engine.monte_carlo is not None
        t0 = time.perf_counter()
        mc = self.engine.monte_carlo(out.centred_monte_carlo(planned), draws, seed)
        band = out.mc_band(mc)
        p_hit = out.mc_p_hit(mc, planned, "mrr_end")
        loc = self.locale
        with self._cv:  # a change arriving now bumps the generation only after this
            if self._stale(gen):
                return
            self._show_tiles(result.summary, planned, "done", p_hit)
        if self._stale(gen):  # a newer plan's band is on its way
            return
        target = planned.target("mrr_end")
        self._show_chart(
            "mrr",
            views.months,
            views.mrr,
            band["p10"],
            band["p90"],
            target.value if target else None,
            loc,
        )
        self.mc_done.set()
        self.log.info("monte carlo gen %d: %d draws in %.0f ms", gen, draws,
                      1000 * (time.perf_counter() - t0))  # fmt: skip

    # ------------------------------------------------------------------ saving
    def _on_save(self, _button: w.Button) -> None:
        from planning_lib.app import export

        def go() -> None:
            loc = self.locale
            try:
                name = export.version_name(self.version_name.value)
            except export.VersionNameError as exc:
                self.log.info("rejected version name: %s", exc)
                self.status.value = html.escape(ck.label("bad_version_name", loc))
                return
            with self._lock:
                result, overrides, planned = self.result, dict(self.overrides), self.planned
            if result is None:
                return
            vid = export.save_plan_version(name, result, self.versions_dir, self.config)
            self.log.info("saved plan version %s (%s)", vid, name)
            self.status.value = ""
            saved = f"{ck.label('saved', loc)}: {html.escape(name)} ({html.escape(vid)})"
            stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
            yml = export.settings_yaml(planned, overrides, name)
            xls = export.settings_excel(
                overrides,
                result.summary,
                result.monthly,
                loc,
                findings=result.findings,
                meta=export.workbook_meta(planned, f"{name} ({vid})", loc),
                value_labels=export.config_labels(planned),
            )
            self.downloads.value = (
                f"<p>{saved}</p><p>{ck.label('download', loc)}: "
                + export.data_link(yml, f"{stem}.yaml", "application/x-yaml", "YAML")
                + " · "
                + export.data_link(
                    xls,
                    f"{stem}.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "Excel",
                )
                + "</p>"
            )

        self._guard(go)
