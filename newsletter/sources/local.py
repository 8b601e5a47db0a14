"""``local`` source: a JSON file, or a folder of them, in the HF or the normalized format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from newsletter.errors import PaperRecordError, SourceDataError
from newsletter.models import Paper
from newsletter.sources.base import Source, SourceResult
from newsletter.sources.formats import check_json_size, decode_json, parse_record


class LocalSource(Source):
    """Reads papers from disk. With ``filter_by_date`` only papers listed on the day count."""

    kind = "local"

    def __init__(self, name: str, path: Path, *, filter_by_date: bool = False) -> None:
        super().__init__(name)
        self.path = path
        self.filter_by_date = filter_by_date

    def fetch(self, day: dt.date) -> SourceResult:
        result = SourceResult(source=self.name)
        for file in self._files():
            for index, record in enumerate(_read_records(file)):
                try:
                    paper = parse_record(record, f"{file.name}[{index}]")
                except PaperRecordError as exc:
                    result.warnings.append(f"skipped {exc}")
                    continue
                if self._wanted(paper, day):
                    result.papers.append(paper)
        if not result.papers:
            result.status = "empty"
        return result

    def listed_day(self) -> dt.date | None:
        """The one day every paper of the file says it was listed on, if they agree: a
        recorded day file (the bundled sample) previews as the day it holds."""
        days = {paper.listed_on for paper in self.fetch(dt.date.min).papers}
        return days.pop() if len(days) == 1 else None

    def _files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(self.path.glob("*.json"))
        if self.path.is_file():
            return [self.path]
        raise SourceDataError(f"local source {self.name!r}: {self.path} does not exist")

    def _wanted(self, paper: Paper, day: dt.date) -> bool:
        return not self.filter_by_date or paper.listed_on in (None, day)


def _read_records(file: Path) -> list[object]:
    try:
        check_json_size(file.stat().st_size, str(file))  # before reading it all
        raw = file.read_bytes()
    except OSError as exc:
        raise SourceDataError(f"{file}: cannot read it ({exc.strerror})") from None
    data = decode_json(raw, str(file))
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    if not isinstance(data, list):
        raise SourceDataError(f"{file}: expected a JSON list of papers, got {type(data).__name__}")
    return data
