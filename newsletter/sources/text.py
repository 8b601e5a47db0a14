"""Clean-up of titles and abstracts for display. Output is still unescaped text.

arXiv keeps LaTeX (``DyG$^2$T``, ``$\\alpha{=}0.10$``), Hugging Face strips the ``$`` but
leaves commands (``\\textbf{...}``), and both hard-wrap lines. We collapse whitespace and turn
LaTeX into Unicode with pylatexenc, but only where it is LaTeX: a lone ``$`` is money
(``Earn $1 Million``), ``%`` is a percent sign, not a comment, and ``&`` and ``~`` stay
themselves. When the conversion fails the collapsed original is shown: never lose a title.
"""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text

_SPACE = re.compile(r"\s+")
# A math span: "$" not followed by a space ... "$" not preceded by a space. A span that opens
# on a digit and closes right before one is a price range ("$1-$2"), not math.
_MATH = re.compile(r"(?<![\\$])\$(?=\S)([^$]+?)(?<=[^\s\\])\$(?!\$)")
_PRICE_RANGE = re.compile(r"\d")
# Characters LaTeX would swallow or reinterpret in running text; escape them unless escaped.
_TEXT_SPECIALS = re.compile(r"(?<!\\)([%&#$])")
_TILDE = re.compile(r"(?<!\\)~")
_LATEXISH = re.compile(r"[\\${]")
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUP = re.compile(r"\^(?:\{([0-9+\-=()n]+)\}|([0-9n]))")

_converter = LatexNodes2Text(math_mode="text")


def collapse_whitespace(text: str) -> str:
    """Join arXiv's hard-wrapped lines and runs of spaces into single spaces."""
    return _SPACE.sub(" ", text).strip()


def latex_to_unicode(text: str) -> str:
    """``DyG$^2$T`` -> ``DyG²T``; ``$\\alpha$`` -> ``α``; text without LaTeX is unchanged."""
    if not _LATEXISH.search(text):
        return text
    try:
        converted = _converter.latex_to_text(_mark_up(text))
    except Exception:  # pylatexenc raises assorted errors on odd input: keep the original
        return text
    return collapse_whitespace(converted)


def _mark_up(text: str) -> str:
    """Keep math spans as LaTeX math and escape everything else as literal text."""
    pieces: list[str] = []
    position = search_from = 0
    while match := _MATH.search(text, search_from):
        if _is_price_range(text, match):
            search_from = match.start() + 1
            continue
        pieces.append(_escape_text(text[position : match.start()]))
        pieces.append("$" + _SUP.sub(_superscript, match.group(1)) + "$")
        position = search_from = match.end()
    pieces.append(_escape_text(text[position:]))
    return "".join(pieces)


def _is_price_range(text: str, match: re.Match[str]) -> bool:
    after = text[match.end() : match.end() + 1]
    return bool(_PRICE_RANGE.match(match.group(1)) and _PRICE_RANGE.match(after))


def _escape_text(text: str) -> str:
    return _TILDE.sub(r"\\textasciitilde{}", _TEXT_SPECIALS.sub(r"\\\1", text))


def _superscript(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)).translate(_SUPERSCRIPT)


def clean_title(text: str) -> str:
    return latex_to_unicode(collapse_whitespace(text))


def clean_abstract(text: str) -> str:
    return latex_to_unicode(collapse_whitespace(text))
