"""The vote toggles of a cached list of requests, rendered for this member at each request: the
fragment holds `hole("vote", thread_id)` where each toggle goes (forum/web/fragments.py).

Most rows show a member a toggle without their vote, offered or not: those two are rendered with
the fragment (`prerender`, the CSRF token as a hole) and taken as they are; a row the member voted
on, or with a message for them, is rendered for them."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import get_flashed_messages, get_template_attribute
from flask_wtf.csrf import generate_csrf

from forum.services import votes
from forum.web.fragments import CSRF_HOLE
from forum.web.listed import ListedRequest


def vote_filler(member, board, requests: Iterable[ListedRequest], view: str,
                next_path: str | None, mine: dict[int, str] | None = None) -> Callable[[int], str]:
    """Fills the vote holes of a list: the member's votes on its requests in one query (none for a
    visitor, nor when the page read them with something else: `mine`), each toggle from the one
    template every list uses (requests/_vote_toggle.html)."""
    rows = {request.id: request for request in requests}
    for row in rows.values():
        row.board = board  # a copy of its own: each request unpickles the entry (or rendered it)
    toggles = votes.toggles(member, list(rows.values()), mine) if rows else {}
    toggle = get_template_attribute("requests/_vote_toggle.html", "vote_toggle")
    token = generate_csrf() if any(state.can_vote for state in toggles.values()) else None
    flashed: dict[str, list[str]] = {}
    for category, message in get_flashed_messages(with_categories=True):
        flashed.setdefault(category, []).append(message)

    def fill(thread_id: int) -> str:
        row, state, messages = rows[thread_id], toggles.get(thread_id), flashed.get(f"vote-{thread_id}", [])
        if state is not None and state.your_vote is None and not messages and row.blank:
            return row.blank[state.can_vote].replace(str(CSRF_HOLE), token or "")
        return toggle(row, state, row.vote_count, view, next_path, row.rank, token, messages)
    return fill


def prerender(requests: Iterable[ListedRequest], view: str, next_path: str | None) -> None:
    """Render each row's two toggles without a vote (not offered, offered) into `row.blank`."""
    toggle = get_template_attribute("requests/_vote_toggle.html", "vote_toggle")
    for row in requests:
        row.blank = tuple(str(toggle(row, votes.Toggle(None, offered), row.vote_count, view, next_path, row.rank,
                                     CSRF_HOLE, [])) for offered in (False, True))
