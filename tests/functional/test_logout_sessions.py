"""Log-out ends every session of the member, « se souvenir de moi » gets a new token at each log-in
that expires server-side, and a new password ends the sessions open elsewhere."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from forum.extensions import db
from forum.models._time import utcnow
from forum.models.accounts import RememberToken
from tests.factories import make_user
from tests.pages import page
from tests.sessions import submit_login

MEMBERS_ONLY = "/profil/modifier"  # a page that sends visitors to the log-in form


def form_login(client, email: str = "claire@example.org", remember: bool = True):
    """Log in through the form, with « se souvenir de moi » unless told otherwise: it must work."""
    response = submit_login(client, email, remember=remember)
    assert response.status_code == 302
    return response


def cookie(client, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, name
    return found.value


def fresh_browser(app, **cookies: str):
    """A new client holding only the given cookies (a copy taken from another browser)."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def is_logged_in(browser) -> bool:
    response = browser.get(MEMBERS_ONLY)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_copies_of_the_session_and_remember_cookies_no_longer_log_in_after_logout(app, client):
    make_user("claire@example.org")
    db.session.commit()
    form_login(client)
    session_copy, remember_copy = cookie(client, "session"), cookie(client, "remember_token")
    assert is_logged_in(fresh_browser(app, session=session_copy))
    remembered = fresh_browser(app, remember_token=remember_copy)  # a new browser session
    assert is_logged_in(remembered) and is_logged_in(remembered)  # then by its own session
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert "Vous êtes déconnecté·e, sur cet appareil comme sur tous les autres" in page(client.get("/"))
    assert client.get_cookie("remember_token") is None
    assert not is_logged_in(client)
    assert not is_logged_in(fresh_browser(app, session=session_copy))
    assert not is_logged_in(fresh_browser(app, remember_token=remember_copy))


def test_logout_ends_the_sessions_of_the_member_in_other_browsers(app, client):
    make_user("claire@example.org")
    make_user("paul@example.org")
    db.session.commit()
    phone, laptop, colleague = app.test_client(), app.test_client(), app.test_client()
    form_login(phone)
    form_login(laptop, remember=False)
    form_login(colleague, "paul@example.org")
    phone_remember = cookie(phone, "remember_token")
    laptop.post("/deconnexion")
    assert not is_logged_in(phone)
    assert not is_logged_in(fresh_browser(app, remember_token=phone_remember))
    assert is_logged_in(colleague)  # another member is not affected
    form_login(laptop)  # and logging in again works
    assert is_logged_in(laptop)


def test_each_login_gets_a_new_remember_token_stored_hashed(app, client):
    user = make_user("claire@example.org")
    db.session.commit()
    first_browser, second_browser = app.test_client(), app.test_client()
    form_login(first_browser)
    form_login(second_browser)
    first, second = cookie(first_browser, "remember_token"), cookie(second_browser, "remember_token")
    assert first != second and len(first) >= 40
    stored = set(db.session.scalars(select(RememberToken.token_hash)))
    assert len(stored) == 2 and first not in stored and second not in stored
    assert is_logged_in(fresh_browser(app, remember_token=first))
    assert is_logged_in(fresh_browser(app, remember_token=second))
    user.deleted_at = utcnow()  # a deleted account: its tokens no longer log in
    db.session.commit()
    assert not is_logged_in(fresh_browser(app, remember_token=first))


def test_logging_in_again_in_a_browser_gives_it_a_new_remember_token(app, client):
    make_user("claire@example.org")
    db.session.commit()
    form_login(client)
    earlier = cookie(client, "remember_token")
    client.post("/deconnexion")
    form_login(client)
    assert cookie(client, "remember_token") != earlier
    assert is_logged_in(fresh_browser(app, remember_token=cookie(client, "remember_token")))
    assert not is_logged_in(fresh_browser(app, remember_token=earlier))


def test_remember_token_expires_server_side(app, client):
    make_user("claire@example.org")
    db.session.commit()
    before = utcnow()
    response = form_login(client)
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert f"Max-Age={app.config['REMEMBER_COOKIE_DURATION']}" in header
    token = cookie(client, "remember_token")
    expires = db.session.scalar(select(RememberToken.expires_at))
    assert abs(expires - before - timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])) < timedelta(minutes=1)
    # The browser keeps sending the cookie after its date (a copy, a wrong clock): the server refuses it.
    db.session.execute(update(RememberToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = fresh_browser(app, remember_token=token)
    response = expired.get(MEMBERS_ONLY)
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")
    assert expired.get_cookie("remember_token") is None  # the dead cookie is deleted


def test_remember_me_lifetime_follows_the_configuration(app, client):
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=2)
    make_user("claire@example.org")
    db.session.commit()
    before = utcnow()
    form_login(client)
    expires = db.session.scalar(select(RememberToken.expires_at))
    assert abs(expires - before - timedelta(days=2)) < timedelta(minutes=1)
