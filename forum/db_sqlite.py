"""SQLite connection settings: foreign keys on, WAL journal, busy timeout."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # WAL lets readers go on while one writer writes; in-memory databases stay in "memory" mode.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()
