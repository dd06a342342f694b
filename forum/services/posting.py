"""Writing: new threads, replies, edits with revisions, soft delete and restore.

Every function validates, checks permissions through the policy, flushes, keeps the counters and
queues the search-index update; the caller (a view or a command) commits.
"""
from __future__ import annotations

from flask import current_app

from forum.extensions import db
from forum.models import KINDS, Board, Post, PostRevision, Thread, User
from forum.models._time import utcnow
from forum.services import attachments, counters, submissions, votes
from forum.services.errors import NotFound, ValidationError
from forum.services.indexing import enqueue_thread
from forum.services.notify import events
from forum.services.notify.mentions import find_mentions, render_with_mentions
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can, require
from forum.services.text_hygiene import clean_text, has_visible_text, visible_length

VERSION_MAX_LENGTH = 40
TITLE_MIN_LENGTH = 5  # visible characters: spaces and invisible characters do not count


def clean_title(title: str | None) -> str:
    """Validated title (one line, no control nor bidi character, at least 5 visible characters):
    raises ValidationError("title", …)."""
    title = clean_text(title, multiline=False)
    limit = current_app.config["TITLE_MAX_LENGTH"]
    if visible_length(title, stop_at=TITLE_MIN_LENGTH) < TITLE_MIN_LENGTH:
        raise ValidationError("title", f"Le titre doit contenir au moins {TITLE_MIN_LENGTH} caractères visibles.")
    if len(title) > limit:
        raise ValidationError("title", f"Le titre ne doit pas dépasser {limit} caractères (il en a {len(title)}).")
    check_no_patient_identifier("title", title)
    return title


def clean_body(body: str | None) -> str:
    """Validated Markdown source (no control character, "\n" newlines, something visible):
    raises ValidationError("body", …)."""
    body = clean_text(body, multiline=True)
    limit = current_app.config["BODY_MAX_LENGTH"]
    if not has_visible_text(body):
        raise ValidationError("body", "Le message ne peut pas être vide.")
    if len(body) > limit:
        raise ValidationError("body", f"Le message ne doit pas dépasser {limit:,} caractères (il en a {len(body):,})."
                              .replace(",", "\u202f"))
    check_no_patient_identifier("body", body)
    return body


def clean_version(version: str | None, field: str = "software_version") -> str | None:
    """A software version as shown publicly (tip, confirmation, status, declared software): one line,
    None when nothing visible. Raises ValidationError(field, …) when too long or holding a NIR."""
    version = clean_text(version, multiline=False)
    if len(version) > VERSION_MAX_LENGTH:
        raise ValidationError(field, f"La version ne doit pas dépasser {VERSION_MAX_LENGTH} caractères.")
    check_no_patient_identifier(field, version)
    return version if has_visible_text(version) else None


def create_thread(author: User, board: Board, kind: str, title: str, body: str,
                  software_version: str | None = None, submission_key: str | None = None,
                  author_vote: bool = True) -> Thread:
    """Open a thread with its first post (a request with its author's vote « utile » when they may
    vote, unless author_vote=False). Raises ValidationError, PermissionDenied, and
    submissions.AlreadySubmitted when the form with `submission_key` was already sent."""
    require(author, Action.CREATE_THREAD, board)
    if kind not in KINDS:
        raise ValidationError("kind", "Choisissez le type de sujet : question, astuce ou demande d'évolution.")
    title, body = clean_title(title), clean_body(body)
    version = clean_version(software_version) if kind == "tip" else None
    submission = submissions.claim(author, submission_key)
    now = utcnow()
    thread = Thread(board_id=board.id, author_id=author.id, kind=kind, title=title,
                    status="nouvelle" if kind == "request" else None, software_version=version,
                    created_at=now, last_activity_at=now, last_author_id=author.id)
    db.session.add(thread)
    db.session.flush()
    body_html, mentions = render_with_mentions(body)
    post = Post(thread_id=thread.id, author_id=author.id, is_first=True, body_source=body,
                body_html=body_html, created_at=now)
    db.session.add(post)
    db.session.flush()
    submissions.attach(submission, post)
    counters.bump_on_new_post(thread, post, new_thread=True)
    events.thread_created(thread, post, mentions)
    if author_vote and kind == "request" and votes.vote_refusal(author, thread) is None:
        votes.cast_vote(author, thread)  # the author supports their own request by default (« utile »)
    enqueue_thread(thread.id)
    return thread


