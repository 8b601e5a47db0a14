"""The static archive: sent issues and their Atom feed as plain files (``archive build``)."""

from newsletter.archive.static import ArchiveReport, build_archive

__all__ = ["ArchiveReport", "build_archive"]
