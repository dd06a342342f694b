"""Editors' commitments on requests: the target (version and/or month or quarter) given when a
request is planned, each later change kept as a slip with its reason; spellings of a software's
versions merged by moderators; the history of a board's label facts.

The current target is also copied onto the request (Thread.target_*), so lists, the roadmap and the
late badge read it without a join; request_targets is the history the editor record counts from.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models.accounts import User


class RequestTarget(db.Model):
    """One target given to a request. The first of a request is its commitment; every later one is
    a slip (`previous_id` set, `reason` required by the service)."""

    __tablename__ = "request_targets"
    __table_args__ = (
        CheckConstraint("version IS NOT NULL OR period IS NOT NULL", name="version_or_period"),
        Index("ix_request_targets_thread", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("request_targets.id", ondelete="SET NULL"))
    version: Mapped[str | None] = mapped_column(String(40))
    # "2027-05" (a month) or "2027-T2" (a quarter); due_on is the period's last day.
    period: Mapped[str | None] = mapped_column(String(7))
    due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class VersionAlias(db.Model):
    """A spelling of a board's software version (« v5.3 ») merged into the canonical one (« 5.3 »)."""

    __tablename__ = "version_aliases"
    __table_args__ = (UniqueConstraint("board_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardLabelChange(db.Model):
    """An admin's change of a board's label facts: {field: [before, after]}."""

    __tablename__ = "board_label_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
