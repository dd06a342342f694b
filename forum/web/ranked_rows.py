"""A ranked requests page's content, rendered once per board version, filters, page and class of
viewer and shared by those viewers (forum/web/fragments.py); each row's vote toggle is filled in
for the member at each request. « Seulement mes votes » lists the member's own votes: never kept."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup

from forum.models import Board, User
from forum.services import ranking
from forum.web.board_rows import content_key
from forum.web.fragments import fill, shared
from forum.web.listed import ListedRequest, ranked_requests
from forum.web.paths import here_path
from forum.web.vote_holes import prerender, vote_filler


@dataclass(frozen=True)
class RankedContent:
    html: str
    requests: tuple[ListedRequest, ...]


@dataclass(frozen=True, kw_only=True)
class RankedView:
    """What a ranked page shows: the statuses, the sort (and its argument as given), the page, and
    whether only the member's own votes are listed."""

    wanted: list[str]
    sort: str
    sort_arg: str
    page: int
    mine: bool


def ranked_content(board: Board, member: User | None, view: RankedView) -> RankedContent:
    def build() -> RankedContent:
        result = ranking.rank(board, view.wanted, view.sort, view.page, per_page=25,
                              voter=member if view.mine else None)
        html = render_template("requests/_ranked_content.html", board=board, result=result, wanted=view.wanted,
                               mine=view.mine, sort_arg=view.sort_arg)
        requests = ranked_requests(result.rows)
        prerender(requests, "classement", here_path())
        return RankedContent(html, requests)

    key = None if view.mine else content_key("ranked", board, member)
    return shared(key, build) if key else build()


def filled(content: RankedContent, board: Board, member: User | None) -> Markup:
    """The content with this member's vote toggles."""
    return fill(content.html, vote=vote_filler(member, board, content.requests, "classement", here_path()))
