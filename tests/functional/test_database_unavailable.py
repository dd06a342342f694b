"""A database that cannot write (read-only, locked, full) or cannot be reached: a French 503 with
Retry-After instead of the 500, the typed text shown back in a « Réessayer » form, nothing stored,
one log line. The read-only database is real: PRAGMA query_only on SQLite, default_transaction_read_only
on PostgreSQL, set on every new connection while the test's `read_only_database()` block runs."""
from __future__ import annotations

import logging
import re
from contextlib import contextmanager

from sqlalchemy import event, func, select

from forum import create_app, search
from forum.config import TestConfig
from forum.extensions import db
from forum.models import Post, Thread, User
from tests.conftest import on_postgres
from tests.factories import make_board, make_request, make_thread, make_user
from tests.pages import page

WRITE_MESSAGE = "Enregistrement impossible pour le moment, réessayez dans quelques instants"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
INPUT_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
TEXTAREA_RE = re.compile(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>\n(.*?)</textarea>', re.S)


@contextmanager
def read_only_database():
    """Every connection opened inside the block refuses writes, as a read-only database would."""
    def refuse_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if on_postgres():
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()  # a SET inside a rolled-back transaction would be undone
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", refuse_writes)
    try:
        yield
    finally:
        db.session.remove()
        event.remove(db.engine, "connect", refuse_writes)
        db.engine.dispose()


def problems(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def retry_form(text: str) -> dict[str, str]:
    """The fields the « Réessayer » form of a 503 page would send (hidden inputs and textareas)."""
    form = re.search(r'<form method="post" action="([^"]+)" class="form-card retry-form"[^>]*>(.*?)</form>', text, re.S)
    assert form is not None, "no « Réessayer » form on the page"
    fields = dict(INPUT_RE.findall(form.group(2)))
    fields.update(TEXTAREA_RE.findall(form.group(2)))
    return {"action": form.group(1), **fields}


def test_reply_on_a_read_only_database_is_a_french_503_that_keeps_the_text(client, login, caplog):
    thread = make_thread()
    login(make_user(uses=[thread.board]))
    db.session.commit()
    thread_id, posts = thread.id, count(Post)
    body = "Chez nous l'export <DMP> échoue\n\nsi la carte CPS est retirée trop tôt."
    caplog.set_level(logging.INFO)
    with read_only_database():
        assert client.get(f"/t/{thread_id}").status_code == 200  # reading still works
        response = client.post(f"/t/{thread_id}/repondre", data={"body": body, "publish": "Répondre"})
    text = page(response, 503)
    assert response.status_code == 503
    assert WRITE_MESSAGE in text and '<html lang="fr">' in text
    assert int(response.headers["Retry-After"]) > 0
    assert retry_form(text)["body"] == body
    assert retry_form(text)["action"] == f"/t/{thread_id}/repondre"
    assert count(Post) == posts
    assert db.session.get(Thread, thread_id).reply_count == 0
    [record] = problems(caplog)
    assert response.headers["X-Request-ID"] in record.getMessage()
    assert record.exc_info is None


def test_new_thread_on_a_read_only_database_is_a_503_that_keeps_title_and_body(client, login, caplog):
    board = make_board()
    login(make_user(uses=[board]))
    db.session.commit()
    search.reindex()  # « Publier » of a request first looks for near duplicates in the index
    slug, threads = board.slug, count(Thread)
    data = {"kind": "request", "title": "Exporter les ordonnances en PDF",
            "body": "Il faudrait pouvoir exporter **toutes** les ordonnances d'un patient.", "publish": "Publier"}
    caplog.set_level(logging.INFO)
    with read_only_database():
        response = client.post(f"/b/{slug}/nouveau", data=data)
    text = page(response, 503)
    assert response.status_code == 503
    assert WRITE_MESSAGE in text
    fields = retry_form(text)
    assert (fields["title"], fields["body"], fields["kind"], fields["publish"]) == (
        data["title"], data["body"], "request", "Publier")
    assert fields["action"] == f"/b/{slug}/nouveau"
    assert count(Thread) == threads
    assert len(problems(caplog)) == 1


def test_retry_form_carries_a_fresh_csrf_token_and_posts_once_the_database_is_back(app, client, login):
    """Browser-free: the 503 page's form, sent as a browser would, publishes the reply once."""
    thread = make_thread()
    login(make_user(uses=[thread.board]))
    db.session.commit()
    thread_id = thread.id
    app.config["WTF_CSRF_ENABLED"] = True
    form_page = page(client.get(f"/t/{thread_id}"))
    token = next(t for t in CSRF_RE.search(form_page).groups() if t)
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', form_page).group(1)
    body = "Réponse tapée pendant la panne."
    with read_only_database():
        response = client.post(f"/t/{thread_id}/repondre",
                               data={"csrf_token": token, "submission_key": key, "body": body})
    text = page(response, 503)
    assert response.status_code == 503
    fields = retry_form(text)
    assert fields["csrf_token"] and fields["submission_key"] == key and fields["body"] == body
    action = fields.pop("action")
    first = client.post(action, data=fields)
    again = client.post(action, data=fields)  # the retry clicked twice
    assert first.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert db.session.scalars(select(Post.body_source).where(Post.thread_id == thread_id,
                                                             Post.is_first.is_(False))).all() == [body]


def test_passwords_are_never_shown_back_and_are_asked_again(client, caplog):
    caplog.set_level(logging.INFO)
    with read_only_database():
        response = client.post("/inscription", data={
            "email": "claire.martin@example.org", "display_name": "Claire Martin",
            "password": "motdepasse-solide", "password_confirm": "motdepasse-solide",
            "profession": "infirmier", "structure_name": "MSP des Tilleuls", "structure_kind": "msp",
            "region": "Bretagne"})
    text = page(response, 503)
    assert response.status_code == 503
    assert "motdepasse-solide" not in text
    assert 'type="password" name="password"' in text and 'type="password" name="password_confirm"' in text
    assert retry_form(text)["email"] == "claire.martin@example.org"
    assert count(User) == 0
    assert len(problems(caplog)) == 1


def test_vote_sent_by_script_gets_a_json_503(client, login):
    request = make_request()
    login(make_user(uses=[request.board]))
    db.session.commit()
    request_id = request.id
    with read_only_database():
        response = client.post(f"/t/{request_id}/vote", data={"importance": "utile"},
                               headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json["error"]["message"] == WRITE_MESSAGE + "."
    assert "Retry-After" in response.headers


def _unreachable_app(tmp_path):
    if on_postgres():
        url = f"postgresql://forum@/forum_test?host={tmp_path}/no-server-here"
    else:
        url = f"sqlite:///{tmp_path}/missing-directory/forum.sqlite3"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    return create_app({**config, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(tmp_path / "index")})


def test_pages_that_cannot_read_the_database_are_a_french_503(tmp_path, caplog):
    unreachable = _unreachable_app(tmp_path)
    caplog.set_level(logging.INFO)
    with unreachable.app_context():
        visitor = unreachable.test_client()
        member = unreachable.test_client()
        with member.session_transaction() as session:  # the layout then needs the member's row too
            session["_user_id"] = "1.0"
        responses = [visitor.get("/"), member.get("/"), member.get("/t/1")]
        db.engine.dispose()
    for response in responses:
        text = page(response, 503)
        assert response.status_code == 503
        assert "Service momentanément indisponible" in text and "Réessayez dans quelques instants" in text
        assert response.headers["Retry-After"]
    assert len(problems(caplog)) == len(responses)


def test_a_bug_in_sql_is_still_a_500_with_its_traceback(app, client, caplog):
    from sqlalchemy import text as sql

    @app.get("/essai-sql")
    def _broken():
        db.session.execute(sql("SELECT no_such_column FROM users"))
        return "ok"

    caplog.set_level(logging.INFO)
    response = client.get("/essai-sql")
    assert response.status_code == 500 and "Erreur interne" in page(response, 500)
    assert problems(caplog)[0].exc_info is not None

