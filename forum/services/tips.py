"""Tips (astuces): peers mark them "utile" (one mark per member, can undo) and confirm that they
still work in a given version of the software."""
from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Thread, TipConfirmation, TipUseful, User
from forum.models._time import utcnow
from forum.services import content_versions
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.notify import events
from forum.services.policy import Action, require
from forum.services.posting import clean_version


def _check_tip(user: User | None, thread: Thread, action: Action) -> None:
    if thread.deleted_at is not None:
        raise NotFound("Cette astuce a été supprimée.")
    if thread.kind != "tip":
        raise Conflict("Cette action ne concerne que les astuces.")
    require(user, action, thread)


def has_marked_useful(user: User | None, thread: Thread) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return db.session.get(TipUseful, (thread.id, user.id)) is not None


def mark_useful(user: User, thread: Thread) -> None:
    """Mark a tip "utile" (idempotent: a second mark changes nothing). Raises Conflict for a
    thread that is not a tip or for one's own tip (policy), NotFound for a deleted tip,
    PermissionDenied for a suspended member."""
    _check_tip(user, thread, Action.MARK_TIP_USEFUL)
    if not has_marked_useful(user, thread):
        try:
            with db.session.begin_nested():
                db.session.add(TipUseful(thread_id=thread.id, user_id=user.id, created_at=utcnow()))
        except IntegrityError:  # a concurrent click already marked it
            pass
        else:
            events.tip_marked_useful(thread, user)
    _recount(thread)


def unmark_useful(user: User, thread: Thread) -> None:
    """Take back one's "utile" mark (no-op without one)."""
    _check_tip(user, thread, Action.MARK_TIP_USEFUL)
    db.session.execute(delete(TipUseful).where(TipUseful.thread_id == thread.id, TipUseful.user_id == user.id))
    _recount(thread)


def _recount(thread: Thread) -> None:
    """useful_count from the rows, in SQL, so concurrent marks never lose an update."""
    count = select(func.count()).where(TipUseful.thread_id == thread.id).scalar_subquery()
    db.session.execute(update(Thread).where(Thread.id == thread.id).values(useful_count=count))
    db.session.expire(thread, ["useful_count"])
    content_versions.bump_threads([thread.id])


def confirm_tip(user: User, thread: Thread, version: str | None) -> TipConfirmation:
    """Record "fonctionne toujours en version X". Raises ValidationError("version", …) without a
    version, Conflict for a thread that is not a tip."""
    _check_tip(user, thread, Action.CONFIRM_TIP)
    version = clean_version(version, field="version")
    if not version:
        raise ValidationError("version", "Indiquez la version du logiciel dans laquelle l'astuce fonctionne.")
    confirmation = TipConfirmation(thread_id=thread.id, user_id=user.id, version=version, created_at=utcnow())
    db.session.add(confirmation)
    db.session.flush()
    return confirmation


def confirmations(thread: Thread, limit: int = 20) -> list[TipConfirmation]:
    """The latest confirmations of a tip, newest first (users loaded with them)."""
    return list(db.session.scalars(select(TipConfirmation).where(TipConfirmation.thread_id == thread.id)
                                   .order_by(TipConfirmation.id.desc()).limit(limit)))
