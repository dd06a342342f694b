"""New thread form: kinds, tip version, preview, duplicate check, bad input; the preview endpoint."""
import re

import pytest
from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import Post, Thread
from tests.factories import make_board, make_request, make_user
from tests.pages import page

NIR = "1 85 12 75 123 456 78"


def textarea(html: str, name: str) -> str | None:
    """The text of the form's <textarea name=…> (without the line break WTForms writes first)."""
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    return match.group(1) if match else None


def thread_count() -> int:
    return db.session.scalar(select(func.count(Thread.id)))


@pytest.fixture
def member(login):
    user = make_user()
    db.session.commit()
    return login(user)


@pytest.fixture
def board():
    board = make_board(name="Médistory", slug="medistory")
    db.session.commit()
    return board


def test_new_thread_form_requires_login(client, board):
    response = client.get("/b/medistory/nouveau")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_new_thread_form_has_kinds_and_preselects_from_the_tab(client, board, member):
    html = page(client.get("/b/medistory/nouveau?type=tip"))
    for label in ("Question", "Astuce", "Demande d'évolution", "Publier", "Aperçu", "Vérifier les doublons",
                  "Version du logiciel sur laquelle l'astuce a été vérifiée"):
        assert label in html
    assert 'checked id="kind-1" name="kind" type="radio" value="tip"' in html


def test_member_publishes_a_question_and_lands_on_it(client, board, member):
    response = client.post("/b/medistory/nouveau", data={
        "kind": "question", "title": "Comment envoyer au DMP ?", "body": "Je ne trouve pas le **bouton**."})
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread).where(Thread.title == "Comment envoyer au DMP ?"))
    assert thread.kind == "question" and thread.author_id == member.id and thread.board_id == board.id
    assert response.headers["Location"].endswith(f"/t/{thread.id}/comment-envoyer-au-dmp")
    html = page(client.get(response.headers["Location"]))
    assert "<strong>bouton</strong>" in html


def test_tip_records_the_software_version(client, board, member):
    client.post("/b/medistory/nouveau", data={
        "kind": "tip", "title": "Raccourci clavier ordonnance", "body": "Ctrl+O", "software_version": "4.12"})
    thread = db.session.scalar(select(Thread).where(Thread.title == "Raccourci clavier ordonnance"))
    assert thread.kind == "tip" and thread.software_version == "4.12"


def test_request_starts_with_status_nouvelle(client, board, member):
    client.post("/b/medistory/nouveau", data={
        "kind": "request", "title": "Export CSV des rendez-vous", "body": "Pour nos statistiques ACI."})
    thread = db.session.scalar(select(Thread).where(Thread.title == "Export CSV des rendez-vous"))
    assert thread.status == "nouvelle"


def test_preview_shows_rendered_text_keeps_input_and_writes_nothing(client, board, member):
    response = client.post("/b/medistory/nouveau", data={
        "kind": "tip", "title": "Astuce en aperçu", "body": "Texte _important_", "software_version": "2.0",
        "preview": "Aperçu"})
    assert response.status_code == 200
    html = page(response)
    assert "<em>important</em>" in html and 'value="Astuce en aperçu"' in html
    assert "Texte _important_</textarea>" in html and 'value="2.0"' in html
    assert thread_count() == 0


def test_duplicate_check_lists_similar_requests_and_writes_nothing(client, board, member, monkeypatch):
    calls = []
    existing = make_request(board, title="Export des rendez-vous en CSV")
    existing.status = "a_l_etude"
    db.session.commit()

    def fake_similar(board_id, text, limit=5, threshold=None):
        calls.append((board_id, text, limit))
        return [(existing, 0.5)]
    monkeypatch.setattr(search, "similar_scored", fake_similar)
    response = client.post("/b/medistory/nouveau", data={
        "kind": "request", "title": "Exporter les RDV", "body": "En CSV", "check_duplicates": "Vérifier"})
    assert response.status_code == 200
    html = page(response)
    assert f'href="/t/{existing.id}/export-des-rendez-vous-en-csv"' in html and "À l'étude" in html
    assert 'value="Exporter les RDV"' in html
    assert calls == [(board.id, "Exporter les RDV", 5)]
    assert thread_count() == 1  # the existing request only


def test_duplicate_check_with_no_result_says_so(client, board, member):
    response = client.post("/b/medistory/nouveau", data={
        "kind": "request", "title": "Exporter les RDV", "body": "En CSV", "check_duplicates": "Vérifier"})
    assert "Aucune demande proche" in page(response)


@pytest.mark.parametrize("data, message", [
    ({"title": "T" * 151, "body": "Texte"}, "Le titre ne doit pas dépasser 150 caractères"),
    ({"title": "Titre correct", "body": "b" * 50_001}, "Le message ne doit pas dépasser"),
    ({"title": "Titre correct", "body": "  "}, "Le message ne peut pas être vide."),
    ({"title": f"Patient {NIR}", "body": "Texte"}, "numéro de sécurité sociale"),
    ({"title": "Titre correct", "body": f"Son NIR est {NIR}."}, "numéro de sécurité sociale"),
    ({"title": "Titre correct", "body": "Texte", "kind": "sondage"}, "Choisissez le type de sujet"),
])
def test_bad_new_thread_is_refused_with_input_kept(client, board, member, data, message):
    data = {"kind": "question", **data}
    response = client.post("/b/medistory/nouveau", data=data)
    assert response.status_code == 422
    html = page(response, 422)
    assert message in html
    assert f'value="{data["title"]}"' in html
    assert textarea(html, "body") == data["body"]  # kept as typed, blanks included
    assert thread_count() == 0 and db.session.scalar(select(func.count(Post.id))) == 0


def test_new_thread_on_unknown_board_is_a_404(client, member):
    response = client.get("/b/inconnu/nouveau")
    assert response.status_code == 404 and "Ce forum n'existe pas." in page(response, 404)


def test_preview_endpoint_returns_sanitised_html(client, member):
    response = client.post("/apercu", data={"body": "**gras** <script>alert(1)</script> https://ameli.fr"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>gras</strong>" in html and "<script>" not in html
    assert 'href="https://ameli.fr" rel="nofollow ugc noopener"' in html


def test_preview_endpoint_requires_login(client):
    response = client.post("/apercu", data={"body": "x"})
    assert response.status_code == 302


def test_forms_are_csrf_protected(app, client, board, member):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/b/medistory/nouveau", data={
        "kind": "question", "title": "Sans jeton CSRF", "body": "Texte"})
    assert response.status_code == 400
    assert client.post("/apercu", data={"body": "x"}).status_code == 400
    assert thread_count() == 0
    html = client.get("/b/medistory/nouveau").get_data(as_text=True)
    assert 'name="csrf_token"' in html
