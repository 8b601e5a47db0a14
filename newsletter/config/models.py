"""The configuration model: one pydantic model per YAML section, unknown keys forbidden.

Paths: inputs the config names (local source files, template overrides) resolve against
the config file's folder; state (database, cache, outbox) against the same folder, or its
parent when it is called ``config`` (``LoadedConfig.state_dir``), so a command started from
anywhere reads the same ledger; with the packaged default, the working folder. ``bundled:``
names a file shipped inside the package (the sample day).
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from newsletter.config.regex import pattern_problem
from newsletter.config.schedule_time import check_cron, parse_days
from newsletter.models import Cadence

HTTPS_OR_HTTP = r"^https?://[^\s]+$"


class Strict(BaseModel):
    """Base for every section: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CatchingOnConfig(Strict):
    """``newsletter.catching_on``: the "Catching on" section (off when absent)."""

    days: int = Field(default=3, ge=1, le=14)  # issue days looked back over
    min_upvotes: int = Field(default=50, ge=1)  # upvotes a paper must have reached since


# Keys an earlier version had, with what replaced them: the error says so instead of
# "unknown key".
RENAMED_KEYS = {
    "images": "show_thumbnails (a number: thumbnails for the first N papers of each topic)",
}


class NewsletterSection(Strict):
    name: str = "Daily Papers"
    sender: str = Field(description='"Name <address>" or a bare address')
    reply_to: str | None = None
    postal_address: str = Field(min_length=1, description="required by anti-spam law")
    base_url: str = Field(pattern=HTTPS_OR_HTTP, description="public URL of the web app")
    subject: str = "{name}, {date:%a %d %b}: {n_papers} in {n_topics}"
    timezone: str = "UTC"
    language: str = "en"
    templates_dir: str | None = None
    summary_chars: int = Field(default=320, ge=60, le=2000)
    # The size budget (Gmail clips HTML past ~102 KB) and the degradation steps' knobs.
    html_budget_bytes: int = Field(default=100_000, ge=20_000, le=100_000)
    short_summary_chars: int = Field(default=140, ge=40, le=2000)
    # Thumbnails for the first N papers of each topic (0: none). Per topic, not per email, so a
    # topic's piece is the same for every reader who chose it.
    show_thumbnails: int = Field(default=0, ge=0, le=20)
    show_reasons: bool = True  # "matched: video generation, 3D" under each paper
    show_feedback: bool = True  # "More like this · Less like this" under each paper
    # Readers without their own choice get this rhythm: daily, weekly or weekly:<weekday>.
    cadence: str = "daily"
    catching_on: CatchingOnConfig | None = None
    weekly_subject: str = "{name} weekly, {first:%d %b} to {date:%d %b}: {papers} papers"
    web_font_url: str | None = Field(default=None, pattern=HTTPS_OR_HTTP)
    web_font_family: str | None = Field(default=None, pattern=r"^[A-Za-z0-9 \-]+$")
    # The DKIM selector your provider signs with (SendGrid: s1), for `newsletter doctor`.
    dkim_selector: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]+$")

    @field_validator("sender")
    @classmethod
    def _sender_has_address(cls, value: str) -> str:
        if not re.search(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+", value) or "\n" in value:
            raise ValueError('must be an email address, optionally "Name <address>"')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("cadence")
    @classmethod
    def _known_cadence(cls, value: str) -> str:
        return _check_cadence(value)

    @property
    def default_cadence(self) -> Cadence:
        return Cadence.parse(self.cadence)

    @field_validator("subject", "weekly_subject")
    @classmethod
    def _subject_placeholders(cls, value: str) -> str:
        import datetime as dt

        day = dt.date(2025, 1, 1)
        try:
            value.format(
                name="x",
                date=day,
                first=day,
                papers=1,
                topics=1,
                n_papers="1 paper",
                n_topics="1 topic",
            )
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise ValueError(
                f"bad placeholder in subject ({exc}); allowed: {{name}} {{date}} "
                "(e.g. {date:%a %d %b}) {papers} {topics} (numbers) {n_papers} {n_topics} "
                "('3 papers', '1 topic'), and {first} (a weekly issue's first day)"
            ) from exc
        return value

    @model_validator(mode="after")
    def _web_font_complete(self) -> NewsletterSection:
        if (self.web_font_url is None) != (self.web_font_family is None):
            raise ValueError("web_font_url and web_font_family go together: set both or neither")
        return self


def _check_cadence(value: str) -> str:
    return str(Cadence.parse(value))


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}{_closest_timezone(value)} "
            "(an IANA name like Europe/Berlin or America/New_York, or UTC)"
        ) from exc
    return value


