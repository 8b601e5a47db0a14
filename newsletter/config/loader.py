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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from newsletter.config.models import NewsletterConfig
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

# Checks a schema cannot express (cross references, uniqueness). Stages register theirs.
SEMANTIC_CHECKS: list[SemanticCheck] = []
# Checks on the raw YAML data: they run even when the schema fails, so one pass reports
# every mistake (a duplicate topic name and a typo elsewhere come together).
DATA_CHECKS: list[DataCheck] = []


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus where it came from, for resolving relative paths."""

    model: NewsletterConfig
    path: Path
    bundled: bool

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

    @staticmethod
    def resolve_output(value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else Path.cwd() / path


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
    return LoadedConfig(model=parse_config(text, str(path)), path=path.resolve(), bundled=bundled)


def _read(path: Path) -> str:
    try:
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
    try:
        node = yaml.compose(text, Loader=ConfigLoader)
        data = yaml.load(text, Loader=ConfigLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            [ConfigProblem("", f"not valid YAML: {reason}", filename, line, col)]
        ) from None
    marks: Marks = {}
    if node is not None:
        _collect_marks(node, (), marks)
    return data, marks


def _collect_marks(node: yaml.Node, loc: Loc, marks: Marks) -> None:
    marks[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            marks[(*loc, key, "<key>")] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _collect_marks(value_node, (*loc, key), marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(item, (*loc, index), marks)


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
        message = f"unknown value {err.get('ctx', {}).get('tag')!r}; {_allowed_tags(err)}"
        loc = (*loc, _tag_name(err))
    elif kind == "union_tag_not_found":
        message = f"'{_tag_name(err)}' is required; {_allowed_tags(err)}"
    elif kind == "literal_error":
        message = _literal_message(err)
    elif kind in ("too_short", "list_too_short") and isinstance(err.get("input"), list):
        minimum = err.get("ctx", {}).get("min_length", 1)
        message = f"must not be empty: give at least {minimum} item{'s' * (minimum != 1)}"
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
