"""Unread markers: a returning member sees « 2 nouvelles » on the board, opens the thread at the
first new reply under a « Nouveaux messages » divider, and what this costs in SQL statements."""
from __future__ import annotations

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, ThreadRead, User
from forum.services.notify.counts import recount_unread
from tests.factories import make_board, make_post, make_thread, make_user
from tests.pages import page, statements
from tests.sessions import log_in

DIVIDER = '<p class="unread-divider" id="nouveaux"><span>Nouveaux messages</span></p>'


def read_position(user_id: int, thread_id: int) -> ThreadRead | None:
    db.session.expire_all()
    return db.session.scalar(select(ThreadRead).where(ThreadRead.user_id == user_id, ThreadRead.thread_id == thread_id))


def test_returning_reader_sees_new_replies_and_lands_on_the_first_one(app, client, login):
    per_page = app.config["POSTS_PER_PAGE"]
    board = make_board()
    thread = make_thread(board, title="Facturation des téléconsultations")
    for _ in range(per_page + 3):
        make_post(thread)
    reader, replier = make_user(), make_user(display_name="Bruno Replieur")
    thread_id, slug, reader_id = thread.id, thread.slug, reader.id
    login(reader)
    page(client.get(f"/t/{thread_id}?page=2"))  # A reads everything
    assert 'class="badge new-replies"' not in page(client.get(f"/b/{board.slug}/"))

    thread = db.session.get(type(thread), thread_id)
    first_new = make_post(thread, db.session.get(User, replier.id), body="Première nouveauté.")
    make_post(thread, body="Deuxième nouveauté.")
    db.session.commit()
    first_new_id = first_new.id

    board_html = page(client.get(f"/b/{board.slug}/"))
    assert f'href="/t/{thread_id}/{slug}#nouveaux">2 nouvelles' in board_html
    html = page(client.get(f"/t/{thread_id}/{slug}"))
    assert "Page 2 sur 2" in html
    assert re.search(re.escape(DIVIDER) + rf'\s*<article class="post" id="p{first_new_id}">', html)

    assert 'class="badge new-replies"' not in page(client.get(f"/b/{board.slug}/"))
    assert DIVIDER not in page(client.get(f"/t/{thread_id}/{slug}"))
    assert read_position(reader_id, thread_id).seen_reply_count == per_page + 5


def test_a_first_visit_shows_no_marker_and_starts_at_the_first_page(client, login):
    board = make_board()
    thread = make_thread(board)
    make_post(thread)
    member = login(make_user())
    member_id, thread_id = member.id, thread.id

    assert 'class="badge new-replies"' not in page(client.get(f"/b/{board.slug}/"))
    html = page(client.get(f"/t/{thread_id}"))
    assert DIVIDER not in html
    assert read_position(member_id, thread_id).seen_reply_count == 1


def test_an_explicit_page_is_kept_and_reading_never_goes_back(app, client, login):
    per_page = app.config["POSTS_PER_PAGE"]
    thread = make_thread()
    posts = [make_post(thread) for _ in range(per_page + 2)]
    reader = login(make_user())
    reader_id, thread_id, last_id = reader.id, thread.id, posts[-1].id

    page(client.get(f"/t/{thread_id}?page=2"))
    page(client.get(f"/t/{thread_id}?page=1"))
    assert read_position(reader_id, thread_id).last_read_post_id == last_id


def test_replying_counts_as_reading_up_to_the_reply(client, login):
    board = make_board()
    thread = make_thread(board)
    make_post(thread)
    member = login(make_user(uses=[board]))
    member_id, thread_id = member.id, thread.id

    response = client.post(f"/t/{thread_id}/repondre", data={"body": "Merci, ça marche chez moi aussi."})
    assert response.status_code == 302
    position = read_position(member_id, thread_id)
    assert position.seen_reply_count == 2
    assert response.headers["Location"].endswith(f"#p{position.last_read_post_id}")


def test_opening_a_thread_marks_its_notifications_read(client, login):
    thread, other = make_thread(), make_thread()
    member = make_user()
    for subject in (thread, thread, other):
        db.session.add(Notification(user_id=member.id, kind="reply", thread_id=subject.id, board_id=subject.board_id))
    db.session.flush()
    recount_unread([member.id])
    login(member)
    member_id, thread_id = member.id, thread.id

    html = page(client.get(f"/t/{thread_id}"))
    assert "1 notification non lue" in html  # the bell, already right on this page
    unread = db.session.scalars(select(Notification.thread_id).where(
        Notification.user_id == member_id, Notification.read_at.is_(None))).all()
    assert unread == [other.id]


