"""The browser shared by the browser tests of this folder."""

from __future__ import annotations

import pytest

from tests.e2e.cockpit_page import CHROMIUM, CHROMIUM_FLAGS, need_chromium


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()
