"""Log-in sessions: the per-member session version that ends them all at once, and the « se souvenir
de moi » tokens (a new random token at every log-in, stored hashed, expiring server-side).

Why a table rather than a signed cookie: a signed value cannot be revoked one by one nor expire
before its signature does, and would be the same at every log-in. Here a token is worth something
only while its row exists, is younger than its expiry and was issued under the member's current
session version. The table stays small: a member's expired or stale tokens are deleted at their
next log-in, and at most MAX_TOKENS_PER_MEMBER are kept.

Sessions themselves stay in the signed cookie (no query more per page): they carry
User.session_fingerprint, which changes when `end_all_sessions` raises the version.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from forum.extensions import db
from forum.models._time import utcnow
from forum.models.accounts import RememberToken, User

# Browsers a member may stay remembered on at once; the oldest token goes beyond.
MAX_TOKENS_PER_MEMBER = 20


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_all_sessions(user: User) -> None:
    """End every session and remember-me token of `user`, in every browser (log-out, new password).

    Raising the version changes the value each session carries (User.get_id), so even a copy of an
    old session cookie no longer logs in; the remember-me rows are deleted.
    """
    user.session_version = (user.session_version or 0) + 1
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))
    db.session.flush()


def issue_remember_token(user: User, lifetime_seconds: int, now: datetime | None = None) -> str:
    """A new remember-me token for `user`, valid `lifetime_seconds`; returns the clear token (for
    the cookie; only its SHA-256 is stored). Drops the member's expired or stale tokens first."""
    now = now or utcnow()
    db.session.execute(delete(RememberToken).where(
        RememberToken.user_id == user.id,
        or_(RememberToken.expires_at <= now, RememberToken.session_version != user.session_version)))
    token = secrets.token_urlsafe(32)
    db.session.add(RememberToken(user_id=user.id, token_hash=_digest(token), session_version=user.session_version,
                                 created_at=now, expires_at=now + timedelta(seconds=lifetime_seconds)))
    db.session.flush()
    surplus = list(db.session.scalars(
        select(RememberToken.id).where(RememberToken.user_id == user.id)
        .order_by(RememberToken.created_at.desc(), RememberToken.id.desc()).offset(MAX_TOKENS_PER_MEMBER)))
    if surplus:
        db.session.execute(delete(RememberToken).where(RememberToken.id.in_(surplus)))
        db.session.flush()
    return token


def user_for_remember_token(token: str | None, now: datetime | None = None) -> User | None:
    """The member a remember-me token logs in, else None: unknown, expired, issued before the last
    log-out or password change, or account deleted. Marks the token as used."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    row = db.session.execute(
        select(RememberToken, User).join(User, User.id == RememberToken.user_id)
        .where(RememberToken.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    remembered, user = row
    if (remembered.expires_at <= now or remembered.session_version != user.session_version
            or user.deleted_at is not None or not user.password_hash):
        return None
    remembered.last_used_at = now
    db.session.flush()
    return user


def forget_remember_token(token: str | None) -> None:
    """Delete one remember-me token (whatever its state); unknown tokens are ignored."""
    if token:
        db.session.execute(delete(RememberToken).where(RememberToken.token_hash == _digest(token)))
        db.session.flush()
