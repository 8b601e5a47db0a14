"""Topic names as people type them: any case, or a short slug.

``"video and 3d/4d generation"``, ``video-and-3d-4d-generation`` and ``video`` (when no
other topic's slug starts with that word) all name "Video and 3D/4D generation". Used by
the CLI (``subscribers add --topic``), the CSV import and the web forms; the YAML stays
exact, with a "did you mean" from the config check.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def topic_slug(name: str) -> str:
    """``Video and 3D/4D generation`` -> ``video-and-3d-4d-generation``."""
    return _NOT_WORD.sub("-", name.casefold()).strip("-")


def match_topic(given: str, known: Sequence[str]) -> str | None:
    """The configured name ``given`` stands for, or ``None`` when it names none (or several)."""
    if given in known:
        return given
    wanted = topic_slug(given)
    if not wanted:
        return None
    slugs = {topic_slug(name): name for name in known}
    if wanted in slugs:
        return slugs[wanted]
    starting = [name for slug, name in slugs.items() if slug.startswith(wanted + "-")]
    return starting[0] if len(starting) == 1 else None


def unknown_topic_message(given: str, known: Sequence[str]) -> str:
    """``unknown topic 'Vidoe'; did you mean 'Video and 3D/4D generation'? (topics: ...)``."""
    slugs = {topic_slug(name): name for name in known}
    close = difflib.get_close_matches(topic_slug(given), list(slugs), n=1, cutoff=0.6)
    starting = [name for slug, name in slugs.items() if slug.startswith(topic_slug(given))]
    hint = [slugs[close[0]]] if close else starting[:1]
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"unknown topic {given!r}{suggestion} (topics: {', '.join(known) or 'none'})"
