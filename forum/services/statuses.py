"""The lifecycle of a request: status changes with their history and official answers.

An official answer may also come without a status change (answer_officially), under the same rule.
Moderators set any status; the board's editor representative only `planifiee`, `livree`,
`deja_possible` and `refusee`, on its own editor's boards (policy.can_set_status). `doublon` is set
only by a merge (services.merges), so its votes always move with it.
"""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import STATUSES, StatusChange, Thread, User
from forum.models._time import utcnow
from forum.services import audit
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.indexing import enqueue_thread
from forum.services.notify import events
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, can_set_status, is_board_editor, require, require_status
from forum.services.posting import clean_version
from forum.services.text_hygiene import clean_text, has_visible_text

NOTE_MAX_LENGTH = 10_000
# What a status needs besides itself: (field, message when missing).
REQUIRED: dict[str, tuple[str, str]] = {
    "livree": ("version", "Indiquez la version dans laquelle la demande est livrée."),
    "deja_possible": ("note", "Expliquez comment faire aujourd'hui avec le logiciel."),
    "refusee": ("note", "Indiquez la raison du refus : elle sera montrée aux membres."),
}


def allowed_statuses(actor: User | None, thread: Thread) -> list[str]:
    """The statuses `actor` may give `thread` now (for the status form)."""
    if thread.kind != "request" or thread.status == "doublon":
        return []
    return [s for s in STATUSES if s != "doublon" and can_set_status(actor, thread, s)]


def clean_note(note: str | None) -> str | None:
    """The note of a status change, None when nothing visible. Raises ValidationError("note", …)."""
    note = clean_text(note, multiline=True)
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError("note", f"La note ne doit pas dépasser {NOTE_MAX_LENGTH} caractères.")
    check_no_patient_identifier("note", note)
    return note if has_visible_text(note) else None


def set_status(actor: User, thread: Thread, status: str, note: str | None = None, version: str | None = None,
               official: bool = False) -> StatusChange:
    """Move a request to `status`, recording who, when, from, to, note and version.

    official=True makes the note an official answer, from the editor when `actor` represents the
    board's editor, else from the federation. Raises PermissionDenied (not a moderator nor this
    board's editor, or a status the editor may not set), Conflict (not a request, or a doublon),
    ValidationError (unknown status, `doublon`, missing version/explanation/reason, bad note).
    """
    if thread.deleted_at is not None:
        raise NotFound("Cette demande a été supprimée.")
    require(actor, Action.SET_STATUS, thread)
    if thread.kind != "request":
        raise Conflict("Seules les demandes d'évolution ont un statut.")
    if status not in STATUSES:
        raise ValidationError("status", "Choisissez un statut dans la liste.")
    if status == "doublon":
        raise ValidationError("status", "Pour marquer une demande comme doublon, fusionnez-la avec la demande "
                                        "d'origine : ses votes y seront reportés.")
    require_status(actor, thread, status)
    if thread.status == "doublon":
        raise Conflict("Cette demande a été fusionnée dans une autre : son statut ne change plus.")
    note, version = clean_note(note), clean_version(version, field="version")
    if status in REQUIRED:
        field, message = REQUIRED[status]
        if not {"note": note, "version": version}[field]:
            raise ValidationError(field, message)
    if official and not note:
        raise ValidationError("note", "Une réponse officielle doit contenir un texte.")
    if status == thread.status and not note and version in (None, thread_version(thread)):
        raise ValidationError("status", "La demande a déjà ce statut : ajoutez une note ou choisissez un autre statut.")
    return _record(actor, thread, status, note, version, official)


def answer_officially(actor: User, thread: Thread, note: str | None) -> StatusChange:
    """Give an official answer without changing the status (« nous l'étudions »): a StatusChange from
    and to the current status, answered by the editor when `actor` represents the board's editor,
    else by the federation; voters and followers are told as for a status change.

    Raises NotFound (deleted request), PermissionDenied (not a moderator of the board nor its
    editor), Conflict (not a request, or merged into another), ValidationError("note", …) (empty
    or bad note).
    """
    if thread.deleted_at is not None:
        raise NotFound("Cette demande a été supprimée.")
    require(actor, Action.SET_STATUS, thread)
    if thread.kind != "request":
        raise Conflict("Seules les demandes d'évolution reçoivent une réponse officielle.")
    if thread.status == "doublon":
        raise Conflict("Cette demande a été fusionnée dans une autre : répondez sur la demande d'origine.")
    note = clean_note(note)
    if not note:
        raise ValidationError("note", "Écrivez le texte de la réponse officielle.")
    return _record(actor, thread, thread.status, note, None, official=True)


def _record(actor: User, thread: Thread, status: str, note: str | None, version: str | None,
            official: bool) -> StatusChange:
    """Add the StatusChange, move the request, tell its followers, reindex it and write the journal."""
    change = StatusChange(
        thread_id=thread.id, actor_id=actor.id, from_status=thread.status, to_status=status, note=note,
        note_html=render_markdown(note) if note else None, version=version, created_at=utcnow(),
        answer_by=("editor" if is_board_editor(actor, thread.board) else "federation") if official else None)
    db.session.add(change)
    thread.status = status
    db.session.flush()
    events.status_changed(change, thread, actor)
    enqueue_thread(thread.id)
    audit.record(actor, "set_status", thread=thread, reason=note, from_status=STATUSES.get(change.from_status or ""),
                 to_status=STATUSES[status], version=version, official=official)
    return change


def thread_version(thread: Thread) -> str | None:
    """The target or delivery version last given to the request."""
    return db.session.scalar(select(StatusChange.version).where(
        StatusChange.thread_id == thread.id, StatusChange.version.is_not(None))
        .order_by(StatusChange.id.desc()).limit(1))


def history(thread: Thread) -> list[StatusChange]:
    """The status timeline of a request, oldest first (actors loaded with it)."""
    return list(db.session.scalars(select(StatusChange).where(StatusChange.thread_id == thread.id)
                                   .order_by(StatusChange.id)))
