"""Make docs/review-screenshot.png: the demo's shot page, as headless Chromium draws it.

Run from the repository root: `.venv/bin/python docs/review-screenshot.py` (needs the `test`
extra for Playwright, and Debian's `chromium`).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from shotkit.cli import main

ROOT = Path(__file__).resolve().parent.parent


def screenshot(out: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        if main(["review", "manifests", "--out", str(site)]) != 0:
            sys.exit(1)
        (page_file,) = (site / "shots").glob("*.html")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.goto(page_file.as_uri())
            page.wait_for_timeout(2000)  # let the players settle (no network: they show no spinner then)
            page.screenshot(path=str(out), full_page=True)
            browser.close()


if __name__ == "__main__":
    screenshot(ROOT / "docs" / "review-shot.png")
