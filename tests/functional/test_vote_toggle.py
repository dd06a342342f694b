"""The one-tap vote toggle on request rows, without script: forms that POST and come back to the
row's anchor with the message next to it; refusals; the author's default vote; one statement for
the member's votes whatever the number of rows."""
import re

from sqlalchemy import func, select

from forum import search
from forum.extensions import db
from forum.models import Vote
from forum.services import posting, statuses
from tests.factories import make_board, make_editor, make_request, make_user, make_vote
from tests.pages import page


def without_token(html: str) -> str:
    """The HTML with its CSRF tokens blanked (they carry the second they were signed)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def vote_count(thread) -> int:
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.thread_id == thread.id))


def row_of(html: str, thread_id: int) -> str:
    """The HTML of the row of request `thread_id` (a <tr> of the ranked page, a <li> of a list)."""
    start = html.index(f'id="demande-{thread_id}"')
    ends = [i for i in (html.find("</tr>", start), html.find("</li>", start)) if i != -1]
    return html[start:min(ends)]


def test_vote_then_withdraw_in_one_tap_from_the_ranked_list_comes_back_to_the_row(client, login):
    board = make_board(slug="chorus")
    wanted = make_request(board, title="Exporter le DMP")
    other = make_request(board, title="Autre demande")
    login(make_user(uses=[board]))
    html = page(client.get("/b/chorus/demandes"))
    row = row_of(html, wanted.id)
    assert 'aria-pressed="false"' in row and ">Voter<" in row and "0 vote" in row
    assert 'name="next" value="/b/chorus/demandes"' in row

    response = client.post(f"/t/{wanted.id}/vote", data={"importance": "utile", "vue": "classement",
                                                          "next": "/b/chorus/demandes?tri=rang"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/b/chorus/demandes?tri=rang#demande-{wanted.id}")
    html = page(client.get("/b/chorus/demandes?tri=rang"))
    row = row_of(html, wanted.id)
    assert "Votre vote est enregistré." in row and 'aria-pressed="true"' in row and "✓ Voté" in row
    assert "1 vote" in row and "Votre vote : Utile" in row
    assert "Votre vote est enregistré." not in row_of(html, other.id)
    assert html.count("Votre vote est enregistré.") == 1  # beside the row, not also at the top
    assert vote_count(wanted) == 1

    response = client.post(f"/t/{wanted.id}/vote/retirer", data={"vue": "classement", "next": "/b/chorus/demandes"})
    assert response.headers["Location"].endswith(f"/b/chorus/demandes#demande-{wanted.id}")
    row = row_of(page(client.get("/b/chorus/demandes")), wanted.id)
    assert "Votre vote est retiré." in row and 'aria-pressed="false"' in row and "0 vote" in row
    assert vote_count(wanted) == 0


def test_toggle_on_the_board_list_comes_back_to_the_row_with_its_message(client, login):
    board = make_board(slug="weda")
    wanted = make_request(board, title="Agenda partagé")
    login(make_user(uses=[board]))
    row = row_of(page(client.get("/b/weda/")), wanted.id)
    assert ">Voter<" in row and "Score 0 · 0 vote" in row
    response = client.post(f"/t/{wanted.id}/vote", data={"importance": "utile", "vue": "liste", "next": "/b/weda/"})
    assert response.headers["Location"].endswith(f"/b/weda/#demande-{wanted.id}")
    row = row_of(page(client.get("/b/weda/")), wanted.id)
    assert "Votre vote est enregistré." in row and "Score 1 · 1 vote" in row and "✓ Voté" in row


def test_closed_request_has_no_toggle_and_a_post_is_refused_in_french(client, login):
    board = make_board(slug="chorus")
    closed = make_request(board, title="Déjà livrée")
    still_open = make_request(board, title="Encore ouverte")
    make_vote(closed, make_user(uses=[board]))
    statuses.set_status(make_user(role="moderator"), closed, "livree", version="3.2")
    login(make_user(uses=[board]))
    html = page(client.get("/b/chorus/demandes?statut=livree&statut=nouvelle"))
    row = row_of(html, closed.id)
    assert "1 vote" in row and "<form" not in row and "Voter" not in row
    assert ">Voter<" in row_of(html, still_open.id)
    response = client.post(f"/t/{closed.id}/vote", data={"importance": "utile", "vue": "classement",
                                                          "next": "/b/chorus/demandes"})
    assert response.status_code == 409
    assert "Les votes sont clos" in page(response, 409)
    assert vote_count(closed) == 1


def test_no_toggle_for_visitors_undeclared_members_and_the_editor(client, login):
    editor = make_editor()
    board = make_board(slug="chorus", editor=editor, votes_require_usage=True)
    wanted = make_request(board, title="Exporter le DMP")
    make_vote(wanted, make_user(uses=[board]))
    db.session.commit()
    for who in (None, make_user(), make_user(role="editor", uses=[board], editor=editor)):
        if who is not None:
            login(who)
        row = row_of(page(client.get("/b/chorus/demandes")), wanted.id)
        assert "1 vote" in row and "<form" not in row, who
    login(make_user(uses=[board]))
    assert "data-toggle-form" in row_of(page(client.get("/b/chorus/demandes")), wanted.id)


def test_the_editor_cannot_vote_for_its_software_even_where_usage_is_not_required(client, login):
    editor = make_editor()
    board = make_board(slug="chorus", editor=editor, votes_require_usage=False)
    wanted = make_request(board, title="Exporter le DMP")
    login(make_user(role="editor", editor=editor))
    assert "<form" not in row_of(page(client.get("/b/chorus/demandes")), wanted.id)
    response = client.post(f"/t/{wanted.id}/vote", data={"importance": "utile", "vue": "liste", "next": "/b/chorus/"})
    assert response.status_code == 403
    assert "vous ne votez pas pour ses demandes" in response.get_data(as_text=True)
    assert vote_count(wanted) == 0


def test_an_unsafe_next_is_ignored(client, login):
    board = make_board(slug="chorus")
    wanted = make_request(board)
    login(make_user(uses=[board]))
    response = client.post(f"/t/{wanted.id}/vote", data={"importance": "utile", "vue": "liste", "next": "/b/chorus/"})
    assert response.headers["Location"].endswith(f"/b/chorus/#demande-{wanted.id}")
    for unsafe in ("//evil.example/b/chorus/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(f"/t/{wanted.id}/vote", data={"importance": "utile", "vue": "liste", "next": unsafe})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert "evil" not in location and "javascript" not in location
        assert location.endswith("#votes") and f"/t/{wanted.id}" in location


def test_the_author_of_a_request_votes_for_it_by_default(app):
    board = make_board(slug="chorus", votes_require_usage=True)
    author = make_user(uses=[board])
    request = posting.create_thread(author, board, "request", "Exporter le DMP", "Un export en un clic.")
    db.session.commit()
    assert db.session.scalar(select(Vote.importance).where(Vote.thread_id == request.id,
                                                           Vote.user_id == author.id)) == "utile"
    assert request.vote_count == 1 and request.score == 1
    # who may not vote (does not declare the software) still opens the request, without a vote
    outsider = make_user()
    other = posting.create_thread(outsider, board, "request", "Mode sombre", "Pour le soir.")
    question = posting.create_thread(author, board, "question", "Comment exporter ?", "Où est l'export ?")
    db.session.commit()
    assert vote_count(other) == 0 and vote_count(question) == 0


def test_the_member_votes_cost_one_statement_whatever_the_number_of_rows(app, client, login, count_queries):
    search.reindex()
    counts: dict[str, list[int]] = {"ranked": [], "board": [], "search": []}
    for slug, n in (("trois", 3), ("douze", 12)):
        board = make_board(slug=slug)
        member = make_user(uses=[board])
        for i in range(n):
            request = make_request(board, title=f"Agenda partagé {slug} {i}", body="Un agenda partagé.")
            if i % 2:
                make_vote(request, member, "important")
        db.session.commit()
        search.apply_pending()
        login(member)
        for name, url in (("ranked", f"/b/{slug}/demandes"), ("board", f"/b/{slug}/"),
                          ("search", f"/search?q=agenda&board={slug}")):
            db.session.remove()
            with count_queries() as counter:
                html = page(client.get(url))
            assert html.count("data-toggle-form") == n, (name, slug)
            assert html.count('aria-pressed="true"') == n // 2, (name, slug)
            counts[name].append(counter.count)
    assert all(first == second for first, second in counts.values()), counts


def test_the_script_gets_the_row_a_reload_shows(client, login):
    board = make_board(slug="chorus")
    wanted = make_request(board, title="Exporter le DMP")
    make_vote(wanted, make_user(uses=[board]), "bloquant")
    login(make_user(uses=[board]))
    response = client.post(f"/t/{wanted.id}/vote", headers={"Accept": "application/json"},
                           data={"importance": "utile", "vue": "classement", "rang": "1", "next": "/b/chorus/demandes"})
    answer = response.get_json()
    assert response.status_code == 200 and answer["message"] == "Votre vote est enregistré."
    assert answer["panel"].startswith(f'<tr id="demande-{wanted.id}" data-vote-row>')
    reloaded = row_of(client.get("/b/chorus/demandes").get_data(as_text=True), wanted.id)
    assert without_token(row_of(answer["panel"], wanted.id)) == without_token(reloaded)
    assert 'aria-pressed="true"' in reloaded and "2 votes" in reloaded and "<strong>4</strong>" in reloaded
