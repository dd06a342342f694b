"""The ranking rule on hand-built cases: structure cap, non-users' votes, ties, stored figures."""
from datetime import timedelta

from sqlalchemy import delete

from forum.extensions import db
from forum.models import SoftwareUse, Vote
from forum.services import ranking
from forum.services.ranking import VoteFact, score_votes
from tests.factories import make_board, make_request, make_structure, make_user, make_vote


def fact(user_id, structure_id, importance="utile", profession="medecin_generaliste", counted=True, region="Bretagne"):
    return VoteFact(user_id, structure_id, profession, region, importance, counted)


def test_one_structure_gives_at_most_ten_points():
    votes = [fact(i, 1, "bloquant") for i in range(5)]  # 15 points in one structure
    figures = score_votes(votes)
    assert (figures.score, figures.vote_count, figures.structure_count) == (10, 5, 1)
    assert figures.by_importance == {"utile": 0, "important": 0, "bloquant": 5}


def test_breadth_beats_one_big_structure():
    big = score_votes([fact(i, 1, "bloquant") for i in range(6)])          # 18 points, capped at 10
    broad = score_votes([fact(i, i, "important") for i in range(6)])       # 6 structures x 2 = 12
    assert big.score == 10 and broad.score == 12


def test_users_without_structure_count_as_their_own_structure():
    figures = score_votes([fact(1, None, "bloquant"), fact(2, None, "bloquant")])
    assert (figures.score, figures.structure_count) == (6, 2)


def test_uncounted_votes_are_shown_apart():
    figures = score_votes([fact(1, 1, "bloquant"), fact(2, 2, "bloquant", counted=False)])
    assert (figures.score, figures.vote_count, figures.uncounted_vote_count) == (3, 1, 1)


def test_profession_breakdown_sorted_by_count():
    figures = score_votes([fact(1, 1, profession="infirmier"), fact(2, 2, profession="infirmier"),
                           fact(3, 3, profession="medecin_generaliste")])
    assert figures.professions == [("infirmier·e", 2), ("médecin généraliste", 1)]
    assert figures.profession_count == 2
    assert figures.regions == [("Bretagne", 3)]


def _vote_in(request, structure, importance="utile", profession="medecin_generaliste", uses=True):
    """A vote; uses=False: the voter then stops declaring the software (the vote stays, uncounted)."""
    user = make_user(structure=structure, profession=profession, uses=[request.board])
    vote = make_vote(request, user, importance)
    if not uses:
        _drop_software(user, request.board)
    return vote


def _drop_software(user, board):
    db.session.execute(delete(SoftwareUse).where(SoftwareUse.user_id == user.id, SoftwareUse.board_id == board.id))
    db.session.expire(user, ["software"])
    ranking.refresh_for_voter(user.id, board.id)


def test_structure_cap_changes_the_order(app):
    board = make_board()
    one_big = make_request(board, title="Demande d'une grosse MSP")
    broad = make_request(board, title="Demande de plusieurs structures")
    big_msp = make_structure()
    for _ in range(5):
        _vote_in(one_big, big_msp, "bloquant")       # 15 raw points, 10 after the cap
    for _ in range(4):
        _vote_in(broad, make_structure(), "important")  # 4 structures x 2 = 8... plus one
    _vote_in(broad, make_structure(), "bloquant")     # 11
    db.session.commit()
    rows = ranking.rank(board).rows
    assert [r.thread.id for r in rows] == [broad.id, one_big.id]
    assert [(r.rank, r.score) for r in rows] == [(1, 11), (2, 10)]


def test_votes_of_non_users_do_not_count(app):
    board = make_board()
    request = make_request(board)
    _vote_in(request, make_structure(), "bloquant", uses=False)
    _vote_in(request, make_structure(), "utile")
    db.session.commit()
    [row] = ranking.rank(board).rows
    assert (row.score, row.vote_count, row.uncounted) == (1, 1, 1)
    assert (request.score, request.vote_count, request.uncounted_vote_count) == (1, 1, 1)


def test_relaxed_board_counts_everyone(app):
    board = make_board(votes_require_usage=False)
    request = make_request(board)
    make_vote(request, make_user(), "bloquant")
    db.session.commit()
    assert (request.score, request.uncounted_vote_count) == (3, 0)


def test_ties_break_by_structures_then_professions_then_age(app):
    board = make_board()
    older = make_request(board, title="Demande la plus ancienne")
    newer = make_request(board, title="Demande plus récente")
    more_professions = make_request(board, title="Demande de plusieurs métiers")
    more_structures = make_request(board, title="Demande de plusieurs structures")
    older.created_at -= timedelta(days=3)
    shared = make_structure()
    for request in (older, newer):                       # 2 points, 1 structure, 1 profession
        _vote_in(request, shared, "important")
    _vote_in(more_professions, shared, "utile", profession="infirmier")
    _vote_in(more_professions, shared, "utile", profession="pharmacien")  # 2 points, 1 structure, 2 professions
    _vote_in(more_structures, make_structure(), "utile")
    _vote_in(more_structures, make_structure(), "utile")  # 2 points, 2 structures
    db.session.commit()
    assert [r.thread.id for r in ranking.rank(board).rows] == [
        more_structures.id, more_professions.id, older.id, newer.id]