def test_a_thread_without_unread_notifications_costs_no_update_to_a_member_with_some(client, login,
                                                                                   count_queries):
    thread, other = make_thread(), make_thread()
    make_post(thread)
    quiet, noticed = make_user(), make_user()
    db.session.add(Notification(user_id=noticed.id, kind="reply", thread_id=other.id, board_id=other.board_id))
    db.session.flush()
    recount_unread([noticed.id])
    quiet_id, noticed_id, other_id, thread_url = quiet.id, noticed.id, other.id, f"/t/{thread.id}"
    costs = {}
    for member_id in (quiet_id, noticed_id):
        login(db.session.get(User, member_id))
        statements(client, count_queries, thread_url)  # the first visit records the position
        db.session.expunge_all()
        with count_queries() as counter:
            html = page(client.get(thread_url))
        costs[member_id] = counter.statements
    # The bell counts one unread notification, about another thread: nothing to mark read here.
    assert "1 notification non lue" in html
    assert not [s for s in costs[noticed_id] if s.lstrip().upper().startswith("UPDATE")], costs[noticed_id]
    assert len(costs[noticed_id]) == len(costs[quiet_id])
    unread = db.session.scalars(select(Notification.thread_id).where(
        Notification.user_id == noticed_id, Notification.read_at.is_(None))).all()
    assert unread == [other_id]


def test_board_and_thread_pages_cost_a_member_at_most_two_statements_more(client, login, count_queries):
    board = make_board()
    threads = [make_thread(board) for _ in range(5)]
    for thread in threads:
        make_post(thread)
    member_id = make_user().id
    db.session.commit()
    thread_url, board_url = f"/t/{threads[0].id}", f"/b/{board.slug}/"
    statements(client, count_queries, thread_url)  # the search index takes the new posts (not this feature)
    anonymous_thread, _ = statements(client, count_queries, thread_url)
    anonymous_board, _ = statements(client, count_queries, board_url)

    login(db.session.get(User, member_id))
    statements(client, count_queries, thread_url)  # the first visit records the position
    thread_count, _ = statements(client, count_queries, thread_url)
    board_count, html = statements(client, count_queries, board_url)
    # + loading the member (as before this feature); on the board page + one statement: follow level,
    # read positions (and votes on the listed requests); on the thread page they come with the thread
    # row, with whether a reply draft waits (reads.thread_with_reader). The actions on others' posts
    # come shared with the posts' HTML (forum/web/thread_posts.py): no statement for them.
    assert thread_count == anonymous_thread + 1
    assert board_count == anonymous_board + 2
    assert 'class="bell"' in html


def test_new_replies_on_a_long_board_list_cost_no_more_statements(client, login, count_queries):
    board = make_board()
    threads = [make_thread(board) for _ in range(20)]
    login(make_user())
    for thread in threads[:3]:
        page(client.get(f"/t/{thread.id}"))
    page(client.get(f"/b/{board.slug}/"))  # both measured with the board's rows rendered and kept
    small, _ = statements(client, count_queries, f"/b/{board.slug}/")
    for thread in db.session.scalars(select(type(threads[0]))).all():
        make_post(thread)
        make_post(thread)
    db.session.commit()
    page(client.get(f"/b/{board.slug}/"))  # the search index takes the new posts (not this feature)
    large, html = statements(client, count_queries, f"/b/{board.slug}/")
    assert html.count("2 nouvelles") == 3
    assert small == large


def test_opening_at_the_first_new_reply_costs_only_the_write_of_the_new_position(app, client, login, count_queries):
    per_page = app.config["POSTS_PER_PAGE"]
    thread = make_thread()
    for _ in range(3):
        make_post(thread)
    member_id, thread_id = make_user().id, thread.id
    db.session.commit()
    login(db.session.get(User, member_id))
    statements(client, count_queries, f"/t/{thread_id}")
    read_already, _ = statements(client, count_queries, f"/t/{thread_id}")

    thread = db.session.get(type(thread), thread_id)
    for _ in range(per_page * 2):
        make_post(thread)
    db.session.commit()
    statements(client, count_queries, "/")  # the search index takes the new posts (not this feature)
    other = app.test_client()  # another member renders the new page 1, shared (thread_posts.py)
    log_in(other, make_user())
    page(other.get(f"/t/{thread_id}"))
    with_news, html = statements(client, count_queries, f"/t/{thread_id}")
    assert "Page 1 sur 3" in html and DIVIDER in html
    assert with_news == read_already + 1  # the new read position: one UPSERT
