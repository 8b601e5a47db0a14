"""Arrows run down the floors: a lower stage never loads a higher one (or its libraries)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import SHIPPED_CONFIG


def loaded_modules(statement: str) -> set[str]:
    """The modules a fresh interpreter holds after ``statement``."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    return set(out.stdout.split())


def test_loading_the_config_imports_no_stage_and_no_scheduler() -> None:
    modules = loaded_modules(
        f"from newsletter.config import load_config; load_config({str(SHIPPED_CONFIG)!r})"
    )
    assert "apscheduler" not in modules
    assert not {m for m in modules if m.startswith(("newsletter.schedule", "newsletter.store"))}


@pytest.mark.parametrize("stage", ["newsletter.render", "newsletter.topics", "newsletter.store"])
def test_a_stage_loads_neither_the_pipeline_nor_a_web_app(stage: str) -> None:
    modules = loaded_modules(f"import {stage}")
    assert "newsletter.pipeline" not in modules
    assert "starlette" not in modules
