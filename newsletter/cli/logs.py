"""How log lines reach the user: one format, our own lines only unless asked.

At the default level the user sees our INFO lines (the scheduler's fires, the web app's
requests) and other programs' warnings; ``--verbose`` adds our DEBUG lines; ``--debug``
shows everyone's, httpx's requests, APScheduler's and uvicorn's internals included. Every
line, ours or a library's, goes through the one handler on the root logger, so uvicorn and
APScheduler print in the same format as we do.
"""

from __future__ import annotations

import logging
import sys

OURS = "newsletter"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that set their own level or handlers at import (uvicorn's config, APScheduler's
# executors): put back under the root's rules.
_OURS_MARK = "newsletter_cli_handler"
_CHATTY = ("httpx", "httpcore", "apscheduler", "uvicorn", "uvicorn.error", "uvicorn.access")


def configure_logging(*, verbose: bool = False, debug: bool = False) -> None:
    """Install the one stderr handler; called once by the CLI before any command runs."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS_MARK, False):  # a second call (tests) replaces it
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    setattr(handler, _OURS_MARK, True)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.getLogger(OURS).setLevel(logging.DEBUG if debug or verbose else logging.INFO)
    for name in _CHATTY:
        chatty = logging.getLogger(name)
        chatty.handlers.clear()
        chatty.propagate = True
        chatty.setLevel(logging.NOTSET)
