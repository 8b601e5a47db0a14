"""The preferences page offers the reader their data and its deletion."""

from __future__ import annotations

from newsletter.store.privacy import reader_data
from newsletter.store.subscribers import get_subscriber, upsert_subscriber
from tests.web.conftest import csrf_token
from tests.web.tokens import real_token

AGENTS = "Agents and tool use"


def test_reader_downloads_their_data_then_deletes_it(client, engine) -> None:
    upsert_subscriber(engine, "reader@example.org", topics=[AGENTS], origin="web")
    path = f"/preferences/{real_token(engine, 'reader@example.org', 'preferences')}"
    page = client.get(path)
    assert 'id="export"' in page.text and 'id="forget"' in page.text
    download = client.get(f"{path}/data")
    assert download.status_code == 200
    assert download.headers["cache-control"] == "no-store"
    assert "attachment" in download.headers["content-disposition"]
    data = download.json()
    assert data["email"] == "reader@example.org"
    assert data["subscription"]["topics"] == [AGENTS]
    assert data["subscription"]["consent"]["source"] == "web"

    no_csrf = client.post(f"{path}/forget", data={})
    assert no_csrf.status_code == 403
    assert get_subscriber(engine, "reader@example.org") is not None
    gone = client.post(f"{path}/forget", data={"csrf_token": csrf_token(page.text)})
    assert gone.status_code == 200 and 'id="forgotten"' in gone.text
    assert reader_data(engine, "reader@example.org") is None
    assert client.get(f"{path}/data").status_code == 400  # nothing left to show


def test_a_forged_token_gets_no_data(client, engine) -> None:
    upsert_subscriber(engine, "reader@example.org", origin="web")
    token = real_token(engine, "reader@example.org", "unsubscribe")  # wrong purpose
    assert client.get(f"/preferences/{token}/data").status_code == 400
