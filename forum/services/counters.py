"""Denormalised counters shown on lists: incremented in the same transaction as the change on hot
paths (SQL `col = col + 1`, so concurrent writers never lose an update), recounted from the rows on
rare changes (delete, restore, move) and by the `recount` command."""
from __future__ import annotations

from sqlalchemy import and_, func, select, update

from forum.extensions import db
from forum.models import Board, Post, Thread, User
from forum.services.content_versions import bump_boards, bump_global, bump_threads

VISIBLE_THREAD = Thread.deleted_at.is_(None)
VISIBLE_POST = Post.deleted_at.is_(None)


def bump_on_new_post(thread: Thread, post: Post, *, new_thread: bool) -> None:
    """Counters after `post` was added to `thread` (its opening post when new_thread)."""
    board_values = {"post_count": Board.post_count + 1, "last_activity_at": post.created_at,
                    "last_thread_id": thread.id}
    if new_thread:
        column = {"question": Board.question_count, "tip": Board.tip_count,
                  "request": Board.request_count}[thread.kind]
        board_values[column.key] = column + 1
    else:
        db.session.execute(update(Thread).where(Thread.id == thread.id).values(
            reply_count=Thread.reply_count + 1, last_activity_at=post.created_at,
            last_author_id=post.author_id))
    db.session.execute(update(Board).where(Board.id == thread.board_id).values(**board_values))
    if post.author_id is not None:
        db.session.execute(update(User).where(User.id == post.author_id).values(post_count=User.post_count + 1))
    db.session.expire(thread, ["reply_count", "last_activity_at", "last_author_id"])
    bump_threads([thread.id])


def recount_thread(thread_id: int) -> None:
    """Reply count and last activity of one thread, from its visible posts."""
    last = db.session.execute(
        select(Post.created_at, Post.author_id).where(Post.thread_id == thread_id, VISIBLE_POST)
        .order_by(Post.id.desc()).limit(1)).first()
    replies = db.session.scalar(select(func.count()).where(
        Post.thread_id == thread_id, VISIBLE_POST, Post.is_first.is_(False)))
    values = {"reply_count": replies}
    if last is not None:
        values.update(last_activity_at=last.created_at, last_author_id=last.author_id)
    db.session.execute(update(Thread).where(Thread.id == thread_id).values(**values))
    bump_threads([thread_id])


def recount_board(board_id: int) -> None:
    """Thread counts by kind, visible posts and last activity of one board."""
    by_kind = dict(db.session.execute(
        select(Thread.kind, func.count()).where(Thread.board_id == board_id, VISIBLE_THREAD)
        .group_by(Thread.kind)).all())
    posts = db.session.scalar(
        select(func.count(Post.id)).join(Thread, Post.thread_id == Thread.id)
        .where(Thread.board_id == board_id, VISIBLE_THREAD, VISIBLE_POST))
    last = db.session.execute(
        select(Thread.id, Thread.last_activity_at).where(Thread.board_id == board_id, VISIBLE_THREAD)
        .order_by(Thread.last_activity_at.desc()).limit(1)).first()
    db.session.execute(update(Board).where(Board.id == board_id).values(
        question_count=by_kind.get("question", 0), tip_count=by_kind.get("tip", 0),
        request_count=by_kind.get("request", 0), post_count=posts,
        last_thread_id=last.id if last else None, last_activity_at=last.last_activity_at if last else None))
    bump_boards([board_id])


def recount_user(user_id: int) -> None:
    count = db.session.scalar(select(func.count()).where(Post.author_id == user_id, VISIBLE_POST))
    db.session.execute(update(User).where(User.id == user_id).values(post_count=count))


def recount_all() -> dict[str, int]:
    """Recompute every counter from the rows (set-based, fast on large databases)."""
    reply_counts = (select(func.count()).where(Post.thread_id == Thread.id, VISIBLE_POST,
                                               Post.is_first.is_(False)).scalar_subquery())
    db.session.execute(update(Thread).values(reply_count=reply_counts))
    bump_global()  # every thread may have changed: every key carries the global version
    user_posts = select(func.count()).where(Post.author_id == User.id, VISIBLE_POST).scalar_subquery()
    db.session.execute(update(User).values(post_count=user_posts))
    boards = db.session.scalars(select(Board.id)).all()
    for board_id in boards:
        recount_board(board_id)
    return {"boards": len(boards), "threads": db.session.scalar(select(func.count(Thread.id))),
            "users": db.session.scalar(select(func.count(User.id)))}


def counter_mismatches() -> list[str]:
    """Differences between stored counters and a recount, for tests and `recount --check`."""
    problems: list[str] = []
    for thread_id, stored, actual in db.session.execute(
        select(Thread.id, Thread.reply_count, func.count(Post.id))
        .outerjoin(Post, and_(Post.thread_id == Thread.id, VISIBLE_POST, Post.is_first.is_(False)))
        .group_by(Thread.id, Thread.reply_count)
    ):
        if stored != actual:
            problems.append(f"thread {thread_id}: reply_count {stored} != {actual}")
    for board in db.session.scalars(select(Board)):
        by_kind = dict(db.session.execute(
            select(Thread.kind, func.count()).where(Thread.board_id == board.id, VISIBLE_THREAD)
            .group_by(Thread.kind)).all())
        for kind, stored in (("question", board.question_count), ("tip", board.tip_count),
                             ("request", board.request_count)):
            if stored != by_kind.get(kind, 0):
                problems.append(f"board {board.slug}: {kind}_count {stored} != {by_kind.get(kind, 0)}")
        posts = db.session.scalar(
            select(func.count(Post.id)).join(Thread, Post.thread_id == Thread.id)
            .where(Thread.board_id == board.id, VISIBLE_THREAD, VISIBLE_POST))
        if board.post_count != posts:
            problems.append(f"board {board.slug}: post_count {board.post_count} != {posts}")
    return problems
