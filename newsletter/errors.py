"""The error tree. Library code raises these; only the CLI maps them to exit codes.

    NewsletterError                  anything the user can act on (exit 1)
     +-- ConfigError                 the YAML is wrong: file, line, key path, what is allowed
     +-- NoPapersError               every source failed: nothing was built or sent
     +-- SourceError                 a source could not give papers (host, what to do)
     |    +-- SourceFetchError       network, HTTP status, timeout
     |    +-- SourceDataError        the body was not what the source format promises
     +-- TemplateError               a template is missing or does not compile
     +-- DeliveryError               a backend refused or failed to send
     |    +-- ShutdownRequestedError the scheduler is stopping; the rest waits for next run
     +-- StoreError                  the database could not be opened or written

Every message says what went wrong, where, and how to fix it. Secrets never appear in one.
"""

from __future__ import annotations

from dataclasses import dataclass


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
        head = "1 problem" if count == 1 else f"{count} problems"
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


class TemplateError(NewsletterError):
    """A template is missing or failed to render or compile."""


class DeliveryError(NewsletterError):
    """A delivery backend failed; the message names the recipient or provider answer."""


class ShutdownRequestedError(DeliveryError):
    """The scheduler is stopping; readers not yet handed to the provider wait for next time."""

    def __init__(self) -> None:
        super().__init__("shutting down: left for the next run")


class StoreError(NewsletterError):
    """The database could not be opened, migrated or written."""
