"""Read a YAML config file into ``NewsletterConfig``, reporting every mistake in one pass.

Each problem names the file, line and column, the key path (``topics[2].match.keywrods``),
what is allowed there and, for a typo, the nearest valid key.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from newsletter.config.models import (
    ARXIV_CATEGORY,
    ARXIV_ID,
    ENV_NAME,
    HTTPS_OR_HTTP,
    RENAMED_KEYS,
    NewsletterConfig,
)
from newsletter.config.secrets import Secrets, read_secrets
from newsletter.errors import ConfigError, ConfigProblem

Loc = tuple[str | int, ...]
Marks = dict[Loc, tuple[int, int]]
SemanticCheck = Callable[[NewsletterConfig], Iterable[tuple[Loc, str]]]
DataCheck = Callable[[Any], Iterable[tuple[Loc, str]]]

ENV_VAR = "NEWSLETTER_CONFIG"
MISSING = "required key is missing"
DEFAULT_PATH = Path("config/newsletter.yaml")
BUNDLED_PATH = Path(__file__).resolve().parent.parent / "_bundled" / "newsletter.yaml"
CHECKOUT_PATH = Path(__file__).resolve().parents[2] / "config" / "newsletter.yaml"
# Input limits: the shipped config is ~15 KB and ~1,500 values, 12 levels deep. Readers in
# bulk go through the CSV import, so a config of megabytes is a mistake or an attack.
MAX_CONFIG_CHARS = 2_000_000
MAX_EXPANDED_NODES = 200_000
MAX_DEPTH = 50

# Checks a schema cannot express (cross references, uniqueness). Stages register theirs.
SEMANTIC_CHECKS: list[SemanticCheck] = []
# Checks on the raw YAML data: they run even when the schema fails, so one pass reports
# every mistake (a duplicate topic name and a typo elsewhere come together).
DATA_CHECKS: list[DataCheck] = []


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus where it came from (for resolving relative paths) and the
    secrets its ``*_env`` keys name, read from the environment when it loaded."""

    model: NewsletterConfig
    path: Path
    bundled: bool
    secrets: Secrets = field(repr=False)

    @property
    def input_dir(self) -> Path:
        """Folder that inputs named in the config are relative to."""
        return Path.cwd() if self.bundled else self.path.parent

    def resolve_input(self, value: str) -> Path:
        if value.startswith("bundled:"):
            return Path(__file__).resolve().parent.parent / value.removeprefix("bundled:")
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.input_dir / path

    def problem(self, loc: Loc, message: str, written_at: Loc | None = None) -> ConfigProblem:
        """A problem found after loading (a missing library file, an unknown arXiv id),
        located in the file like the ones validation finds. ``written_at``: where the value
        sits when a short form was used (``similar_to: [ids]`` for ``similar_to.papers``)."""
        if self.bundled:
            return ConfigProblem(format_path(loc), message, str(self.path))
        try:
            _, marks = _load_yaml(_read(self.path), str(self.path))
        except ConfigError:
            marks = {}
        if written_at is not None and loc not in marks and written_at in marks:
            marks = {**marks, loc: marks[written_at]}
        return _located(loc, message, marks, str(self.path), at_value=True)

    @property
    def state_dir(self) -> Path:
        """Folder that state (database, cache, outbox) is kept in: the config file's folder,
        or its parent when that folder is called ``config`` (``project/config/newsletter.yaml``
        keeps ``project/newsletter.db``), so a command started from another folder, a cron job
        in the wrong directory, reads the same ledger; with the packaged default, the working
        folder."""
        if self.bundled:
            return Path.cwd()
        folder = self.path.parent
        return folder.parent if folder.name == "config" else folder

    def resolve_output(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.state_dir / path


def find_config(explicit: str | Path | None) -> tuple[Path, bool]:
    """The file to read: --config, then $NEWSLETTER_CONFIG, then ./config/newsletter.yaml,
    then the default shipped with the package. Returns (path, is_bundled_default)."""
    chosen = explicit or os.environ.get(ENV_VAR)
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} not found (from --config or ${ENV_VAR})")
        return path, False
    if DEFAULT_PATH.is_file():
        return DEFAULT_PATH.resolve(), False
    for candidate in (BUNDLED_PATH, CHECKOUT_PATH):
        if candidate.is_file():
            return candidate, True
    raise ConfigError(f"no config found: pass --config PATH or create {DEFAULT_PATH}")


