"""The livrables of a board as members read them: the list of its frozen livrables (request count,
acknowledgement, how many answered since) and each one's requests with their status today. Drafts
and the moderators' notes (unless made public at freezing) stay on the /livrables pages."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template
from flask_login import login_required

from forum.services import boards as board_service
from forum.services import livrables
from forum.web.submit import current_member

bp = Blueprint("board_livrables", __name__)


@bp.app_template_filter("month_year")
def month_year(moment: datetime | None) -> str:
    """« mars 2026 » (Paris time), for « Transmise dans le livrable n° 2 (mars 2026) »."""
    return livrables.month_label(moment) if moment else ""


@bp.get("/b/<slug>/livrables")
@login_required
def index(slug: str):
    board = board_service.get_board(slug)
    return render_template("board_livrables/index.html", board=board,
                           rows=livrables.member_livrables(current_member(), board))


@bp.get("/b/<slug>/livrables/<int:number>")
@login_required
def show(slug: str, number: int):
    board = board_service.get_board(slug)
    livrable, items = livrables.member_livrable(current_member(), board, number)
    return render_template("board_livrables/show.html", board=board, livrable=livrable, items=items)
