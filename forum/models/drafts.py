"""Drafts: the text a member is writing, kept on the server per place (a reply per thread, a new
thread per board) until it is published or discarded (forum.services.drafts)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow


class Draft(db.Model):
    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # "t<thread id>" (a reply) or "b<board id>" (a new thread): the one key of the upsert.
    place: Mapped[str] = mapped_column(String(16))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(16))
    software_version: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
