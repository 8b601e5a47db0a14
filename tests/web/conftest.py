"""Fixtures for the web app: a config in a scratch folder (outbox, SQLite file), the app served
by a real uvicorn on 127.0.0.1, an httpx client for it, and readers for the emails it leaves
in the outbox."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from starlette.applications import Starlette

from newsletter.config import LoadedConfig, load_config
from newsletter.store import open_database
from newsletter.web import create_app
from tests.conftest import SHIPPED_CONFIG
from tests.fakes.uvicorn_thread import PromptServer
from tests.readers import ReadMessage, read_eml


def write_config(folder: Path, base_url: str, **web: Any) -> Path:
    """The shipped config with its outputs in ``folder``, one YAML reader (Ada) and ``web``."""
    data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    data["newsletter"]["base_url"] = base_url
    data["delivery"] = {"backend": "outbox", "options": {"dir": str(folder / "outbox")}}
    data["database"] = f"sqlite:///{folder / 'newsletter.db'}"
    data["subscribers"] = [{"email": "ada@example.org", "name": "Ada Lovelace"}]
    if web:
        data["web"] = web
    path = folder / "newsletter.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class LiveServer:
    """A uvicorn server in a thread, on a socket bound before the config was written (so
    ``newsletter.base_url`` names the real port)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._server: PromptServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, app: Starlette) -> None:
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = PromptServer(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.stop()
            self._thread.join(10)
        self.sock.close()


def bound_socket() -> socket.socket:
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # without it every small response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def live() -> Iterator[LiveServer]:
    server = LiveServer(bound_socket())
    yield server
    server.stop()


@pytest.fixture
def web_settings() -> dict[str, Any]:
    """The config's ``web:`` section; a test overrides this fixture to change it."""
    return {}


@pytest.fixture
def loaded(workdir: Path, live: LiveServer, web_settings: dict[str, Any]) -> LoadedConfig:
    return load_config(write_config(workdir, live.url, **web_settings))


@pytest.fixture
def engine(loaded: LoadedConfig):
    return open_database(loaded.model.database.url)


@pytest.fixture
def app(loaded: LoadedConfig, live: LiveServer) -> Starlette:
    application = create_app(loaded)
    live.start(application)
    return application


@pytest.fixture
def client(app: Starlette, live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, follow_redirects=False, timeout=30) as http:
        yield http


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


def outbox_files(loaded: LoadedConfig, to: str) -> list[Path]:
    folder = Path(loaded.model.delivery.options.dir)  # type: ignore[union-attr]
    return sorted(folder.rglob(f"{to}.eml"))


def outbox_mail(loaded: LoadedConfig, to: str, wait: float = 10) -> ReadMessage:
    """The subscription email to ``to``; it is sent after the response, so wait for it."""
    deadline = time.monotonic() + wait
    while not (found := outbox_files(loaded, to)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert found, f"no email to {to} in the outbox"
    return read_eml(found[-1])


def link_in(message: ReadMessage, path: str) -> str:
    found = re.search(rf"https?://[^\s\"<>]+/{path}/[A-Za-z0-9._%-]+", message.text)
    assert found, f"no /{path}/ link in the email"
    return found.group(0)


@pytest.fixture
def subscribe(client: httpx.Client) -> Callable[..., Any]:
    """POST the subscribe form as a browser would (CSRF token from the page)."""

    def post(email: str, topics: list[str] | None = None, **extra: str) -> Any:
        page = client.get("/subscribe")
        data: dict[str, Any] = {"csrf_token": csrf_token(page.text), "email": email, **extra}
        if topics is not None:
            data["topics"] = topics
        return client.post("/subscribe", data=data)

    return post
