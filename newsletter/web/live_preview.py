"""``newsletter preview --serve``: the issue in a browser, re-rendered when files change.

A small Starlette app on 127.0.0.1. The page shows the subject and preheader, the HTML size
against the budget and the degradation step, desktop (600 px) and mobile (375 px) frames
side by side, and the plain-text part. A select switches the subscriber the issue is
rendered for. The page polls ``/version`` (a fingerprint of the config file and every
template) and reloads when it changes. Rendering errors are shown on the page, not raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from newsletter import preview as previews
from newsletter.config import LoadedConfig, load_config
from newsletter.errors import NewsletterError
from newsletter.render.environment import template_search_path
from newsletter.web.live_preview_page import Rendered, page


class LivePreview:
    """Re-reads the config and re-renders when the watched files change."""

    def __init__(self, config_path: str | None, day: dt.date | None) -> None:
        self.config_path = config_path
        self.day = day
        self._cache: dict[tuple[str, str | None], Rendered | str] = {}

    def _load(self) -> LoadedConfig:
        return load_config(self.config_path)

    def watched_files(self) -> list[Path]:
        """The config file and every template file that could be used."""
        files: list[Path] = []
        override: Path | None = None
        try:
            loaded = self._load()
            files.append(loaded.path)
            folder = loaded.model.newsletter.templates_dir
            override = loaded.resolve_input(folder) if folder else None
        except NewsletterError:
            if self.config_path:
                files.append(Path(self.config_path))
        for root in template_search_path(override):
            files += sorted(p for p in root.rglob("*") if p.is_file())
        return files

    def version(self) -> str:
        """A fingerprint of every watched file's path, modification time and size."""
        digest = hashlib.sha256()
        for path in self.watched_files():
            stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else (0, 0)
            digest.update(f"{path}:{stamp}".encode())
        return digest.hexdigest()[:16]

    def render(self, email: str | None) -> Rendered | str:
        """The preview for ``email`` (or the first subscriber), or the error message."""
        key = (self.version(), email)
        if key not in self._cache:
            self._cache = {key: self._render(email)}  # older versions are never shown again
        return self._cache[key]

    def _render(self, email: str | None) -> Rendered | str:
        try:
            loaded = self._load()
            preview = previews.preview(loaded, self.day, email)
        except NewsletterError as exc:
            return str(exc)
        emails = [s.email for s in loaded.model.subscribers]
        return Rendered(preview, emails)


def create_app(live: LivePreview) -> Starlette:
    async def index(request: Request) -> HTMLResponse:
        email = request.query_params.get("to") or None
        return HTMLResponse(page(live.render(email), email, live.version()))

    async def email_html(request: Request) -> HTMLResponse:
        result = live.render(request.query_params.get("to") or None)
        if isinstance(result, str):
            return HTMLResponse(f"<pre>{html.escape(result)}</pre>", status_code=500)
        return HTMLResponse(result.preview.email.html)

    async def version(request: Request) -> JSONResponse:
        return JSONResponse({"version": live.version()})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/email.html", email_html),
            Route("/version", version),
        ]
    )
