"""Evolution requests: votes, status history with official answers, merges of duplicates."""
from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models._types import SanitisedHtml
from forum.models.accounts import User

# Importance of a vote and its points in the ranking.
IMPORTANCES: dict[str, int] = {"utile": 1, "important": 2, "bloquant": 3}
IMPORTANCE_LABELS: dict[str, str] = {"utile": "Utile", "important": "Important", "bloquant": "Bloquant"}


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("thread_id", "user_id", name="uq_votes_thread_user"),
        CheckConstraint("importance IN ('utile', 'important', 'bloquant')", name="importance"),
        Index("ix_votes_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    importance: Mapped[str] = mapped_column(String(16), default="utile")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def points(self) -> int:
        return IMPORTANCES[self.importance]


class StatusChange(db.Model):
    """One step of a request's lifecycle; may carry an official answer."""

    __tablename__ = "status_changes"
    __table_args__ = (
        CheckConstraint("answer_by IS NULL OR answer_by IN ('editor', 'federation')", name="answer_by"),
        Index("ix_status_changes_thread", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    # Sanitised HTML of the note, rendered once.
    note_html: Mapped[Markup | None] = mapped_column(SanitisedHtml)
    version: Mapped[str | None] = mapped_column(String(40))
    # When set, the note is an official answer, from the editor or from the federation.
    answer_by: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class RequestMerge(db.Model):
    """Record of a duplicate request merged into another, with the votes moved."""

    __tablename__ = "request_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    votes_moved: Mapped[int] = mapped_column(default=0)
    votes_already_present: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()

