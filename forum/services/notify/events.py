"""The events the forum tells members about, called by the services in the event's transaction
(after their flush). Each names its recipients (forum.services.notify.recipients) and leaves the
rest to fan_out: actor, silenced members, unreachable accounts excluded; nothing for hidden content.
"""
from __future__ import annotations

from sqlalchemy import Integer, String, case, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db
from forum.models import (
    Livrable,
    Notification,
    Post,
    Report,
    RequestMerge,
    StatusChange,
    Thread,
    ThreadFollow,
    User,
    Vote,
)
from forum.models._time import UTCDateTime, utcnow
from forum.services.notify import recipients as who
from forum.services.notify.fanout import fan_out
from forum.services.notify.follows import follow_automatically
from forum.services.notify.mentions import Mention


def _visible(thread: Thread, post: Post | None = None) -> bool:
    return thread.deleted_at is None and (post is None or post.deleted_at is None)


def _mentioned(post: Post, mentions: list[Mention]) -> None:
    """Tell the members a post names (those who silenced the thread excepted)."""
    quoted = {m.user_id for m in mentions if m.quote}
    for quote in (False, True):
        named = [m.user_id for m in mentions if (m.user_id in quoted) == quote]
        if named:
            fan_out("mention", who.ids(*named), actor_id=post.author_id, exclude=who.silenced(post.thread),
                    data={"quote": quote}, board_id=post.thread.board_id, thread_id=post.thread_id, post_id=post.id)


def thread_created(thread: Thread, post: Post, mentions: list[Mention]) -> None:
    """A new thread: its author follows it; the board's watchers (and, for a request, the editor's
    representatives) are told; the members it names too."""
    follow_automatically(thread.author_id, thread.id, "author")
    audience = who.board_watchers(thread.board_id)
    if thread.kind == "request":
        audience = who.any_of(audience, who.editor_representatives(thread.board))
    fan_out("new_thread", audience, actor_id=thread.author_id,
            exclude=who.any_of(who.board_silenced(thread.board_id), who.ids(*[m.user_id for m in mentions])),
            board_id=thread.board_id, thread_id=thread.id, post_id=post.id)
    _mentioned(post, mentions)


def replied(post: Post, mentions: list[Mention]) -> None:
    """A reply: its author follows the thread; the thread's watchers are told (grouped per thread
    while unread), the members it names by a mention instead."""
    thread = post.thread
    follow_automatically(post.author_id, thread.id, "reply")
    if not _visible(thread, post):
        return
    named = who.ids(*[m.user_id for m in mentions]) if mentions else None
    fan_out("reply", who.watchers(thread), actor_id=post.author_id, exclude=named, group=True,
            board_id=thread.board_id, thread_id=thread.id, post_id=post.id)
    _mentioned(post, mentions)


def edited(post: Post, mentions: list[Mention], before: list[Mention]) -> None:
    """An edit tells only the members it newly names."""
    named_before = {m.user_id for m in before}
    new = [m for m in mentions if m.user_id not in named_before]
    if new and _visible(post.thread, post):
        _mentioned(post, new)


def status_changed(change: StatusChange, thread: Thread, actor: User) -> None:
    """A status change or an official answer: voters, followers, the board's watchers and the
    editor's representatives are told (not those who silenced the request)."""
    if not _visible(thread):
        return
    audience = who.any_of(who.voters(thread.id), who.followers(thread), who.editor_representatives(thread.board))
    fan_out("status", audience, actor_id=actor.id, exclude=who.silenced(thread),
            data={"from": change.from_status, "to": change.to_status, "official": change.answer_by,
                  "version": change.version, "change_id": change.id},
            board_id=thread.board_id, thread_id=thread.id)


def merged(merge: RequestMerge, source: Thread, target: Thread, actor: User) -> None:
    """A request merged into another: its voters are told where their vote went and now follow the
    target as voters do (call after the votes were copied)."""
    follow_all_voters(source.id, target.id)
    fan_out("merged", who.voters(source.id), actor_id=actor.id, exclude=who.silenced(source),
            data={"target_id": target.id, "target_title": target.title},
            board_id=source.board_id, thread_id=source.id)


def follow_all_voters(source_id: int, target_id: int) -> None:
    """Voters of `source_id` follow `target_id` at the voter's level, unless they follow it already."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = select(Vote.user_id, literal(target_id, Integer), literal("normal", String), literal("vote", String),
                  literal(utcnow(), UTCDateTime)).where(Vote.thread_id == source_id)
    db.session.execute(insert(ThreadFollow).from_select(
        ["user_id", "thread_id", "level", "reason", "created_at"], rows)
        .on_conflict_do_nothing(index_elements=[ThreadFollow.user_id, ThreadFollow.thread_id]))


def voted(user: User, thread: Thread) -> None:
    follow_automatically(user.id, thread.id, "vote")


def answer_accepted(thread: Thread, post: Post, actor: User) -> None:
    if _visible(thread, post):
        fan_out("accepted", who.ids(post.author_id), actor_id=actor.id, exclude=who.silenced(thread),
                board_id=thread.board_id, thread_id=thread.id, post_id=post.id)


def tip_marked_useful(thread: Thread, actor: User) -> None:
    """« N membres ont trouvé votre astuce utile »: grouped while unread."""
    if _visible(thread):
        fan_out("tip_useful", who.ids(thread.author_id), actor_id=actor.id, exclude=who.silenced(thread),
                group=True, board_id=thread.board_id, thread_id=thread.id)


def livrable_frozen(livrable: Livrable, request_count: int, actor: User) -> None:
    board = livrable.board
    fan_out("livrable", who.editor_representatives(board), actor_id=actor.id,
            data={"title": livrable.title, "count": request_count}, board_id=board.id, livrable_id=livrable.id)


def post_reported(report: Report, post: Post, reporter: User) -> None:
    """Moderators of the board are told (they read hidden content: no visibility condition)."""
    fan_out("report", who.moderators_of(post.thread.board_id), actor_id=reporter.id,
            data={"reason": report.reason}, board_id=post.thread.board_id, thread_id=post.thread_id,
            post_id=post.id, report_id=report.id)


def content_hidden(thread: Thread | None = None, post: Post | None = None) -> None:
    """Hidden or deleted content is no news any more: the unread notifications about it are retired
    for every member (read, their e-mail not sent), so no bell counts what its page would not show."""
    about = Notification.thread_id == thread.id if thread is not None else Notification.post_id == post.id
    db.session.execute(
        update(Notification).where(about, Notification.read_at.is_(None))
        .values(read_at=utcnow(), email_state=case((Notification.email_state.in_(("pending", "digest")), "skipped"),
                                                   else_=Notification.email_state))
        .execution_options(synchronize_session=False))
