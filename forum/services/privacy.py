"""Personal data (RGPD): a member downloads what the forum holds about them, or deletes their account.

Deleting keeps what the member wrote (the threads would lose their answers otherwise) but signs it
"Ancien membre" and erases everything that identifies them: email, name, password, structure,
region, presentation, declared software. Their votes leave the open requests (a departed member no
longer supports them); on closed requests they stay as history. Frozen livrables are snapshots and
are never touched.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import (
    CLOSED_STATUSES,
    Attachment,
    Draft,
    ModeratorScope,
    Post,
    Report,
    SoftwareUse,
    StatusChange,
    Thread,
    TipConfirmation,
    TipUseful,
    User,
    Vote,
)
from forum.models._time import utcnow
from forum.services import content_versions, indexing, ranking
from forum.services.errors import Conflict, ValidationError

EXPORT_FORMAT = "forum-donnees-personnelles/1"
FORMER_MEMBER = "Ancien membre"
WRONG_PASSWORD = "Mot de passe incorrect : votre compte n'a pas été supprimé."


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _public_title(thread: Thread | None) -> str | None:
    """Thread titles are public, except those of deleted threads (not the member's own)."""
    if thread is None or thread.deleted_at is not None:
        return None
    return thread.title


# --- export ---------------------------------------------------------------------------------------

def export_user_data(user: User) -> dict[str, Any]:
    """Everything the forum holds about `user`, JSON-serialisable (dates in ISO 8601, UTC).

    Other people appear only through public thread titles: no names of repliers, voters or of
    the moderators who edited a post or handled a report.
    """
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(utcnow()),
        "profile": _profile(user),
        "structure": _structure(user),
        "software": [{"board": use.board.slug, "software": use.board.name, "version": use.version,
                      "declared_at": _iso(use.created_at)} for use in user.software],
        "threads": _threads(user),
        "posts": _posts(user),
        "votes": _votes(user),
        "tip_marks": _tip_marks(user),
        "tip_confirmations": _tip_confirmations(user),
        "status_notes": _status_notes(user),
        "reports": _reports(user),
        "drafts": [{"thread_id": d.thread_id, "board_id": d.board_id, "title": d.title, "body_markdown": d.body,
                    "updated_at": _iso(d.updated_at)}
                   for d in db.session.scalars(select(Draft).where(Draft.user_id == user.id).order_by(Draft.id))],
        "files": _files(user),
    }


def _files(user: User) -> list[dict[str, Any]]:
    """The files the member uploaded (to posts or the document base), with where to download them."""
    return [{"name": a.safe_name, "type": a.mime, "size": a.size, "uploaded_at": _iso(a.created_at),
             "post_id": a.post_id, "description": a.alt, "removed": a.removed_at is not None or a.deleted_at is not None,
             "path": f"/fichiers/{a.key}/{a.safe_name}"}
            for a in db.session.scalars(select(Attachment).where(Attachment.uploader_id == user.id).order_by(Attachment.id))]


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "profession": user.profession, "profession_label": user.profession_label, "region": user.region,
        "bio": user.bio, "role": user.role, "editor": user.editor.name if user.editor else None,
        "created_at": _iso(user.created_at), "post_count": user.post_count,
        "suspended_until": _iso(user.suspended_until), "suspension_reason": user.suspension_reason,
        "deleted_at": _iso(user.deleted_at),
    }


def _structure(user: User) -> dict[str, Any] | None:
    structure = user.structure
    if structure is None:
        return None
    return {"name": structure.name, "kind": structure.kind, "kind_label": structure.kind_label,
            "region": structure.region}


def _threads(user: User) -> list[dict[str, Any]]:
    threads = db.session.scalars(select(Thread).where(Thread.author_id == user.id).order_by(Thread.id))
    return [{"id": t.id, "board": t.board.slug, "kind": t.kind, "title": t.title, "status": t.status,
             "software_version": t.software_version, "created_at": _iso(t.created_at),
             "deleted_at": _iso(t.deleted_at)} for t in threads]


def _posts(user: User) -> list[dict[str, Any]]:
    """The member's posts with their Markdown source and every earlier version of it."""
    posts = db.session.scalars(
        select(Post).where(Post.author_id == user.id)
        .options(selectinload(Post.thread), selectinload(Post.revisions))
        .order_by(Post.id)
    )
    return [{
        "id": post.id, "thread_id": post.thread_id,
        "thread_title": post.thread.title if post.thread.author_id == user.id else _public_title(post.thread),
        "opening_post": post.is_first, "body_markdown": post.body_source,
        "created_at": _iso(post.created_at), "edited_at": _iso(post.edited_at),
        "deleted_at": _iso(post.deleted_at),
        "revisions": [{"title": rev.title, "body_markdown": rev.body_source, "replaced_at": _iso(rev.edited_at),
                       "by_moderator": rev.by_moderator} for rev in post.revisions],
    } for post in posts]


