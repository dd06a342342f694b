"""Reading a test client's response as a person would: its status first, then its text.

`page(response)` asserts the status before returning the text, so that a check that something is
*absent* (a name, a form, a hidden post) can never pass on an error page that shows nothing at all.
`json_text(response)` does the same for the JSON API, whose raw text escapes accents (\u00e9): a
check that "Réponse" is absent from the raw text would pass whatever the answer holds.
"""
from __future__ import annotations

import html
import json


def page(response, status: int = 200) -> str:
    """The text of `response` with HTML entities decoded, once its status is `status`."""
    request = response.request
    assert response.status_code == status, (
        f"{request.method} {request.full_path.rstrip('?')} answered {response.status_code}, expected {status}")
    return html.unescape(response.get_data(as_text=True))


def json_text(response, status: int = 200) -> str:
    """The JSON body of `response` written back with its accents, once its status is `status`."""
    request = response.request
    assert response.status_code == status and response.is_json, (
        f"{request.method} {request.full_path.rstrip('?')} answered {response.status_code} "
        f"{response.mimetype}, expected {status} JSON")
    return json.dumps(response.json, ensure_ascii=False)


def statements(client, count_queries, url: str) -> tuple[int, str]:
    """SQL statements of one GET from an empty session, as a request of a worker starts, and its
    page (its status checked by `page`)."""
    from flask import g

    from forum.extensions import db

    db.session.expunge_all()
    g.pop("_login_user", None)
    with count_queries() as counter:
        text = page(client.get(url))
    return counter.count, text
