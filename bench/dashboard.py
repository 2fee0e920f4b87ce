"""Bench: complete update of the Szenario-Cockpit in Chromium, beside a minimal Voila app.

Both apps run in the same run, on Voila servers started side by side (the cockpit as
``planning dashboard --no-token`` serves it, the minimal app through the same server
code), and are measured alternately, change by change, so both see the same machine
load. The minimal app is a notebook written into a temp folder: one slider, seven
HTML tiles and one 2×2 matplotlib figure (4 × the cockpit's chart size, same dpi) in
an ``ipywidgets.Image``, all rebuilt on every slider change.

What is measured, per change: a ``MutationObserver`` installed in the page records the
time of every DOM change (tiles, chart images, findings, bases table, anything under
``<body>``); a capturing ``keydown`` listener records the key press. One arrow-key
step on the slider (the cockpit's churn slider or ``--slider``, the minimal app's
only slider; always the same direction, so every change is a new value), then wait
until the page has been quiet for the settle window and the change is complete: the
cockpit's root lost and regained ``cockpit-idle`` and its Monte Carlo tile no longer
says "running"; the minimal app's figure was replaced. The figure is *last DOM
change − key press*, both ``performance.now()`` in the page; Monte Carlo (the MRR
band and the probability tile) is included.

Prints for both apps median, P95 and max over N changes, and the ratios cockpit /
minimal. Goal (issue 14): median ≤ 1.5×, P95 ≤ 2× the minimal app's.

Usage: ``.venv/bin/python bench/dashboard.py [--changes 20] [--settle-ms 1000]
[--slider new_customers_target]``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from planning_lib.app.cockpit import label
from planning_lib.cli import dashboard

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1500, "height": 1100}

MINIMAL_APP = """\
import io

import ipywidgets as w
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

slider = w.FloatSlider(value=3.0, min=0.0, max=15.0, step=0.1, continuous_update=False,
                       description="Churn (%)")
slider.add_class("mini-slider")
tiles = [w.HTML() for _ in range(7)]
for t in tiles:
    t.add_class("mini-tile")
image = w.Image(format="png")
image.add_class("mini-chart")
months = np.arange(12)


def update(change=None):
    churn = slider.value / 100
    mrr = 80_000 * np.cumprod(np.full(12, 1.04 - churn))
    new = 50 * (1 + 0.05 * months) * (1 - churn)
    cash = np.cumsum(mrr * 0.7 - 60_000)
    swing = np.sort(np.abs(np.sin(np.arange(8) + churn * 10)) * mrr[-1] * 0.1)
    values = [mrr[-1], new.sum(), cash.min(), mrr.mean(), churn * 100, swing.max(), cash[-1]]
    for i, (t, v) in enumerate(zip(tiles, values)):
        t.value = f"<div>KPI {i + 1}</div><div class='mini-value'>{v:,.0f}</div>"
    fig = Figure(figsize=(11.2, 6.0), dpi=80)
    axs = fig.subplots(2, 2)
    axs[0, 0].plot(months, mrr)
    axs[0, 0].set_title("MRR")
    axs[0, 1].bar(months, new)
    axs[0, 1].set_title("Neukunden")
    axs[1, 0].plot(months, cash)
    axs[1, 0].axhline(0, color="#555")
    axs[1, 0].set_title("Liquidität")
    axs[1, 1].barh(np.arange(8), swing)
    axs[1, 1].set_title("Sensitivität")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    image.value = buf.getvalue()


