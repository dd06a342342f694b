"""Near-real-time search: a worker reopens the index at most once per SEARCH_REFRESH_SECONDS, but
always sees its own writes at once."""
import time

from forum import search
from forum.extensions import db
from forum.search.whoosh import storage
from forum.services import posting
from tests.factories import make_board, make_thread, make_user


def test_own_writes_show_at_once_and_others_within_the_refresh_period(app, monkeypatch):
    app.config["SEARCH_REFRESH_SECONDS"] = 60.0
    board = make_board()
    make_thread(board, title="Agenda partagé entre les sites")
    db.session.commit()
    search.reindex()
    assert search.query("agenda").total == 1

    # This worker writes and applies: it sees the change at once.
    make_thread(board, make_user(uses=[board]), title="Agenda des salles de consultation")
    db.session.commit()
    search.apply_pending()
    assert search.query("agenda").total == 2

    # Another worker writes (simulated: the index changes without this thread's invalidation).
    monkeypatch.setattr(storage, "invalidate", lambda root: None)
    posting.create_thread(make_user(uses=[board]), board, "question", "Agenda des infirmières en tournée",
                          "Comment le partager ?")
    db.session.commit()
    search.apply_pending()
    assert search.query("agenda").total == 2  # within the refresh period: the open searcher is kept
    app.config["SEARCH_REFRESH_SECONDS"] = 0.0
    assert search.query("agenda").total == 3  # checked again: reopened


def test_batched_updates_are_applied_once_by_the_worker_thread(app, monkeypatch):
    from sqlalchemy import func, select

    from forum.models import IndexTask

    board = make_board()
    db.session.commit()
    search.reindex()
    runs = []
    real_apply = search.apply_pending
    monkeypatch.setattr(search, "apply_pending", lambda: runs.append(1) or real_apply())
    for title in ("Agenda partagé entre les sites", "Agenda des salles de consultation"):
        make_thread(board, title=title)
        db.session.commit()
        search.batcher(app).schedule(app, 0.5)  # what the after-request hook does outside tests
    deadline = time.monotonic() + 5
    while db.session.scalar(select(func.count()).select_from(IndexTask)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runs == [1]  # one run for both writes
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 0
    assert search.query("agenda").total == 2


def test_a_reply_outside_tests_is_indexed_by_the_worker_batch(app, client, login):
    from sqlalchemy import func, select

    from forum.models import IndexTask

    board = make_board()
    thread = make_thread(board, title="Agenda partagé entre les sites")
    member = make_user(uses=[board])
    db.session.commit()
    search.reindex()
    login(member)
    app.testing, app.config["SEARCH_APPLY_DELAY"] = False, 0.3
    try:
        response = client.post(f"/t/{thread.id}/repondre", data={"body": "Le zygomatique aussi."})
        assert response.status_code == 302
        response.close()
        assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 1  # waits for the batch
        deadline = time.monotonic() + 5
        while db.session.scalar(select(func.count()).select_from(IndexTask)) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        app.testing = True
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 0
    results = search.query("zygomatique")
    assert not results.degraded, results.notices
    assert [hit.thread.id for hit in results.hits] == [thread.id]


def test_a_batch_waiting_for_another_app_does_not_hold_back_this_ones(app, tmp_path):
    """Each app has its own batcher: a run scheduled for another app (its own database and index, as
    the apps of two tests in one process) neither swallows this app's schedule nor applies its tasks."""
    from sqlalchemy import func, select

    from forum.models import IndexTask
    from tests.conftest import _config_dict, make_app

    other = make_app({**_config_dict(), "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
                      "SEARCH_INDEX_DIR": str(tmp_path / "other-index")})
    with other.app_context():
        db.create_all()
    board = make_board()
    db.session.commit()
    search.reindex()
    search.batcher(other).schedule(other, 3.0)  # still waiting while this app writes
    make_thread(board, title="Agenda partagé entre les sites")
    db.session.commit()
    search.batcher(app).schedule(app, 0.1)
    deadline = time.monotonic() + 2
    while db.session.scalar(select(func.count()).select_from(IndexTask)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 0
    assert search.query("agenda").total == 1
