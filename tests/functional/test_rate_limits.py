"""Rate limits: log-in per account and address, per address, and per account from all addresses
(a ceiling); registration, password reset, posting, votes, search, exports; a French 429 page (JSON
under /api/) with Retry-After. The suite runs with limits off (TestConfig), so each test here builds
an app with them on and small values."""
from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from forum.extensions import db, limiter
from forum.models import Post, Thread
from forum.web.security import export_endpoints, rate_rules
from tests.factories import make_board, make_request, make_thread, make_user
from tests.pages import page
from tests.sessions import log_in, submit_login

UNLIMITED = "1000/minute"
WRONG_PASSWORD = "mauvais-mot-de-passe"


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3601
    assert "Trop de requêtes" in page(response, 429)
    assert "trop de tentatives en peu de temps" in page(response, 429)


# --- log-in ---------------------------------------------------------------------------------------

def test_failed_logins_on_one_account_get_french_429_with_retry_after(limited):
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT="3/minute", RATELIMIT_LOGIN_ADDRESS=UNLIMITED)
    user = make_user("claire@example.org")
    db.session.commit()
    for _ in range(3):
        assert submit_login(client, "claire@example.org", WRONG_PASSWORD).status_code == 422
    assert_limited(submit_login(client, "claire@example.org", WRONG_PASSWORD))
    # From the address that failed, even the right password waits (see below for other addresses).
    assert_limited(submit_login(client, user.email))
    # The limit is per account (case folded), not global: another account can still log in.
    other = make_user("paul@example.org")
    db.session.commit()
    assert submit_login(client, "PAUL@example.org").status_code == 302
    assert other.id


def test_unknown_and_known_emails_are_limited_alike(limited):
    """The limit does not reveal which addresses have an account."""
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT="2/minute", RATELIMIT_LOGIN_ADDRESS=UNLIMITED)
    make_user("claire@example.org")
    db.session.commit()
    statuses = {email: [submit_login(client, email, WRONG_PASSWORD).status_code for _ in range(3)]
                for email in ("claire@example.org", "personne@example.org")}
    assert statuses["claire@example.org"] == statuses["personne@example.org"] == [422, 422, 429]


def test_failed_logins_from_one_address_are_limited_across_accounts(limited):
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT=UNLIMITED, RATELIMIT_LOGIN_ADDRESS="3/minute")
    make_user("claire@example.org")
    db.session.commit()
    for n in range(3):
        assert submit_login(client, f"essai{n}@example.org", WRONG_PASSWORD).status_code == 422
    assert_limited(submit_login(client, "essai9@example.org", WRONG_PASSWORD))
    # Another address is not affected.
    response = submit_login(client, "claire@example.org", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
OWNER = {"REMOTE_ADDR": "198.51.100.2"}


def test_failures_from_one_address_do_not_lock_the_owner_out(limited):
    """Someone failing on purpose with a member's e-mail is slowed down; the member, from their own
    address, still logs in with the right password."""
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT="5/minute;20/hour", RATELIMIT_LOGIN_ADDRESS=UNLIMITED,
                          RATELIMIT_LOGIN_ACCOUNT_CEILING=UNLIMITED)
    user = make_user("claire@example.org")
    db.session.commit()
    attacker, owner = app.test_client(), app.test_client()
    statuses = [submit_login(attacker, "Claire@example.org", WRONG_PASSWORD, environ_base=ATTACKER).status_code
                for _ in range(7)]
    assert statuses == [422] * 5 + [429] * 2
    assert submit_login(owner, user.email, environ_base=OWNER).status_code == 302
    assert owner.get("/profil/modifier").status_code == 200
    # The attacker's address stays limited for this account, even with the right password.
    assert_limited(submit_login(attacker, user.email, environ_base=ATTACKER))


