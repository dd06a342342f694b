"""Board pages: a board's threads by kind (tabs), with filters, sorts and pagination."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from forum.models.threads import KIND_PLURALS
from forum.services import boards as board_service
from forum.services import labels, votes
from forum.services.notify import reads
from forum.web.paging import page_arg
from forum.web.reader import board_follow_control
from forum.web.requests import here_path
from forum.web.submit import current_member

bp = Blueprint("boards", __name__)

# Tabs of a board page, in order: ?type= value -> label. "tout" is the default.
TABS: dict[str, str] = {**KIND_PLURALS, "tout": "Tout"}


@bp.get("/b/<slug>/")
def show(slug: str):
    board = board_service.get_board(slug)
    tab = request.args.get("type", "tout")
    tab = tab if tab in TABS else "tout"
    question_filter = request.args.get("filtre") if tab == "question" else None
    tip_sort = request.args.get("tri") if tab == "tip" else None
    listing = board_service.list_threads(
        board, kind=None if tab == "tout" else tab, question_filter=question_filter, tip_sort=tip_sort,
        page=page_arg(), per_page=current_app.config["THREADS_PER_PAGE"])
    member = current_member()
    reader = reads.board_reader(member, board, listing.threads) if member else None
    return render_template(
        "boards/show.html", board=board, listing=listing, tabs=TABS, tab=tab, board_facts=labels.board_facts(board),
        follow=board_follow_control(board, reader.level) if reader else None,
        toggles=votes.toggles(member, listing.threads), here=here_path(),
        new_replies=reader.new_replies(listing.threads) if reader else {},
        question_filter=question_filter if question_filter in board_service.QUESTION_FILTERS else None,
        tip_sort=tip_sort if tip_sort in board_service.TIP_SORTS else None,
        question_filters=board_service.QUESTION_FILTERS, tip_sorts=board_service.TIP_SORTS)
