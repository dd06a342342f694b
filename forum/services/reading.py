"""Reading threads: who may read a thread or a post's text (the one rule of pages, feeds, the API),
the thread page (opening post, replies page by page), single posts, and the revision history
moderators consult. Read-only: nothing here flushes."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, bindparam, exists, func, select
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.models import Attachment, Post, PostRevision, Thread, User
from forum.services.content_versions import global_version_column, remember_global_version
from forum.services.errors import NotFound, ValidationError
from forum.services.policy import POST_NOT_FOUND, THREAD_NOT_FOUND, Action, can, require


# The visibility rule, once. A deleted (withdrawn or hidden) thread is read by those the policy lets
# read hidden content (Action.READ_HIDDEN: the moderators of its board); so is the text of a deleted
# post, which everyone else sees as « Message supprimé ». Pages apply it to their viewer; public
# outputs (feeds, API, search, exports) to an anonymous one, in SQL through public_threads(), which
# says the same as may_read_thread for viewer None.
def may_read_thread(thread: Thread, viewer: User | None) -> bool:
    return thread.deleted_at is None or can(viewer, Action.READ_HIDDEN, thread)


def may_read_post_text(post: Post, viewer: User | None) -> bool:
    return may_read_thread(post.thread, viewer) and (post.deleted_at is None or can(viewer, Action.READ_HIDDEN, post))


def public_threads() -> ColumnElement[bool]:
    """SQL condition: the threads anyone may read (may_read_thread for an anonymous viewer)."""
    return Thread.deleted_at.is_(None)


def public_body_html(post: Post | None) -> str | None:
    """The post's sanitised HTML when anyone may read it, else None."""
    return post.body_html if post is not None and may_read_post_text(post, None) else None


@dataclass(frozen=True)
class PostsPage:
    """What a thread page shows: the opening post (on every page) and one page of replies.

    Deleted replies stay in the list (shown as "Message supprimé"), so page numbers and the
    `#p<id>` anchors people share do not shift when someone deletes a message.
    """

    first_post: Post | None
    replies: list[Post]
    page: int
    pages: int
    reply_total: int
    # The ids of the posts shown that have files: the page loads files only for them (most have none).
    with_files: frozenset[int] = frozenset()

    @property
    def out_of_range(self) -> bool:
        return not 1 <= self.page <= self.pages


def get_thread(thread_id: int, viewer: User | None) -> Thread:
    """A thread the viewer may read. Raises NotFound (missing, or deleted and viewer not a moderator)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(THREAD_NOT_FOUND)
    if thread.deleted_at is not None:
        require(viewer, Action.READ_HIDDEN, thread)
    return thread


def public_opening_html(thread: Thread) -> str | None:
    """The sanitised HTML of the thread's opening post when anyone may read it, else None."""
    return public_body_html(db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first)))


def get_live_thread(thread_id: int) -> Thread:
    """A thread that is not deleted, for acting on it (votes, statuses, tips, answers): NotFound
    otherwise, moderators included."""
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.deleted_at is not None:
        raise NotFound(THREAD_NOT_FOUND)
    return thread


def find_post(post_id: int) -> Post:
    """A post by id, deleted or not: the service acting on it checks the rest. NotFound if none."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound("Ce message n'existe pas.")
    return post


def chosen_merge_target(thread_id: int | None, requests_only: bool = False) -> Thread:
    """The thread whose number a merge form names. ValidationError("target_id") if there is none
    (the merge service checks the rest: same board, kind, not itself)."""
    thread = db.session.get(Thread, thread_id or 0)
    if thread is None:
        raise ValidationError("target_id", "Indiquez le numéro d'une demande existante." if requests_only
                              else "Indiquez le numéro d'un sujet existant.")
    return thread


@cache
def thread_page_statement():
    """How a thread page loads its thread (bind `thread_id`): with the site's global version, without
    its author (in the shared posts, forum/web/thread_posts.py). Built once (building it costs more
    than running it); reads.thread_with_reader adds a member's columns to it."""
    return (select(Thread, global_version_column()).options(lazyload(Thread.author))
            .where(Thread.id == bindparam("thread_id")))


def get_thread_or_merge_target(thread_id: int, viewer: User | None,
                               loaded: tuple[Thread, int] | None = None) -> Thread:
    """As get_thread, except that a thread merged into another (moderation.merge_threads) is a
    pointer: its target is returned (a merged request keeps its page). The caller redirects when
    the id differs. Holding `thread` keeps it in the session, so get_thread costs no extra query.
    The site's global version comes with the row (content_versions: read before the posts);
    `loaded` is that row when the page read it with something else (reads.thread_with_reader)."""
    row = loaded or db.session.execute(thread_page_statement(), {"thread_id": thread_id}).first()
    thread = row[0] if row else None
    if row:
        remember_global_version(row[1])
    if thread is not None and thread.deleted_at is not None and thread.merged_into_id and thread.kind != "request":
        return thread.merged_into
    return get_thread(thread_id, viewer)


