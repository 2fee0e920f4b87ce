"""The Szenario-Cockpit's updates: every change recomputes the plan and refreshes the outputs.

:class:`CockpitUpdates` adds to the widgets (``cockpit_widgets``) what fills them.
Changes are debounced and computed on a worker thread (the deterministic plan and the
tiles first, then the bases pair, the findings, the charts and the tornado); Monte
Carlo runs on its own thread, so the page never waits for it. Charts are drawn by a
``planning_lib.app.charts.ChartBoard``: one figure per chart, updated in place, and a
chart whose inputs did not change is not drawn or sent again. A newer change makes
older results stale: they are dropped, never shown. Errors are logged with their
traceback to the server's stderr and shown on the page as one plain sentence.

DOM hook: the root gets ``cockpit-idle`` once every output is current.

pandas, numpy and matplotlib are imported by the worker after the page is up.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

from planning_lib.app import cockpit as ck
from planning_lib.app import tiles as out
from planning_lib.app.cockpit_widgets import CockpitWidgets
from planning_lib.app.runtime import Engine
from planning_lib.core.overrides import apply_overrides
from planning_lib.core.params import PlanParameters
from planning_lib.present.formatting import format_value
from planning_lib.present.plan_finding_texts import plan_finding_text

__all__ = ["CockpitUpdates"]


class CockpitUpdates(CockpitWidgets):
    """The cockpit's computing: :meth:`request` a recomputation, :meth:`wait_until_idle`
    for it; the plan shown is ``result`` (``planned``: its parameters, ``overrides``: the
    settings as dotted paths). ``mc_done`` is set when Monte Carlo has shown its band.

    The engine, the debounce time and the chosen scenario basis are set by
    ``cockpit_app.Cockpit``.
    """

    engine: Engine
    debounce_s: float
    basis: str

    def _init_updates(self) -> None:
        """The state of the computing (before the widgets are built)."""
        self.result: Any = None
        self.overrides: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cv = threading.Condition()
        self._gen = 0
        self._pending = False
        self._done_gen = 0
        self._mc_cv = threading.Condition()
        self._mc_job: tuple[int, Any, PlanParameters, Any, int, int] | None = None
        self._board: Any = None  # charts.ChartBoard, made by the worker
        self._slot_chart: dict[str, str] = {}  # image → the chart drawn into it last
        self._pair_cache: dict[Any, dict[str, Any]] = {}
        self.mc_done = threading.Event()
        self.planned: PlanParameters | None = None

    def _start_workers(self) -> None:
        """Start the plan and the Monte Carlo threads (after the widgets are built)."""
        threading.Thread(target=self._worker, name="cockpit-plan", daemon=True).start()
        threading.Thread(target=self._mc_worker, name="cockpit-mc", daemon=True).start()

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
        steps: list[tuple[str, tuple[Any, ...]]] = [
            ("composition", (views.composition, loc))
            if views.one_off
            else ("bridge", (views.bridge, loc)),
            ("leads", (views.leads, loc)),
            ("cash", (views.months, views.cash, loc)),
        ]
        if not mc_on:  # with Monte Carlo the MRR (bookings) chart comes with its band
            steps.insert(1, self._line_chart(views, None, planned, loc))
        for key, args in steps:  # a chart whose inputs did not change is not drawn
            if self._stale(gen):
                return
            self._show_chart(key, *args)
        if self._stale(gen):
            return
        kpi = "bookings_total" if views.one_off else "mrr_end"
        self._show_tornado(planned, kpi, float(result.summary.get(kpi, 0.0)), loc)
        if not self._stale(gen):
            self._set_idle(True)
        self.log.info(
            "plan gen %d: tiles %.0f ms, all %.0f ms",
            gen,
            1000 * t_tiles,
            1000 * (time.perf_counter() - t0),
        )

    @staticmethod
    def _line_chart(
        views: Any, band: dict[str, Any] | None, planned: PlanParameters, loc: str
    ) -> tuple[str, tuple[Any, ...]]:
        """The monthly line chart: MRR with its target, or a transactional plan's
        bookings with its revenue target (the cumulative bookings the target asks for,
        named in the legend), with the Monte Carlo band when given."""
        p10, p90 = (None, None) if band is None else (band["p10"], band["p90"])
        if views.one_off:
            revenue = planned.target("revenue")
            goal = revenue.value if revenue else None
            return "bookings", (views.months, views.bookings, p10, p90, goal, loc)
        target = planned.target("mrr_end")
        goal = target.value if target else None
        return "mrr", (views.months, views.mrr, p10, p90, goal, loc)

    def _show_chart(self, key: str, *args: Any) -> None:
        """Draw chart ``key`` for ``args`` into its image (``charts.SLOTS``: a
        transactional chart in its MRR chart's place); nothing when its inputs are
        those of the image shown (see ``planning_lib.app.charts.ChartBoard``)."""
        from planning_lib.app import charts  # matplotlib: after the tiles

        if self._board is None:
            self._board = charts.ChartBoard()
        slot = charts.SLOTS.get(key, key)
        if self._slot_chart.get(slot, key) != key:  # the image shows another chart now
            self._board.forget(key)
        self._slot_chart[slot] = key
        data = self._board.render(key, *args)
        if data is not None:
            img = self.images[slot]
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
            widget = self.tiles[tile.slot or tile.key]
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

    def _show_tornado(self, planned: PlanParameters, kpi: str, base: float, loc: str) -> None:
        """The tornado of ``kpi`` (year-end MRR, or a transactional plan's bookings)."""
        if self.engine.sensitivity is None:
            return
        table = out.tornado_table(self.engine.sensitivity(planned, kpi), planned, loc)
        self._show_chart("tornado_bookings" if kpi == "bookings_total" else "tornado",
                         table, base, loc)  # fmt: skip

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
        band = out.mc_band(mc, "bookings" if views.one_off else "mrr_end")
        p_hit = out.mc_p_hit(mc, planned, out.probability_metric(result.summary, planned))
        loc = self.locale
        with self._cv:  # a change arriving now bumps the generation only after this
            if self._stale(gen):
                return
            self._show_tiles(result.summary, planned, "done", p_hit)
        if self._stale(gen):  # a newer plan's band is on its way
            return
        key, args = self._line_chart(views, band, planned, loc)
        self._show_chart(key, *args)
        self.mc_done.set()
        self.log.info("monte carlo gen %d: %d draws in %.0f ms", gen, draws,
                      1000 * (time.perf_counter() - t0))  # fmt: skip

    def _read_settings(self) -> dict[str, float | int]:
        raw = {c.key: c.from_widget(self.sliders[c.key].value) for c in ck.CONTROLS}
        clean, problems = ck.validate_settings(raw, self.settings)
        for p in problems:
            self.log.warning("rejected widget value: %s", p)
        return clean

    def engine_params(self, overrides: dict[str, Any]) -> PlanParameters:
        """Base parameters with ``overrides`` applied (validated)."""
        return apply_overrides(self.params, overrides)

    def _show_pair(self, overrides: dict[str, Any], summary: dict[str, Any]) -> None:
        """Both bases side by side (the chosen one bold): new customers, MRR (a
        transactional plan without MRR: bookings over the plan), cost, CAC."""
        loc = self.locale
        other = "funnel" if self.plan_basis == "target" else "target"
        alt = self._plan_summary({**overrides, "drivers.new_customers_basis": other})
        self._remember_summary(overrides, summary)
        by = {self.plan_basis: summary, other: alt}
        cols = [
            ("new_customers", "count"),
            ("bookings_total" if out.one_off(summary) else "mrr_end", "eur"),
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
