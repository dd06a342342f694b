"""How far each member has read each thread (ThreadRead): the « 3 nouvelles » markers of board
lists, the first unread reply a thread page opens at, and what reading or replying records.

Cheap by design: a page learns everything it needs about its reader (read position and follow
level) in one statement, and writes only when the reader got further than before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Boolean, CompoundSelect, Select, bindparam, case, func, literal, null, select, union_all
from sqlalchemy.orm import aliased

from forum.db_upsert import upsert_insert
from forum.extensions import db
from forum.models import Board, BoardFollow, Draft, Post, Thread, ThreadFollow, ThreadRead, User, Vote
from forum.models._time import utcnow
from forum.services.drafts import reply_place
from forum.services.notify import inbox
from forum.services.notify.follows import ThreadLevel, effective_level
from forum.services.reading import thread_page_statement


@dataclass(frozen=True)
class ThreadReader:
    """A logged-in member on a thread page: their follow level and how far they had read."""

    level: ThreadLevel
    last_read_post_id: int | None  # None: never opened the thread
    seen_reply_count: int = 0
    # The first reply they have not read, and the page it sits on (None: nothing new).
    first_unread_id: int | None = None
    first_unread_page: int | None = None
    # Whether a reply draft waits (drafts.load_reply then reads it): asked in the same statement.
    has_reply_draft: bool = True
    # Whether notifications about this thread wait unread (opening it marks them read): asked in the
    # same statement, so a view with none writes nothing, not even an UPDATE that matches no row.
    has_unread_notifications: bool = True


@dataclass(frozen=True)
class BoardReader:
    """A logged-in member on a board page: their level on the board, per listed thread they have
    opened how many visible replies they had seen, and their votes on the listed requests."""

    level: str
    seen: dict[int, int] = field(default_factory=dict)
    votes: dict[int, str] = field(default_factory=dict)  # request id -> importance

    def new_replies(self, threads: list[Thread]) -> dict[int, int]:
        """thread id -> replies since the member last read it (only threads with at least one)."""
        return {thread.id: thread.reply_count - self.seen[thread.id] for thread in threads
                if thread.id in self.seen and thread.reply_count > self.seen[thread.id]}


def _replies(thread_id: int):
    return (Post.thread_id == thread_id, Post.is_first.is_(False))


@cache
def _thread_and_reader_statement() -> Select:
    """thread_with_reader's statement, built once (building it costs more than running it): the
    thread as a thread page loads it (reading.thread_page_statement), then the member's follow
    levels, read position, first unread reply and its place, draft, and unread notifications."""
    user_id, thread_id = bindparam("user_id"), bindparam("thread_id")
    news = ThreadRead.seen_reply_count < Thread.reply_count
    unread, earlier = aliased(Post, name="unread_posts"), aliased(Post, name="earlier_posts")
    first = (select(func.min(unread.id))
             .where(unread.thread_id == thread_id, unread.is_first.is_(False), unread.deleted_at.is_(None),
                    unread.id > ThreadRead.last_read_post_id)
             .correlate(ThreadRead).scalar_subquery())
    # Deleted replies keep their place in the pages (reading.thread_posts): count them too.
    before = (select(func.count(earlier.id))
              .where(earlier.thread_id == thread_id, earlier.is_first.is_(False), earlier.id <= first)
              .correlate(ThreadRead).scalar_subquery())
    # Whether inbox.mark_thread_read would mark anything; looked up only for a member whose bell
    # counts unread notifications (CASE evaluates its branch only when the condition holds).
    noted = case((bindparam("any_unread", type_=Boolean), inbox.unread_about_thread(user_id, Thread.id)),
                 else_=False)
    return (thread_page_statement()
            .add_columns(ThreadFollow.level, ThreadFollow.reason, BoardFollow.level, ThreadRead.last_read_post_id,
                         ThreadRead.seen_reply_count, case((news, first)), case((news, before)), Draft.id, noted)
            .select_from(Thread)
            .outerjoin(Draft, (Draft.user_id == user_id) & (Draft.place == bindparam("draft_place")))
            .outerjoin(ThreadFollow, (ThreadFollow.user_id == user_id) & (ThreadFollow.thread_id == Thread.id))
            .outerjoin(BoardFollow, (BoardFollow.user_id == user_id) & (BoardFollow.board_id == Thread.board_id))
            .outerjoin(ThreadRead, (ThreadRead.user_id == user_id) & (ThreadRead.thread_id == Thread.id)))


def thread_with_reader(thread_id: int, user: User, per_page: int) -> tuple[Thread, int, ThreadReader] | None:
    """The thread `thread_id` (deleted or merged ones too: reading.get_thread_or_merge_target decides),
    the site's global version, and the member's follow level, read position and, when replies
    arrived since their last visit, the first unread one and its page: one statement for a member's
    thread page (the unread lookups run only then). None when there is no such thread."""
    row = db.session.execute(_thread_and_reader_statement(), {
        "user_id": user.id, "thread_id": thread_id, "draft_place": reply_place(thread_id),
        "any_unread": bool(user.unread_notification_count)}).first()
    if row is None:
        return None
    thread, version, own, reason, board_level, last_read, seen, first_id, position, draft_id, noted = row
    page = max(1, -(-position // per_page)) if first_id is not None and position else None
    return thread, version, ThreadReader(effective_level(own, reason, board_level), last_read, seen or 0,
                                         first_id if page else None, page, draft_id is not None, bool(noted))


@cache
def _board_statement() -> CompoundSelect:
    """board_reader's statement, built once: the member's follow level on the board, their read
    positions on the listed threads and their votes on the listed requests, one row each, told
    apart by the first column."""
    user_id = bindparam("user_id")
    level = (select(literal("level"), null(), null(), BoardFollow.level)
             .where(BoardFollow.user_id == user_id, BoardFollow.board_id == bindparam("board_id")))
    seen = (select(literal("seen"), ThreadRead.thread_id, ThreadRead.seen_reply_count, null())
            .where(ThreadRead.user_id == user_id, ThreadRead.thread_id.in_(bindparam("thread_ids", expanding=True))))
    voted = (select(literal("vote"), Vote.thread_id, null(), Vote.importance)
             .where(Vote.user_id == user_id, Vote.thread_id.in_(bindparam("request_ids", expanding=True))))
    return union_all(level, seen, voted)


def board_reader(user: User, board: Board, threads: list[Thread], request_ids: list[int] = ()) -> BoardReader:
    """The member's level on `board`, their read positions on the listed threads and their votes
    on the listed requests `request_ids` (votes.toggles takes them): one statement."""
    rows = db.session.execute(_board_statement(), {
        "user_id": user.id, "board_id": board.id, "thread_ids": [thread.id for thread in threads],
        "request_ids": list(request_ids)}).all()
    level, seen, votes = "normal", {}, {}
    for what, thread_id, count, text in rows:
        if what == "level":
            level = text or "normal"
        elif what == "seen":
            seen[thread_id] = count
        else:
            votes[thread_id] = text
    return BoardReader(level, seen, votes)


def mark_read(user: User, thread: Thread, last_post_id_shown: int, known: ThreadReader | None = None) -> bool:
    """Record that the member has read `thread` up to `last_post_id_shown`. Only moves forward;
    with `known` (what thread_reader returned) nothing is written when it would not. One UPSERT
    statement, which counts the visible replies up to that post. True when something was written."""
    if known is not None and known.last_read_post_id is not None and known.last_read_post_id >= last_post_id_shown:
        return False
    seen = (select(func.count(Post.id))
            .where(*_replies(thread.id), Post.deleted_at.is_(None), Post.id <= last_post_id_shown)
            .scalar_subquery())
    statement = upsert_insert(ThreadRead).values(user_id=user.id, thread_id=thread.id,
                                                 last_read_post_id=last_post_id_shown, seen_reply_count=seen,
                                                 read_at=utcnow())
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[ThreadRead.user_id, ThreadRead.thread_id],
        set_={"last_read_post_id": statement.excluded.last_read_post_id,
              "seen_reply_count": statement.excluded.seen_reply_count, "read_at": statement.excluded.read_at},
        where=ThreadRead.last_read_post_id < statement.excluded.last_read_post_id))
    return True


def record_reading(user: User, thread: Thread, last_post_id_shown: int | None, reader: ThreadReader) -> bool:
    """The member was shown `thread` up to `last_post_id_shown`: remember it, and mark the thread's
    notifications read. Writes nothing (not even a statement) when neither changes anything.
    True when something was written (the caller commits)."""
    wrote = last_post_id_shown is not None and mark_read(user, thread, last_post_id_shown, reader)
    return (reader.has_unread_notifications and bool(inbox.mark_thread_read(user, thread))) or wrote
