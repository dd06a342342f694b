"""Board pages: a board's threads by kind (tabs), with filters, sorts and pagination."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from forum.models.threads import KIND_PLURALS
from forum.services import boards as board_service
from forum.web.board_rows import BoardView, board_content, filled
from forum.web.paging import page_arg
from forum.web.submit import current_member

bp = Blueprint("boards", __name__)

# Tabs of a board page, in order: ?type= value -> label. "tout" is the default.
TABS: dict[str, str] = {**KIND_PLURALS, "tout": "Tout"}


@bp.get("/b/<slug>/")
def show(slug: str):
    board = board_service.get_board(slug)
    tab = request.args.get("type", "tout")
    tab = tab if tab in TABS else "tout"
    view = BoardView(tab=tab, question_filter=request.args.get("filtre") if tab == "question" else None,
                     tip_sort=request.args.get("tri") if tab == "tip" else None, page=page_arg())
    member = current_member()
    content = board_content(board, member, view, TABS)
    return render_template("boards/show.html", board=board, content=filled(content, board, member))
