"""A board page's content, rendered once per board version, tab, page and class of viewer and shared
by those viewers (forum/web/fragments.py); the member's follow control, vote toggles and unread
markers are filled in at each request."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, get_template_attribute, render_template, request
from markupsafe import Markup

from forum.models import Board, User
from forum.services import boards as board_service
from forum.services import labels
from forum.services.commitment_rules import today
from forum.services.content_versions import cache_key, global_version, viewer_class
from forum.services.notify import reads
from forum.web.fragments import fill, shared
from forum.web.listed import ListedRequest, ListedThread, listed_requests, listed_threads
from forum.web.paths import here_path
from forum.web.reader import board_follow_control
from forum.web.vote_holes import prerender, vote_filler

# Query strings longer than this are rendered without being kept (content_key): nobody shares such links,
# and a crawler inventing arguments must not fill the cache.
MAX_CACHED_QUERY = 200


@dataclass(frozen=True)
class BoardContent:
    html: str
    threads: tuple[ListedThread, ...]
    requests: tuple[ListedRequest, ...]


@dataclass(frozen=True, kw_only=True)
class BoardView:
    """What a board page lists: the tab (a kind, or "tout"), its filter or sort, the page."""

    tab: str
    question_filter: str | None
    tip_sort: str | None
    page: int | None


def content_key(kind: str, board: Board, member: User | None) -> str | None:
    """The key of a board's page of `kind` (its list, its ranked requests): the board's and the
    site's versions, read before the content (the board row is loaded first), the viewer's class,
    the day (a planned request becomes « En retard » at midnight in Paris), the page's address.
    None (not kept) for an address with a very long query string."""
    if len(request.query_string) > MAX_CACHED_QUERY:
        return None
    return cache_key(kind, board.id, board.content_version, global_version(), viewer_class(member, board),
                     today(), request.full_path)


def board_content(board: Board, member: User | None, view: BoardView, tabs: dict[str, str]) -> BoardContent:
    key = content_key("board", board, member)
    build = lambda: _render(board, view, tabs)  # noqa: E731
    return shared(key, build) if key else build()


def _render(board: Board, view: BoardView, tabs: dict[str, str]) -> BoardContent:
    listing = board_service.list_threads(
        board, kind=None if view.tab == "tout" else view.tab, question_filter=view.question_filter,
        tip_sort=view.tip_sort, page=view.page, per_page=current_app.config["THREADS_PER_PAGE"])
    html = render_template(
        "boards/_content.html", board=board, listing=listing, tabs=tabs, tab=view.tab,
        board_facts=labels.board_facts(board),
        question_filter=view.question_filter if view.question_filter in board_service.QUESTION_FILTERS else None,
        tip_sort=view.tip_sort if view.tip_sort in board_service.TIP_SORTS else None,
        question_filters=board_service.QUESTION_FILTERS, tip_sorts=board_service.TIP_SORTS)
    requests = listed_requests(listing.threads)
    prerender(requests, "liste", here_path())
    return BoardContent(html, listed_threads(listing.threads), requests)


def filled(content: BoardContent, board: Board, member: User | None) -> Markup:
    """The content for this viewer: their follow control, unread markers and vote toggles."""
    reader = reads.board_reader(member, board, content.threads, [row.id for row in content.requests]) if member else None
    new_replies = reader.new_replies(content.threads) if reader else {}
    threads = {thread.id: thread for thread in content.threads}
    badge = get_template_attribute("boards/_holes.html", "new_replies")
    follow = get_template_attribute("_macros/follow.html", "follow_control")
    return fill(
        content.html,
        vote=vote_filler(member, board, content.requests, "liste", here_path(), reader.votes if reader else None),
        new=lambda thread_id: badge(threads[thread_id], new_replies[thread_id]) if thread_id in new_replies else "",
        follow=lambda _: follow(board_follow_control(board, reader.level)) if reader else "")
