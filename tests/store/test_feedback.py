"""Readers' choices on SQLite and PostgreSQL: the latest wins, undo and reset forget, the
ranking reads every reader's choices at once, and erasure takes them too."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from newsletter.store.feedback import (
    RatedPaper,
    choices_for_ranking,
    reader_choices,
    record_choice,
    reset_choices,
    undo_choice,
)
from newsletter.store.privacy import forget_reader, reader_data
from newsletter.store.subscribers import upsert_subscriber

RLP = RatedPaper("2510.01265", "RLP: Reinforcement as a Pretraining Objective", "We present RLP.")
OVI = RatedPaper("2510.01284", "Ovi: Twin Backbone Cross-Modal Fusion", "Audio and video.")


def reader_id(engine: Engine, email: str) -> int:
    reader = upsert_subscriber(engine, email)
    assert reader.id is not None
    return reader.id


def test_the_latest_choice_of_a_paper_wins_and_undo_forgets_it(any_engine: Engine) -> None:
    ada = reader_id(any_engine, "ada@example.org")
    record_choice(any_engine, ada, RLP, liked=True)
    record_choice(any_engine, ada, RLP, liked=False)  # changed her mind
    record_choice(any_engine, ada, OVI, liked=True)
    listed = reader_choices(any_engine, ada)
    assert [(c.paper_id, c.liked) for c in listed] == [(OVI.id, True), (RLP.id, False)]
    assert undo_choice(any_engine, ada, RLP.id)
    assert not undo_choice(any_engine, ada, RLP.id)  # a second undo: nothing left to undo
    assert [c.paper_id for c in reader_choices(any_engine, ada)] == [OVI.id]
    assert reset_choices(any_engine, ada) == 1
    assert reader_choices(any_engine, ada) == []


def test_ranking_reads_each_readers_choices_and_each_paper_once(any_engine: Engine) -> None:
    ada, bob = reader_id(any_engine, "ada@example.org"), reader_id(any_engine, "bob@example.org")
    carol = reader_id(any_engine, "carol@example.org")
    record_choice(any_engine, ada, RLP, liked=True)
    record_choice(any_engine, bob, RLP, liked=False)
    record_choice(any_engine, bob, OVI, liked=True)
    ranking = choices_for_ranking(any_engine, [ada, bob, carol])
    assert ranking.choices == {ada: [(RLP.id, True)], bob: [(RLP.id, False), (OVI.id, True)]}
    assert ranking.papers == {RLP.id: RLP, OVI.id: OVI}
    assert choices_for_ranking(any_engine, [carol]).choices == {}


def test_export_lists_the_choices_and_erasure_deletes_them(any_engine: Engine) -> None:
    ada = reader_id(any_engine, "ada@example.org")
    record_choice(any_engine, ada, RLP, liked=True)
    data = reader_data(any_engine, "ada@example.org")
    assert data is not None
    assert [(f["paper"], f["choice"]) for f in data["feedback"]] == [(RLP.id, "more like this")]
    assert forget_reader(any_engine, "ada@example.org")
    assert choices_for_ranking(any_engine).choices == {}
