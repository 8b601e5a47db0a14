"""Catching on: papers of the last few days that readers took to after their day.

Hugging Face lists keep growing after their day, so a paper with a few upvotes in Monday's
issue may have hundreds by Wednesday. With ``newsletter.catching_on`` set, each issue ends
with a "Catching on" section: papers listed on the ``days`` issue days before this one whose
upvotes (asked again from the sources, bypassing the cache) now reach ``min_upvotes``, under
one of the reader's topics, and that this reader was not sent (the archived sections of the
issues the ledger says reached them know exactly what they got). Papers a reader did get come
back only when their code appeared since ("code released": a GitHub repo the sent copy did
not have). Readers with the same topics and the same such papers share one rendering.

What a reader's own section carried is recorded too (``store.received``: one row per distinct
section, pointed at by the ledger rows of the readers it went to), so a paper shown there is
not shown to them again on the following days of the window, while readers who missed it
still see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from newsletter.config import LoadedConfig
from newsletter.errors import NoPapersError
from newsletter.models import ArchivedPaper, Paper, Section, Subscriber, Topic
from newsletter.sources.collect import merge_papers
from newsletter.sources.day import CollectOptions, collect_day
from newsletter.store.received import received_papers
from newsletter.topics import group_by_topic

CATCHING_ON = Topic(
    name="Catching on",
    emoji="📈",
    description="Papers of the last days that readers took to after their day.",
)
CODE_RELEASED = "code released since we sent it"


@dataclass(frozen=True, slots=True)
class Rising:
    """The papers of the last days, as the sources list them now, and the day before the
    window (for the ledger query)."""

    papers: list[Paper]
    first_day: dt.date
    last_day: dt.date


def rising_papers(loaded: LoadedConfig, day: dt.date, today_ids: set[str]) -> Rising | None:
    """The window's papers as listed now (``None`` when catching on is off)."""
    settings = loaded.model.newsletter.catching_on
    if settings is None:
        return None
    days = [day - dt.timedelta(days=n) for n in range(settings.days, 0, -1)]
    batches = []
    for past in days:
        try:
            batches.append(collect_day(loaded, past, CollectOptions(refresh=True)).papers)
        except NoPapersError:
            continue  # a day nobody can answer for now: the others still count
    papers = [p for p in merge_papers(batches) if p.id not in today_ids]
    return Rising(papers, days[0], days[-1])


def catching_on_sections(
    loaded: LoadedConfig, engine: Engine, rising: Rising, readers: Sequence[Subscriber]
) -> dict[str, Section | None]:
    """Per reader, their "Catching on" section (``None``: nothing for them)."""
    config = loaded.model
    threshold = config.newsletter.catching_on.min_upvotes if config.newsletter.catching_on else 0
    got = received_papers(
        engine, config.newsletter.name, rising.first_day, rising.last_day, readers
    )
    placed = {
        p.id: s.topic.name
        for s in group_by_topic(rising.papers, config.topics, config.grouping)
        for p in s.papers
    }
    by_id = {p.id: p for p in rising.papers}
    anyone = got.get("", {})
    crossed = {
        p.id
        for p in rising.papers
        if (p.upvotes or 0) >= threshold
        and (anyone[p.id].upvotes or 0 if p.id in anyone else 0) < threshold
    }
    sections: dict[str, Section | None] = {}
    for reader in readers:
        mine = got.get(reader.email, {})
        chosen = [
            p
            for p in rising.papers
            if p.id in placed and (reader.topics is None or placed[p.id] in reader.topics)
        ]
        new = [p for p in chosen if p.id not in mine and p.id in crossed]
        code = [p for p in chosen if p.id in mine and _code_appeared(mine[p.id], by_id[p.id])]
        sections[reader.email] = _section(new, code)
    return sections


def _code_appeared(sent: ArchivedPaper, now: Paper) -> bool:
    return not sent.github_repo and bool(now.github_repo)


def _section(new: list[Paper], code: list[Paper]) -> Section | None:
    if not new and not code:
        return None
    ranked = sorted(new, key=lambda p: (-(p.upvotes or 0), p.id))
    notes = {p.id: CODE_RELEASED for p in code}
    return Section(topic=CATCHING_ON, papers=[*ranked, *code], notes=notes, for_everyone=True)


def with_section(sections: list[Section], extra: Section | None) -> list[Section]:
    return [*sections, replace(extra)] if extra is not None else sections
