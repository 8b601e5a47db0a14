"""Topic rules: compile the ``topics:`` config once, place papers, rank them, explain why.

terms     keyword phrases -> patterns and anchors; a paper's lowercased text
rules     a ``match:`` block -> a tree of conditions that returns scored hits
grouping  membership (first / multi), catch-all, ranking, max_papers -> Sections
explain   the same placement, kept whole for ``newsletter topics explain``
"""

from newsletter.topics.explain import Explanation, explain, to_json
from newsletter.topics.grouping import (
    CompiledTopic,
    compile_topics,
    filter_sections,
    group_by_topic,
    group_compiled,
)
from newsletter.topics.rules import Hit

__all__ = [
    "CompiledTopic",
    "Explanation",
    "Hit",
    "compile_topics",
    "explain",
    "filter_sections",
    "group_by_topic",
    "group_compiled",
    "to_json",
]
