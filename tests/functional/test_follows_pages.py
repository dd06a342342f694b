"""Following from the pages: the control on thread and board pages (three levels, no JavaScript),
its refusals, and /profil/suivis where a member sees and changes what they follow."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import BoardFollow, ThreadFollow
from forum.models._time import utcnow
from tests.factories import make_board, make_thread, make_user
from tests.pages import page


def thread_follow(user, thread) -> ThreadFollow | None:
    return db.session.scalar(select(ThreadFollow).where(ThreadFollow.user_id == user.id,
                                                        ThreadFollow.thread_id == thread.id))


@pytest.mark.parametrize(("level", "label"), [("watching", "Suivre"), ("normal", "Normal"), ("muted", "Silencieux")])
def test_member_chooses_a_level_for_a_thread(client, login, level, label):
    thread = make_thread(title="Téléservice AMO")
    member = login(make_user())

    response = client.post(f"/t/{thread.id}/suivi", data={"level": level})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{thread.id}/{thread.slug}"
    html = page(client.get(response.headers["Location"]))
    assert f"Suivi de ce sujet : {label}" in html  # the confirmation
    assert f"Suivi : <strong>{label}</strong>" in html
    assert "Niveau choisi par vous" in html
    assert thread_follow(member, thread).level == level


def test_the_control_says_why_a_thread_is_followed(client, login):
    thread = make_thread()
    member = make_user()
    db.session.add(ThreadFollow(user_id=member.id, thread_id=thread.id, level="watching", reason="reply"))
    login(member)

    html = page(client.get(f"/t/{thread.id}"))
    assert "Suivi : <strong>Suivre</strong>" in html
    assert "Suivi automatiquement (vous avez répondu)" in html
    for help_text in ("chaque nouvelle réponse et chaque changement", "seulement ce qui vous concerne"):
        assert help_text in html


def test_a_thread_inherits_the_level_of_its_followed_board(client, login):
    board = make_board(name="Weda")
    thread = make_thread(board)
    member = login(make_user())

    client.post(f"/b/{board.slug}/suivi", data={"level": "watching"})
    html = page(client.get(f"/t/{thread.id}"))
    assert "Suivi : <strong>Suivre</strong>" in html
    assert "Selon votre suivi du forum Weda" in html
    assert thread_follow(member, thread) is None


def test_an_unknown_level_is_refused_in_french_and_changes_nothing(client, login):
    thread = make_thread()
    member = make_user()
    db.session.add(ThreadFollow(user_id=member.id, thread_id=thread.id, level="muted", reason="manual"))
    login(member)

    html = page(client.post(f"/t/{thread.id}/suivi", data={"level": "tout"}), 422)
    assert "Choisissez un niveau de suivi : suivre, normal ou silencieux." in html
    assert page(client.post(f"/t/{thread.id}/suivi"), 422)
    db.session.expire_all()
    assert thread_follow(member, thread).level == "muted"


def test_anonymous_visitors_are_invited_to_log_in(client):
    board = make_board()
    thread = make_thread(board)
    db.session.commit()
    follows_before = db.session.scalars(select(ThreadFollow.user_id)).all()  # the author's

    html = page(client.get(f"/t/{thread.id}"))
    assert "Connectez-vous pour suivre ce sujet" in html
    assert f'action="/t/{thread.id}/suivi"' not in html
    assert "Connectez-vous pour suivre ce forum" in page(client.get(f"/b/{board.slug}/"))
    response = client.post(f"/t/{thread.id}/suivi", data={"level": "watching"})
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
    assert db.session.scalars(select(ThreadFollow.user_id)).all() == follows_before


def test_a_hidden_thread_cannot_be_followed(client, login):
    thread = make_thread()
    thread.deleted_at = utcnow()
    member = login(make_user())

    assert page(client.post(f"/t/{thread.id}/suivi", data={"level": "watching"}), 404)
    assert thread_follow(member, thread) is None


def test_member_follows_then_silences_a_board(client, login):
    board = make_board(name="Hellodoc")
    member = login(make_user())

    response = client.post(f"/b/{board.slug}/suivi", data={"level": "watching"})
    assert response.headers["Location"] == f"/b/{board.slug}/"
    html = page(client.get(f"/b/{board.slug}/"))
    assert "Suivi de ce forum : Suivre" in html and "Suivi : <strong>Suivre</strong>" in html
    client.post(f"/b/{board.slug}/suivi", data={"level": "muted"})
    assert db.session.scalar(select(BoardFollow.level).where(BoardFollow.user_id == member.id)) == "muted"
    client.post(f"/b/{board.slug}/suivi", data={"level": "normal"})
    assert db.session.scalar(select(BoardFollow).where(BoardFollow.user_id == member.id)) is None
    assert "Suivi : <strong>Normal</strong>" in page(client.get(f"/b/{board.slug}/"))


def test_my_follows_page_lists_threads_and_boards_and_changes_levels_inline(client, login):
    board = make_board(name="Crossway")
    thread = make_thread(board, title="Lecture de la carte Vitale")
    other = make_board(name="Axisanté")
    member = make_user()
    db.session.add_all([ThreadFollow(user_id=member.id, thread_id=thread.id, level="watching", reason="author"),
                        BoardFollow(user_id=member.id, board_id=other.id, level="muted")])
    login(member)

    html = page(client.get("/profil/suivis"))
    assert "Lecture de la carte Vitale" in html
    assert "Crossway · activité" in html and "(automatique)" in html
    assert "Axisanté" in html
    assert f'action="/t/{thread.id}/suivi"' in html and f'action="/b/{other.slug}/suivi"' in html
    response = client.post(f"/t/{thread.id}/suivi", data={"level": "muted", "next": "/profil/suivis"})
    assert response.headers["Location"] == "/profil/suivis"
    assert thread_follow(member, thread).level == "muted"
    assert "Lecture de la carte Vitale</bdi></a></p>" in page(client.get("/profil/suivis"))


def test_follow_redirects_only_inside_the_site(client, login):
    thread = make_thread()
    login(make_user())
    response = client.post(f"/t/{thread.id}/suivi", data={"level": "watching", "next": "//evil.example/"})
    assert response.headers["Location"] == f"/t/{thread.id}/{thread.slug}"


def test_my_follows_page_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/profil/suivis")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
