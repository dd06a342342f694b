"""Merging duplicates: votes follow once per user with the higher importance; bad merges refused."""
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import StatusChange, Vote
from forum.services import ranking
from forum.services.errors import Conflict, PermissionDenied, ValidationError
from forum.services.merges import merge_requests
from tests.factories import make_board, make_request, make_thread, make_user, make_vote


def importances(thread):
    return dict(db.session.execute(select(Vote.user_id, Vote.importance).where(Vote.thread_id == thread.id)).all())


def test_merge_moves_unique_votes_and_keeps_the_higher_importance(app):
    board = make_board()
    source, target = make_request(board, title="Doublon de la demande"), make_request(board, title="Demande d'origine")
    only_source, both_higher, both_lower = (make_user(uses=[board]) for _ in range(3))
    make_vote(source, only_source, "important")
    make_vote(source, both_higher, "bloquant")
    make_vote(target, both_higher, "utile")
    make_vote(source, both_lower, "utile")
    make_vote(target, both_lower, "important")
    merge = merge_requests(make_user(role="moderator"), source, target)
    db.session.commit()
    assert (merge.votes_moved, merge.votes_already_present) == (1, 2)
    assert importances(target) == {only_source.id: "important", both_higher.id: "bloquant",
                                   both_lower.id: "important"}
    assert (target.vote_count, target.score) == (3, 7)
    assert source.status == "doublon" and source.merged_into_id == target.id
    assert len(importances(source)) == 3  # frozen history on the duplicate
    change = db.session.scalars(select(StatusChange).where(StatusChange.thread_id == source.id)).one()
    assert (change.from_status, change.to_status) == ("nouvelle", "doublon")
    assert ranking.stored_figures_mismatches() == []


def test_merge_changes_the_ranking(app):
    board = make_board()
    leader, small, duplicate = make_request(board), make_request(board), make_request(board)
    make_vote(leader, importance="important")
    make_vote(small, importance="utile")
    make_vote(duplicate, importance="bloquant")
    merge_requests(make_user(role="moderator"), duplicate, small)
    db.session.commit()
    assert [r.thread.id for r in ranking.rank(board).rows] == [small.id, leader.id]


def test_merge_into_itself_is_refused(app):
    request = make_request()
    with pytest.raises(ValidationError) as error:
        merge_requests(make_user(role="moderator"), request, request)
    assert "elle-même" in error.value.message
    assert request.status == "nouvelle"


def test_merge_into_a_doublon_is_refused(app):
    board = make_board()
    a, b, c = make_request(board), make_request(board), make_request(board)
    moderator = make_user(role="moderator")
    merge_requests(moderator, b, c)
    with pytest.raises(ValidationError) as error:
        merge_requests(moderator, a, b)
    assert "elle-même un doublon" in error.value.message and a.status == "nouvelle"
    with pytest.raises(Conflict):
        merge_requests(moderator, b, a)


def test_merge_across_boards_needs_confirmation(app):
    source, target = make_request(make_board()), make_request(make_board())
    moderator = make_user(role="moderator")
    with pytest.raises(ValidationError) as error:
        merge_requests(moderator, source, target)
    assert error.value.field == "confirm_cross_board" and source.status == "nouvelle"
    merge_requests(moderator, source, target, confirm_cross_board=True)
    assert source.status == "doublon"


def test_only_moderators_merge_and_only_requests(app):
    board = make_board()
    source, target = make_request(board), make_request(board)
    with pytest.raises(PermissionDenied):
        merge_requests(make_user(uses=[board]), source, target)
    with pytest.raises(ValidationError):
        merge_requests(make_user(role="moderator"), source, make_thread(board, kind="question"))
    assert source.status == "nouvelle"
