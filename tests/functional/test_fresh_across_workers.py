"""Nothing stale across workers (issue 18, point 3): a change made through worker B's forms is seen on
the very next request to worker A, by an anonymous visitor and by members, and a member's own state
(their vote, unread markers, permissions) is never shown to someone else.

Each test first renders the page on worker A (so that any future cache is primed), then makes the
change through worker B's routes, then reads the same page on A again. The two workers are two
applications built on the same database, each request with its own app context and session, as
under gunicorn; the test's own app (the `app` fixture) only builds the data.
"""
from __future__ import annotations

import re

import pytest
from flask import g

from forum.extensions import db
from tests.conftest import _config_dict, make_app
from tests.factories import make_board, make_post, make_request, make_thread, make_tip, make_user
from tests.pages import page
from tests.sessions import log_in


class Worker:
    """One application (one worker) on the shared database; `visitor()` and `member(user)` are
    browsers pointed at it."""

    def __init__(self, app):
        self.app = app

    def visitor(self):
        return self.app.test_client()

    def member(self, user):
        client = self.app.test_client()
        log_in(client, user)
        return client


@pytest.fixture
def workers(app):
    """(worker A, worker B): two apps on the test's database, search index and file storage."""
    config = {**_config_dict(), **{key: app.config[key] for key in (
        "DATABASE_URL", "SEARCH_INDEX_DIR", "STORAGE_URL")}}
    apps = [make_app(config), make_app(config)]
    for each in apps:
        @each.before_request
        def _forget_cached_login_user():
            g.pop("_login_user", None)
    yield Worker(apps[0]), Worker(apps[1])
    for each in apps:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()


def get(client, url: str) -> str:
    return page(client.get(url))


def post(client, url: str, data: dict | None = None) -> None:
    response = client.post(url, data=data or {})
    assert response.status_code == 302, (url, response.status_code, response.get_data(as_text=True)[:500])


def row_of(html: str, thread_id: int) -> str:
    """The row of request `thread_id` on a list (a <tr> of the ranked page, a <li> of a board)."""
    start = html.index(f'id="demande-{thread_id}"')
    ends = [i for i in (html.find("</tr>", start), html.find("</li>", start)) if i != -1]
    return html[start:min(ends)]


def test_a_reply_on_b_is_on_the_thread_and_board_pages_of_a(workers):
    a, b = workers
    board = make_board()
    thread = make_thread(board, title="Lecture de la carte Vitale")
    reader, replier = make_user(), make_user(display_name="Bruno Répondeur")
    readers = [a.visitor(), a.member(reader)]
    thread_url, board_url = f"/t/{thread.id}", f"/b/{board.slug}/"
    for client in readers:
        assert "Relancez le lecteur" not in get(client, thread_url)
        assert "1 réponse" not in get(client, board_url)

    post(b.member(replier), f"{thread_url}/repondre", {"body": "Relancez le lecteur après la mise à jour."})

    for client in readers:
        html = get(client, thread_url)
        assert "Relancez le lecteur après la mise à jour." in html and "Bruno Répondeur" in html
        assert "1 réponse" in get(client, board_url)


def test_an_edit_on_b_replaces_the_text_on_a(workers):
    a, b = workers
    thread = make_thread()
    author = make_user(uses=[thread.board])
    reply = make_post(thread, author, body="Première version de ma réponse.")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "Première version de ma réponse." in get(client, f"/t/{thread.id}")

    post(b.member(author), f"/p/{reply.id}/modifier", {"body": "Version corrigée de ma réponse."})

    for client in readers:
        html = get(client, f"/t/{thread.id}")
        assert "Version corrigée de ma réponse." in html and "Première version de ma réponse." not in html


def test_a_post_hidden_on_b_is_gone_from_a(workers):
    a, b = workers
    thread = make_thread()
    spam = make_post(thread, body="Achetez mes formations !")
    moderator = make_user(role="moderator")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "Achetez mes formations" in get(client, f"/t/{thread.id}")

    post(b.member(moderator), f"/p/{spam.id}/moderation/masquer", {"reason": "Publicité"})

    for client in readers:
        html = get(client, f"/t/{thread.id}")
        assert "Message supprimé" in html and "Achetez mes formations" not in html


