"""Deployment files shipped with the package: the repository's own Dockerfile and compose.yaml
(bundled into the wheel), the example config, and the workflow template beside this module."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent
WORKFLOW_TEMPLATE = Path(__file__).resolve().parent / "github-actions.yml"


def shipped(name: str) -> Path:
    """``name`` from the wheel's bundle, else from the source checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _CHECKOUT / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{name} is not shipped with this installation")


def example_config() -> str:
    for candidate in (
        _PACKAGE / "_bundled" / "newsletter.yaml",
        _CHECKOUT / "config" / "newsletter.yaml",
    ):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError("the example config is not shipped with this installation")
