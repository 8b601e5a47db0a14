"""``newsletter init``: a working folder that passes ``config check`` and ``run`` at once.

The config is the shipped example (every key commented), with the answers put in: the
newsletter's name, sender, postal address, public URL and time zone; its one reader is the
sender, so the first run mails yourself. Sources stay the bundled sample day until you switch
them to live ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from newsletter.config.secrets import SIGNING_SECRET_ENV as SECRET_ENV
from newsletter.deploy.files import example_config, shipped
from newsletter.deploy.workflow import config_env_names, render_workflow
from newsletter.errors import NewsletterError

CONFIG_NAME = "newsletter.yaml"
WORKFLOW_PATH = Path(".github/workflows/newsletter.yml")
GITIGNORE = ".env\noutbox/\ncache/\npreview/\nsite/\n*.db\n*.db-*\n*.migrate-lock\n"


class InitError(NewsletterError):
    """``init`` would overwrite a file (use --force) or cannot write the folder."""


@dataclass(frozen=True)
class InitAnswers:
    name: str = "Daily Papers"
    sender: str = "Daily Papers <papers@example.org>"
    postal_address: str = "Example Lab, 1 Research Way, 10115 Berlin, Germany"
    base_url: str = "http://127.0.0.1:8000"
    timezone: str = "UTC"


@dataclass(frozen=True)
class InitPlan:
    """What to write: the config and .env.example always, deployment files on request."""

    answers: InitAnswers = field(default_factory=InitAnswers)
    docker: bool = False
    github_actions: bool = False
    package: str = "."  # what the workflow pip-installs: "." in a fork of the source


def init_folder(target: Path, plan: InitPlan, *, force: bool = False) -> list[Path]:
    """Write the files; returns their paths. Refuses to replace a file unless ``force``."""
    config = configured_text(plan.answers)
    files: dict[Path, str] = {
        Path(CONFIG_NAME): config,
        Path(".env.example"): env_example(config, docker=plan.docker),
        Path(".gitignore"): GITIGNORE,
    }
    if plan.docker:
        files[Path("compose.yaml")] = shipped("compose.yaml").read_text(encoding="utf-8")
    if plan.github_actions:
        files[WORKFLOW_PATH] = render_workflow(config, CONFIG_NAME, plan.package)
    existing = [p for p in files if (target / p).exists()]
    if existing and not force:
        names = ", ".join(str(target / p) for p in existing)
        raise InitError(f"{names} already exist: keep them, or pass --force to replace them")
    written = []
    for relative, text in files.items():
        path = target / relative
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InitError(f"cannot write {path}: {exc.strerror}") from exc
        written.append(path)
    return written


def configured_text(answers: InitAnswers) -> str:
    """The example config with the answers in place and the sender as its one reader."""
    text = example_config()
    for key, value, count in (
        ("name", _quoted(answers.name), 1),
        ("sender", _quoted(answers.sender), 1),
        ("postal_address", _quoted(answers.postal_address), 1),
        ("base_url", _quoted(answers.base_url), 1),
        ("timezone", answers.timezone, 0),  # the day and the schedule's clock
    ):
        text = _set_value(text, key, value, count)
    readers = f"subscribers:\n  - email: {_address(answers.sender)}\n\n"
    return _READERS.sub(readers, text, count=1)


_READERS = re.compile(r"^subscribers:\n(?:[ \t]+.*\n)*\n", re.MULTILINE)


def _set_value(text: str, key: str, value: str, count: int) -> str:
    """Replace a two-space-indented ``key: value``, keeping its trailing comment."""
    pattern = re.compile(rf"^(  {key}: )(?:\"(?:[^\"\\]|\\.)*\"|[^#\n]*?)(\s+#.*)?$", re.MULTILINE)
    return pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(2) or ''}", text, count=count)


def env_example(config: str, *, docker: bool) -> str:
    """Every environment variable the config names (set or commented), with what it is for."""
    lines = [
        "# Copy to .env (never commit it) or set these as CI secrets. Only the variables",
        "# your delivery backend and database need must be set.",
        f"# {SECRET_ENV} signs unsubscribe links: any long random string.",
    ]
    lines += [f"{name}=" for name in config_env_names(config)]
    if docker:
        lines += [
            "",
            "# docker compose",
            "# the database container's password, and the source checkout the image is built from",
            "POSTGRES_PASSWORD=",
            "NEWSLETTER_SOURCE=.",
        ]
    return "\n".join(lines) + "\n"


def _address(sender: str) -> str:
    match = re.search(r"<([^>]+)>", sender)
    return match.group(1) if match else sender.strip()


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
