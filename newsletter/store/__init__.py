"""Persistence (SQLAlchemy): schema in ``db``; one module per concern beside it."""

from newsletter.store.db import Base
from newsletter.store.schema import open_database

__all__ = ["Base", "open_database"]
