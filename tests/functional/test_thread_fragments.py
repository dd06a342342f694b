"""The posts of a thread page are rendered once per thread version, page and class of viewer, and
shared (forum/web/thread_posts.py): the next views cost fewer statements, and what belongs to one
member — the actions on their own posts, a moderator's controls, the unread divider — is filled in
for each of them, never served from another's view of the same entry. The freshness across workers
is in test_fresh_across_workers.py; these complement it."""
from __future__ import annotations

import pytest
from flask import g

from forum.extensions import cache, db
from tests.factories import make_board, make_post, make_thread, make_user
from tests.functional.test_fresh_across_workers import get, post, workers  # noqa: F401
from tests.sessions import log_in


@pytest.mark.parametrize("as_member", [False, True], ids=["visitor", "member"])
def test_second_view_of_a_thread_page_runs_fewer_statements(app, count_queries, as_member):
    thread = make_thread()
    for n in range(5):
        make_post(thread, body=f"Réponse numéro {n}.")
    clients = [app.test_client(), app.test_client()]
    if as_member:
        for client in clients:
            log_in(client, make_user())
            client.get(f"/t/{thread.id}")  # the first visit records the reading (a write)
        with app.app_context():
            cache.clear()  # the first counted view builds the posts again
    with count_queries() as first:
        assert "Réponse numéro 4." in get(clients[0], f"/t/{thread.id}")
    with count_queries() as second:  # another viewer of the same class: the shared posts
        assert "Réponse numéro 4." in get(clients[1], f"/t/{thread.id}")
    assert second.count < first.count, (first.statements, second.statements)


def test_a_members_own_post_actions_are_not_on_another_members_page(app):
    thread = make_thread()
    author, other = make_user(), make_user()
    reply = make_post(thread, author, body="Ma réponse, que je peux modifier.")
    edit_link = f'href="/p/{reply.id}/modifier"'
    author_client, other_client = app.test_client(), app.test_client()
    log_in(author_client, author), log_in(other_client, other)

    assert edit_link in get(author_client, f"/t/{thread.id}")
    html = get(other_client, f"/t/{thread.id}")
    assert "Ma réponse, que je peux modifier." in html and edit_link not in html
    assert f'href="/p/{reply.id}/signaler"' in html  # what the other member may do with it
    assert edit_link in get(author_client, f"/t/{thread.id}")


def test_a_members_own_post_keeps_its_actions_after_another_member_shared_theirs(app, count_queries):
    thread = make_thread()
    author, other = make_user(), make_user()
    reply = make_post(thread, author, body="Ma réponse, que je peux modifier.")
    make_post(thread, body="La réponse d'un troisième membre.")
    author_client, other_client = app.test_client(), app.test_client()
    log_in(author_client, author), log_in(other_client, other)
    url = f"/t/{thread.id}"

    get(other_client, url)  # the other member renders the shared actions first (« Signaler » on it)
    get(author_client, url)  # the first visit records the reading (a write)
    html = get(author_client, url)
    assert f'href="/p/{reply.id}/modifier"' in html and f'action="/p/{reply.id}/supprimer"' in html
    assert f'href="/p/{reply.id}/signaler"' not in html


def test_the_shared_actions_carry_each_members_own_csrf_token(app):
    app.config["WTF_CSRF_ENABLED"] = True
    thread = make_thread(kind="question")
    answer = make_post(thread, body="Essayez de vider le cache.")
    asker = thread.author
    helper_client, asker_client = app.test_client(), app.test_client()
    log_in(helper_client, make_user()), log_in(asker_client, asker)
    get(helper_client, f"/t/{thread.id}")
    g.pop("csrf_token", None)  # the test's app context outlives requests: a worker's g would not
    html = get(asker_client, f"/t/{thread.id}")
    accept = html[html.index(f'action="/p/{answer.id}/accepter"'):]
    token = accept[accept.index('name="csrf_token" value="') + 25:].split('"')[0]
    assert "<!--h:" not in html
    g.pop("csrf_token", None)
    response = asker_client.post(f"/p/{answer.id}/accepter", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(thread), thread.id).accepted_post_id == answer.id


def test_a_deleted_post_shown_to_a_moderator_stays_hidden_from_a_member_seen_before(app):
    board = make_board()
    thread = make_thread(board)
    spam = make_post(thread, body="Achetez mes formations !")
    moderator, member = make_user(role="moderator"), make_user()
    moderator_client, member_client = app.test_client(), app.test_client()
    log_in(moderator_client, moderator), log_in(member_client, member)
    post(moderator_client, f"/p/{spam.id}/moderation/masquer", {"reason": "Publicité"})

    member_html = get(member_client, f"/t/{thread.id}")  # the member's class first
    assert "Message supprimé" in member_html and "Achetez mes formations" not in member_html
    moderator_html = get(moderator_client, f"/t/{thread.id}")
    assert "Achetez mes formations" in moderator_html and "Restaurer" in moderator_html
    member_html = get(member_client, f"/t/{thread.id}")
    assert "Achetez mes formations" not in member_html and "Restaurer" not in member_html
    assert "Masquer" not in member_html