def test_account_ceiling_stops_guessing_spread_over_many_addresses(limited):
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT="2/minute", RATELIMIT_LOGIN_ADDRESS=UNLIMITED,
                          RATELIMIT_LOGIN_ACCOUNT_CEILING="6/hour")
    user, other = make_user("claire@example.org"), make_user("paul@example.org")
    db.session.commit()
    for n in range(6):  # one failure from each of six addresses: under the per-address limit each time
        address = {"REMOTE_ADDR": f"203.0.113.{n + 10}"}
        assert submit_login(client, user.email, WRONG_PASSWORD, environ_base=address).status_code == 422
    # The ceiling is reached: every address waits now for this account, the owner's included.
    assert_limited(submit_login(client, user.email, WRONG_PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.99"}))
    assert_limited(submit_login(client, user.email, environ_base=OWNER))
    assert submit_login(client, other.email, environ_base=OWNER).status_code == 302  # other accounts log in


def test_successful_logins_do_not_count(limited):
    app, client = limited(RATELIMIT_LOGIN_ACCOUNT="2/minute", RATELIMIT_LOGIN_ADDRESS="2/minute")
    user = make_user("claire@example.org")
    db.session.commit()
    for _ in range(4):
        assert submit_login(client, user.email).status_code == 302
        client.post("/deconnexion")


# --- registration and password reset ------------------------------------------------------------

def registration(email: str) -> dict:
    return {"email": email, "display_name": "Claire Martin", "password": "motdepasse-solide",
            "password_confirm": "motdepasse-solide", "profession": "infirmier",
            "structure_name": "MSP des Tilleuls", "structure_kind": "msp", "region": "Bretagne"}


def test_refused_registrations_are_limited_per_address(limited):
    """Probing which e-mails are taken through the registration form is slowed down."""
    app, client = limited(RATELIMIT_REGISTER="3/minute")
    for n in range(3):
        make_user(f"pris{n}@example.org")
    db.session.commit()
    for n in range(3):
        assert client.post("/inscription", data=registration(f"pris{n}@example.org")).status_code == 422
    assert_limited(client.post("/inscription", data=registration("libre@example.org")))
    # Colleagues registering from another address are not affected.
    response = client.post("/inscription", data=registration("libre@example.org"),
                           environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert response.status_code == 302


def test_successful_registrations_from_one_address_do_not_count(limited):
    app, client = limited(RATELIMIT_REGISTER="2/minute")
    for n in range(4):
        assert client.post("/inscription", data=registration(f"collegue{n}@example.org")).status_code == 302
        client.post("/deconnexion")


def test_password_reset_requests_are_limited_per_email_and_per_address(limited):
    app, client = limited(RATELIMIT_PASSWORD_RESET="4/minute", RATELIMIT_PASSWORD_RESET_EMAIL="2/hour")
    for _ in range(2):
        assert client.post("/mot-de-passe/oublie", data={"email": "claire@example.org"}).status_code == 302
    assert_limited(client.post("/mot-de-passe/oublie", data={"email": "claire@example.org"}))
    assert client.post("/mot-de-passe/oublie", data={"email": "paul@example.org"}).status_code == 302
    assert_limited(client.post("/mot-de-passe/oublie", data={"email": "anne@example.org"}))
    assert client.get("/mot-de-passe/oublie").status_code == 200  # reading the page is not limited


# --- posting, votes, search -----------------------------------------------------------------------

def test_replies_are_limited_per_member_and_the_refused_reply_is_not_stored(limited):
    app, client = limited(RATELIMIT_REPLY="2/minute")
    thread = make_thread()
    member = make_user(uses=[thread.board])
    db.session.commit()
    log_in(client, member)
    url = f"/t/{thread.id}/repondre"
    for n in range(2):
        assert client.post(url, data={"body": f"Réponse {n}"}).status_code == 302
    response = client.post(url, data={"body": "Réponse de trop"})
    assert_limited(response)
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.body_source == "Réponse de trop")) == 0
    # Another member is not affected.
    log_in(client, make_user(uses=[thread.board]))
    db.session.commit()
    assert client.post(url, data={"body": "Moi aussi"}).status_code == 302


def test_previews_do_not_count_against_the_reply_limit(limited):
    app, client = limited(RATELIMIT_REPLY="1/minute")
    thread = make_thread()
    member = make_user(uses=[thread.board])
    db.session.commit()
    log_in(client, member)
    url = f"/t/{thread.id}/repondre"
    for _ in range(3):
        assert client.post(url, data={"body": "Brouillon", "preview": "Aperçu"}).status_code == 200
    assert client.post(url, data={"body": "Enfin"}).status_code == 302


def test_new_threads_are_limited_per_member(limited):
    app, client = limited(RATELIMIT_NEW_THREAD="1/minute")
    board = make_board()
    member = make_user(uses=[board])
    db.session.commit()
    log_in(client, member)
    data = {"kind": "question", "title": "Comment exporter les RDV ?", "body": "Merci"}
    assert client.post(f"/b/{board.slug}/nouveau", data=data).status_code == 302
    assert_limited(client.post(f"/b/{board.slug}/nouveau", data={**data, "title": "Encore une"}))
    assert db.session.scalar(select(func.count()).select_from(Thread).where(Thread.title == "Encore une")) == 0
    assert client.get(f"/b/{board.slug}/nouveau").status_code == 200


def test_votes_are_limited_per_member(limited):
    app, client = limited(RATELIMIT_VOTE="2/minute")
    board = make_board()
    requests = [make_request(board) for _ in range(3)]
    member = make_user(uses=[board])
    db.session.commit()
    log_in(client, member)
    for request in requests[:2]:
        assert client.post(f"/t/{request.id}/vote", data={"importance": "utile"}).status_code == 302
    assert_limited(client.post(f"/t/{requests[2].id}/vote", data={"importance": "utile"}))
    db.session.expire_all()
    assert db.session.get(Thread, requests[2].id).vote_count == 0


def test_search_is_limited_per_visitor_address(limited):
    app, client = limited(RATELIMIT_SEARCH="2/minute")
    for _ in range(2):
        assert client.get("/search?q=ordonnance").status_code == 200
    assert_limited(client.get("/search?q=ordonnance"))
    assert client.get("/search?q=ordonnance", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


def test_api_rate_limit_answers_json_with_retry_after(limited):
    app, client = limited()
    app.add_url_rule("/api/v1/essai", "essai", limiter.limit("1/minute")(lambda: {"ok": True}))
    assert client.get("/api/v1/essai").status_code == 200
    response = client.get("/api/v1/essai")
    assert response.status_code == 429 and response.is_json
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json["error"]["status"] == 429
    assert "trop de tentatives" in response.json["error"]["message"]


# --- which endpoints are limited ------------------------------------------------------------------

def test_export_and_download_endpoints_of_livrables_get_the_export_limit():
    from flask import Blueprint

    app = Flask("essai")
    bp = Blueprint("livrables", __name__)
    for name in ("show", "export_csv", "download_pdf"):
        bp.add_url_rule(f"/{name}", name, lambda: "")
    app.register_blueprint(bp)
    app.add_url_rule("/autre-export", "export_other", lambda: "")
    assert export_endpoints(app) == ["livrables.download_pdf", "livrables.export_csv"]
    keys = {rule.endpoint: rule.config_key for rule in rate_rules(app)}
    assert keys == {"livrables.download_pdf": "RATELIMIT_EXPORT", "livrables.export_csv": "RATELIMIT_EXPORT"}


def test_every_limited_endpoint_of_the_real_app_is_wrapped(limited):
    app, client = limited()
    endpoints = {rule.endpoint for rule in rate_rules(app)}
    assert {"auth.login", "auth.register", "auth.request_password_reset", "threads.new", "threads.reply",
            "requests.vote", "requests.withdraw_vote", "search.results"} <= endpoints
    assert set(export_endpoints(app)) <= endpoints
    for endpoint in endpoints:
        assert hasattr(app.view_functions[endpoint], "__wrapped__"), endpoint


@pytest.mark.slow  # 30 failed log-ins, each checking a password hash on purpose slowly
def test_the_test_suite_is_not_throttled(client):
    make_user("claire@example.org")
    db.session.commit()
    assert all(submit_login(client, "claire@example.org", WRONG_PASSWORD).status_code == 422 for _ in range(30))


def test_endpoints_without_a_limit_skip_the_limiter_and_limited_ones_still_count(limited, monkeypatch):
    app, client = limited(RATELIMIT_LOGIN_ADDRESS="2/minute", RATELIMIT_LOGIN_ACCOUNT="100/minute")
    resolved = []
    original = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *args, **kwargs: resolved.append(args[1]) or original(*args, **kwargs))
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert resolved == []  # nothing to count there: the limiter was not asked
    codes = [client.post("/connexion", data={"email": "personne@example.org", "password": "x"}).status_code
             for _ in range(3)]
    assert codes[-1] == 429 and "auth.login" in resolved
