"""Screenshots of the sample day's email (desktop 600 px, mobile 375 px) for the docs.

    .venv/bin/python docs/make_screenshots.py

Uses Debian's Chromium through playwright (NEWSLETTER_CHROMIUM overrides the path); the page
may fetch nothing from the network.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from newsletter.config import load_config  # noqa: E402
from newsletter.pipeline import collect_and_group  # noqa: E402
from newsletter.render import Renderer, build_context  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = {"email-desktop.png": (600, 760), "email-mobile.png": (375, 760)}


def main() -> None:
    loaded = load_config(REPO / "config" / "newsletter.yaml")
    _, issue = collect_and_group(loaded, dt.date(2025, 10, 3))
    html = Renderer().render(issue, build_context(issue, loaded.model.newsletter, None)).html
    executable = os.environ.get("NEWSLETTER_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        for name, (width, height) in SHOTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            page.screenshot(path=str(REPO / "docs" / name))
            print(f"wrote docs/{name} ({width}x{height})")
        browser.close()


if __name__ == "__main__":
    main()
