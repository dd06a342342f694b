"""Following threads and boards at a level: suivre (`watching`: each new reply or change),
normal (only what is addressed to me), silencieux (`muted`: nothing).

A thread's own follow wins over its board's. Automatic follows (the author of a thread, a reply, a
vote) are written only where the member has no follow yet, so they never override a level the
member chose, and each can be changed like a manual one.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, String, case, delete, func, literal, select

from forum.db_upsert import upsert_insert
from forum.extensions import db
from forum.models import Board, BoardFollow, Post, Thread, ThreadFollow, User, Vote
from forum.models._time import UTCDateTime, utcnow
from forum.models.notifications import FOLLOW_LEVELS
from forum.services.errors import ValidationError
from forum.services.policy import Action, require

LEVEL_MESSAGE = "Choisissez un niveau de suivi : suivre, normal ou silencieux."
# Level given by each automatic follow.
AUTOMATIC_LEVELS = {"author": "watching", "reply": "watching", "vote": "normal"}


def clean_level(level: str | None) -> str:
    if level not in FOLLOW_LEVELS:
        raise ValidationError("level", LEVEL_MESSAGE)
    return level


def follow_automatically(user_id: int | None, thread_id: int, reason: str) -> None:
    """Follow the thread as `reason` gives (author, reply, vote) unless the member already has a
    follow on it, whatever its level: one statement, safe against a concurrent follow."""
    if user_id is None:
        return
    statement = upsert_insert(ThreadFollow).values(user_id=user_id, thread_id=thread_id,
                                                   level=AUTOMATIC_LEVELS[reason], reason=reason, created_at=utcnow())
    db.session.execute(statement.on_conflict_do_nothing(index_elements=[ThreadFollow.user_id, ThreadFollow.thread_id]))


def _set(model, key_column, key: int, user: User, level: str, **extra) -> None:
    statement = upsert_insert(model).values(user_id=user.id, level=level, created_at=utcnow(),
                                            **{key_column.key: key}, **extra)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[model.user_id, key_column], set_={"level": level, **extra}))


def set_thread_level(user: User, thread: Thread, level: str | None) -> str:
    """The member's chosen level on a thread. Raises ValidationError, NotFound (hidden thread)."""
    require(user, Action.FOLLOW, thread)
    level = clean_level(level)
    _set(ThreadFollow, ThreadFollow.thread_id, thread.id, user, level, reason="manual")
    return level


def set_board_level(user: User, board: Board, level: str | None) -> str:
    """The member's chosen level on a whole board (`normal` removes the board follow)."""
    require(user, Action.FOLLOW, board)
    level = clean_level(level)
    if level == "normal":
        db.session.execute(delete(BoardFollow).where(BoardFollow.user_id == user.id, BoardFollow.board_id == board.id))
    else:
        _set(BoardFollow, BoardFollow.board_id, board.id, user, level)
    return level


def board_level(user: User | None, board: Board) -> str:
    if user is None or not user.is_authenticated:
        return "normal"
    level = db.session.scalar(select(BoardFollow.level).where(BoardFollow.user_id == user.id,
                                                              BoardFollow.board_id == board.id))
    return level or "normal"


@dataclass(frozen=True)
class ThreadLevel:
    level: str          # the effective level
    own: bool           # set on the thread itself (else inherited from the board, or the default)
    reason: str | None  # why the thread's own follow exists (manual, author, reply, vote)


def thread_level(user: User | None, thread: Thread) -> ThreadLevel:
    """The level that applies to `user` on `thread`: its own follow, else the board's `watching` or
    `muted`, else normal. One statement."""
    if user is None or not user.is_authenticated:
        return ThreadLevel("normal", False, None)
    row = db.session.execute(
        select(ThreadFollow.level, ThreadFollow.reason, BoardFollow.level)
        .select_from(User).where(User.id == user.id)
        .outerjoin(ThreadFollow, (ThreadFollow.user_id == User.id) & (ThreadFollow.thread_id == thread.id))
        .outerjoin(BoardFollow, (BoardFollow.user_id == User.id) & (BoardFollow.board_id == thread.board_id))).one()
    return effective_level(row[0], row[1], row[2])


def effective_level(own: str | None, reason: str | None, board: str | None) -> ThreadLevel:
    """The thread's own follow (and why it exists) wins over the board's level; neither: normal."""
    if own is not None:
        return ThreadLevel(own, True, reason)
    return ThreadLevel(board or "normal", False, None)


def followed_threads(user: User, limit: int = 200) -> list[tuple[ThreadFollow, Thread]]:
    """The member's thread follows other than silenced ones first, newest activity first."""
    rows = db.session.execute(
        select(ThreadFollow, Thread).join(Thread, Thread.id == ThreadFollow.thread_id)
        .where(ThreadFollow.user_id == user.id, Thread.deleted_at.is_(None))
        .order_by(Thread.last_activity_at.desc()).limit(limit))
    return [(follow, thread) for follow, thread in rows]


def followed_boards(user: User) -> list[BoardFollow]:
    return list(db.session.scalars(select(BoardFollow).where(BoardFollow.user_id == user.id)
                                   .order_by(BoardFollow.board_id)))


def follow_everything_written_and_voted() -> None:
    """The automatic follows of content written without the services (`import-dataset`): authors
    and repliers follow their threads, voters their requests; existing follows are kept."""
    now = utcnow()
    first = func.min(case((Post.is_first, 0), else_=1))
    written = (select(Post.author_id, Post.thread_id, literal("watching", String),
                      case((first == 0, "author"), else_="reply"), literal(now, UTCDateTime))
               .where(Post.author_id.is_not(None), Post.deleted_at.is_(None)).group_by(Post.author_id, Post.thread_id))
    voted = select(Vote.user_id, Vote.thread_id, literal("normal", String), literal("vote", String),
                   literal(now, UTCDateTime)).where(Vote.user_id.is_not(None))
    columns = ["user_id", "thread_id", "level", "reason", "created_at"]
    for rows in (written, voted):
        db.session.execute(upsert_insert(ThreadFollow).from_select(columns, rows)
                           .on_conflict_do_nothing(index_elements=[ThreadFollow.user_id, ThreadFollow.thread_id]))


def follow_voters_of(source_id: int, target_id: int) -> None:
    """Voters of `source_id` (a request merged into `target_id`) follow the target as voters do,
    unless they follow it already: one statement."""
    rows = select(Vote.user_id, literal(target_id, Integer), literal(AUTOMATIC_LEVELS["vote"], String),
                  literal("vote", String), literal(utcnow(), UTCDateTime)).where(Vote.thread_id == source_id)
    db.session.execute(upsert_insert(ThreadFollow).from_select(["user_id", "thread_id", "level", "reason", "created_at"], rows)
                       .on_conflict_do_nothing(index_elements=[ThreadFollow.user_id, ThreadFollow.thread_id]))
