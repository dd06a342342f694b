"""Personal data pages: a member sees what is held, downloads it as JSON, and deletes their account."""
from __future__ import annotations

import json

from sqlalchemy import select

from forum.extensions import db
from forum.models import Thread, User, Vote
from tests.factories import PASSWORD, make_board, make_post, make_request, make_thread, make_user, make_vote
from tests.pages import page


def _member():
    board = make_board("Chorus", slug="chorus")
    member = make_user("claire@example.org", display_name="Claire Martin", uses=[board])
    thread = make_thread(board, member, title="Ordonnances bizones", body="Où est l'option ?")
    make_post(thread, body="Réponse d'un autre membre")
    request = make_request(board, title="Export du DMP")
    make_vote(request, member, "important")
    db.session.commit()
    return member, thread, request


def test_data_page_explains_what_is_held_and_offers_download_and_deletion(client, login):
    member, _, _ = _member()
    login(member)
    response = client.get("/profil/donnees")
    text = page(response)
    assert response.status_code == 200
    assert "Ce que le forum conserve à votre sujet" in text and "claire@example.org" in text
    assert 'href="/profil/donnees.json"' in text
    assert 'action="/profil/supprimer"' in text and "Je comprends" in text
    assert "Mes données" in page(client.get("/profil/modifier"))


def test_data_pages_require_login(client):
    assert client.get("/profil/donnees").status_code == 302
    assert client.get("/profil/donnees.json").status_code == 302
    assert client.post("/profil/supprimer", data={"password": PASSWORD, "confirm": "y"}).status_code == 302


def test_member_downloads_only_their_own_data_as_json(client, login):
    member, thread, request = _member()
    login(member)
    response = client.get("/profil/donnees.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mes-donnees-forum.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "claire@example.org"
    assert [t["id"] for t in data["threads"]] == [thread.id]
    assert [(v["request_id"], v["importance"]) for v in data["votes"]] == [(request.id, "important")]
    assert "Réponse d'un autre membre" not in response.get_data(as_text=True)


def test_wrong_password_refuses_deletion_with_french_message_and_changes_nothing(client, login):
    member, _, _ = _member()
    login(member)
    response = client.post("/profil/supprimer", data={"password": "mauvais-mot-de-passe", "confirm": "y"})
    assert response.status_code == 422
    assert "Mot de passe incorrect : votre compte n'a pas été supprimé." in page(response, 422)
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is None
    assert client.get("/profil/donnees").status_code == 200  # still logged in


def test_deletion_requires_the_understanding_checkbox(client, login):
    member, _, _ = _member()
    login(member)
    response = client.post("/profil/supprimer", data={"password": PASSWORD})
    assert response.status_code == 422
    assert "Cochez la case pour confirmer que vous avez compris." in page(response, 422)
    db.session.expire_all()
    assert db.session.get(User, member.id).deleted_at is None


def test_deleting_account_logs_out_and_posts_stay_signed_ancien_membre(client, login):
    member, thread, request = _member()
    login(member)
    response = client.post("/profil/supprimer", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Votre compte a été supprimé" in page(client.get("/"))
    assert client.get("/profil/donnees").status_code == 302  # logged out
    thread_page = page(client.get(f"/t/{thread.id}"))
    assert "Ancien membre" in thread_page and "Claire Martin" not in thread_page
    assert "Où est l'option ?" in thread_page
    assert db.session.scalar(select(Vote).where(Vote.thread_id == request.id)) is None
    assert db.session.get(Thread, request.id).vote_count == 0
    assert "Ce compte a été supprimé" in page(client.get(f"/u/{member.id}"))


def test_deleted_account_cannot_log_in_again(client, auth, login):
    member, _, _ = _member()
    login(member)
    client.post("/profil/supprimer", data={"password": PASSWORD, "confirm": "y"})
    response = auth.login("claire@example.org")
    assert response.status_code == 422
    assert "Adresse e-mail ou mot de passe incorrect." in page(response, 422)


def test_delete_form_carries_a_csrf_token_when_csrf_is_on(app, client, login):
    member, _, _ = _member()
    login(member)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert 'name="csrf_token"' in page(client.get("/profil/donnees"))
        response = client.post("/profil/supprimer", data={"password": PASSWORD, "confirm": "y"})
        assert response.status_code == 400  # refused by CSRFProtect before the view
        db.session.expire_all()
        assert db.session.get(User, member.id).deleted_at is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
