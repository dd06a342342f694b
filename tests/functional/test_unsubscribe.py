"""/desabonnement/<token>: GET only explains (link scanners unsubscribe nobody), POST (the button or
a mail client's RFC 8058 one-click body) stops the e-mails, without logging in; forged, expired or
deleted-account tokens get a French page and change nothing."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import NotificationPreference, User
from forum.models._time import utcnow
from forum.models.notifications import NOTIFICATION_KINDS
from forum.services.notify import preferences, unsubscribe
from tests.factories import make_user
from tests.pages import page


def url(user, scope: str = "notifications") -> str:
    return f"/desabonnement/{unsubscribe.make_token(user.id, scope)}"


def choices(user) -> dict[str, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                   .where(NotificationPreference.user_id == user.id)).all())


def subscribed(letter: str | None = "weekly") -> User:
    user = make_user()
    user.letter_period = letter
    db.session.commit()
    return user


def test_the_link_shows_what_will_stop_and_changes_nothing(client):
    member = subscribed()
    response = client.get(url(member))
    text = page(response)
    assert "Vous ne recevrez plus <strong>aucun e-mail de notification</strong>" in text
    assert "Confirmer la désinscription" in text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert choices(member) == {}


def test_confirming_stops_every_notification_email_without_logging_in(client):
    member = subscribed()
    response = client.post(url(member))
    text = page(response)
    assert "vous ne recevrez plus les e-mails de notification" in text
    assert 'href="/profil/notifications"' in response.get_data(as_text=True)
    assert choices(member) == {kind: "never" for kind in NOTIFICATION_KINDS}
    assert preferences.deliveries_of(member) == {kind: "never" for kind in NOTIFICATION_KINDS}
    assert db.session.get(User, member.id).letter_period == "weekly"  # only what the link says


def test_a_mail_clients_one_click_post_works_with_csrf_on(app, client):
    member = subscribed()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(url(member, "letter"), data="List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert "vous ne recevrez plus la lettre du club" in page(response)
    assert db.session.get(User, member.id).letter_period is None
    assert choices(member) == {}


def test_the_letter_link_shows_the_letter_and_stops_it(client):
    member = subscribed("biweekly")
    assert "Vous ne recevrez plus <strong>la lettre du club</strong>" in page(client.get(url(member, "letter")))
    assert db.session.get(User, member.id).letter_period == "biweekly"
    page(client.post(url(member, "letter")))
    db.session.expire_all()
    assert db.session.get(User, member.id).letter_period is None


def test_a_forged_token_gets_a_french_page_and_changes_nothing(client):
    member = subscribed()
    genuine = unsubscribe.make_token(member.id, "notifications")
    for token in (genuine[:-3] + "abc", "nimportequoi", unsubscribe.make_token(member.id, "letter") + "x"):
        for method in ("get", "post"):
            text = page(getattr(client, method)(f"/desabonnement/{token}"), 400)
            assert "Ce lien de désinscription n'est pas valide." in text and "Rien n'a été modifié." in text
    assert choices(member) == {}
    assert db.session.get(User, member.id).letter_period == "weekly"


def test_a_token_signed_with_another_key_is_refused(app, client):
    member = subscribed()
    app.config["SECRET_KEY"] = "une-autre-cle"
    token = unsubscribe.make_token(member.id, "notifications")
    app.config["SECRET_KEY"] = "test-secret-key"
    assert "n'est pas valide" in page(client.post(f"/desabonnement/{token}"), 400)
    assert choices(member) == {}


def test_an_expired_token_is_refused(app, client, monkeypatch):
    member = subscribed()
    token = unsubscribe.make_token(member.id, "notifications")
    monkeypatch.setattr(unsubscribe, "MAX_AGE", -1)  # any age is past it
    text = page(client.post(f"/desabonnement/{token}"), 400)
    assert "Ce lien de désinscription a expiré." in text
    assert choices(member) == {}


def test_a_deleted_accounts_token_gets_a_404_and_changes_nothing(client):
    member = subscribed()
    token = unsubscribe.make_token(member.id, "notifications")
    db.session.get(User, member.id).deleted_at = utcnow()
    db.session.commit()
    text = page(client.post(f"/desabonnement/{token}"), 404)
    assert "Ce compte n'existe plus" in text
    assert choices(member) == {}
