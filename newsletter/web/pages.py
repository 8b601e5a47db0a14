"""HTML pages and the confirmation emails, from the small Jinja templates beside this module.

Everything is autoescaped except ``.txt`` templates (the plain-text email part). Every page
gets the newsletter's name and postal address; pages that carry a token are never cached.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.background import BackgroundTask
from starlette.responses import HTMLResponse

from newsletter.config import LoadedConfig
from newsletter.web.links import WEB_LINKS

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Pages:
    """Renders the web app's templates; one instance per app."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        n = loaded.model.newsletter
        self.env.globals.update(
            newsletter_name=n.name,
            postal_address=n.postal_address,
            language=n.language,
            base_url=n.base_url.rstrip("/"),
            links=WEB_LINKS,
        )

    def text(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def page(
        self,
        name: str,
        code: int = 200,
        *,
        private: bool = False,
        background: BackgroundTask | None = None,
        **context: Any,
    ) -> HTMLResponse:
        """A rendered page; ``private`` pages (reached by a token) must not be cached."""
        headers = {"Cache-Control": "no-store"} if private else {}
        return HTMLResponse(
            self.text(name, **context), code, headers=headers, background=background
        )
