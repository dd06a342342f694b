"""The audit log: one AuditEntry per moderation or status action (who, what, when, why), and the
filtered, paginated listing of the journal page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import AuditEntry, Board, Post, Thread, User
from forum.models._time import utcnow
from forum.services.policy import Action, moderated_board_ids, require

PER_PAGE = 50
PARIS = ZoneInfo("Europe/Paris")

# French label of each action, for the journal (and the list of its filter).
ACTION_LABELS: dict[str, str] = {
    "pin": "Sujet épinglé",
    "unpin": "Sujet désépinglé",
    "lock": "Sujet verrouillé",
    "unlock": "Sujet déverrouillé",
    "move": "Sujet déplacé",
    "change_kind": "Type de sujet changé",
    "hide_thread": "Sujet masqué",
    "restore_thread": "Sujet restauré",
    "hide_post": "Message masqué",
    "restore_post": "Message restauré",
    "edit_post": "Message modifié par un modérateur",
    "delete_post": "Message supprimé par un modérateur",
    "merge_threads": "Sujets fusionnés",
    "suspend": "Membre suspendu",
    "unsuspend": "Suspension levée",
    "resolve_report": "Signalement traité",
    "set_status": "Statut de demande changé",
    "set_target": "Échéance de demande donnée ou changée",
    "set_label": "Label du forum modifié",
    "merge_requests": "Demandes fusionnées (doublon)",
    "set_scope": "Périmètre de modérateur changé",
    "letter_intro": "Introduction de la lettre du club modifiée",
}


def record(actor: User | None, action: str, *, board: Board | None = None, thread: Thread | None = None,
           post: Post | None = None, target_user: User | None = None, reason: str | None = None,
           **details: Any) -> AuditEntry:
    """Add one entry in the caller's transaction (flushed, never committed).

    The board and thread default to those of `post`/`thread`, so every entry can be filtered by
    board. `details` must be JSON values (ids, slugs, labels), shown on the journal page.
    """
    if thread is None and post is not None:
        thread = post.thread
    if board is None and thread is not None:
        board = thread.board
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action,
                       board_id=board.id if board else None, thread_id=thread.id if thread else None,
                       post_id=post.id if post else None, target_user_id=target_user.id if target_user else None,
                       reason=(reason or "").strip() or None, details=details, created_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilters:
    """What the journal page may filter on; unknown values are ignored (they come from URLs)."""

    action: str | None = None
    actor_id: int | None = None
    board_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int
    boards: dict[int, Board] = field(default_factory=dict)
    threads: dict[int, Thread] = field(default_factory=dict)


def _paris_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(ZoneInfo("UTC"))


def list_entries(viewer: User | None, filters: AuditFilters, page: int = 1) -> AuditPage:
    """One page of the journal, newest first. Scoped moderators see only their boards' entries.

    Actors and target users come with the entries, boards and threads in one query each: four
    statements whatever the page size. Raises PermissionDenied for non-moderators."""
    require(viewer, Action.VIEW_MODERATION)
    conditions = []
    scope = moderated_board_ids(viewer)
    if scope is not None:
        conditions.append(AuditEntry.board_id.in_(scope))
    if filters.action in ACTION_LABELS:
        conditions.append(AuditEntry.action == filters.action)
    if filters.actor_id:
        conditions.append(AuditEntry.actor_id == filters.actor_id)
    if filters.board_id:
        conditions.append(AuditEntry.board_id == filters.board_id)
    if filters.since:
        conditions.append(AuditEntry.created_at >= _paris_midnight_utc(filters.since))
    if filters.until:
        conditions.append(AuditEntry.created_at < _paris_midnight_utc(filters.until + timedelta(days=1)))
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    entries = list(db.session.scalars(
        select(AuditEntry).where(*conditions)
        .options(joinedload(AuditEntry.actor), joinedload(AuditEntry.target_user)).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    result = AuditPage(entries=entries, page=page, pages=pages, total=total)
    board_ids = {e.board_id for e in entries if e.board_id}
    thread_ids = {e.thread_id for e in entries if e.thread_id}
    if board_ids:
        result.boards = {b.id: b for b in db.session.scalars(select(Board).where(Board.id.in_(board_ids)))}
    if thread_ids:
        result.threads = {t.id: t for t in db.session.scalars(
            select(Thread).where(Thread.id.in_(thread_ids)))}
    return result


def actors(viewer: User) -> list[User]:
    """The users who appear as actors in the journal, for the actor filter."""
    query = select(User).where(User.id.in_(select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None))))
    return list(db.session.scalars(query.order_by(User.display_name)))
