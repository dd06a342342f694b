"""The home page of a logged-in member: their software, their open questions, the requests they
follow, their unread notifications and, on a first visit, an orientation; anonymous home unchanged."""
from __future__ import annotations

from flask import g

from forum.extensions import db
from forum.services import questions, statuses
from forum.services.notify import reads
from tests.factories import make_board, make_post, make_request, make_thread, make_user, make_vote
from tests.pages import page

WELCOME = "Bienvenue au club"


def home_of(client, login, user) -> str:
    login(user)
    return page(client.get("/"))


def test_my_software_lists_my_boards_with_new_replies_not_others(client, login):
    chorus, weda, other = make_board(name="Chorus Santé"), make_board(name="WEDA Pro"), make_board(name="Autre Logiciel")
    member = make_user(uses=[chorus, weda])
    make_user(uses=[other])  # another member's software
    thread = make_thread(chorus, title="Export des ordonnances")
    first = make_post(thread)
    reads.mark_read(member, thread, first.id)
    make_post(thread)
    make_post(thread)
    html = home_of(client, login, member)
    mine = html.split('id="mes-logiciels"')[1].split('id="mes-questions"')[0]
    assert "Chorus Santé" in mine and "WEDA Pro" in mine
    assert "Autre Logiciel" not in mine
    assert "2 nouvelles réponses" in mine
    assert f'/b/{chorus.slug}/demandes' in mine and "Poser une question" in mine
    # The full list of boards still follows.
    assert "Autre Logiciel" in html.split('id="tous-les-forums"')[1]


def test_my_open_questions_newest_first_without_solved_or_others(client, login):
    board = make_board()
    member, other = make_user(uses=[board]), make_user(uses=[board])
    older = make_thread(board, member, title="Question ancienne sans solution")
    make_post(older)
    newer = make_thread(board, member, title="Question récente sans solution")
    solved = make_thread(board, member, title="Question déjà résolue")
    answer = make_post(solved)
    questions.accept_answer(member, solved, answer)
    make_thread(board, other, title="Question d'un autre membre")
    html = home_of(client, login, member)
    section = html.split('id="mes-questions"')[1].split('id="mes-demandes"')[0]
    assert section.index(newer.title) < section.index(older.title)
    assert "1 réponse" in section
    assert "Question déjà résolue" not in section and "Question d'un autre membre" not in section


def test_at_most_five_open_questions_with_a_link_to_more(client, login):
    board = make_board()
    member = make_user(uses=[board])
    for n in range(7):
        make_thread(board, member, title=f"Ma question numéro {n}")
    section = home_of(client, login, member).split('id="mes-questions"')[1].split('id="mes-demandes"')[0]
    assert section.count("Ma question numéro") == 5
    assert "Ma question numéro 6" in section and "Ma question numéro 0" not in section
    assert f'href="/u/{member.id}"' in section


def test_followed_and_voted_requests_show_status_and_change_date(client, login):
    board = make_board()
    member, moderator = make_user(uses=[board]), make_user(role="moderator")
    voted = make_request(board, title="Mode sombre de l'agenda")
    make_vote(voted, member)
    statuses.set_status(moderator, voted, "planifiee", note="Prévu.", version="6.1")
    make_request(board, title="Demande que je ne suis pas")
    html = home_of(client, login, member)
    section = html.split('id="mes-demandes"')[1].split('id="tous-les-forums"')[0]
    assert "Mode sombre de l'agenda" in section and "Planifiée" in section and "statut changé le" in section
    assert "Demande que je ne suis pas" not in section


def test_the_five_requests_that_moved_last_are_listed_latest_change_first(client, login):
    board = make_board()
    member, moderator = make_user(uses=[board]), make_user(role="moderator")
    requests = []
    for n in range(7):
        requests.append(make_request(board, title=f"Demande suivie {n}"))
        make_vote(requests[-1], member)
    statuses.set_status(moderator, requests[0], "a_l_etude", note="Nous regardons.")  # the oldest moves last
    section = home_of(client, login, member).split('id="mes-demandes"')[1].split('id="tous-les-forums"')[0]
    listed = [f"Demande suivie {n}" for n in range(7) if f"Demande suivie {n}" in section]
    assert listed == ["Demande suivie 0", "Demande suivie 3", "Demande suivie 4", "Demande suivie 5",
                      "Demande suivie 6"]
    assert section.index("Demande suivie 0") < section.index("Demande suivie 6") < section.index("Demande suivie 3")


def test_unread_notifications_count_links_to_the_notifications(client, login):
    board = make_board()
    member = make_user(uses=[board])
    thread = make_thread(board, member, title="Ma question suivie")
    make_post(thread)  # the author follows their thread: one notification
    html = home_of(client, login, member)
    assert '<a href="/notifications">1 notification non lue</a>' in html


def test_orientation_for_a_new_member_not_for_an_active_one(client, login):
    board = make_board()
    newcomer = make_user()
    html = home_of(client, login, newcomer)
    assert WELCOME in html and "Demandes d'évolution" in html
    assert 'href="/profil/logiciels">Déclarez vos logiciels' in html
    active = make_user(uses=[board])
    make_thread(board, active)
    assert WELCOME not in home_of(client, login, active)


def test_anonymous_home_is_unchanged_while_a_member_gets_their_own(client, login):
    board = make_board(name="Chorus Santé")
    member = make_user(uses=[board])
    db.session.commit()
    html = page(client.get("/"))
    assert "Forums des logiciels labellisés" in html and "Chorus Santé" in html
    assert "Mes logiciels" not in html and WELCOME not in html and "Demandes que je suis" not in html
    own = home_of(client, login, member)
    assert "Mes logiciels" in own and "Demandes que je suis" in own and "Chorus Santé" in own


def _home_statements(client, count_queries) -> int:
    db.session.expunge_all()
    g.pop("_login_user", None)
    with count_queries() as counter:
        page(client.get("/"))
    return counter.count


def _busy_member(boards: int, threads_per_board: int):
    board_list = [make_board() for _ in range(boards)]
    member = make_user(uses=board_list)
    for board in board_list:
        for _ in range(threads_per_board):
            make_vote(make_request(board), member)
            thread = make_thread(board, member)
            reads.mark_read(member, thread, make_post(thread).id)
            make_post(thread)
    return member


def test_member_home_runs_a_constant_number_of_statements(client, login, count_queries):
    login(_busy_member(boards=1, threads_per_board=1))
    small = _home_statements(client, count_queries)
    login(_busy_member(boards=6, threads_per_board=3))
    large = _home_statements(client, count_queries)
    html = page(client.get("/"))
    assert html.count("Sujet de test") >= 5 + 5  # five open questions and five followed requests shown
    assert small == large
    assert large <= 10, large
