"""Submission keys: a form that creates a post carries a random key, so sending it twice (two clicks,
a resent form, five requests at once) creates the post once.

The key is generated when the form is rendered and claimed in the transaction that inserts the
post; the unique (user_id, key) constraint of form_submissions decides races. A second sending
finds the first one's row (or loses the race on the constraint inside a SAVEPOINT, then finds it)
and raises AlreadySubmitted with the post already created, which the view shows instead.

A form without a key (rendered before keys existed, or a client that does not send one) still
posts, without this protection: refusing it would throw away text the member typed.
"""
from __future__ import annotations

import re
import secrets
import sqlite3
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import FormSubmission, Post, User
from forum.models._time import utcnow

# How long a key is remembered: a form sent again later creates a new post.
KEY_LIFETIME = timedelta(days=1)
_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AlreadySubmitted(Exception):
    """This form was already sent: `post` is what it created (the view leads there, no error)."""

    def __init__(self, post: Post) -> None:
        super().__init__(f"form already submitted (post {post.id})")
        self.post = post


def new_key() -> str:
    """A fresh key for a form being rendered (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def clean_key(key: str | None) -> str | None:
    """The key when it has the expected shape; None (no protection) for a missing or odd one."""
    key = (key or "").strip()
    return key if _KEY_PATTERN.fullmatch(key) else None


def find(user: User, key: str) -> FormSubmission | None:
    """The member's unexpired sending of the form with `key`, if any."""
    return db.session.scalar(select(FormSubmission).where(
        FormSubmission.user_id == user.id, FormSubmission.key == key,
        FormSubmission.created_at >= utcnow() - KEY_LIFETIME))


def claim(user: User, key: str | None) -> FormSubmission | None:
    """Reserve `key` for `user` in the current transaction, before the post is inserted.

    Returns the reservation (None when there is no usable key), to be completed by attach().
    Raises AlreadySubmitted when this form was already sent, even by a request still running (it
    waits for that one's commit on the unique constraint). Also deletes the member's expired keys,
    so the table holds about a day of posts.
    """
    key = clean_key(key)
    if key is None:
        return None
    previous = find(user, key)
    if previous is not None:  # committed with its post (the foreign key cascades if it goes)
        raise AlreadySubmitted(previous.post)
    _begin_sqlite_transaction()
    db.session.execute(delete(FormSubmission).where(FormSubmission.user_id == user.id,
                                                    FormSubmission.created_at < utcnow() - KEY_LIFETIME))
    submission = FormSubmission(user_id=user.id, key=key, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(submission)
    except IntegrityError:
        previous = find(user, key)
        if previous is None or previous.post is None:  # not our constraint: some other failure
            raise
        raise AlreadySubmitted(previous.post) from None
    return submission


def attach(submission: FormSubmission | None, post: Post) -> None:
    """Record the post a claimed form created (same transaction as the post)."""
    if submission is not None:
        submission.post_id = post.id
        db.session.flush()


def _begin_sqlite_transaction() -> None:
    """pysqlite opens a transaction only before INSERT/UPDATE/DELETE, not before SAVEPOINT: a
    SAVEPOINT outside a transaction would start one that its RELEASE commits on its own (see
    services.votes). Begin it explicitly so the key and the post are committed together."""
    raw = db.session.connection().connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")
