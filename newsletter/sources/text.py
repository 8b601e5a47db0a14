"""Clean-up of titles and abstracts for display. Output is still unescaped text."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")


def collapse_whitespace(text: str) -> str:
    """Join arXiv's hard-wrapped lines and runs of spaces into single spaces."""
    return _SPACE.sub(" ", text).strip()


def clean_title(text: str) -> str:
    return collapse_whitespace(text)


def clean_abstract(text: str) -> str:
    return collapse_whitespace(text)
