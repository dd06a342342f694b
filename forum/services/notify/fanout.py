"""An event becomes one notification per recipient, in the transaction of the event, in a few
set-based statements whatever the number of recipients (an official answer on a request with 2,000
voters: one UPDATE, one INSERT … SELECT, one recount), never a Python loop of inserts.

Rules applied to every event: never to its actor, never to a deleted or currently suspended
account, never to a member who silenced the thread or board (the callers pass those as `exclude`).
Replies in a thread and « utile » marks on a tip are grouped while unread: the unread row's count
grows instead of a new row, and it keeps pointing at the first post the member has not seen; its
created_at is when it last started waiting for an e-mail (the batch window counts from there).
Each row's e-mail state follows the member's preference for the kind (immediate → pending, résumé
→ digest, jamais → none); pending rows wake the delivery worker once the transaction commits.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, Select, String, and_, case, exists, func, insert, literal, null, select, update
from sqlalchemy.orm import aliased

from forum.extensions import db
from forum.models import Notification, NotificationPreference, User
from forum.models._time import UTCDateTime, utcnow
from forum.models.notifications import DEFAULT_EMAIL_DELIVERY, NOTIFICATION_KINDS
from forum.services.notify.outbox import wake_delivery_after_commit
from forum.services.notify.recipients import reachable

# Notification columns an event fills (the rest have defaults).
TARGETS = ("board_id", "thread_id", "post_id", "livrable_id", "report_id")


def _email_state(chosen_delivery, kind: str):
    """SQL: the e-mail state a notification of `kind` gets from its member's chosen delivery
    (NULL: the kind's default)."""
    delivery = func.coalesce(chosen_delivery, DEFAULT_EMAIL_DELIVERY[kind])
    return case((delivery == "immediate", "pending"), (delivery == "digest", "digest"), else_="none")


def email_state_for(user_id_column, kind: str):
    """SQL: the e-mail state of a notification of `kind` for the member `user_id_column` names."""
    return _email_state(select(NotificationPreference.delivery)
                        .where(NotificationPreference.user_id == user_id_column, NotificationPreference.kind == kind)
                        .scalar_subquery(), kind)


def _int(value: int | None):
    return literal(value, Integer) if value is not None else null()


def fan_out(kind: str, recipients: Select, *, actor_id: int | None, exclude: Select | None = None,
            data: dict[str, Any] | None = None, group: bool = False, **targets: int | None) -> None:
    """Notify every member `recipients` selects (minus the actor, `exclude`, unreachable accounts)
    of an event of `kind` about `targets` (board_id, thread_id, post_id, livrable_id, report_id)."""
    if kind not in NOTIFICATION_KINDS or set(targets) - set(TARGETS):
        raise ValueError(f"bad notification {kind!r} {sorted(targets)}")
    conditions = [User.id.in_(recipients), reachable()]
    if actor_id is not None:
        conditions.append(User.id != actor_id)
    if exclude is not None:
        conditions.append(User.id.not_in(exclude))
    now = utcnow()
    if group:
        unread_same = and_(Notification.kind == kind, Notification.thread_id == targets.get("thread_id"),
                           Notification.read_at.is_(None))
        db.session.execute(
            update(Notification).where(unread_same, Notification.user_id.in_(select(User.id).where(*conditions)))
            .values(count=Notification.count + 1, updated_at=now, actor_id=actor_id,
                    email_state=case((Notification.email_state.in_(("pending", "digest")), Notification.email_state),
                                     else_=email_state_for(Notification.user_id, kind)),
                    # A row that starts waiting for an e-mail again waits its batch window from now.
                    created_at=case((Notification.email_state == "pending", Notification.created_at), else_=now))
            .execution_options(synchronize_session=False))
        conditions.append(~exists(select(Notification.id).where(unread_same, Notification.user_id == User.id)))
    columns = ["user_id", "kind", *TARGETS, "actor_id", "count", "data", "created_at", "updated_at", "email_state"]
    chosen = aliased(NotificationPreference)  # an outer join: one lookup per recipient, not two subqueries
    rows = (select(User.id, literal(kind, String), *(_int(targets.get(name)) for name in TARGETS), _int(actor_id),
                   literal(1, Integer), literal(data, JSON) if data is not None else null(),
                   literal(now, UTCDateTime), literal(now, UTCDateTime),
                   _email_state(chosen.delivery, kind))
            .outerjoin(chosen, and_(chosen.user_id == User.id, chosen.kind == kind)).where(*conditions))
    db.session.execute(insert(Notification).from_select(columns, rows))
    wake_delivery_after_commit()
