"""Threads of three kinds (question, tip, request) and their posts with revisions."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models._types import SanitisedHtml
from forum.models.accounts import User
from forum.models.boards import Board

KINDS: dict[str, str] = {"question": "Question", "tip": "Astuce", "request": "Demande d'évolution"}
KIND_PLURALS: dict[str, str] = {"question": "Questions", "tip": "Astuces", "request": "Demandes d'évolution"}

# Request lifecycle; see PRODUCT.md. Votes are frozen in the closed statuses.
STATUSES: dict[str, str] = {
    "nouvelle": "Nouvelle",
    "a_l_etude": "À l'étude",
    "transmise": "Transmise à l'éditeur",
    "planifiee": "Planifiée",
    "livree": "Livrée",
    "deja_possible": "Déjà possible",
    "refusee": "Refusée",
    "doublon": "Doublon",
}
# Condition of the partial listing indexes (threads not soft-deleted).
VISIBLE = text("deleted_at IS NULL")

CLOSED_STATUSES = frozenset({"livree", "deja_possible", "refusee", "doublon"})


@lru_cache(maxsize=4096)
def slugify(text: str, max_length: int = 60) -> str:
    """ASCII slug for URLs: "Où est l'option DMP ?" -> "ou-est-l-option-dmp". Memoized: every list row
    links its thread by slug (a pure function of the title)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "sujet"


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (
        CheckConstraint("kind IN ('question', 'tip', 'request')", name="kind"),
        CheckConstraint("(kind = 'request') = (status IS NOT NULL)", name="status_for_requests"),
        # Board listings only ever show visible threads: partial indexes keep deep pages cheap.
        Index("ix_threads_board_listing", "board_id", "pinned", "last_activity_at",
              sqlite_where=VISIBLE, postgresql_where=VISIBLE),
        Index("ix_threads_board_kind_listing", "board_id", "kind", "pinned", "last_activity_at",
              sqlite_where=VISIBLE, postgresql_where=VISIBLE),
        Index("ix_threads_board_kind_score", "board_id", "kind", "score"),
        # A board's requests by status (roadmap sections, the editor record), the most supported first.
        Index("ix_threads_board_request_status", "board_id", "status", "score",
              sqlite_where=text("kind = 'request' AND deleted_at IS NULL"),
              postgresql_where=text("kind = 'request' AND deleted_at IS NULL")),
        Index("ix_threads_board_target_due", "board_id", "target_due_on",
              sqlite_where=text("target_due_on IS NOT NULL"), postgresql_where=text("target_due_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    # Soft delete (by the author or a moderator); moderators can restore.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Visible replies (first post excluded, deleted replies excluded).
    reply_count: Mapped[int] = mapped_column(default=0)

    # Requests: status, denormalised ranking figures (see services.ranking), merge target.
    status: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(default=0)
    vote_count: Mapped[int] = mapped_column(default=0)
    uncounted_vote_count: Mapped[int] = mapped_column(default=0)
    structure_count: Mapped[int] = mapped_column(default=0)
    profession_count: Mapped[int] = mapped_column(default=0)
    # Counted votes by importance and by profession code ({"importance": {...}, "professions":
    # {...}}), stored with the figures above so ranked pages need no GROUP BY over the votes;
    # None until the figures are next refreshed (pages then count them).
    vote_breakdown: Mapped[dict | None] = mapped_column(JSON)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    # Requests: the editor's current target (version and/or period), copied from the last
    # request_targets row by services.commitments; target_slips = how many times it changed.
    target_version: Mapped[str | None] = mapped_column(String(40))
    target_period: Mapped[str | None] = mapped_column(String(7))
    target_due_on: Mapped[date | None] = mapped_column(Date)
    target_slips: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    # Tips: the software version the tip was checked on, and peers' "utile" marks.
    software_version: Mapped[str | None] = mapped_column(String(40))
    useful_count: Mapped[int] = mapped_column(default=0)

    # Questions: the reply accepted as the solution.
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", use_alter=True, ondelete="SET NULL")
    )
    # Raised in the transaction of every change the thread's page shows (services.content_versions).
    content_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    board: Mapped[Board] = relationship(foreign_keys=[board_id], lazy="joined", innerjoin=True)
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    last_author: Mapped[User | None] = relationship(foreign_keys=[last_author_id])
    merged_into: Mapped[Thread | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def status_label(self) -> str | None:
        return STATUSES.get(self.status) if self.status else None

    @property
    def is_open_request(self) -> bool:
        return self.kind == "request" and self.status not in CLOSED_STATUSES

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.kind} {self.title[:30]!r}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_listing", "thread_id", "is_first", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The opening post of a thread carries its body; replies follow.
    is_first: Mapped[bool] = mapped_column(default=False)
    body_source: Mapped[str] = mapped_column(Text)
    # Sanitised HTML, rendered once at write time by forum.markup.render_markdown.
    body_html: Mapped[Markup] = mapped_column(SanitisedHtml)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_count: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post", order_by="PostRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostRevision(db.Model):
    """The text a post had before an edit: nothing a user wrote is lost by editing."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # For an opening post, the thread title before the edit.
    title: Mapped[str | None] = mapped_column(String(150))
    body_source: Mapped[str] = mapped_column(Text)
    # Who made the edit that replaced this text, when, and whether as a moderator.
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_moderator: Mapped[bool] = mapped_column(default=False)

    post: Mapped[Post] = relationship(back_populates="revisions")
    edited_by: Mapped[User | None] = relationship(lazy="joined")
