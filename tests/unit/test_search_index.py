"""Keeping the index true: the queue, edits/deletes/restores, lock contention, rebuild, fallback."""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import IndexTask, Post
from forum.search.whoosh import storage
from forum.services import posting
from tests.factories import make_board, make_post, make_request, make_thread, make_user


@pytest.fixture
def index(app):
    """An empty live index for the test's database."""
    search.reindex()
    return Path(app.config["SEARCH_INDEX_DIR"])


def found(q: str, **filters) -> list[int]:
    return [hit.thread.id for hit in search.query(q, **filters).hits]


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(IndexTask))


def first_post(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first))


def test_new_thread_is_found_after_apply_and_queue_is_emptied(index):
    thread = make_thread(title="Agenda partagé multi-sites", body="Trois sites, une seule équipe.")
    db.session.commit()
    assert found("agenda") == []  # nothing is written before apply_pending, after the commit
    assert search.apply_pending() == 1
    assert found("agenda") == [thread.id]
    assert pending() == 0


def test_edit_is_reflected_after_apply(index):
    thread = make_thread(title="Question sur les vaccins", body="Où saisir les vaccins ?")
    db.session.commit()
    search.apply_pending()
    posting.edit_post(thread.author, first_post(thread), "Où saisir les rappels ?",
                      title="Question sur les rappels")
    db.session.commit()
    search.apply_pending()
    assert found("vaccins") == []
    assert found("rappels") == [thread.id]


def test_delete_then_restore_is_reflected(index):
    moderator = make_user(role="moderator")
    thread = make_thread(title="Hébergeur HDS ou serveur local", body="Retours sur le coût ?")
    reply = make_post(thread, body="Le placard anti-feu nous a coûté cher.")
    db.session.commit()
    search.apply_pending()
    posting.delete_post(moderator, reply)
    db.session.commit()
    search.apply_pending()
    assert found("placard") == [] and found("hébergeur") == [thread.id]
    posting.restore_post(moderator, reply)
    posting.delete_post(moderator, first_post(thread))
    db.session.commit()
    search.apply_pending()
    assert found("hébergeur") == [] and found("placard") == []
    posting.restore_post(moderator, first_post(thread))
    db.session.commit()
    search.apply_pending()
    assert found("placard") == [thread.id]


def test_task_stays_queued_when_index_commit_fails_and_is_applied_later(index, monkeypatch):
    from whoosh.writing import SegmentWriter

    thread = make_thread(title="Modèle de compte rendu de réunion", body="Pour les RCP.")
    db.session.commit()

    def broken_commit(self, *args, **kwargs):
        raise OSError("disque plein")

    with monkeypatch.context() as patch:
        patch.setattr(SegmentWriter, "commit", broken_commit)
        assert search.apply_pending() == 0  # no exception for the user
    task = db.session.scalar(select(IndexTask))
    db.session.refresh(task)
    assert task.attempts == 1 and "disque plein" in task.last_error
    assert search.apply_pending() == 1
    assert found("réunion") == [thread.id] and pending() == 0


def test_writer_waits_for_another_writer_then_applies(index, app):
    thread = make_thread(title="Alerte LAP trop fréquente", body="Peut-on régler les niveaux ?")
    db.session.commit()
    _, ix = storage.open_live(index)
    holder = ix.writer()
    release = threading.Timer(0.3, holder.cancel)
    release.start()
    started = time.monotonic()
    assert search.apply_pending() == 1
    assert time.monotonic() - started >= 0.25
    assert found("alerte") == [thread.id]


def test_lock_held_too_long_leaves_task_queued_without_error(index, app):
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.2
    make_thread(title="Télétransmission en erreur", body="Les FSE partent en erreur.")
    db.session.commit()
    _, ix = storage.open_live(index)
    holder = ix.writer()
    try:
        assert search.apply_pending() == 0
    finally:
        holder.cancel()
    assert pending() == 1
    assert search.apply_pending() == 1 and found("télétransmission")


def test_cached_searcher_survives_a_merge_that_deletes_its_segment_files(index, app):
    """Another worker's commit may merge segments away and delete their files while this worker
    still searches them (seen under the mixed benchmark): results must not degrade."""
    app.config["SEARCH_REFRESH_SECONDS"] = 60.0
    first = make_thread(title="Agenda partagé entre sites", body="Un agenda commun.")
    db.session.commit()
    search.apply_pending()
    second = make_thread(title="Messagerie sécurisée", body="Configurer la messagerie.")
    db.session.commit()
    search.apply_pending()  # a second segment
    storage.forget_searchers()
    assert found("agenda") == [first.id]  # this worker's searcher now covers both segments
    _, ix = storage.open_live(index)
    segments_before = {segment.segment_id() for segment in ix._segments()}
    ix.writer().commit(optimize=True)  # "another worker": one new segment, the old files deleted
    _, ix = storage.open_live(index)
    assert not segments_before & {segment.segment_id() for segment in ix._segments()}
    results = search.query("messagerie")
    assert not results.degraded
    assert [hit.thread.id for hit in results.hits] == [second.id]


