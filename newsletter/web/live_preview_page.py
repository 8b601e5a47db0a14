"""The HTML of the live preview page (not the email): plain, escaped, no external assets."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlencode

from newsletter.preview import Preview


@dataclass(frozen=True, slots=True)
class Rendered:
    """One rendering the page shows: the preview and every address it can switch to."""

    preview: Preview
    subscribers: list[str]


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:8px;background:#eef0f3;color:#1f2328}
.frames{display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap}
figure{margin:0}
iframe{border:1px solid #c8ccd1;background:#fff;height:900px;display:block}
pre{background:#fff;border:1px solid #c8ccd1;padding:12px;max-width:80ch;overflow:auto}
.over{color:#b00020;font-weight:bold} dt{font-weight:bold} dd{margin:0 0 8px}
"""

_RELOAD = """
<script>
const shown = %s;
setInterval(async () => {
  try {
    const r = await fetch('/version');
    const v = (await r.json()).version;
    if (v !== shown) location.reload();
  } catch (e) {}
}, 1000);
</script>
"""


def page(result: Rendered | str, email: str | None, version: str) -> str:
    head = "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
    head += f"<title>newsletter preview</title><style>{_STYLE}</style></head><body>"
    reload = _RELOAD % repr(version)
    if isinstance(result, str):
        body = f"<h1>Preview failed</h1><pre>{html.escape(result)}</pre>"
        return head + body + reload + "</body></html>"
    return (
        head + _summary(result, email) + _frames(email) + _text(result) + reload + "</body></html>"
    )


def _summary(result: Rendered, email: str | None) -> str:
    preview = result.preview
    rendered = preview.rendered
    size = len(preview.email.html.encode("utf-8"))
    over = " class='over'" if size > rendered.budget_bytes else ""
    options = "".join(
        f"<option{' selected' if e == preview.subscriber.email else ''}>{html.escape(e)}</option>"
        for e in result.subscribers
    )
    return (
        "<h1>newsletter preview</h1><dl>"
        f"<dt>Subject</dt><dd>{html.escape(rendered.subject)}</dd>"
        f"<dt>Preheader</dt><dd>{html.escape(rendered.preheader)}</dd>"
        f"<dt>HTML size</dt><dd{over}>{size:,} of {rendered.budget_bytes:,} bytes "
        f"({size / rendered.budget_bytes:.0%}); {html.escape(rendered.step_description)}</dd>"
        f"<dt>For</dt><dd><form method='get'><label>View as "
        f"<select name='to' onchange='this.form.submit()'>{options}</select></label>"
        "<noscript><button>Show</button></noscript></form></dd></dl>"
    )


def _frames(email: str | None) -> str:
    src = "/email.html" + (f"?{urlencode({'to': email})}" if email else "")
    frames = [
        f"<figure><figcaption>{label} ({width} px)</figcaption>"
        f"<iframe title='{label} rendering' width='{width}' src='{html.escape(src)}'></iframe>"
        "</figure>"
        for label, width in (("Desktop", 600), ("Mobile", 375))
    ]
    return f"<div class='frames'>{''.join(frames)}</div>"


def _text(result: Rendered) -> str:
    return f"<h2>Plain-text part</h2><pre>{html.escape(result.preview.email.text)}</pre>"
