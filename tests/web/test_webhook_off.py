"""Without a public key the webhook refuses everything: it cannot check who is talking."""

from __future__ import annotations


def test_webhook_without_key_answers_503_and_names_the_variable(client, monkeypatch) -> None:
    answer = client.post(
        "/webhooks/sendgrid",
        content=b"[]",
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": "x",
            "X-Twilio-Email-Event-Webhook-Timestamp": "1",
        },
    )
    assert answer.status_code == 503
    assert "SENDGRID_WEBHOOK_PUBLIC_KEY" in answer.json()["error"]
