"""Every web page in a real Chromium, light and dark, at 375 and 1280 px: axe-core finds no
serious or critical problem (contrast included), nothing touches the screen's edge on a
phone, and the archive reads as a web page, not as someone's email."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter import pipeline
from newsletter.config import LoadedConfig
from newsletter.store.feedback import archived_paper, record_choice
from newsletter.store.subscribers import get_subscriber
from tests.web.conftest import outbox_mail
from tests.web.tokens import real_token

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent.parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ["light", "dark"]
WIDTHS = [375, 1280]


@pytest.fixture
def site(app: Any, live: Any, loaded: LoadedConfig, engine: Any) -> dict[str, str]:
    """Every kind of page the app serves, with a sent issue in the archive."""
    pipeline.run(loaded, dt.date(2025, 10, 3))
    preferences = real_token(engine, "ada@example.org", "preferences")
    unsubscribe = real_token(engine, "ada@example.org", "unsubscribe")
    first, second = re.findall(
        r"https?://\S+/more/\S+", outbox_mail(loaded, "ada@example.org").text
    )[:2]
    ada = get_subscriber(engine, "ada@example.org")
    assert ada is not None and ada.id is not None
    rated = archived_paper(engine, loaded.model.newsletter.name, second.rsplit("/", 1)[1])
    assert rated is not None
    record_choice(engine, ada.id, rated, liked=False)  # the preferences page lists a choice
    return {
        "more like this": first,
        "subscribe": f"{live.url}/subscribe",
        "archive": f"{live.url}/archive",
        "archived issue": f"{live.url}/archive/2025-10-03",
        "preferences": f"{live.url}/preferences/{preferences}",
        "unsubscribe": f"{live.url}/unsubscribe/{unsubscribe}",
        "unsubscribe help": f"{live.url}/unsubscribe",
        "not found": f"{live.url}/no-such-page",
        "bad link": f"{live.url}/confirm/not-a-token",
    }


@pytest.fixture
def page_in(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_page(scheme: str, width: int) -> Any:
        if not AXE.is_file():
            pytest.skip(f"axe-core is not installed ({AXE}); run: cd tests/axe && npm ci")
        # bypass_csp: the pages forbid every script, axe's included.
        context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme, bypass_csp=True
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def serious_problems(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe(site: dict[str, str], page_in: Any, scheme: str, width: int) -> None:
    page = page_in(scheme, width)
    found: dict[str, list[str]] = {}
    for name, url in site.items():
        page.goto(url)
        if problems := serious_problems(page):
            found[name] = problems
    assert not found, found


@pytest.mark.parametrize("scheme", SCHEMES)
def test_recording_a_choice_and_its_undo_pass_axe(
    site: dict[str, str], page_in: Any, scheme: str
) -> None:
    """The pages after each button: the choice recorded (with its undo), then undone."""
    page = page_in(scheme, 375)
    page.goto(site["more like this"])
    page.get_by_role("button", name="Yes, more like this").click()
    page.locator("#recorded").wait_for()  # the POST answered with the recorded page
    assert not serious_problems(page)
    page.get_by_role("button", name="Undo").click()
    page.locator("#undone").wait_for()
    assert not serious_problems(page)
    undo = page.locator("#choices button.undo")
    assert undo.count() == 1  # the choice recorded in the fixture is still listed
    assert "Less like this" in (undo.first.get_attribute("aria-label") or "")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_nothing_touches_the_edge_of_a_phone(
    site: dict[str, str], page_in: Any, scheme: str
) -> None:
    page = page_in(scheme, 375)
    for name in ("subscribe", "archive", "preferences", "more like this"):
        page.goto(site[name])
        for selector in ("main", "footer"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 8 and box["x"] + box["width"] <= 375 - 8, (name, selector, box)


def test_topic_list_has_all_and_none(site: dict[str, str], page_in: Any) -> None:
    page = page_in("light", 1280)
    page.goto(site["subscribe"])
    boxes = page.locator("input[name=topics]")
    page.get_by_role("button", name="None").click()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.get_by_role("button", name="All").click()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))


def test_an_archived_issue_has_a_web_footer_and_a_way_back(
    site: dict[str, str], page_in: Any
) -> None:
    page = page_in("light", 1280)
    page.goto(site["archived issue"])
    text = page.inner_text("body")
    assert "You receive" not in text and "Manage your topics" not in text
    assert "Unsubscribe" not in text
    page.get_by_role("link", name="All issues").first.click()
    assert page.url.endswith("/archive")


def test_every_page_has_a_favicon(site: dict[str, str], page_in: Any, live: Any) -> None:
    page = page_in("light", 1280)
    icon = page.request.get(f"{live.url}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
    page.goto(site["subscribe"])
    assert page.locator("link[rel=icon]").count() == 1
