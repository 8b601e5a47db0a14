"""Email is hostile: every piece of paper text shows as text, in both parts."""

from __future__ import annotations

import datetime as dt
import html as html_lib

from newsletter.models import Issue, Paper, Section, Topic
from newsletter.render import format_subject
from tests.render.htmlread import read_html

HOSTILE_TITLE = "<think>Why</think> R&D <script>alert('x')</script> & <b>bold</b>"
HOSTILE_ABSTRACT = (
    'We use <a href="https://evil.example">this</a> & <img src=x onerror=alert(1)>. '
    "The answer is <answer>42</answer>. Loss is ∇²f ≤ α·β for 1$ {{ ctx.subject }} %}."
)


def hostile_issue() -> Issue:
    paper = Paper(
        id="2510.00001",
        title=HOSTILE_TITLE,
        abstract=HOSTILE_ABSTRACT,
        authors=("O'Brien <ob@example.org>", "Ünal & Søn", '"Quote" Person', "Fourth"),
        arxiv_id="2510.00001",
        page_url="https://huggingface.co/papers/2510.00001?a=1&b=<2>",
        upvotes=3,
        github_repo='https://github.com/x/y"onmouseover="alert(1)',
    )
    topic = Topic(name="Odd <topic> & co", emoji="🧪")
    return Issue("Daily Papers", dt.date(2025, 10, 3), [Section(topic, [paper])])


def test_hostile_paper_text_appears_as_text_in_html(render) -> None:
    rendered = render(hostile_issue())
    page = read_html(rendered.html)
    tags = {name for name, _ in page.tags}
    assert not tags & {"script", "think", "answer", "b"}
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)]
    assert "evil.example" not in {a.get("href") for a in page.all("a")}
    assert [i.get("src") for i in page.all("img")] == []  # images are off by default
    for text in (HOSTILE_TITLE, "<answer>42</answer>", "∇²f ≤ α·β for 1$", "{{ ctx.subject }}"):
        assert text in page.text, text
    assert ("h3", HOSTILE_TITLE) in page.headings
    assert 'O\'Brien <ob@example.org>, Ünal & Søn, "Quote" Person et al.' in page.text
    assert "Odd <topic> & co (1)" in page.text
    # Attribute values keep their quotes closed: the URL is one href, whole.
    hrefs = [a.get("href") for a in page.all("a")]
    assert "https://huggingface.co/papers/2510.00001?a=1&b=<2>" in hrefs
    assert 'https://github.com/x/y"onmouseover="alert(1)' in hrefs
    # Non-ASCII (LaTeX turned into Unicode upstream) is entity-encoded, not lost.
    assert "&#8711;" in rendered.html and "∇" not in rendered.html


def test_hostile_paper_text_is_verbatim_in_the_text_part(render) -> None:
    text = " ".join(render(hostile_issue()).text.split())
    assert HOSTILE_TITLE in text
    assert "<answer>42</answer>" in text
    assert html_lib.escape(HOSTILE_TITLE) not in text  # not double-escaped either


def test_subject_never_holds_a_line_break() -> None:
    issue = hostile_issue()
    subject = format_subject("{name}\r\nBcc: victim@example.org {papers}", issue, "Daily\nPapers")
    assert "\r" not in subject and "\n" not in subject
    assert subject == "Daily Papers Bcc: victim@example.org 1"
