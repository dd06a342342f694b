"""What the lighter per-request work must keep: the health check still asks the database, a request
without a body is never read, the session cookie follows the secret key (and its fallbacks) with
its serializer built once, and the security headers a view sets itself stay."""
from __future__ import annotations

import io

from flask import Response

from forum import create_app
from forum.config import TestConfig
from forum.web.session_cookie import CachedSerializerSessionInterface
from tests.factories import make_user


def test_healthz_runs_one_statement_on_the_database(client, count_queries):
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert counter.statements == ["SELECT 1"]


def test_healthz_fails_when_the_database_is_down(tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'forum.sqlite3'}",
                      "SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "PROPAGATE_EXCEPTIONS": False})
    assert app.test_client().get("/healthz").status_code == 503  # the "database unavailable" page


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
