"""Each reader's own order, from their choices: packed per reader, unpacked into sections."""

from __future__ import annotations

from dataclasses import replace

from newsletter.models import Section, Subscriber, Topic
from newsletter.reader_orders import ReaderOrders
from newsletter.store.feedback import RankingInput, RatedPaper
from tests.profiles.conftest import hf_papers

LIKED = "2510.01265"  # RLP: Reinforcement as a Pretraining Objective


def setup() -> tuple[list[Section], RankingInput, RatedPaper]:
    papers = [p for p in hf_papers() if p.id != LIKED]
    liked = next(p for p in hf_papers() if p.id == LIKED)
    rated = RatedPaper(liked.id, liked.title, liked.abstract)
    sections = [
        Section(Topic("First"), papers[:15]),
        Section(Topic("Second"), papers[15:30]),
        Section(Topic("Catching on"), papers[30:36], for_everyone=True),
    ]
    ranking = RankingInput({1: [(LIKED, True)], 3: [(LIKED, True)]}, {LIKED: rated})
    return sections, ranking, rated


def test_only_readers_whose_choices_change_something_get_an_order_of_their_own() -> None:
    sections, ranking, rated = setup()
    fan = Subscriber("fan@example.org", id=1)
    other = Subscriber("other@example.org", id=2)  # no choices
    unasked = Subscriber("unasked@example.org", id=3)  # choices, but not among the readers
    orders = ReaderOrders(sections, ranking, [1, 2])
    assert orders.key_of(other) is None and orders.key_of(unasked) is None
    assert orders.key_of(Subscriber("preview@example.org")) is None  # no row id
    key = orders.key_of(fan)
    assert key is not None and len(orders) == 1
    mine = orders.sections(sections, key)
    for shared, own in zip(sections, mine, strict=True):
        assert sorted(p.id for p in own.papers) == sorted(p.id for p in shared.papers)
    assert mine[2].papers == sections[2].papers  # what everyone gets keeps its order
    assert mine[0].papers != sections[0].papers or mine[1].papers != sections[1].papers
    notes = {**mine[0].notes, **mine[1].notes}
    assert notes and set(notes.values()) == {f"like: {rated.title}"}
    assert sections[0].notes == {}  # the shared sections are left as they were


def test_two_readers_with_the_same_choices_share_one_order() -> None:
    sections, ranking, _ = setup()
    ranking = replace(ranking, choices={1: [(LIKED, True)], 2: [(LIKED, True)]})
    one, two = Subscriber("a@example.org", id=1), Subscriber("b@example.org", id=2)
    orders = ReaderOrders(sections, ranking, [1, 2])
    assert orders.key_of(one) == orders.key_of(two) is not None
