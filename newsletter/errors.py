"""The error tree. Library code raises these; only the CLI maps them to exit codes.

    NewsletterError                  anything the user can act on (exit 1)
     +-- ConfigError                 the YAML is wrong: file, line, key path, what is allowed
     +-- NoPapersError               every source failed: nothing was built or sent
     +-- SourceError                 a source could not give papers (host, what to do)
     |    +-- SourceFetchError       network, HTTP status, timeout
     |    +-- SourceDataError        the body was not what the source format promises
     |         +-- PaperRecordError  one record cannot become a Paper (skipped and logged)
     +-- TemplateError               a template is missing or does not compile
     |    +-- BudgetError            even the smallest form is over the HTML size budget
     +-- DeliveryError               a backend refused or failed to send
     |    +-- ShutdownRequestedError the scheduler is stopping; the rest waits for next run
     +-- StoreError                  the database could not be opened, read or written
     +-- InvalidEmailError           not a valid email address (why, from email-validator)
     +-- CsvFormatError              a subscriber CSV cannot be read (file, column)
     +-- TokenError                  a link token is forged, tampered, expired or misused
     +-- FormInputError              a web form's value, worded for the reader

Every message says what went wrong, where, and how to fix it. Secrets never appear in one;
a ``StoreError`` carries neither SQL nor readers' addresses. A program reads the kind of
failure from data (``StoreError.failure``), never from the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from newsletter.words import plural


class NewsletterError(Exception):
    """Base of every error the user can act on."""


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in a config file, located as precisely as the YAML allows."""

    path: str  # key path such as "topics[2].match.keywrods"
    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f"{self.path}: " if self.path else ""
        return f"{where}: {key}{self.message}" if where else f"{key}{self.message}"


class ConfigError(NewsletterError):
    """The configuration is invalid; carries every problem found in one pass."""

    def __init__(self, problems: list[ConfigProblem] | str) -> None:
        if isinstance(problems, str):
            self.problems = [ConfigProblem(path="", message=problems)]
            super().__init__(problems)
            return
        self.problems = problems
        count = len(problems)
        head = plural(count, "problem")
        lines = [f"invalid configuration ({head}):"] + [f"  {p}" for p in problems]
        super().__init__("\n".join(lines))


class SourceError(NewsletterError):
    """A source could not provide papers."""


class NoPapersError(NewsletterError):
    """Every source failed, so nothing was built and nothing sent."""


class SourceFetchError(SourceError):
    """The source's server could not be reached or answered with an error."""


class SourceDataError(SourceError):
    """The source answered, but not in the format it promises."""


class PaperRecordError(SourceDataError):
    """A record that cannot become a Paper; the message names it and says why. Sources skip
    the record and log this; it never ends a run."""


class TemplateError(NewsletterError):
    """A template is missing or failed to render or compile."""


class BudgetError(TemplateError):
    """Even the smallest form of the issue is over the HTML size budget."""


class DeliveryError(NewsletterError):
    """A delivery backend failed; the message names the recipient or provider answer."""


class ShutdownRequestedError(DeliveryError):
    """The scheduler is stopping; readers not yet handed to the provider wait for next time."""

    def __init__(self) -> None:
        super().__init__("shutting down: left for the next run")


class StoreFailure(StrEnum):
    """Why the database failed, for a program to decide (wait and retry, or give up)."""

    LOCKED = "locked"  # another process holds a lock: waiting may help
    READ_ONLY = "read-only"
    UNREACHABLE = "unreachable"  # the file cannot be opened, the server cannot be reached
    REFUSED_LOGIN = "refused-login"
    DISK = "disk"  # full or failing
    DAMAGED = "damaged"  # not a database, or a malformed one
    CONFLICT = "conflict"  # another process wrote the same row at the same time
    SCHEMA = "schema"  # a table or column this version needs is missing
    OTHER = "other"

    @property
    def transient(self) -> bool:
        """Trying again later may succeed without anyone changing anything."""
        return self in (StoreFailure.LOCKED, StoreFailure.CONFLICT, StoreFailure.UNREACHABLE)


class StoreError(NewsletterError):
    """The database could not be opened, read or written; the message says what to do."""

    def __init__(self, message: str, failure: StoreFailure = StoreFailure.OTHER) -> None:
        super().__init__(message)
        self.failure = failure


class InvalidEmailError(NewsletterError):
    """An address that is not a valid email address; the message says why."""


class CsvFormatError(NewsletterError):
    """The CSV file cannot be read at all (missing file, no ``email`` column, unknown columns)."""


class TokenError(NewsletterError):
    """A link token that is forged, tampered, expired or for another purpose."""


class FormInputError(NewsletterError):
    """What is wrong with a web form's input, worded for the reader."""
