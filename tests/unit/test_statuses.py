"""Status changes: the permission matrix, required reasons, history and official answers."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import IndexTask, StatusChange
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from forum.services.statuses import allowed_statuses, set_status
from tests.factories import make_board, make_editor, make_request, make_thread, make_user


def changes(thread):
    return db.session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.thread_id == thread.id))


@pytest.fixture
def setting(app):
    editor = make_editor(name="Éditeur de Chorus")
    board = make_board(name="Chorus", editor=editor)
    request = make_request(board)
    return {"board": board, "request": request, "editor": editor}


def test_moderator_sets_any_status_and_it_is_recorded(setting):
    request = setting["request"]
    moderator = make_user(role="moderator")
    change = set_status(moderator, request, "a_l_etude", note="On regarde **ça**.", official=True)
    db.session.commit()
    assert request.status == "a_l_etude"
    assert (change.from_status, change.to_status, change.actor_id, change.answer_by) == (
        "nouvelle", "a_l_etude", moderator.id, "federation")
    assert "<strong>ça</strong>" in change.note_html
    assert db.session.scalar(select(func.count()).select_from(IndexTask).where(IndexTask.thread_id == request.id)) >= 2


def test_editor_of_this_board_plans_and_delivers_with_an_official_answer(setting):
    request = setting["request"]
    rep = make_user(role="editor", editor=setting["editor"])
    set_status(rep, request, "planifiee", version="6.0", note="Prévu pour la 6.0.", official=True)
    change = set_status(rep, request, "livree", version="6.0.1")
    db.session.commit()
    assert request.status == "livree" and change.version == "6.0.1"
    assert [c.answer_by for c in db.session.scalars(select(StatusChange).order_by(StatusChange.id))] == ["editor", None]


@pytest.mark.parametrize("who", ["member", "other_editor"])
def test_members_and_other_editors_cannot_set_status(setting, who):
    request = setting["request"]
    actor = make_user() if who == "member" else make_user(role="editor", editor=make_editor())
    with pytest.raises(PermissionDenied):
        set_status(actor, request, "refusee", note="Non.")
    db.session.commit()
    assert request.status == "nouvelle" and changes(request) == 0


@pytest.mark.parametrize("status", ["a_l_etude", "transmise", "nouvelle"])
def test_editor_cannot_set_federation_statuses(setting, status):
    rep = make_user(role="editor", editor=setting["editor"])
    with pytest.raises(PermissionDenied):
        set_status(rep, setting["request"], status, note="Note")
    assert changes(setting["request"]) == 0


def test_allowed_statuses_per_role(setting):
    request = setting["request"]
    assert allowed_statuses(make_user(), request) == []
    assert allowed_statuses(make_user(role="editor", editor=setting["editor"]), request) == [
        "planifiee", "livree", "deja_possible", "refusee"]
    assert "doublon" not in allowed_statuses(make_user(role="moderator"), request)


@pytest.mark.parametrize("status,field", [("refusee", "note"), ("deja_possible", "note"), ("livree", "version")])
def test_closing_without_reason_or_version_is_refused(setting, status, field):
    rep = make_user(role="editor", editor=setting["editor"])
    with pytest.raises(ValidationError) as error:
        set_status(rep, setting["request"], status, note="  ")
    assert error.value.field == field
    assert setting["request"].status == "nouvelle" and changes(setting["request"]) == 0


def test_doublon_only_through_a_merge(setting):
    with pytest.raises(ValidationError) as error:
        set_status(make_user(role="moderator"), setting["request"], "doublon")
    assert "fusionnez" in error.value.message


def test_unknown_status_and_non_request(setting):
    moderator = make_user(role="moderator")
    with pytest.raises(ValidationError):
        set_status(moderator, setting["request"], "enterree")
    with pytest.raises(Conflict):
        set_status(moderator, make_thread(setting["board"], kind="question"), "a_l_etude")


def test_note_with_patient_number_is_refused(setting):
    with pytest.raises(ValidationError) as error:
        set_status(make_user(role="moderator"), setting["request"], "refusee", note="Patient 1 85 12 75 123 456 78")
    assert error.value.field == "note" and changes(setting["request"]) == 0


def test_official_answer_needs_a_text(setting):
    with pytest.raises(ValidationError):
        set_status(make_user(role="moderator"), setting["request"], "transmise", official=True)
