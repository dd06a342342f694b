"""/profil/notifications: per kind of notification immédiat / dans le résumé / jamais, and the club's
letter; defaults shown, choices saved, bad codes refused in French with the form kept."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import NotificationPreference, User
from forum.models.notifications import DEFAULT_EMAIL_DELIVERY, NOTIFICATION_KINDS
from forum.services.notify import preferences
from tests.factories import make_user
from tests.pages import page

URL = "/profil/notifications"


def selected(text: str, name: str) -> str | None:
    """The selected option of the <select name=…> of a page."""
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', text, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html)
    return next(value for value in chosen.groups() if value is not None) if chosen else None


def form_data(**changes) -> dict[str, str]:
    data = {f"delivery_{kind}": delivery for kind, delivery in DEFAULT_EMAIL_DELIVERY.items()}
    data["letter_period"] = ""
    data.update(changes)
    return data


def saved_choices(user) -> dict[str, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                   .where(NotificationPreference.user_id == user.id)).all())


def test_the_page_shows_every_kind_with_its_default_and_explains_the_digest(client, login):
    login(make_user())
    text = page(client.get(URL))
    for kind, label in NOTIFICATION_KINDS.items():
        if kind in ("livrable", "report"):  # for editors' representatives and moderators only
            assert label not in text
            continue
        assert label in text
        assert selected(text, f"delivery_{kind}") == DEFAULT_EMAIL_DELIVERY[kind]
    assert selected(text, "letter_period") == ""
    assert "Dans le résumé</strong> : l'événement figure dans la lettre du club" in text


def test_a_moderator_chooses_how_reports_reach_them(client, login):
    moderator = login(make_user(role="moderator"))
    text = page(client.get(URL))
    assert NOTIFICATION_KINDS["report"] in text and NOTIFICATION_KINDS["livrable"] not in text
    client.post(URL, data=form_data(delivery_report="immediate"))
    assert saved_choices(moderator) == {"report": "immediate"}


def test_choices_are_saved_and_shown_again(client, login):
    member = login(make_user())
    response = client.post(URL, data=form_data(delivery_reply="never", delivery_accepted="immediate",
                                               letter_period="biweekly"))
    assert response.status_code == 302 and response.headers["Location"] == URL
    assert saved_choices(member) == {"reply": "never", "accepted": "immediate"}
    assert db.session.get(User, member.id).letter_period == "biweekly"
    assert preferences.email_delivery(member, "reply") == "never"
    text = page(client.get(URL))
    assert "Vos choix d'e-mails ont été enregistrés." in text
    assert selected(text, "delivery_reply") == "never" and selected(text, "letter_period") == "biweekly"


def test_going_back_to_the_default_forgets_the_choice(client, login):
    member = login(make_user())
    client.post(URL, data=form_data(delivery_reply="digest"))
    client.post(URL, data=form_data(delivery_reply="immediate"))
    assert saved_choices(member) == {}


def test_an_unknown_code_is_refused_in_french_with_the_form_kept_and_nothing_saved(client, login):
    member = login(make_user())
    response = client.post(URL, data=form_data(delivery_reply="never", delivery_status="toutdesuite",
                                               letter_period="weekly"))
    text = page(response, 422)
    assert ("Choisissez « Immédiat », « Dans le résumé » ou « Jamais » pour « Statut ou réponse officielle "
            "d'une demande que vous suivez ».") in text
    assert selected(text, "delivery_reply") == "never" and selected(text, "letter_period") == "weekly"
    assert saved_choices(member) == {}
    assert db.session.get(User, member.id).letter_period is None


def test_an_unknown_letter_period_is_refused(client, login):
    member = login(make_user())
    response = client.post(URL, data=form_data(delivery_reply="never", letter_period="daily"))
    assert "pour la lettre du club." in page(response, 422)
    assert saved_choices(member) == {}


def test_a_visitor_is_sent_to_the_login_form(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion?next=")
    assert client.post(URL, data=form_data(delivery_reply="never")).status_code == 302
    assert db.session.scalar(select(NotificationPreference)) is None


def test_a_post_without_csrf_token_changes_nothing(app, client, login):
    member = login(make_user())
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert 'name="csrf_token"' in page(client.get(URL))
        response = client.post(URL, data=form_data(delivery_reply="never", letter_period="weekly"))
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert saved_choices(member) == {}
    assert db.session.get(User, member.id).letter_period is None


def test_the_own_profile_links_to_the_settings(client, login):
    member = login(make_user())
    response = client.get(f"/u/{member.id}")
    assert response.status_code == 200
    assert f'href="{URL}">Notifications et e-mails</a>' in page(response)
