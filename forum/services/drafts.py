"""Drafts: save (one upsert), load and discard what a member is writing, and drop a reply draft
whose thread can no longer receive it."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, select

from forum.db_upsert import upsert_insert
from forum.extensions import db
from forum.models import KINDS, Board, Draft, Thread, User
from forum.models._time import utcnow
from forum.services.errors import ValidationError
from forum.services.policy import Action, can

TITLE_KEEP = 300      # a draft keeps what was typed, even beyond the title's limit (checked at publishing)
VERSION_KEEP = 60
STALE_LOCKED = "Votre brouillon de réponse a été supprimé : ce sujet est verrouillé."
STALE_GONE = "Votre brouillon de réponse a été supprimé : ce sujet n'est plus disponible."

Place = Thread | Board


def place_key(place: Place) -> str:
    """How a draft names its place: "t<id>" for a reply to a thread, "b<id>" for a new thread."""
    return _key(place)["place"]


def reply_place(thread_id: int) -> str:
    """place_key of a reply to the thread `thread_id`, without the Thread."""
    return f"t{thread_id}"


def _key(place: Place) -> dict:
    if isinstance(place, Thread):
        return {"place": reply_place(place.id), "thread_id": place.id, "board_id": None}
    return {"place": f"b{place.id}", "thread_id": None, "board_id": place.id}


def load(user: User, place: Place) -> Draft | None:
    """The member's draft for a thread (reply) or a board (new thread), or None."""
    return db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.place == _key(place)["place"]))


def discard(user: User, place: Place) -> bool:
    """Delete the member's draft for that place; True when there was one."""
    result = db.session.execute(delete(Draft).where(Draft.user_id == user.id, Draft.place == _key(place)["place"])
                                .execution_options(synchronize_session=False))
    return bool(result.rowcount)


def save(user: User, place: Place, body: str | None, *, title: str | None = None, kind: str | None = None,
         software_version: str | None = None) -> Draft | None:
    """Keep the text (one INSERT … ON CONFLICT UPDATE); an empty text (and title) discards the draft.
    Raises ValidationError("body") beyond BODY_MAX_LENGTH, like a post."""
    body = body or ""
    limit = current_app.config["BODY_MAX_LENGTH"]
    if len(body) > limit:
        raise ValidationError("body", f"Le message ne doit pas dépasser {limit} caractères.")
    if isinstance(place, Board):
        title = (title or "").strip()[:TITLE_KEEP] or None
        kind = kind if kind in KINDS else None
        software_version = (software_version or "").strip()[:VERSION_KEEP] or None
    else:
        title = kind = software_version = None
    if not body.strip() and not title:
        discard(user, place)
        return None
    values = {"title": title, "kind": kind, "software_version": software_version, "body": body,
              "updated_at": utcnow()}
    statement = upsert_insert(Draft.__table__).values(user_id=user.id, **_key(place), **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["user_id", "place"], set_=values))
    db.session.flush()
    draft = load(user, place)
    if draft is not None:
        db.session.refresh(draft)
    return draft


def stale_reason(user: User, thread: Thread) -> str | None:
    """Why a reply draft for `thread` can no longer be sent (deleted, unreadable, locked), or None."""
    if thread.deleted_at is not None and not can(user, Action.READ_HIDDEN, thread):
        return STALE_GONE
    if thread.locked and not can(user, Action.REPLY, thread):
        return STALE_LOCKED
    return None


def load_reply(user: User, thread: Thread) -> tuple[Draft | None, str | None]:
    """The member's reply draft for `thread` and None, or (None, notice) when the draft was stale
    and has been discarded (the caller commits)."""
    draft = load(user, thread)
    if draft is None:
        return None, None
    reason = stale_reason(user, thread)
    if reason is None:
        return draft, None
    discard(user, thread)
    return None, reason
