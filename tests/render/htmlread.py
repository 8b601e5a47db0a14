"""Read a rendered HTML part the way a reader (or a screen reader) meets it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_INVISIBLE = {"style", "script", "title", "head"}


@dataclass
class Link:
    href: str
    text: str


@dataclass
class Page:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    text: str = ""
    links: list[Link] = field(default_factory=list)
    headings: list[tuple[str, str]] = field(default_factory=list)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._skip = 0
        self._chunks: list[str] = []
        self._link: tuple[str, list[str]] | None = None
        self._heading: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.page.tags.append((tag, found))
        if tag in _INVISIBLE:
            self._skip += 1
        elif tag == "a":
            self._link = (found.get("href") or "", [])
        elif tag in {"h1", "h2", "h3", "h4"}:
            self._heading = (tag, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._skip -= 1
        elif tag == "a" and self._link:
            self.page.links.append(Link(self._link[0], " ".join("".join(self._link[1]).split())))
            self._link = None
        elif self._heading and tag == self._heading[0]:
            text = " ".join("".join(self._heading[1]).split())
            self.page.headings.append((tag, text))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._chunks.append(data)
        for open_part in (self._link, self._heading):
            if open_part:
                open_part[1].append(data)


def read_html(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join(" ".join(reader._chunks).split())
    return reader.page
