"""The regular-expression dialect of topic ``regex`` conditions: RE2, linear in the text.

Topic rules run on text from the sources, so a pattern such as ``(a+)+$`` must never be able
to hang the daily job on a long abstract. RE2 guarantees time linear in the text by leaving
out what needs backtracking: backreferences, lookahead and lookbehind, atomic groups and
possessive quantifiers. A pattern using them is rejected when the config loads, with the
position and the reason, instead of running slowly on some later morning.
"""

from __future__ import annotations

import re
from typing import Any

import re2

# What RE2 leaves out, recognised from the fragment its error message quotes.
_UNSUPPORTED = (
    (re.compile(r"^\\[1-9]|^\(\?P[=>]"), "a backreference"),
    (re.compile(r"^\(\?<?[=!]"), "a lookahead or lookbehind"),
    (re.compile(r"^\(\?>"), "an atomic group"),
    (re.compile(r"^[*+?}]\+"), "a possessive quantifier"),
    (re.compile(r"^\{\d*,?\d*\}"), "a repetition count over 1000"),
)
RE2_LIMITS = (
    "topic patterns use RE2, which runs in time linear in the text and so has no "
    "backreferences, lookahead/lookbehind, atomic groups or possessive quantifiers"
)


def _options(*, case_sensitive: bool) -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every rejected pattern on stderr
    options.case_sensitive = case_sensitive
    return options


def compile_pattern(source: str, *, case_sensitive: bool) -> Any:
    """An RE2 pattern object (``search`` returns a match with ``start``/``end``/``[0]``).

    Raises ``ValueError`` with the position and the reason when RE2 cannot take it.
    """
    try:
        return re2.compile(source, options=_options(case_sensitive=case_sensitive))
    except re2.error as exc:
        raise ValueError(_explain(source, exc)) from None


def pattern_problem(source: str) -> str | None:
    """Why ``source`` cannot be a topic pattern, or None. Python's parser speaks first for
    plain syntax errors (it names the position); RE2 then rules out what it does not run."""
    try:
        re.compile(source, re.IGNORECASE)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"invalid regular expression '{source}': {exc.msg}{where}"
    try:
        pattern = compile_pattern(source, case_sensitive=False)
    except ValueError as exc:
        return str(exc)
    if pattern.search("") is not None:
        return f"regular expression '{source}' matches empty text, so every paper"
    return None


def _explain(source: str, exc: Exception) -> str:
    raw = exc.args[0] if exc.args else b""
    message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    reason, _, fragment = message.partition(": ")
    position, what = _locate(source, fragment)
    where = f" at position {position}" if position >= 0 else ""
    if what is not None:
        return f"regular expression '{source}' uses {what}{where}: {RE2_LIMITS}"
    return f"regular expression '{source}' is not valid RE2: {reason}{where} ({RE2_LIMITS})"


def _locate(source: str, fragment: str) -> tuple[int, str | None]:
    """Where the fragment RE2 quotes sits in the pattern, and what it is. RE2 quotes text,
    not an offset ("(?P" for "(?P=name)"), so the first place that is unsupported wins."""
    if not fragment:
        return -1, None
    places = [i for i in range(len(source)) if source.startswith(fragment, i)]
    for place in places:
        for test, name in _UNSUPPORTED:
            if test.search(source[place:]):
                return place, name
    return (places[0] if places else -1), None
