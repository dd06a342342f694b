"""The outbox: each e-mail to send is a row (OutgoingMessage) written in the transaction of what
caused it, so a rollback never sends it and a crash never loses it. The worker delivers the rows
(forum.services.notify.delivery); its task queue only says « look at the outbox now ».
"""
from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.db_upsert import upsert_insert
from forum.extensions import db
from forum.models import OutgoingMessage, User
from forum.models._time import utcnow
from forum.services.notify.unsubscribe import unsubscribe_url

log = logging.getLogger(__name__)
# Set on the session when the transaction queued e-mail: after the commit, the worker is told.
WAKE_KEY = "notify_wake_delivery"


def may_email(user: User) -> bool:
    """An active account whose address the mail server has not refused for good."""
    return user.deleted_at is None and user.email_refused_at is None


def queue_message(user: User, kind: str, idempotency_key: str, subject: str, body_text: str, body_html: str,
                  unsubscribe_scope: str, not_before: datetime | None = None) -> bool:
    """Write one message to the outbox (the caller commits). `idempotency_key` names the message
    for good (e.g. "letter:weekly:2026-11-30:42"): queuing it again does nothing and returns False.
    """
    now = utcnow()
    statement = upsert_insert(OutgoingMessage).values(
        user_id=user.id, to_address=user.email, kind=kind, idempotency_key=idempotency_key,
        subject=subject[:250], body_text=body_text, body_html=body_html,
        unsubscribe_url=unsubscribe_url(user.id, unsubscribe_scope), state="pending", attempts=0,
        next_attempt_at=not_before or now, created_at=now)
    # RETURNING says whether a row was written: psycopg reports rowcount -1 for this statement.
    inserted = db.session.execute(statement.on_conflict_do_nothing(index_elements=[OutgoingMessage.idempotency_key])
                                  .returning(OutgoingMessage.id)).scalar_one_or_none() is not None
    if inserted:
        wake_delivery_after_commit()
    return inserted


def wake_delivery_after_commit(delay: float | None = None) -> None:
    """Ask for a delivery run once this transaction commits (nothing if it rolls back)."""
    info = db.session.info
    wanted = current_app.config.get("MAIL_BATCH_SECONDS", 0) if delay is None else delay
    info[WAKE_KEY] = min(info.get(WAKE_KEY, wanted), wanted)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    delay = session.info.pop(WAKE_KEY, None)
    if delay is None:
        return
    try:  # the outbox rows are committed: a queue that cannot be told now is swept later
        from forum.services.notify import tasks

        tasks.wake_delivery(delay)
    except Exception:  # noqa: BLE001 (never fail a request that already committed)
        log.exception("Could not wake the delivery worker; the periodic sweep will send the mail")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(WAKE_KEY, None)
