"""The whole path in a real Chromium against `newsletter web` in a subprocess: subscribe,
confirm from the email in the outbox, choose topics, receive only those, one-click
unsubscribe by POST, receive nothing."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newsletter import pipeline
from newsletter.config import load_config
from newsletter.sources.day import CollectOptions
from tests.readers import read_eml
from tests.web.conftest import write_config

pytestmark = pytest.mark.browser
CHOSEN = ["Agents and tool use", "Reinforcement learning and reasoning"]
READER = "reader@example.org"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(workdir: Path, subprocess_env, python) -> Iterator[tuple[str, Path]]:
    url = f"http://127.0.0.1:{free_port()}"
    config = write_config(workdir, url)
    port = url.rsplit(":", 1)[1]
    process = subprocess.Popen(
        [python, "-m", "newsletter", "web", "--config", str(config), "--port", port],
        cwd=workdir,
        env={k: v for k, v in subprocess_env.items() if k != "NEWSLETTER_SECRET"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(f"{url}/healthz", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "newsletter web did not start"
            time.sleep(0.1)
        yield url, config
    finally:
        process.terminate()
        process.wait(10)
        if process.stderr:
            process.stderr.close()


def wait_for(folder: Path, pattern: str) -> Path:
    deadline = time.monotonic() + 15
    while not (found := sorted(folder.rglob(pattern))):
        assert time.monotonic() < deadline, f"no {pattern} in {folder}"
        time.sleep(0.05)
    return found[-1]


def issue_for(outbox: Path, day: str, email: str) -> Path | None:
    return next((p for p in outbox.rglob(f"{email}.eml") if day in str(p.parent)), None)


def test_subscribe_confirm_choose_receive_unsubscribe(
    server, workdir: Path, browser, playwright_session
) -> None:
    url, config = server
    outbox = workdir / "outbox"
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/")
    page.fill("#email", READER)
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Check your inbox"

    confirmation = read_eml(wait_for(outbox / "subscriptions", f"{READER}.eml"))
    link = next(w for w in confirmation.text.split() if "/confirm/" in w)
    assert link.startswith(f"{url}/confirm/")
    page.goto(link)
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "You are subscribed"

    page.click("#preferences")
    for box in page.locator("input[name=topics]").all():
        box.uncheck()
    for name in CHOSEN:
        page.locator(f'input[name=topics][value="{name}"]').check()
    page.click("button[type=submit]")
    assert page.locator("#saved").inner_text() == "Saved."
    context.close()

    loaded = load_config(config)
    pipeline.run(loaded, dt.date(2025, 10, 3))
    issue = read_eml(issue_for(outbox, "2025-10-03", READER))
    h2 = [text for tag, text in issue.headings if tag == "h2"]
    others = [t.name for t in loaded.model.topics if t.name not in CHOSEN] + ["More papers"]
    assert all(any(name in h for h in h2) for name in CHOSEN), h2
    assert not [h for h in h2 for name in others if name in h], h2

    one_click = issue.message["List-Unsubscribe"].strip("<>")
    assert issue.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    client = playwright_session.request.new_context()  # a bare client: no cookie, no session
    answer = client.post(one_click, form={"List-Unsubscribe": "One-Click"}, max_redirects=0)
    assert answer.status == 200
    assert "set-cookie" not in answer.headers
    client.dispose()

    # The sample holds the same papers every day: keep them although 3 Oct sent them.
    pipeline.run(loaded, dt.date(2025, 10, 6), options=CollectOptions(include_seen=True))
    assert issue_for(outbox, "2025-10-06", "ada@example.org") is not None  # the issue went out
    assert issue_for(outbox, "2025-10-06", READER) is None  # but not to them
