"""Label facts editable by admins with a history: the admin's page changes level, version and note,
each change is kept ({field: [before, after]}, audited) and listed on the board; members and
moderators get 403 and change nothing; the label shows on the home page and the board even when
only its version is known (the catalogue's « V2 »)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Board, BoardLabelChange
from forum.services import catalogue
from forum.services.patient_data import NIR_MESSAGE
from tests.factories import make_board, make_user


@pytest.fixture
def medistory(app):
    board = make_board(name="Médistory", slug="medistory", label_level="standard", label_version="V2")
    db.session.commit()
    return board


def changes_count() -> int:
    return db.session.scalar(select(func.count()).select_from(BoardLabelChange))


def test_admin_edits_the_label_and_the_board_shows_its_history(client, login, medistory):
    admin = login(make_user(role="admin", display_name="Adèle Admin"))
    form = client.get("/admin/forums/medistory/label")
    assert form.status_code == 200 and "Label de Médistory" in form.get_data(as_text=True)
    response = client.post("/admin/forums/medistory/label", data={
        "label_level": "aucun", "label_version": "V1", "label_note": "Ne répond plus au label V2"})
    assert response.status_code == 302
    board = client.get("/b/medistory/").get_data(as_text=True)
    assert '<span class="badge badge-label">Label V1</span>' in board
    assert "Ne répond plus au label V2" in board
    assert "Historique du label" in board and "niveau Standard → —" in board and "version V2 → V1" in board
    change = db.session.scalar(select(BoardLabelChange))
    assert change.changes == {"label_level": ["standard", None], "label_version": ["V2", "V1"],
                              "label_note": [None, "Ne répond plus au label V2"]}
    assert change.actor_id == admin.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "set_label"))
    assert entry.board_id == medistory.id


def test_saving_the_same_facts_writes_no_history(client, login, medistory):
    login(make_user(role="admin"))
    response = client.post("/admin/forums/medistory/label", data={
        "label_level": "standard", "label_version": "V2", "label_note": ""})
    assert response.status_code == 302
    assert changes_count() == 0


@pytest.mark.parametrize("role", ["member", "moderator", "editor"])
def test_others_are_refused_and_nothing_changes(client, login, medistory, role):
    login(make_user(role=role, editor=medistory.editor if role == "editor" else None))
    assert client.get("/admin/forums/medistory/label").status_code == 403
    response = client.post("/admin/forums/medistory/label", data={
        "label_level": "avance", "label_version": "V9", "label_note": "Changé"})
    assert response.status_code == 403
    db.session.expire_all()
    board = db.session.get(Board, medistory.id)
    assert (board.label_level, board.label_version, board.label_note) == ("standard", "V2", None)
    assert changes_count() == 0


@pytest.mark.parametrize("data, message", [
    ({"label_level": "platine", "label_version": "V2"}, "Choisissez un niveau de label dans la liste."),
    ({"label_level": "avance", "label_version": "V2", "label_note": "<script>x</script>"}, "balises HTML"),
    ({"label_level": "avance", "label_version": "V2", "label_note": "Patient 1 85 12 75 123 456 78"}, NIR_MESSAGE),
    ({"label_level": "avance", "label_version": "V" * 33}, "ne doit pas dépasser 32 caractères"),
])
def test_bad_label_input_is_refused_in_french_and_nothing_changes(client, login, medistory, data, message):
    login(make_user(role="admin"))
    response = client.post("/admin/forums/medistory/label", data=data)
    assert response.status_code == 422
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Board, medistory.id).label_level == "standard"
    assert changes_count() == 0


def test_catalogue_label_version_shows_on_home_and_board(client, app):
    catalogue.sync()
    db.session.commit()
    home = client.get("/")
    assert home.status_code == 200
    assert '<span class="badge badge-label">Label V2</span>' in home.get_data(as_text=True)
    board = client.get("/b/chorus/")
    assert board.status_code == 200
    assert '<span class="badge badge-label">Label V2</span>' in board.get_data(as_text=True)
