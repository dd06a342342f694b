"""A logged-in member's home page: their software boards, their open questions, the requests
they follow and whether this is their first visit. A fixed number of statements whatever they hold."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, text

from forum.extensions import db
from forum.models import Board, SoftwareUse, StatusChange, Thread, ThreadFollow, ThreadRead, User, Vote
from forum.services.boards import BOARD_ORDER

# How many open questions and followed requests the home page lists.
HOME_LIST_LIMIT = 5


@dataclass(frozen=True)
class MyBoard:
    board: Board
    new_replies: int  # replies in threads the member has opened, since they last read them


@dataclass(frozen=True)
class FollowedRequest:
    thread: Thread
    status_changed_at: datetime | None  # None: the status never changed since the request opened


@dataclass(frozen=True)
class MemberHome:
    boards: list[MyBoard]
    open_questions: list[Thread]      # newest first, at most HOME_LIST_LIMIT
    more_questions: bool              # the member has more than those
    followed_requests: list[FollowedRequest]
    unread_notifications: int
    first_visit: bool                 # declares no software and has written nothing


def _my_boards(user: User) -> list[MyBoard]:
    """The boards whose software the member declares, with their new replies: one statement."""
    news = (select(Thread.board_id, func.sum(Thread.reply_count - ThreadRead.seen_reply_count).label("n"))
            .join(ThreadRead, (ThreadRead.thread_id == Thread.id) & (ThreadRead.user_id == user.id))
            .where(Thread.deleted_at.is_(None), Thread.reply_count > ThreadRead.seen_reply_count)
            .group_by(Thread.board_id).subquery())
    rows = db.session.execute(
        select(Board, func.coalesce(news.c.n, 0))
        .join(SoftwareUse, (SoftwareUse.board_id == Board.id) & (SoftwareUse.user_id == user.id))
        .outerjoin(news, news.c.board_id == Board.id).order_by(*BOARD_ORDER))
    return [MyBoard(board, int(count)) for board, count in rows]


def _open_questions(user: User) -> list[Thread]:
    """The member's visible questions with no accepted answer, newest first (one more than shown)."""
    return list(db.session.scalars(
        select(Thread).where(Thread.author_id == user.id, Thread.kind == "question",
                             Thread.accepted_post_id.is_(None), Thread.deleted_at.is_(None))
        .order_by(Thread.created_at.desc(), Thread.id.desc()).limit(HOME_LIST_LIMIT + 1)))


def _followed_requests(user: User) -> list[FollowedRequest]:
    """Requests the member follows (not silenced) or voted for, latest status change first."""
    followed = select(ThreadFollow.thread_id).where(ThreadFollow.user_id == user.id, ThreadFollow.level != "muted")
    voted = select(Vote.thread_id).where(Vote.user_id == user.id)
    changed = (select(func.max(StatusChange.created_at)).where(StatusChange.thread_id == Thread.id)
               .correlate(Thread).scalar_subquery())
    # The five are chosen on the threads' own columns first, then loaded with what Thread joins:
    # joining boards, authors and structures for every followed request before sorting cost a
    # member who follows thousands of threads ~8 ms per home page.
    changed_at = changed.label("changed_at")
    latest = (select(Thread.id, changed_at, func.coalesce(changed_at, Thread.created_at).label("moved_at"))
              .where(Thread.kind == "request", Thread.deleted_at.is_(None),
                     or_(Thread.id.in_(followed), Thread.id.in_(voted)))
              .order_by(text("moved_at DESC"), Thread.id.desc())
              .limit(HOME_LIST_LIMIT).subquery())
    rows = db.session.execute(
        select(Thread, latest.c.changed_at).join(latest, latest.c.id == Thread.id)
        .order_by(latest.c.moved_at.desc(), Thread.id.desc()))
    return [FollowedRequest(thread, changed_at) for thread, changed_at in rows]


def member_home(user: User) -> MemberHome:
    """What the home page shows `user` above the list of boards: three statements (the unread
    count comes with the member's row)."""
    boards = _my_boards(user)
    questions = _open_questions(user)
    return MemberHome(
        boards=boards, open_questions=questions[:HOME_LIST_LIMIT],
        more_questions=len(questions) > HOME_LIST_LIMIT, followed_requests=_followed_requests(user),
        unread_notifications=user.unread_notification_count or 0,
        first_visit=not boards and not user.post_count)
