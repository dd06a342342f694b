"""Who may change a request's status, merge requests: 403 and nothing changed for the others
(on the Chorus scenario of tests/scenarios.py)."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import StatusChange
from tests.confirm import confirm
from tests.factories import make_board, make_editor, make_request, make_user


def status_changes(thread):
    return db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.thread_id == thread.id))


@pytest.mark.parametrize("role", ["member", "other_editor"])
def test_member_and_other_editor_cannot_set_status(client, login, chorus, role):
    actor = make_user() if role == "member" else make_user(role="editor", editor=make_editor())
    db.session.commit()
    login(actor)
    request = chorus["biology"]
    response = client.post(f"/t/{request.id}/statut", data={"status": "refusee", "note": "Non prévu."})
    assert response.status_code == 403
    assert client.get(f"/t/{request.id}/statut").status_code == 403
    db.session.expire_all()
    assert request.status == "nouvelle" and status_changes(request) == 0


def test_editor_of_this_board_sets_editor_statuses_only(client, login, chorus):
    request = chorus["biology"]
    login(make_user(role="editor", editor=chorus["editor"]))
    db.session.commit()
    response = client.post(f"/t/{request.id}/statut", data={"status": "a_l_etude"})
    assert response.status_code == 403
    response = client.post(f"/t/{request.id}/statut", data={
        "status": "planifiee", "version": "6.2", "note": "Prévu pour la 6.2.", "official": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == "planifiee"
    change = db.session.scalars(select(StatusChange).where(StatusChange.thread_id == request.id)).one()
    assert (change.answer_by, change.version) == ("editor", "6.2")


def test_moderator_sets_any_status(client, login, chorus):
    request = chorus["biology"]
    login(make_user(role="moderator"))
    db.session.commit()
    assert client.get(f"/t/{request.id}/statut").status_code == 200
    assert client.post(f"/t/{request.id}/statut", data={"status": "transmise"}).status_code == 302
    db.session.expire_all()
    assert request.status == "transmise"


def test_refusal_without_reason_is_refused_and_input_kept(client, login, chorus):
    request = chorus["biology"]
    login(make_user(role="editor", editor=chorus["editor"]))
    db.session.commit()
    response = client.post(f"/t/{request.id}/statut", data={"status": "refusee", "version": "6.0", "note": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Indiquez la raison du refus" in html
    assert 'value="6.0"' in html and '<option selected value="refusee">' in html
    db.session.expire_all()
    assert request.status == "nouvelle" and status_changes(request) == 0


def test_merge_page_is_for_moderators(client, login, chorus):
    request = chorus["biology"]
    login(make_user(uses=[chorus["board"]]))
    db.session.commit()
    assert client.get(f"/t/{request.id}/fusionner").status_code == 403
    other = make_request(chorus["board"])
    db.session.commit()
    assert client.post(f"/t/{request.id}/fusionner", data={"target_id": other.id}).status_code == 403
    db.session.expire_all()
    assert request.status == "nouvelle"


def test_bad_merges_are_refused_with_a_message(client, login, chorus):
    request = chorus["biology"]
    elsewhere = make_request(make_board(name="WEDA"))
    login(make_user(role="moderator"))
    db.session.commit()
    assert client.get(f"/t/{request.id}/fusionner").status_code == 200
    response = client.post(f"/t/{request.id}/fusionner", data={"target_id": request.id})
    assert response.status_code == 422 and "avec elle-même" in response.get_data(as_text=True)
    response = client.post(f"/t/{request.id}/fusionner", data={"target_id": 999999})
    assert response.status_code == 422 and "demande existante" in response.get_data(as_text=True)
    response = client.post(f"/t/{request.id}/fusionner", data={"target_id": elsewhere.id})
    assert response.status_code == 422 and "cochez la case de confirmation" in response.get_data(as_text=True)
    db.session.expire_all()
    assert request.status == "nouvelle"
    response = confirm(client, f"/t/{request.id}/fusionner", {"target_id": elsewhere.id, "confirm_cross_board": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == "doublon" and request.merged_into_id == elsewhere.id


def test_forms_need_a_csrf_token_in_production(app, client, login, chorus):
    app.config["WTF_CSRF_ENABLED"] = True
    member = make_user(uses=[chorus["board"]])
    db.session.commit()
    login(member)
    response = client.post(f"/t/{chorus['biology'].id}/vote", data={"importance": "utile"})
    assert response.status_code == 400 and "Le formulaire a expiré" in response.get_data(as_text=True)
