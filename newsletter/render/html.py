"""MJML -> HTML, then CSS inlining, then pure-ASCII output.

mjml-python ignores ``<mj-style inline="inline">``, so rules meant for style="" attributes
are inlined here with css-inline: a client that strips ``<style>`` keeps the layout. The
result is entity-encoded to ASCII, so a charset mismatch can neither garble text nor make
Gmail count extra bytes and show a false "[Message clipped]".
"""

from __future__ import annotations

import css_inline
from mjml import mjml2html

from newsletter.errors import TemplateError

# MJML imports these fonts when a font-family names them; an empty map means a web font is
# only ever imported through an explicit <mj-font> (the web_font_url setting).
_NO_DEFAULT_FONTS: dict[str, str] = {}


def compile_mjml(source: str, template: str) -> str:
    try:
        html: str = mjml2html(source, disable_comments=True, fonts=_NO_DEFAULT_FONTS)
    except Exception as exc:  # mjml-python raises plain exceptions
        raise TemplateError(f"MJML compile failed for {template}: {exc}") from exc
    return html


def inline_css(html: str, css: str) -> str:
    """Copy ``css`` into style attributes; MJML's own <style> blocks are left as they are."""
    inliner = css_inline.CSSInliner(
        inline_style_tags=False,
        keep_style_tags=True,
        load_remote_stylesheets=False,
        extra_css=css,
        minify_css=True,
    )
    try:
        inlined: str = inliner.inline(html)
    except ValueError as exc:  # css_inline.InlineError: bad CSS in an overridden template
        raise TemplateError(f"CSS inlining failed (check partials/inline.css.j2): {exc}") from exc
    return inlined


def to_ascii(html: str) -> str:
    """Entity-encode every non-ASCII character (``é`` -> ``&#233;``)."""
    return html.encode("ascii", "xmlcharrefreplace").decode("ascii")
