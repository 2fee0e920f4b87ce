"""The Szenario-Cockpit in a real browser: Voila on a loopback port, Debian's Chromium, Playwright.

The test moves the churn and new-customer sliders as a user does (typing into the
slider's German readout, ``4,5``), then checks that the year-end MRR tile shows what
``planning_lib.plan.model.run_plan`` computes for those overrides, formatted as the page
formats it; then it switches the scenario and checks the tile again.

Without ``/usr/bin/chromium`` the tests skip locally but fail in CI (``CI=true``):
``.ci/run`` installs Debian's ``chromium`` when it is missing.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest

from planning_lib.cli import dashboard
from planning_lib.plan.model import run_plan
from planning_lib.plan.scenarios import run_scenario
from planning_lib.present.formatting import format_value
from tests.e2e.cockpit_page import TOKEN, readout, set_slider, stop, voila

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory) -> Iterator[str]:
    with voila(tmp_path_factory.mktemp("voila")) as url:
        yield url


def test_sliders_and_scenario_drive_the_year_end_mrr_tile(voila_url, browser, params, tmp_path):
    from playwright.sync_api import expect

    tile = lambda p: p.locator(".kpi-mrr-end .kpi-value")  # noqa: E731
    base = format_value(run_plan(params).summary["mrr_end"], "eur", "de")

    page = browser.new_page(viewport={"width": 1500, "height": 1500})
    page.goto(voila_url, timeout=TIMEOUT_MS)
    expect(tile(page)).to_have_text(base, timeout=TIMEOUT_MS)

    expect(readout(page, "churn_end")).to_have_value("3,0\u00a0%")  # German, not 3.0
    set_slider(page, "churn_end", "4,5")  # percent
    set_slider(page, "new_customers_target", "700")
    idx = next(i for i, t in enumerate(params.targets) if t.metric == "new_customers")
    moved = run_plan(
        params, {"drivers.churn_rate_monthly.end": 0.045, f"targets.{idx}.value": 700}
    ).summary["mrr_end"]
    expected = format_value(moved, "eur", "de")
    assert expected != base
    expect(tile(page)).to_have_text(expected, timeout=TIMEOUT_MS)
    expect(page.locator(".ctl-scenario select")).to_have_value("Benutzerdefiniert")

    page.locator(".ctl-scenario select").select_option(label="Schlechtester Fall")
    worst = format_value(run_scenario(params, "worst").summary["mrr_end"], "eur", "de")
    assert worst not in (base, expected)
    expect(tile(page)).to_have_text(worst, timeout=TIMEOUT_MS)
    expect(readout(page, "churn_end")).to_have_value("5,0\u00a0%")  # issue 14: German readout

    page.locator(".ctl-locale button", has_text="English").click()
    expect(page.locator(".kpi-mrr-end .kpi-label")).to_have_text("Year-end MRR")
    expect(tile(page)).to_have_text(format_value(run_scenario(params, "worst")
                                                 .summary["mrr_end"], "eur", "en"))  # fmt: skip

    page.locator(".cockpit.cockpit-idle").wait_for(timeout=TIMEOUT_MS)
    shot = tmp_path / "cockpit.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    assert page.locator("text=Traceback").count() == 0
    page.close()


def test_page_loads_nothing_from_other_hosts_and_icons_render(voila_url, browser):
    """Offline use: every request of the page goes to the cockpit's own server (Voila's
    base template loaded Font Awesome 4.5 from cdn.jsdelivr.net). The save button's
    icon (``fa-save``) still renders from Voila's bundled Font Awesome."""
    from urllib.parse import urlsplit

    page = browser.new_page(viewport={"width": 1500, "height": 1500})
    requested: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(voila_url, timeout=TIMEOUT_MS)
    page.locator(".cockpit.cockpit-idle").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    hosts = {urlsplit(u).hostname for u in requested if urlsplit(u).scheme in ("http", "https")}
    assert requested and hosts == {"127.0.0.1"}, sorted(
        u for u in requested if "127.0.0.1" not in u
    )
    assert failed == []
    icon = page.locator(".fa-save").first
    font = icon.evaluate("e => getComputedStyle(e, '::before').fontFamily")
    glyph = icon.evaluate("e => getComputedStyle(e, '::before').content")
    assert "Font Awesome" in font, font
    assert glyph not in ("none", "normal", ""), glyph
    page.close()


