"""Logging a test client in: through the session (fast, for tests about something else) or through
the log-in form (for tests about logging in, sessions and their limits)."""
from __future__ import annotations

from forum.extensions import db
from tests.factories import PASSWORD


def log_in(client, user):
    """Log `client` in as `user` without going through the form (Flask-Login's session keys).
    The rows built so far are committed first: the request reads them through its own session."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # "<id>.<session fingerprint>"
        session["_fresh"] = True
    return user


def submit_login(client, user_or_email, password: str = PASSWORD, *, remember: bool = False, **kwargs):
    """Post the log-in form as a browser would; returns the response (302 when it worked).
    `kwargs` go to the test client (e.g. environ_base={"REMOTE_ADDR": …})."""
    email = getattr(user_or_email, "email", user_or_email)
    data = {"email": email, "password": password, **({"remember": "y"} if remember else {})}
    return client.post("/connexion", data=data, **kwargs)


class AuthActions:
    """The `auth` fixture: auth.login(user or email, password) posts the form, auth.logout() too."""

    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD):
        return submit_login(self._client, user_or_email, password)

    def logout(self):
        return self._client.post("/deconnexion")
