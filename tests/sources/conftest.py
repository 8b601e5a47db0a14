"""Fixtures for source tests: recorded real responses and a retry policy that never waits.

Every source here talks HTTP to a real server on 127.0.0.1 (pytest-httpserver's
``httpserver`` fixture) through its ``base_url``; nothing reaches the internet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from newsletter.sources.http import FetchRetryPolicy, HttpClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
HF_2025 = FIXTURES / "hf" / "daily_papers_2025-10-03.json"
HF_2024 = FIXTURES / "hf" / "daily_papers_2024-10-10.json"
RSS_CV = FIXTURES / "arxiv" / "rss_cs.CV_2026-08-21.xml"
ATOM = FIXTURES / "arxiv" / "api_query_all-testing_start0_max10.xml"


def hf_items(path: Path = HF_2025) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[HTTPServer]:
    """One real HTTP server on 127.0.0.1 per test module (a free port)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def httpserver(loopback_server: HTTPServer) -> Iterator[HTTPServer]:
    """pytest-httpserver's server, but on 127.0.0.1 and checked for unexpected requests."""
    loopback_server.clear()
    yield loopback_server
    loopback_server.clear()


class Sleeps(list[float]):
    """Records the waits a client asked for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> FetchRetryPolicy:
    return FetchRetryPolicy(attempts=3, base_delay=0.5, max_delay=30.0, sleep=sleeps)


@pytest.fixture
def client(retry: FetchRetryPolicy) -> Iterator[HttpClient]:
    with HttpClient(timeout=5.0, retry=retry) as http:
        yield http
