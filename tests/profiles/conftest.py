"""Profiles are built from recorded arXiv API answers served by a real server on 127.0.0.1.

The day they are tried on is derived in code from recorded files: the Hugging Face day of
3 Oct 2025 (39 machine-learning papers) plus the software-testing papers of the recorded
arXiv API answer that are not in the profile.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsletter.models import Paper
from newsletter.sources.arxiv_formats import parse_atom
from newsletter.sources.formats import paper_to_dict, parse_record
from tests.conftest import FIXTURES

ATOM = FIXTURES / "arxiv" / "api_query_all-testing_start0_max10.xml"
HF_2025 = FIXTURES / "hf" / "daily_papers_2025-10-03.json"
# Three software-testing papers of the recorded API answer: the profile of "Software testing".
PROFILE_IDS = ["2202.12139", "2204.08348", "1812.11470"]


def atom_papers() -> list[Paper]:
    papers, _ = parse_atom(ATOM.read_bytes(), "fixture")
    return papers


def hf_papers() -> list[Paper]:
    return [parse_record(r, "hf") for r in json.loads(HF_2025.read_text(encoding="utf-8"))]


def day_papers() -> list[Paper]:
    """The HF day plus the testing papers not in the profile."""
    testing = [p for p in atom_papers() if p.id not in PROFILE_IDS]
    return hf_papers() + testing


def write_day(path: Path, papers: list[Paper] | None = None) -> Path:
    records = [paper_to_dict(p) for p in (papers if papers is not None else day_papers())]
    path.write_text(json.dumps(records, default=str), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def arxiv_api(loopback_server: HTTPServer) -> Iterator[HTTPServer]:
    """The arXiv API on 127.0.0.1 answering ``/api/query`` with the recorded Atom body."""
    loopback_server.clear()
    loopback_server.expect_request("/api/query").respond_with_data(
        ATOM.read_bytes(), content_type="application/atom+xml"
    )
    yield loopback_server
    loopback_server.clear()
