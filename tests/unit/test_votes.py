"""Votes: one per user and request, importance changes, frozen statuses, bad input changes nothing."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Vote
from forum.services import votes
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from forum.services.merges import merge_requests
from forum.services.statuses import set_status
from tests.factories import make_board, make_request, make_thread, make_user, make_vote


def vote_rows(thread):
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))


def test_member_cannot_vote_twice(app):
    request = make_request()
    member = make_user(uses=[request.board])
    votes.cast_vote(member, request, "utile")
    votes.cast_vote(member, request, "utile")
    db.session.commit()
    assert vote_rows(request) == 1
    assert (request.score, request.vote_count) == (1, 1)


def test_member_changes_importance_then_withdraws(app):
    request = make_request()
    member = make_user(uses=[request.board])
    votes.cast_vote(member, request, "utile")
    vote = votes.cast_vote(member, request, "bloquant")
    db.session.commit()
    assert vote.importance == "bloquant" and request.score == 3
    votes.withdraw_vote(member, request)
    db.session.commit()
    assert vote_rows(request) == 0 and (request.score, request.vote_count) == (0, 0)


def test_unknown_importance_is_refused(app):
    request = make_request()
    member = make_user(uses=[request.board])
    with pytest.raises(ValidationError) as error:
        votes.cast_vote(member, request, "urgentissime")
    assert error.value.field == "importance"
    assert vote_rows(request) == 0


def test_member_not_declaring_the_software_cannot_vote(app):
    request = make_request()
    with pytest.raises(PermissionDenied) as error:
        votes.cast_vote(make_user(), request)
    assert "Déclarez que vous utilisez ce logiciel" in error.value.message
    assert vote_rows(request) == 0


def test_relaxed_board_lets_anyone_vote(app):
    request = make_request(make_board(votes_require_usage=False))
    votes.cast_vote(make_user(), request)
    assert vote_rows(request) == 1


def test_cannot_vote_on_a_question(app):
    question = make_thread(kind="question")
    with pytest.raises(Conflict):
        votes.cast_vote(make_user(uses=[question.board]), question)
    assert vote_rows(question) == 0


@pytest.mark.parametrize("status,extra", [
    ("livree", {"version": "5.3"}), ("deja_possible", {"note": "Menu Outils > Options."}),
    ("refusee", {"note": "Hors du périmètre du label."}),
])
def test_votes_are_frozen_once_closed(app, status, extra):
    request = make_request()
    member = make_user(uses=[request.board])
    make_vote(request, member, "utile")
    set_status(make_user(role="moderator"), request, status, **extra)
    with pytest.raises(Conflict) as error:
        votes.cast_vote(member, request, "bloquant")
    assert "Les votes sont clos" in error.value.message
    with pytest.raises(Conflict):
        votes.withdraw_vote(member, request)
    with pytest.raises(Conflict):
        votes.cast_vote(make_user(uses=[request.board]), request)
    db.session.commit()
    assert vote_rows(request) == 1 and request.score == 1


def test_votes_are_frozen_on_a_doublon(app):
    board = make_board()
    source, target = make_request(board), make_request(board)
    member = make_user(uses=[board])
    make_vote(source, member)
    merge_requests(make_user(role="moderator"), source, target)
    with pytest.raises(Conflict):
        votes.cast_vote(member, source, "bloquant")
    with pytest.raises(Conflict):
        votes.withdraw_vote(member, source)


def test_a_lost_insert_race_keeps_one_vote_and_no_error(app, monkeypatch):
    """Another request inserted the same vote between our checks and our write: the single
    INSERT … ON CONFLICT DO UPDATE turns ours into a change of importance, one row, no error."""
    from sqlalchemy import insert

    from forum.models._time import utcnow

    request = make_request()
    member = make_user(uses=[request.board])
    db.session.commit()
    thread_id, user_id, checks = request.id, member.id, votes.vote_refusal

    def checks_then_another_request_votes(*args, **kwargs):
        refusal = checks(*args, **kwargs)
        with db.engine.begin() as other:
            other.execute(insert(Vote).values(thread_id=thread_id, user_id=user_id, importance="utile",
                                              created_at=utcnow(), updated_at=utcnow()))
        return refusal

    monkeypatch.setattr(votes, "vote_refusal", checks_then_another_request_votes)
    vote = votes.cast_vote(member, request, "important")
    db.session.commit()
    assert vote_rows(request) == 1
    assert vote.importance == "important" and request.score == 2


def test_withdrawing_after_dropping_the_software_is_allowed(app):
    request = make_request()
    member = make_user(uses=[request.board])
    make_vote(request, member)
    member.software.clear()
    db.session.flush()
    votes.withdraw_vote(member, request)
    assert vote_rows(request) == 0


def test_figures_are_counted_with_the_request_locked_against_other_writers(app, monkeypatch):
    """Re-casting the same vote writes nothing before the figures are counted: without a lock, a
    vote committed meanwhile went missing from the stored figures (tests/stress found it). While
    the votes are counted, no other transaction may write the request."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from forum.services.ranking import stored

    request = make_request()
    member = make_user(uses=[request.board])
    votes.cast_vote(member, request, "important")
    db.session.commit()
    attempts = []
    count_votes = stored.figures_for

    def figures_while_another_writer_tries(*args, **kwargs):
        with db.engine.connect() as other:
            try:
                if other.dialect.name == "postgresql":
                    other.execute(text("SELECT id FROM threads WHERE id = :id FOR UPDATE NOWAIT"),
                                  {"id": request.id})
                else:
                    other.exec_driver_sql("PRAGMA busy_timeout = 0")
                    other.exec_driver_sql("BEGIN IMMEDIATE")
                attempts.append("written")
            except OperationalError:
                attempts.append("locked")
            other.rollback()
        return count_votes(*args, **kwargs)

    monkeypatch.setattr(stored, "figures_for", figures_while_another_writer_tries)
    votes.cast_vote(member, request, "important")  # the same vote again: no row changes
    db.session.commit()
    assert attempts == ["locked"]
