"""Record formats shared by sources: Hugging Face daily-papers items and our own JSON.

``parse_record`` normalizes one record of either format, or returns a reason to skip it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from newsletter.errors import PaperRecordError, SourceDataError
from newsletter.models import Paper
from newsletter.sources.text import clean_abstract, clean_title

_ARXIV_VERSION = re.compile(r"v\d+$")
HF_PAPERS = "https://huggingface.co/papers/"


# A real day is ~100 KB to a few MB of JSON; a day file or answer past this is not one.
MAX_JSON_BYTES = 64_000_000


def decode_json(raw: bytes, where: str) -> Any:
    """Parse a day file or an API answer; every way it can be hostile (not JSON, too big,
    nested past Python's recursion limit) becomes a ``SourceDataError`` naming ``where``."""
    check_json_size(len(raw), where)
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceDataError(f"{where}: not JSON ({exc}); it starts with {raw[:80]!r}") from None
    except RecursionError:
        raise SourceDataError(
            f"{where}: JSON nested too deeply to be a list of papers; it starts with {raw[:20]!r}"
        ) from None


def check_json_size(size: int, where: str) -> None:
    if size > MAX_JSON_BYTES:
        raise SourceDataError(
            f"{where}: {size / 1e6:.0f} MB of JSON; a day of papers is at most "
            f"{MAX_JSON_BYTES // 1_000_000} MB"
        )


def strip_version(arxiv_id: str) -> str:
    """``2510.02283v2`` -> ``2510.02283``; ``cs/0503050v1`` -> ``cs/0503050``."""
    return _ARXIV_VERSION.sub("", arxiv_id.strip())


def parse_record(record: Any, origin: str, listing_day: dt.date | None = None) -> Paper:
    """Normalize an HF item (``{"paper": {...}}``) or a normalized paper dict."""
    if not isinstance(record, Mapping):
        raise PaperRecordError(f"{origin}: not an object ({type(record).__name__})")
    if isinstance(record.get("paper"), Mapping):
        return parse_hf_item(record, origin, listing_day)
    return parse_normalized(record, origin)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_hf_item(
    item: Mapping[str, Any], origin: str, listing_day: dt.date | None = None
) -> Paper:
    """One Daily Papers item. The day is the UTC date of ``paper.submittedOnDailyAt``, else
    the day the list was asked for; the item's top-level ``publishedAt`` is never used (it
    is shifted to US Eastern time since 2025 while labelled UTC)."""
    paper = item["paper"]
    raw_id, title = _text(paper.get("id")), _text(paper.get("title"))
    if not raw_id or not title.strip():
        raise PaperRecordError(
            f"{origin}: record {raw_id or title[:60] or '?'!r} lacks an id or a title"
        )
    arxiv_id = strip_version(raw_id)
    submitted = _datetime(paper.get("submittedOnDailyAt"))
    authors = tuple(
        a["name"] for a in paper.get("authors", []) if isinstance(a, Mapping) and a.get("name")
    )
    submitter = paper.get("submittedOnDailyBy") or item.get("submittedBy") or {}
    org = paper.get("organization") or item.get("organization") or {}
    return Paper(
        id=arxiv_id,
        arxiv_id=arxiv_id,
        title=clean_title(title),
        title_raw=title,
        abstract=clean_abstract(_text(paper.get("summary"))),
        abstract_raw=_text(paper.get("summary")),
        authors=authors,
        listed_on=submitted.astimezone(dt.UTC).date() if submitted else listing_day,
        published_at=_datetime(paper.get("publishedAt")),
        upvotes=_int(paper.get("upvotes")),
        comments=_int(item.get("numComments")),
        github_repo=paper.get("githubRepo") or None,
        github_stars=_int(paper.get("githubStars")),
        project_page=paper.get("projectPage") or None,
        thumbnail=item.get("thumbnail") or None,
        ai_summary=clean_abstract(_text(paper.get("ai_summary"))) or None,
        ai_keywords=tuple(k for k in paper.get("ai_keywords", []) if isinstance(k, str)),
        submitter=(submitter.get("fullname") or submitter.get("user"))
        if isinstance(submitter, Mapping)
        else None,
        organization=(org.get("fullname") or org.get("name")) if isinstance(org, Mapping) else None,
        page_url=HF_PAPERS + arxiv_id,
        sources=("hf_daily",),
    )


_NORMALIZED_FIELDS = set(Paper.__dataclass_fields__)


def parse_normalized(record: Mapping[str, Any], origin: str) -> Paper:
    """Our own format: the ``Paper`` fields as JSON (what ``newsletter fetch`` writes)."""
    raw_id, title = _text(record.get("id")), _text(record.get("title"))
    if not raw_id or not title.strip():
        raise PaperRecordError(
            f"{origin}: record {raw_id or title[:60] or '?'!r} lacks an id or a title"
        )
    values = {k: v for k, v in record.items() if k in _NORMALIZED_FIELDS}
    for key in ("authors", "ai_keywords", "categories", "sources"):
        if key in values:
            values[key] = tuple(str(v) for v in values[key] or ())
    if isinstance(values.get("listed_on"), str):
        values["listed_on"] = dt.date.fromisoformat(values["listed_on"])
    if "published_at" in values:
        values["published_at"] = _datetime(values["published_at"])
    arxiv_id = values.get("arxiv_id")
    values["arxiv_id"] = strip_version(arxiv_id) if isinstance(arxiv_id, str) and arxiv_id else None
    values["id"] = values["arxiv_id"] or raw_id
    # Clean from the source's original text when we have it, so a round trip through
    # `newsletter fetch` and a local source gives the same display text.
    values["title_raw"] = _text(values.get("title_raw")) or title
    values["title"] = clean_title(values["title_raw"])
    abstract_raw = _text(values.get("abstract_raw")) or _text(values.get("abstract"))
    values["abstract"] = clean_abstract(abstract_raw)
    try:
        return Paper(**values)
    except TypeError as exc:
        raise PaperRecordError(f"{origin}: record {raw_id!r} is malformed: {exc}") from exc


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """Our normalized JSON format (read back by ``parse_normalized``); empty fields omitted."""
    out: dict[str, Any] = {}
    for name in Paper.__dataclass_fields__:
        value = getattr(paper, name)
        if value is None or value == () or value == "":
            continue
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    for name in ("arxiv_url", "pdf_url"):
        if getattr(paper, name):
            out[name] = getattr(paper, name)
    return out