def test_missing_index_keeps_tasks_and_search_falls_back_to_database(app, caplog):
    thread = make_thread(title="Référent orthophoniste", body="Qui configure l'orthophonie ?")
    db.session.commit()
    assert search.apply_pending() == 0 and pending() == 1
    with caplog.at_level(logging.WARNING, logger="forum.search"):
        results = search.query("orthophoniste")
    assert results.degraded and "indisponible" in results.notices[0]
    assert [h.thread.id for h in results.hits] == [thread.id]
    assert any("falling back to database" in r.getMessage() for r in caplog.records)


def test_an_index_written_before_an_upgrade_stays_readable(index):
    """Whoosh stores the schema pickled in every index, naming the classes of its analyser: an
    index on disk (or in a backup) written by an earlier version is read only if these classes
    keep their module path. Moving one would degrade every search until a rebuild."""
    toc = next(path for path in (index / storage.live_generation(index)).iterdir() if path.suffix == ".toc")
    named = set(re.findall(rb"forum(?:\.\w+)+", toc.read_bytes()))
    assert named == {b"forum.search.analysis"}


def test_corrupt_index_falls_back_to_database(index, caplog):
    thread = make_thread(title="Protocole AVK dans le logiciel", body="Suivi INR pluriprofessionnel.")
    db.session.commit()
    search.apply_pending()
    storage.forget_searchers()
    live = index / storage.live_generation(index)
    for path in live.iterdir():
        path.write_bytes(b"\x00garbage")
    with caplog.at_level(logging.WARNING, logger="forum.search"):
        results = search.query("protocole")
    assert results.degraded and [h.thread.id for h in results.hits] == [thread.id]
    assert search.apply_pending() == 0  # and no exception
    search.reindex()
    assert found("protocole") == [thread.id]


def test_reindex_builds_aside_and_swaps(index):
    old = storage.live_generation(index)
    threads = [make_thread(title=f"Planning ETP numéro {n}", body="Ateliers d'éducation thérapeutique.")
               for n in range(3)]
    deleted = make_thread(title="Planning ETP supprimé", body="Brouillon.")
    posting.delete_post(deleted.author, first_post(deleted))
    db.session.commit()
    progress = []
    assert search.reindex(progress=lambda done, total: progress.append((done, total))) == 3
    new = storage.live_generation(index)
    assert new != old and not (index / old).exists()
    assert progress[-1] == (3, 3)
    assert pending() == 0  # tasks covered by the rebuild are gone
    assert sorted(found("ETP")) == sorted(t.id for t in threads)


def test_reindex_command_shows_progress_and_count(index, runner):
    make_thread(title="Agenda partagé entre professions", body="Salles et paramédicaux.")
    db.session.commit()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Index reconstruit : 1 sujets" in result.output
    again = runner.invoke(args=["search", "reindex", "--if-missing"])
    assert "rien à reconstruire" in again.output
    status = runner.invoke(args=["search", "status"])
    assert "1 documents" in status.output and "en attente : 0" in status.output


def test_similar_requests_skip_closed_doublon_deleted_and_other_boards(index):
    board, other = make_board(), make_board()
    author = make_user(uses=[board, other])
    moderator = make_user(role="moderator")
    open_request = make_request(board, author, title="Export des vaccins au format CSV")
    refused = make_request(board, author, title="Export des vaccins en PDF")
    refused.status = "refusee"
    doublon = make_request(board, author, title="Export CSV des vaccins (bis)")
    doublon.status = "doublon"
    gone = make_request(board, author, title="Export des vaccins supprimé")
    posting.delete_post(moderator, first_post(gone))
    elsewhere = make_request(other, author, title="Export des vaccins ailleurs")
    question = make_thread(board, author, title="Export des vaccins : comment ?")
    for thread in (refused, doublon):
        from forum.services.indexing import enqueue_thread
        enqueue_thread(thread.id)
    db.session.commit()
    search.apply_pending()
    similar = search.similar_requests(board.id, "exporter les vaccins")
    assert [t.id for t in similar] == [open_request.id]
    assert elsewhere.id not in [t.id for t in similar] and question.id not in [t.id for t in similar]


def test_similar_requests_fall_back_to_database_without_index(app):
    board = make_board()
    request = make_request(board, title="Agenda multi-sites par profession")
    db.session.commit()
    assert [t.id for t in search.similar_requests(board.id, "un agenda multi-sites")] == [request.id]
    assert search.similar_requests(board.id, "le la les") == []
