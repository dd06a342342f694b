"""Who an event concerns, as SELECTs of user ids (never Python lists): an event on a request with
thousands of voters costs a few statements whatever their number (forum.services.notify.fanout).

A thread's own follow wins over its board's: a member who set a thread to `normal` while watching
its board is not told of each reply there; one who silenced a thread hears nothing of it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, exists, literal, or_, select, union

from forum.models import Board, BoardFollow, ModeratorScope, Thread, ThreadFollow, User, Vote
from forum.models._time import utcnow


def reachable() -> ColumnElement[bool]:
    """Accounts that may be told anything: not deleted, not suspended now."""
    return and_(User.deleted_at.is_(None), or_(User.suspended_until.is_(None), User.suspended_until <= utcnow()))


def any_of(*parts: Select | CompoundSelect) -> CompoundSelect:
    """The union of several selections of ids, flattened (SQLite refuses a parenthesised UNION)."""
    flat: list[Select] = []
    for part in parts:
        flat.extend(part.selects if isinstance(part, CompoundSelect) else [part])
    return union(*flat)


def _own_follow(thread: Thread, user_id) -> Select:
    return select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == user_id)


def watchers(thread: Thread) -> Select:
    """Members at `watching` on the thread: its own follow, or the board's without one of the thread."""
    return union(
        select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread.id, ThreadFollow.level == "watching"),
        select(BoardFollow.user_id).where(BoardFollow.board_id == thread.board_id, BoardFollow.level == "watching",
                                          ~exists(_own_follow(thread, BoardFollow.user_id))))


def followers(thread: Thread) -> Select:
    """Members who follow the thread at `normal` or `watching` (its own follow or the board's watch)."""
    return union(
        select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread.id, ThreadFollow.level != "muted"),
        select(BoardFollow.user_id).where(BoardFollow.board_id == thread.board_id, BoardFollow.level == "watching",
                                          ~exists(_own_follow(thread, BoardFollow.user_id))))


def silenced(thread: Thread) -> Select:
    """Members who silenced the thread, or its board without a follow of their own on the thread."""
    return union(
        select(ThreadFollow.user_id).where(ThreadFollow.thread_id == thread.id, ThreadFollow.level == "muted"),
        select(BoardFollow.user_id).where(BoardFollow.board_id == thread.board_id, BoardFollow.level == "muted",
                                          ~exists(_own_follow(thread, BoardFollow.user_id))))


def board_silenced(board_id: int) -> Select:
    return select(BoardFollow.user_id).where(BoardFollow.board_id == board_id, BoardFollow.level == "muted")


def board_watchers(board_id: int) -> Select:
    return select(BoardFollow.user_id).where(BoardFollow.board_id == board_id, BoardFollow.level == "watching")


def voters(thread_id: int) -> Select:
    return select(Vote.user_id).where(Vote.thread_id == thread_id)


def editor_representatives(board: Board) -> Select:
    """The representatives of the board's editor: they follow its requests without asking."""
    return select(User.id).where(User.role == "editor", User.editor_id == board.editor_id)


def moderators_of(board_id: int) -> Select:
    """Admins, moderators without a scope, and moderators whose scope holds the board."""
    scoped = select(ModeratorScope.user_id).where(ModeratorScope.user_id == User.id)
    in_scope = select(ModeratorScope.user_id).where(ModeratorScope.user_id == User.id,
                                                    ModeratorScope.board_id == board_id)
    return select(User.id).where(or_(User.role == "admin",
                                     and_(User.role == "moderator", or_(~exists(scoped), exists(in_scope)))))


def ids(*user_ids: int | None) -> Select:
    """A SELECT of the given ids (the one-recipient events)."""
    wanted = [user_id for user_id in user_ids if user_id is not None]
    return select(User.id).where(User.id.in_(wanted) if wanted else literal(False))
