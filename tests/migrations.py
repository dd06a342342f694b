"""Running Alembic migrations in a test: a throw-away database (SQLite file, or a scratch
PostgreSQL database under `make test-pg`) and an app context on it. Alembic's logging setup
disables the loggers that exist when it runs; they are enabled again afterwards."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from forum import create_app
from forum.extensions import db
from tests.conftest import on_postgres, scratch_postgres_database


@contextmanager
def scratch_database(tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database for migrating (`name` tells PostgreSQL scratch databases apart)."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    with scratch_postgres_database(name) as url:
        yield url


@contextmanager
def migrating(url: str) -> Iterator[Flask]:
    """An app context on `url` for upgrade()/downgrade(); the engine is disposed at the end."""
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger) and not lg.disabled]
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    try:
        with app.app_context():
            yield app
            db.engine.dispose()
    finally:
        for logger in loggers:
            logger.disabled = False
