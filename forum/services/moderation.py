"""Moderators' actions on threads and posts: pin, lock, move, change kind, hide and restore, edit,
delete, merge two threads. Each checks the moderator's scope through the policy, keeps the counters and
the search index in step, and writes one audit entry; the caller commits.

Reports live in services.reports, suspensions in services.suspensions.
"""
from __future__ import annotations

from sqlalchemy import exists, select, update

from forum.extensions import db
from forum.models import KINDS, Board, Post, RequestMerge, Thread, User, Vote
from forum.models._time import utcnow
from forum.services import audit, counters, file_lifecycle, posting, ranking
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.indexing import enqueue_thread
from forum.services.notify import events
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, require
from forum.services.text_hygiene import clean_text, has_visible_text

REASON_MAX_LENGTH = 1000
# The thread actions that are a simple switch, and what they record: action -> (attribute, value).
SWITCHES: dict[str, tuple[str, bool]] = {
    "pin": ("pinned", True), "unpin": ("pinned", False),
    "lock": ("locked", True), "unlock": ("locked", False),
}
SWITCH_ALREADY = {
    "pin": "Ce sujet est déjà épinglé.", "unpin": "Ce sujet n'est pas épinglé.",
    "lock": "Ce sujet est déjà verrouillé.", "unlock": "Ce sujet n'est pas verrouillé.",
}


def clean_reason(reason: str | None, *, required: bool = False, field: str = "reason",
                 missing: str = "Indiquez le motif : il est conservé dans le journal de modération.") -> str | None:
    """Validated reason of a moderation action. Raises ValidationError(field, …)."""
    reason = clean_text(reason, multiline=True)
    if not has_visible_text(reason):
        reason = ""
    if required and not reason:
        raise ValidationError(field, missing)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(field, f"Le motif ne doit pas dépasser {REASON_MAX_LENGTH} caractères "
                                     f"(il en a {len(reason)}).")
    check_no_patient_identifier(field, reason)
    return reason or None


def _require_moderator(actor: User, board: Board) -> None:
    require(actor, Action.MODERATE, board)


def _require_visible(thread: Thread) -> None:
    if thread.deleted_at is not None:
        raise Conflict("Ce sujet est masqué : restaurez-le avant cette action.")


def switch_thread(actor: User, thread: Thread, action: str, reason: str | None = None) -> None:
    """Pin, unpin, lock or unlock a visible thread. Raises PermissionDenied, Conflict (already in
    that state, hidden thread), ValidationError (reason too long), NotFound (unknown action)."""
    if action not in SWITCHES:
        raise NotFound("Cette action de modération n'existe pas.")
    _require_moderator(actor, thread.board)
    _require_visible(thread)
    reason = clean_reason(reason)
    attribute, value = SWITCHES[action]
    if getattr(thread, attribute) == value:
        raise Conflict(SWITCH_ALREADY[action])
    setattr(thread, attribute, value)
    db.session.flush()
    audit.record(actor, action, thread=thread, reason=reason)


def move_thread(actor: User, thread: Thread, target: Board, reason: str | None = None) -> None:
    """Move a thread to another board: the moderator must moderate both. Both boards' counters
    are recounted, a request's figures refreshed (which votes count depends on the board).
    Raises PermissionDenied, Conflict (hidden thread), ValidationError("board_id")."""
    _require_moderator(actor, thread.board)
    _require_visible(thread)
    if target.id == thread.board_id:
        raise ValidationError("board_id", "Le sujet est déjà sur ce forum : choisissez-en un autre.")
    _require_moderator(actor, target)
    reason = clean_reason(reason)
    source = thread.board
    thread.board_id = target.id
    db.session.flush()
    db.session.expire(thread, ["board"])
    for board_id in (source.id, target.id):
        counters.recount_board(board_id)
    if thread.kind == "request":
        ranking.refresh_request(thread.id)
    enqueue_thread(thread.id)
    audit.record(actor, "move", board=target, thread=thread, reason=reason,
                 from_board=source.name, to_board=target.name)


