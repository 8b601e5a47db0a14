"""What one topic would have matched on recorded days: the preview of ``topics suggest``.

Pure: the topic, its profiles and the days' papers in, per day the papers it would have
taken and why (the same matching code as the issue, evaluated for this topic alone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from newsletter.config.models import GroupingConfig, TopicConfig
from newsletter.models import Paper
from newsletter.profiles.similarity import Profile
from newsletter.topics.explain import explain, matched_words


@dataclass(frozen=True, slots=True)
class PreviewedPaper:
    paper: Paper
    relevance: float
    why: tuple[str, ...]  # matched words and nearest profile papers, as explain shows them


@dataclass(frozen=True, slots=True)
class DayPreview:
    day: dt.date
    papers: int  # listed that day
    matched: tuple[PreviewedPaper, ...]  # best first


def preview_topic(
    topic: TopicConfig, profiles: Mapping[str, Profile], days: Mapping[dt.date, list[Paper]]
) -> list[DayPreview]:
    grouping = GroupingConfig(membership="first", catch_all=None)
    previews = []
    for day, papers in days.items():
        explanation = explain(papers, [topic], grouping, profiles)
        matched = sorted(
            (
                PreviewedPaper(m.paper, m.relevance, tuple(matched_words(m.hits)))
                for placement in explanation.placements
                for m in placement.placed
            ),
            key=lambda p: (-p.relevance, p.paper.id),
        )
        previews.append(DayPreview(day, len(papers), tuple(matched)))
    return previews
