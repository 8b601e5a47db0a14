"""``newsletter web``: serve the subscribe, preferences and unsubscribe pages, the archive
and the SendGrid webhook with uvicorn."""

from __future__ import annotations

import click

from newsletter.cli.options import config_option


@click.command(epilog="Example: newsletter web --host 0.0.0.0 --port 8000")
@config_option
@click.option("--host", default=None, help="Interface to listen on (default: web.host).")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port (default: web.port)."
)
def web(config_path: str | None, host: str | None, port: int | None) -> None:
    """Serve the web pages: subscribe, confirm, preferences, unsubscribe, archive, webhook.

    Links in emails use newsletter.base_url: put this server (or a proxy in front of it)
    at that address. Forwarded headers are trusted from 127.0.0.1 only.
    """
    import uvicorn

    from newsletter.config import load_config
    from newsletter.web import create_app

    loaded = load_config(config_path)
    app = create_app(loaded)
    settings = loaded.model.web
    host, port = host or settings.host, port or settings.port
    click.echo(f"Serving {loaded.model.newsletter.name} on http://{host}:{port}", err=True)
    # access_log=False: uvicorn's would print the signed tokens in paths; the app logs
    # each request itself with them cut out (newsletter.web.access). log_config=None: uvicorn
    # keeps its hands off logging, so its lines (errors only, unless --debug) come in ours.
    uvicorn.run(app, host=host, port=port, proxy_headers=True, access_log=False, log_config=None)


def register(group: click.Group) -> None:
    group.add_command(web)
