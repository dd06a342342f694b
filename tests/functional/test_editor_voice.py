"""The editor's voice (issue 15, point 5): an official answer without a status change, signed by the
representative and the editor; the « Éditeur » badge on their replies; no voting invitation for
the editor on its own software."""
import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Notification, StatusChange
from forum.services.statuses import set_status
from tests.factories import make_board, make_editor, make_post, make_request, make_user, make_vote
from tests.pages import json_text, page

NOTE = "Nous l'étudions avec l'équipe **mobile**."


@pytest.fixture
def chorus_request(app):
    """A request « À l'étude » on Chorus, one voter, the editor's representative Marc Dupont."""
    editor = make_editor(name="Éditeur de Chorus", slug="editeur-chorus")
    board = make_board(name="Chorus", slug="chorus", editor=editor)
    request = make_request(board, title="Mode sombre pour l'écran d'accueil")
    voter = make_user(uses=[board], display_name="Vera Votante")
    make_vote(request, voter, "important")
    set_status(make_user(role="moderator"), request, "a_l_etude")
    rep = make_user(role="editor", editor=editor, display_name="Marc Dupont", profession="autre")
    db.session.commit()
    return {"board": board, "request": request, "voter": voter, "rep": rep}


def shown(response, status: int = 200) -> str:
    """The page's text with names' <bdi> isolation removed, as read on screen."""
    return re.sub(r"</?bdi>", "", page(response, status))


def changes(request) -> int:
    return db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.thread_id == request.id))


def answer(client, request, note=NOTE):
    return client.post(f"/t/{request.id}/reponse-officielle", data={"note": note})


def test_editor_answers_officially_without_changing_the_status(client, login, chorus_request):
    request, rep, voter = chorus_request["request"], chorus_request["rep"], chorus_request["voter"]
    before = changes(request)
    login(rep)
    response = answer(client, request)
    assert response.status_code == 302 and "#reponse-" in response.headers["Location"]
    db.session.expire_all()
    assert request.status == "a_l_etude" and changes(request) == before + 1
    html = shown(client.get(f"/t/{request.id}"))
    assert "Réponse officielle de l'éditeur — Marc Dupont, Éditeur de Chorus" in html
    assert "statut inchangé « À l'étude »" in html and "<strong>mobile</strong>" in html
    assert "Réponse officielle publiée ; le statut de la demande n'a pas changé." in html
    told = db.session.scalars(select(Notification).where(Notification.user_id == voter.id, Notification.kind == "status")
                              .order_by(Notification.id.desc()).limit(1)).one()
    assert told.data["official"] == "editor" and told.data["from"] == told.data["to"] == "a_l_etude"
    login(voter)
    html = page(client.get("/notifications"))
    assert "Nouvelle réponse officielle de l'éditeur sur la demande" in html


def test_the_answer_shows_in_feed_api_and_ranked_page(client, login, chorus_request):
    request = chorus_request["request"]
    login(chorus_request["rep"])
    assert answer(client, request).status_code == 302
    client.get("/deconnexion")
    feed = page(client.get("/b/chorus/demandes/feed.atom"))
    assert "Réponse officielle de l'éditeur : Mode sombre pour l'écran d'accueil (À l'étude)" in feed
    assert "Statut inchangé : À l&#39;étude" in feed  # HTML content inside the XML: escaped twice
    api = json_text(client.get(f"/api/v1/threads/{request.id}"))
    assert '"official_answer_by": "editor"' in api and "Nous l'étudions" in api
    ranked = shown(client.get("/b/chorus/demandes"))
    assert "Réponse officielle de l'éditeur" in ranked and "Nous l'étudions" in ranked


def test_a_moderator_answers_for_the_federation(client, login, chorus_request):
    request = chorus_request["request"]
    login(make_user(role="moderator", display_name="Julie Martin"))
    assert answer(client, request).status_code == 302
    html = shown(client.get(f"/t/{request.id}"))
    assert "Réponse officielle de la fédération — Julie Martin" in html
    assert db.session.scalar(select(StatusChange.answer_by).order_by(StatusChange.id.desc()).limit(1)) == "federation"


@pytest.mark.parametrize("who", ["member", "other_editor"])
def test_others_cannot_answer_officially(client, login, chorus_request, who):
    request = chorus_request["request"]
    before, journal = changes(request), db.session.scalar(select(func.count()).select_from(AuditEntry))
    user = (make_user(uses=[chorus_request["board"]]) if who == "member"
            else make_user(role="editor", editor=make_editor(name="Éditeur de WEDA")))
    login(user)
    assert answer(client, request).status_code == 403
    assert client.get(f"/t/{request.id}/reponse-officielle").status_code == 403
    assert changes(request) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == journal
    html = shown(client.get(f"/t/{request.id}"))
    assert "Répondre officiellement sans changer le statut" not in html


def test_an_empty_answer_is_refused_in_french_and_nothing_recorded(client, login, chorus_request):
    request = chorus_request["request"]
    before = changes(request)
    login(chorus_request["rep"])
    html = page(answer(client, request, note="   \n "), 422)
    assert "Écrivez le texte de la réponse officielle." in html
    assert changes(request) == before
    html = page(answer(client, request, note="x" * 10_001), 422)
    assert "La note ne doit pas dépasser 10000 caractères." in html and "x" * 10_001 in html
    assert changes(request) == before


def test_a_merged_request_gets_no_official_answer(client, login, chorus_request):
    from forum.services.merges import merge_requests
    board, request = chorus_request["board"], chorus_request["request"]
    original = make_request(board, title="Thème sombre")
    merge_requests(make_user(role="moderator"), request, original)
    db.session.commit()
    before = changes(request)
    login(chorus_request["rep"])
    assert answer(client, request).status_code == 409
    assert changes(request) == before


def test_the_form_is_offered_to_the_editor_on_the_request_page(client, login, chorus_request):
    login(chorus_request["rep"])
    html = page(client.get(f"/t/{chorus_request['request'].id}"))
    assert "Répondre officiellement sans changer le statut" in html
    assert f'action="/t/{chorus_request["request"].id}/reponse-officielle"' in html


def test_editor_replies_carry_the_editor_badge(client, chorus_request):
    request = chorus_request["request"]
    make_post(request, chorus_request["rep"], body="Merci, nous regardons.")
    db.session.commit()
    html = shown(client.get(f"/t/{request.id}"))
    head = html[html.index("Marc Dupont"):html.index("Merci, nous regardons.")]
    assert 'class="badge badge-editor">Éditeur</span>' in head and "Éditeur de Chorus" in head
    assert "autre profession" not in head


def test_the_editor_is_not_invited_to_declare_its_own_software(client, login, chorus_request):
    request = chorus_request["request"]
    login(chorus_request["rep"])
    html = shown(client.get(f"/t/{request.id}"))
    assert "Vous représentez l'éditeur de Chorus" in html
    assert "Déclarer les logiciels que j'utilise" not in html
    login(make_user())  # a member who does not declare Chorus is still invited
    html = shown(client.get(f"/t/{request.id}"))
    assert "Déclarer les logiciels que j'utilise" in html and "Vous représentez l'éditeur" not in html