def _closest_timezone(value: str) -> str:
    import difflib
    from zoneinfo import available_timezones

    zones = {zone.lower(): zone for zone in available_timezones()}
    exact = zones.get(value.strip().lower().replace(" ", "_"))
    hint = [exact] if exact else difflib.get_close_matches(value.lower(), zones, n=1, cutoff=0.75)
    return f"; did you mean '{zones.get(hint[0], hint[0])}'?" if hint else ""


class LocalSourceConfig(Strict):
    type: Literal["local"]
    name: str | None = None
    path: str = Field(description="JSON file or folder; 'bundled:...' for shipped data")
    filter_by_date: bool = False


class HFDailySourceConfig(Strict):
    type: Literal["hf_daily"]
    name: str | None = None
    base_url: str = Field(default="https://huggingface.co", pattern=HTTPS_OR_HTTP)
    page_size: int = Field(default=50, ge=1, le=100)
    lag_days: int = Field(default=0, ge=0, le=7)
    timeout: float = Field(default=20.0, gt=0)
    retries: int = Field(default=4, ge=1, le=10, description="attempts for 429/5xx answers")


ARXIV_CATEGORY = r"^[a-z-]+(\.[A-Za-z-]+)?$"


class ArxivSourceConfig(Strict):
    type: Literal["arxiv"]
    name: str | None = None
    categories: list[Annotated[str, Field(pattern=ARXIV_CATEGORY)]] = Field(min_length=1)
    base_url: str = Field(default="https://rss.arxiv.org", pattern=HTTPS_OR_HTTP)
    api_base_url: str | None = Field(default=None, pattern=HTTPS_OR_HTTP)
    api_delay: float = Field(default=3.0, ge=3.0, description="seconds between API calls")
    api_batch_size: int = Field(default=100, ge=1, le=2000)
    include_cross_lists: bool = False
    timeout: float = Field(default=20.0, gt=0)
    retries: int = Field(default=4, ge=1, le=10, description="attempts for 429/5xx answers")


class CollectConfig(Strict):
    """How sources are run and their answers judged (the ``collect`` section)."""

    cache_dir: str = Field(default="cache", description="raw responses, per source and day")
    empty_day: Literal["skip", "notice"] = "skip"
    seen_window_days: int | None = Field(default=None, ge=1, description="null: forever")
    skip_seen: bool = True  # false: mail a day's papers even if an earlier issue had them
    user_agent: str | None = None
    arxiv_api_url: str = Field(
        default="https://export.arxiv.org",
        pattern=HTTPS_OR_HTTP,
        description="where the arXiv ids of similar_to profiles are looked up",
    )


SourceConfig = Annotated[
    LocalSourceConfig | HFDailySourceConfig | ArxivSourceConfig,
    Field(discriminator="type"),
]


SearchField = Literal["title", "abstract", "keywords"]
TopicSort = Literal["relevance", "upvotes", "date"]
MATCH_CONDITIONS = (
    "keywords",
    "regex",
    "categories",
    "authors",
    "ai_keywords",
    "min_upvotes",
    "similar_to",
)
# New-style (2510.01234, optional version) and old-style (cs.LG/0601001) arXiv identifiers.
ARXIV_ID = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$"
LIBRARY_SUFFIXES = (".bib", ".csv")
MATCH_COMBINATORS = ("any", "all", "none")


def _one_or_many(value: Any) -> Any:
    # `keywords: diffusion` reads as naturally as `keywords: [diffusion]`.
    return [value] if isinstance(value, str) else value


def _nonblank_term(value: str) -> str:
    if not re.search(r"\w", value):
        raise ValueError(f"{value!r} has no letters or digits; give a word or phrase")
    return value.strip()


def _valid_regex(value: str) -> str:
    problem = pattern_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


Term = Annotated[str, AfterValidator(_nonblank_term)]
Terms = Annotated[list[Term], BeforeValidator(_one_or_many)]
Regex = Annotated[str, AfterValidator(_valid_regex)]
Regexes = Annotated[list[Regex], BeforeValidator(_one_or_many)]


def _ids_alone(value: Any) -> Any:
    # `similar_to: [2510.01234, 2510.05678]` is the short form of `similar_to: {papers: [...]}`.
    if isinstance(value, str | list):
        return {"papers": _one_or_many(value)}
    return value


def _library_file(value: str) -> str:
    if not value.lower().endswith(LIBRARY_SUFFIXES):
        raise ValueError(
            f"{value!r} is not a library export: give a .bib (BibTeX) or .csv (Zotero, Mendeley)"
        )
    return value


ArxivIdTerm = Annotated[str, Field(pattern=ARXIV_ID)]