def test_a_thread_locked_on_b_shows_locked_on_a(workers):
    a, b = workers
    board = make_board()
    thread = make_thread(board, title="Sujet bientôt clos")
    member = make_user()
    visitor, reader = a.visitor(), a.member(member)
    assert f'action="/t/{thread.id}/repondre"' in get(reader, f"/t/{thread.id}")
    for client in (visitor, reader):
        assert "badge-locked" not in get(client, f"/b/{board.slug}/")

    post(b.member(make_user(role="moderator")), f"/t/{thread.id}/moderation/verrouiller")

    html = get(reader, f"/t/{thread.id}")
    assert "Ce sujet est verrouillé" in html and f'action="/t/{thread.id}/repondre"' not in html
    assert "Ce sujet est verrouillé" in get(visitor, f"/t/{thread.id}")
    for client in (visitor, reader):
        assert "badge-locked" in get(client, f"/b/{board.slug}/")


def test_a_thread_pinned_on_b_comes_first_on_a(workers):
    a, b = workers
    board = make_board()
    rules = make_thread(board, title="Règles du forum")
    make_thread(board, title="Une question plus récente")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        html = get(client, f"/b/{board.slug}/")
        assert html.index("Une question plus récente") < html.index("Règles du forum")

    post(b.member(make_user(role="moderator")), f"/t/{rules.id}/moderation/epingler", {"reason": "Référence"})

    for client in readers:
        html = get(client, f"/b/{board.slug}/")
        assert html.index("Règles du forum") < html.index("Une question plus récente")
        assert "badge-pinned" in html


def test_a_vote_and_its_withdrawal_on_b_change_counts_and_order_on_a(workers):
    a, b = workers
    board = make_board()
    first = make_request(board, title="Exporter le DMP")
    second = make_request(board, title="Ordonnances bizone")
    voter = make_user(uses=[board])
    voter_on_b = b.member(voter)
    readers = [a.visitor(), a.member(make_user(uses=[board]))]
    ranked = f"/b/{board.slug}/demandes"
    for client in readers:
        assert "0 vote" in row_of(get(client, ranked), second.id)
        assert "0 vote" in row_of(get(client, f"/b/{board.slug}/"), second.id)

    post(voter_on_b, f"/t/{second.id}/vote", {"importance": "important"})

    for client in readers:
        html = get(client, ranked)
        assert "1 vote" in row_of(html, second.id) and "0 vote" in row_of(html, first.id)
        assert html.index(f'id="demande-{second.id}"') < html.index(f'id="demande-{first.id}"')
        assert "1 vote" in row_of(get(client, f"/b/{board.slug}/"), second.id)

    post(voter_on_b, f"/t/{second.id}/vote/retirer")

    for client in readers:
        assert "0 vote" in row_of(get(client, ranked), second.id)
        assert "0 vote" in row_of(get(client, f"/b/{board.slug}/"), second.id)


def test_another_members_vote_is_counted_but_not_shown_as_mine_on_a(workers):
    a, b = workers
    board = make_board()
    wanted = make_request(board, title="Exporter le DMP")
    voter, other = make_user(uses=[board]), make_user(uses=[board])
    ranked = f"/b/{board.slug}/demandes"
    post(b.member(voter), f"/t/{wanted.id}/vote", {"importance": "utile"})

    # The voter's own pages on A first: their state is what a shared cache must not keep.
    voter_on_a = a.member(voter)
    assert "✓ Voté" in row_of(get(voter_on_a, ranked), wanted.id)
    assert 'aria-pressed="true"' in get(voter_on_a, f"/t/{wanted.id}")

    for url in (ranked, f"/b/{board.slug}/"):
        for client in (a.member(other), a.visitor()):
            row = row_of(get(client, url), wanted.id)
            assert "1 vote" in row
            assert "✓ Voté" not in row and 'aria-pressed="true"' not in row
    for client in (a.member(other), a.visitor()):
        html = get(client, f"/t/{wanted.id}")
        assert "✓ Voté" not in html and 'aria-pressed="true"' not in html and "Votre vote" not in html


def test_a_status_change_with_its_note_on_b_is_shown_on_a(workers):
    a, b = workers
    board = make_board()
    wanted = make_request(board, title="Exporter le DMP")
    representative = make_user(role="editor", editor=board.editor)
    readers = [a.visitor(), a.member(make_user(uses=[board]))]
    for client in readers:
        assert "Planifiée" not in get(client, f"/t/{wanted.id}")
        assert "Planifiée" not in row_of(get(client, f"/b/{board.slug}/"), wanted.id)
        assert "Planifiée" not in row_of(get(client, f"/b/{board.slug}/demandes"), wanted.id)

    post(b.member(representative), f"/t/{wanted.id}/statut",
         {"status": "planifiee", "version": "6.2", "note": "Prévu pour la 6.2, au printemps.", "official": "y"})

    for client in readers:
        html = get(client, f"/t/{wanted.id}")
        assert "Planifiée" in html and "Prévu pour la 6.2, au printemps." in html
        assert "Planifiée" in row_of(get(client, f"/b/{board.slug}/"), wanted.id)
        assert "Planifiée" in row_of(get(client, f"/b/{board.slug}/demandes"), wanted.id)


