"""One member voting, changing the importance and withdrawing at once from several tabs (and other
members voting meanwhile): never an error page, and the stored figures equal a recount. Real
threads against the test's database (a SQLite file, or PostgreSQL under `make test-pg`)."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Thread, Vote
from forum.services import ranking
from tests.factories import make_request, make_user

TABS = 4
ROUNDS = 20
# Each tab walks its own order of the three actions, so tabs interleave every pair of them.
ACTIONS = [("vote", "utile"), ("vote", "bloquant"), ("withdraw", None), ("vote", "important"), ("withdraw", None)]


def _tab(app, session_id: str, thread_id: int, offset: int, barrier: threading.Barrier, statuses: Counter) -> None:
    """Even tabs use the buttons' JavaScript (JSON answers), odd ones the plain forms (redirects)."""
    client = app.test_client()
    headers = {"Accept": "application/json"} if offset % 2 == 0 else {}
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    barrier.wait()
    for step in range(ROUNDS):
        action, importance = ACTIONS[(step + offset) % len(ACTIONS)]
        try:
            if action == "vote":
                response = client.post(f"/t/{thread_id}/vote", data={"importance": importance}, headers=headers)
            else:
                response = client.post(f"/t/{thread_id}/vote/retirer", headers=headers)
            statuses[response.status_code] += 1
        except BaseException as error:  # noqa: BLE001  (an exception escaping the app is a failure too)
            statuses[repr(error)] += 1


def test_interleaved_vote_change_and_withdraw_never_fail_and_figures_match_a_recount(app):
    request = make_request()
    member = make_user(uses=[request.board])
    others = [make_user(uses=[request.board]) for _ in range(2)]
    db.session.commit()
    sessions = [member.get_id()] * TABS + [other.get_id() for other in others]
    barrier = threading.Barrier(len(sessions))
    statuses: Counter = Counter()
    workers = [threading.Thread(target=_tab, args=(app, sid, request.id, n, barrier, statuses))
               for n, sid in enumerate(sessions)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    json_tabs = len(range(0, len(sessions), 2))
    assert statuses == Counter({200: json_tabs * ROUNDS, 302: (len(sessions) - json_tabs) * ROUNDS})
    db.session.expire_all()
    assert ranking.stored_figures_mismatches() == []
    votes = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == request.id))
    assert db.session.get(Thread, request.id).vote_count == votes <= 1 + len(others)
