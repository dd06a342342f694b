"""Writing the notifications of recorded events (NotificationEvent) outside the request that
caused them: right after the response, the way search-index updates are applied (under TESTING,
before the test client gets the response), and by the worker's sweep for whatever a crash left.

Each event is expanded in its own transaction, claimed by a conditional UPDATE of its expanded_at
in that same transaction: two expanders (this worker after its response, the sweep) never write
an event's notifications twice, and a failure leaves it pending for the next one.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, Response
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import NotificationEvent
from forum.models._time import utcnow
from forum.services.notify import events
from forum.services.notify.fanout import TARGETS

log = logging.getLogger(__name__)
# Events expanded by one call at most (the next call, or the sweep, takes the rest).
EVENTS_PER_RUN = 500


def expand_pending(older_than: float = 0.0, limit: int = EVENTS_PER_RUN) -> int:
    """Expand the pending events recorded at least `older_than` seconds ago, oldest first; commits
    each. Returns how many this call expanded."""
    before = utcnow() - timedelta(seconds=older_than)
    pending = list(db.session.scalars(
        select(NotificationEvent.id).where(NotificationEvent.expanded_at.is_(None), NotificationEvent.created_at <= before)
        .order_by(NotificationEvent.id).limit(limit)))
    done = 0
    for event_id in pending:
        try:
            claimed = db.session.execute(
                update(NotificationEvent).where(NotificationEvent.id == event_id, NotificationEvent.expanded_at.is_(None))
                .values(expanded_at=utcnow()).execution_options(synchronize_session=False)).rowcount
            if claimed == 1:
                event = db.session.get(NotificationEvent, event_id)
                events.expand(event.kind, event.actor_id, list(event.excluded or []), event.data,
                              {name: getattr(event, name) for name in TARGETS})
                done += 1
            db.session.commit()
        except Exception:  # noqa: BLE001 - the event stays pending for the next run
            db.session.rollback()
            log.exception("Expanding notification event %s failed; it stays pending", event_id)
    return done


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(events.PENDING_KEY, None)


def init_app(app: Flask) -> None:
    """After each request that recorded events, expand them once the response has left."""

    @app.after_request
    def _expand_after_response(response: Response) -> Response:
        # No session in this request (e.g. /healthz): nothing recorded, and none built just to look.
        if not db.session.registry.has() or not db.session.info.pop(events.PENDING_KEY, False):
            return response
        if app.testing:
            expand_pending()
        else:
            response.call_on_close(lambda: _expand_in_context(app))
        return response


def _expand_in_context(app: Flask) -> None:
    with app.app_context():
        try:
            expand_pending()
        finally:
            db.session.remove()
