"""Secrets: the values of the environment variables the config names, read once at load.

The config holds only names (``password_env: SMTP_PASSWORD``); every ``*_env`` key of every
section, the web app's included, is read here when the config loads, plus
``$NEWSLETTER_SECRET`` (the link-signing secret). Stages take their secrets from
``LoadedConfig.secrets`` and never read the environment themselves. Values never appear in
a repr, a log line or an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from pydantic import BaseModel

SIGNING_SECRET_ENV = "NEWSLETTER_SECRET"
ENV_SUFFIX = "_env"


class Secrets:
    """Values by variable name; only variables that are set and not empty are kept."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def get(self, variable: str | None) -> str | None:
        """The value of ``variable`` (a name the config gives), or None if it is not set."""
        return self._values.get(variable) if variable else None

    @property
    def signing_secret(self) -> str | None:
        """``$NEWSLETTER_SECRET``; None lets the store generate and keep one."""
        return self._values.get(SIGNING_SECRET_ENV)

    def __repr__(self) -> str:
        return f"Secrets(set: {', '.join(sorted(self._values)) or 'none'})"


def named_variables(model: BaseModel) -> Iterator[str]:
    """Every variable a ``*_env`` field of the config names, in every section."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name.endswith(ENV_SUFFIX) and isinstance(value, str) and value:
            yield value
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                yield from named_variables(item)


def read_secrets(model: BaseModel, environ: Mapping[str, str] = os.environ) -> Secrets:
    """The config's secrets from ``environ``, read once."""
    wanted = {*named_variables(model), SIGNING_SECRET_ENV}
    return Secrets({name: environ[name] for name in wanted if environ.get(name)})
