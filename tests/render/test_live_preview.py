"""``newsletter preview --serve``: a real server on 127.0.0.1, read over HTTP."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from newsletter.web.live_preview import LivePreview, create_app
from tests.fakes.uvicorn_thread import PromptServer
from tests.render.htmlread import read_html

DAY = "2025-10-03"


@pytest.fixture
def topic_count(sample_issue) -> int:
    """Sections on the sample day for a reader of every topic."""
    return len(sample_issue.sections)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(config_file: Path) -> Iterator[str]:
    import datetime as dt

    live = LivePreview(str(config_file), dt.date.fromisoformat(DAY))
    port = free_port()
    config = uvicorn.Config(
        create_app(live),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    running = PromptServer(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "preview server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.stop()
    thread.join(timeout=10)


def test_page_shows_frames_text_subject_size_and_subscribers(server: str, topic_count: int) -> None:
    page = httpx.get(server + "/", timeout=30)
    assert page.status_code == 200
    read = read_html(page.text)
    assert f"Daily Papers, Fri 03 Oct: 39 papers in {topic_count} topics" in read.text
    assert "of 100,000 bytes" in read.text and "step 0 (full)" in read.text
    frames = {f.get("width"): f.get("src") for f in read.all("iframe")}
    assert set(frames) == {"600", "375"}
    assert "Links:" in read.text and "[1] https://huggingface.co/papers/" in read.text
    options = [o for o in read.tags if o[0] == "option"]
    assert len(options) == 3


def test_view_as_another_subscriber(server: str) -> None:
    page = httpx.get(server + "/", params={"to": "grace@example.org"}, timeout=30)
    assert "in 2 topics" in read_html(page.text).text
    email = httpx.get(server + "/email.html", params={"to": "grace@example.org"}, timeout=30)
    links = {link.text: link.href for link in read_html(email.text).links}
    assert links["Unsubscribe"].startswith("http://127.0.0.1:8000/unsubscribe/")
    why = read_html(email.text).text.split("topics you chose: ", 1)[1][:120]
    assert "Reinforcement learning and reasoning" in why and "Agents and tool use" in why


def test_template_and_config_changes_change_the_version(server: str, config_file: Path) -> None:
    first = httpx.get(server + "/version", timeout=30).json()["version"]
    partials = config_file.parent / "mine" / "partials"
    partials.mkdir(parents=True)
    (partials / "header.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text><h1>Hello live</h1></mj-text></mj-column></mj-section>"
    )
    text = config_file.read_text().replace(
        "  timezone: UTC", "  timezone: UTC\n  templates_dir: mine"
    )
    config_file.write_text(text)
    second = httpx.get(server + "/version", timeout=30).json()["version"]
    assert second != first
    assert "Hello live" in httpx.get(server + "/email.html", timeout=30).text
    (partials / "header.mjml.j2").write_text(
        "<mj-section><mj-column><mj-text><h1>Edited again</h1></mj-text></mj-column></mj-section>"
    )
    assert httpx.get(server + "/version", timeout=30).json()["version"] != second
    assert "Edited again" in httpx.get(server + "/email.html", timeout=30).text


def test_a_broken_config_is_shown_not_fatal(server: str, config_file: Path) -> None:
    good = config_file.read_text()
    config_file.write_text(good.replace("  postal_address:", "  postal_adress:", 1))
    page = httpx.get(server + "/", timeout=30)
    assert page.status_code == 200
    assert "Preview failed" in page.text and "did you mean" in page.text
    config_file.write_text(good)
    assert "Preview failed" not in httpx.get(server + "/", timeout=30).text


def test_cli_serve_starts_on_localhost(
    config_file: Path, subprocess_env, python, topic_count: int
) -> None:
    port = free_port()
    command = [python, "-m", "newsletter", "preview", "--config", str(config_file)]
    command += ["--date", DAY, "--serve", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=config_file.parent.parent, env=subprocess_env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "preview --serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200
        assert f"39 papers in {topic_count} topics" in answer.text
    finally:
        process.terminate()
        process.wait(timeout=20)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1024, 1280])
def test_desktop_and_phone_frames_side_by_side_from_1024_px(
    server: str, browser, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(server)
        desktop, phone = (page.locator("iframe").nth(i).bounding_box() for i in (0, 1))
        assert desktop is not None and phone is not None
        assert phone["y"] == desktop["y"] and phone["x"] > desktop["x"] + desktop["width"]
    finally:
        context.close()
