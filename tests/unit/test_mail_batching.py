"""Notification e-mails are batched per member: a burst is one message, nothing leaves before
MAIL_BATCH_SECONDS, read / hidden / unreachable ones are skipped, a batch is queued once; delivery
without MAIL_SERVER writes an .eml with the one-click unsubscribe headers."""
from __future__ import annotations

import email
from datetime import timedelta
from email import policy

from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, NotificationPreference, OutgoingMessage
from forum.models._time import utcnow
from forum.services import posting
from forum.services.notify import compose, delivery
from tests.factories import make_post, make_thread, make_user

T0 = utcnow() - timedelta(hours=1)


def notify(user, post, *, kind="reply", at=T0, **fields) -> Notification:
    """A pending « immédiat » notification of `user` about `post`, as the fan-out writes it."""
    row = Notification(user_id=user.id, kind=kind, board_id=post.thread.board_id, thread_id=post.thread_id,
                       post_id=post.id, actor_id=post.author_id, created_at=at, updated_at=at,
                       email_state="pending", **fields)
    db.session.add(row)
    db.session.flush()
    return row


def messages_to(user) -> list[OutgoingMessage]:
    return list(db.session.scalars(select(OutgoingMessage).where(OutgoingMessage.user_id == user.id)))


def states(*rows) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Notification, row.id).email_state for row in rows]


def test_five_replies_in_one_thread_make_one_email_with_excerpts_and_exact_links(app):
    reader = make_user(display_name="Claire Lecteur")
    thread = make_thread(title="Imprimer une ordonnance bizone")
    posts = [make_post(thread, body=f"Réponse numéro {n} : passez par le menu Fichier.") for n in range(5)]
    rows = [notify(reader, post) for post in posts]
    db.session.commit()

    assert compose.compose_pending() >= 1
    [message] = messages_to(reader)
    assert message.subject == "5 nouvelles réponses dans « Imprimer une ordonnance bizone »"
    assert message.to_address == reader.email and message.kind == "notifications"
    for n, post in enumerate(posts):
        assert f"http://localhost/t/{thread.id}/{thread.slug}#p{post.id}" in message.body_text
        assert f"Réponse numéro {n} : passez par le menu Fichier." in message.body_text
    assert f'href="http://localhost/t/{thread.id}/{thread.slug}#p{posts[0].id}"' in message.body_html
    assert "/desabonnement/" in message.unsubscribe_url and message.unsubscribe_url in message.body_text
    assert states(*rows) == ["sent"] * 5
    assert {db.session.get(Notification, row.id).message_id for row in rows} == {message.id}


def test_nothing_leaves_before_the_batch_window_then_one_message(app):
    app.config["MAIL_BATCH_SECONDS"] = 120
    reader = make_user()
    thread = make_thread()
    start = utcnow()
    notify(reader, make_post(thread), at=start)
    notify(reader, make_post(thread), at=start + timedelta(seconds=30))
    db.session.commit()

    compose.compose_pending(now=start + timedelta(seconds=119))
    assert messages_to(reader) == []
    compose.compose_pending(now=start + timedelta(seconds=121))
    [message] = messages_to(reader)
    assert message.subject.startswith("2 nouvelles réponses")


def test_notifications_read_in_the_product_are_not_mailed(app):
    reader = make_user()
    thread = make_thread(title="Sujet lu puis non lu")
    read_post, unread_post = make_post(thread, body="Déjà lue sur le site"), make_post(thread, body="Pas encore lue")
    read = notify(reader, read_post, read_at=utcnow())
    unread = notify(reader, unread_post)
    db.session.commit()

    compose.compose_pending()
    [message] = messages_to(reader)
    assert "Pas encore lue" in message.body_text and "Déjà lue sur le site" not in message.body_text
    assert states(read, unread) == ["skipped", "sent"]


def test_a_member_who_read_everything_gets_no_message(app):
    reader = make_user()
    row = notify(reader, make_post(make_thread()), read_at=utcnow())
    db.session.commit()
    compose.compose_pending()
    assert messages_to(reader) == []
    assert states(row) == ["skipped"]


def test_suspended_deleted_and_refused_members_get_nothing(app):
    thread = make_thread()
    suspended, deleted, refused = make_user(), make_user(), make_user()
    suspended.suspended_until = utcnow() + timedelta(days=3)
    deleted.deleted_at = utcnow()
    refused.email_refused_at = utcnow()
    rows = [notify(user, make_post(thread)) for user in (suspended, deleted, refused)]
    db.session.commit()

    compose.compose_pending()
    assert [messages_to(user) for user in (suspended, deleted, refused)] == [[], [], []]
    assert states(*rows) == ["skipped"] * 3


