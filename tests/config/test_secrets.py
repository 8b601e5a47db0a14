"""Secrets are read once, when the config loads: every ``*_env`` the config names, the web
app's included, and ``$NEWSLETTER_SECRET``; stages never read the environment themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from newsletter.config import load_config
from newsletter.delivery import get_backend
from newsletter.delivery.smtp import SmtpBackend
from tests.conftest import REPO, SHIPPED_CONFIG


def write_config(folder: Path, **sections: object) -> Path:
    data = yaml.safe_load(SHIPPED_CONFIG.read_text(encoding="utf-8"))
    data.update(sections)
    path = folder / "newsletter.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


SMTP = {
    "backend": "smtp",
    "options": {"host": "127.0.0.1", "username_env": "T_USER", "password_env": "T_PASS"},
}


def test_every_named_variable_is_read_when_the_config_loads(workdir: Path, monkeypatch) -> None:
    monkeypatch.setenv("T_USER", "papers")
    monkeypatch.setenv("T_PASS", "hunter2-secret")
    monkeypatch.setenv("T_HOOK", "webhook-key")
    monkeypatch.setenv("NEWSLETTER_SECRET", "signing")
    config = write_config(workdir, delivery=SMTP, web={"sendgrid_webhook_key_env": "T_HOOK"})
    loaded = load_config(config)
    for name in ("T_USER", "T_PASS", "T_HOOK", "NEWSLETTER_SECRET"):
        monkeypatch.delenv(name)  # read once: a later change of the environment is not seen
    assert loaded.secrets.get("T_HOOK") == "webhook-key"
    assert loaded.secrets.signing_secret == "signing"
    backend = get_backend(loaded)
    assert isinstance(backend, SmtpBackend)
    assert "hunter2-secret" not in repr(loaded) and "hunter2-secret" not in repr(loaded.secrets)


def test_an_unset_optional_variable_is_simply_absent(workdir: Path, monkeypatch) -> None:
    monkeypatch.delenv("SENDGRID_WEBHOOK_PUBLIC_KEY", raising=False)
    loaded = load_config(write_config(workdir))
    assert loaded.secrets.get(loaded.model.web.sendgrid_webhook_key_env) is None
    assert loaded.secrets.signing_secret is None


def test_the_environment_is_read_only_by_the_config() -> None:
    """``os.environ`` / ``getenv`` appear in newsletter/config/ and nowhere else."""
    found = subprocess.run(
        ["grep", "-rlE", r"os\.environ|getenv", "newsletter"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    # Alembic's own command line (developers writing a revision) names its database itself.
    tooling = {"newsletter/store/migrations/env.py"}
    assert found and all(p.startswith("newsletter/config/") for p in set(found) - tooling), found
    assert sys.executable  # grep is on every machine that runs .ci/run
