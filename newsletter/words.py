"""Words a person reads: one way to say "1 paper" and "3 papers" everywhere.

Used by the CLI's reports, the subject line and the web pages, so no message says
"1 papers" or "1 subscribers".
"""

from __future__ import annotations


def noun(count: int, singular: str, many: str | None = None) -> str:
    """The noun alone, in the form for ``count``: ``noun(1, "topic")`` -> ``topic``."""
    if count == 1:
        return singular
    return many if many is not None else _regular_plural(singular)


def plural(count: int, singular: str, many: str | None = None) -> str:
    """The count and its noun: ``plural(1, "paper")`` -> ``1 paper``; ``plural(1200,
    "reader")`` -> ``1,200 readers``; irregular forms are given: ``plural(2, "entry",
    "entries")``."""
    return f"{count:,} {noun(count, singular, many)}"


def _regular_plural(singular: str) -> str:
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
        return singular[:-1] + "ies"
    return singular + "s"
