"""What the forum tells each member: follows, notifications, read positions, e-mail preferences,
the outbox of e-mail to send, and the club's letter (digest) per board.

See forum.services.notify for the rules; the outbox (OutgoingMessage) is the source of truth of
what must be sent: a row is written in the transaction of the event that caused it.
"""
from __future__ import annotations

from datetime import datetime

from markupsafe import Markup
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from forum.extensions import db
from forum.models._time import UTCDateTime, utcnow
from forum.models._types import SanitisedHtml
from forum.models.accounts import User
from forum.models.boards import Board
from forum.models.threads import Post, Thread

# Follow levels of a thread or a board: code stored, French label shown.
FOLLOW_LEVELS: dict[str, str] = {"watching": "Suivre", "normal": "Normal", "muted": "Silencieux"}
FOLLOW_LEVEL_HELP: dict[str, str] = {
    "watching": "chaque nouvelle réponse et chaque changement",
    "normal": "seulement ce qui vous concerne (mentions, statut de vos demandes…)",
    "muted": "rien",
}
# Why a thread is followed (an automatic follow never overrides a level the member chose).
FOLLOW_REASONS = ("manual", "author", "reply", "vote")

# Kinds of notification: code stored, French label (preferences page), default e-mail delivery.
NOTIFICATION_KINDS: dict[str, str] = {
    "reply": "Nouvelle réponse dans un sujet suivi",
    "mention": "Mention ou citation de votre nom",
    "accepted": "Votre réponse acceptée comme solution",
    "tip_useful": "Votre astuce jugée utile",
    "status": "Statut ou réponse officielle d'une demande que vous suivez",
    "merged": "Demande soutenue fusionnée dans une autre",
    "new_thread": "Nouveau sujet dans un forum suivi",
    "livrable": "Livrable transmis à votre éditeur",
    "report": "Nouveau signalement à modérer",
}
EMAIL_DELIVERIES: dict[str, str] = {"immediate": "Immédiat", "digest": "Dans le résumé", "never": "Jamais"}
DEFAULT_EMAIL_DELIVERY: dict[str, str] = {
    "reply": "immediate", "status": "immediate", "mention": "immediate", "accepted": "digest",
    "tip_useful": "digest", "merged": "digest", "new_thread": "digest", "livrable": "immediate",
    "report": "digest",
}
# A notification's e-mail: none (never), pending (immediate, not sent yet), digest (for the next
# letter), sent (in an OutgoingMessage), skipped (read in the product before the e-mail left).
EMAIL_STATES = ("none", "pending", "digest", "sent", "skipped")
# The club's letter: how often a member receives it (None on the user: not subscribed).
LETTER_PERIODS: dict[str, str] = {"weekly": "Chaque semaine", "biweekly": "Toutes les deux semaines"}
# Outbox states, see forum.services.notify.delivery.
MESSAGE_STATES = ("pending", "sending", "handed_off", "sent", "failed", "uncertain")

UNREAD = text("read_at IS NULL")
EMAIL_PENDING = text("email_state = 'pending'")
MESSAGE_OPEN = text("state IN ('pending', 'sending', 'handed_off')")


