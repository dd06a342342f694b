"""Editors' commitments on planned requests: giving a request its target (a version and/or a month or
quarter) and changing it later as a recorded slip (from, to, who, when, why).

Each target is one RequestTarget row (the first is the commitment, each later one a slip pointing at
the row it replaces, with a reason). The current target is copied onto the request
(Thread.target_version/period/due_on, target_slips = rows − 1) in the same transaction, so lists read
it without a join. The wording rules (periods, versions, lateness) live in commitment_rules.
"""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Thread, User
from forum.models._time import utcnow
from forum.models.commitments import RequestTarget
from forum.services import audit
from forum.services.commitment_rules import (
    clean_target_version,
    due_on,
    parse_period,
    period_label,
    target_label,
    today,
)
from forum.services.errors import Conflict, NotFound, ValidationError
from forum.services.patient_data import check_no_patient_identifier
from forum.services.policy import Action, require
from forum.services.text_hygiene import clean_text, has_visible_text

REASON_MAX_LENGTH = 1_000
NOT_PLANNED = "Une échéance se donne à une demande planifiée."
REASON_REQUIRED = "Indiquez pourquoi l'échéance change : elle sera montrée aux membres."


def current(thread: Thread) -> RequestTarget | None:
    """The request's current target row (its last one), or None."""
    return db.session.scalar(select(RequestTarget).where(RequestTarget.thread_id == thread.id)
                             .order_by(RequestTarget.id.desc()).limit(1))


def history(thread: Thread) -> list[RequestTarget]:
    """Every target given to the request, oldest first (the first is the commitment), actors loaded."""
    return list(db.session.scalars(select(RequestTarget).where(RequestTarget.thread_id == thread.id)
                                   .order_by(RequestTarget.id)).unique())


def clean_reason(reason: str | None) -> str | None:
    """The reason of a slip, None when nothing visible. Raises ValidationError("reason", …)."""
    reason = clean_text(reason, multiline=True)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError("reason", f"La raison ne doit pas dépasser {REASON_MAX_LENGTH} caractères.")
    check_no_patient_identifier("reason", reason)
    return reason if has_visible_text(reason) else None


def set_target(actor: User, thread: Thread, version: str | None, period: str | None,
               reason: str | None = None) -> RequestTarget:
    """Give a planned request its target, or change it (a slip, `reason` required).

    `period` is what was typed (« T2 2027 », « mai 2027 »), `version` likewise (« v5.4 »). Raises
    NotFound (deleted request), PermissionDenied (not a moderator of the board nor its editor),
    Conflict (not a request, not `planifiee`), ValidationError (nothing given, bad period or
    version, a due day already past, a change without a reason or identical to the current one).
    Nothing is written when it raises.
    """
    if thread.deleted_at is not None:
        raise NotFound("Cette demande a été supprimée.")
    require(actor, Action.SET_TARGET, thread)
    if thread.kind != "request":
        raise Conflict("Seules les demandes d'évolution reçoivent une échéance.")
    if thread.status != "planifiee":
        raise Conflict(NOT_PLANNED)
    period = parse_period(period, field="period")
    version = clean_target_version(version, field="version")
    if not period and not version:
        raise ValidationError("period", "Indiquez une version prévue, une échéance, ou les deux.")
    due = due_on(period) if period else None
    if due is not None and due < today():
        raise ValidationError("period", f"L'échéance est déjà passée ({period_label(period)}) : "
                                        "indiquez un mois ou un trimestre à venir.")
    reason = clean_reason(reason)
    previous = current(thread)
    if previous is not None:
        if (previous.version, previous.period) == (version, period):
            raise ValidationError("period", "C'est déjà l'échéance de cette demande : changez la version "
                                            "ou l'échéance.")
        if not reason:
            raise ValidationError("reason", REASON_REQUIRED)
    target = RequestTarget(thread_id=thread.id, previous_id=previous.id if previous else None,
                           version=version, period=period, due_on=due, reason=reason,
                           actor_id=actor.id, created_at=utcnow())
    db.session.add(target)
    thread.target_version, thread.target_period, thread.target_due_on = version, period, due
    thread.target_slips = (thread.target_slips or 0) + 1 if previous is not None else 0
    db.session.flush()
    # No member notification: the "status" event needs a StatusChange; a "target" kind is left out.
    audit.record(actor, "set_target", thread=thread, reason=reason, target=target_label(version, period),
                 previous=target_label(previous.version, previous.period) if previous else None)
    return target
