"""Board and ranked pages from the shared fragment cache (issue 18): the rows are rendered once per
content version and class of viewer and served to the next viewers with fewer statements, while what
belongs to one member (their vote, unread markers, follow level, CSRF token) and what depends on the
clock (« il y a … », « En retard » after midnight) is computed for each request, never taken from
another member's page. Freshness across workers is tests/functional/test_fresh_across_workers.py."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import g

from forum.extensions import cache, db
from forum.models import Thread, User, Vote
from forum.models._time import utcnow
from forum.services.notify import follows
from tests.conftest import _config_dict, make_app
from tests.factories import make_board, make_post, make_request, make_thread, make_user, make_vote
from tests.live_server import NO_REDIS, REDIS_SERVER, redis_server
from tests.pages import page, statements
from tests.sessions import log_in


def member_client(app, user):
    client = app.test_client()
    log_in(client, user)
    return client


def watcher_with_news(app, board, member):
    """`member` watches `board` and has read a thread of it, which has got one reply since: their
    client, logged in."""
    thread = make_thread(board, title="Lecture de la carte Vitale")
    make_post(thread)
    follows.set_board_level(member, board, "watching")
    db.session.commit()
    client = member_client(app, member)
    page(client.get(f"/t/{thread.id}"))
    make_post(thread)
    db.session.commit()
    return client


def row_of(html: str, thread_id: int) -> str:
    start = html.index(f'id="demande-{thread_id}"')
    ends = [i for i in (html.find("</tr>", start), html.find("</li>", start)) if i != -1]
    return html[start:min(ends)]


@pytest.mark.parametrize("url", ["/b/{slug}/", "/b/{slug}/demandes", "/b/{slug}/?type=request"])
def test_the_next_viewer_of_a_class_gets_the_same_page_with_fewer_statements(app, client, count_queries, url):
    board = make_board()
    for n in range(6):
        make_request(board, title=f"Demande numéro {n}")
    make_thread(board, title="Une question ordinaire")
    db.session.commit()
    url = url.format(slug=board.slug)
    first, first_html = statements(client, count_queries, url)
    second, second_html = statements(app.test_client(), count_queries, url)
    assert "Demande numéro 5" in second_html
    assert second_html == first_html
    assert second < first


def test_the_rows_are_rendered_again_after_any_change(client, count_queries):
    board = make_board()
    thread = make_thread(board, title="Avant le changement")
    db.session.commit()
    url = f"/b/{board.slug}/"
    thread_id = thread.id
    statements(client, count_queries, url)
    cached, _ = statements(client, count_queries, url)
    db.session.get(Thread, thread_id).title = "Après le changement"
    db.session.commit()
    rendered, html = statements(client, count_queries, url)
    assert "Après le changement" in html and "Avant le changement" not in html
    assert rendered > cached


def test_another_members_vote_is_never_shown_from_the_shared_rows(app, count_queries):
    board = make_board()
    request = make_request(board, title="Export des vaccinations")
    voter, other = make_user(uses=[board]), make_user(uses=[board])
    make_vote(request, voter)
    db.session.commit()
    request_id, voter, other = request.id, voter.id, other.id
    for url in (f"/b/{board.slug}/", f"/b/{board.slug}/demandes"):
        voter_html = page(member_client(app, db.session.get(User, voter)).get(url))
        assert "✓ Voté" in row_of(voter_html, request_id)
        served, other_html = statements(member_client(app, db.session.get(User, other)), count_queries, url)
        cache.clear()
        rendered, _ = statements(member_client(app, db.session.get(User, other)), count_queries, url)
        assert served < rendered  # the other member's page came from the voter's entry
        row = row_of(other_html, request_id)
        assert ">Voter<" in row and "✓ Voté" not in row and 'aria-pressed="false"' in row


def test_only_my_votes_is_never_shared(app):
    board = make_board()
    mine, theirs = make_request(board, title="Ma demande à moi"), make_request(board, title="La demande d'un autre")
    me, them = make_user(uses=[board]), make_user(uses=[board])
    make_vote(mine, me)
    make_vote(theirs, them)
    db.session.commit()
    url = f"/b/{board.slug}/demandes?mes-votes=1"
    my_page = page(member_client(app, me).get(url))
    their_page = page(member_client(app, them).get(url))
    assert "Ma demande à moi" in my_page and "La demande d'un autre" not in my_page
    assert "La demande d'un autre" in their_page and "Ma demande à moi" not in their_page


def test_unread_markers_and_follow_level_are_the_members_own(app, client):
    board = make_board()
    other = make_user()
    reader_client = watcher_with_news(app, board, make_user())
    url = f"/b/{board.slug}/"
    reader_html = page(reader_client.get(url))
    other_html = page(member_client(app, other).get(url))
    assert "1 nouvelle" in reader_html and "1 nouvelle" not in other_html
    assert "Niveau choisi par vous" in reader_html
    assert "Niveau choisi par vous" not in other_html and "Niveau par défaut" in other_html
    visitor_html = page(client.get(url))
    assert "Connectez-vous pour suivre ce forum" in visitor_html and 'id="suivi"' not in visitor_html


def test_each_member_gets_their_own_csrf_token_and_can_vote_with_it(csrf_app):
    board = make_board()
    request = make_request(board, title="Tri des résultats")
    first, second = make_user(uses=[board]), make_user(uses=[board])
    db.session.commit()
    url = f"/b/{board.slug}/"
    clients = [member_client(csrf_app, user) for user in (first, second)]
    request_id, second_id = request.id, second.id

    def token_of(browser) -> str:
        g.pop("csrf_token", None)  # the test's app context outlives requests: a worker's g would not
        g.pop("_login_user", None)
        return re.search(r'name="csrf_token" value="([^"]+)"', row_of(page(browser.get(url)), request_id)).group(1)
    tokens = [token_of(c) for c in clients]
    assert tokens[0] != tokens[1]
    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    response = clients[1].post(f"/t/{request_id}/vote", data={"csrf_token": tokens[1], "importance": "utile",
                                                              "vue": "liste", "next": url})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Vote.user_id).where(Vote.thread_id == request_id)) == second_id


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_times_are_computed_when_the_page_is_served(client, count_queries, monkeypatch):
    board = make_board()
    thread = make_thread(board, title="Une question récente")
    thread.last_activity_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    url = f"/b/{board.slug}/"
    assert "Activité il y a 5 min" in page(client.get(url))
    later = utcnow() + timedelta(hours=2)
    monkeypatch.setattr("forum.web.filters.utcnow", lambda: later)
    cached, html = statements(client, count_queries, url)
    assert "Activité il y a 2 h" in html and "il y a 5 min" not in html


def test_a_planned_request_turns_late_at_midnight_without_any_change(client, monkeypatch):
    from forum.services import commitment_rules

    board = make_board()
    request = make_request(board, title="Signature électronique")
    day = commitment_rules.today()
    request.status = "planifiee"
    request.target_due_on = day
    request.target_period = f"{day.year}-T{(day.month - 1) // 3 + 1}"
    db.session.commit()
    for url in (f"/b/{board.slug}/", f"/b/{board.slug}/demandes?statut=planifiee"):
        assert "En retard" not in row_of(page(client.get(url)), request.id)
    monkeypatch.setattr(commitment_rules, "today", lambda: day + timedelta(days=1))
    monkeypatch.setattr("forum.web.board_rows.today", lambda: day + timedelta(days=1))
    for url in (f"/b/{board.slug}/", f"/b/{board.slug}/demandes?statut=planifiee"):
        assert "En retard" in row_of(page(client.get(url)), request.id)


def test_a_title_cannot_open_a_hole(client):
    board = make_board()
    make_thread(board, title="<!--h:follow:0--> et <!--h:vote:1-->")
    db.session.commit()
    response = client.get(f"/b/{board.slug}/")
    assert response.status_code == 200
    assert "&lt;!--h:follow:0--&gt; et &lt;!--h:vote:1--&gt;" in response.get_data(as_text=True)


def test_an_admins_controls_are_not_served_to_a_moderator(app):
    board = make_board()
    make_thread(board)
    admin, moderator = make_user(role="admin"), make_user(role="moderator")
    db.session.commit()
    url = f"/b/{board.slug}/"
    assert "Modifier le label" in page(member_client(app, admin).get(url))
    moderator_page = page(member_client(app, moderator).get(url))
    assert "Nouveau sujet" in moderator_page and "Modifier le label" not in moderator_page


def test_a_suspended_admin_is_not_served_an_active_admins_controls(app):
    board = make_board()
    make_thread(board)
    active, suspended = make_user(role="admin"), make_user(role="admin")
    suspended.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    url = f"/b/{board.slug}/"
    assert "Modifier le label" in page(member_client(app, active).get(url))
    suspended_page = page(member_client(app, suspended).get(url))
    assert "Nouveau sujet" in suspended_page and "Modifier le label" not in suspended_page


def test_pages_are_the_same_without_the_cache(app, client):
    board = make_board()
    make_request(board, title="Export CSV")
    make_thread(board, title="Question du jour")
    db.session.commit()
    urls = [f"/b/{board.slug}/", f"/b/{board.slug}/demandes"]
    cached = [page(client.get(url)) for url in urls]
    uncached_app = make_app({**_config_dict(), **{key: app.config[key] for key in (
        "DATABASE_URL", "SEARCH_INDEX_DIR", "STORAGE_URL")}, "CACHE_TYPE": "NullCache"})
    uncached = [page(uncached_app.test_client().get(url)) for url in urls]
    with uncached_app.app_context():
        db.session.remove()
    assert uncached == cached


@pytest.mark.skipif(not __import__("pathlib").Path(REDIS_SERVER).exists(), reason=NO_REDIS)
def test_workers_share_the_rows_through_redis_and_survive_its_loss(app, tmp_path, count_queries):
    board = make_board()
    for n in range(4):
        make_request(board, title=f"Demande partagée {n}")
    db.session.commit()
    url = f"/b/{board.slug}/"
    (tmp_path / "redis").mkdir()
    with redis_server(tmp_path / "redis", range(5200, 5210)) as redis_url:
        config = {**_config_dict(), **{key: app.config[key] for key in (
            "DATABASE_URL", "SEARCH_INDEX_DIR", "STORAGE_URL")}, "CACHE_REDIS_URL": redis_url}
        first, second = make_app(config), make_app(config)
        assert first.config["CACHE_TYPE"] == "RedisCache"
        cold = _statements_on(first, url)
        warm = _statements_on(second, url)  # the other worker's entry
        assert warm[0] < cold[0] and warm[1] == cold[1]
    served = _statements_on(second, url)  # Redis is gone: rendered as without a cache
    assert served[1] == cold[1]


def _statements_on(worker, url: str) -> tuple[int, str]:
    from sqlalchemy import event

    with worker.app_context():
        counter = []
        listener = lambda *args: counter.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            html = page(worker.test_client().get(url))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            db.session.remove()
    return len(counter), html


def test_a_members_marks_on_a_board_page_come_in_one_statement(app, count_queries):
    board = make_board()
    voted, unvoted = make_request(board, title="Export des rendez-vous"), make_request(board, title="Mode sombre")
    member = make_user(uses=[board])
    make_vote(voted, member, "bloquant")
    client = watcher_with_news(app, board, member)
    url = f"/b/{board.slug}/"
    page(member_client(app, make_user(uses=[board])).get(url))  # the rows are kept by another member's view
    served, html = statements(client, count_queries, url)
    assert "✓ Voté" in row_of(html, voted.id) and "✓ Voté" not in row_of(html, unvoted.id)
    assert "1 nouvelle" in html and "Niveau choisi par vous" in html
    assert served == 3  # the board (with the site's version), the member, their marks: vote, reading, follow