def reply(author: User, thread: Thread, body: str, submission_key: str | None = None) -> Post:
    """Add a reply. Raises NotFound (deleted thread), Conflict (locked), ValidationError, and
    submissions.AlreadySubmitted when the form with `submission_key` was already sent."""
    if thread.deleted_at is not None:
        raise NotFound("Ce sujet a été supprimé.")
    require(author, Action.REPLY, thread)
    body = clean_body(body)
    submission = submissions.claim(author, submission_key)
    body_html, mentions = render_with_mentions(body)
    post = Post(thread_id=thread.id, author_id=author.id, body_source=body, body_html=body_html,
                created_at=utcnow())
    db.session.add(post)
    db.session.flush()
    submissions.attach(submission, post)
    counters.bump_on_new_post(thread, post, new_thread=False)
    events.replied(post, mentions)
    enqueue_thread(thread.id)
    return post


def edit_post(actor: User, post: Post, body: str, title: str | None = None, files_changed: bool = False) -> Post:
    """Change a post (and the thread title for an opening post), keeping the previous text and files
    as a revision (also when only its files change: `files_changed`). Raises PermissionDenied,
    NotFound (deleted post), ValidationError."""
    require(actor, Action.EDIT_POST, post)
    if post.deleted_at is not None:
        raise NotFound("Ce message a été supprimé.")
    body = clean_body(body)
    thread = post.thread
    new_title = clean_title(title) if post.is_first and title is not None else None
    title_changed = new_title is not None and new_title != thread.title
    if body == post.body_source and not title_changed and not files_changed:
        return post
    now = utcnow()
    revision = PostRevision(post_id=post.id, title=thread.title if post.is_first else None,
                            body_source=post.body_source, edited_by_id=actor.id, edited_at=now,
                            by_moderator=actor.id != post.author_id)
    db.session.add(revision)
    db.session.flush()
    attachments.record_revision_files(revision.id, post.id)
    mentioned_before = find_mentions(post.body_source)
    post.body_source = body
    post.body_html, mentions = render_with_mentions(body)
    post.edited_at = now
    post.revision_count += 1
    if title_changed:
        thread.title = new_title
    db.session.flush()
    events.edited(post, mentions, mentioned_before)
    enqueue_thread(thread.id)
    return post


def delete_post(actor: User, post: Post) -> None:
    """Soft-delete a post. Deleting the opening post deletes the thread when it has no visible
    reply, or when a moderator does it; otherwise the opening post alone is withdrawn.
    Raises PermissionDenied, NotFound (already deleted)."""
    require(actor, Action.DELETE_POST, post)
    if post.deleted_at is not None:
        raise NotFound("Ce message est déjà supprimé.")
    thread = post.thread
    now = utcnow()
    post.deleted_at, post.deleted_by_id = now, actor.id
    if post.is_first and (thread.reply_count == 0 or can(actor, Action.MODERATE, thread)):
        thread.deleted_at, thread.deleted_by_id = now, actor.id
    events.content_hidden(thread if thread.deleted_at is not None else None, post)
    _recount_after(thread, post)


def restore_post(actor: User, post: Post) -> None:
    """Undo a soft delete (moderators). Restoring an opening post restores its thread too."""
    require(actor, Action.RESTORE_POST, post)
    thread = post.thread
    post.deleted_at = post.deleted_by_id = None
    if post.is_first and thread.deleted_at is not None:
        thread.deleted_at = thread.deleted_by_id = None
    _recount_after(thread, post)


def _recount_after(thread: Thread, post: Post) -> None:
    db.session.flush()
    counters.recount_thread(thread.id)
    counters.recount_board(thread.board_id)
    if post.author_id is not None:
        counters.recount_user(post.author_id)
    db.session.expire(thread)
    enqueue_thread(thread.id)