def load_config(explicit: str | Path | None = None) -> LoadedConfig:
    path, bundled = find_config(explicit)
    text = _read(path)
    model = parse_config(text, str(path))
    loaded = LoadedConfig(model, path.resolve(), bundled, secrets=read_secrets(model))
    url = anchored_database_url(loaded.model.database.url, loaded.state_dir)
    database = loaded.model.database.model_copy(update={"url": url})
    return replace(loaded, model=loaded.model.model_copy(update={"database": database}))


def anchored_database_url(url: str, state_dir: Path) -> str:
    """``sqlite:///newsletter.db`` (relative) -> ``sqlite:////abs/state/newsletter.db``;
    other URLs, absolute paths and in-memory SQLite stay as written."""
    prefix, _, rest = url.partition(":///")
    if not prefix.startswith("sqlite") or not rest or rest.startswith(("/", ":memory:", "file:")):
        return url
    database, query = rest.partition("?")[::2]
    anchored = f"{prefix}:///{(state_dir / Path(database).expanduser()).as_posix()}"
    return f"{anchored}?{query}" if query else anchored


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_CHARS:  # refuse before reading 50 MB into memory
            raise ConfigError([ConfigProblem("", _too_big(size), str(path))])
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc


def parse_config(text: str, filename: str = "<config>") -> NewsletterConfig:
    """Validate YAML text; raise ``ConfigError`` listing every problem with its position."""
    data, marks = _load_yaml(text, filename)
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigProblem("", "the file must be a mapping of sections", filename, 1, 1)]
        )
    problems = [
        _located(loc, message, marks, filename, at_value=True)
        for check in DATA_CHECKS
        for loc, message in check(data)
    ]
    try:
        model = NewsletterConfig.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(err, data, marks, filename) for err in exc.errors()]
        raise ConfigError(_in_file_order(_dedupe(problems))) from None
    problems += [
        _located(loc, message, marks, filename)
        for check in SEMANTIC_CHECKS
        for loc, message in check(model)
    ]
    if problems:
        raise ConfigError(_in_file_order(_dedupe(problems)))
    return model


def _in_file_order(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


class ConfigLoader(yaml.SafeLoader):
    """YAML as usual, except that a new-style arXiv id stays text: plain YAML reads
    ``2510.10000`` as the number 2510.1, and the id could not be told back."""


ARXIV_ID_SCALAR = re.compile(r"^\d{4}\.\d{4,5}(v\d+)?$")
ConfigLoader.yaml_implicit_resolvers = {
    first: list(resolvers) for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _digit in "0123456789":
    ConfigLoader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", ARXIV_ID_SCALAR)
    )


def _load_yaml(text: str, filename: str) -> tuple[Any, Marks]:
    """Parse once into a node graph, measure it, and only then build the data.

    An alias is a pointer in the graph: a 10 KB "billion laughs" file holds a few dozen
    nodes but expands to billions, and everything that walks the data (validation, checks)
    would expand it. So the graph is walked once, each node visited once, and a document
    whose expansion passes ``MAX_EXPANDED_NODES`` or whose nesting passes ``MAX_DEPTH`` is
    refused before anything expands it.
    """
    if len(text) > MAX_CONFIG_CHARS:
        raise ConfigError([ConfigProblem("", _too_big(len(text)), filename)])
    loader = ConfigLoader(text)
    try:
        node = loader.get_single_node()
        marks: Marks = {}
        if node is not None:
            _measure(node, filename)
            _collect_marks(node, marks)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            [ConfigProblem("", f"not valid YAML: {reason}{_opened_at(exc)}", filename, line, col)]
        ) from None
    except RecursionError:
        message = f"nested too deeply to be a config (the limit is {MAX_DEPTH} levels)"
        raise ConfigError([ConfigProblem("", message, filename)]) from None
    finally:
        loader.dispose()
    return data, marks


# PyYAML's context for an error, as the opening a person looks for.
_OPENINGS = {
    "flow sequence": "the '[' opened",
    "flow mapping": "the '{' opened",
    "quoted scalar": "the quote opened",
}


def _opened_at(exc: yaml.YAMLError) -> str:
    """Where the unclosed bracket or quote began: the error itself is found only further on."""
    context = str(getattr(exc, "context", "") or "")
    mark = getattr(exc, "context_mark", None)
    opening = next((words for kind, words in _OPENINGS.items() if kind in context), None)
    if mark is None or opening is None:
        return ""
    return f" ({opening} at line {mark.line + 1}, column {mark.column + 1} is not closed)"


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1e6:.1f} MB; a config is at most {MAX_CONFIG_CHARS // 1_000_000} MB"
        " (readers belong in the database: newsletter subscribers import FILE.csv)"
    )


