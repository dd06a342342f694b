"""Content versions: knowing, on every worker and host, that what a page shows has changed.

Three counters live in the database, so every worker reads the same ones: `threads.content_version`,
`boards.content_version` and `site_versions.global_version` (names, roles, board facts: what every
page shows). They rise in the very transaction of the change, so a cached fragment keyed by them is
never served once the change is committed, and a rolled-back change bumps nothing.

Nobody has to remember it: a session listener (`register`) looks at every flushed object and maps
it to the threads, boards or the global version whose pages show it (`THREAD_SCOPED`, …); the ids
are gathered over the transaction's flushes and written just before it commits, at most one UPDATE
per table (threads, boards, site_versions) per transaction. Writes that bypass the unit of work
(core `update()`/`delete()`/upserts) call `bump_threads` / `bump_boards` / `bump_global`, which only
add to the same pending set.

Per-member state never bumps anything (`PER_MEMBER`): follows, reads, drafts, notifications,
preferences, sessions. It must stay out of shared cached fragments: a member's vote, unread
markers and permissions are rendered per request around them.

Building a key (see `cache_key`): a page reads the versions *before* it reads the content it
renders (the board or thread row is loaded first anyway, and carries its `content_version`; the
global version comes with it through `global_version_column()`, or once per request through
`global_version()`). Reading them after the content could store old content under a new key.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.orm import Session

from forum.db_upsert import upsert_insert
from forum.extensions import db
from forum.models import (
    Attachment,
    Board,
    BoardLabelChange,
    Editor,
    FaqEntry,
    FaqEntrySource,
    FaqSection,
    ModeratorScope,
    Post,
    PostRevision,
    RequestMerge,
    RequestTarget,
    SiteVersion,
    SoftwareUse,
    StatusChange,
    Structure,
    Thread,
    TipConfirmation,
    TipUseful,
    User,
    VersionAlias,
    Vote,
)
from forum.models.site import SITE_ROW_ID

# Objects shown on their thread's page (and, through counts, last activity or ranking, on its
# board's lists): the thread in `thread_id` (its value before the change too).
THREAD_SCOPED: tuple[type, ...] = (Post, Vote, StatusChange, RequestTarget, TipUseful, TipConfirmation,
                                   FaqEntrySource)
# Objects shown with a post: the post's thread (and board).
POST_SCOPED: tuple[type, ...] = (Attachment, PostRevision)
# Objects shown on a board's pages only (FAQ, version spellings, label history).
BOARD_SCOPED: tuple[type, ...] = (FaqEntry, FaqSection, VersionAlias, BoardLabelChange)
# Objects shown on every page (names in the menus, the team's badges, a member's name and structure).
GLOBAL: tuple[type, ...] = (Board, Editor, Structure, SoftwareUse, ModeratorScope)
# The columns of a user that pages show (a log-out, a new password or a letter sent bumps nothing).
USER_SHOWN_COLUMNS = frozenset({
    "display_name", "deleted_at", "role", "editor_id", "editor_contact", "structure_id", "profession",
    "region", "bio", "suspended_until", "suspension_reason",
})
# Per-member state and records no cached page shows: never a bump (documented, and checked by the
# tests so that a new model must be placed in one of these lists).
PER_MEMBER = frozenset({
    "thread_follows", "board_follows", "thread_reads", "notifications", "notification_events",
    "notification_preferences", "outgoing_messages", "letter_introductions", "board_letters", "drafts",
    "remember_tokens", "form_submissions", "reports",
})
NOT_SHOWN = frozenset({
    "audit_log", "index_tasks", "dataset_imports", "livrables", "livrable_items", "documents",
    "document_versions", "post_revision_attachments", "site_versions", "search_documents",
})

_PENDING = "content_versions.pending"
# More ids than this in one transaction: bump the global version instead (bounded statements).
MAX_IDS = 500
_GLOBAL = "content_versions.global"


class _Pending:
    """Ids to bump when the transaction commits."""

    __slots__ = ("threads", "posts", "boards", "global_")

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.posts: set[int] = set()
        self.boards: set[int] = set()
        self.global_ = False

    def __bool__(self) -> bool:
        return bool(self.threads or self.posts or self.boards or self.global_)


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    return pending


# --- explicit bumps (writes that bypass the unit of work) ----------------------------------------

def bump_threads(thread_ids: Iterable[int], session: Session | None = None) -> None:
    """These threads (and their boards) change when the transaction commits."""
    _pending(session or db.session()).threads.update(i for i in thread_ids if i is not None)


def bump_boards(board_ids: Iterable[int], session: Session | None = None) -> None:
    """These boards change when the transaction commits."""
    _pending(session or db.session()).boards.update(i for i in board_ids if i is not None)


def bump_global(session: Session | None = None) -> None:
    """Everything changes when the transaction commits (every key carries the global version)."""
    _pending(session or db.session()).global_ = True


# --- the listener ------------------------------------------------------------------------------------

def _values(obj: object, key: str) -> list[int]:
    """The attribute's current value and, when it changed in this flush, its previous one."""
    history = inspect(obj).attrs[key].history
    values = [*history.added, *history.unchanged, *history.deleted]
    if not values:  # expired or never loaded: the committed value is in the instance dict or nowhere
        value = inspect(obj).dict.get(key)
        values = [value] if value is not None else []
    return [value for value in values if value is not None]


