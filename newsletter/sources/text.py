"""Clean-up of titles and abstracts for display. Output is still unescaped text.

arXiv keeps LaTeX (``DyG$^2$T``, ``$\\alpha{=}0.10$``), Hugging Face strips the ``$`` but
leaves commands (``\\textbf{...}``), and both hard-wrap lines. We collapse whitespace and turn
LaTeX into Unicode with pylatexenc, but only the pieces that are LaTeX: math spans, commands
with their brace groups, lone brace groups. Everything between stays exactly as sent, so a
lone ``$`` stays money (``Earn $1 Million``), ``%`` a percent sign, ``&`` and ``~``
themselves. Converting small pieces instead of whole abstracts is also what keeps this fast
(pylatexenc reads character by character). A piece that fails to convert is kept as sent.
"""

from __future__ import annotations

import logging
import re

from pylatexenc.latex2text import LatexNodes2Text

_SPACE = re.compile(r"\s+")
_BRACES = r"(?:\s*\{(?:[^{}]|\{[^{}]*\})*\})"
# An accent's argument when written without braces, as arXiv abstracts mostly do:
# \"Ust\"un, \'e, \~n, \c c, \'\i. Without it the accent is converted alone, as a combining
# mark on the character before it ("(\u0308Us...").
_BARE_ARGUMENT = r"(?:\\[ij](?:\s+(?=[a-z])|(?![a-zA-Z]))|[a-zA-Z])"
_SYMBOL_ACCENT = rf"\\[`'^\"~=.]\s*{_BARE_ARGUMENT}"
_LETTER_ACCENT = rf"\\[cvHuktrdb]\s+{_BARE_ARGUMENT}"
# Letters written as commands (\ss, \o, \aa): a space after them ends the command, it is
# not a space in the text (LaTeX's rule, so "Stra\ss e" is "Straße").
_LETTER_COMMAND = r"\\(?:ss|[oO]|aa|AA|ae|AE|oe|OE|[lL]|[ij])(?:\s+(?=[a-z])|(?![a-zA-Z]))"
# One LaTeX piece: a math span ("$" not followed by a space ... "$" not preceded by one), an
# accent with a bare letter, a letter command, a command with its brace groups (\textbf{...},
# \"{o}, \%), or a lone brace group.
_PIECE = re.compile(
    r"(?<![\\$])\$(?=\S)(?P<math>[^$]+?)(?<=[^\s\\])\$(?!\$)"
    rf"|{_SYMBOL_ACCENT}(?!\s*\{{)|{_LETTER_ACCENT}|{_LETTER_COMMAND}"
    rf"|\\(?:[a-zA-Z]+\*?|[^a-zA-Z\s]){_BRACES}*"
    r"|\{(?:[^{}]|\{[^{}]*\})*\}"
)
_DIGIT = re.compile(r"\d")
_LATEXISH = re.compile(r"[\\${]")
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUP = re.compile(r"\^(?:\{([0-9+\-=()n]+)\}|([0-9n]))")

_converter = LatexNodes2Text(math_mode="text")
# pylatexenc logs every tolerated parse error at INFO ("Ignoring parse error"); a piece it
# cannot read is kept as sent, which is all a reader needs to know.
logging.getLogger("pylatexenc").setLevel(logging.ERROR)


def collapse_whitespace(text: str) -> str:
    """Join arXiv's hard-wrapped lines and runs of spaces into single spaces."""
    return _SPACE.sub(" ", text).strip()


def latex_to_unicode(text: str) -> str:
    """``DyG$^2$T`` -> ``DyG²T``; ``$\\alpha$`` -> ``α``; text without LaTeX is unchanged."""
    if not _LATEXISH.search(text):
        return text
    pieces: list[str] = []
    position = search_from = 0
    while match := _PIECE.search(text, search_from):
        if match.group("math") is not None and _is_price_range(text, match):
            search_from = match.start() + 1
            continue
        pieces.append(text[position : match.start()])
        pieces.append(_convert(match))
        position = search_from = match.end()
    pieces.append(text[position:])
    return collapse_whitespace("".join(pieces))


def _is_price_range(text: str, match: re.Match[str]) -> bool:
    """``$1-$2``: opens on a digit and closes right before one; money, not math."""
    after = text[match.end() : match.end() + 1]
    return bool(_DIGIT.match(match.group("math")) and _DIGIT.match(after))


def _convert(match: re.Match[str]) -> str:
    math = match.group("math")
    latex = "$" + _SUP.sub(_superscript, math) + "$" if math is not None else match.group(0)
    try:
        converted: str = _converter.latex_to_text(latex)
    except Exception:  # pylatexenc raises assorted errors on odd input: keep it as sent
        return match.group(0)
    # Keep the space a command swallowed ("\alpha x") out of the surrounding text's way.
    return converted.strip() if math is None else converted


def _superscript(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)).translate(_SUPERSCRIPT)


def clean_title(text: str) -> str:
    return latex_to_unicode(collapse_whitespace(text))


def clean_abstract(text: str) -> str:
    return latex_to_unicode(collapse_whitespace(text))
