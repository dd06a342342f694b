"""Editors' commitments (services.commitments): who may give a planned request its target, the
rules on periods, versions and slips, and the thread columns kept in step with the history."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry
from forum.models.commitments import RequestTarget
from forum.services import commitments
from forum.services.commitment_rules import due_on, today
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from forum.services.statuses import set_status
from tests.factories import make_board, make_editor, make_request, make_user

NEXT_YEAR = today().year + 1


def targets(thread):
    return db.session.scalar(select(func.count()).select_from(RequestTarget).where(RequestTarget.thread_id == thread.id))


@pytest.fixture
def setting(app):
    editor = make_editor(name="Éditeur de Chorus")
    board = make_board(name="Chorus", editor=editor)
    request = make_request(board)
    moderator = make_user(role="moderator")
    rep = make_user(role="editor", editor=editor)
    set_status(moderator, request, "planifiee")
    return {"board": board, "request": request, "rep": rep, "moderator": moderator}


def test_editor_gives_a_target_copied_onto_the_request(setting):
    request, rep = setting["request"], setting["rep"]
    target = commitments.set_target(rep, request, "v5.4", f"T2 {NEXT_YEAR}")
    assert (target.version, target.period, target.due_on) == ("5.4", f"{NEXT_YEAR}-T2", due_on(f"{NEXT_YEAR}-T2"))
    assert target.previous_id is None and target.actor_id == rep.id
    assert (request.target_version, request.target_period, request.target_due_on, request.target_slips) == (
        "5.4", f"{NEXT_YEAR}-T2", due_on(f"{NEXT_YEAR}-T2"), 0)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "set_target")).one()
    assert entry.thread_id == request.id and entry.details["target"] == f"version 5.4 · T2 {NEXT_YEAR}"


def test_moderator_may_give_a_target(setting):
    commitments.set_target(setting["moderator"], setting["request"], None, f"mai {NEXT_YEAR}")
    assert setting["request"].target_period == f"{NEXT_YEAR}-05"


@pytest.mark.parametrize("who", ["member", "other_editor"])
def test_members_and_other_editors_are_refused(setting, who):
    actor = make_user() if who == "member" else make_user(role="editor", editor=make_editor())
    with pytest.raises(PermissionDenied):
        commitments.set_target(actor, setting["request"], "5.4", f"T2 {NEXT_YEAR}")
    assert targets(setting["request"]) == 0 and setting["request"].target_period is None


def test_only_a_planned_request_gets_a_target(app):
    board = make_board()
    request = make_request(board)
    with pytest.raises(Conflict, match="Une échéance se donne à une demande planifiée."):
        commitments.set_target(make_user(role="moderator"), request, "5.4", None)
    assert targets(request) == 0


@pytest.mark.parametrize(("version", "period", "field", "message"), [
    (None, None, "period", "Indiquez une version prévue"),
    (None, "bientôt", "period", "Indiquez l'échéance comme un trimestre"),
    ("la prochaine", None, "version", "Indiquez la version sous la forme"),
    (None, f"T1 {today().year - 1}", "period", "L'échéance est déjà passée"),
])
def test_bad_input_is_refused_with_nothing_written(setting, version, period, field, message):
    with pytest.raises(ValidationError) as refused:
        commitments.set_target(setting["rep"], setting["request"], version, period)
    assert refused.value.field == field and message in str(refused.value)
    assert targets(setting["request"]) == 0 and setting["request"].target_version is None


def test_a_slip_needs_a_reason_and_a_different_target(setting):
    request, rep = setting["request"], setting["rep"]
    first = commitments.set_target(rep, request, "5.4", f"T1 {NEXT_YEAR}")
    with pytest.raises(ValidationError, match="Indiquez pourquoi l'échéance change"):
        commitments.set_target(rep, request, "5.4", f"T2 {NEXT_YEAR}", reason="  ")
    with pytest.raises(ValidationError, match="C'est déjà l'échéance"):
        commitments.set_target(rep, request, "v5.4", f"{NEXT_YEAR}-T1", reason="Rien ne change.")
    assert targets(request) == 1 and request.target_period == f"{NEXT_YEAR}-T1"
    slip = commitments.set_target(rep, request, "5.4", f"T2 {NEXT_YEAR}", reason="Tests plus longs.")
    assert slip.previous_id == first.id and slip.reason == "Tests plus longs."
    assert (request.target_period, request.target_slips) == (f"{NEXT_YEAR}-T2", 1)


def test_history_in_order_and_slips_counted(setting):
    request, rep = setting["request"], setting["rep"]
    for index, period in enumerate((f"T1 {NEXT_YEAR}", f"T2 {NEXT_YEAR}", f"T3 {NEXT_YEAR}")):
        commitments.set_target(rep, request, None, period, reason=None if index == 0 else f"Raison {index}")
    history = commitments.history(request)
    assert [t.period for t in history] == [f"{NEXT_YEAR}-T1", f"{NEXT_YEAR}-T2", f"{NEXT_YEAR}-T3"]
    assert [t.previous_id for t in history] == [None, history[0].id, history[1].id]
    assert request.target_slips == 2 == targets(request) - 1


def test_demo_has_a_living_roadmap(app):
    """The demo's commitments: on time, late, slipped twice with reasons, kept and delivered late."""
    from forum.models import Thread
    from forum.services import demo
    from forum.services.commitment_rules import late_condition

    demo.seed()
    with_targets = list(db.session.scalars(select(Thread).where(Thread.target_period.is_not(None))))
    late = db.session.scalars(select(Thread.title).where(late_condition(Thread))).all()
    assert late == ["Enregistrer le refus de partage du patient"]
    slipped = [t for t in with_targets if t.target_slips == 2]
    assert len(slipped) == 1 and slipped[0].target_due_on > today()
    assert all(t.reason for t in commitments.history(slipped[0])[1:])
    delivered = {t.target_version for t in with_targets if t.status == "livree"}
    assert delivered == {"2024.4", "6.1"}
    assert all(targets(t) == t.target_slips + 1 for t in with_targets)


def test_freezing_a_livrable_keeps_the_target_as_it_was(setting):
    from forum.export.rows import ExportFilters
    from forum.services import livrables

    request, rep, moderator = setting["request"], setting["rep"], setting["moderator"]
    commitments.set_target(rep, request, "5.4", f"T1 {NEXT_YEAR}")
    commitments.set_target(rep, request, "5.4", f"T2 {NEXT_YEAR}", reason="Tests plus longs.")
    draft = livrables.create_draft(moderator, setting["board"], ExportFilters())
    livrables.freeze(moderator, draft)
    commitments.set_target(rep, request, "5.5", f"T3 {NEXT_YEAR}", reason="Encore.")
    item = draft.items[0]
    assert (item.target_version, item.target_period, item.target_due_on, item.target_slips) == (
        "5.4", f"{NEXT_YEAR}-T2", due_on(f"{NEXT_YEAR}-T2"), 1)
