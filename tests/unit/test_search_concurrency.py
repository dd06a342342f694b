"""Several processes (as gunicorn workers would) write posts and apply the index queue at once,
against one SQLite file and one index directory: no exception, no lost update."""
from __future__ import annotations

import multiprocessing
import traceback

import pytest
from sqlalchemy import func, select

from forum import create_app, search
from forum.extensions import db
from forum.models import IndexTask, Thread
from forum.search.whoosh import storage
from tests.conftest import _config_dict
from tests.factories import make_board, make_user

WORKERS = 4
THREADS_PER_WORKER = 12


def _worker(config: dict, board_id: int, user_id: int, number: int, errors) -> None:
    try:
        from forum.models import Board, User
        from forum.services import posting

        app = create_app(config)
        with app.app_context():
            board, user = db.session.get(Board, board_id), db.session.get(User, user_id)
            for n in range(THREADS_PER_WORKER):
                thread = posting.create_thread(user, board, "question", f"Sujet {number}-{n} sur l'agenda",
                                               "Comment partager l'agenda entre les sites ?")
                db.session.commit()
                search.apply_pending()
                if n % 3 == 0:  # some changes remove documents
                    posting.delete_post(user, _first(thread))
                else:
                    posting.reply(user, thread, f"Réponse {number}-{n} : un agenda par site.")
                db.session.commit()
                search.apply_pending()
    except BaseException:
        errors.put(f"worker {number}: {traceback.format_exc()}")
        raise


def _first(thread):
    from forum.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first))


@pytest.mark.slow
def test_concurrent_writers_lose_no_update(app):
    search.reindex()
    board = make_board()
    user = make_user(uses=[board])
    db.session.commit()
    config = {**_config_dict(), "DATABASE_URL": app.config["DATABASE_URL"],
              "SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"]}
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    workers = [context.Process(target=_worker, args=(config, board.id, user.id, n, errors))
               for n in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    messages = []
    while not errors.empty():
        messages.append(errors.get())
    assert [w.exitcode for w in workers] == [0] * WORKERS, messages

    db.session.expire_all()
    visible = db.session.scalar(select(func.count()).select_from(Thread).where(Thread.deleted_at.is_(None)))
    assert visible == WORKERS * THREADS_PER_WORKER - WORKERS * len(range(0, THREADS_PER_WORKER, 3))
    assert db.session.scalar(select(func.count()).select_from(IndexTask)) == 0
    storage.forget_searchers()
    _, ix = storage.open_live(storage.root_dir(app.config))
    assert ix.doc_count() == visible
    assert search.query("agenda", per_page=100).total == visible
