"""One line of the doctor's report."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Status(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    FAILURE = "failure"


@dataclass(frozen=True)
class Finding:
    """``fix`` says what to do; an ok finding has none."""

    status: Status
    subject: str
    message: str
    fix: str | None = None

    def line(self) -> str:
        text = f"{self.status.value:<8} {self.subject}: {self.message}"
        return f"{text}; {self.fix}" if self.fix else text


def ok(subject: str, message: str) -> Finding:
    return Finding(Status.OK, subject, message)


def warning(subject: str, message: str, fix: str) -> Finding:
    return Finding(Status.WARNING, subject, message, fix)


def failure(subject: str, message: str, fix: str) -> Finding:
    return Finding(Status.FAILURE, subject, message, fix)