def test_hidden_replies_and_threads_are_never_mailed(app):
    reader = make_user()
    thread = make_thread(title="Sujet visible")
    hidden_post = make_post(thread, body="Texte masqué par la modération")
    visible_post = make_post(thread, body="Texte toujours visible")
    hidden_thread = make_thread(title="Sujet masqué entièrement")
    rows = [notify(reader, hidden_post), notify(reader, visible_post), notify(reader, make_post(hidden_thread))]
    posting.delete_post(hidden_post.author, hidden_post)
    hidden_thread.deleted_at = utcnow()
    db.session.commit()

    compose.compose_pending()
    [message] = messages_to(reader)
    assert "Texte toujours visible" in message.body_text
    assert "Texte masqué" not in message.body_text + message.body_html
    assert "Sujet masqué entièrement" not in message.subject + message.body_text + message.body_html
    assert states(*rows) == ["skipped", "sent", "skipped"]


def test_a_kind_switched_to_never_since_is_not_mailed(app):
    reader = make_user()
    row = notify(reader, make_post(make_thread()))
    db.session.add(NotificationPreference(user_id=reader.id, kind="reply", delivery="never"))
    db.session.commit()
    compose.compose_pending()
    assert messages_to(reader) == []
    assert states(row) == ["none"]


def test_composing_the_same_batch_twice_queues_it_once(app):
    """Two workers composing at once (or a crash between queuing and marking): one message."""
    reader = make_user()
    thread = make_thread()
    rows = [notify(reader, make_post(thread)) for _ in range(2)]
    db.session.commit()
    assert compose.compose_for(reader.id) is True
    db.session.commit()
    for row in rows:  # as if the rows had not been marked sent
        db.session.get(Notification, row.id).email_state = "pending"
    db.session.commit()
    assert compose.compose_for(reader.id) is False
    db.session.commit()
    assert len(messages_to(reader)) == 1
    assert states(*rows) == ["sent", "sent"]


def test_a_grouped_row_pending_again_after_its_email_makes_a_new_message(app):
    """Replies grouped in one unread row: mailed at count 1, then two more replies → a second e-mail."""
    reader = make_user()
    thread = make_thread(title="Sujet très actif")
    row = notify(reader, make_post(thread))
    db.session.commit()
    compose.compose_pending()
    db.session.get(Notification, row.id).count, db.session.get(Notification, row.id).email_state = 3, "pending"
    db.session.commit()
    compose.compose_pending()
    subjects = sorted(message.subject for message in messages_to(reader))
    assert len(subjects) == 2 and subjects[0].startswith("3 nouvelles réponses dans « Sujet très actif »")


def test_one_email_for_several_threads_says_how_many_notifications(app):
    reader = make_user()
    first, second = make_thread(title="Premier sujet"), make_thread(title="Second sujet")
    notify(reader, make_post(first))
    notify(reader, make_post(second), kind="mention", data={"quote": False})
    db.session.commit()
    compose.compose_pending()
    [message] = messages_to(reader)
    assert message.subject == "2 notifications sur le forum"
    assert "vous a mentionné·e dans « Second sujet »" in message.body_text


def test_delivery_without_mail_server_writes_an_eml_with_unsubscribe_headers(app, tmp_path):
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "outbox")
    reader = make_user(email="lectrice@example.org")
    thread = make_thread(title="Sujet pour le fichier")
    other_author = make_user(email="auteur-secret@example.org")
    post = make_post(thread, other_author, body="Voici comment faire.")
    notify(reader, post)
    db.session.commit()

    report = delivery.deliver_pending()
    assert report.sent >= 1
    [message] = messages_to(reader)
    assert (message.state, message.attempts) == ("sent", 1) and message.sent_at is not None
    [path] = [p for p in (tmp_path / "outbox").glob("*.eml") if "lectrice@example.org" in p.read_text()]
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "lectrice@example.org"
    assert f"\nList-Unsubscribe: <{message.unsubscribe_url}>\n" in path.read_text()  # one token, never encoded
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Message-ID"] == delivery.message_id(message.idempotency_key)
    assert "auteur-secret@example.org" not in path.read_text()
    assert "Voici comment faire." in parsed.get_body(("plain",)).get_content()
    assert "Voici comment faire." in parsed.get_body(("html",)).get_content()
    assert delivery.deliver_pending().sent == 0  # nothing twice


def test_back_off_doubles_from_one_minute_up_to_six_hours():
    assert [delivery.back_off(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delivery.back_off(12) == timedelta(hours=6)
