"""Configuration classes; `instance/config.py` then environment variables override them."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

# Environment variables that override whatever the classes and instance/config.py say.
ENV_OVERRIDES = ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR", "SEARCH_BACKEND")


class BaseConfig:
    # SQLAlchemy URL; None means the embedded SQLite file instance/forum.sqlite3.
    DATABASE_URL: str | None = None
    # Signs sessions and CSRF tokens; generated into instance/secret_key on first run if absent.
    SECRET_KEY: str | None = None
    # Directory of the Whoosh index; None means instance/search-index.
    SEARCH_INDEX_DIR: str | None = None
    # Search backend name (only "whoosh" today).
    SEARCH_BACKEND = "whoosh"
    # Apply pending search-index updates right after each request that queued some.
    SEARCH_SYNC_AFTER_REQUEST = True
    # Seconds a worker waits for the index writer lock before leaving its updates queued.
    SEARCH_LOCK_TIMEOUT = 10.0
    # Memory (MB) the index writer may buffer during `search reindex`.
    SEARCH_REINDEX_MEMORY_MB = 128
    # Do not emit SQLAlchemy events for every attribute change (we never use them).
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Pagination sizes shown to users.
    THREADS_PER_PAGE = 25
    POSTS_PER_PAGE = 20
    # Limits on what users write (characters).
    TITLE_MAX_LENGTH = 150
    BODY_MAX_LENGTH = 50_000
    # Largest accepted request body (bytes): a 50,000-character post is far below it.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Cookies: never readable from scripts, not sent on cross-site POSTs.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    # CSRF tokens live as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    # Public address used in links inside exports and feeds when no request is around.
    SERVER_NAME = None
    PREFERRED_URL_SCHEME = "http"


class DevelopmentConfig(BaseConfig):
    DEBUG = False


class ProductionConfig(BaseConfig):
    # Cookies only over HTTPS in production.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class TestConfig(BaseConfig):
    TESTING = True
    # Tests post forms without tokens unless a test turns CSRF back on to prove it is enforced.
    WTF_CSRF_ENABLED = False
    # Tests apply the index queue explicitly, or let the after-request hook do it.
    SEARCH_SYNC_AFTER_REQUEST = True
    SECRET_KEY = "test-secret-key"


def load_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it with a random value the first time."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key)
    return key