class ThreadFollow(db.Model):
    __tablename__ = "thread_follows"
    __table_args__ = (
        CheckConstraint("level IN ('watching', 'normal', 'muted')", name="level"),
        Index("ix_thread_follows_thread_level", "thread_id", "level"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(8), default="manual")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[Thread] = relationship()


class BoardFollow(db.Model):
    __tablename__ = "board_follows"
    __table_args__ = (
        CheckConstraint("level IN ('watching', 'normal', 'muted')", name="level"),
        Index("ix_board_follows_board_level", "board_id", "level"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    board: Mapped[Board] = relationship(lazy="joined")


class ThreadRead(db.Model):
    """How far a member has read a thread: the last post shown to them, and how many visible
    replies the thread had up to it (board lists show reply_count - seen_reply_count as new)."""

    __tablename__ = "thread_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    last_read_post_id: Mapped[int] = mapped_column()
    seen_reply_count: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):
    """One thing to tell one member. Replies in one thread and « utile » marks on one tip are
    grouped into one unread row (`count`); `post_id` is then the first post the member has not seen."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_listing", "user_id", "updated_at"),
        Index("ix_notifications_user_unread", "user_id", "kind", "thread_id",
              sqlite_where=UNREAD, postgresql_where=UNREAD),
        Index("ix_notifications_email_pending", "user_id", "created_at",
              sqlite_where=EMAIL_PENDING, postgresql_where=EMAIL_PENDING),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    livrable_id: Mapped[int | None] = mapped_column(ForeignKey("livrables.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    # How many events this row stands for (grouped replies, « utile » marks).
    count: Mapped[int] = mapped_column(default=1)
    # Kind-specific details (from/to status, merge target, version…), never personal data.
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last time an event was grouped into this row (ordering of the list).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[str] = mapped_column(String(8), default="none")
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_messages.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    thread: Mapped[Thread | None] = relationship(foreign_keys=[thread_id])
    post: Mapped[Post | None] = relationship(foreign_keys=[post_id])
    board: Mapped[Board | None] = relationship(foreign_keys=[board_id])


PENDING_EVENT = text("expanded_at IS NULL")


class NotificationEvent(db.Model):
    """An event whose audience may be large (a reply's watchers, a request's voters…), written in
    the event's own transaction; its notifications are written just after the response (or by the
    worker's sweep after a crash), in one transaction that also marks it expanded: never lost,
    never expanded twice, and the request that caused it does not wait for thousands of rows
    (forum.services.notify.deferred)."""

    __tablename__ = "notification_events"
    __table_args__ = (Index("ix_notification_events_pending", "created_at",
                            sqlite_where=PENDING_EVENT, postgresql_where=PENDING_EVENT),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    livrable_id: Mapped[int | None] = mapped_column(ForeignKey("livrables.id", ondelete="CASCADE"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    data: Mapped[dict | None] = mapped_column(JSON)
    # Members told otherwise (those a reply mentions get the mention, not the reply).
    excluded: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The header's bell: the member's unread notifications, counted (over the partial index of unread
# rows), never stored, so it cannot drift and an event writes nothing on its recipients' rows.
# Deferred: the session's user loader asks for it with the member's own row (one statement for both).
User.unread_notification_count = column_property(
    select(func.count(Notification.id)).where(Notification.user_id == User.id, Notification.read_at.is_(None))
    .correlate_except(Notification).scalar_subquery(), deferred=True)


class NotificationPreference(db.Model):
    """A member's e-mail choice for one kind of notification (absent: DEFAULT_EMAIL_DELIVERY)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (CheckConstraint("delivery IN ('immediate', 'digest', 'never')", name="delivery"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))


class OutgoingMessage(db.Model):
    """One e-mail to send (the outbox). Written in the transaction of what caused it; delivered
    outside web requests (forum.services.notify.delivery) with retries, at most once: the
    idempotency key is unique and becomes the Message-ID."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outgoing_messages_open", "state", "next_attempt_at",
              sqlite_where=MESSAGE_OPEN, postgresql_where=MESSAGE_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    # "notifications" (immediate, batched), "letter" (the club's letter)
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # Where the one-click unsubscribe of this message leads (the List-Unsubscribe header).
    unsubscribe_url: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker that claimed the message owns it until then (a killed worker's claim expires).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class LetterIntroduction(db.Model):
    """A moderator's editorial introduction for the next letters of a board (the federation's
    newsletter): taken by the next weekly and the next two-weekly letter issued after it was written."""

    __tablename__ = "letter_introductions"

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True)
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[Markup] = mapped_column(SanitisedHtml)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BoardLetter(db.Model):
    """One issued letter of a board for a period: what happened on the board's forum, as a
    snapshot (`content`), readable on the web (archive per board) and mailed to subscribers."""

    __tablename__ = "board_letters"
    __table_args__ = (
        UniqueConstraint("board_id", "period", "period_end"),
        CheckConstraint("period IN ('weekly', 'biweekly')", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    introduction_html: Mapped[Markup | None] = mapped_column(SanitisedHtml)
    # Sections as plain data (titles, links, figures), public content only.
    content: Mapped[dict] = mapped_column(JSON, default=dict)

    board: Mapped[Board] = relationship(lazy="joined")