def _changed_columns(obj: object) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _collect(pending: _Pending, obj: object, is_new_or_deleted: bool) -> None:
    if isinstance(obj, Thread):
        pending.threads.update(_values(obj, "id"))
        pending.boards.update(_values(obj, "board_id"))  # the old board too when moved
    elif isinstance(obj, THREAD_SCOPED):
        pending.threads.update(_values(obj, "thread_id"))
    elif isinstance(obj, RequestMerge):
        pending.threads.update(_values(obj, "source_id") + _values(obj, "target_id"))
    elif isinstance(obj, POST_SCOPED):
        pending.posts.update(_values(obj, "post_id"))
    elif isinstance(obj, BOARD_SCOPED):
        pending.boards.update(_values(obj, "board_id"))
    elif isinstance(obj, GLOBAL):
        pending.global_ = True
        if isinstance(obj, Board):
            pending.boards.update(_values(obj, "id"))
    elif isinstance(obj, User):
        if is_new_or_deleted or _changed_columns(obj) & USER_SHOWN_COLUMNS:
            pending.global_ = True


def _after_flush(session: Session, _flush_context) -> None:
    """Gather what this flush changed (the session's lists still hold the pre-flush state here)."""
    pending = _pending(session)
    for obj in session.new:
        _collect(pending, obj, True)
    for obj in session.deleted:
        _collect(pending, obj, True)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            _collect(pending, obj, False)


def _before_commit(session: Session) -> None:
    """Flush what is left, then write the bumps in the committing transaction."""
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        _write(session, pending)


