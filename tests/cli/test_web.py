"""`newsletter web` on the command line, and the `web:` config section."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.errors import ConfigError
from tests.conftest import SHIPPED_CONFIG


def test_bad_port_is_a_usage_error(run_cli) -> None:
    assert run_cli("web", "--port", "70000").exit_code == 2


def test_shipped_config_documents_the_web_section() -> None:
    web = load_config(SHIPPED_CONFIG).model.web
    assert web.port == 8000 and web.sendgrid_webhook_key_env == "SENDGRID_WEBHOOK_PUBLIC_KEY"


def test_typo_in_web_section_names_file_key_and_allowed(tmp_path: Path) -> None:
    text = SHIPPED_CONFIG.read_text().replace("  webhook_max_age_seconds:", "  webhook_max_age:")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    message = str(error.value)
    assert "bad.yaml:" in message and "web.webhook_max_age: unknown key" in message
    assert "did you mean 'webhook_max_age_seconds'?" in message


def test_bad_webhook_key_fails_at_startup_naming_the_variable(config_file, monkeypatch) -> None:
    from newsletter.web import create_app

    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", "not-a-key")
    with pytest.raises(ConfigError, match=r"\$SENDGRID_WEBHOOK_PUBLIC_KEY is not a valid") as err:
        create_app(load_config(config_file))
    assert "not-a-key" not in str(err.value)
