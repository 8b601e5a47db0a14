"""Persistence (SQLAlchemy): schema in ``db``; one module per concern beside it."""

from newsletter.store.db import Base, open_database

__all__ = ["Base", "open_database"]