def _forget(session: Session, previous_transaction) -> None:
    """A rolled-back transaction bumps nothing (a savepoint's rollback keeps the outer changes' bumps)."""
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def _write(session: Session, pending: _Pending) -> None:
    if max(len(pending.threads), len(pending.posts), len(pending.boards)) > MAX_IDS:
        # A bulk change (an import, a recount): the global version moves every key, in one statement.
        pending.threads.clear(), pending.posts.clear(), pending.boards.clear()
        pending.global_ = True
    connection = session.connection()
    threads, boards = Thread.__table__, Board.__table__
    posts = Post.__table__
    post_threads = select(posts.c.thread_id).where(posts.c.id.in_(sorted(pending.posts)))
    if pending.threads or pending.posts:
        conditions = []
        if pending.threads:
            conditions.append(threads.c.id.in_(sorted(pending.threads)))
        if pending.posts:
            conditions.append(threads.c.id.in_(post_threads))
        connection.execute(update(threads).where(or_(*conditions))
                           .values(content_version=threads.c.content_version + 1))
    conditions = []
    if pending.boards:
        conditions.append(boards.c.id.in_(sorted(pending.boards)))
    if pending.threads:
        conditions.append(boards.c.id.in_(select(threads.c.board_id).where(threads.c.id.in_(sorted(pending.threads)))))
    if pending.posts:
        conditions.append(boards.c.id.in_(select(threads.c.board_id).where(threads.c.id.in_(post_threads))))
    if conditions:
        connection.execute(update(boards).where(or_(*conditions)).values(content_version=boards.c.content_version + 1))
    if pending.global_:
        site = SiteVersion.__table__
        statement = upsert_insert(site).values(id=SITE_ROW_ID, global_version=1)
        connection.execute(statement.on_conflict_do_update(
            index_elements=[site.c.id], set_={"global_version": site.c.global_version + 1}))
    session.info.pop(_GLOBAL, None)
    _expire_loaded(session, pending)


def _expire_loaded(session: Session, pending: _Pending) -> None:
    """Objects already loaded in this session read their new version at their next access."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Board) or (isinstance(obj, Thread) and (obj.id in pending.threads or pending.posts)):
            session.expire(obj, ["content_version"])


def register(session_target=None) -> None:
    """Listen on the sessions of `db` (once; create_app calls it)."""
    target = session_target if session_target is not None else db.session
    if not event.contains(target, "after_flush", _after_flush):
        event.listen(target, "after_flush", _after_flush)
        event.listen(target, "before_commit", _before_commit)
        event.listen(target, "after_soft_rollback", _forget)


# --- reading -----------------------------------------------------------------------------------------

def global_version_column():
    """The global version as a scalar subquery, to add to a statement a page runs anyway (the
    user's or the board's): `select(Board, global_version_column())` costs no extra statement."""
    site = SiteVersion.__table__
    return (select(site.c.global_version).where(site.c.id == SITE_ROW_ID).scalar_subquery()
            .label("global_version"))


def global_version() -> int:
    """The global version, read once per transaction (a request's reads share one); 0 before the
    first bump. Kept in the session, not in `g`: a commit starts a new transaction, which reads it again."""
    session = db.session()
    transaction = session.get_transaction()
    cached = session.info.get(_GLOBAL)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1]
    value = session.scalar(select(SiteVersion.global_version).where(SiteVersion.id == SITE_ROW_ID)) or 0
    remember_global_version(value)
    return value


def remember_global_version(value: int | None) -> None:
    """Keep a global version read with another statement (global_version_column) for this transaction."""
    session = db.session()
    session.info[_GLOBAL] = (session.get_transaction(), value or 0)


def viewer_class(user, board: Board | None = None) -> str:
    """What changes the shared HTML of a board's pages for this viewer, never who they are:
    "anonymous", "member", "admin", "moderator" (moderates this board), "editor" (represents its
    editor), with "-suspended" while a suspension runs (the policy then refuses every action but
    reading: no label to edit, no deleted post to see, no locked thread to answer)."""
    from forum.services.policy import is_moderator, suspended_until

    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user.role == "admin":
        role = "admin"
    elif board is not None and is_moderator(user, board):
        role = "moderator"
    elif board is not None and user.role == "editor" and user.editor_id is not None \
            and user.editor_id == board.editor_id:
        role = "editor"
    else:
        role = "member"
    return role + "-suspended" if suspended_until(user) is not None else role


def cache_key(kind: str, *parts: object) -> str:
    """A fragment's key: its kind, then what it depends on, e.g.
    `cache_key("board", board.id, board.content_version, global_version(), page, viewer_class(user, board))`
    -> "board:3:17:5:1:member". Never a member's id: per-member state is rendered outside."""
    return ":".join([kind, *(str(part) for part in parts)])
