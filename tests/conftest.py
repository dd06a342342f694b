"""Shared fixtures: an app with a fresh database per test (its templates compiled once per session),
a client, a CLI runner, logging in (tests/sessions.py), the Chorus scenario (tests/scenarios.py),
counting queries.

The suite runs on SQLite (a copy of an empty template file per test) unless DATABASE_URL names
a PostgreSQL database (`make test-pg`): the schema is then created once per session and every
table emptied before each test. Tests marked `sqlite_only` (file copies, PRAGMAs, the SQLite
backup API, several processes on one SQLite file) are skipped there. The markers are declared in
pyproject.toml ([tool.pytest.ini_options]).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError

from forum import create_app
from forum.config import TestConfig
from forum.extensions import db
from tests.scenarios import build_board
from tests.sessions import AuthActions, log_in

_ENV_URL = os.environ.get("DATABASE_URL", "")
# The PostgreSQL database the suite runs on, or None for SQLite.
POSTGRES_URL = _ENV_URL if _ENV_URL.startswith(("postgresql:", "postgresql+psycopg:", "postgres:")) else None


@contextmanager
def scratch_postgres_database(suffix: str) -> Iterator[str]:
    """A second, empty database in the test cluster (the role may create databases), dropped on exit;
    yields its URL."""
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"{url.database}_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_postgres() -> bool:
    return POSTGRES_URL is not None


def pytest_collection_modifyitems(config, items):
    if on_postgres():
        skip = pytest.mark.skip(reason="SQLite only (the suite runs on PostgreSQL)")
        marker = "sqlite_only"
    else:
        skip = pytest.mark.skip(reason="PostgreSQL only: run `make test-pg`")
        marker = "postgres_only"
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)


# Empties the tables that hold rows (children first) and restarts the used id sequences: on the
# small tables of a test, far faster than TRUNCATE, which rebuilds every table's files.
EMPTY_FUNCTION = """
CREATE OR REPLACE FUNCTION forum_test_empty(tables text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text;
  seq record;
  used boolean;
BEGIN
  FOREACH name IN ARRAY tables LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', name) INTO used;
    IF used THEN
      EXECUTE format('DELETE FROM %I', name);
    END IF;
  END LOOP;
  FOR seq IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    PERFORM setval(format('%I.%I', seq.schemaname, seq.sequencename), 1, false);
  END LOOP;
END $$
"""


@pytest.fixture(scope="session")
def postgres_schema() -> str:
    """Create the schema once on the PostgreSQL database; returns the statement that empties it.

    The database is wiped: its name must say it is for tests (…_test or test…), so that a
    DATABASE_URL left in a shell for a real database is never emptied by `pytest`.
    """
    name = make_url(POSTGRES_URL).database or ""
    if not (name.endswith("_test") or name.startswith("test")):
        pytest.exit(f"refusing to empty the PostgreSQL database {name!r}: its name must end with _test "
                    "or start with test (scripts/with_postgres.sh creates forum_test)", returncode=4)
    app = create_app({**_config_dict(), "DATABASE_URL": POSTGRES_URL})
    with app.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(text(EMPTY_FUNCTION))
        tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
        db.engine.dispose()
    return f"SELECT forum_test_empty(ARRAY[{tables.replace(chr(34), chr(39))}])"


def empty_postgres(app, truncate: str) -> None:
    """Empty every table, even when a test left a connection open in a thread (ended after 5 s)."""
    for attempt in (1, 2):
        with db.engine.connect() as conn:
            try:
                conn.execute(text("SET lock_timeout = '5s'"))
                conn.execute(text(truncate))
                conn.commit()
                return
            except OperationalError:
                if attempt == 2:
                    raise
                conn.rollback()
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()"))


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
def database_url(request, tmp_path) -> str:
    """A fresh empty database for one test: a copy of the SQLite template, or the emptied
    PostgreSQL database."""
    if on_postgres():
        request.getfixturevalue("postgres_schema")
        return POSTGRES_URL
    db_path = tmp_path / "forum.sqlite3"
    shutil.copy(request.getfixturevalue("template_db"), db_path)
    return f"sqlite:///{db_path}"


class SessionBytecodeCache(BytecodeCache):
    """Templates compiled once for the whole test session (Jinja's bytecode cache, in memory):
    each test builds its own app, whose Jinja environment would otherwise lex, parse and compile
    every template it renders again, a quarter of a page test's time. A template whose source
    changes gets a new checksum, so it is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = SessionBytecodeCache()


def make_app(config: dict):
    """create_app(config) with the session's compiled templates."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


@pytest.fixture
def app(request, tmp_path, database_url):
    app = make_app({
        **_config_dict(),
        "DATABASE_URL": database_url,
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "STORAGE_URL": f"file://{tmp_path / 'files'}",
    })
    if on_postgres():
        with app.app_context():
            empty_postgres(app, request.getfixturevalue("postgres_schema"))

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


@pytest.fixture
def auth(client):
    """auth.login(user or email, password) and auth.logout(): through the forms (tests/sessions.py)."""
    return AuthActions(client)


@pytest.fixture
def login(client):
    """login(user): commit, then log the test client in as `user` without going through the form."""
    return lambda user: log_in(client, user)


@pytest.fixture
def chorus(app) -> dict:
    """The Chorus board of tests/scenarios.py: three ranked requests, their voters, the editor's
    representative and a moderator (see build_board)."""
    return build_board()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


# Apps with rate limits on (TestConfig turns them off): tests of the limits build their own.
@pytest.fixture
def make_limited_app(tmp_path, template_db):
    """make_limited_app(**limits): an app with rate limiting on and the given RATELIMIT_* values."""
    apps = []

    def _make(**overrides):
        db_path = tmp_path / "forum.sqlite3"
        shutil.copy(template_db, db_path)
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config.update(DATABASE_URL=f"sqlite:///{db_path}", SEARCH_INDEX_DIR=str(tmp_path / "index"),
                      STORAGE_URL=f"file://{tmp_path / 'files'}", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), RATELIMIT_ENABLED=True, **overrides)
        app = make_app(config)

        @app.before_request
        def _forget_cached_login_user():
            g.pop("_login_user", None)

        apps.append(app)
        return app

    yield _make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def limited(make_limited_app):
    """limited(**limits) → (app, client) with the app context pushed for the factories."""
    contexts = []

    def _limited(**overrides):
        app = make_limited_app(**overrides)
        ctx = app.app_context()
        ctx.push()
        contexts.append(ctx)
        return app, app.test_client()

    yield _limited
    for ctx in reversed(contexts):
        ctx.pop()


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
