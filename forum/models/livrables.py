"""Livrables: numbered, frozen snapshots of a board's ranked requests, sent to its editor.

A livrable is built as a draft (frozen_at NULL, no number) whose items are the requests the
moderator keeps, each with an optional note; freezing numbers it per board and copies every
figure into its items, so later votes, edits or status changes never alter it.
"""
from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models._types import SanitisedHtml
from forum.models.accounts import User
from forum.models.boards import Board


class Livrable(db.Model):
    __tablename__ = "livrables"
    __table_args__ = (UniqueConstraint("board_id", "number", name="uq_livrables_board_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), index=True)
    # Numbered per board when frozen ("Livrable n° 3 – Chorus – novembre 2026"); None for a draft.
    number: Mapped[int | None]
    title: Mapped[str] = mapped_column(String(200))
    introduction_source: Mapped[str | None] = mapped_column(Text)
    introduction_html: Mapped[Markup | None] = mapped_column(SanitisedHtml)
    # The selection used to build it: statuses, period, minimum score (shown, and reused by a copy).
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whether freezing moved the kept requests to `transmise`.
    moved_to_transmise: Mapped[bool] = mapped_column(default=False)
    # The editor representative's acknowledgement of receipt.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The moderators' per-item notes are shown to members only when made public at freezing.
    notes_public: Mapped[bool] = mapped_column(default=False, server_default=false())

    board: Mapped[Board] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    frozen_by: Mapped[User | None] = relationship(foreign_keys=[frozen_by_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    items: Mapped[list[LivrableItem]] = relationship(
        back_populates="livrable", cascade="all, delete-orphan", order_by="LivrableItem.position"
    )

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class LivrableItem(db.Model):
    """One request of a livrable; after freezing, every shown figure is a copy (aggregates only)."""

    __tablename__ = "livrable_items"
    __table_args__ = (
        UniqueConstraint("livrable_id", "thread_id", name="uq_livrable_items_livrable_thread"),
        Index("ix_livrable_items_livrable_position", "livrable_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    livrable_id: Mapped[int] = mapped_column(ForeignKey("livrables.id", ondelete="CASCADE"))
    # The request; kept even if it is later deleted (the snapshot below stays readable).
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"), index=True)
    # Draft: the moderator unticks items to leave them out.
    included: Mapped[bool] = mapped_column(default=True)
    # The federation's note on this item (Markdown source and sanitised HTML).
    note_source: Mapped[str | None] = mapped_column(Text)
    note_html: Mapped[Markup | None] = mapped_column(SanitisedHtml)
    # Order in the livrable (1-based); `rank` is the request's rank on the board when frozen.
    position: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int | None]
    # Snapshot, filled when frozen.
    title: Mapped[str | None] = mapped_column(String(150))
    status: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None]
    vote_count: Mapped[int | None]
    votes_by_importance: Mapped[dict | None] = mapped_column(JSON)
    structure_count: Mapped[int | None]
    professions: Mapped[list | None] = mapped_column(JSON)
    regions: Mapped[list | None] = mapped_column(JSON)
    request_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latest_answer: Mapped[str | None] = mapped_column(Text)
    latest_answer_by: Mapped[str | None] = mapped_column(String(16))
    target_version: Mapped[str | None] = mapped_column(String(40))
    # The request's target when the livrable was frozen (see models.commitments).
    target_period: Mapped[str | None] = mapped_column(String(7))
    target_due_on: Mapped[date | None] = mapped_column(Date)
    target_slips: Mapped[int | None]

    livrable: Mapped[Livrable] = relationship(back_populates="items")
