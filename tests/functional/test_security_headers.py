"""Security headers on every kind of answer, HSTS only over https (ProxyFix behind a proxy), the
request id in the X-Request-ID header and in log lines, and the flags of the cookies."""
from __future__ import annotations

import logging
import re

import pytest

from forum import cookies_secure, create_app
from forum.config import TestConfig
from forum.extensions import db
from forum.web.security import LOG_FORMAT
from tests.factories import PASSWORD, make_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/", "/connexion", "/healthz", "/static/forum.css", "/page-inconnue",
                                  "/api/v1/inconnu"])
def test_security_headers_on_pages_json_files_and_errors(client, path):
    assert_security_headers(client.get(path))


def test_security_headers_on_a_redirect_and_a_refused_post(client):
    assert_security_headers(client.post("/t/1/repondre", data={"body": "x"}))
    assert_security_headers(client.post("/"))  # 405


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_forwarded_proto_is_ignored_without_proxy_fix(client):
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_proxy_fix_trusts_the_proxy_for_https_and_client_address(tmp_path, template_db):
    import shutil

    shutil.copy(template_db, tmp_path / "db.sqlite3")
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PROXY_FIX": 1})
    seen = {}

    @app.get("/essai-adresse")
    def _where():
        from flask import request
        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    response = app.test_client().get("/essai-adresse", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"})
    assert seen == {"addr": "203.0.113.5", "secure": True}
    assert "Strict-Transport-Security" in response.headers
    with app.app_context():
        db.engine.dispose()


# --- request id -----------------------------------------------------------------------------------

def test_each_request_gets_its_own_id(client):
    first, second = client.get("/").headers["X-Request-ID"], client.get("/").headers["X-Request-ID"]
    assert first != second


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "nginx-4f2a.91:7"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a.91:7"


@pytest.mark.parametrize("incoming", ["", "a b", "x" * 200, "<script>", "id\u00e9", "-début"])
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming.encode("utf-8").decode("latin-1")})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_log_lines_carry_the_request_id(app, client, caplog):
    @app.get("/essai-journal")
    def _log_something():
        logging.getLogger("forum.essai").warning("Quelque chose à noter")
        return "ok"

    with caplog.at_level(logging.INFO):
        response = client.get("/essai-journal")
    [record] = [r for r in caplog.records if r.getMessage() == "Quelque chose à noter"]
    assert record.request_id == response.headers["X-Request-ID"]
    line = logging.Formatter(LOG_FORMAT).format(record)
    assert f"[{response.headers['X-Request-ID']}]" in line


def test_log_lines_outside_a_request_have_a_dash(caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("forum.essai").info("Hors requête")
    assert caplog.records[-1].request_id == "-"


# --- cookies --------------------------------------------------------------------------------------

def session_cookie_header(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return header


def test_session_cookie_is_httponly_and_lax_but_not_secure_in_development(client):
    make_user("claire@example.org")
    db.session.commit()
    response = client.post("/connexion", data={"email": "claire@example.org", "password": PASSWORD,
                                               "remember": "y"})
    for name in ("session", "remember_token"):
        header = session_cookie_header(response, name)
        assert "HttpOnly" in header and "SameSite=Lax" in header
        assert "Secure" not in header


def test_cookies_are_secure_in_production(app, client):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    make_user("claire@example.org")
    db.session.commit()
    response = client.post("/connexion", data={"email": "claire@example.org", "password": PASSWORD,
                                               "remember": "y"}, base_url="https://localhost")
    for name in ("session", "remember_token"):
        header = session_cookie_header(response, name)
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize(("config", "dev_server", "secure"), [
    ({}, False, True),                                   # gunicorn wsgi:app: a deployment
    ({}, True, False),                                   # `flask run` of `make run`: plain http
    ({"DEBUG": True}, False, False),
    ({"TESTING": True}, False, False),
    ({"FORUM_ENV": "production"}, True, True),
    ({"FORUM_ENV": "development"}, False, False),
    ({"SESSION_COOKIE_SECURE": False}, False, False),    # forced off by the config
])
def test_secure_cookie_flag_follows_the_environment(monkeypatch, tmp_path, config, dev_server, secure):
    if dev_server:
        monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    else:
        monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    monkeypatch.delenv("FORUM_ENV", raising=False)
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "https://clubs.example.org", **config})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    expected_remember = secure if "SESSION_COOKIE_SECURE" not in config else cookies_secure(app)
    assert app.config["REMEMBER_COOKIE_SECURE"] is expected_remember


def test_forum_env_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FORUM_ENV", "production")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://clubs.example.org/")
    app = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PUBLIC_BASE_URL"] == "https://clubs.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["clubs.example.org"]
    assert app.config["RATELIMIT_ENABLED"] is False
