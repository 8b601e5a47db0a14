"""The GitHub Actions workflow ``init --github-actions`` writes: the config's schedule as a
cron line with ``timezone:``, and every secret the config names passed in from Actions."""

from __future__ import annotations

import re
import string

import yaml

from newsletter.config.secrets import (
    SIGNING_SECRET_ENV as SECRET_ENV,  # read by the program, named in no config
)
from newsletter.deploy.files import WORKFLOW_TEMPLATE

# Set or commented out: a backend switched on later finds its secret already passed in.
_ENV_NAME = re.compile(r"\b\w+_env:\s*([A-Z_][A-Z0-9_]*)")


def config_env_names(config_text: str) -> list[str]:
    """Every environment variable the config names, in order, ``NEWSLETTER_SECRET`` first."""
    return list(dict.fromkeys([SECRET_ENV, *_ENV_NAME.findall(config_text)]))


def render_workflow(config_text: str, config_name: str, package: str) -> str:
    """``config_text`` is the YAML the workflow will run with (its live, uncommented keys)."""
    data = yaml.safe_load(config_text) or {}
    schedule = data.get("schedule") or {}
    names = config_env_names(config_text)
    secrets = "\n".join(f"      {name}: ${{{{ secrets.{name} }}}}" for name in names)
    return string.Template(WORKFLOW_TEMPLATE.read_text(encoding="utf-8")).substitute(
        cron=schedule_cron(schedule),
        timezone=schedule.get("timezone", "UTC"),
        config=config_name,
        secrets=secrets,
        package=package,
    )


def schedule_cron(schedule: dict[str, object]) -> str:
    """``schedule.cron`` as written, else ``at`` on ``days`` (GitHub's cron counts Sunday 0)."""
    from newsletter.config.schedule_time import parse_days

    if isinstance(schedule.get("cron"), str):
        return str(schedule["cron"])
    hour, minute = str(schedule.get("at", "07:00")).split(":")[:2]
    days = sorted((d + 1) % 7 for d in parse_days(str(schedule.get("days", "mon-fri"))))
    weekdays = "*" if len(days) == 7 else ",".join(map(str, days))
    return f"{int(minute)} {int(hour)} * * {weekdays}"
