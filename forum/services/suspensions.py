"""Suspending a member for a period with a reason: they keep reading, and the policy refuses
every write (services.policy.can) with a message saying until when and why."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from forum.extensions import db
from forum.models import Board, ModeratorScope, User
from forum.models._time import utcnow
from forum.services import audit
from forum.services.errors import Conflict, ValidationError
from forum.services.moderation import clean_reason
from forum.services.policy import Action, require, require_scopable, suspended_until

MAX_DAYS = 365
SUSPENSION_REASON_MAX = 500  # the users.suspension_reason column


def check_suspension(actor: User, target: User, days: int | None, reason: str | None) -> str:
    """Read-only, also for the confirmation step: the cleaned reason, or the error suspend_user
    would raise (PermissionDenied, ValidationError("days" / "reason"))."""
    require(actor, Action.SUSPEND_USER, target)
    if days is None or not 1 <= days <= MAX_DAYS:
        raise ValidationError("days", f"Indiquez une durée entre 1 et {MAX_DAYS} jours.")
    reason = clean_reason(reason, required=True, missing="Indiquez le motif de la suspension : il est montré au membre.")
    if len(reason) > SUSPENSION_REASON_MAX:
        raise ValidationError("reason", f"Le motif ne doit pas dépasser {SUSPENSION_REASON_MAX} caractères.")
    return reason


def suspend_user(actor: User, target: User, days: int | None, reason: str | None) -> None:
    """Suspend `target` for `days` days from now (a new suspension replaces a running one).
    Raises PermissionDenied, ValidationError("days" / "reason")."""
    reason = check_suspension(actor, target, days, reason)
    target.suspended_until = utcnow() + timedelta(days=days)
    target.suspension_reason = reason
    db.session.flush()
    audit.record(actor, "suspend", target_user=target, reason=reason, days=days,
                 until=target.suspended_until.isoformat(timespec="minutes"))


def unsuspend_user(actor: User, target: User, reason: str | None = None) -> None:
    """End a running suspension now. Raises PermissionDenied, Conflict (not suspended)."""
    require(actor, Action.SUSPEND_USER, target)
    if suspended_until(target) is None:
        raise Conflict("Ce membre n'est pas suspendu.")
    reason = clean_reason(reason)
    target.suspended_until = target.suspension_reason = None
    db.session.flush()
    audit.record(actor, "unsuspend", target_user=target, reason=reason)


def set_moderator_scope(user: User, boards: list[Board], actor: User | None = None) -> None:
    """Limit moderator `user` to `boards` (an empty list: every board again). Used by the CLI.
    Raises Conflict when `user` is not a moderator."""
    require_scopable(user)
    db.session.execute(delete(ModeratorScope).where(ModeratorScope.user_id == user.id))
    db.session.add_all(ModeratorScope(user_id=user.id, board_id=board.id) for board in boards)
    db.session.flush()
    user.__dict__.pop("_moderated_board_ids", None)
    audit.record(actor, "set_scope", target_user=user, boards=[b.slug for b in boards] or ["tous"])
