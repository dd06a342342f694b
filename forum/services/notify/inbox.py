"""A member's notifications in the product: the list of the notifications page (newest first,
only what they may still read), one notification of theirs, and marking read (one, all, those of
a thread they open), keeping the bell's count right with counts.recount_unread.

Replies in a thread and « utile » marks are grouped when written (forum.services.notify.fanout):
a row's `count` says how many events it stands for. Marking read before the e-mail left turns a
pending e-mail into `skipped`: the member has already seen it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload

from forum.extensions import db
from forum.models import Notification, Post, Thread, User
from forum.models._time import utcnow
from forum.services.boards import NumberedPage
from forum.services.errors import NotFound
from forum.services.notify.counts import recount_unread
from forum.services.reading import may_read_post_text, may_read_thread

PER_PAGE = 30
NOT_FOUND = "Cette notification n'existe pas."
# Kinds a moderator is told about content that may be hidden (the report queue): always listed,
# the policy alone decides (may_read_*), and opening the thread does not settle them.
MODERATION_KINDS = ("report",)


@dataclass(frozen=True, kw_only=True)
class InboxPage(NumberedPage):
    """One page of a member's notifications."""

    notifications: list[Notification]


def _still_visible():
    """SQL: the row's thread and post are not hidden or deleted (moderation kinds aside)."""
    return or_(Notification.kind.in_(MODERATION_KINDS), and_(
        or_(Notification.thread_id.is_(None), Thread.deleted_at.is_(None)),
        or_(Notification.post_id.is_(None), Post.deleted_at.is_(None))))


def _listing(user: User):
    return (select(Notification)
            .outerjoin(Thread, Thread.id == Notification.thread_id)
            .outerjoin(Post, Post.id == Notification.post_id)
            .where(Notification.user_id == user.id, _still_visible()))


def readable(notification: Notification, user: User) -> bool:
    """What the notification is about is still there for this member (reading's rule)."""
    if notification.thread is not None and not may_read_thread(notification.thread, user):
        return False
    return notification.post is None or may_read_post_text(notification.post, user)


def list_notifications(user: User, page: int | None, per_page: int = PER_PAGE) -> InboxPage:
    """The member's notifications, newest activity first, without those about content they can
    no longer read. Two statements whatever the page holds (the thread's board is not joined: its
    inner join would drop the rows about no thread, a livrable's)."""
    total = db.session.scalar(_listing(user).with_only_columns(func.count(Notification.id))) or 0
    pages = max(1, -(-total // per_page))
    if page is None or not 1 <= page <= pages or total == 0:
        return InboxPage(notifications=[], page=page, pages=pages, total=total)
    rows = db.session.scalars(
        _listing(user).options(contains_eager(Notification.thread).lazyload(Thread.board),
                               contains_eager(Notification.post).lazyload(Post.author),
                               joinedload(Notification.board))
        .order_by(Notification.updated_at.desc(), Notification.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).unique()
    return InboxPage(notifications=[n for n in rows if readable(n, user)], page=page, pages=pages, total=total)


def get_own(user: User, notification_id: int) -> Notification:
    """One of the member's notifications. Raises NotFound (none, or another member's)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(NOT_FOUND)
    return notification


def _unread(user_id, *conditions) -> tuple:
    """SQL: the member's unread notifications matching `conditions` (`user_id` a value or a column)."""
    return (Notification.user_id == user_id, Notification.read_at.is_(None), *conditions)


def _about_thread(thread_id) -> tuple:
    """SQL: what opening a thread settles (`thread_id` a value or a column): its notifications,
    reports to moderate excepted."""
    return (Notification.thread_id == thread_id, Notification.kind.not_in(MODERATION_KINDS))


def unread_about_thread(user_id, thread_id):
    """SQL EXISTS: mark_thread_read would mark something (`user_id`, `thread_id` values, bind
    parameters or columns of an enclosing statement)."""
    return select(Notification.id).where(*_unread(user_id, *_about_thread(thread_id))).exists()


def _mark(user: User, *conditions) -> int:
    """Mark the member's unread notifications matching `conditions` read; recount when some were."""
    result = db.session.execute(
        update(Notification)
        .where(*_unread(user.id, *conditions))
        .values(read_at=utcnow(),
                email_state=case((Notification.email_state == "pending", "skipped"), else_=Notification.email_state))
        .execution_options(synchronize_session=False))
    if result.rowcount:
        for loaded in list(db.session.identity_map.values()):
            if isinstance(loaded, Notification) and loaded.user_id == user.id:
                db.session.expire(loaded, ["read_at", "email_state"])
        recount_unread([user.id])
    return result.rowcount


def mark_read(user: User, notification: Notification) -> bool:
    """Mark one of the member's notifications read (nothing if it already was)."""
    return bool(_mark(user, Notification.id == notification.id))


def mark_all_read(user: User) -> int:
    """Mark every notification of the member read; returns how many were unread."""
    return _mark(user)


def mark_thread_read(user: User, thread: Thread) -> int:
    """The member opened `thread`: its notifications are read (reports to moderate excepted).
    Does nothing, not even a statement, when the member's bell shows nothing unread."""
    if not user.unread_notification_count:
        return 0
    return _mark(user, *_about_thread(thread.id))


def retire_unreadable(user: User) -> int:
    """Unread notifications about content since hidden or deleted will never be listed: mark them
    read so the bell does not count them. Nothing, not even a statement, when none is unread."""
    if not user.unread_notification_count:
        return 0
    # Correlated: a primary-key probe per unread row, never a scan of every deleted post.
    gone_thread = exists().where(Thread.id == Notification.thread_id, Thread.deleted_at.is_not(None))
    gone_post = exists().where(Post.id == Notification.post_id, Post.deleted_at.is_not(None))
    return _mark(user, Notification.kind.not_in(MODERATION_KINDS), or_(gone_thread, gone_post))
