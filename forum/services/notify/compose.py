"""Notification e-mails: each member's unsent « immédiat » notifications become ONE message (a
burst of replies is one e-mail), written to the outbox with what it says and where it links.

A member's notifications wait until the oldest has waited MAIL_BATCH_SECONDS (0: at the next run).
Rows read in the product meanwhile, rows about content hidden since, rows whose kind the member
switched away from « immédiat », and members who cannot be written to (deleted, suspended, address
refused) are skipped. The message only ever carries the recipient's own address, public names and
public content. Also used by the club's letter: `target_url`, `excerpt` (the link and excerpt of a
notification; its sentence is forum.services.notify.sentences').
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from markupsafe import Markup
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import Notification, OutgoingMessage, Post, StatusChange, User
from forum.models._time import UTCDateTime, utcnow
from forum.services import reading
from forum.services.notify import outbox, preferences, sentences
from forum.services.notify.unsubscribe import unsubscribe_url
from forum.web.urls import external_url

log = logging.getLogger(__name__)

# Characters of a post shown in an e-mail (plain text, cut at a word).
EXCERPT_LENGTH = 300
# Members read from the database at a time.
MEMBERS_PER_BATCH = 500


@dataclass(frozen=True)
class Item:
    """One notification as an e-mail shows it."""

    sentence: str
    board: str | None
    excerpt: str | None
    url: str



def target_url(notification: Notification) -> str:
    """The absolute link of a notification: the exact post (its page, `#p<id>`), else its thread,
    livrable or the moderation queue."""
    n, data = notification, notification.data or {}
    if n.kind == "report":
        return external_url("moderation.queue")
    if n.kind == "livrable" and n.livrable_id is not None:
        return external_url("livrables.show", livrable_id=n.livrable_id)
    if n.kind == "merged" and isinstance(data.get("target_id"), int):
        return external_url("threads.show", thread_id=data["target_id"])
    if n.post is not None and n.thread is not None:
        page = reading.page_of_post(n.post, current_app.config["POSTS_PER_PAGE"])
        return external_url("threads.show", thread_id=n.thread.id, slug=n.thread.slug,
                            page=page if page > 1 else None, _anchor=f"p{n.post.id}")
    if n.thread is not None:
        return external_url("threads.show", thread_id=n.thread.id, slug=n.thread.slug)
    return external_url("main.index")


def excerpt(html: str | Markup | None, length: int = EXCERPT_LENGTH) -> str | None:
    """Plain text of sanitised HTML, cut at a word near `length` characters."""
    if not html:
        return None
    text = Markup(html).striptags()
    if len(text) <= length:
        return text or None
    cut = text[:length].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut or text[:length]}…"


def is_hidden(notification: Notification) -> bool:
    """The notification is about content nobody but moderators may read now (or gone)."""
    n = notification
    if n.thread_id is not None and (n.thread is None or not reading.may_read_thread(n.thread, None)):
        return True
    return n.post_id is not None and (n.post is None or not reading.may_read_post_text(n.post, None))


def may_receive(user: User, now: datetime) -> bool:
    """Not deleted, not suspended now, address not refused by the mail server."""
    return (outbox.may_email(user)
            and (user.suspended_until is None or user.suspended_until <= now))


def due_members(now: datetime | None = None, limit: int = MEMBERS_PER_BATCH, after: int = 0) -> list[int]:
    """Members (ids above `after`) with « immédiat » notifications whose oldest waited
    MAIL_BATCH_SECONDS. A row pending again after an e-mail (a grouped reply) waits from its last
    event instead."""
    now = now or utcnow()
    query = (select(Notification.user_id).where(Notification.email_state == "pending", Notification.user_id > after)
             .group_by(Notification.user_id).order_by(Notification.user_id).limit(limit))
    seconds = current_app.config.get("MAIL_BATCH_SECONDS") or 0
    if seconds > 0:
        waited_since = case((Notification.message_id.is_(None), Notification.created_at),
                            else_=Notification.updated_at)
        query = query.having(func.min(waited_since) <= literal(now - timedelta(seconds=seconds), UTCDateTime))
    return list(db.session.scalars(query))


def _items(rows: list[Notification]) -> list[Item]:
    change_ids = [r.data["change_id"] for r in rows if r.kind == "status" and isinstance((r.data or {}).get("change_id"), int)]
    answers = dict(db.session.execute(select(StatusChange.id, StatusChange.note_html)
                                      .where(StatusChange.id.in_(change_ids))).all()) if change_ids else {}
    items = []
    for row in rows:
        if row.kind == "status":
            text = excerpt(answers.get((row.data or {}).get("change_id")))
        elif row.kind in ("report", "livrable", "merged", "tip_useful"):
            text = None  # no reported text by e-mail; the others have no post of their own
        else:
            text = excerpt(reading.public_body_html(row.post))
        items.append(Item(sentences.plain(row), row.board.name if row.board is not None else None, text, target_url(row)))
    return items


def _subject(rows: list[Notification], items: list[Item]) -> str:
    if len(rows) == 1:
        return items[0].sentence
    threads = {row.thread_id for row in rows}
    total = sum(row.count for row in rows)
    if len(threads) == 1 and all(row.kind == "reply" for row in rows):
        return f"{total} nouvelles réponses dans « {rows[0].thread.title if rows[0].thread else ''} »"
    return f"{total} notifications sur le forum"


def idempotency_key(user_id: int, rows: list[Notification]) -> str:
    """Names this batch for good: its newest notification, and what each row stood for (a grouped
    row sent once and pending again with a higher count makes a new batch)."""
    digest = hashlib.sha256(",".join(f"{r.id}x{r.count}" for r in rows).encode()).hexdigest()[:16]
    return f"notif:{user_id}:{max(r.id for r in rows)}:{digest}"


def _set_state(ids: list[int], state: str, message_id: int | None = None) -> None:
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids), Notification.email_state == "pending")
                           .values(email_state=state, message_id=message_id)
                           .execution_options(synchronize_session=False))


def compose_for(user_id: int, now: datetime | None = None) -> bool:
    """Turn one member's pending notifications into one queued message (the caller commits).
    Returns whether a message was queued."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    rows = list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.email_state == "pending")
        .options(selectinload(Notification.thread), selectinload(Notification.post).selectinload(Post.thread),
                 selectinload(Notification.board))
        .order_by(Notification.id)))
    if user is None or not may_receive(user, now):
        _set_state([r.id for r in rows], "skipped")
        return False
    deliveries = preferences.deliveries_of(user)
    keep, skipped = [], []
    for row in rows:
        delivery = deliveries.get(row.kind, "never")
        if delivery != "immediate":  # changed since (one-click unsubscribe…): follow the new choice
            _set_state([row.id], "digest" if delivery == "digest" else "none")
        elif row.read_at is not None or is_hidden(row):
            skipped.append(row.id)
        else:
            keep.append(row)
    _set_state(skipped, "skipped")
    if not keep:
        return False
    items = _items(keep)
    subject = " ".join(_subject(keep, items).split())  # one header line whatever a title holds
    context = {"user": user, "items": items, "subject": subject,
               "unsubscribe_url": unsubscribe_url(user.id, "notifications"),
               "preferences_url": external_url("mail_settings.preferences"), "site_url": external_url("main.index")}
    key = idempotency_key(user.id, keep)
    queued = outbox.queue_message(user, "notifications", key, subject,
                                  render_template("email/notifications.txt", **context),
                                  render_template("email/notifications.html", **context), "notifications")
    db.session.info.pop(outbox.WAKE_KEY, None)  # composed by a delivery run: it delivers it next
    message_id = db.session.scalar(select(OutgoingMessage.id).where(OutgoingMessage.idempotency_key == key))
    _set_state([row.id for row in keep], "sent", message_id)
    return queued


def compose_pending(now: datetime | None = None) -> int:
    """Compose the messages of every member due (see due_members); commits after each member, so
    a crash loses nothing and two workers never queue one batch twice (the idempotency key).
    Returns the number of messages queued. Worker code: never call it inside a web request."""
    now = now or utcnow()
    queued, last_id = 0, 0
    while members := due_members(now, after=last_id):
        for user_id in members:
            try:
                queued += compose_for(user_id, now)
                db.session.commit()
            except Exception:  # noqa: BLE001 - one member's failure never blocks the others
                db.session.rollback()
                log.exception("Composing the notification e-mail of member %s failed", user_id)
        last_id = members[-1]
    return queued
