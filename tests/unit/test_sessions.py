"""Remember-me tokens: checked against their hashed row, expiry and session version; the table keeps
only what can still log in."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.models._time import utcnow
from forum.models.accounts import RememberToken
from forum.services import sessions
from tests.factories import make_user

DAY = 24 * 60 * 60


def token_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(RememberToken).where(RememberToken.user_id == user.id))


def test_a_token_logs_in_until_it_expires_or_the_sessions_end(app):
    user = make_user()
    now = utcnow()
    token = sessions.issue_remember_token(user, DAY, now=now)
    assert sessions.user_for_remember_token(token, now=now + timedelta(hours=23)) == user
    assert sessions.user_for_remember_token(token, now=now + timedelta(days=1)) is None
    fresh = sessions.issue_remember_token(user, DAY)
    sessions.end_all_sessions(user)
    assert sessions.user_for_remember_token(fresh) is None
    assert sessions.user_for_remember_token(None) is None and sessions.user_for_remember_token("") is None


def test_expired_and_stale_tokens_are_dropped_at_the_next_login_and_at_most_20_are_kept(app):
    user, other = make_user(), make_user()
    now = utcnow()
    sessions.issue_remember_token(other, DAY, now=now)
    sessions.issue_remember_token(user, DAY, now=now)  # stale once the password changes
    sessions.issue_remember_token(user, DAY, now=now - timedelta(days=2))  # expired by now
    user.set_password("un-nouveau-mot-de-passe")
    db.session.flush()
    assert token_count(user) == 2
    kept = sessions.issue_remember_token(user, DAY, now=now)
    assert token_count(user) == 1 and sessions.user_for_remember_token(kept, now=now) == user
    for n in range(25):
        sessions.issue_remember_token(user, DAY, now=now + timedelta(seconds=n))
    assert token_count(user) == sessions.MAX_TOKENS_PER_MEMBER == 20
    assert token_count(other) == 1
