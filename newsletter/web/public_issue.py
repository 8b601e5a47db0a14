"""An archived issue as the public reads it: the email's per-reader footer ("You receive
... Manage your topics ... Unsubscribe") becomes the web's (all issues, subscribe, feed),
and a link back to the list sits above it. Used by the archive page and the Atom feed."""

from __future__ import annotations

import re

from newsletter.render.context import PREFERENCES_URL, UNSUBSCRIBE_URL

# The footer's "why you get this" line, then the paragraph holding the reader's own links.
_READER_FOOTER = re.compile(
    r"(?:<p\b[^>]*>[^<]*</p>\s*)?(<p\b[^>]*>)(?:(?!</p>).)*?"
    + re.escape(PREFERENCES_URL)
    + r".*?</p>",
    re.S,
)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.I | re.S)
_NAV_STYLE = (
    "<style>.archive-nav{font:14px/1.5 Helvetica,Arial,sans-serif;max-width:600px;"
    "margin:0 auto;padding:12px 16px}.archive-nav a{color:#0550ae}"
    "@media (prefers-color-scheme: dark){.archive-nav a{color:#4493f8!important}}</style>"
)


def web_links(base_url: str) -> str:
    return (
        f'<a href="{base_url}/archive">All issues</a> &#183; '
        f'<a href="{base_url}/subscribe">Subscribe</a> &#183; '
        f'<a href="{base_url}/archive/feed.atom">Atom feed</a>'
    )


def public_issue_html(html: str, base_url: str) -> str:
    """The whole page: web footer instead of the reader's, a way back at the top."""
    public = _READER_FOOTER.sub(lambda m: f"{m.group(1)}{web_links(base_url)}</p>", html, 1)
    # Any placeholder left (a template of one's own): point it at the public pages.
    public = public.replace(PREFERENCES_URL, f"{base_url}/subscribe")
    public = public.replace(UNSUBSCRIBE_URL, f"{base_url}/unsubscribe")
    nav = f'<nav class="archive-nav"><a href="{base_url}/archive">&#8592; All issues</a></nav>'
    public = _BODY_OPEN.sub(lambda m: m.group(0) + nav, public, 1)
    return public.replace("</head>", _NAV_STYLE + "</head>", 1)


def public_issue_body(html: str, base_url: str) -> str:
    """Only what is inside ``<body>``, for a feed entry's content."""
    public = _READER_FOOTER.sub(lambda m: f"{m.group(1)}{web_links(base_url)}</p>", html, 1)
    public = public.replace(PREFERENCES_URL, f"{base_url}/subscribe")
    public = public.replace(UNSUBSCRIBE_URL, f"{base_url}/unsubscribe")
    found = _BODY.search(public)
    return found.group(1).strip() if found else public
