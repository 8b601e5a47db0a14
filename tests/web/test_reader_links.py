"""Preferences and unsubscribe from the signed links; refusing forged, expired and tampered
tokens without telling whether an address exists."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsletter.models import Cadence, SubscriberStatus
from newsletter.store.audience import mailing_list
from newsletter.store.subscribers import get_subscriber, upsert_subscriber
from tests.readers import read_eml
from tests.web.conftest import csrf_token, link_in, outbox_mail
from tests.web.tokens import expired_token, forged_token, real_token

AGENTS = "Agents and tool use"
RL = "Reinforcement learning and reasoning"


@pytest.fixture
def reader(engine) -> str:
    upsert_subscriber(engine, "reader@example.org", topics=[AGENTS], origin="web")
    return "reader@example.org"


def test_preferences_show_current_choice_and_save_new_one(client, engine, reader) -> None:
    path = f"/preferences/{real_token(engine, reader, 'preferences')}"
    page = client.get(path)
    assert page.status_code == 200 and reader in page.text
    assert f'value="{AGENTS}" checked' in page.text
    assert f'value="{RL}" checked' not in page.text
    assert page.headers["cache-control"] == "no-store"
    saved = client.post(
        path,
        data={"csrf_token": csrf_token(page.text), "topics": [RL], "status": "paused"},
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    after = get_subscriber(engine, reader)
    assert after is not None
    assert after.topics == frozenset({RL}) and after.status is SubscriberStatus.PAUSED


def test_reader_chooses_weekly_on_a_weekday_then_back_to_daily(client, engine, reader) -> None:
    path = f"/preferences/{real_token(engine, reader, 'preferences')}"
    page = client.get(path)
    assert 'value="daily" checked' in page.text  # the operator's default
    form = {"csrf_token": csrf_token(page.text), "topics": [AGENTS], "status": "active"}
    saved = client.post(path, data={**form, "cadence": "weekly", "weekday": "sunday"})
    assert saved.status_code == 200
    assert 'value="weekly" checked' in saved.text and 'value="sunday" selected' in saved.text
    after = get_subscriber(engine, reader)
    assert after is not None and after.cadence == Cadence.parse("weekly:sunday")
    # Back to daily: this week's weekly email still comes (no gap), the page says when.
    back = client.post(path, data={**form, "cadence": "daily"})
    assert 'value="daily" checked' in back.text
    assert "You get this week's weekly email on Sunday; daily emails start on" in back.text
    later = get_subscriber(engine, reader)
    assert later is not None and later.cadence == Cadence()
    assert later.cadence_before == Cadence.parse("weekly:sunday")
    bad = client.post(path, data={**form, "cadence": "weekly", "weekday": "someday"})
    assert bad.status_code == 400 and "choose daily, or weekly and a weekday" in bad.text


def test_preferences_refuse_bad_input_and_missing_csrf(client, engine, reader) -> None:
    path = f"/preferences/{real_token(engine, reader, 'preferences')}"
    token = csrf_token(client.get(path).text)
    assert client.post(path, data={"topics": [RL], "status": "active"}).status_code == 403
    for data in (
        {"topics": [], "status": "active"},
        {"topics": ["Nope"], "status": "active"},
        {"topics": [RL], "status": "bounced"},  # a reader cannot un-bounce themselves
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 400
    unchanged = get_subscriber(engine, reader)
    assert unchanged is not None and unchanged.topics == frozenset({AGENTS})


def test_yaml_reader_can_choose_topics_and_the_next_issue_follows(client, engine, loaded) -> None:
    path = f"/preferences/{real_token(engine, 'ada@example.org', 'preferences')}"
    page = client.get(path)
    # every topic, "daily" and "active"
    assert page.text.count(" checked") == len(loaded.model.topics) + 3
    client.post(
        path, data={"csrf_token": csrf_token(page.text), "topics": [RL], "status": "active"}
    )
    readers = mailing_list(loaded.model.database.url, [])
    assert [(r.email, r.topics) for r in readers] == [("ada@example.org", frozenset({RL}))]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_unsubscribe_post(client, engine, reader, encoding) -> None:
    path = f"/unsubscribe/{real_token(engine, reader, 'unsubscribe')}"
    if encoding == "urlencoded":
        answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    else:
        answer = client.post(path, files={"List-Unsubscribe": (None, "One-Click")})
    assert answer.status_code == 200, answer.text
    assert "set-cookie" not in answer.headers and "location" not in answer.headers
    gone = get_subscriber(engine, reader)
    assert gone is not None and gone.status is SubscriberStatus.UNSUBSCRIBED


def test_unsubscribe_get_only_shows_a_button(client, engine, reader) -> None:
    path = f"/unsubscribe/{real_token(engine, reader, 'unsubscribe')}"
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    still = get_subscriber(engine, reader)
    assert still is not None and still.status is SubscriberStatus.ACTIVE
    assert client.post(path, data={}).status_code == 400  # no One-Click body: nothing done
    assert get_subscriber(engine, reader).status is SubscriberStatus.ACTIVE


def test_unsubscribed_yaml_reader_is_not_mailed(client, engine, loaded) -> None:
    path = f"/unsubscribe/{real_token(engine, 'ada@example.org', 'unsubscribe')}"
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    from newsletter.readers import config_subscribers

    assert mailing_list(loaded.model.database.url, config_subscribers(loaded)) == []


@pytest.mark.parametrize(
    ("route", "purpose", "method"),
    [
        ("confirm", "confirm", "GET"),
        ("preferences", "preferences", "GET"),
        ("preferences", "preferences", "POST"),
        ("unsubscribe", "unsubscribe", "GET"),
        ("unsubscribe", "unsubscribe", "POST"),
    ],
)
def test_bad_tokens_are_refused_alike_for_known_and_unknown_addresses(
    client, engine, reader, route, purpose, method
) -> None:
    def answer(token: str):
        data = {"List-Unsubscribe": "One-Click"} if method == "POST" else None
        return client.request(method, f"/{route}/{token}", data=data)

    good = real_token(engine, reader, purpose)
    other_purpose = real_token(engine, reader, "confirm" if purpose != "confirm" else "preferences")
    for email in (reader, "nobody@example.org"):
        forged = answer(forged_token(engine, email, purpose))
        tampered = answer(good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"))
        wrong = answer(other_purpose)
        for response in (forged, tampered, wrong):
            assert response.status_code == 400
            assert email not in response.text and reader not in response.text
        assert forged.text == tampered.text == wrong.text
    if purpose == "confirm":
        expired = [answer(expired_token(engine, e, purpose)) for e in (reader, "x@example.org")]
        assert expired[0].text == expired[1].text and expired[0].status_code == 400
    # A genuine token for an address we do not know reveals nothing either.
    if (route, method) in (("preferences", "GET"), ("confirm", "GET")):
        unknown = answer(real_token(engine, "nobody@example.org", purpose))
        assert unknown.status_code == 400 and unknown.text == forged.text
    assert get_subscriber(engine, reader).status is SubscriberStatus.ACTIVE


def test_bare_one_click_body_is_accepted_too(client, engine, reader) -> None:
    path = f"/unsubscribe/{real_token(engine, reader, 'unsubscribe')}"
    answer = client.post(path, content=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 200
    assert get_subscriber(engine, reader).status is SubscriberStatus.UNSUBSCRIBED


def test_stopped_reader_sees_why_and_no_form(client, engine, reader) -> None:
    from newsletter.store.subscribers import set_status

    set_status(engine, reader, SubscriberStatus.COMPLAINED)
    page = client.get(f"/preferences/{real_token(engine, reader, 'preferences')}")
    assert page.status_code == 200 and "stopped" in page.text and "<form" not in page.text
    path = f"/unsubscribe/{real_token(engine, reader, 'unsubscribe')}"
    client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert get_subscriber(engine, reader).status is SubscriberStatus.COMPLAINED  # not softened


def test_tokens_never_reach_the_access_log(client, engine, reader, caplog) -> None:
    import logging
    import time

    token = real_token(engine, reader, "preferences")
    with caplog.at_level(logging.INFO, logger="newsletter.web.access"):
        client.get(f"/preferences/{token}")
        client.get("/unsubscribe")
        deadline = time.monotonic() + 5  # the line is written just after the answer is sent
        while time.monotonic() < deadline and (
            sum(r.name == "newsletter.web.access" for r in caplog.records) < 2
        ):
            time.sleep(0.01)
    lines = [r.getMessage() for r in caplog.records if r.name == "newsletter.web.access"]
    assert any('"GET /preferences/…" 200' in line for line in lines), lines
    assert any('"GET /unsubscribe" 200' in line for line in lines), lines
    assert not any(token in line for line in lines)


PREVIOUS_RELEASE = Path(__file__).parent.parent / "fixtures" / "previous_release"


@pytest.fixture
def previous_secret(workdir, monkeypatch) -> None:
    """The secret the previous release signed its fixture message with."""
    monkeypatch.setenv("NEWSLETTER_SECRET", "previous-release-test-secret")


def test_links_in_a_message_of_the_previous_release_still_unsubscribe(
    previous_secret, client, engine
) -> None:
    message = read_eml(PREVIOUS_RELEASE / "2025-10-03.grace.eml")
    upsert_subscriber(engine, "grace@example.org", origin="csv")
    one_click = urlsplit(message.message["List-Unsubscribe"].strip("<>")).path
    preferences = urlsplit(link_in(message, "preferences")).path
    page = client.get(preferences)
    assert page.status_code == 200, page.text[-600:]
    crossed = client.post(
        preferences.replace("/preferences/", "/unsubscribe/"),
        data={"List-Unsubscribe": "One-Click"},
    )
    assert crossed.status_code == 400  # a preferences token does not unsubscribe
    answer = client.post(one_click, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert get_subscriber(engine, "grace@example.org").status is SubscriberStatus.UNSUBSCRIBED


def test_links_in_a_new_message_name_nobody(client, engine, loaded) -> None:
    """The tokens of a freshly sent issue hold neither the address nor anything readable."""
    from newsletter import pipeline

    pipeline.run(loaded, dt.date(2025, 10, 3))
    message = outbox_mail(loaded, "ada@example.org")
    for link in (message.message["List-Unsubscribe"].strip("<>"), link_in(message, "preferences")):
        token = link.rsplit("/", 1)[1]
        assert len(token) <= 30
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert b"ada" not in raw.lower() and b"example" not in raw
    answer = client.post(
        urlsplit(message.message["List-Unsubscribe"].strip("<>")).path,
        data={"List-Unsubscribe": "One-Click"},
    )
    assert answer.status_code == 200
    assert get_subscriber(engine, "ada@example.org").status is SubscriberStatus.UNSUBSCRIBED
