"""The Szenario-Cockpit as ipywidgets: controls, KPI tiles, charts, findings, exports.

``Cockpit`` is what the Voila notebook (``notebooks/szenario_cockpit.py``) displays:
its widgets come from ``cockpit_widgets``, the computing from ``cockpit_updates``;
this module holds the state a page starts with and the callbacks of the controls.
Every callback validates what the browser sent (``planning_lib.app.cockpit``) before
anything is computed; errors are logged with their traceback and shown on the page
as one plain sentence. "Save as plan version" writes a version and offers the settings
as YAML and Excel downloads (``planning_lib.app.export``).

DOM hooks: see ``cockpit_widgets`` and ``cockpit_updates``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from planning_lib.app import cockpit as ck
from planning_lib.app.cockpit_updates import CockpitUpdates
from planning_lib.app.runtime import Engine, default_engine, server_logger, versions_path
from planning_lib.core.config import load_params

__all__ = ["Cockpit"]


class Cockpit(CockpitUpdates):
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
        self._syncing = False
        self._init_updates()
        self._build_widgets()
        self._wire()
        self._build_tabs()
        self._start_workers()
        self.request()

    def _wire(self) -> None:
        """Connect the controls to the callbacks below."""
        for s in self.sliders.values():
            s.observe(self._on_slider, names="value")
        self.scenario_dd.observe(self._on_scenario, names="value")
        self.region_dd.observe(self._on_region, names="value")
        self.locale_tb.observe(self._on_locale, names="value")
        self.basis_tb.observe(self._on_basis, names="value")
        for x in (self.mc_cb, self.draws, self.seed):
            x.observe(self._on_mc, names="value")
        self.save_btn.on_click(self._on_save)

    # ------------------------------------------------------------------ callbacks
    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            self.log.exception("cockpit callback failed")
            self.status.value = html.escape(ck.label("error", self.locale))

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

    def _on_mc(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._guard(self.request)

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
