"""Alembic revisions of the schema, shipped inside the package so an installed wheel can
upgrade a database. Add one with ``alembic revision --autogenerate -m "..."`` from the
checkout (see docs/database.md)."""