def change_kind(actor: User, thread: Thread, kind: str, reason: str | None = None,
                software_version: str | None = None) -> None:
    """Change a thread's kind (e.g. a question that is really an evolution request).

    To a request: status `nouvelle`, votes open. From a request: refused once it has votes
    (they would silently disappear from the ranking) or is a doublon or a merge target. From a
    question: its accepted answer is unmarked. A tip keeps its software version in the row
    (shown again if it becomes a tip again); to a tip, `software_version` replaces it when given.
    Raises PermissionDenied, Conflict (hidden thread), ValidationError("kind" / "software_version").
    """
    _require_moderator(actor, thread.board)
    _require_visible(thread)
    if kind not in KINDS:
        raise ValidationError("kind", "Choisissez le type de sujet : question, astuce ou demande d'évolution.")
    if kind == thread.kind:
        raise ValidationError("kind", f"Ce sujet est déjà de type « {KINDS[kind]} ».")
    if thread.kind == "request":
        _check_request_can_change(thread)
    reason = clean_reason(reason)
    version = posting.clean_version(software_version) if kind == "tip" else None
    previous = thread.kind
    thread.kind = kind
    if kind == "request":
        thread.status = "nouvelle"
    else:
        thread.status = None
    if previous == "question":
        thread.accepted_post_id = None
    if version:
        thread.software_version = version
    db.session.flush()
    if "request" in (kind, previous):
        ranking.refresh_request(thread.id)
        db.session.expire(thread, ["score", "vote_count", "uncounted_vote_count", "structure_count",
                                   "profession_count"])
    counters.recount_board(thread.board_id)
    enqueue_thread(thread.id)
    audit.record(actor, "change_kind", thread=thread, reason=reason, from_kind=KINDS[previous], to_kind=KINDS[kind])


def _check_request_can_change(thread: Thread) -> None:
    if thread.status == "doublon":
        raise ValidationError("kind", "Cette demande est un doublon fusionné dans une autre : son type ne change plus.")
    votes = db.session.scalar(select(exists().where(Vote.thread_id == thread.id)))
    if votes:
        raise ValidationError("kind", "Cette demande a déjà reçu des votes : elle ne peut plus changer de type "
                                      "(les votes seraient perdus). Fusionnez-la ou donnez-lui un statut.")
    if db.session.scalar(select(exists().where(RequestMerge.target_id == thread.id))):
        raise ValidationError("kind", "Des doublons ont été fusionnés dans cette demande : elle ne peut plus changer "
                                      "de type.")


def hide_thread(actor: User, thread: Thread, reason: str | None) -> None:
    """Hide a whole thread (soft delete with the moderator as deleter; it can be restored).
    Raises PermissionDenied, Conflict (already hidden), ValidationError("reason") without a reason."""
    _require_moderator(actor, thread.board)
    if thread.deleted_at is not None:
        raise Conflict("Ce sujet est déjà masqué.")
    reason = clean_reason(reason, required=True)
    thread.deleted_at, thread.deleted_by_id = utcnow(), actor.id
    db.session.flush()
    file_lifecycle.sync_thread_files(thread.id)
    events.content_hidden(thread)
    counters.recount_board(thread.board_id)
    enqueue_thread(thread.id)
    audit.record(actor, "hide_thread", thread=thread, reason=reason)


def restore_thread(actor: User, thread: Thread, reason: str | None = None) -> None:
    """Show a hidden thread again; its opening post too when it was hidden with it.
    Raises PermissionDenied, Conflict (not hidden, or merged into another thread)."""
    _require_moderator(actor, thread.board)
    if thread.deleted_at is None:
        raise Conflict("Ce sujet n'est pas masqué.")
    if thread.merged_into_id is not None and thread.kind != "request":
        raise Conflict("Ce sujet a été fusionné dans un autre : ses messages y sont, il ne peut pas être restauré.")
    reason = clean_reason(reason)
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first.is_(True)))
    if first is not None and first.deleted_at is not None and first.deleted_at == thread.deleted_at:
        posting.restore_post(actor, first)
    else:
        thread.deleted_at = thread.deleted_by_id = None
        db.session.flush()
        counters.recount_board(thread.board_id)
        enqueue_thread(thread.id)
    file_lifecycle.sync_thread_files(thread.id)
    audit.record(actor, "restore_thread", thread=thread, reason=reason)


def hide_post(actor: User, post: Post, reason: str | None) -> None:
    """Hide a post ("Message supprimé" for members; moderators still read it). Hiding an opening
    post hides its thread (posting.delete_post). Raises PermissionDenied, Conflict (already
    hidden), ValidationError("reason") without a reason."""
    _require_moderator(actor, post.thread.board)
    if post.deleted_at is not None:
        raise Conflict("Ce message est déjà masqué.")
    reason = clean_reason(reason, required=True)
    posting.delete_post(actor, post)
    file_lifecycle.sync_thread_files(post.thread_id)
    audit.record(actor, "hide_post", post=post, reason=reason, first_post=post.is_first)


