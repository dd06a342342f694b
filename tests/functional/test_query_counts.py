"""The number of SQL statements a page runs does not grow with the rows it shows."""
import pytest
from flask import g

from forum.extensions import db
from forum.models import Board
from tests.factories import make_board, make_post, make_structure, make_thread, make_user

MAX_QUERIES = 8


def statements_for(client, count_queries, url: str) -> int:
    """SQL statements run by one GET, starting from an empty session as a real request does
    (the tests' objects are detached: reload them with `fresh()` afterwards)."""
    db.session.expunge_all()
    g.pop("_login_user", None)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def fresh(obj):
    return db.session.get(type(obj), obj.id)


def add_threads(board, count: int, authors: list) -> None:
    for n in range(count):
        kind = ("question", "tip", "request")[n % 3]
        make_thread(board, authors[n % len(authors)], kind=kind, title=f"Sujet {n} du forum",
                    software_version="1.0" if kind == "tip" else None)
    db.session.commit()


def several_authors(n: int = 6) -> list:
    return [make_user(structure=make_structure()) for _ in range(n)]


def test_home_page_queries_do_not_grow_with_threads(client, count_queries):
    board_ids = [make_board().id for _ in range(3)]
    add_threads(db.session.get(Board, board_ids[0]), 5, several_authors())
    small = statements_for(client, count_queries, "/")
    authors = several_authors()
    for board_id in board_ids:
        add_threads(db.session.get(Board, board_id), 20, authors)
    make_board()
    db.session.commit()
    large = statements_for(client, count_queries, "/")
    assert small == large <= MAX_QUERIES


@pytest.mark.parametrize("page", [1, 2])
def test_board_page_queries_do_not_grow_with_threads(client, count_queries, page):
    board = make_board()
    authors = several_authors()
    add_threads(board, 30, authors)
    small = statements_for(client, count_queries, f"/b/{board.slug}/?page={page}")
    add_threads(fresh(board), 30, several_authors())
    large = statements_for(client, count_queries, f"/b/{board.slug}/?page={page}")
    assert small == large <= MAX_QUERIES


def test_filtered_board_tabs_are_bounded(client, count_queries):
    board = make_board()
    add_threads(board, 40, several_authors())
    for query in ("type=question&filtre=resolues", "type=question&filtre=sans-reponse", "type=tip&tri=utiles",
                  "type=request"):
        assert statements_for(client, count_queries, f"/b/{board.slug}/?{query}") <= MAX_QUERIES


@pytest.mark.parametrize("kind", ["question", "tip", "request"])
def test_thread_page_queries_do_not_grow_with_replies(client, count_queries, login, kind):
    thread = make_thread(kind=kind)
    for _ in range(5):
        make_post(thread, make_user(structure=make_structure()))
    db.session.commit()
    small = statements_for(client, count_queries, f"/t/{thread.id}")
    thread = fresh(thread)
    for _ in range(15):
        make_post(thread, make_user(structure=make_structure()))
    db.session.commit()
    large = statements_for(client, count_queries, f"/t/{thread.id}")
    assert small == large <= MAX_QUERIES + 4  # the kind's panel (votes, status history…) adds a few


def test_thread_page_for_a_logged_in_member_is_bounded(client, count_queries, login):
    thread = make_thread()
    for _ in range(20):
        make_post(thread, make_user(structure=make_structure()))
    member = make_user()
    db.session.commit()
    login(member)
    # Posts without files cost no statement for them (the posts' rows say whether they have some).
    assert statements_for(client, count_queries, f"/t/{thread.id}") <= MAX_QUERIES


def test_thread_page_reads_the_thread_row_once(client, count_queries, login):
    """The merged-thread redirect check (a before-request hook) loads the thread; the page must
    reuse that object, not read it again once the session has let go of it."""
    thread = make_thread()
    make_post(thread, make_user())
    member = make_user()
    db.session.commit()
    login(member)
    url = f"/t/{thread.id}"
    db.session.expunge_all()
    g.pop("_login_user", None)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    thread_reads = [s for s in counter.statements if s.lstrip().startswith("SELECT threads.id, threads.board_id")]
    assert len(thread_reads) == 1, thread_reads


def test_thread_page_counts_replies_in_the_statement_that_reads_them(app, client, count_queries):
    thread = make_thread()
    per_page = app.config["POSTS_PER_PAGE"]
    for _ in range(per_page + 3):
        make_post(thread, make_user())
    db.session.commit()
    url = f"/t/{thread.id}"

    def post_statements(query: str) -> tuple[list[str], str]:
        db.session.expunge_all()
        with count_queries() as counter:
            response = client.get(url + query)
        return [s for s in counter.statements if "FROM posts" in s], response.get_data(as_text=True)

    statements, page = post_statements("?page=2")
    assert len(statements) == 2  # the opening post, then page 2 with the count of every reply
    assert "Page 2 sur 2" in page
    statements, page = post_statements("?page=9")  # past the end: then a count says how far
    assert len(statements) == 3 and "Cette page n'existe pas" in page
