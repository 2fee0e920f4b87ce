"""The Szenario-Cockpit's widgets: controls, outputs, tabs and their captions.

:class:`CockpitWidgets` builds the widget tree and captions it in the page's language;
it computes nothing and holds no callbacks (``cockpit_updates`` fills the outputs,
``cockpit_app.Cockpit`` wires the controls). A slider's readout is a separate German
text box (:class:`Readout`) that also takes typed values.

Stable DOM hooks for browser tests: the root has class ``cockpit``; each tile
``kpi-tile kpi-<key>`` (e.g. ``kpi-mrr-end``) with the value in ``.kpi-value``; each
slider ``ctl-<key>`` with its German readout ``ctl-<key>-readout``; the scenario,
region and language selectors ``ctl-scenario``, ``ctl-region``, ``ctl-locale``; the
status line ``cockpit-status``.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import ipywidgets as w

from planning_lib.app import cockpit as ck
from planning_lib.app import tiles as out
from planning_lib.app.sollist_tab import SollIstTab
from planning_lib.core.params import PlanParameters
from planning_lib.present.formatting import format_value
from planning_lib.present.value_labels import scenario_label

__all__ = ["COCKPIT_CSS", "CockpitWidgets", "Readout", "description", "slider"]


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


def slider(c: ck.Control, value: float, plan_value: float | None = None) -> w.Widget:
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

    def __init__(self, c: ck.Control, slider: w.Widget, cockpit: CockpitWidgets) -> None:
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
        c = self.c
        text = format_value(
            c.from_widget(self.slider.value), c.kind, self.cockpit.locale, c.decimals
        )
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


def description(c: ck.Control, locale: ck.Locale) -> str:
    return ck.label(c.key, locale) + (" (%)" if c.kind == "share" else "")


class CockpitWidgets:
    """The widget tree of the cockpit (``widget``) and its captions.

    The state it shows is set by ``cockpit_app.Cockpit``: the page's language, the
    config's regions and the chosen one, the parameters, scenario, plan basis and the
    slider settings.
    """

    log: logging.Logger
    config: Path
    locale: ck.Locale
    regions: list[str]
    region: str | None
    params: PlanParameters
    scenario: str
    plan_basis: str
    settings: dict[str, float | int]
    versions_dir: str | Path
    _syncing: bool

    def _build_widgets(self) -> None:
        """Every widget of the plan tab, captioned in the current language."""
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
        self.sliders = {c.key: slider(c, self.settings[c.key]) for c in ck.CONTROLS}
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

        self.labels = {
            k: w.HTML() for k in ("region", "scenario", "plan_basis", "language", "mc", "save")
        }
        self._relabel_headers()
        self.controls = w.VBox(
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
        self.outputs = w.VBox(
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

    def _build_tabs(self) -> None:
        """The plan tab and the Soll/Ist tab (which computes only when opened) in the root
        widget; call after the plan tab's callbacks are wired, so a language change
        reaches the cockpit before the Soll/Ist tab."""
        self.actuals_tab = SollIstTab(self)
        self.tabs = w.Tab(children=[w.HBox([self.controls, self.outputs]), self.actuals_tab.widget])
        self.tabs.add_class("cockpit-tabs")
        self.tabs.observe(
            lambda ch: self.actuals_tab.opened(ch["new"] == 1), names="selected_index"
        )
        self._relabel_tabs()
        self.locale_tb.observe(lambda _ch: self._relabel_tabs(), names="value")
        self.widget = w.VBox([w.HTML(COCKPIT_CSS), self.title, self.tabs])
        self.widget.add_class("cockpit")

    def _relabel_tabs(self) -> None:
        for i, key in enumerate(("tab_plan", "tab_actuals")):
            self.tabs.set_title(i, ck.label(key, self.locale))

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
            self.scenario_dd.options = [(scenario_label(s, loc), s) for s in [*named, "custom"]]
            self.scenario_dd.value = self.scenario
            self.basis_tb.options = [(ck.label(f"basis_{b}", loc), b) for b in ("target", "funnel")]
            self.basis_tb.value = self.plan_basis
            for c in ck.CONTROLS:
                self.sliders[c.key].description = description(c, loc)
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