def _measure(root: yaml.Node, filename: str) -> None:
    """Refuse excessive nesting or alias expansion, visiting each node once (children
    before parents, with an explicit stack: the graph may be deeper than Python's)."""
    expanded: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise ConfigError(
                [_limit_problem(node, filename, f"nested more than {MAX_DEPTH} levels deep")]
            )
        if id(node) in expanded:
            continue
        children = _children(node)
        if not children_done and children:
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children)
            continue
        size = 1 + sum(expanded.get(id(child), 0) for child in children)
        if size > MAX_EXPANDED_NODES:
            message = (
                f"its aliases expand to more than {MAX_EXPANDED_NODES:,} values; "
                "a config never needs that many (is it an alias bomb?)"
            )
            raise ConfigError([_limit_problem(node, filename, message)])
        expanded[id(node)] = size


def _limit_problem(node: yaml.Node, filename: str, message: str) -> ConfigProblem:
    return ConfigProblem(
        "", message, filename, node.start_mark.line + 1, node.start_mark.column + 1
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _collect_marks(root: yaml.Node, marks: Marks) -> None:
    """Line marks by key path. A node reached again through an alias is not walked again:
    its own paths keep the mark of the alias's parent key (``_nearest_mark``)."""
    visited: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value)
                marks[(*loc, key, "<key>")] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                stack.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*loc, index)) for index, item in enumerate(node.value))


def _data_path(raw: Loc, data: Any) -> Loc:
    """Drop pydantic's union tags from an error location, keeping only real keys/indexes."""
    path: list[str | int] = []
    current = data
    for part in raw:
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        )
        if present:
            path.append(part)
            current = _child(current, part)
        elif isinstance(current, dict) and part in _union_tags(current):
            continue  # pydantic names the union member it tried ("local", "smtp"): not a key
        elif isinstance(current, dict) and isinstance(part, str):
            path.append(part)  # an unknown or missing key: keep it, stop descending
            current = None
    return tuple(path)


def _union_tags(mapping: dict[Any, Any]) -> set[Any]:
    return {mapping.get("type"), mapping.get("backend")} - {None}


def format_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _located(
    loc: Loc, message: str, marks: Marks, filename: str, *, at_value: bool = False
) -> ConfigProblem:
    """Point at the key (unknown or missing keys), or at the bad value itself."""
    key_mark = marks.get((*loc, "<key>")) if loc else None
    value_mark = marks.get(loc) if at_value and loc else None
    mark = value_mark or key_mark or _nearest_mark(loc, marks)
    line, col = mark if mark else (None, None)
    return ConfigProblem(format_path(loc), message, filename, line, col)


def _nearest_mark(loc: Loc, marks: Marks) -> tuple[int, int] | None:
    for end in range(len(loc), -1, -1):
        prefix = loc[:end]
        if end and (*prefix, "<key>") in marks:
            return marks[(*prefix, "<key>")]
        if prefix in marks:
            return marks[prefix]
    return None


def _problem(err: Any, data: Any, marks: Marks, filename: str) -> ConfigProblem:
    loc = _data_path(tuple(err["loc"]), data)
    kind = err["type"]
    if kind == "extra_forbidden":
        message = _unknown_key_message(loc, data)
    elif kind == "missing":
        message = MISSING
    elif kind == "union_tag_invalid":
        message = _unknown_tag_message(err)
        loc = (*loc, _tag_name(err))
    elif kind == "union_tag_not_found":
        message = f"'{_tag_name(err)}' is required; {_allowed_tags(err)}"
    elif kind == "literal_error":
        message = _literal_message(err)
    elif kind == "string_pattern_mismatch":
        message = _pattern_message(err)
    elif kind in ("too_short", "list_too_short") and isinstance(err.get("input"), list):
        minimum = err.get("ctx", {}).get("min_length", 1)
        message = f"must not be empty: give at least {minimum} item{'s' * (minimum != 1)}"
    elif kind in TYPE_WORDS:
        message = f"{TYPE_WORDS[kind].format(**err.get('ctx', {}))}; got {err.get('input')!r}"
    else:
        message = err["msg"].removeprefix("Value error, ")
    at_value = kind not in ("extra_forbidden", "missing", "union_tag_not_found")
    return _located(loc, message, marks, filename, at_value=at_value)


def _literal_message(err: Any) -> str:
    allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
    value = err.get("input")
    hint = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6) if allowed else []
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown value {value!r}{suggestion} (allowed: {', '.join(allowed)})"


