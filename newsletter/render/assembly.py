"""One reader's HTML assembled from pieces rendered once per issue and budget step.

Readers choose their own topics, so a list holds up to 2^topics distinct topic sets, and a
Jinja + MJML + css-inline pass costs milliseconds. Here the whole issue (every section, plus
an empty sentinel section at the end) is rendered once per budget step that is needed, with
markers in place of the four values that depend on the topic set (subject, preheader,
counts line, "why you get this"). That HTML is cut into a skeleton, one table-of-contents
entry and one body piece per section; a topic set's HTML is then the skeleton with its
entries and pieces joined in and its own four values, escaped as the real pass would have
escaped them. The size budget is applied to the assembled HTML, in the same steps as
``budget.fit``. The text part is rendered per set from the step that fitted (plain Python,
no markup pass).

``tests/render/test_assembly.py`` checks the result equals ``Renderer.render`` for every
topic set of a fixture day, on the seed page and on a big day. A template override that
does not cut cleanly (an anchor not found exactly once, or a first assembled set that
differs from a real rendering) falls back to rendering every set in full.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from newsletter.errors import BudgetError
from newsletter.models import Issue, Section, Topic
from newsletter.render.budget import STEPS, Step, budgeted_size, fold
from newsletter.render.context import RenderContext, build_context
from newsletter.render.html import to_ascii
from newsletter.render.text import render_text

if TYPE_CHECKING:
    from newsletter.config.models import NewsletterSection
    from newsletter.render import RenderedIssue, Renderer

_SUBJECT, _PREHEADER = "%%set:subject%%", "%%set:preheader%%"
_COUNTS, _WHY = "%%set:counts%%", "%%set:why%%"
_MARKERS = (_SUBJECT, _PREHEADER, _COUNTS, _WHY)
_SENTINEL = Topic(name="zz set end sentinel")


@dataclass(frozen=True, slots=True)
class _MarkedContext(RenderContext):
    """The whole issue's context with markers where a topic set's own values go."""

    @property
    def preheader(self) -> str:
        return _PREHEADER

    @property
    def counts_line(self) -> str:
        return _COUNTS

    @property
    def why_line(self) -> str:
        return _WHY


class AssemblyError(ValueError):
    """The rendered issue cannot be cut into pieces (an overridden template)."""


@dataclass(frozen=True, slots=True)
class _Pieces:
    """One rendering of the whole issue, cut up: ``before`` + toc entries + ``between`` +
    section bodies + the end. MJML drops a whitespace-only text node that holds a line
    break and keeps one of spaces only, so the indentation before ``</mj-text>`` survives
    only after a section whose template output does not end in a line break:
    ``ends_in_newline`` says which, and the end comes in both forms."""

    before: str
    toc: dict[str, str]
    between: str
    bodies: dict[str, str]
    ends_in_newline: dict[str, bool]
    after_dropped: str
    after_kept: str

    def join(self, names: list[str], values: dict[str, str]) -> str:
        parts = [self.before, "<br>".join(self.toc[n] for n in names), self.between]
        parts += [self.bodies[n] for n in names]
        parts.append(self.after_dropped if self.ends_in_newline[names[-1]] else self.after_kept)
        joined = "".join(parts)
        for marker, value in values.items():
            joined = joined.replace(marker, value)
        return joined


def cut(rendered: str, source: str, sections: list[Section]) -> _Pieces:
    """Cut the whole issue's HTML (and its MJML ``source``) at each section's TOC link and
    heading anchor; the last section is the sentinel."""
    names = [s.topic.name for s in sections[:-1]]
    anchors = [s.topic.anchor for s in sections]
    toc_at = [_find_once(rendered, f'<a href="#{a}"') for a in anchors]
    body_at = [_find_once(rendered, f'<h2 id="{a}"') for a in anchors]
    source_at = [_find_once(source, f'<h2 id="{a}"') for a in anchors]
    if toc_at != sorted(toc_at) or body_at != sorted(body_at) or toc_at[-1] > body_at[0]:
        raise AssemblyError("sections are not in order")
    sentinel_toc = rendered.index("</a> (0)", toc_at[-1]) + len("</a> (0)")
    sentinel_body = rendered.index("</h2>", body_at[-1]) + len("</h2>")
    source_end = source.index("</mj-text>", source_at[-1])
    indent = source[source.index("</h2>", source_at[-1]) + len("</h2>") : source_end]
    if indent.strip() or "\n" not in indent:
        raise AssemblyError("the sections' block does not end as the shipped template's")
    return _Pieces(
        before=_mark_attributes(rendered[: toc_at[0]]),
        toc={
            n: rendered[toc_at[i] : toc_at[i + 1]].removesuffix("<br>") for i, n in enumerate(names)
        },
        between=rendered[sentinel_toc : body_at[0]],
        bodies={n: rendered[body_at[i] : body_at[i + 1]] for i, n in enumerate(names)},
        ends_in_newline={n: source[source_at[i + 1] - 1] == "\n" for i, n in enumerate(names)},
        after_dropped=_mark_attributes(rendered[sentinel_body:]),
        after_kept=indent.rsplit("\n", 1)[1] + _mark_attributes(rendered[sentinel_body:]),
    )


def _mark_attributes(text: str) -> str:
    """Markers inside a tag (MJML copies the title into ``aria-label``) become attribute
    markers: an attribute escapes ``"`` where a text node escapes ``<`` and ``>``."""
    for marker in _MARKERS:
        start = 0
        while (at := text.find(marker, start)) >= 0:
            in_tag = text.rfind("<", 0, at) > text.rfind(">", 0, at)
            if in_tag:
                text = text[:at] + _attribute(marker) + text[at + len(marker) :]
            start = at + 1
    return text


