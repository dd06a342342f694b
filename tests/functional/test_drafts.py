"""Drafts through the pages: restored on opening the form, kept by « Aperçu », saved by the
composer's JSON endpoint, deleted by its button, gone on publishing, private, CSRF-guarded, and
discarded with a notice once the thread is locked."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Draft, Post
from forum.services import drafts
from tests.factories import make_board, make_thread, make_user
from tests.pages import page


def textarea(html: str, name: str = "body") -> str | None:
    match = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    return match.group(1) if match else None


def draft_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Draft))


@pytest.fixture
def world(login):
    board = make_board(name="Médistory", slug="medistory")
    member = make_user(uses=[board])
    thread = make_thread(board, title="Comment imprimer une ordonnance ?")
    db.session.commit()
    login(member)
    return board, member, thread


def test_a_saved_reply_draft_fills_the_reply_form_with_a_notice_and_a_delete_button(client, world):
    board, member, thread = world
    response = client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Par le menu **Fichier**"})
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert "Brouillon enregistré le" in response.get_json()["message"]
    html = page(client.get(f"/t/{thread.id}"))
    assert textarea(html) == "Par le menu **Fichier**"
    assert re.search(r"Brouillon enregistré le .+ restauré", html)
    assert f'action="/brouillon/sujet/{thread.id}/supprimer"' in html and "Supprimer le brouillon" in html


def test_a_new_thread_draft_fills_title_kind_body_and_version(client, world):
    board, member, thread = world
    response = client.post(f"/brouillon/forum/{board.slug}", data={
        "title": "Raccourci pour dupliquer", "kind": "tip", "body": "Ctrl+D", "software_version": "5.2"})
    assert response.status_code == 200
    html = page(client.get(f"/b/{board.slug}/nouveau"))
    assert textarea(html) == "Ctrl+D"
    assert 'value="Raccourci pour dupliquer"' in html and 'value="5.2"' in html
    assert re.search(r'value="tip"[^>]*checked|checked[^>]*value="tip"', html)
    assert "restauré" in html


def test_preview_without_javascript_saves_the_reply_draft(client, world):
    board, member, thread = world
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Texte en cours", "preview": "Aperçu"})
    html = page(response)
    assert "Brouillon enregistré le" in html
    assert drafts.load(member, thread).body == "Texte en cours"


def test_preview_of_a_new_thread_saves_its_draft(client, world):
    board, member, thread = world
    page(client.post(f"/b/{board.slug}/nouveau", data={
        "kind": "question", "title": "Titre en cours", "body": "Corps en cours", "preview": "Aperçu"}))
    draft = drafts.load(member, board)
    assert (draft.title, draft.body) == ("Titre en cours", "Corps en cours")


def test_publishing_a_reply_discards_its_draft(client, world):
    board, member, thread = world
    client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Ma réponse"})
    response = client.post(f"/t/{thread.id}/repondre", data={"body": "Ma réponse", "publish": "Répondre"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 2
    assert draft_count() == 0
    assert textarea(page(client.get(f"/t/{thread.id}"))) == ""


def test_publishing_a_new_thread_discards_its_draft(client, world):
    board, member, thread = world
    client.post(f"/brouillon/forum/{board.slug}", data={"title": "Un titre assez long", "body": "Texte"})
    response = client.post(f"/b/{board.slug}/nouveau", data={
        "kind": "question", "title": "Comment exporter mes courriers ?", "body": "Texte", "publish": "Publier"})
    assert response.status_code == 302
    assert draft_count() == 0


def test_the_delete_button_discards_the_draft(client, world):
    board, member, thread = world
    client.post(f"/brouillon/sujet/{thread.id}", data={"body": "À jeter"})
    response = client.post(f"/brouillon/sujet/{thread.id}/supprimer")
    assert response.status_code == 302
    html = page(client.get(f"/t/{thread.id}"))
    assert "Brouillon supprimé." in html and textarea(html) == ""
    assert draft_count() == 0


def test_another_member_never_sees_the_draft(client, world, login):
    board, member, thread = world
    client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Secret de Claire"})
    other = make_user(uses=[board])
    db.session.commit()
    login(other)
    html = page(client.get(f"/t/{thread.id}"))
    assert "Secret de Claire" not in html and "restauré" not in html


def test_saving_a_draft_requires_the_csrf_token(app, client, world):
    board, member, thread = world
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Sans jeton"})
    assert response.status_code == 400
    assert draft_count() == 0


def test_a_too_long_draft_is_refused_in_french_and_nothing_is_kept(app, client, world):
    board, member, thread = world
    response = client.post(f"/brouillon/sujet/{thread.id}", data={"body": "x" * (app.config["BODY_MAX_LENGTH"] + 1)})
    assert response.status_code == 422 and "ne doit pas dépasser" in response.get_json()["message"]
    assert draft_count() == 0


def test_a_draft_of_a_thread_locked_since_is_discarded_with_a_notice(client, world):
    board, member, thread = world
    client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Réponse préparée"})
    thread.locked = True
    db.session.commit()
    html = page(client.get(f"/t/{thread.id}"))
    assert "Votre brouillon de réponse a été supprimé : ce sujet est verrouillé." in html
    assert "Réponse préparée" not in html
    assert draft_count() == 0
    refused = client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Encore"})
    assert refused.status_code == 409 and "verrouillé" in refused.get_json()["message"]
    assert draft_count() == 0


def test_autosave_to_a_deleted_thread_is_refused_and_the_draft_discarded(client, world):
    board, member, thread = world
    client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Réponse préparée"})
    thread.deleted_at = func.now()
    db.session.commit()
    refused = client.post(f"/brouillon/sujet/{thread.id}", data={"body": "Encore"})
    assert refused.status_code == 404 and "plus disponible" in refused.get_json()["message"]
    assert draft_count() == 0


def test_composer_forms_carry_the_composer_hooks_and_script(client, world):
    board, member, thread = world
    for url in (f"/t/{thread.id}", f"/b/{board.slug}/nouveau"):
        html = page(client.get(url))
        assert "data-composer" in html and "data-draft-url=" in html and "composer.js" in html
        assert 'role="toolbar"' not in html  # the toolbar is the script's: absent without JavaScript