def _kernels(voila_pid: int) -> int:
    import psutil

    n = 0
    for p in psutil.Process(voila_pid).children(recursive=True):
        # a kernel just shut down may linger as a zombie until Voila reaps it
        with contextlib.suppress(psutil.Error):
            n += "ipykernel_launcher" in " ".join(p.cmdline())
    return n


def _wait_kernels(voila_pid: int, n: int, timeout: float = 15.0) -> int:
    deadline = time.time() + timeout
    while _kernels(voila_pid) != n and time.time() < deadline:
        time.sleep(0.25)
    return _kernels(voila_pid)


def test_leaving_or_reloading_the_page_ends_its_kernel(tmp_path, browser):
    """The page's unload beacon (POST voila/api/shutdown/<kernel> with the _xsrf cookie)
    must pass: one kernel per open page, a reload replaces it, navigating away ends it.
    Without the cookie Voila answered 403 and each reload left a ~250 MB kernel."""
    port = dashboard.free_port()
    log = tmp_path / "voila.log"
    proc = dashboard.start_voila(port, log, token=TOKEN)
    try:
        dashboard.wait_for_port(port, 60, proc)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}", timeout=TIMEOUT_MS)
        page.locator(".kpi-mrr-end .kpi-value").wait_for(timeout=TIMEOUT_MS)
        assert _kernels(proc.pid) == 1
        page.reload(timeout=TIMEOUT_MS)
        page.locator(".kpi-mrr-end .kpi-value").wait_for(timeout=TIMEOUT_MS)
        assert _wait_kernels(proc.pid, 1) == 1
        page.goto("about:blank")
        assert _wait_kernels(proc.pid, 0) == 0
        page.close()
    finally:
        stop(proc)
    assert "'_xsrf' argument missing" not in log.read_text(encoding="utf-8")


def test_token_keeps_strangers_out(tmp_path, browser):
    """With --token the app answers only to a URL (or cookie) carrying the token."""
    port = dashboard.free_port()
    proc = dashboard.start_voila(port, tmp_path / "voila.log", token="t0ken-for-test")
    try:
        dashboard.wait_for_port(port, 60, proc)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=TIMEOUT_MS)
        assert page.locator(".kpi-mrr-end").count() == 0
        assert "login" in page.url or page.locator("input[type=password]").count() == 1
        page.goto(f"http://127.0.0.1:{port}/?token=t0ken-for-test", timeout=TIMEOUT_MS)
        page.locator(".kpi-mrr-end .kpi-value").wait_for(timeout=TIMEOUT_MS)
        page.close()
    finally:
        stop(proc)


def test_a_failing_cell_shows_no_traceback_but_logs_it(tmp_path):
    """show_tracebacks=False: the page names no exception; the server log has it."""
    import urllib.error
    import urllib.request

    bad = tmp_path / "bad.yaml"
    bad.write_text("company: {name: X\n", encoding="utf-8")
    log = tmp_path / "voila.log"
    port = dashboard.free_port()
    proc = dashboard.start_voila(port, log, config=bad)
    try:
        dashboard.wait_for_port(port, 60, proc)
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60).read()
        except urllib.error.HTTPError as exc:  # an error status still carries the page
            body = exc.read()
    finally:
        stop(proc)
    page = body.decode("utf-8")
    assert "There was an error when executing cell" in page
    for secret in ("Traceback", "ParameterError", str(bad)):
        assert secret not in page
    assert "ParameterError" in log.read_text(encoding="utf-8")
