"""CSV import and export, and the YAML sync, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from newsletter.errors import CsvFormatError
from newsletter.models import Cadence, Rhythm, Subscriber, SubscriberStatus
from newsletter.store.subscriber_csv import export_csv, import_csv
from newsletter.store.subscribers import (
    all_subscribers,
    get_subscriber,
    set_status,
    sync_config_subscribers,
    upsert_subscriber,
)

TOPICS = ["Agents and tool use", "Efficiency and scaling", "More papers"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "readers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_bad_rows_by_line_and_keeps_the_rest(any_engine: Engine, tmp_path) -> None:
    path = write(
        tmp_path,
        "email,name,topics\n"
        "ada@example.org,Ada Lovelace,Agents and tool use;Efficiency and scaling\n"
        'grace@example.org,"Hopper,\nGrace",\n'  # a quoted name over two lines
        "not-an-address,Nobody,\n"
        "alan@example.org,Alan,Astrology\n"
        "alan@Example.ORG,Alan T,\n",
    )
    report = import_csv(any_engine, path, TOPICS)
    assert (report.added, report.updated) == (3, 0)
    assert [p.split(": ")[0] for p in report.problems] == [f"{path}:5", f"{path}:6"]
    assert "is not a valid email address" in report.problems[0]
    assert "unknown topic 'Astrology'" in report.problems[1]
    ada = get_subscriber(any_engine, "ada@example.org")
    assert ada is not None and ada.topics == {"Agents and tool use", "Efficiency and scaling"}
    alan = get_subscriber(any_engine, "alan@example.org")
    assert alan is not None and alan.name == "Alan T" and alan.topics is None


def test_reimport_updates_but_never_resubscribes(any_engine: Engine, tmp_path) -> None:
    upsert_subscriber(any_engine, "ada@example.org", name="Ada")
    set_status(any_engine, "ada@example.org", SubscriberStatus.UNSUBSCRIBED)
    report = import_csv(any_engine, write(tmp_path, "email,name\nada@example.org,Ada L\n"), TOPICS)
    assert (report.added, report.updated) == (0, 1)
    ada = get_subscriber(any_engine, "ada@example.org")
    assert ada is not None and ada.name == "Ada L"
    assert ada.status is SubscriberStatus.UNSUBSCRIBED


def test_export_then_import_round_trips(any_engine: Engine, tmp_path) -> None:
    upsert_subscriber(any_engine, "ada@example.org", name="Ada, Countess", topics=TOPICS[:2])
    upsert_subscriber(any_engine, "grace@example.org")
    stream = io.StringIO()
    assert export_csv(any_engine, stream) == 2
    lines = stream.getvalue().splitlines()
    assert lines[0] == "email,name,topics,cadence,status,created_at"
    assert lines[1].startswith('ada@example.org,"Ada, Countess",Agents and tool use;Efficiency')
    path = write(tmp_path, stream.getvalue())
    report = import_csv(any_engine, path, TOPICS)
    assert (report.added, report.updated, report.problems) == (0, 2, [])


def test_a_header_without_email_is_refused_with_what_was_found(any_engine, tmp_path) -> None:
    with pytest.raises(CsvFormatError, match=r"needs an 'email' column.*found: mail, name"):
        import_csv(any_engine, write(tmp_path, "mail,name\nada@example.org,Ada\n"), TOPICS)
    with pytest.raises(CsvFormatError, match="unknown column 'topcis'"):
        import_csv(any_engine, write(tmp_path, "email,topcis\nada@example.org,x\n"), TOPICS)


def test_import_of_many_rows_is_batched(any_engine: Engine, tmp_path) -> None:
    rows = "".join(f"reader{i}@example.org,Reader {i},More papers\n" for i in range(3000))
    report = import_csv(any_engine, write(tmp_path, "email,name,topics\n" + rows), TOPICS)
    assert report.added == 3000 and report.problems == []
    assert len(all_subscribers(any_engine)) == 3000


def test_yaml_sync_adds_updates_and_forgets_but_remembers_unsubscribes(any_engine) -> None:
    sync_config_subscribers(
        any_engine,
        [Subscriber("ada@example.org", "Ada"), Subscriber("grace@example.org", "Grace")],
    )
    set_status(any_engine, "grace@example.org", SubscriberStatus.UNSUBSCRIBED)
    upsert_subscriber(any_engine, "cli@example.org")
    sync_config_subscribers(
        any_engine, [Subscriber("grace@example.org", "Grace H", frozenset({"More papers"}))]
    )
    readers = {r.email: r for r in all_subscribers(any_engine)}
    assert sorted(readers) == ["cli@example.org", "grace@example.org"]  # ada left the YAML
    grace = readers["grace@example.org"]
    assert grace.status is SubscriberStatus.UNSUBSCRIBED  # the YAML cannot resubscribe her
    assert grace.name == "Grace H" and grace.topics == {"More papers"}


def test_import_and_export_go_in_chunks_and_lose_no_row(
    any_engine: Engine, tmp_path, monkeypatch
) -> None:
    """Rows are stored every CHUNK_ROWS (here 4), line numbers stay right across chunks, an
    address repeated in a later chunk is reported with the line it is on, and export streams
    them back."""
    monkeypatch.setattr("newsletter.store.subscriber_csv.CHUNK_ROWS", 4)
    rows = [f"r{i:02d}@example.org,R {i}," for i in range(11)]
    rows[6] = "broken,Nobody,"  # line 8 of the file
    rows.append("r01@example.org,R one again,")
    report = import_csv(any_engine, write(tmp_path, "email,name,topics\n" + "\n".join(rows)), None)
    assert (report.added, report.updated, report.problem_count) == (10, 0, 2)
    assert report.problems[0].startswith(f"{tmp_path / 'readers.csv'}:8:")
    assert "r01@example.org is already on line 3" in report.problems[1]
    assert get_subscriber(any_engine, "r01@example.org").name == "R 1"  # type: ignore[union-attr]
    out = io.StringIO()
    assert export_csv(any_engine, out) == 10
    assert out.getvalue().splitlines()[1].startswith("r00@example.org,R 0,")


def test_reader_pages_are_keyset_pages_covering_everyone_once(any_engine: Engine) -> None:
    from newsletter.store.subscribers import subscriber_pages

    for i in range(10):
        upsert_subscriber(any_engine, f"p{i}@example.org")
    pages = list(subscriber_pages(any_engine, page_size=3))
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    ids = [r.id for page in pages for r in page]
    assert ids == sorted(ids) and len(set(ids)) == 10


def test_cadence_column_imports_exports_and_rejects_a_bad_weekday(
    any_engine: Engine, tmp_path
) -> None:
    text = (
        "email,cadence\n"
        "ada@example.org,weekly:fri\n"
        "grace@example.org,daily\n"
        "alan@example.org,\n"
        "bad@example.org,weekly:someday\n"
    )
    report = import_csv(any_engine, write(tmp_path, text), TOPICS)
    assert report.added == 3
    (problem,) = report.problems
    assert ":5: cadence 'weekly:someday': use daily, weekly or weekly:<weekday>" in problem
    cadences = {s.email: s.cadence for s in all_subscribers(any_engine)}
    assert cadences["ada@example.org"] == Cadence(Rhythm.WEEKLY, 4)
    assert cadences["grace@example.org"] == Cadence()
    assert cadences["alan@example.org"] is None  # the operator's default
    stream = io.StringIO()
    export_csv(any_engine, stream)
    assert "ada@example.org,,,weekly:friday,active," in stream.getvalue()
