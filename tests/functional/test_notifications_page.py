"""The bell and /notifications: what a member sees of what the forum told them, in which order, in
which words, where each notification leads, and marking them read."""
from __future__ import annotations

import re
from datetime import timedelta

from forum.extensions import db
from forum.models import Notification, User
from forum.models._time import utcnow
from forum.services.notify.counts import recount_unread
from tests.factories import make_board, make_post, make_thread, make_user
from tests.pages import page


def notify(user: User, kind: str = "reply", *, thread=None, post=None, actor=None, count: int = 1,
           data: dict | None = None, minutes_ago: int = 0, read: bool = False) -> Notification:
    """A notification as the fan-out writes it (one row per recipient), and the bell's recount."""
    when = utcnow() - timedelta(minutes=minutes_ago)
    notification = Notification(
        user_id=user.id, kind=kind, board_id=thread.board_id if thread else None, thread_id=thread.id if thread else None,
        post_id=post.id if post else None, actor_id=actor.id if actor else None, count=count, data=data,
        created_at=when, updated_at=when, read_at=utcnow() if read else None)
    db.session.add(notification)
    db.session.flush()
    recount_unread([user.id])
    return notification


def visible_text(html: str) -> str:
    """The page's text as read on screen: tags dropped, spaces (non-breaking ones too) collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html).replace("\xa0", " "))


def bell(html: str) -> str:
    match = re.search(r'<a class="bell[^"]*"[^>]*>(.*?)</a>', html, re.S)
    assert match, "no bell in the header"
    return visible_text(match.group(1)).strip()


def test_bell_shows_the_unread_count_and_follows_marking_read(client, login):
    member = make_user()
    thread = make_thread()
    first, _, _ = (notify(member, thread=thread, minutes_ago=m) for m in (3, 2, 1))
    notify(member, thread=thread, read=True)
    login(member)

    assert bell(page(client.get("/"))) == "Notifications 3 : 3 notifications non lues"
    assert client.post(f"/notifications/{first.id}/lu").status_code == 302
    assert bell(page(client.get("/"))) == "Notifications 2 : 2 notifications non lues"
    assert client.post("/notifications/tout-lu").status_code == 302
    assert bell(page(client.get("/"))) == "Notifications"


def test_notifications_are_listed_newest_first_in_french_sentences(client, login):
    board = make_board(name="Chorus")
    member = make_user()
    claire = make_user(display_name="Claire Martin")
    bizone = make_thread(board, title="Ordonnance bizone")
    dmp = make_thread(board, title="Import DMP")
    request = make_thread(board, kind="request", title="Export des vaccins")
    notify(member, thread=bizone, post=make_post(bizone), actor=claire, minutes_ago=120)
    notify(member, thread=dmp, post=make_post(dmp), actor=claire, count=3, minutes_ago=1)
    notify(member, "status", thread=request, minutes_ago=60,
           data={"from": "nouvelle", "to": "planifiee", "official": "editor", "version": "5.3"})
    notify(member, "tip_useful", thread=make_thread(board, kind="tip", title="Raccourci F4"), count=3, minutes_ago=30)
    login(member)

    text = visible_text(page(client.get("/notifications")))
    expected = [
        "3 nouvelles réponses dans « Import DMP »",
        "3 membres ont trouvé votre astuce utile : « Raccourci F4 »",
        "La demande « Export des vaccins » est passée à Planifiée, version 5.3 (réponse officielle de l'éditeur)",
        "Claire Martin a répondu dans « Ordonnance bizone »",
    ]
    positions = [text.find(sentence) for sentence in expected]
    assert -1 not in positions, list(zip(expected, positions, strict=True))
    assert positions == sorted(positions)
    assert "Chorus · il y a 2 h" in text


def test_sentences_tolerate_missing_details(client, login):
    member = make_user()
    thread = make_thread(kind="request", title="Agenda partagé")
    notify(member, "status", thread=thread, data=None)
    notify(member, "merged", thread=thread, data={"target_id": 999999})
    notify(member, "livrable", data={"title": "Livrable de printemps", "count": 12})
    notify(member, "report", thread=thread, data={"reason": "publicite"})
    notify(member, "mention", thread=thread, actor=make_user(display_name="Paul Kiné"), data={"quote": True})
    login(member)

    text = visible_text(page(client.get("/notifications")))
    assert "La demande « Agenda partagé » a changé de statut" in text
    assert "La demande « Agenda partagé » que vous souteniez a été fusionnée dans une autre demande" in text
    assert "Livrable « Livrable de printemps » transmis (12 demandes)" in text
    assert "Nouveau signalement : Publicité ou démarchage dans « Agenda partagé »" in text
    assert "Paul Kiné vous a cité·e dans « Agenda partagé »" in text


def test_a_notification_leads_to_the_exact_post_on_its_page_and_is_then_read(app, client, login):
    member = make_user()
    thread = make_thread(title="Long sujet")
    posts = [make_post(thread) for _ in range(app.config["POSTS_PER_PAGE"] + 2)]
    target = posts[-1]
    notification = notify(member, thread=thread, post=target)
    login(member)

    response = client.get(f"/notifications/{notification.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{thread.id}/{thread.slug}?page=2#p{target.id}"
    assert bell(page(client.get("/"))) == "Notifications"


def test_another_members_notification_is_not_found(client, login):
    owner, other = make_user(), make_user()
    notification = notify(owner, thread=make_thread())
    login(other)

    assert client.get(f"/notifications/{notification.id}").status_code == 404
    assert client.post(f"/notifications/{notification.id}/lu").status_code == 404
    assert db.session.get(Notification, notification.id).read_at is None


def test_a_notification_about_a_hidden_thread_is_not_shown_nor_counted(client, login):
    member = make_user()
    visible = make_thread(title="Sujet toujours là")
    hidden = make_thread(title="Sujet masqué par la modération")
    notify(member, thread=visible)
    notify(member, thread=hidden)
    hidden.deleted_at = utcnow()
    login(member)

    html = page(client.get("/notifications"))
    assert "Sujet toujours là" in html
    assert "Sujet masqué par la modération" not in html
    assert bell(html) == "Notifications 1 : 1 notification non lue"


def test_a_notification_about_a_deleted_reply_is_not_shown(client, login):
    member = make_user()
    thread = make_thread(title="Sujet avec réponse retirée")
    post = make_post(thread)
    notify(member, thread=thread, post=post)
    post.deleted_at = utcnow()
    login(member)

    html = page(client.get("/notifications"))
    assert "Aucune notification pour l'instant" in html
    assert "Sujet avec réponse retirée" not in html


def test_mark_one_and_mark_all_from_the_page(client, login):
    member = make_user()
    one = notify(member, thread=make_thread(title="Premier"), minutes_ago=2)
    notify(member, thread=make_thread(title="Second"), minutes_ago=1)
    login(member)

    html = page(client.get("/notifications"))
    assert html.count('class="notification unread"') == 2
    assert "Tout marquer comme lu" in html
    response = client.post(f"/notifications/{one.id}/lu", data={"next": "/notifications?page=1"})
    assert response.headers["Location"] == "/notifications?page=1"
    html = page(client.get("/notifications"))
    assert html.count('class="notification unread"') == 1
    client.post("/notifications/tout-lu")
    html = page(client.get("/notifications"))
    assert 'class="notification unread"' not in html
    assert "Tout marquer comme lu" not in html
    assert db.session.get(User, member.id).unread_notification_count == 0


def test_notifications_page_is_paginated_and_bounded(client, login, count_queries):
    member = make_user()
    thread = make_thread()
    for n in range(35):
        notify(member, thread=thread, post=make_post(thread), minutes_ago=n)
    login(member)

    db.session.expunge_all()
    with count_queries() as counter:
        first = page(client.get("/notifications"))
    # the member (with the bell's count), the notifications about hidden content put aside (one
    # UPDATE), the count and the page, the search queue's check: as many for 35 as for 3
    assert counter.count <= 5
    assert "Page 1 sur 2" in first
    assert first.count('class="notification unread"') == 30
    assert page(client.get("/notifications?page=2")).count('class="notification unread"') == 5


def test_anonymous_visitors_are_asked_to_log_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]