def _attribute(marker: str) -> str:
    return marker.replace("%%set:", "%%attr:")


def _find_once(text: str, needle: str) -> int:
    at = text.find(needle)
    if at < 0 or text.find(needle, at + 1) >= 0:
        raise AssemblyError(f"{needle!r} is not in the rendered issue exactly once")
    return at


def escape_text(value: str) -> str:
    """A value as Jinja's autoescape, then css-inline's HTML serializer, then ``to_ascii``
    leave it in a text node: only ``&``, ``<``, ``>`` and no-break spaces stay escaped."""
    return to_ascii(html.escape(value, quote=False).replace("\u00a0", "&nbsp;"))


def escape_attribute(value: str) -> str:
    """The same for a value inside a double-quoted attribute."""
    escaped = value.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace('"', "&quot;")
    return to_ascii(escaped)


class AssembledRenderer:
    """Renders topic sets of one issue from pieces; ``render`` equals ``Renderer.render``
    of the set's own issue and context."""

    def __init__(self, renderer: Renderer, issue: Issue, settings: NewsletterSection) -> None:
        self.renderer = renderer
        self.issue = issue
        self.settings = settings
        sections = [*issue.sections, Section(topic=_SENTINEL)]
        whole = Issue(issue.newsletter, issue.date, sections)
        base = build_context(whole, settings, None)
        self._marked = _MarkedContext(
            **{f: getattr(base, f) for f in RenderContext.__dataclass_fields__}
        )
        self._marked = replace(self._marked, subject=_SUBJECT)
        self._pieces: dict[tuple[str, int | None], _Pieces] = {}
        self.whole_renders = 0  # how many full passes this issue took (for tests and benches)

    def render(self, issue: Issue, ctx: RenderContext) -> RenderedIssue:
        """The set's email: ``issue`` holds the set's sections, ``ctx`` its context."""
        from newsletter.render import RenderedIssue

        names = [s.topic.name for s in issue.sections]
        own = (ctx.subject, ctx.preheader, ctx.counts_line, ctx.why_line)
        values = {m: escape_text(v) for m, v in zip(_MARKERS, own, strict=True)}
        values |= {_attribute(m): escape_attribute(v) for m, v in zip(_MARKERS, own, strict=True)}
        html_part, step, per_topic = self._fit(names, values, ctx)
        # The step that fitted the HTML shapes the text too, as in ``Renderer.render``.
        fitted = replace(ctx, card=step.card)
        if per_topic is not None:
            fitted = replace(fitted, issue=fold(ctx.issue, per_topic))
        return RenderedIssue(
            subject=ctx.subject,
            preheader=ctx.preheader,
            html=html_part,
            text=render_text(fitted.issue, fitted),
            step=step.number,
            step_description=step.describe(per_topic),
            budget_bytes=ctx.html_budget_bytes,
        )

    def _fit(
        self, names: list[str], values: dict[str, str], ctx: RenderContext
    ) -> tuple[str, Step, int | None]:
        """``budget.fit`` over assembled HTML: the first step that fits."""
        limit = ctx.html_budget_bytes
        for step in STEPS[:-1]:
            assembled = self._pieces_for(step, None).join(names, values)
            if budgeted_size(assembled) <= limit:
                return assembled, step, None
        step = STEPS[-1]
        low = 0
        high = max((len(s.papers) for s in ctx.issue.sections), default=0)
        best = self._pieces_for(step, low).join(names, values)
        if budgeted_size(best) > limit:
            raise BudgetError(
                f"the issue is {budgeted_size(best):,} bytes even with every topic folded, "
                f"over the html_budget_bytes limit of {limit:,}: use fewer topics or a "
                "shorter template"
            )
        while low < high:  # the same binary search as budget._fit_folded
            middle = (low + high + 1) // 2
            assembled = self._pieces_for(step, middle).join(names, values)
            if budgeted_size(assembled) <= limit:
                low, best = middle, assembled
            else:
                high = middle - 1
        return best, step, low

    def _pieces_for(self, step: Step, per_topic: int | None) -> _Pieces:
        key = (step.card, per_topic)
        if key not in self._pieces:
            ctx = replace(self._marked, card=step.card)
            if per_topic is not None:
                ctx = replace(ctx, issue=fold(ctx.issue, per_topic))
            self.whole_renders += 1
            source = self.renderer.render_mjml(ctx)
            html_part = self.renderer.render_html_from(source, ctx)
            self._pieces[key] = cut(html_part, source, ctx.issue.sections)
        return self._pieces[key]
