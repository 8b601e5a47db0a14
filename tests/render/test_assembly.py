"""A topic set's email assembled from pieces equals the email rendered for it in full:
HTML, text, subject and budget step, on the sample day (every topic set), the seed page
and a 500-paper day that needs every budget step."""

from __future__ import annotations

import dataclasses
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.config import LoadedConfig
from newsletter.models import Issue, Paper
from newsletter.render import RenderedIssue, Renderer, build_context
from newsletter.render.assembly import AssembledRenderer, AssemblyError
from newsletter.topics import filter_sections

Chosen = tuple[str, ...] | None


def every_topic_set(issue: Issue) -> Iterator[Chosen]:
    names = [s.topic.name for s in issue.sections]
    yield None
    for size in range(1, len(names) + 1):
        yield from itertools.combinations(names, size)


def both(
    shipped: LoadedConfig, renderer: Renderer, assembly: AssembledRenderer, issue: Issue, chosen
) -> tuple[RenderedIssue, RenderedIssue]:
    sections = filter_sections(issue.sections, None if chosen is None else frozenset(chosen))
    own = Issue(issue.newsletter, issue.date, sections)
    ctx = build_context(own, shipped.model.newsletter, chosen)
    return assembly.render(own, ctx), renderer.render(own, ctx)


def assert_same(assembled: RenderedIssue, real: RenderedIssue, chosen: Chosen) -> None:
    assert assembled.subject == real.subject, chosen
    assert (assembled.step, assembled.step_description) == (real.step, real.step_description)
    assert assembled.text == real.text, chosen
    assert assembled.html == real.html, chosen


def test_every_topic_set_of_the_sample_day_equals_its_full_rendering(
    shipped, renderer, sample_issue
) -> None:
    assembly = AssembledRenderer(renderer, sample_issue, shipped.model.newsletter)
    sets = list(every_topic_set(sample_issue))
    assert len(sets) == 2 ** len(sample_issue.sections)  # 8 topics: 255 sets and "all"
    for chosen in sets:
        assert_same(*both(shipped, renderer, assembly, sample_issue, chosen), chosen)
    assert assembly.whole_renders == 1  # the sample day fits at full detail


def test_topic_sets_of_the_seed_page_equal_their_full_rendering(
    shipped, renderer, seed_issue
) -> None:
    assembly = AssembledRenderer(renderer, seed_issue, shipped.model.newsletter)
    for chosen in every_topic_set(seed_issue):
        assert_same(*both(shipped, renderer, assembly, seed_issue, chosen), chosen)


def test_a_big_day_degrades_in_the_same_steps_when_assembled(shipped, renderer, big_issue) -> None:
    """500 papers: the whole issue needs the folded step; small sets fit earlier steps."""
    assembly = AssembledRenderer(renderer, big_issue, shipped.model.newsletter)
    names = [s.topic.name for s in big_issue.sections]
    pick = random.Random(13)
    sets: list[Chosen] = [None, *((n,) for n in names)]
    sets += [tuple(sorted(pick.sample(names, k), key=names.index)) for k in (2, 3, 4, 6)]
    steps = set()
    for chosen in sets:
        assembled, real = both(shipped, renderer, assembly, big_issue, chosen)
        assert_same(assembled, real, chosen)
        steps.add(real.step)
    assert {0, 3} <= steps or len(steps) >= 2  # more than one budget step was exercised


def test_text_that_needs_escaping_is_escaped_as_in_a_full_rendering(
    shipped, renderer, sample_issue
) -> None:
    settings = shipped.model.newsletter.model_copy(
        update={"name": "Papers & Co — Zoë's <digest>\u00a0daily"}
    )
    section = sample_issue.sections[0]
    odd = dataclasses.replace(section.papers[0], title='A & B < C > "D" — é 100%% sure')
    sections = [dataclasses.replace(section, papers=[odd, *section.papers[1:]])]
    issue = Issue(sample_issue.newsletter, sample_issue.date, sections + sample_issue.sections[1:])
    loaded = dataclasses.replace(
        shipped, model=shipped.model.model_copy(update={"newsletter": settings})
    )
    assembly = AssembledRenderer(renderer, issue, settings)
    for chosen in [None, (section.topic.name,), (section.topic.name, issue.sections[2].topic.name)]:
        assert_same(*both(loaded, renderer, assembly, issue, chosen), chosen)


def test_a_template_that_cannot_be_cut_is_refused_and_the_run_renders_in_full(
    tmp_path: Path, shipped, sample_issue
) -> None:
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials" / "toc.mjml.j2").write_text("<mj-section><mj-column><mj-text>"
        "<p>Today's topics</p></mj-text></mj-column></mj-section>\n")  # fmt: skip
    renderer = Renderer(tmp_path)
    assembly = AssembledRenderer(renderer, sample_issue, shipped.model.newsletter)
    with pytest.raises(AssemblyError):
        both(shipped, renderer, assembly, sample_issue, None)


def test_papers_are_never_lost_by_assembly(shipped, renderer, sample_issue) -> None:
    assembly = AssembledRenderer(renderer, sample_issue, shipped.model.newsletter)
    chosen = (sample_issue.sections[1].topic.name,)
    assembled, _ = both(shipped, renderer, assembly, sample_issue, chosen)
    papers: list[Paper] = sample_issue.sections[1].papers
    assert all(p.title.split()[0] in assembled.html for p in papers)
