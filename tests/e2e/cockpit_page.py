"""The cockpit in Chromium: the browser, a Voila server on a loopback port, the sliders.

Shared by the browser tests (``test_dashboard_browser.py``,
``test_dashboard_sollist_browser.py``); the ``browser`` fixture is in ``conftest.py``.
Without ``/usr/bin/chromium`` these tests skip locally but fail in CI (``CI=true``):
``.ci/run`` installs Debian's ``chromium`` when it is missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from planning_lib.app.runtime import VERSIONS_ENV
from planning_lib.cli import dashboard

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "browser-test-token"


def need_chromium() -> None:
    if CHROMIUM.exists():
        return
    msg = f"{CHROMIUM} not found (apt-get install chromium; .ci/run does this)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI: {msg}")
    pytest.skip(msg)


def stop(proc: subprocess.Popen) -> None:
    """Stop Voila and its kernels (the process group the test started)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextlib.contextmanager
def voila(log_dir: Path, versions: Path | None = None) -> Iterator[str]:
    """The cockpit served by Voila as ``planning dashboard`` starts it; yields its URL
    (with the token) and stops it afterwards. ``versions``: the folder of saved versions
    (``PLANNING_COCKPIT_VERSIONS``), so a version saved by a test never lands in
    ``data/versions``."""
    need_chromium()
    port = dashboard.free_port()
    log = log_dir / "voila.log"
    if versions is None:
        proc = dashboard.start_voila(port, log, token=TOKEN)
    else:
        old = os.environ.get(VERSIONS_ENV)
        os.environ[VERSIONS_ENV] = str(versions)
        try:
            proc = dashboard.start_voila(port, log, token=TOKEN)
        finally:
            if old is None:
                os.environ.pop(VERSIONS_ENV, None)
            else:
                os.environ[VERSIONS_ENV] = old
    try:
        dashboard.wait_for_port(port, 60, proc)
        yield f"http://127.0.0.1:{port}/?token={TOKEN}"
    finally:
        stop(proc)


def readout(page, key: str):
    """The text box of a slider's German readout (``3,0 %``)."""
    return page.locator(f".ctl-{key.replace('_', '-')}-readout input")


def set_slider(page, key: str, value: str) -> None:
    """Type ``value`` (German style, ``4,5``) into the slider's readout and press
    Enter, as a user can."""
    box = readout(page, key)
    box.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