class SimilarToConfig(Strict):
    """Papers like these: a TF-IDF profile of the titles and abstracts of ``papers`` (arXiv
    ids, looked up through the arXiv API and cached) and of every entry of ``library``."""

    papers: list[ArxivIdTerm] = Field(default_factory=list, description="arXiv ids")
    library: Annotated[str, AfterValidator(_library_file)] | None = Field(
        default=None, description="a .bib or .csv export, relative to this file"
    )
    threshold: float = Field(
        default=0.12, gt=0, le=1, description="cosine similarity a paper needs, 0 < t <= 1"
    )
    weight: float = Field(
        default=10.0, gt=0, le=100, description="relevance added per unit of similarity"
    )

    @model_validator(mode="after")
    def _has_papers(self) -> SimilarToConfig:
        if not self.papers and self.library is None:
            raise ValueError("no profile: give papers (arXiv ids) or library (a .bib or .csv)")
        return self


SimilarTo = Annotated[SimilarToConfig, BeforeValidator(_ids_alone)]


class MatchConfig(Strict):
    """A rule block. Every condition given in one block must hold (AND); inside one list any
    entry may hit (OR); ``any``/``all``/``none`` nest further blocks. See docs/topics.md."""

    keywords: Terms = Field(default_factory=list, description="words or phrases")
    regex: Regexes = Field(default_factory=list, description="RE2 regular expressions")
    categories: Terms = Field(default_factory=list, description="arXiv categories, cs.* ok")
    authors: Terms = Field(default_factory=list)
    ai_keywords: Terms = Field(default_factory=list, description="HF AI keyword tags")
    min_upvotes: int | None = Field(default=None, ge=0)
    similar_to: SimilarTo | None = None
    fields: list[SearchField] | None = Field(default=None, min_length=1)
    any: list[MatchConfig] | None = Field(default=None, min_length=1)
    all: list[MatchConfig] | None = Field(default=None, min_length=1)
    none: list[MatchConfig] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _has_a_condition(self) -> MatchConfig:
        given = [k for k in (*MATCH_CONDITIONS, *MATCH_COMBINATORS) if getattr(self, k)]
        if not given and self.min_upvotes is None:
            allowed = ", ".join((*MATCH_CONDITIONS, *MATCH_COMBINATORS))
            raise ValueError(f"empty rule: give at least one of {allowed}")
        return self


class TopicConfig(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    emoji: str = ""
    match: MatchConfig
    max_papers: int | None = Field(default=None, ge=1)
    sort: TopicSort = "relevance"


class GroupingConfig(Strict):
    membership: Literal["first", "multi"] = "first"
    catch_all: str | None = Field(default="More papers", min_length=1)


class SubscriberConfig(Strict):
    email: str
    name: str | None = None
    topics: list[str] | None = None
    timezone: str | None = None  # their own zone, for schedule.local_time
    cadence: str | None = None  # daily, weekly or weekly:<weekday>; None: newsletter.cadence

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @field_validator("cadence")
    @classmethod
    def _known_cadence(cls, value: str | None) -> str | None:
        return None if value is None else _check_cadence(value)

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if not re.fullmatch(r"[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+", value):
            raise ValueError("must be an email address such as reader@example.org")
        return value


class OutboxOptions(Strict):
    dir: str = "outbox"


class NoOptions(Strict):
    pass


ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class DkimOptions(Strict):
    """Sign with the key in ``private_key_env`` (PEM), published at selector._domainkey.domain."""

    domain: str = Field(max_length=253, pattern=r"^([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$")
    selector: str = Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,62})$")
    private_key_env: str = Field(pattern=ENV_NAME)


class SmtpOptions(Strict):
    """Credentials only through environment variables named here (checked at load time)."""

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    username_env: str | None = Field(default=None, pattern=ENV_NAME)
    password_env: str | None = Field(default=None, pattern=ENV_NAME)
    timeout: float = Field(default=30.0, gt=0)
    ca_file: str | None = None  # PEM bundle to trust instead of the system's (private relays)
    dkim: DkimOptions | None = None  # sign every message (docs/delivery.md: the DNS records)
    concurrency: int = Field(default=4, ge=1, le=64)  # connections open at once


class SendGridOptions(Strict):
    """The API key only through the environment variable named here (checked at load time)."""

    api_key_env: str = Field(default="SENDGRID_API_KEY", pattern=ENV_NAME)
    host: str = Field(default="https://api.sendgrid.com", pattern=HTTPS_OR_HTTP)
    sandbox_mode: bool = False
    timeout: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=1000, ge=1, le=1000)  # readers per request
    concurrency: int = Field(default=8, ge=1, le=64)  # requests in flight at once
    categories: list[str] = Field(default_factory=list, max_length=10)
    max_retries: int = Field(default=5, ge=0, le=20)
    backoff_seconds: float = Field(default=1.0, gt=0)
    max_wait_seconds: float = Field(default=60.0, gt=0)


class OutboxDelivery(Strict):
    backend: Literal["outbox"]
    options: OutboxOptions = Field(default_factory=OutboxOptions)


