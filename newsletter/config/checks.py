"""Checks across sections that a per-field schema cannot express."""

from __future__ import annotations

import os
from collections.abc import Iterable

from newsletter.config.loader import Loc
from newsletter.config.models import NewsletterConfig


def unique_topic_names(config: NewsletterConfig) -> Iterable[tuple[Loc, str]]:
    seen: dict[str, int] = {}
    for index, topic in enumerate(config.topics):
        if topic.name in seen:
            yield (
                ("topics", index, "name"),
                (f"duplicate topic name {topic.name!r} (first used by topics[{seen[topic.name]}])"),
            )
        seen.setdefault(topic.name, index)


def subscriber_topics_exist(config: NewsletterConfig) -> Iterable[tuple[Loc, str]]:
    known = [t.name for t in config.topics]
    if config.grouping.catch_all:
        known.append(config.grouping.catch_all)
    for index, subscriber in enumerate(config.subscribers):
        for position, name in enumerate(subscriber.topics or []):
            if name not in known:
                yield (
                    ("subscribers", index, "topics", position),
                    (f"unknown topic {name!r}; topics are: {', '.join(known)}"),
                )


def delivery_secrets_set(config: NewsletterConfig) -> Iterable[tuple[Loc, str]]:
    """Secrets are checked when the config loads, not halfway through a send."""
    options = config.delivery.options
    names = [
        key
        for key in ("api_key_env", "username_env", "password_env")
        if getattr(options, key, None)
    ]
    for key in names:
        variable = getattr(options, key)
        if not os.environ.get(variable):
            yield (
                ("delivery", "options", key),
                f"environment variable {variable} is not set; export it before running "
                f"(the {config.delivery.backend} backend needs it)",
            )
    smtp_pair = [getattr(options, k, None) for k in ("username_env", "password_env")]
    if any(smtp_pair) and not all(smtp_pair):
        yield (("delivery", "options"), "set both username_env and password_env, or neither")


BUILTIN_CHECKS = [unique_topic_names, subscriber_topics_exist, delivery_secrets_set]
