"""A reader's choices reorder their own topic, and only theirs (recorded papers)."""

from __future__ import annotations

from newsletter.models import Paper
from newsletter.profiles.feedback import Choice, FeedbackModel
from newsletter.profiles.similarity import ProfilePaper
from tests.profiles.conftest import hf_papers

LIKED = "2510.01265"  # RLP: Reinforcement as a Pretraining Objective (rated on an earlier day)


def setup() -> tuple[FeedbackModel, list[Paper], ProfilePaper]:
    papers = hf_papers()
    rated = next(p for p in papers if p.id == LIKED)
    liked = ProfilePaper(rated.id, rated.title, rated.abstract)
    day = [p for p in papers if p.id != LIKED]
    return FeedbackModel(day, [liked]), day, liked


def test_a_like_moves_a_similar_paper_up_for_that_reader_only() -> None:
    model, day, liked = setup()
    section = day[:20]  # the shared order of one topic
    fan, other = model.rank_section([[Choice(liked, liked=True)], []], section)
    assert other.papers == tuple(section)  # no feedback: the shared order, untouched
    assert other.reasons == {}
    top = fan.papers[0]
    assert top != section[0]
    assert section.index(top) > 0  # it climbed
    assert "reinforcement" in (top.title + top.abstract).lower()
    assert fan.reasons[top.id] == liked.title


def test_a_dislike_sinks_what_a_like_would_raise() -> None:
    model, day, liked = setup()
    section = day[:20]
    [fan] = model.rank_section([[Choice(liked, liked=True)]], section)
    [critic] = model.rank_section([[Choice(liked, liked=False)]], section)
    lifted = fan.papers[0]
    assert critic.papers.index(lifted) > section.index(lifted)
    assert critic.reasons == {}


def test_undo_restores_the_shared_order() -> None:
    model, day, liked = setup()
    section = day[:20]
    [before] = model.rank_section([[]], section)
    [liking] = model.rank_section([[Choice(liked, liked=True)]], section)
    assert liking.papers != before.papers
    [undone] = model.rank_section([[]], section)  # the choice removed
    assert undone.papers == before.papers == tuple(section)


def test_the_latest_choice_of_a_paper_wins() -> None:
    model, day, liked = setup()
    section = day[:20]
    [changed] = model.rank_section([[Choice(liked, True), Choice(liked, False)]], section)
    [critic] = model.rank_section([[Choice(liked, False)]], section)
    assert changed.papers == critic.papers