def test_sorts_and_status_filter(app):
    board = make_board()
    first = make_request(board, title="Première demande")
    second = make_request(board, title="Seconde demande")
    for _ in range(3):
        _vote_in(first, make_structure(), "utile")
    _vote_in(second, make_structure(), "bloquant")
    _vote_in(second, make_structure(), "bloquant")
    db.session.commit()
    assert [r.thread.id for r in ranking.rank(board, sort="rank").rows] == [second.id, first.id]
    assert [r.thread.id for r in ranking.rank(board, sort="votes").rows] == [first.id, second.id]
    assert [r.thread.id for r in ranking.rank(board, sort="recent").rows] == [second.id, first.id]
    assert [r.rank for r in ranking.rank(board, sort="votes").rows] == [2, 1]
    assert ranking.rank(board, statuses=["livree"]).rows == []


def test_mes_votes_filter(app):
    board = make_board()
    voted, other = make_request(board), make_request(board)
    me = make_user(uses=[board])
    make_vote(voted, me)
    make_vote(other)
    db.session.commit()
    assert [r.thread.id for r in ranking.rank(board, voter=me).rows] == [voted.id]


def test_refresh_scores_matches_a_recount_after_raw_inserts(app):
    """A bulk import writes Vote rows directly, then refreshes every figure in one pass."""
    board = make_board()
    requests = [make_request(board) for _ in range(5)]
    voters = [make_user(uses=[board]) for _ in range(4)]
    for request in requests:
        for voter in voters:
            db.session.add(Vote(thread_id=request.id, user_id=voter.id, importance="important"))
    db.session.flush()
    assert ranking.stored_figures_mismatches() != []
    assert ranking.refresh_scores() == 5
    db.session.commit()
    assert ranking.stored_figures_mismatches() == []
    assert {r.score for r in requests} == {8}


def test_votes_count_again_once_the_software_is_declared(app):
    board = make_board()
    request = make_request(board)
    vote = _vote_in(request, make_structure(), "important", uses=False)
    db.session.commit()
    assert (request.vote_count, request.uncounted_vote_count) == (0, 1)
    db.session.add(SoftwareUse(user_id=vote.user_id, board_id=board.id))
    ranking.refresh_for_voter(vote.user_id)
    db.session.commit()
    assert (request.score, request.vote_count, request.uncounted_vote_count) == (2, 1, 0)


def test_ranked_rows_and_last_official_answer(app):
    from forum.services.statuses import set_status

    board = make_board()
    request = make_request(board)
    moderator = make_user(role="moderator")
    set_status(moderator, request, "a_l_etude", note="Nous regardons.", official=True)
    set_status(moderator, request, "transmise", note="Transmise à l'éditeur.", official=True)
    db.session.commit()
    [row] = ranking.ranked_rows(board)
    assert row.last_answer.note == "Transmise à l'éditeur." and row.last_answer.answer_by == "federation"


def test_declaring_or_dropping_the_software_changes_whether_a_vote_counts(app):
    from forum.services import accounts

    board = make_board()
    request = make_request(board)
    voter = make_user(uses=[board])
    make_vote(request, voter, "bloquant")
    db.session.commit()
    assert (request.score, request.uncounted_vote_count) == (3, 0)
    accounts.set_software(voter, [])
    db.session.commit()
    db.session.refresh(request)
    assert (request.score, request.vote_count, request.uncounted_vote_count) == (0, 0, 1)
    accounts.set_software(voter, [(board.id, "5.1")])
    db.session.commit()
    db.session.refresh(request)
    assert (request.score, request.vote_count) == (3, 1)


def test_moving_to_another_structure_changes_the_structure_count(app):
    from forum.services import accounts

    board = make_board()
    request = make_request(board)
    shared = make_structure("MSP des Oliviers")
    first, second = make_user(uses=[board], structure=shared), make_user(uses=[board], structure=shared)
    make_vote(request, first)
    make_vote(request, second)
    db.session.commit()
    assert request.structure_count == 1
    accounts.update_profile(second, second.display_name, second.profession, "Centre de santé du Port",
                            "cds", "Bretagne", None)
    db.session.commit()
    db.session.refresh(request)
    assert request.structure_count == 2


def test_page_breakdowns_counted_in_sql_match_the_rule(app):
    board = make_board()
    outsider_board = make_board()
    request = make_request(board)
    nurses = make_structure("Centre de santé des Rives", region="Occitanie")
    for importance, profession in (("bloquant", "infirmier"), ("important", "infirmier"), ("utile", "pharmacien")):
        make_vote(request, make_user(uses=[board], structure=nurses, profession=profession), importance)
    make_vote(request, make_user(uses=[board], profession="medecin_generaliste"), "utile")
    outsider = make_user(uses=[outsider_board])
    board.votes_require_usage = False
    make_vote(request, outsider, "important")
    board.votes_require_usage = True
    ranking.refresh_request(request.id)
    db.session.commit()
    db.session.refresh(request)
    expected = ranking.figures_for([request.id])[request.id]
    shown = ranking.displayed_figures([request])[request.id]
    assert shown == expected
    assert shown.by_importance == {"utile": 2, "important": 1, "bloquant": 1}
    assert shown.professions[0] == ("infirmier·e", 2)
    assert shown.uncounted_vote_count == 1
