"""The Markdown preview (/apercu) is rate limited per member, and refused attempts count too
(issue 19: rendering is the costly part, whatever the answer). The suite runs with limits off,
so each test builds an app with them on (the `limited` fixture of tests/conftest.py)."""
from __future__ import annotations

import html

from forum.config import TestConfig
from tests.factories import make_user
from tests.sessions import log_in


def assert_french_429(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3601
    page = html.unescape(response.get_data(as_text=True))
    assert "Trop de requêtes" in page and "trop de tentatives en peu de temps" in page


def test_previews_beyond_the_limit_get_the_french_429_refused_ones_included(limited):
    _, client = limited(RATELIMIT_PREVIEW="3/minute")
    log_in(client, make_user("claire@example.org"))
    assert client.post("/apercu", data={"body": "**gras**"}).status_code == 200
    too_long = "a" * (TestConfig.BODY_MAX_LENGTH + 1)
    assert client.post("/apercu", data={"body": too_long}).status_code == 422  # refused, still counted
    assert client.post("/apercu", data={"body": "_italique_"}).status_code == 200
    assert_french_429(client.post("/apercu", data={"body": "Encore un aperçu"}))


def test_the_preview_limit_is_per_member(limited):
    _, client = limited(RATELIMIT_PREVIEW="1/minute")
    log_in(client, make_user("claire@example.org"))
    assert client.post("/apercu", data={"body": "Premier"}).status_code == 200
    assert_french_429(client.post("/apercu", data={"body": "Second"}))
    log_in(client, make_user("paul@example.org"))
    response = client.post("/apercu", data={"body": "Le mien"})
    assert response.status_code == 200 and "Le mien" in response.get_data(as_text=True)