slider.observe(update, names="value")
update()
root = w.VBox([slider, w.HBox(tiles), image])
root.add_class("mini-app")
display(root)
"""

OBSERVER_JS = """() => {
  const b = (window.__bench = {t0: 0, last: 0, what: '', imgs: [], busy: false});
  const hook = (node) => {  // the widget's DOM hook class, e.g. chart-mrr, kpi-mrr-end
    const e = node.nodeType === 1 ? node : node.parentElement;
    if (e && e.classList.contains('cockpit')) return 'cockpit root (class)';
    const w = e && e.closest('[class*="chart-"], [class*="kpi-"], .cockpit-findings,'
                             + ' .cockpit-bases, .cockpit-status, [class*="mini-"]');
    const hooks = w ? [...w.classList].filter(c => /^(chart|kpi|cockpit|mini)-/.test(c)) : [];
    return hooks.length ? hooks.join(' ') : (e ? e.tagName.toLowerCase() : '?');
  };
  new MutationObserver((records) => {
    b.last = performance.now();
    for (const r of records) {
      b.what = hook(r.target);
      if (r.target.tagName === 'IMG' && r.attributeName === 'src') b.imgs.push(b.what);
      if (r.target.classList && r.target.classList.contains('cockpit')
          && !r.target.classList.contains('cockpit-idle')) b.busy = true;  // computing
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  document.addEventListener('keydown', () => { b.t0 = performance.now(); }, true);
}"""

QUIET_JS = """([settle, done]) => {
  const b = window.__bench, now = performance.now();
  return b.t0 > 0 && b.last > b.t0 && now - b.last >= settle && new Function('b', done)(b);
}"""

COCKPIT_DONE = (
    "return b.busy && document.querySelector('.cockpit.cockpit-idle') !== null"
    " && !document.querySelector('.kpi-p-mrr-target').textContent.includes(%s);"
)
"""The cockpit took the change (its root lost ``cockpit-idle``), every output is current
again and Monte Carlo is done (its tile no longer says it is running)."""

MINIMAL_DONE = "return b.imgs.includes('mini-chart');"
"""The minimal app's figure was replaced (every step changes it)."""


class App:
    """One Voila app under test: its server, page and slider."""

    def __init__(self, name: str, ready: str, handle: str, done: str) -> None:
        self.name = name
        self.ready = ready  # selector present when the page's outputs are current
        self.handle = handle  # the slider handle that gets the arrow keys
        self.done = done  # JS body, true when a change is complete (besides the quiet)
        self.proc: subprocess.Popen | None = None
        self.page = None
        self.latencies: list[float] = []
        self.last: list[str] = []  # the DOM hook of each change's last mutation
        self.images: list[int] = []  # chart images replaced per change
        self.start_s = 0.0


def _minimal_notebook(folder: Path) -> Path:
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": MINIMAL_APP.splitlines(keepends=True),
    }
    nb = {
        "cells": [cell],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                    "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip
    path = folder / "minimal_app.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def _start_minimal(notebook: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = dashboard.voila_command(notebook=notebook, port=port, token=None)
    with open(log, "ab") as out:
        return subprocess.Popen(
            cmd,
            cwd=notebook.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=dashboard.die_with_parent(),
        )


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _open(browser, app: App, port: int, t0: float) -> None:
    dashboard.wait_for_port(port, 90, app.proc)
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"http://127.0.0.1:{port}/", timeout=TIMEOUT_MS)
    page.locator(app.ready).wait_for(timeout=TIMEOUT_MS)
    app.start_s = time.perf_counter() - t0
    page.evaluate(OBSERVER_JS)
    app.page = page


def _change(app: App, settle_ms: float) -> tuple[float, str, int]:
    """One arrow-key step: milliseconds from the key press to the last DOM change, the
    DOM hook of that change and how many chart images were replaced."""
    page = app.page
    page.evaluate(
        "() => Object.assign(window.__bench, {t0: 0, last: 0, what: '', imgs: [], busy: false})"
    )
    page.locator(app.handle).focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(QUIET_JS, arg=[settle_ms, app.done], timeout=TIMEOUT_MS,
                           polling=50)  # fmt: skip
    b = page.evaluate("() => window.__bench")
    if os.environ.get("BENCH_DEBUG"):
        print(app.name, round(b["last"] - b["t0"]), b["what"], sorted(set(b["imgs"])))
    return float(b["last"] - b["t0"]), b["what"], len(set(b["imgs"]))


def p95(values: list[float]) -> float:
    """95th percentile (linear interpolation between the order statistics)."""
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> int:
    """Run the bench and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=20, help="slider changes per app (≤ 100)")
    ap.add_argument("--settle-ms", type=float, default=1000.0, help="quiet time = done")
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured changes first")
    ap.add_argument(
        "--slider",
        default="churn_end",
        help="the cockpit slider to step (a control key, e.g. new_customers_target, which"
        " moves all five charts; churn_end leaves the leads chart as it is)",
    )
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.stderr.write(f"{CHROMIUM} missing: apt-get install chromium\n")
        return 1
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    logdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    handle = f".ctl-{args.slider.replace('_', '-')} .noUi-handle"
    running = json.dumps(label("mc_running", "de"))
    cockpit = App("Szenario-Cockpit", ".cockpit.cockpit-idle", handle, COCKPIT_DONE % running)
    minimal = App(
        "minimal Voila app", ".mini-app .mini-chart", ".mini-slider .noUi-handle", MINIMAL_DONE
    )
    apps = (cockpit, minimal)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            ports = [dashboard.free_port(), dashboard.free_port()]
            t0 = time.perf_counter()
            cockpit.proc = dashboard.start_voila(ports[0], logdir / "cockpit.log")
            minimal.proc = _start_minimal(_minimal_notebook(logdir), ports[1], logdir / "min.log")
            for app, port in zip(apps, ports, strict=True):
                _open(browser, app, port, t0)
            for i in range(args.warmup + args.changes):
                for app in apps if i % 2 == 0 else apps[::-1]:  # alternate who goes first
                    ms, what, imgs = _change(app, args.settle_ms)
                    if i >= args.warmup:
                        app.latencies.append(ms)
                        app.last.append(what)
                        app.images.append(imgs)
            browser.close()
    finally:
        for app in apps:
            _stop(app.proc)
    load_after = os.getloadavg()

    print("Szenario-Cockpit bench: slider change -> last DOM change of the page (Chromium)")
    before, after = ("/".join(f"{x:.1f}" for x in v) for v in (load_before, load_after))
    print(f"  load average 1/5/15 min before: {before}, after: {after} on {os.cpu_count()} cores")
    print(f"  {args.changes} changes each (+{args.warmup} warm-up), settle window"
          f" {args.settle_ms:.0f} ms, alternately; cockpit slider {args.slider}")  # fmt: skip
    stats = {}
    for app in apps:
        lat = app.latencies
        stats[app.name] = (statistics.median(lat), p95(lat))
        print(
            f"  {app.name:18s} median {stats[app.name][0]:5.0f} ms, P95 {stats[app.name][1]:5.0f}"
            f" ms, max {max(lat):5.0f} ms   (server start -> page ready {app.start_s:4.1f} s)"
        )
    (cm, cp), (mm, mp) = stats[cockpit.name], stats[minimal.name]
    ok = cm <= 1.5 * mm and cp <= 2 * mp
    print(f"  ratio cockpit/minimal: median {cm / mm:.2f} (goal <= 1.5),"
          f" P95 {cp / mp:.2f} (goal <= 2.0)  -> {'met' if ok else 'NOT met'}")  # fmt: skip
    for app in apps:
        last = ", ".join(f"{k} {n}x" for k, n in Counter(app.last).most_common())
        print(f"  {app.name}: last change was {last}; chart images replaced per change:"
              f" {min(app.images)}-{max(app.images)}")  # fmt: skip
    print(f"  all cockpit changes (ms): {' '.join(f'{x:.0f}' for x in cockpit.latencies)}")
    print(f"  all minimal changes (ms): {' '.join(f'{x:.0f}' for x in minimal.latencies)}")
    print(f"  logs: {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