def restore_post(actor: User, post: Post, reason: str | None = None) -> None:
    """Show a hidden post again. Raises PermissionDenied, Conflict (not hidden)."""
    require(actor, Action.RESTORE_POST, post)
    if post.deleted_at is None:
        raise Conflict("Ce message n'est pas masqué.")
    reason = clean_reason(reason)
    posting.restore_post(actor, post)
    file_lifecycle.sync_thread_files(post.thread_id)
    audit.record(actor, "restore_post", post=post, reason=reason)


def edit_post(actor: User, post: Post, body: str, title: str | None = None, reason: str | None = None,
              files_changed: bool = False) -> Post:
    """A moderator edits any post of its boards; the revision is marked as a moderator's.
    Raises PermissionDenied, NotFound (hidden post), ValidationError (body, title, reason)."""
    _require_moderator(actor, post.thread.board)
    reason = clean_reason(reason)
    before = post.revision_count
    posting.edit_post(actor, post, body, title=title, files_changed=files_changed)
    if post.revision_count != before:
        audit.record(actor, "edit_post", post=post, reason=reason)
    return post


def edit_post_as(actor: User, post: Post, body: str, title: str | None = None, files_changed: bool = False) -> Post:
    """The post's « Modifier » page: its author edits through posting; a moderator editing someone
    else's post goes through `edit_post`, journaled. The title only counts for an opening post."""
    title = title if post.is_first else None
    if post.author_id == actor.id:
        return posting.edit_post(actor, post, body, title=title, files_changed=files_changed)
    return edit_post(actor, post, body, title=title, files_changed=files_changed)


def delete_post(actor: User, post: Post, reason: str | None = None) -> None:
    """The post's « Supprimer » button: its author withdraws it (posting.delete_post); a moderator
    deleting someone else's post (policy: Action.DELETE_POST) is journaled, like a moderator's edit.
    Raises PermissionDenied, NotFound (already deleted), ValidationError("reason")."""
    reason = clean_reason(reason)
    posting.delete_post(actor, post)
    file_lifecycle.sync_thread_files(post.thread_id)
    if post.author_id != actor.id:
        audit.record(actor, "delete_post", post=post, reason=reason, first_post=post.is_first)


def check_merge_threads(actor: User, source: Thread, target: Thread, reason: str | None = None) -> str | None:
    """Read-only, also for the confirmation step: the cleaned reason, or the error merge_threads
    would raise (PermissionDenied, ValidationError("target_id"))."""
    _require_moderator(actor, source.board)
    _require_visible(source)
    if source.kind == "request" or target.kind == "request":
        raise ValidationError("target_id", "Les demandes d'évolution se fusionnent depuis la demande elle-même "
                                           "(« Fusionner cette demande ») : leurs votes doivent suivre.")
    if target.id == source.id:
        raise ValidationError("target_id", "Un sujet ne peut pas être fusionné avec lui-même.")
    if target.deleted_at is not None:
        raise ValidationError("target_id", "Le sujet cible est masqué ou a été fusionné : choisissez un sujet visible.")
    if source.board_id != target.board_id:
        _require_moderator(actor, target.board)
    return clean_reason(reason)


def merge_threads(actor: User, source: Thread, target: Thread, reason: str | None = None) -> int:
    """Merge `source` into `target` (two questions or tips, not requests: see services.merges).

    Every post of the source moves to the target, the opening post becoming a reply; the target
    lists posts by id, i.e. in the order they were written, so both conversations interleave in
    date order. The source stays as a hidden pointer (deleted, merged_into_id = target): its
    old address redirects to the target. Returns the number of posts moved. Raises
    PermissionDenied (the moderator must moderate both boards), ValidationError("target_id").
    """
    reason = check_merge_threads(actor, source, target, reason)
    moved = db.session.execute(update(Post).where(Post.thread_id == source.id)
                               .values(thread_id=target.id, is_first=False)).rowcount
    source.deleted_at, source.deleted_by_id = utcnow(), actor.id
    source.merged_into_id, source.accepted_post_id, source.pinned = target.id, None, False
    db.session.flush()
    for thread in (source, target):
        counters.recount_thread(thread.id)
        db.session.expire(thread, ["reply_count", "last_activity_at", "last_author_id"])
        enqueue_thread(thread.id)
    for board_id in {source.board_id, target.board_id}:
        counters.recount_board(board_id)
    audit.record(actor, "merge_threads", thread=target, reason=reason, source_id=source.id,
                 source_title=source.title, posts_moved=moved)
    return moved
