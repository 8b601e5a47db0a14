"""Delivery options: secrets only through environment variables, checked at load time."""

from __future__ import annotations

import pytest
import yaml

from newsletter.config import parse_config
from newsletter.errors import ConfigError
from tests.conftest import SHIPPED_CONFIG


def with_delivery(delivery: dict) -> str:
    data = yaml.safe_load(SHIPPED_CONFIG.read_text())
    data["delivery"] = delivery
    return yaml.safe_dump(data, sort_keys=False)


def test_smtp_credentials_must_be_set_in_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("TEST_SMTP_USER", raising=False)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "hunter2-secret")
    options = {"username_env": "TEST_SMTP_USER", "password_env": "TEST_SMTP_PASSWORD"}
    with pytest.raises(ConfigError) as caught:
        parse_config(with_delivery({"backend": "smtp", "options": options}), "n.yaml")
    message = str(caught.value)
    assert "delivery.options.username_env: environment variable TEST_SMTP_USER is not set" in (
        message
    )
    assert "n.yaml:" in message and "hunter2-secret" not in message


def test_smtp_needs_both_username_and_password_or_neither(monkeypatch) -> None:
    monkeypatch.setenv("TEST_SMTP_USER", "papers")
    with pytest.raises(ConfigError, match="set both username_env and password_env"):
        parse_config(
            with_delivery({"backend": "smtp", "options": {"username_env": "TEST_SMTP_USER"}})
        )


def test_sendgrid_batch_size_cannot_exceed_1000(monkeypatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.x")
    with pytest.raises(ConfigError, match=r"delivery\.options\.batch_size: must be at most"):
        parse_config(with_delivery({"backend": "sendgrid", "options": {"batch_size": 1001}}))


def test_an_api_key_written_into_the_yaml_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown key; did you mean 'api_key_env'"):
        parse_config(with_delivery({"backend": "sendgrid", "options": {"api_key": "SG.x"}}))
