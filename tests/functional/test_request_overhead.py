"""What the lighter per-request work must keep: the health check still asks the database, a request
without a body is never read, the session cookie follows the secret key (and its fallbacks) with
its serializer built once, and the security headers a view sets itself stay."""
from __future__ import annotations

import io

import pytest
from flask import Response
from sqlalchemy import event

from forum import create_app
from forum.config import TestConfig
from forum.extensions import db
from forum.web.session_cookie import CachedSerializerSessionInterface
from tests.factories import make_user


def test_healthz_checks_out_one_pooled_connection_without_orm_nor_statement_machinery(app, client, count_queries):
    checkouts = []

    def checked_out(*_):
        checkouts.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", checked_out)
    try:
        with count_queries() as counter:
            response = client.get("/healthz")
    finally:
        event.remove(engine, "checkout", checked_out)
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert counter.statements == [] and checkouts == [1]


def test_healthz_makes_a_real_round_trip_to_the_database(app, client):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the statement trace is SQLite's (a PostgreSQL server that does not answer: the 503 test)")
    trips = []

    def traced(dbapi_connection, _):
        dbapi_connection.set_trace_callback(trips.append)

    event.listen(engine, "connect", traced)
    engine.dispose()  # the next connection is a new, traced one
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        event.remove(engine, "connect", traced)
        engine.dispose()
    assert "SELECT 1" in trips


def test_healthz_fails_when_the_database_is_down(tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'forum.sqlite3'}",
                      "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "PROPAGATE_EXCEPTIONS": False})
    assert app.test_client().get("/healthz").status_code == 503  # the "database unavailable" page


def test_healthz_is_a_503_when_the_postgresql_server_does_not_answer(tmp_path):
    from tests.live_server import free_port

    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    port = free_port(range(5460, 5480))  # nothing listens there
    app = create_app({**config, "DATABASE_URL": f"postgresql://forum@127.0.0.1:{port}/forum",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
                      "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "PROPAGATE_EXCEPTIONS": False})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and "Retry-After" in response.headers


class Unreadable(io.RawIOBase):
    """A request stream that must not be read (a body the server says is not there)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise AssertionError("the body of a request without one was read")


def test_a_get_without_length_nor_chunks_is_not_read(client):
    response = client.get("/healthz", environ_overrides={"wsgi.input": Unreadable(), "wsgi.input_terminated": True})
    assert response.status_code == 200


def test_the_session_follows_a_new_secret_key_and_its_fallbacks(app, client, login):
    assert isinstance(app.session_interface, CachedSerializerSessionInterface)
    login(make_user(display_name="Camille Roux"))
    assert "/deconnexion" in client.get("/").get_data(as_text=True)
    old_key = app.secret_key
    app.config["SECRET_KEY"] = "a-brand-new-secret-key"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert "/deconnexion" in client.get("/").get_data(as_text=True)  # signed with the old key: still valid
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert "/deconnexion" not in client.get("/").get_data(as_text=True)  # without the fallback: anonymous


def test_a_security_header_set_by_the_view_is_kept(app, client):
    @app.get("/essai-en-tetes")
    def own_headers():
        return Response("ok", headers={"referrer-policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN"})

    headers = client.get("/essai-en-tetes").headers
    assert headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers["X-Content-Type-Options"] == "nosniff"
