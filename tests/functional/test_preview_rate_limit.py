"""The Markdown preview (/apercu) is rate limited per member, and refused attempts count too
(issue 19: rendering is the costly part, whatever the answer). The suite runs with limits off,
so each test builds an app with them on, as tests/functional/test_rate_limits.py does."""
from __future__ import annotations

import html
import shutil

import pytest
from flask import g

from forum import create_app
from forum.config import TestConfig
from forum.extensions import db
from tests.factories import make_user
from tests.sessions import log_in


@pytest.fixture
def limited_client(tmp_path, template_db):
    """limited_client(**limits) -> a test client of an app with rate limits on (app context pushed)."""
    apps, contexts = [], []

    def _make(**limits):
        db_path = tmp_path / "forum.sqlite3"
        shutil.copy(template_db, db_path)
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config.update(DATABASE_URL=f"sqlite:///{db_path}", SEARCH_INDEX_DIR=str(tmp_path / "index"),
                      MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), RATELIMIT_ENABLED=True, **limits)
        app = create_app(config)

        @app.before_request
        def _forget_cached_login_user():
            g.pop("_login_user", None)

        apps.append(app)
        contexts.append(app.app_context())
        contexts[-1].push()
        return app.test_client()

    yield _make
    for ctx in reversed(contexts):
        ctx.pop()
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def assert_french_429(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3601
    page = html.unescape(response.get_data(as_text=True))
    assert "Trop de requêtes" in page and "trop de tentatives en peu de temps" in page


def test_previews_beyond_the_limit_get_the_french_429_refused_ones_included(limited_client):
    client = limited_client(RATELIMIT_PREVIEW="3/minute")
    log_in(client, make_user("claire@example.org"))
    assert client.post("/apercu", data={"body": "**gras**"}).status_code == 200
    too_long = "a" * (TestConfig.BODY_MAX_LENGTH + 1)
    assert client.post("/apercu", data={"body": too_long}).status_code == 422  # refused, still counted
    assert client.post("/apercu", data={"body": "_italique_"}).status_code == 200
    assert_french_429(client.post("/apercu", data={"body": "Encore un aperçu"}))


def test_the_preview_limit_is_per_member(limited_client):
    client = limited_client(RATELIMIT_PREVIEW="1/minute")
    log_in(client, make_user("claire@example.org"))
    assert client.post("/apercu", data={"body": "Premier"}).status_code == 200
    assert_french_429(client.post("/apercu", data={"body": "Second"}))
    log_in(client, make_user("paul@example.org"))
    response = client.post("/apercu", data={"body": "Le mien"})
    assert response.status_code == 200 and "Le mien" in response.get_data(as_text=True)
