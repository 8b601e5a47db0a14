"""The Jinja environment: package templates, optionally overridden one file at a time."""

from __future__ import annotations

from pathlib import Path

import jinja2

_PACKAGE = Path(__file__).resolve().parent.parent
# Inside a wheel the templates are shipped as newsletter/_bundled/templates; in a checkout
# they live at the top level.
BUILTIN_TEMPLATE_DIRS = (_PACKAGE / "_bundled" / "templates", _PACKAGE.parent / "templates")


def builtin_templates_dir() -> Path:
    for candidate in BUILTIN_TEMPLATE_DIRS:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the package's templates are missing: reinstall newsletter")


def template_search_path(override: Path | None) -> list[Path]:
    """Where templates are looked up, first match wins."""
    return ([override] if override else []) + [builtin_templates_dir()]


def missing_template_message(name: str, override: Path | None) -> str:
    """Names every file that was tried, so a typo in an override is easy to see."""
    tried = ", ".join(str(folder / name) for folder in template_search_path(override))
    return f"template {name!r} not found; searched: {tried}"


def make_environment(override: Path | None = None) -> jinja2.Environment:
    """Autoescaping is on for every template: paper text is never trusted.

    A ``ChoiceLoader`` over the override folder, then the built-in templates: a user
    overrides one partial (say ``partials/paper.mjml.j2``) and keeps the rest.
    """
    loaders: list[jinja2.BaseLoader] = [
        jinja2.FileSystemLoader(str(path)) for path in template_search_path(override)
    ]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters["nowrap"] = nowrap
    return env


def nowrap(text: str) -> str:
    """Non-breaking spaces, so "▲ 12 upvotes" never splits across lines on a phone."""
    return text.replace(" ", "\u00a0")
