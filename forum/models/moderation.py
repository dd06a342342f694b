"""Moderation: reports of posts, the audit log of every moderation and status action, and the
boards a moderator is limited to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models.accounts import User

REPORT_REASONS: dict[str, str] = {
    "donnees_patient": "Données de patient",
    "hors_sujet": "Hors sujet",
    "publicite": "Publicité ou démarchage",
    "irrespectueux": "Propos irrespectueux",
    "doublon": "Doublon",
    "autre": "Autre",
}


class Report(db.Model):
    """A member reports a post to the moderators."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_open", "resolved_at", "created_at"),
        # One open report per member and post, guarded by the database too (double submissions).
        Index("ux_reports_open_per_reporter", "post_id", "reporter_id", unique=True,
              sqlite_where=text("resolved_at IS NULL"), postgresql_where=text("resolved_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(Text)

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class AuditEntry(db.Model):
    """Who did what, when and why: every moderation and status action."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"), Index("ix_audit_log_action", "action"))

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # e.g. "pin", "lock", "move", "hide_post", "edit_post", "merge_threads", "suspend", "set_status".
    action: Mapped[str] = mapped_column(String(32))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    # Action-specific facts (from/to board, status, duration…), for display.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])


class ModeratorScope(db.Model):
    """A moderator with scope rows moderates only those boards; without any, every board."""

    __tablename__ = "moderator_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)
