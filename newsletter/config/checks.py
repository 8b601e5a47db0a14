"""Checks across sections that a per-field schema cannot express."""

from __future__ import annotations

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


BUILTIN_CHECKS = [unique_topic_names, subscriber_topics_exist]