def test_the_unread_divider_is_shown_to_the_member_who_has_not_read_only(app):
    thread = make_thread()
    make_post(thread, body="Première réponse.")
    behind, up_to_date = app.test_client(), app.test_client()
    log_in(behind, make_user()), log_in(up_to_date, make_user())
    get(behind, f"/t/{thread.id}")  # read up to the first reply
    make_post(thread, body="Deuxième réponse.")
    db.session.commit()  # as a request would (its versions rise at the commit)
    get(up_to_date, f"/t/{thread.id}")  # read both

    assert "Nouveaux messages" in get(behind, f"/t/{thread.id}")
    assert "Nouveaux messages" not in get(up_to_date, f"/t/{thread.id}")
    assert "Nouveaux messages" not in get(app.test_client(), f"/t/{thread.id}")
    assert "Nouveaux messages" not in get(behind, f"/t/{thread.id}")  # now read


def test_a_post_restored_on_b_is_back_on_a(workers):  # noqa: F811
    a, b = workers
    thread = make_thread()
    reply = make_post(thread, body="Une réponse retirée puis rendue.")
    moderator = make_user(role="moderator")
    post(b.member(moderator), f"/p/{reply.id}/moderation/masquer", {"reason": "Par erreur"})
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        assert "Une réponse retirée puis rendue." not in get(client, f"/t/{thread.id}")

    post(b.member(moderator), f"/p/{reply.id}/moderation/restaurer")

    for client in readers:
        assert "Une réponse retirée puis rendue." in get(client, f"/t/{thread.id}")


def test_a_reply_on_b_that_opens_a_new_page_is_paged_on_a(workers):  # noqa: F811
    a, b = workers
    thread = make_thread()
    per_page = a.app.config["POSTS_PER_PAGE"]
    for n in range(per_page):
        make_post(thread, body=f"Réponse {n}.")
    readers = [a.visitor(), a.member(make_user())]
    for client in readers:
        html = get(client, f"/t/{thread.id}?page=2")
        assert "Cette page n'existe pas" in html and "?page=2" not in get(client, f"/t/{thread.id}")

    post(b.member(make_user()), f"/t/{thread.id}/repondre", {"body": "La réponse de la deuxième page."})

    for client in readers:
        assert "La réponse de la deuxième page." in get(client, f"/t/{thread.id}?page=2")
        assert "?page=2" in get(client, f"/t/{thread.id}?page=1")


def test_the_shared_reply_form_has_each_members_token_and_a_fresh_submission_key(app):
    app.config["WTF_CSRF_ENABLED"] = True
    thread = make_thread()
    first, second = app.test_client(), app.test_client()
    log_in(first, make_user()), log_in(second, make_user())
    forms = []
    for client in (first, second, second):
        g.pop("csrf_token", None)  # the test's app context outlives requests: a worker's g would not
        html = get(client, f"/t/{thread.id}")
        form = html[html.index(f'action="/t/{thread.id}/repondre"'):]
        forms.append({name: form[form.index(f'name="{name}" type="hidden" value="') + len(name) + 29:].split('"')[0]
                      for name in ("csrf_token", "submission_key")})
    assert "<!--h:" not in html
    assert forms[0]["csrf_token"] != forms[1]["csrf_token"]
    assert len({each["submission_key"] for each in forms}) == 3  # drawn for every page shown
    g.pop("csrf_token", None)
    response = second.post(f"/t/{thread.id}/repondre", data={**forms[2], "body": "Merci, cela fonctionne."})
    assert response.status_code == 302
    assert "Merci, cela fonctionne." in get(second, f"/t/{thread.id}")


def test_one_blank_reply_form_serves_every_open_thread_with_its_own_addresses(app):
    board = make_board()
    first, second = make_thread(board, title="Premier sujet"), make_thread(board, title="Second sujet")
    client = app.test_client()
    log_in(client, make_user())
    get(client, f"/t/{first.id}")
    with app.app_context():
        kept = {key for key in cache.cache._cache if key.startswith("reply-form")}
    html = get(client, f"/t/{second.id}")
    with app.app_context():
        assert {key for key in cache.cache._cache if key.startswith("reply-form")} == kept != set()
    form = html[html.index('<section class="reply"'):]
    assert f'action="/t/{second.id}/repondre"' in form and f"/sujet/{second.id}" in form
    assert f"/t/{first.id}/" not in form and "<!--h:" not in form
    response = client.post(f"/t/{second.id}/repondre", data={"body": "Réponse au second sujet."})
    assert response.status_code == 302
    assert "Réponse au second sujet." in get(client, f"/t/{second.id}")


def test_a_locked_thread_shows_its_notice_to_a_member_and_the_form_to_its_moderator(app):
    board = make_board()
    thread = make_thread(board)
    thread.locked = True
    moderator = make_user(role="moderator")
    db.session.commit()
    member_page, moderator_page = app.test_client(), app.test_client()
    log_in(member_page, make_user()), log_in(moderator_page, moderator)
    get(moderator_page, f"/t/{make_thread(board).id}")  # the shared blank form is kept
    reply = get(member_page, f"/t/{thread.id}").split('<section class="reply"')[1]
    assert "Ce sujet est verrouillé" in reply and f"/t/{thread.id}/repondre" not in reply
    reply = get(moderator_page, f"/t/{thread.id}").split('<section class="reply"')[1]
    assert f'action="/t/{thread.id}/repondre"' in reply and "verrouillé" not in reply
