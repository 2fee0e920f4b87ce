"""Bench: Szenario-Cockpit in a real browser (Voila + Debian Chromium + Playwright).

Prints
- start → first rendered KPI tile: from launching Voila to the year-end MRR tile
  showing a value in the browser; 'cold' is the first launch of this run, 'warm' the
  median of the next launches (interpreter files cached by the OS);
- reload → tile: a new page on the running server (new kernel, notebook executed);
- slider change → updated tile: one arrow-key step on the churn slider until the
  tile's text changes, median and P95 over 20 changes.

Goals on this machine: first render < 6 s warm, update P95 < 300 ms.

Usage: ``.venv/bin/python bench/dashboard.py [--changes 20] [--warm 2]``
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from planning_lib.commands import dashboard

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TILE = ".kpi-mrr-end .kpi-value"
TIMEOUT_MS = 60_000


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _tile_shown(page) -> None:
    page.wait_for_function(
        f"() => {{ const e = document.querySelector('{TILE}');"
        " return e && e.textContent.trim().length > 1; }",
        timeout=TIMEOUT_MS,
        polling="raf",
    )


def start_to_tile(browser, log: Path, preheat: bool = False) -> tuple[float, subprocess.Popen, str]:
    """Seconds from launching Voila to the rendered tile; the server keeps running."""
    port = dashboard.free_port()
    t0 = time.perf_counter()
    proc = dashboard.start_voila(port, log, preheat=preheat)
    dashboard.wait_for_port(port, 60, proc)
    url = f"http://127.0.0.1:{port}/"
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(url, timeout=TIMEOUT_MS)
    _tile_shown(page)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed, proc, url


def reload_to_tile(browser, url: str) -> float:
    """Seconds from opening a new page on a running server to the rendered tile."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    t0 = time.perf_counter()
    page.goto(url, timeout=TIMEOUT_MS)
    _tile_shown(page)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def slider_latencies(browser, url: str, changes: int) -> list[float]:
    """Milliseconds from an arrow-key step on the churn slider to the tile's new text."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(url, timeout=TIMEOUT_MS)
    _tile_shown(page)
    page.locator(".cockpit.cockpit-idle").wait_for(timeout=TIMEOUT_MS)
    handle = page.locator(".ctl-churn-end .noUi-handle")
    handle.focus()
    out: list[float] = []
    for i in range(changes):
        old = page.locator(TILE).text_content()
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        t0 = time.perf_counter()
        page.keyboard.press(key)
        page.wait_for_function(
            f"(old) => document.querySelector('{TILE}').textContent !== old",
            arg=old,
            timeout=TIMEOUT_MS,
            polling="raf",
        )
        out.append(1000 * (time.perf_counter() - t0))
        # let charts finish so each change is measured from the same state
        page.locator(".cockpit.cockpit-idle").wait_for(timeout=TIMEOUT_MS)
    page.close()
    return out


def p95(values: list[float]) -> float:
    """95th percentile (linear interpolation between the order statistics)."""
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> int:
    """Run the bench and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=20)
    ap.add_argument("--warm", type=int, default=2, help="warm launches after the cold one")
    ap.add_argument(
        "--preheat",
        action="store_true",
        help="also time new pages with planning dashboard --preheat",
    )
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        sys.stderr.write(f"{CHROMIUM} missing: apt-get install chromium\n")
        return 1
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    logdir = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        cold, proc, _ = start_to_tile(browser, logdir / "cold.log")
        _stop(proc)
        warm: list[float] = []
        reloads: list[float] = []
        lat: list[float] = []
        for i in range(args.warm):
            t, proc, url = start_to_tile(browser, logdir / f"warm{i}.log")
            warm.append(t)
            try:
                if i == args.warm - 1:
                    reloads.append(reload_to_tile(browser, url))
                    lat = slider_latencies(browser, url, args.changes)
            finally:
                _stop(proc)
        preheated: list[float] = []
        if args.preheat:
            _, proc, url = start_to_tile(browser, logdir / "preheat.log", preheat=True)
            try:
                for _ in range(3):
                    time.sleep(5)  # let Voila refill its pool of one executed kernel
                    preheated.append(reload_to_tile(browser, url))
            finally:
                _stop(proc)
        browser.close()
    load_after = os.getloadavg()[0]

    print("Szenario-Cockpit bench (Voila + Chromium + Playwright)")
    print(f"  load average (1 min) before/after: {load_before:.1f} / {load_after:.1f}"
          f" on {os.cpu_count()} cores")  # fmt: skip
    print(f"  start -> first KPI tile, cold:        {cold:6.2f} s")
    print(
        f"  start -> first KPI tile, warm:        {statistics.median(warm):6.2f} s"
        f"  (median of {len(warm)}: {', '.join(f'{x:.2f}' for x in warm)})  goal < 6 s"
    )
    if reloads:
        print(f"  new page on running server -> tile:   {reloads[0]:6.2f} s")
    if preheated:
        print(
            f"  new page, --preheat server -> tile:   {statistics.median(preheated):6.2f} s"
            f"  (median of {len(preheated)})"
        )
    if lat:
        print(
            f"  slider change -> updated tile:        median {statistics.median(lat):5.0f} ms,"
            f" P95 {p95(lat):5.0f} ms, max {max(lat):5.0f} ms over {len(lat)} changes"
            "  goal P95 < 300 ms"
        )
    print(f"  logs: {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
