"""scikit-learn takes seconds to load on a busy machine: only a profile that scores loads it.

A CLI that imported it at start made the scheduler miss a fire time a few seconds ahead."""

from __future__ import annotations

from tests.test_house import loaded_modules

HEAVY = {"sklearn", "numpy", "scipy", "bibtexparser"}


def test_the_cli_the_pipeline_and_the_scheduler_start_without_scikit_learn() -> None:
    modules = loaded_modules("import newsletter.cli, newsletter.pipeline, newsletter.schedule")
    assert not HEAVY & modules