def _votes(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Vote, Thread).join(Thread, Thread.id == Vote.thread_id)
        .where(Vote.user_id == user.id).order_by(Vote.id))
    return [{"request_id": thread.id, "request_title": _public_title(thread), "importance": vote.importance,
             "request_status": thread.status, "created_at": _iso(vote.created_at),
             "updated_at": _iso(vote.updated_at)} for vote, thread in rows]


def _tip_marks(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(TipUseful, Thread).join(Thread, Thread.id == TipUseful.thread_id)
        .where(TipUseful.user_id == user.id).order_by(TipUseful.created_at))
    return [{"tip_id": thread.id, "tip_title": _public_title(thread), "created_at": _iso(mark.created_at)}
            for mark, thread in rows]


def _tip_confirmations(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(TipConfirmation, Thread).join(Thread, Thread.id == TipConfirmation.thread_id)
        .where(TipConfirmation.user_id == user.id).order_by(TipConfirmation.id))
    return [{"tip_id": thread.id, "tip_title": _public_title(thread), "version": confirmation.version,
             "created_at": _iso(confirmation.created_at)} for confirmation, thread in rows]


def _status_notes(user: User) -> list[dict[str, Any]]:
    """Status changes the member made (moderators, editor representatives), with their notes."""
    rows = db.session.execute(
        select(StatusChange, Thread).join(Thread, Thread.id == StatusChange.thread_id)
        .where(StatusChange.actor_id == user.id).order_by(StatusChange.id))
    return [{"request_id": thread.id, "request_title": _public_title(thread), "from_status": change.from_status,
             "to_status": change.to_status, "note_markdown": change.note, "version": change.version,
             "official_answer_by": change.answer_by, "created_at": _iso(change.created_at)}
            for change, thread in rows]


def _reports(user: User) -> list[dict[str, Any]]:
    """Reports the member filed: the reported post is named by id only (it is someone else's)."""
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))
    return [{"post_id": report.post_id, "reason": report.reason, "comment": report.comment,
             "created_at": _iso(report.created_at), "resolved_at": _iso(report.resolved_at)}
            for report in reports]


# --- deletion -------------------------------------------------------------------------------------

def deleted_email(user_id: int) -> str:
    """A unique address that can never receive mail (RFC 2606 `.invalid`), freeing the real one."""
    return f"supprime-{user_id}@invalid.invalid"


def delete_account(user: User, password: str | None) -> None:
    """Delete `user`'s account after checking their password; the caller commits and logs out.

    Raises ValidationError("password", …) on a wrong password (nothing is changed), Conflict for an
    account already deleted.
    """
    if user.deleted_at is not None:
        raise Conflict("Ce compte est déjà supprimé.")
    if not user.check_password(password or ""):
        raise ValidationError("password", WRONG_PASSWORD)
    voted = _remove_open_votes(user)
    _remove_tip_marks(user)
    _anonymise(user)
    db.session.flush()
    # Open requests lose the vote; closed ones keep it, now counted as an anonymous voter without
    # structure or declared software: their stored figures follow, so they stay equal to a recount.
    ranking.refresh_scores(voted)
    for thread_id in db.session.scalars(select(Thread.id).where(Thread.author_id == user.id)):
        indexing.enqueue_thread(thread_id)  # the index holds the author's name


def _remove_open_votes(user: User) -> list[int]:
    """Delete the votes on open requests; return every request the user voted on."""
    rows = db.session.execute(select(Vote.thread_id, Thread.status).join(Thread, Thread.id == Vote.thread_id)
                              .where(Vote.user_id == user.id)).all()
    open_ids = [thread_id for thread_id, status in rows if status not in CLOSED_STATUSES]
    if open_ids:
        db.session.execute(delete(Vote).where(Vote.user_id == user.id, Vote.thread_id.in_(open_ids)))
    return [thread_id for thread_id, _ in rows]


def _remove_tip_marks(user: User) -> None:
    """Delete the member's "utile" marks and recount those tips from the rows (in SQL)."""
    marked = list(db.session.scalars(select(TipUseful.thread_id).where(TipUseful.user_id == user.id)))
    if not marked:
        return
    db.session.execute(delete(TipUseful).where(TipUseful.user_id == user.id))
    count = select(func.count()).where(TipUseful.thread_id == Thread.id).scalar_subquery()
    db.session.execute(update(Thread).where(Thread.id.in_(marked)).values(useful_count=count),
                       execution_options={"synchronize_session": False})
    content_versions.bump_threads(marked)


def _anonymise(user: User) -> None:
    db.session.execute(delete(SoftwareUse).where(SoftwareUse.user_id == user.id))
    db.session.execute(delete(Draft).where(Draft.user_id == user.id))
    db.session.execute(delete(ModeratorScope).where(ModeratorScope.user_id == user.id))
    db.session.expire(user, ["software"])
    user.deleted_at = utcnow()
    user.email = deleted_email(user.id)
    user.display_name = FORMER_MEMBER
    user.password_hash = None
    user.profession = "autre"
    user.structure_id, user.structure = None, None
    user.region = None
    user.bio = None
    user.role, user.editor_id = "member", None
    user.suspended_until, user.suspension_reason = None, None
