"""Rendered fragments shared between viewers, with holes for what belongs to one member.

A board's rows, a thread's posts or the ranked requests are rendered once per content version and
kept in Flask-Caching (`forum.extensions.cache`); every viewer of the same class then gets the same
HTML. What must never be shared — a member's vote, their unread markers, the controls on their own
posts, a CSRF token — and what depends on the clock (« il y a 3 min ») is not in it: the fragment
carries a *hole* in its place (`hole("vote", thread_id)`, an HTML comment that escaped text and
sanitised Markdown can never contain), and each request fills the holes (`fill`) with what it
computes for its viewer, now.

Keys come from `content_versions.cache_key` and carry the versions read from the database at this
request, before the content: a change committed anywhere makes the old entries unreachable, so the
cache may be per process (SimpleCache) or shared (Redis) without ever serving stale HTML. A cache
that fails (Redis down) only costs the rendering: the page is built and shown as without one.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from forum.extensions import cache
from forum.web.filters import time_ago

T = TypeVar("T")
log = logging.getLogger(__name__)

_HOLE = re.compile(r"<!--h:([a-z]+):([0-9]+)-->")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def hole(kind: str, value: int) -> Markup:
    """The place of a per-request piece in a shared fragment: `fill` replaces it."""
    return Markup(f"<!--h:{kind}:{int(value)}-->")


# The member's CSRF token in a shared form (Markup: a template renders it as is). `fill` puts the token in;
# a filler that returns shared HTML holding it replaces it itself (its output is not scanned again).
CSRF_HOLE = hole("csrf", 0)


def ago_hole(moment: datetime | None) -> Markup:
    """« il y a 3 min » for `moment`, computed when the page is served rather than when it was cached."""
    if moment is None:
        return Markup("")
    return hole("ago", (moment - _EPOCH) // timedelta(microseconds=1))


def _ago(microseconds: int) -> str:
    return time_ago(_EPOCH + timedelta(microseconds=microseconds))


def fill(html: str, **fillers: Callable[[int], str]) -> Markup:
    """`html` with each hole replaced by what its filler returns for the hole's value (HTML: the
    fillers render templates or escape). Times (`ago`) and the CSRF token (`csrf`) are always filled;
    an unknown kind of hole raises KeyError, so a template and its view cannot drift apart silently."""
    fillers.setdefault("ago", _ago)
    fillers.setdefault("csrf", lambda _: generate_csrf())
    return Markup(_HOLE.sub(lambda found: str(fillers[found.group(1)](int(found.group(2)))), html))


def shared(key: str, build: Callable[[], T]) -> T:
    """The value kept under `key`, or `build()`'s, kept for the next viewers. `build` must return
    only what every viewer of the key may see (holes for the rest)."""
    try:
        value = cache.get(key)
    except Exception:  # a cache server down: render as without a cache
        log.warning("Fragment cache unavailable (get %s)", key, exc_info=True)
        return build()
    if value is None:
        value = build()
        try:
            cache.set(key, value)
        except Exception:
            log.warning("Fragment cache unavailable (set %s)", key, exc_info=True)
    return value
