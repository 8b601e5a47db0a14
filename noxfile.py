"""Everyday tasks: ``nox -s lint``, ``types``, ``tests``, ``fast``, ``bench`` (``nox -l`` lists).

Each session reuses one virtualenv (``-R`` skips reinstalling); ``bash .ci/run`` stays the
full gate (system packages, PostgreSQL, the wheel check).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "types", "fast"]
nox.options.reuse_existing_virtualenvs = True
BENCHES = [
    "bench_topics",
    "bench_relevance",
    "bench_render",
    "bench_delivery",
    "bench_schedule",
    "bench_web",
]


def _install(session: nox.Session) -> None:
    session.install("-e", ".[test]")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict over the package."""
    _install(session)
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """The whole suite (set NEWSLETTER_TEST_PG_URL and NEWSLETTER_CHROMIUM for all of it)."""
    _install(session)
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def fast(session: nox.Session) -> None:
    """The quick subset for the edit loop: no browser, no subprocess scheduler."""
    _install(session)
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-x",
        "tests/topics",
        "tests/config",
        "tests/render",
        "tests/store",
        "tests/sources",
        "--ignore=tests/render/test_browser.py",
        *session.posargs,
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Every benchmark script; each prints its figures."""
    _install(session)
    for name in session.posargs or BENCHES:
        session.run("python", f"bench/{name}.py")
