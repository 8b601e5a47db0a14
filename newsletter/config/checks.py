"""Checks across sections that a per-field schema cannot express.

The topic checks read the raw YAML data, not the validated model, so they run even when the
schema found other mistakes: one pass reports every problem of the file.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from typing import Any

from newsletter.config.loader import DataCheck, Loc, SemanticCheck

DEFAULT_CATCH_ALL = "More papers"


def _topic_names(data: Any) -> list[tuple[int, str]]:
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list):
        return []
    return [
        (index, topic["name"])
        for index, topic in enumerate(topics)
        if isinstance(topic, dict) and isinstance(topic.get("name"), str) and topic["name"].strip()
    ]


def _catch_all(data: Any) -> str | None:
    grouping = data.get("grouping") if isinstance(data, dict) else None
    if not isinstance(grouping, dict) or "catch_all" not in grouping:
        return DEFAULT_CATCH_ALL
    value = grouping["catch_all"]
    return value if isinstance(value, str) else None


def unique_topic_names(data: Any) -> Iterable[tuple[Loc, str]]:
    """Names identify sections and readers' choices: two topics may not share one (any case)."""
    seen: dict[str, int] = {}
    for index, name in _topic_names(data):
        key = name.strip().casefold()
        if key in seen:
            yield (
                ("topics", index, "name"),
                f"duplicate topic name {name!r} (first used by topics[{seen[key]}]); "
                "every topic needs its own name",
            )
        seen.setdefault(key, index)
    catch_all = _catch_all(data)
    if catch_all and catch_all.strip().casefold() in seen:
        index = seen[catch_all.strip().casefold()]
        yield (
            ("topics", index, "name"),
            f"topic name {catch_all!r} is also the catch-all section's name "
            "(grouping.catch_all); rename one of them",
        )


def subscriber_topics_exist(data: Any) -> Iterable[tuple[Loc, str]]:
    """A reader's ``topics:`` must name configured topics (or the catch-all)."""
    subscribers = data.get("subscribers") if isinstance(data, dict) else None
    if not isinstance(subscribers, list):
        return
    known = list(dict.fromkeys(name for _, name in _topic_names(data)))
    catch_all = _catch_all(data)
    if catch_all:
        known.append(catch_all)
    for index, subscriber in enumerate(subscribers):
        chosen = subscriber.get("topics") if isinstance(subscriber, dict) else None
        if not isinstance(chosen, list):
            continue
        for position, name in enumerate(chosen):
            if isinstance(name, str) and name not in known:
                yield (("subscribers", index, "topics", position), _unknown_topic(name, known))


def _unknown_topic(name: str, known: list[str]) -> str:
    by_case = {k.casefold(): k for k in known}
    hint = [by_case[name.casefold()]] if name.casefold() in by_case else []
    hint = hint or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
    return f"unknown topic {name!r}{suggestion} (topics: {', '.join(known) or 'none'})"


# Variables the backends read when the key is not written: the model's defaults.
_DEFAULT_SECRETS = {"sendgrid": {"api_key_env": "SENDGRID_API_KEY"}}


def delivery_secrets_set(data: Any) -> Iterable[tuple[Loc, str]]:
    """Secrets are checked when the config loads, not halfway through a send. Reads the raw
    data, so an unset variable is reported in the same pass as the file's other mistakes."""
    delivery = data.get("delivery") if isinstance(data, dict) else None
    if not isinstance(delivery, dict) or not isinstance(delivery.get("backend"), str):
        return
    backend = delivery["backend"]
    options = delivery.get("options")
    options = options if isinstance(options, dict) else {}
    variables = {**_DEFAULT_SECRETS.get(backend, {}), **options}
    for key in ("api_key_env", "username_env", "password_env"):
        variable = variables.get(key)
        if not isinstance(variable, str) or not variable or os.environ.get(variable):
            continue
        loc: Loc = ("delivery", "options", key) if key in options else ("delivery", "backend")
        yield (
            loc,
            f"environment variable {variable} is not set; export it before running "
            f"(the {backend} backend needs it)",
        )
    dkim = options.get("dkim")
    dkim_env = dkim.get("private_key_env") if isinstance(dkim, dict) else None
    if isinstance(dkim_env, str) and dkim_env and not os.environ.get(dkim_env):
        yield (
            ("delivery", "options", "dkim", "private_key_env"),
            f"environment variable {dkim_env} is not set; export the PEM private "
            "key the DKIM record publishes",
        )
    smtp_pair = [options.get(k) for k in ("username_env", "password_env")]
    if any(smtp_pair) and not all(smtp_pair):
        yield (("delivery", "options"), "set both username_env and password_env, or neither")


DATA_CHECKS_BUILTIN: list[DataCheck] = [
    unique_topic_names,
    subscriber_topics_exist,
    delivery_secrets_set,
]
BUILTIN_CHECKS: list[SemanticCheck] = []
