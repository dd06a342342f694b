"""Tips: the members' "utile" marks and their "fonctionne toujours en version X" confirmations."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models.accounts import User


class TipUseful(db.Model):
    """A member marks a tip "utile" (one per member, can undo)."""

    __tablename__ = "tip_usefuls"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipConfirmation(db.Model):
    """A member confirms a tip "fonctionne toujours en version X"."""

    __tablename__ = "tip_confirmations"
    __table_args__ = (Index("ix_tip_confirmations_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(lazy="joined")