def test_an_answer_accepted_on_b_is_marked_on_a(workers):
    a, b = workers
    board = make_board()
    asker = make_user(uses=[board])
    question = make_thread(board, asker, title="Export des vaccins")
    answer = make_post(question, body="Menu Outils puis Export.")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "Solution acceptée" not in get(client, f"/t/{question.id}")
        assert "badge-solved" not in get(client, f"/b/{board.slug}/")

    post(b.member(asker), f"/p/{answer.id}/accepter")

    for client in readers:
        assert "Solution acceptée" in get(client, f"/t/{question.id}")
        assert "badge-solved" in get(client, f"/b/{board.slug}/")


def test_a_tip_marked_useful_on_b_counts_on_a(workers):
    a, b = workers
    board = make_board()
    tip = make_tip(board, title="Raccourci pour l'ordonnance")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "0 « utile »" in get(client, f"/b/{board.slug}/")

    post(b.member(make_user(uses=[board])), f"/t/{tip.id}/utile")

    for client in readers:
        html = get(client, f"/b/{board.slug}/")
        assert "1 « utile »" in html and "0 « utile »" not in html


def test_a_member_renamed_on_b_shows_the_new_name_on_a(workers):
    a, b = workers
    board = make_board()
    author = make_user(display_name="Claire Martin", uses=[board])
    thread = make_thread(board, author, title="Agenda partagé")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "Claire Martin" in get(client, f"/t/{thread.id}")
        assert "Claire Martin" in get(client, f"/b/{board.slug}/")

    post(b.member(author), "/profil/modifier", {
        "display_name": "Claire Dupuis", "profession": "coordinateur", "structure_name": "CPTS du Littoral",
        "structure_kind": "cpts", "region": "Normandie", "bio": ""})

    for client in readers:
        for url in (f"/t/{thread.id}", f"/b/{board.slug}/"):
            html = get(client, url)
            assert "Claire Dupuis" in html and "Claire Martin" not in html


def test_moderator_controls_seen_on_a_are_not_shown_to_a_member_next(workers):
    a, _ = workers
    board = make_board()
    thread = make_thread(board)
    reply = make_post(thread, body="Une réponse ordinaire.")
    moderator, member = make_user(role="moderator"), make_user()
    hide_link = f'/p/{reply.id}/moderation/masquer'

    html = get(a.member(moderator), f"/t/{thread.id}")
    assert hide_link in html and "Masquer" in html and f"/t/{thread.id}/moderation/" in html

    for client in (a.member(member), a.visitor()):
        html = get(client, f"/t/{thread.id}")
        assert "Une réponse ordinaire." in html
        assert hide_link not in html and "Masquer" not in html and f"/t/{thread.id}/moderation/" not in html


def test_one_members_reading_does_not_clear_anothers_unread_marker(workers):
    a, b = workers
    board = make_board()
    thread = make_thread(board, title="Facturation des téléconsultations")
    x_user, y_user = make_user(), make_user()
    x_on_a, y_on_a = a.member(x_user), a.member(y_user)
    for client in (x_on_a, y_on_a):
        get(client, f"/t/{thread.id}")  # both have read everything
        assert "new-replies" not in get(client, f"/b/{board.slug}/")

    post(b.member(make_user()), f"/t/{thread.id}/repondre", {"body": "Une nouveauté sur la facturation."})

    for client in (x_on_a, y_on_a):  # both see it as new, X first
        assert re.search(r'class="badge new-replies"[^>]*>1 nouvelle', get(client, f"/b/{board.slug}/"))
    assert "Une nouveauté sur la facturation." in get(x_on_a, f"/t/{thread.id}")  # X reads it

    assert "new-replies" not in get(x_on_a, f"/b/{board.slug}/")
    assert re.search(r'class="badge new-replies"[^>]*>1 nouvelle', get(y_on_a, f"/b/{board.slug}/"))
    assert "Nouveaux messages" in get(y_on_a, f"/t/{thread.id}")
