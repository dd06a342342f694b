"""Moderation services: each action changes the thread or post, keeps counters and the search
queue in step, checks the moderator's scope and writes one audit entry."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, IndexTask, Post, PostRevision, Thread
from forum.services import counters, moderation
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from tests.factories import make_board, make_post, make_request, make_thread, make_tip, make_user, make_vote


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def queued(thread) -> bool:
    return db.session.scalar(select(func.count()).select_from(IndexTask).where(IndexTask.thread_id == thread.id)) > 0


def clear_queue() -> None:
    db.session.execute(IndexTask.__table__.delete())


@pytest.fixture
def moderator(app):
    return make_user(role="moderator")


def test_pin_and_lock_switch_and_are_audited(moderator):
    thread = make_thread()
    moderation.switch_thread(moderator, thread, "pin", "Sujet de référence")
    moderation.switch_thread(moderator, thread, "lock")
    assert thread.pinned and thread.locked
    with pytest.raises(Conflict):
        moderation.switch_thread(moderator, thread, "pin")
    moderation.switch_thread(moderator, thread, "unlock")
    assert not thread.locked
    assert audit_actions() == ["pin", "lock", "unlock"]
    entry = db.session.scalars(select(AuditEntry)).first()
    assert (entry.reason, entry.thread_id, entry.board_id, entry.actor_id) == (
        "Sujet de référence", thread.id, thread.board_id, moderator.id)


def test_member_cannot_pin(app):
    thread = make_thread()
    with pytest.raises(PermissionDenied):
        moderation.switch_thread(make_user(), thread, "pin")
    assert not thread.pinned and audit_actions() == []


def test_move_recounts_both_boards_and_reindexes(moderator):
    source, target = make_board(), make_board()
    thread = make_thread(source)
    make_post(thread)
    make_thread(source)
    clear_queue()
    moderation.move_thread(moderator, thread, target, "Mauvais logiciel")
    db.session.expire_all()
    assert thread.board_id == target.id
    assert (source.question_count, source.post_count) == (1, 1)
    assert (target.question_count, target.post_count) == (1, 2)
    assert counters.counter_mismatches() == []
    assert queued(thread)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "move" and entry.details["from_board"] == source.name and entry.board_id == target.id


def test_move_to_the_same_board_is_refused(moderator):
    thread = make_thread()
    with pytest.raises(ValidationError) as error:
        moderation.move_thread(moderator, thread, thread.board)
    assert error.value.field == "board_id"


def test_move_refreshes_request_figures_for_the_new_board(moderator):
    source, target = make_board(), make_board()
    request = make_request(source)
    make_vote(request, make_user(uses=[source]))
    assert request.vote_count == 1
    moderation.move_thread(moderator, request, target)
    db.session.expire_all()
    # The voter declares the old board's software, not the new one: the vote is set apart.
    assert (request.vote_count, request.uncounted_vote_count) == (0, 1)


def test_question_becomes_request_with_status_nouvelle(moderator):
    board = make_board()
    question = make_thread(board)
    reply = make_post(question)
    question.accepted_post_id = reply.id
    moderation.change_kind(moderator, question, "request", "C'est une demande")
    db.session.expire_all()
    assert (question.kind, question.status, question.accepted_post_id) == ("request", "nouvelle", None)
    assert (board.question_count, board.request_count) == (0, 1)
    assert counters.counter_mismatches() == []
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.details == {"from_kind": "Question", "to_kind": "Demande d'évolution"}


def test_request_with_votes_cannot_change_kind(moderator):
    request = make_request()
    make_vote(request)
    with pytest.raises(ValidationError) as error:
        moderation.change_kind(moderator, request, "question")
    assert "votes" in error.value.message
    assert request.kind == "request" and audit_actions() == []


def test_request_without_votes_becomes_a_question(moderator):
    request = make_request()
    moderation.change_kind(moderator, request, "question")
    assert (request.kind, request.status) == ("question", None)


def test_tip_keeps_its_version_through_kind_changes(moderator):
    tip = make_tip(software_version="7.2")
    moderation.change_kind(moderator, tip, "question")
    moderation.change_kind(moderator, tip, "tip")
    assert tip.software_version == "7.2"
    moderation.change_kind(moderator, tip, "question")
    moderation.change_kind(moderator, tip, "tip", software_version="8.0")
    assert tip.software_version == "8.0"


def test_unknown_or_same_kind_is_refused(moderator):
    thread = make_thread()
    for kind in ("sondage", "question"):
        with pytest.raises(ValidationError):
            moderation.change_kind(moderator, thread, kind)


def test_hide_requires_a_reason_and_restore_brings_the_thread_back(moderator):
    board = make_board()
    thread = make_thread(board)
    with pytest.raises(ValidationError) as error:
        moderation.hide_thread(moderator, thread, "  ")
    assert error.value.field == "reason" and thread.deleted_at is None
    moderation.hide_thread(moderator, thread, "Publicité")
    db.session.expire_all()
    assert thread.deleted_by_id == moderator.id and board.question_count == 0
    moderation.restore_thread(moderator, thread)
    db.session.expire_all()
    assert thread.deleted_at is None and board.question_count == 1
    assert counters.counter_mismatches() == []
    assert audit_actions() == ["hide_thread", "restore_thread"]


def test_hide_and_restore_a_post(moderator):
    thread = make_thread()
    post = make_post(thread)
    moderation.hide_post(moderator, post, "Propos irrespectueux")
    db.session.expire_all()
    assert post.deleted_by_id == moderator.id and thread.reply_count == 0
    with pytest.raises(Conflict):
        moderation.hide_post(moderator, post, "Encore")
    moderation.restore_post(moderator, post)
    db.session.expire_all()
    assert post.deleted_at is None and thread.reply_count == 1
    assert audit_actions() == ["hide_post", "restore_post"]


def test_moderator_edit_is_a_moderator_revision_and_audited(moderator):
    post = make_post(make_thread(), body="Appelez le 06 12 34 56 78")
    moderation.edit_post(moderator, post, "Numéro retiré par la modération.", reason="Coordonnées personnelles")
    revision = db.session.scalars(select(PostRevision)).one()
    assert revision.by_moderator and revision.body_source == "Appelez le 06 12 34 56 78"
    assert audit_actions() == ["edit_post"]
    moderation.edit_post(moderator, post, "Numéro retiré par la modération.")  # unchanged: nothing recorded
    assert audit_actions() == ["edit_post"]


def test_merge_moves_posts_in_date_order_and_leaves_a_pointer(moderator):
    board = make_board()
    older = make_thread(board, title="Ordonnance sécurisée : comment ?")
    target = make_thread(board, title="Imprimer une ordonnance sécurisée")
    a1 = make_post(older, body="Réponse A1")
    b1 = make_post(target, body="Réponse B1")
    a2 = make_post(older, body="Réponse A2")
    clear_queue()
    moved = moderation.merge_threads(moderator, older, target, "Même question")
    db.session.expire_all()
    assert moved == 3
    bodies = list(db.session.scalars(select(Post.body_source).where(Post.thread_id == target.id, Post.is_first.is_(False))
                                     .order_by(Post.id)))
    assert bodies == ["Bonjour, comment faites-vous ?", "Réponse A1", "Réponse B1", "Réponse A2"]
    assert [a1.thread_id, b1.thread_id, a2.thread_id] == [target.id] * 3
    assert (older.deleted_at is not None, older.merged_into_id) == (True, target.id)
    assert target.reply_count == 4 and board.question_count == 1
    assert counters.counter_mismatches() == []
    assert queued(older) and queued(target)
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "merge_threads" and entry.details["source_id"] == older.id


def test_requests_cannot_be_merged_as_threads(moderator):
    board = make_board()
    with pytest.raises(ValidationError):
        moderation.merge_threads(moderator, make_request(board), make_thread(board))
    with pytest.raises(ValidationError):
        moderation.merge_threads(moderator, make_thread(board), make_request(board))


def test_merge_into_itself_or_a_hidden_thread_is_refused(moderator):
    thread, hidden = make_thread(), make_thread()
    moderation.hide_thread(moderator, hidden, "Spam")
    for target in (thread, hidden):
        with pytest.raises(ValidationError):
            moderation.merge_threads(moderator, thread, target)
    assert db.session.get(Thread, thread.id).deleted_at is None


def test_reason_with_a_patient_identifier_is_refused(moderator):
    with pytest.raises(ValidationError):
        moderation.switch_thread(moderator, make_thread(), "pin", "Patient 1 85 12 75 123 456 78")
