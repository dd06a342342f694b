"""Two requests casting the same vote at once, on a file SQLite database: one row, no error."""
import threading

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Thread, User, Vote
from forum.services import votes
from tests.factories import make_request, make_user


def _race(app, user_id, thread_id, importances):
    barrier = threading.Barrier(len(importances))
    errors: list[BaseException] = []

    def cast(importance):
        try:
            with app.app_context():
                user, thread = db.session.get(User, user_id), db.session.get(Thread, thread_id)
                user.software  # noqa: B018  (load before the race, as a request would)
                barrier.wait()
                votes.cast_vote(user, thread, importance)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    workers = [threading.Thread(target=cast, args=(imp,)) for imp in importances]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return errors


def test_concurrent_double_votes_give_one_row_and_no_error(app):
    request = make_request()
    voters = [make_user(uses=[request.board]) for _ in range(5)]
    db.session.commit()
    ids = [v.id for v in voters]
    for user_id in ids:
        assert _race(app, user_id, request.id, ["utile", "important"]) == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == request.id)) == 5
    assert db.session.get(Thread, request.id).vote_count == 5


def test_double_click_through_http_gives_one_vote(app, client, login):
    request = make_request()
    member = make_user(uses=[request.board])
    db.session.commit()
    request_id, member_session = request.id, member.get_id()
    results: list[int] = []
    barrier = threading.Barrier(2)
    clients = []
    for _ in range(2):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = member_session
        clients.append(other)

    def click(other):
        barrier.wait()
        try:
            results.append(other.post(f"/t/{request_id}/vote", data={"importance": "bloquant"}).status_code)
        except BaseException as error:  # noqa: BLE001
            results.append(repr(error))

    workers = [threading.Thread(target=click, args=(c,)) for c in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert results == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == request.id)) == 1