# Our words for pydantic's type and range errors: what is allowed, with an example.
TYPE_WORDS: dict[str, str] = {
    "int_parsing": "must be a whole number, e.g. 8025",
    "int_type": "must be a whole number, e.g. 8025",
    "int_from_float": "must be a whole number, e.g. 8025",
    "float_parsing": "must be a number, e.g. 2.5",
    "float_type": "must be a number, e.g. 2.5",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": 'must be text, e.g. "Daily Papers"',
    "list_type": "must be a list, e.g. [cs.CV, cs.LG]",
    "dict_type": "must be a mapping of keys, e.g. {url: ...}",
    "model_type": "must be a mapping of keys (key: value on the lines below)",
    "model_attributes_type": "must be a mapping of keys (key: value on the lines below)",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
}


# Our words for the patterns the model uses: what is allowed, with an example.
PATTERN_WORDS: dict[str, str] = {
    HTTPS_OR_HTTP: "must be a URL starting with https:// or http://, e.g. https://papers.example.org",
    ARXIV_CATEGORY: "must be an arXiv category like cs.CV, cs.LG or math",
    ARXIV_ID: "must be an arXiv id like 2510.01265, 2510.01265v2 or cs/0503050",
    ENV_NAME: "must be the name of an environment variable, e.g. SMTP_PASSWORD",
    r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$": (
        'must be a time of day as HH:MM (24 hours), e.g. "07:00" or "18:30"'
    ),
    r"^[A-Za-z0-9 \-]+$": "may hold only letters, digits, spaces and hyphens, e.g. Inter",
}


def _pattern_message(err: Any) -> str:
    pattern = str(err.get("ctx", {}).get("pattern", ""))
    words = PATTERN_WORDS.get(pattern, "is not in the expected form")
    return f"{words}; got {err.get('input')!r}"


def _unknown_tag_message(err: Any) -> str:
    """``type: hf-daily`` -> did you mean 'hf_daily'? (allowed: local, hf_daily, arxiv)."""
    tag = str(err.get("ctx", {}).get("tag"))
    allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected_tags", "")))
    by_form = {name.replace("_", "-").lower(): name for name in allowed}
    hint = (
        [by_form[tag.replace("_", "-").lower()]] if tag.replace("_", "-").lower() in by_form else []
    )
    hint = hint or difflib.get_close_matches(tag, allowed, n=1, cutoff=0.6)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown value {tag!r}{suggestion} (allowed: {', '.join(allowed)})"


def _tag_name(err: Any) -> str:
    return str(err.get("ctx", {}).get("discriminator", "type")).strip("'")


def _allowed_tags(err: Any) -> str:
    return f"allowed: {err.get('ctx', {}).get('expected_tags', '')}"


def _unknown_key_message(loc: Loc, data: Any) -> str:
    parent = _model_at(loc[:-1], data)
    key = str(loc[-1])
    if parent is None:
        return "unknown key"
    allowed = list(parent.model_fields)
    if key in RENAMED_KEYS and RENAMED_KEYS[key].split()[0] in allowed:
        return f"'{key}' was replaced by {RENAMED_KEYS[key]}"
    hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
    return f"unknown key{suggestion} (allowed: {', '.join(allowed)})"


def _model_at(loc: Loc, data: Any) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (following unions by tag)."""
    current: Any = NewsletterConfig
    value = data
    for part in loc:
        current = _pick(current, value)
        if isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        value = _child(value, part)
    current = _pick(current, value)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _child(value: Any, part: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and part < len(value):
        return value[part]
    return None


def _pick(annotation: Any, value: Any) -> Any:
    """Resolve Annotated/Optional/tagged unions to the class that applies to ``value``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        for option in options:
            if _matches_tag(option, value):
                return option
        return _pick(options[0], value) if len(options) == 1 else None
    return annotation


def _matches_tag(option: Any, value: Any) -> bool:
    if not (isinstance(option, type) and issubclass(option, BaseModel) and isinstance(value, dict)):
        return False
    for name in ("type", "backend"):
        field = option.model_fields.get(name)
        if field is not None and typing.get_origin(field.annotation) is typing.Literal:
            return value.get(name) in typing.get_args(field.annotation)
    return False


def _dedupe(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """Drop repeats, and a "missing" key whose misspelling is already reported beside it
    ("postal_adress: unknown key; did you mean 'postal_address'?" says it all)."""
    typos = {
        (p.path.rpartition(".")[0], match.group(1))
        for p in problems
        if (match := re.search(r"did you mean '([^']+)'\?", p.message))
    }
    seen: set[str] = set()
    unique = []
    for problem in problems:
        parent, _, key = problem.path.rpartition(".")
        covered = problem.message == MISSING and (parent, key) in typos
        if str(problem) not in seen and not covered:
            seen.add(str(problem))
            unique.append(problem)
    return unique
