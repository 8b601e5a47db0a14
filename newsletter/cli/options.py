"""Options every command shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Config file (default: $NEWSLETTER_CONFIG, then config/newsletter.yaml).",
    )(func)


def date_option(func: F) -> F:
    return click.option(
        "--date",
        "day",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The day of papers, YYYY-MM-DD (default: today in the newsletter's time zone).",
    )(func)


def as_date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None
