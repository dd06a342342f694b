"""Fast links (forum.web.paths) are url_for's very URLs; User.uses_board answers from one light query
and follows the member's declarations; the ranked row's Python pieces read as their macros did."""
from flask import url_for
from sqlalchemy import select

from forum.extensions import db
from forum.models import SoftwareUse
from forum.services import accounts
from forum.web import paths
from forum.web.filters import importance_counts, professions_list
from tests.factories import make_board, make_request, make_thread, make_user


def test_thread_links_equal_url_for(app):
    titles = ["Où est l'option DMP ?", "Export CSV des rendez-vous", "?????? ?????", "Çà et là : 100 % « prêt »"]
    threads = [make_thread(title=title) for title in titles]
    with app.test_request_context("/b/x/"):
        for thread in threads:
            expected = url_for("threads.show", thread_id=thread.id, slug=thread.slug)
            assert paths.thread_path(thread.id, thread.slug) == expected
            assert paths.thread_href(thread) == expected


def test_id_links_equal_url_for_under_a_script_root(app):
    """Behind a prefix (SCRIPT_NAME) every link keeps it, as url_for does."""
    with app.test_request_context("/b/x/", base_url="http://localhost/forum"):
        assert paths.thread_path(7, "mon-sujet") == url_for("threads.show", thread_id=7, slug="mon-sujet")
        assert paths.thread_path(7, "mon-sujet").startswith("/forum/t/7/")
        assert paths.profile_path(12) == url_for("users.profile", user_id=12)
        assert paths.post_path(345) == url_for("threads.goto_post", post_id=345)
        assert paths.vote_path(9) == url_for("requests.vote", thread_id=9)
        assert paths.withdraw_vote_path(9) == url_for("requests.withdraw_vote", thread_id=9)


def test_a_slug_that_needs_quoting_goes_through_url_for(app):
    with app.test_request_context("/"):
        for slug in ("avec espace", "accentué", "a/b"):
            assert paths.thread_path(3, slug) == url_for("threads.show", thread_id=3, slug=slug)


def test_uses_board_without_declared_software(app):
    board = make_board()
    user = make_user()
    db.session.expire_all()
    assert not user.uses_board(board.id)


def test_uses_board_reads_board_ids_once_and_not_the_relationship(app, count_queries):
    chorus, other, third = make_board(), make_board(), make_board()
    user = make_user(uses=[chorus, other])
    ids = chorus.id, other.id, third.id
    db.session.commit()
    assert user.display_name  # the row itself, refreshed after the commit
    with count_queries() as counter:
        assert user.uses_board(ids[0]) and user.uses_board(ids[1]) and not user.uses_board(ids[2])
    assert counter.count == 1, counter.statements
    assert "software" not in user.__dict__  # the declarations and their boards were not loaded


def test_uses_board_follows_a_change_of_declarations(app):
    chorus, other = make_board(), make_board()
    user = make_user(uses=[chorus])
    db.session.commit()
    assert user.uses_board(chorus.id) and not user.uses_board(other.id)
    accounts.set_software(user, [(other.id, None)])  # through the relationship, in this transaction
    assert user.uses_board(other.id) and not user.uses_board(chorus.id)
    db.session.commit()
    assert user.uses_board(other.id) and not user.uses_board(chorus.id)


def test_uses_board_forgets_its_answer_when_the_user_is_expired(app):
    chorus = make_board()
    user = make_user()
    db.session.commit()
    assert not user.uses_board(chorus.id)
    db.session.add(SoftwareUse(user_id=user.id, board_id=chorus.id))
    db.session.commit()  # expires the user: the next answer is read again
    assert user.uses_board(chorus.id)
    assert db.session.scalar(select(SoftwareUse.board_id).where(SoftwareUse.user_id == user.id)) == chorus.id


def test_ranked_row_pieces_read_as_their_macros_did(app):
    assert importance_counts({"utile": 3, "important": 1}) == "3 utiles, 1 important, 0 bloquant"
    assert professions_list([("infirmier·e", 3), ("pharmacien·ne", 1)]) == "infirmier·e : 3; pharmacien·ne : 1"
    assert professions_list([]) == "—"
    make_request()  # the macros still render the same text through the Python helpers
    template = app.jinja_env.from_string(
        '{% from "requests/_macros.html" import importance_counts, professions_list %}'
        '[{{ importance_counts({"bloquant": 2}) }}][{{ professions_list([("a<b", 2)]) }}][{{ professions_list([]) }}]')
    assert template.render() == "[0 utile, 0 important, 2 bloquants][a&lt;b : 2][—]"
