"""The demo's notifications: seeding goes through the services, which notify as they would for
real members; this moves each notification to the time of what caused it, leaves the three most
recent of each member unread (the bell works on the first log-in), marks how far members had read
the threads those are about (« N nouvelles » on the board lists), and never mails the history."""
from __future__ import annotations

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Board, BoardFollow, Notification, Post, StatusChange, Thread, ThreadRead, User
from forum.models._time import utcnow

UNREAD_PER_MEMBER = 3
# Demo members who watch their software's whole board, and who receive the club's letter.
BOARD_WATCHERS = {"claire.lefebvre@demo.example.org": "chorus", "anne.vasseur@demo.example.org": "hellodoc"}
LETTER_READERS = {"claire.lefebvre@demo.example.org": "weekly", "pierre.dumont@demo.example.org": "biweekly"}


def settle() -> None:
    """Run once after the demo threads are in place (and spread in time); flushes."""
    caused_at = func.coalesce(
        select(Post.created_at).where(Post.id == Notification.post_id).scalar_subquery(),
        select(func.max(StatusChange.created_at)).where(StatusChange.thread_id == Notification.thread_id)
        .where(Notification.kind == "status").scalar_subquery(),
        select(Thread.last_activity_at).where(Thread.id == Notification.thread_id).scalar_subquery(),
        Notification.created_at)
    db.session.execute(update(Notification).values(created_at=caused_at, email_state="none")
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Notification).values(updated_at=Notification.created_at)
                       .execution_options(synchronize_session=False))
    now = utcnow()
    newest = (Notification.updated_at.desc(), Notification.id.desc())
    for user_id in list(db.session.scalars(select(Notification.user_id).distinct())):
        # The latest replies (« N nouvelles » on a board list), then the most recent of the rest.
        keep = set(db.session.scalars(select(Notification.id).where(
            Notification.user_id == user_id, Notification.kind == "reply").order_by(*newest).limit(1)))
        keep |= set(db.session.scalars(select(Notification.id).where(
            Notification.user_id == user_id, Notification.id.not_in(keep)).order_by(*newest)
            .limit(UNREAD_PER_MEMBER - len(keep))))
        db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.id.not_in(keep))
                           .values(read_at=now).execution_options(synchronize_session=False))
    _read_up_to_the_unread_replies()
    _follow_and_subscribe()
    db.session.flush()


def _read_up_to_the_unread_replies() -> None:
    """Each member read the thread of an unread reply notification up to the post before it."""
    rows = db.session.execute(select(Notification.user_id, Notification.thread_id, Notification.post_id)
                              .where(Notification.kind == "reply", Notification.read_at.is_(None))).all()
    for user_id, thread_id, post_id in rows:
        before = db.session.execute(
            select(func.max(Post.id), func.count(Post.id).filter(Post.is_first.is_(False)))
            .where(Post.thread_id == thread_id, Post.id < post_id, Post.deleted_at.is_(None))).one()
        if before[0] is not None:
            db.session.merge(ThreadRead(user_id=user_id, thread_id=thread_id, last_read_post_id=before[0],
                                        seen_reply_count=before[1], read_at=utcnow()))


def _follow_and_subscribe() -> None:
    for email, slug in BOARD_WATCHERS.items():
        user = db.session.scalar(select(User).where(User.email == email))
        board = db.session.scalar(select(Board).where(Board.slug == slug))
        if user is not None and board is not None:
            db.session.merge(BoardFollow(user_id=user.id, board_id=board.id, level="watching"))
    for email, period in LETTER_READERS.items():
        db.session.execute(update(User).where(User.email == email).values(letter_period=period))
