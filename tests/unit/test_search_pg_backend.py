"""The PostgreSQL search backend (SEARCH_BACKEND=postgres): the queue, accents, excerpts, locks,
rebuild and the database fallback. Runs under `make test-pg`; the relevance suite
(test_search_relevance.py) runs on this backend too."""
from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select, text

from forum import create_app, search
from forum.extensions import db
from forum.models import IndexTask, Post
from forum.search.postgres.schema import search_documents
from forum.search.postgres.updates import APPLY_LOCK, REINDEX_LOCK
from forum.services import posting
from tests.conftest import _config_dict
from tests.factories import make_board, make_request, make_thread, make_user

postgres_only = pytest.mark.postgres_only


@pytest.fixture
def pg(app):
    app.config["SEARCH_BACKEND"] = "postgres"
    return app


def found(q: str, **filters) -> list[int]:
    results = search.query(q, **filters)
    assert not results.degraded, results.notices
    return [hit.thread.id for hit in results.hits]


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(IndexTask))


def documents() -> int:
    return db.session.scalar(select(func.count()).select_from(search_documents))


def first_post(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_first))


def test_postgres_backend_is_refused_on_sqlite(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL DATABASE_URL"):
        create_app({**_config_dict(), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "SEARCH_BACKEND": "postgres"})


def test_unknown_backend_is_refused(tmp_path):
    with pytest.raises(ValueError, match="SEARCH_BACKEND='solr'"):
        create_app({**_config_dict(), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "SEARCH_BACKEND": "solr"})


@postgres_only
def test_new_thread_is_found_after_apply_and_queue_is_emptied(pg):
    thread = make_thread(title="Agenda partagé multi-sites", body="Trois sites, une seule équipe.")
    db.session.commit()
    assert found("agenda") == []  # nothing is written before apply_pending, after the commit
    assert search.apply_pending() == 1
    assert found("agenda") == [thread.id]
    assert (pending(), documents()) == (0, 1)


@postgres_only
def test_new_reply_through_the_web_is_indexed_after_the_request(pg, client, login):
    thread = make_thread(title="Sauvegarde du poste", body="Comment sauvegarder ?")
    db.session.commit()
    search.apply_pending()
    login(make_user(uses=[thread.board]))
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Utilisez la synchronisation nocturne."})
    assert response.status_code in (302, 303)
    assert pending() == 0
    assert found("synchronisation") == [thread.id]


@postgres_only
def test_edit_then_delete_then_restore_are_reflected(pg):
    thread = make_thread(title="Question sur les vaccins", body="Où saisir les vaccins ?")
    db.session.commit()
    search.apply_pending()
    posting.edit_post(thread.author, first_post(thread), "Où saisir les rappels ?", title="Question sur les rappels")
    db.session.commit()
    search.apply_pending()
    assert found("vaccins") == [] and found("rappels") == [thread.id]
    moderator = make_user(role="moderator")
    posting.delete_post(moderator, first_post(thread))
    db.session.commit()
    search.apply_pending()
    assert found("rappels") == [] and documents() == 0
    posting.restore_post(moderator, first_post(thread))
    db.session.commit()
    search.apply_pending()
    assert found("rappels") == [thread.id]


@postgres_only
@pytest.mark.parametrize("q, title", [
    ("infirmier", "Tournées des infirmières"),
    ("infirmière", "Planning de l'infirmier"),
    ("planifier", "Mise à jour planifiée"),
    ("medecin", "Courrier au médecin traitant"),
    ("MEDECINS", "Courrier au médecin traitant"),
    ("coeur", "Insuffisance du cœur"),
])
def test_accents_and_endings_are_ignored_both_ways(pg, q, title):
    thread = make_thread(title=title, body="Texte sans rapport.")
    db.session.commit()
    search.apply_pending()
    assert found(q) == [thread.id]


@postgres_only
@postgres_only
def test_search_uses_the_index_without_changing_the_rest_of_the_request(pg):
    """The search statement runs with sequential scans off (see forum.search.postgres.queries._run); the setting must
    not outlive it, nor the schema created without migrations lack lz4."""
    thread = make_thread(title="Agenda partagé", body="Un agenda pour trois sites.")
    db.session.commit()
    search.apply_pending()
    assert found("agenda") == [thread.id]
    assert db.session.scalar(text("SHOW enable_seqscan")) == "on"
    assert db.session.scalar(text("SELECT attcompression FROM pg_attribute WHERE attrelid = "
                                  "'search_documents'::regclass AND attname = 'document'")) == "l"


def test_excerpt_marks_words_and_escapes_user_text(pg):
    thread = make_thread(title="Dossier <b>urgent</b> & co",
                         body="Voici `<script>alert(1)</script>` puis le dossier partagé & le reste.")
    db.session.commit()
    search.apply_pending()
    hit = search.query("dossier").hits[0]
    assert hit.thread.id == thread.id
    assert str(hit.title_html) == "<mark>Dossier</mark> &lt;b&gt;urgent&lt;/b&gt; &amp; co"
    assert "<mark>dossier</mark>" in hit.excerpt_html
    assert "<script" not in hit.excerpt_html and "&amp;" in hit.excerpt_html


@postgres_only
def test_search_syntax_is_never_read_as_tsquery_syntax(pg):
    thread = make_thread(title="Export des requêtes", body="Export CSV possible.")
    db.session.commit()
    search.apply_pending()
    for q in ["export & | ! <-> :*", "'export'", "export\\", "(export", "export:*"]:
        results = search.query(q)
        assert not results.degraded and [h.thread.id for h in results.hits] == [thread.id], q


@postgres_only
def test_filters_and_pages_count_inside_the_query(pg):
    board, other = make_board(name="Chorus", slug="chorus"), make_board(name="Weda", slug="weda")
    mine = [make_thread(board, title=f"Agenda numéro {n}", body="Agenda.") for n in range(3)]
    make_thread(other, title="Agenda ailleurs", body="Agenda.")
    db.session.commit()
    search.apply_pending()
    results = search.query("agenda", board="chorus", per_page=2)
    assert (results.total, results.pages, len(results.hits)) == (3, 2, 2)
    second = search.query("agenda", board="chorus", per_page=2, page=2)
    assert {h.thread.id for h in results.hits + second.hits} == {t.id for t in mine}
    beyond = search.query("agenda", board="chorus", per_page=2, page=3)
    assert beyond.hits == [] and "compte 2 pages" in beyond.message


@postgres_only
def test_similar_requests_are_open_requests_of_the_board(pg):
    board = make_board()
    wanted = make_request(board, title="Facturation des infirmières à domicile", body="AMI et AIS.")
    declined = make_request(board, title="Facturation des infirmiers libéraux", body="Autre sujet.")
    declined.status = "refusee"
    make_thread(board, kind="question", title="Facturation infirmière ?", body="Question.")
    db.session.commit()
    search.apply_pending()
    assert [t.id for t in search.similar_requests(board.id, "facturer les infirmiers")] == [wanted.id]


@postgres_only
def test_broken_table_falls_back_to_database_with_notice(pg, caplog):
    thread = make_thread(title="Protocole AVK dans le logiciel", body="Suivi INR.")
    db.session.commit()
    search.apply_pending()
    db.session.execute(text("ALTER TABLE search_documents RENAME TO search_documents_away"))
    try:
        with caplog.at_level(logging.WARNING, logger="forum.search"):
            results = search.query("protocole")
        assert results.degraded and "indisponible" in results.notices[0]
        assert [h.thread.id for h in results.hits] == [thread.id]
        assert search.similar_requests(thread.board_id, "protocole") == []
    finally:
        db.session.rollback()  # the rename was never committed
    assert found("protocole") == [thread.id]


@postgres_only
def test_applier_waits_for_the_lock_then_leaves_tasks_queued(pg):
    pg.config["SEARCH_LOCK_TIMEOUT"] = 0.2
    make_thread(title="Verrou tenu", body="Texte.")
    db.session.commit()
    with db.engine.connect() as other:
        other.execute(select(func.pg_advisory_xact_lock(APPLY_LOCK)))
        assert search.apply_pending() == 0 and pending() == 1
        other.rollback()
    assert search.apply_pending() == 1 and pending() == 0


@postgres_only
def test_rebuild_replaces_every_document_and_refuses_a_second_rebuild(pg):
    threads = [make_thread(title=f"Sujet numéro {n}", body="Texte de test.") for n in range(3)]
    db.session.commit()
    assert search.status()["error"] == "index vide alors que des sujets existent"
    assert search.reindex() == 3 and pending() == 0 and documents() == 3
    assert sorted(found("sujet")) == sorted(t.id for t in threads)
    assert search.status()["error"] is None
    with db.engine.connect() as other:
        other.execute(select(func.pg_advisory_xact_lock(REINDEX_LOCK)))
        with pytest.raises(search.ReindexError, match="déjà en cours"):
            search.reindex()
        make_thread(title="Pendant la reconstruction", body="Texte.")
        db.session.commit()
        assert search.apply_pending() == 0 and pending() == 1  # does not wait for the rebuild
        other.rollback()
    assert search.apply_pending() == 1


@postgres_only
def test_concurrent_appliers_lose_no_update(pg):
    thread = make_thread(title="Version initiale", body="Texte.")
    db.session.commit()
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            with pg.app_context():
                search.apply_pending()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for n in range(5):
        posting.edit_post(thread.author, first_post(thread), f"Texte révisé {n}.", title=f"Version {n} révisée")
        db.session.commit()
        workers = [threading.Thread(target=apply) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    search.apply_pending()
    assert errors == [] and pending() == 0
    title = db.session.scalar(select(search_documents.c.title))
    assert title == "Version 4 révisée"


@postgres_only
def test_cli_reindex_and_status_on_postgres(pg, runner):
    make_thread(title="Sujet pour la commande", body="Texte.")
    db.session.commit()
    result = runner.invoke(args=["search", "reindex", "--if-missing", "--quiet"])
    assert result.exit_code == 0 and "Index reconstruit : 1 sujets" in result.output
    # Planner statistics gathered by the rebuild (reltuples stays -1 until an ANALYZE or VACUUM).
    assert db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'search_documents'")) == 1
    result = runner.invoke(args=["search", "reindex", "--if-missing"])
    assert "rien à reconstruire" in result.output
    assert "PostgreSQL" in runner.invoke(args=["search", "status"]).output
