"""The durable queue of search-index updates, written in the same transaction as the change.

A row says "thread N changed": after the commit, a worker re-reads thread N from the database
and rewrites its documents in the index. Rows are deleted only once the index commit succeeded,
so a crash or a lock between the two never loses an update.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow


class IndexTask(db.Model):
    __tablename__ = "index_tasks"
    # Ids are never reused (SQLite AUTOINCREMENT; PostgreSQL sequences never reuse): a worker deletes
    # the ids it applied, and a reused id would delete a newer, unapplied task (migration 0018).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a task must survive the thread it names (the index then drops it).
    thread_id: Mapped[int] = mapped_column(index=True)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
