"""Golden files for a fixed day: subject, HTML and text. Regenerate with --update-golden.

The HTML is stored with a line break between adjacent tags so a change reads as a diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.render.conftest import GOLDEN


def reviewable(html: str) -> str:
    return html.replace("><", ">\n<") + "\n"


def check_golden(request: pytest.FixtureRequest, path: Path, actual: str) -> None:
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run pytest --update-golden and review the diff")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} changed: run pytest --update-golden, review the diff"


@pytest.mark.parametrize("part", ["subject", "html", "text"])
def test_sample_day_matches_golden(request, render, sample_issue, part: str) -> None:
    rendered = render(sample_issue)
    actual = {
        "subject": rendered.subject + "\n",
        "html": reviewable(rendered.html),
        "text": rendered.text,
    }[part]
    suffix = {"subject": "subject.txt", "html": "html", "text": "txt"}[part]
    check_golden(request, GOLDEN / f"2025-10-03.{suffix}", actual)


def test_one_topic_segment_matches_golden(request, render, sample_issue) -> None:
    """A reader with one topic: the subject, why-line and counts are theirs."""
    from newsletter.models import Issue

    one = Issue(sample_issue.newsletter, sample_issue.date, sample_issue.sections[2:3])
    rendered = render(one, reader_topics=(one.sections[0].topic.name,))
    check_golden(request, GOLDEN / "2025-10-03.one-topic.txt", rendered.text)
