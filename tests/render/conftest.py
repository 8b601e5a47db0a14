"""Fixtures for rendering: the shipped config, the sample day, the seed page, a browser."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import LoadedConfig, load_config
from newsletter.models import Issue, Paper
from newsletter.pipeline import collect_and_group
from newsletter.render import RenderContext, RenderedIssue, Renderer, build_context
from newsletter.topics import group_by_topic
from tests.conftest import SHIPPED_CONFIG
from tests.render.seed import SEED_DAY, big_day, seed_papers

SAMPLE_DAY = dt.date(2025, 10, 3)
GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.fixture(scope="session")
def shipped() -> LoadedConfig:
    return load_config(SHIPPED_CONFIG)


@pytest.fixture(scope="session")
def sample_issue(shipped: LoadedConfig) -> Issue:
    """The bundled real day (3 Oct 2025, 39 papers) grouped by the shipped topics."""
    return collect_and_group(shipped, SAMPLE_DAY)[1]


def issue_of(shipped: LoadedConfig, papers: list[Paper], day: dt.date = SEED_DAY) -> Issue:
    model = shipped.model
    return Issue(model.newsletter.name, day, group_by_topic(papers, model.topics, model.grouping))


@pytest.fixture(scope="session")
def seed_issue(shipped: LoadedConfig) -> Issue:
    return issue_of(shipped, seed_papers())


@pytest.fixture(scope="session")
def big_issue(shipped: LoadedConfig) -> Issue:
    return issue_of(shipped, big_day(500))


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="session")
def context_for(shipped: LoadedConfig) -> Callable[..., RenderContext]:
    def make(issue: Issue, **changes: Any) -> RenderContext:
        ctx = build_context(issue, shipped.model.newsletter, None)
        return dataclasses.replace(ctx, **changes)

    return make


@pytest.fixture(scope="session")
def render(renderer: Renderer, context_for: Callable[..., RenderContext]) -> Callable[..., Any]:
    def do(issue: Issue, **changes: Any) -> RenderedIssue:
        return renderer.render(issue, context_for(issue, **changes))

    return do
