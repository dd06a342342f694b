"""Shared fixtures: an app with a fresh database per test, a client, a CLI runner, login helper."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import event

from forum import create_app
from forum.config import TestConfig
from forum.extensions import db


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """One empty database built from the models, copied for each test (faster than rebuilding)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app({**_config_dict(), "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


def _config_dict() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


@pytest.fixture
def app(tmp_path, template_db):
    db_path = tmp_path / "forum.sqlite3"
    shutil.copy(template_db, db_path)
    app = create_app({
        **_config_dict(),
        "DATABASE_URL": f"sqlite:///{db_path}",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
    })

    @app.before_request
    def _forget_cached_login_user():
        # The fixture's app context outlives each request, and Flask-Login caches the user in g.
        g.pop("_login_user", None)

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password: str = "motdepasse-solide"):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/connexion", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/deconnexion")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login(client):
    """login(user): log the test client in as `user` without going through the form."""
    def _login(user):
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user
    return _login


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ...; counter.count is the number of SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
    return _count
