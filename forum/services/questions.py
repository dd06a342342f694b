"""Questions: one reply accepted as the solution, by the author, a moderator or the board's
editor representative."""
from __future__ import annotations

from forum.extensions import db
from forum.models import Post, Thread, User
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.indexing import enqueue_thread
from forum.services.notify import events
from forum.services.policy import Action, require


def _check(actor: User, thread: Thread) -> None:
    if thread.deleted_at is not None:
        raise NotFound("Ce sujet a été supprimé.")
    if thread.kind != "question":
        raise Conflict("Seules les questions peuvent avoir une solution acceptée.")
    require(actor, Action.ACCEPT_ANSWER, thread)


def accept_answer(actor: User, thread: Thread, post: Post) -> None:
    """Mark `post` as the solution of `thread` (replaces a previous one). Raises PermissionDenied,
    Conflict (not a question), ValidationError (not a visible reply of this thread)."""
    _check(actor, thread)
    if post.thread_id != thread.id or post.is_first or post.deleted_at is not None:
        raise ValidationError("post", "Seule une réponse visible de ce sujet peut être acceptée comme solution.")
    already = thread.accepted_post_id == post.id
    thread.accepted_post_id = post.id
    db.session.flush()
    if not already:
        events.answer_accepted(thread, post, actor)
    enqueue_thread(thread.id)


def unaccept_answer(actor: User, thread: Thread) -> None:
    """Remove the accepted solution (the question is open again)."""
    _check(actor, thread)
    thread.accepted_post_id = None
    db.session.flush()
    enqueue_thread(thread.id)
