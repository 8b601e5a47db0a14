"""Render an ``Issue`` into the HTML and text parts of an email.

Jinja2 -> MJML -> HTML (mjml-python) -> inline CSS (css-inline) -> ASCII, inside a size
budget (``budget``). The text part is built from the same issue model (``text``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from newsletter.errors import TemplateError
from newsletter.models import Issue
from newsletter.render.budget import Fitted, budgeted_size, fit
from newsletter.render.context import (
    RenderContext,
    build_context,
    format_subject,
)
from newsletter.render.environment import make_environment, missing_template_message
from newsletter.render.html import compile_mjml, inline_css, to_ascii
from newsletter.render.text import render_text

__all__ = [
    "RenderContext",
    "RenderedIssue",
    "Renderer",
    "build_context",
    "format_subject",
]


@dataclass(frozen=True, slots=True)
class RenderedIssue:
    """One segment's email, with per-recipient placeholders still in place.

    ``step`` says how far the size budget had to degrade the HTML (see ``budget``).
    """

    subject: str
    preheader: str
    html: str
    text: str
    step: int = 0
    step_description: str = "step 0 (full)"
    budget_bytes: int = 100_000

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))

    @property
    def budgeted_bytes(self) -> int:
        """Size with room for the per-recipient URLs that replace the placeholders."""
        return budgeted_size(self.html)


class Renderer:
    """Holds the template environment; the pipeline calls ``render`` once per segment."""

    TEMPLATE = "issue.mjml.j2"
    INLINE_CSS = "partials/inline.css.j2"

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir
        self.env = make_environment(templates_dir)

    def render(self, issue: Issue, ctx: RenderContext) -> RenderedIssue:
        fitted: Fitted = fit(ctx, self.render_html)
        return RenderedIssue(
            subject=ctx.subject,
            preheader=ctx.preheader,
            html=fitted.html,
            # The step that fitted the HTML shapes the text too (ctx.issue: text disarmed).
            text=render_text(fitted.ctx.issue, fitted.ctx),
            step=fitted.step.number,
            step_description=fitted.description,
            budget_bytes=fitted.budget_bytes,
        )

    def render_html(self, ctx: RenderContext) -> str:
        """One attempt at the HTML part for this context, without the budget."""
        return self.render_html_from(self.render_mjml(ctx), ctx)

    def render_html_from(self, source: str, ctx: RenderContext) -> str:
        """The HTML part from this context's MJML source (``render_mjml``)."""
        html = compile_mjml(source, self.TEMPLATE)
        return to_ascii(inline_css(html, self._render_template(self.INLINE_CSS, ctx)))

    def render_mjml(self, ctx: RenderContext) -> str:
        """The MJML source (what the bench compiles with the official MJML CLI too)."""
        return self._render_template(self.TEMPLATE, ctx)

    def _render_template(self, name: str, ctx: RenderContext) -> str:
        try:
            return self.env.get_template(name).render(ctx=ctx, issue=ctx.issue)
        except jinja2.TemplateNotFound as exc:
            missing = exc.name if isinstance(exc.name, str) else name
            message = missing_template_message(missing, self.templates_dir)
            raise TemplateError(message) from exc
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name or name}:{exc.lineno}"
            raise TemplateError(f"template error in {where}: {exc.message}") from exc
        except jinja2.TemplateError as exc:
            where = name
            raise TemplateError(f"template error in {where}: {exc}") from exc
