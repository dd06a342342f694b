"""Who speaks for the editor: the « Éditeur » badge wherever an author is shown (search results,
the board's thread list, the profile); the named contacts and contact note the editor chooses in its
space, shown on each of its boards; another editor cannot set them; the note is guarded."""
from __future__ import annotations

import re

import pytest

from forum import search
from forum.extensions import db
from forum.models import Editor, User
from forum.services.patient_data import NIR_MESSAGE
from tests.factories import make_board, make_editor, make_thread, make_user

NIR = "1 85 12 75 123 456 78"


@pytest.fixture
def chorus_editor(app):
    editor = make_editor(name="ICT", slug="ict")
    board = make_board(name="Chorus", slug="chorus", editor=editor)
    marc = make_user(role="editor", editor=editor, display_name="Marc Dupont")
    lea = make_user(role="editor", editor=editor, display_name="Léa Support")
    db.session.commit()
    return {"editor": editor, "board": board, "marc": marc, "lea": lea}


def test_editor_badge_in_board_list_search_results_and_profile(client, chorus_editor):
    search.reindex()
    make_thread(chorus_editor["board"], chorus_editor["marc"], title="Nouveautés de la version 6.2 annoncées")
    db.session.commit()
    search.apply_pending()
    board_page = client.get("/b/chorus/")
    assert board_page.status_code == 200
    assert 'Marc Dupont</bdi></a> <span class="badge badge-editor">Éditeur</span>' in board_page.get_data(as_text=True)
    results = client.get("/search?q=nouveautés")
    assert results.status_code == 200
    assert '<span class="badge badge-editor">Éditeur</span>' in results.get_data(as_text=True)
    profile = client.get(f"/u/{chorus_editor['marc'].id}").get_data(as_text=True)
    assert 'badge badge-editor">Représentant·e de ICT' in profile


def test_member_author_has_no_editor_badge(client, chorus_editor):
    make_thread(chorus_editor["board"], title="Question d'un membre")
    db.session.commit()
    response = client.get("/b/chorus/")
    assert response.status_code == 200
    assert "badge-editor" not in response.get_data(as_text=True)


def test_editor_names_its_contacts_shown_on_its_boards(client, login, chorus_editor):
    login(chorus_editor["lea"])
    space = client.get("/editeur")
    assert space.status_code == 200 and "Contacts affichés sur vos forums" in space.get_data(as_text=True)
    response = client.post("/editeur/ict/contacts", data={"contact": [str(chorus_editor["marc"].id)],
                                                         "contact_note": "support@ict.example"})
    assert response.status_code == 302
    board_page = client.get("/b/chorus/").get_data(as_text=True)
    line = re.search(r'<p class="small editor-contact">(.*?)</p>', board_page, re.S).group(1)
    assert "Contact éditeur :" in line and "Marc Dupont" in line and "support@ict.example" in line
    assert "Léa Support" not in line


def test_board_without_contacts_shows_no_contact_line(client, chorus_editor):
    response = client.get("/b/chorus/")
    assert response.status_code == 200
    assert "Contact éditeur" not in response.get_data(as_text=True)


def test_another_editor_cannot_set_the_contacts(client, login, chorus_editor):
    other = make_user(role="editor", editor=make_editor(name="Autre éditeur"))
    login(other)
    response = client.post("/editeur/ict/contacts", data={"contact": [str(chorus_editor["marc"].id)],
                                                         "contact_note": "pirate@example.org"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Editor, chorus_editor["editor"].id).contact_note is None
    assert not db.session.get(User, chorus_editor["marc"].id).editor_contact


def test_editor_cannot_name_another_editors_representative(client, login, chorus_editor):
    stranger = make_user(role="editor", editor=make_editor(name="Tiers"))
    login(chorus_editor["lea"])
    response = client.post("/editeur/ict/contacts", data={"contact": [str(stranger.id)], "contact_note": "x"})
    assert response.status_code == 400
    assert "parmi les représentants de votre éditeur" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, stranger.id).editor_contact


@pytest.mark.parametrize("note, message", [
    (f"Rappelez le patient {NIR}", NIR_MESSAGE),
    ("<b>support</b>@ict.example", "ne peut pas contenir de balises HTML"),
    ("x" * 256, "ne doit pas dépasser 255 caractères"),
])
def test_contact_note_is_guarded(client, login, chorus_editor, note, message):
    login(chorus_editor["lea"])
    response = client.post("/editeur/ict/contacts", data={"contact": [str(chorus_editor["marc"].id)],
                                                         "contact_note": note})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in html
    assert 'id="contact-{}" name="contact" value="{}" checked'.format(*[chorus_editor["marc"].id] * 2) in html
    db.session.expire_all()
    assert db.session.get(Editor, chorus_editor["editor"].id).contact_note is None
    assert not db.session.get(User, chorus_editor["marc"].id).editor_contact
