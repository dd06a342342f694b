"""A board's FAQ: sections and entries curated by its moderators and its editor's representatives,
each entry linked to the threads it came from. An entry proposed from an accepted answer or a useful
tip waits (`status` « proposed ») until a curator publishes it (forum.services.faq)."""
from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models._types import SanitisedHtml

FAQ_STATUSES = ("proposed", "published")


class FaqSection(db.Model):
    __tablename__ = "faq_sections"
    __table_args__ = (UniqueConstraint("board_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class FaqEntry(db.Model):
    __tablename__ = "faq_entries"
    __table_args__ = (Index("ix_faq_entries_board_status", "board_id", "status", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("faq_sections.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # FAQ_STATUSES
    question: Mapped[str] = mapped_column(String(300))
    answer_source: Mapped[str] = mapped_column(Text)
    answer_html: Mapped[Markup] = mapped_column(SanitisedHtml)
    # The software version the answer was checked on (« à revérifier » once the board's is newer).
    version: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FaqEntrySource(db.Model):
    """A thread (and the post in it: the accepted answer, the tip) an entry came from."""

    __tablename__ = "faq_entry_sources"

    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
