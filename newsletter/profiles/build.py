"""Build the run's ``similar_to`` profiles: read libraries, look ids up, once per run.

``build_profiles`` reads every ``similar_to`` block of the config, looks up what it must and
returns the profiles keyed by the block's key path, which ``compile_topics`` takes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from newsletter.config import LoadedConfig
from newsletter.config.models import MatchConfig, SimilarToConfig, TopicConfig
from newsletter.errors import ConfigError, ConfigProblem, NewsletterError, SourceError
from newsletter.models import Paper
from newsletter.profiles.library import LibraryError, read_library
from newsletter.profiles.resolve import ArxivLookup
from newsletter.profiles.similarity import Profile, ProfilePaper, Similarity
from newsletter.sources.formats import strip_version
from newsletter.sources.http import USER_AGENT, HttpClient

Profiles = Mapping[str, Profile]
Loc = tuple[str | int, ...]

__all__ = [
    "ArxivLookup",
    "Profile",
    "ProfilePaper",
    "Profiles",
    "Similarity",
    "build_profiles",
    "resolve_examples",
    "similar_to_blocks",
]


def similar_to_blocks(topics: Sequence[TopicConfig]) -> Iterator[tuple[Loc, SimilarToConfig]]:
    """Every ``similar_to`` block with its key path, in file order."""
    for index, topic in enumerate(topics):
        yield from _blocks(topic.match, ("topics", index, "match"))


def _blocks(match: MatchConfig, loc: Loc) -> Iterator[tuple[Loc, SimilarToConfig]]:
    if match.similar_to is not None:
        yield (*loc, "similar_to"), match.similar_to
    for name in ("any", "all", "none"):
        for index, block in enumerate(getattr(match, name) or []):
            yield from _blocks(block, (*loc, name, index))


def rule_path(loc: Loc) -> str:
    """``("topics", 0, "match", "similar_to")`` -> ``topics[0].match.similar_to``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def build_profiles(
    loaded: LoadedConfig, *, refresh: bool = False, lookup: ArxivLookup | None = None
) -> dict[str, Profile]:
    """Read libraries and look ids up for every ``similar_to`` of the config: once per run.

    Raises ``ConfigError`` listing every unreadable library and unknown id with its line,
    and ``SourceError`` when ids must be looked up and arXiv cannot be reached."""
    blocks = list(similar_to_blocks(loaded.model.topics))
    if not blocks:
        return {}
    own = lookup is None
    lookup = lookup or _default_lookup(loaded, refresh)
    try:
        return _profiles(loaded, blocks, lookup)
    finally:
        if own:
            lookup.client.close()


def resolve_examples(
    loaded: LoadedConfig,
    ids: Sequence[str],
    known: Mapping[str, Paper],
    lookup: ArxivLookup | None = None,
) -> list[ProfilePaper]:
    """The example papers of ``topics suggest``: from recorded days when listed there, else
    looked up (cached). An id arXiv does not know is a ``NewsletterError`` naming it."""
    wanted = [strip_version(i) for i in ids]
    missing = [i for i in wanted if i not in known]
    found: dict[str, ProfilePaper] = {}
    if missing:
        own = lookup is None
        lookup = lookup or _default_lookup(loaded, refresh=False)
        try:
            found = lookup.resolve(missing)
        finally:
            if own:
                lookup.client.close()
        unknown = [i for i in missing if i not in found]
        if unknown:
            raise NewsletterError(
                f"arXiv does not know {', '.join(unknown)} (asked {lookup.url}); check the ids"
            )
    return [
        found[i] if i in found else ProfilePaper(i, known[i].title, known[i].abstract)
        for i in dict.fromkeys(wanted)
    ]


def _default_lookup(loaded: LoadedConfig, refresh: bool) -> ArxivLookup:
    collect = loaded.model.collect
    client = HttpClient(timeout=20.0, user_agent=collect.user_agent or USER_AGENT, min_interval=3)
    cache = loaded.resolve_output(collect.cache_dir)
    return ArxivLookup(client, collect.arxiv_api_url, cache, refresh=refresh)


def _profiles(
    loaded: LoadedConfig, blocks: list[tuple[Loc, SimilarToConfig]], lookup: ArxivLookup
) -> dict[str, Profile]:
    problems: list[ConfigProblem] = []
    wanted: dict[Loc, list[tuple[Loc, str]]] = {}  # block -> (where listed, id) to look up
    own_text: dict[Loc, list[ProfilePaper]] = {}
    for loc, block in blocks:
        wanted[loc] = [((*loc, "papers", i), strip_version(p)) for i, p in enumerate(block.papers)]
        own_text[loc] = []
        if block.library is not None:
            path = loaded.resolve_input(block.library)
            try:
                entries = read_library(path)
            except LibraryError as exc:
                problems.append(loaded.problem((*loc, "library"), str(exc)))
                continue
            for entry in entries:
                if entry.abstract or entry.arxiv_id is None:
                    own_text[loc].append(
                        ProfilePaper(entry.arxiv_id or entry.key, entry.title, entry.abstract)
                    )
                else:  # a title alone is thin: take the abstract from arXiv
                    wanted[loc].append(((*loc, "library"), entry.arxiv_id))
    ids = [paper_id for listed in wanted.values() for _, paper_id in listed]
    try:
        found = lookup.resolve(ids) if ids else {}
    except SourceError as exc:
        raise SourceError(
            f"cannot look up the arXiv ids of similar_to profiles: {exc} (they are kept under"
            f" {lookup.folder} once found; check the network or collect.arxiv_api_url)"
        ) from exc
    profiles: dict[str, Profile] = {}
    for loc, listed in wanted.items():
        papers = list(own_text[loc])
        for where, paper_id in listed:
            if paper_id in found:
                papers.append(found[paper_id])
            else:
                message = f"arXiv id {paper_id} not found at {lookup.url}; check the id"
                short = (*where[:-2], where[-1]) if "papers" in where else None
                problems.append(loaded.problem(where, message, short))
        if papers:
            profiles[rule_path(loc)] = Profile(_unique(papers))
    if problems:
        raise ConfigError(problems)
    return profiles


def _unique(papers: list[ProfilePaper]) -> list[ProfilePaper]:
    return list({p.id: p for p in papers}.values())
