"""Fast paths for the links a page repeats on every row (a thread, an author, a vote form).

`url_for` walks Werkzeug's rule map for each link (MapAdapter.build): a board or ranked page of 25
rows paid it some 75 times. Here the prefix of each endpoint's URL is built once per application
context by `url_for` itself (a sample id, split off), then each link is that prefix and the row's
values: the very same URLs, script root and all. A slug that a URL would have to quote (never one
of Thread.slug's, which are [a-z0-9-]) goes through `url_for` instead.

Python: thread_path(thread_id, slug), thread_href(thread), profile_path(user_id),
vote_path(thread_id), withdraw_vote_path(thread_id), post_path(post_id).
Templates: the same names are globals (register_paths).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, g, request, url_for

_SAMPLE_ID = 918273645
_SAFE_SLUG = re.compile(r"[a-z0-9-]+")


def _prefix_and_suffix(endpoint: str, **values: Any) -> tuple[str, str]:
    """(what comes before the id, what comes after it) in url_for(endpoint, id=<sample>, **values),
    computed once per application context (g), so that it follows the request's script root."""
    cache: dict[str, tuple[str, str]] | None = g.get("_fast_paths")
    if cache is None:
        cache = g._fast_paths = {}
    found = cache.get(endpoint)
    if found is None:
        sample = url_for(endpoint, **values)
        before, marker, after = sample.rpartition(str(_SAMPLE_ID))
        if not marker:  # cannot happen with the rules below; keep url_for's answer honest
            raise ValueError(f"{endpoint}: the id is not in its URL {sample!r}")
        found = cache[endpoint] = (before, after)
    return found


def thread_path(thread_id: int, slug: str) -> str:
    """url_for('threads.show', thread_id=thread_id, slug=slug)."""
    if not _SAFE_SLUG.fullmatch(slug):
        return url_for("threads.show", thread_id=thread_id, slug=slug)
    before, after = _prefix_and_suffix("threads.show", thread_id=_SAMPLE_ID, slug="s")
    return f"{before}{int(thread_id)}{after[:-1]}{slug}"


def thread_href(thread: Any) -> str:
    """thread_path of a Thread (or any row with .id and .slug)."""
    return thread_path(thread.id, thread.slug)


def _id_path(endpoint: str, key: str, value: int) -> str:
    before, after = _prefix_and_suffix(endpoint, **{key: _SAMPLE_ID})
    return f"{before}{int(value)}{after}"


def profile_path(user_id: int) -> str:
    """url_for('users.profile', user_id=user_id)."""
    return _id_path("users.profile", "user_id", user_id)


def post_path(post_id: int) -> str:
    """url_for('threads.goto_post', post_id=post_id): the stable link of a post (/p/<id>)."""
    return _id_path("threads.goto_post", "post_id", post_id)


def vote_path(thread_id: int) -> str:
    """url_for('requests.vote', thread_id=thread_id)."""
    return _id_path("requests.vote", "thread_id", thread_id)


def withdraw_vote_path(thread_id: int) -> str:
    """url_for('requests.withdraw_vote', thread_id=thread_id)."""
    return _id_path("requests.withdraw_vote", "thread_id", thread_id)


def register_paths(app: Flask) -> None:
    """Make the helpers template globals."""
    app.jinja_env.globals.update(thread_path=thread_path, thread_href=thread_href, profile_path=profile_path,
                                 post_path=post_path, vote_path=vote_path, withdraw_vote_path=withdraw_vote_path)


def here_path() -> str:
    """The page's path and query string, the `next` of its vote toggles."""
    return request.full_path.rstrip("?")
