"""The events the forum tells members about, called by the services in the event's transaction
(after their flush). Each names its audience and leaves the rest to fan_out: actor, silenced
members, unreachable accounts excluded; nothing for hidden content.

Events told to a few named members (mentions, an accepted answer, « utile » marks) are written at
once. Those whose audience may be large (a reply's watchers, a request's voters and followers, a
board's watchers, an editor's representatives, a board's moderators) are recorded as one
NotificationEvent row in the transaction; in a web request their notifications are written just
after the response (forum.services.notify.deferred), elsewhere (commands, tests calling services)
at once. Either way the audience is read by AUDIENCES, from the event's kind and targets.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import CompoundSelect, Select, case, update

from forum.extensions import db
from forum.models import (
    Board,
    Livrable,
    Notification,
    NotificationEvent,
    Post,
    Report,
    RequestMerge,
    StatusChange,
    Thread,
    User,
)
from forum.models._time import utcnow
from forum.services.notify import follows
from forum.services.notify import recipients as who
from forum.services.notify.fanout import fan_out
from forum.services.notify.follows import follow_automatically
from forum.services.notify.mentions import Mention

# Set on the session when the transaction recorded events to expand after the response.
PENDING_KEY = "notify_events_pending"
Audience = tuple[Select | CompoundSelect, Select | CompoundSelect | None]


def _visible(thread: Thread | None, post: Post | None = None) -> bool:
    return thread is not None and thread.deleted_at is None and (post is None or post.deleted_at is None)


def _reply_audience(thread: Thread | None, post: Post | None, board: Board | None, excluded: list[int]) -> Audience | None:
    if not _visible(thread, post):
        return None
    return who.watchers(thread), who.ids(*excluded) if excluded else None


def _new_thread_audience(thread, post, board, excluded) -> Audience | None:
    if not _visible(thread, post):
        return None
    audience = who.board_watchers(thread.board_id)
    if thread.kind == "request":
        audience = who.any_of(audience, who.editor_representatives(thread.board))
    return audience, who.any_of(who.board_silenced(thread.board_id), who.ids(*excluded))


def _status_audience(thread, post, board, excluded) -> Audience | None:
    if not _visible(thread):
        return None
    return (who.any_of(who.voters(thread.id), who.followers(thread), who.editor_representatives(thread.board)),
            who.silenced(thread))


def _merged_audience(thread, post, board, excluded) -> Audience | None:
    return (who.voters(thread.id), who.silenced(thread)) if thread is not None else None


def _livrable_audience(thread, post, board, excluded) -> Audience | None:
    return (who.editor_representatives(board), None) if board is not None else None


def _report_audience(thread, post, board, excluded) -> Audience | None:
    """Moderators read hidden content: no visibility condition."""
    return (who.moderators_of(board.id), None) if board is not None else None


# kind → its audience from the event's thread, post, board and excluded ids (None: tell no one).
AUDIENCES: dict[str, Callable[..., Audience | None]] = {
    "reply": _reply_audience, "new_thread": _new_thread_audience, "status": _status_audience,
    "merged": _merged_audience, "livrable": _livrable_audience, "report": _report_audience,
}
GROUPED = frozenset({"reply"})


def record(kind: str, *, actor_id: int | None, excluded: list[int] | None = None, data: dict[str, Any] | None = None,
           **targets: int | None) -> None:
    """An event with a possibly large audience: after the response in a web request, else now."""
    if has_request_context() and current_app.config.get("NOTIFY_AFTER_RESPONSE", True):
        db.session.add(NotificationEvent(kind=kind, actor_id=actor_id, excluded=excluded or None, data=data,
                                         created_at=utcnow(), **targets))
        db.session.info[PENDING_KEY] = True
        return
    expand(kind, actor_id, excluded or [], data, targets)


def expand(kind: str, actor_id: int | None, excluded: list[int], data: dict[str, Any] | None,
           targets: dict[str, int | None]) -> None:
    """Write the notifications of an event (set-based, see fan_out)."""
    thread = db.session.get(Thread, targets["thread_id"]) if targets.get("thread_id") else None
    post = db.session.get(Post, targets["post_id"]) if targets.get("post_id") else None
    board = db.session.get(Board, targets["board_id"]) if targets.get("board_id") else None
    audience = AUDIENCES[kind](thread, post, board, excluded)
    if audience is not None:
        recipients, exclude = audience
        fan_out(kind, recipients, actor_id=actor_id, exclude=exclude, data=data, group=kind in GROUPED,
                **{name: value for name, value in targets.items() if value is not None})


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
    record("new_thread", actor_id=thread.author_id, excluded=[m.user_id for m in mentions],
           board_id=thread.board_id, thread_id=thread.id, post_id=post.id)
    _mentioned(post, mentions)


def replied(post: Post, mentions: list[Mention]) -> None:
    """A reply: its author follows the thread; the thread's watchers are told (grouped per thread
    while unread), the members it names by a mention instead."""
    thread = post.thread
    follow_automatically(post.author_id, thread.id, "reply")
    if not _visible(thread, post):
        return
    record("reply", actor_id=post.author_id, excluded=[m.user_id for m in mentions],
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
    if _visible(thread):
        record("status", actor_id=actor.id, board_id=thread.board_id, thread_id=thread.id,
               data={"from": change.from_status, "to": change.to_status, "official": change.answer_by,
                     "version": change.version, "change_id": change.id})


def merged(merge: RequestMerge, source: Thread, target: Thread, actor: User) -> None:
    """A request merged into another: its voters are told where their vote went and now follow the
    target as voters do (call after the votes were copied)."""
    follows.follow_voters_of(source.id, target.id)
    record("merged", actor_id=actor.id, board_id=source.board_id, thread_id=source.id,
           data={"target_id": target.id, "target_title": target.title})


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
    record("livrable", actor_id=actor.id, board_id=livrable.board_id, livrable_id=livrable.id,
           data={"title": livrable.title, "count": request_count})


def post_reported(report: Report, post: Post, reporter: User) -> None:
    """Moderators of the board are told (they read hidden content: no visibility condition)."""
    record("report", actor_id=reporter.id, board_id=post.thread.board_id, thread_id=post.thread_id,
           post_id=post.id, report_id=report.id, data={"reason": report.reason})


def content_hidden(thread: Thread | None = None, post: Post | None = None) -> None:
    """Hidden or deleted content is no news any more: the unread notifications about it are retired
    for every member (read, their e-mail not sent), so no bell counts what its page would not show."""
    about = Notification.thread_id == thread.id if thread is not None else Notification.post_id == post.id
    db.session.execute(
        update(Notification).where(about, Notification.read_at.is_(None))
        .values(read_at=utcnow(), email_state=case((Notification.email_state.in_(("pending", "digest")), "skipped"),
                                                   else_=Notification.email_state))
        .execution_options(synchronize_session=False))
