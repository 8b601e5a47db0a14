"""Render an ``Issue`` into the HTML and text parts of an email (Jinja2 -> MJML -> HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from mjml import mjml2html

from newsletter.errors import TemplateError
from newsletter.models import Issue
from newsletter.render.context import PLACEHOLDERS, RenderContext, format_subject
from newsletter.render.environment import make_environment, template_search_path
from newsletter.render.text import render_text

__all__ = ["RenderContext", "RenderedIssue", "Renderer", "format_subject", "personalize"]


@dataclass(frozen=True, slots=True)
class RenderedIssue:
    """One segment's email, with per-recipient placeholders still in place."""

    subject: str
    preheader: str
    html: str
    text: str

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


class Renderer:
    """Holds the template environment; call ``render`` once per segment."""

    TEMPLATE = "issue.mjml.j2"

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir
        self.env = make_environment(templates_dir)

    def render(self, issue: Issue, ctx: RenderContext) -> RenderedIssue:
        mjml_source = self._render_template(ctx)
        try:
            html = mjml2html(mjml_source, disable_comments=True)
        except Exception as exc:  # mjml-python raises plain exceptions
            raise TemplateError(f"MJML compile failed for {self.TEMPLATE}: {exc}") from exc
        return RenderedIssue(
            subject=ctx.subject, preheader=ctx.preheader, html=html, text=render_text(issue, ctx)
        )

    def _render_template(self, ctx: RenderContext) -> str:
        try:
            return self.env.get_template(self.TEMPLATE).render(ctx=ctx, issue=ctx.issue)
        except jinja2.TemplateNotFound as exc:
            searched = ", ".join(str(p) for p in template_search_path(self.templates_dir))
            raise TemplateError(f"template {exc.name!r} not found; searched: {searched}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template error in {self.TEMPLATE}: {exc}") from exc


def personalize(text: str, values: dict[str, str]) -> str:
    """Fill the per-recipient placeholders of a rendered part."""
    for placeholder in PLACEHOLDERS:
        key = placeholder.strip("%")
        if key in values:
            text = text.replace(placeholder, values[key])
    return text