def get_post(post_id: int, viewer: User | None) -> Post:
    """A post whose thread the viewer may read. Raises NotFound."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(POST_NOT_FOUND)
    get_thread(post.thread_id, viewer)
    return post


def get_editable_post(post_id: int, actor: User | None) -> Post:
    """A post the actor may edit, for the edit form. Raises NotFound, PermissionDenied."""
    post = get_post(post_id, actor)
    require(actor, Action.EDIT_POST, post)
    if post.deleted_at is not None:
        raise NotFound("Ce message a été supprimé : il ne peut plus être modifié.")
    return post


def thread_posts(thread: Thread, page: int | None, per_page: int) -> PostsPage:
    """The opening post and page `page` of the replies (None: the last page; 0 or past the end:
    no replies, and the page says so).

    Authors and their structures are loaded with the posts: a fixed number of statements
    whatever the number of replies shown. A page that has replies counts them all in the same
    statement (a window count), so the usual thread page runs two. Each row also says whether the
    post has files (an EXISTS on the indexed attachments.post_id): a page without files runs no
    statement for them.
    """
    shown = (Post, _has_files())
    first = db.session.execute(select(*shown).where(Post.thread_id == thread.id, Post.is_first.is_(True))).first()
    first_post = first[0] if first else None
    with_files = {first_post.id} if first and first[1] else set()
    is_reply = (Post.thread_id == thread.id, Post.is_first.is_(False))

    def count() -> int:
        return db.session.scalar(select(func.count(Post.id)).where(*is_reply)) or 0

    total = None
    if page is None:  # the last page: how many there are comes first
        total = count()
        page = max(1, -(-total // per_page))
    replies: list[Post] = []
    if page >= 1 and total != 0:
        rows = db.session.execute(select(*shown, func.count().over()).where(*is_reply).order_by(Post.id)
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        replies = [post for post, _, _ in rows]
        with_files.update(post.id for post, has_files, _ in rows if has_files)
        total = rows[0][2] if rows else total
    if total is None:  # page 0, or past the end: the count alone says how far
        total = count()
    pages = max(1, -(-total // per_page))
    for post in (first_post, *replies) if first_post else replies:  # the policy asks each post.thread
        if "thread" not in post.__dict__:
            set_committed_value(post, "thread", thread)
    return PostsPage(first_post=first_post, replies=replies, page=page, pages=pages, reply_total=total,
                     with_files=frozenset(with_files))


def last_page(thread: Thread, per_page: int) -> int:
    """The number of the last page of the thread's replies (deleted ones keep their place)."""
    total = db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id,
                                                                Post.is_first.is_(False))) or 0
    return max(1, -(-total // per_page))


def post_stand_in(thread: Thread, post_id: int, author_id: int | None, is_first: bool,
                  deleted_at: datetime | None) -> Post:
    """A Post carrying what the policy and a post's actions read — id, author id, opening post or
    not, deletion, its thread — built from the facts kept with a shared fragment (read under the
    same thread version) instead of loaded. Transient, and never added to a session: its thread is
    set without events (Post.thread has no backref), so nothing can cascade it into a flush."""
    post = Post(id=post_id, thread_id=thread.id, author_id=author_id, is_first=is_first, deleted_at=deleted_at)
    set_committed_value(post, "thread", thread)
    return post


@cache
def _shown_posts_statement(with_authors: bool):
    """shown_posts' statement, built once per kind (building it costs more than running it)."""
    author = joinedload(Post.author) if with_authors else lazyload(Post.author)
    return (select(Post).where(Post.id.in_(bindparam("post_ids", expanding=True)),
                               Post.thread_id == bindparam("thread_id"))
            .options(load_only(Post.id, Post.thread_id, Post.author_id, Post.is_first, Post.deleted_at), author))


def shown_posts(thread: Thread, post_ids: list[int], with_authors: bool = False,
                loaded: Mapping[int, Post] | None = None) -> dict[int, Post]:
    """The posts `post_ids` of `thread`, with what the policy asks of them (author id, deletion)
    and not their text, in one statement: the actions a page offers on posts whose HTML it already
    has. Their authors only `with_authors` (whoever may suspend one). The posts in `loaded` (this
    request rendered them) cost nothing."""
    found = {post_id: loaded[post_id] for post_id in post_ids if post_id in (loaded or {})}
    if missing := [post_id for post_id in post_ids if post_id not in found]:
        found.update((post.id, post) for post in db.session.scalars(
            _shown_posts_statement(with_authors), {"post_ids": missing, "thread_id": thread.id}))
    for post in found.values():
        if "thread" not in post.__dict__:  # the policy asks each post.thread
            set_committed_value(post, "thread", thread)
    return found


def _has_files() -> ColumnElement[bool]:
    """Whether the post has files shown (those attachments.attachments_by_post loads)."""
    return exists().where(Attachment.post_id == Post.id, Attachment.removed_at.is_(None),
                          Attachment.deleted_at.is_(None)).label("has_files")


def post_count(thread: Thread) -> int:
    """Every post of `thread`, withdrawn ones included (all move when it is merged)."""
    return db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) or 0


def page_of_post(post: Post, per_page: int) -> int:
    """The page of its thread on which `post` appears (the opening post is on every page)."""
    if post.is_first:
        return 1
    position = db.session.scalar(select(func.count(Post.id)).where(
        Post.thread_id == post.thread_id, Post.is_first.is_(False), Post.id <= post.id))
    return max(1, -(-position // per_page))


def list_revisions(post_id: int, viewer: User | None) -> tuple[Post, list[PostRevision]]:
    """A post and its earlier versions, newest first. Moderators only: raises PermissionDenied, NotFound."""
    post = get_post(post_id, viewer)
    require(viewer, Action.VIEW_REVISIONS, post)
    revisions = db.session.scalars(
        select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id.desc())).all()
    return post, list(revisions)
