"""INSERT … ON CONFLICT for the database in use: SQLite and PostgreSQL both have it, each through
its own SQLAlchemy dialect construct (the generic insert() has no on_conflict_* methods)."""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db


def upsert_insert(table):
    """`insert(table)` of the session's dialect, with on_conflict_do_nothing / _do_update."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