class ConsoleDelivery(Strict):
    backend: Literal["console"]
    options: NoOptions = Field(default_factory=NoOptions)


class MemoryDelivery(Strict):
    backend: Literal["memory"]
    options: NoOptions = Field(default_factory=NoOptions)


class SmtpDelivery(Strict):
    backend: Literal["smtp"]
    options: SmtpOptions = Field(default_factory=SmtpOptions)


class SendGridDelivery(Strict):
    backend: Literal["sendgrid"]
    options: SendGridOptions = Field(default_factory=SendGridOptions)


DeliveryConfig = Annotated[
    OutboxDelivery | ConsoleDelivery | MemoryDelivery | SmtpDelivery | SendGridDelivery,
    Field(discriminator="backend"),
]


class ScheduleConfig(Strict):
    """When ``newsletter schedule`` runs the job; days and cron checked by ``schedule_time``."""

    at: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
    days: str = "mon-fri"
    timezone: str = "UTC"
    cron: str | None = None
    misfire_grace_minutes: int = Field(default=120, ge=1)
    # Every source failed: try again every N minutes for M minutes, then record the failure.
    retry_every_minutes: int = Field(default=15, ge=1)
    retry_for_minutes: int = Field(default=120, ge=0)
    # Local-time delivery: each reader gets the issue at `at` of their own time zone.
    local_time: bool = False
    check_every_minutes: int = Field(default=15, ge=1, le=60)
    # Sending in batches: a shutdown (SIGTERM) finishes the current batch, then stops.
    batch_size: int | None = Field(default=None, ge=1)  # None: the backend's own
    batch_pause_seconds: float = Field(default=0.0, ge=0, le=3600)

    @model_validator(mode="after")
    def _local_time_has_no_cron(self) -> ScheduleConfig:
        if self.local_time and self.cron:
            raise ValueError(
                "local_time sends at `at` on `days` in each reader's zone; it cannot be "
                "combined with cron (remove one)"
            )
        return self

    @field_validator("check_every_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if 60 % value:
            raise ValueError("must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @field_validator("days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            check_cron(value)
        return value


class WebRateLimitConfig(Strict):
    """Limits on the subscribe form, counted per process in a sliding window."""

    window_seconds: int = Field(default=3600, ge=1)
    subscribe_per_ip: int = Field(default=10, ge=1)
    subscribe_per_address: int = Field(default=3, ge=1)


class WebConfig(Strict):
    """``newsletter web``: where it listens and how it checks SendGrid's Event Webhook."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    sendgrid_webhook_key_env: str = Field(
        default="SENDGRID_WEBHOOK_PUBLIC_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"
    )
    webhook_max_age_seconds: int = Field(default=600, ge=10)
    rate_limit: WebRateLimitConfig = Field(default_factory=WebRateLimitConfig)


class DatabaseConfig(Strict):
    """``url_env`` names a variable that, when set, holds the URL instead of ``url``: a
    PostgreSQL password stays out of the file (containers, CI)."""

    url: str = "sqlite:///newsletter.db"
    url_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @model_validator(mode="before")
    @classmethod
    def _url_from_environment(cls, data: Any) -> Any:
        name = data.get("url_env") if isinstance(data, dict) else None
        value = os.environ.get(name, "").strip() if isinstance(name, str) else ""
        return {**data, "url": value} if value else data


class ReadersConfig(Strict):
    """How long the program keeps what, and when bounces stop mail (docs/delivery.md)."""

    # A soft bounce (deferred, blocked, mailbox full) stops mail only after this many
    # messages bounced softly within soft_bounce_window_days; hard bounces stop it at once.
    soft_bounce_limit: int = Field(default=5, ge=1, le=100)
    soft_bounce_window_days: int = Field(default=30, ge=1, le=365)
    # Sign-ups not confirmed within this many days are deleted by the daily job.
    purge_unconfirmed_after_days: int = Field(default=7, ge=1, le=365)


class NewsletterConfig(Strict):
    """The whole configuration file."""

    newsletter: NewsletterSection
    sources: list[SourceConfig] = Field(min_length=1)
    topics: list[TopicConfig] = Field(min_length=1)
    grouping: GroupingConfig = Field(default_factory=GroupingConfig)
    subscribers: list[SubscriberConfig] = Field(default_factory=list)
    delivery: DeliveryConfig = Field(default_factory=lambda: OutboxDelivery(backend="outbox"))
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    collect: CollectConfig = Field(default_factory=CollectConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    readers: ReadersConfig = Field(default_factory=ReadersConfig)

    @field_validator("database", mode="before")
    @classmethod
    def _database_as_url(cls, value: Any) -> Any:
        # `database: sqlite:///x.db` is the natural way to write it; so is `{url: ...}`.
        return {"url": value} if isinstance(value, str) else value
