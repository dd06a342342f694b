"""Planner statistics after bulk writes (PostgreSQL's ANALYZE), gathered at once rather than
whenever autovacuum gets to them: until then the planner believes freshly filled tables nearly
empty and picks nested loops over every row (seen on search: 55 ms instead of 9 on the medium
data set). SQLite keeps its plans, which the query-count tests pin down."""
from __future__ import annotations

from forum.extensions import db


def refresh(table: str | None = None) -> None:
    """ANALYZE `table` (a trusted constant, never user input), or the whole database; nothing on
    SQLite. Runs on a connection of its own, outside the caller's transaction."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            f"ANALYZE {table}" if table else "ANALYZE")
