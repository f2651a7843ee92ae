"""Debian's Chromium, launched one way for the browser tests and the bench.

Playwright drives ``/usr/bin/chromium``; its own browser download is never used (it
cannot be fetched here). Without the background-networking flags Chromium keeps
calling Google's hosts, which a closed network refuses many times a second.
"""

from __future__ import annotations

from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(*extra_args: str):
    """A launched browser (with ``extra_args`` besides ``ARGS``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
