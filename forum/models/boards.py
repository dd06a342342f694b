"""Editors and boards: one board per labelled software, plus general boards."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow

LABEL_LEVELS: dict[str, str] = {"standard": "Standard", "avance": "Avancé"}


class Editor(db.Model):
    __tablename__ = "editors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    website: Mapped[str | None] = mapped_column(String(255))
    # How to reach the editor, shown on its boards beside its named contacts (users.editor_contact).
    contact_note: Mapped[str | None] = mapped_column(String(255))

    boards: Mapped[list[Board]] = relationship(back_populates="editor", order_by="Board.position")


class Board(db.Model):
    __tablename__ = "boards"
    __table_args__ = (
        CheckConstraint("label_level IS NULL OR label_level IN ('standard', 'avance')", name="label_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id"), index=True)
    label_level: Mapped[str | None] = mapped_column(String(16))
    label_version: Mapped[str | None] = mapped_column(String(32))
    # What the seeds say of the label (e.g. "ne répond plus au label V2").
    label_note: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    # General boards ("Inter-logiciels") have no software and no editor.
    is_general: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Ranking rule: only votes of users declaring this software count (board setting to relax it).
    votes_require_usage: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Denormalised counters, kept in the same transaction as the change (see services.counters).
    question_count: Mapped[int] = mapped_column(default=0)
    tip_count: Mapped[int] = mapped_column(default=0)
    request_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", use_alter=True, ondelete="SET NULL")
    )
    # Raised in the transaction of every change the board's pages show (services.content_versions).
    content_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    editor: Mapped[Editor | None] = relationship(back_populates="boards", lazy="joined")

    @property
    def thread_count(self) -> int:
        return self.question_count + self.tip_count + self.request_count

    @property
    def label_level_label(self) -> str | None:
        return LABEL_LEVELS.get(self.label_level or "")

    def __repr__(self) -> str:
        return f"<Board {self.slug}>"
