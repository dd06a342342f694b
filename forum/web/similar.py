"""Similar open requests while writing a new one: the suggestion fragment (GET, fetched by
similar.js or rendered by « Vérifier les doublons ») and the confirmation asked once at « Publier »."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from forum import search
from forum.extensions import db
from forum.models import Board
from forum.search.similarity import CONFIRM_THRESHOLD
from forum.services import boards as board_service
from forum.services import submissions, votes
from forum.web.submit import current_member
from forum.web.thread_forms import NewThreadForm

bp = Blueprint("similar", __name__)

MAX_TITLE = 150
LIMIT = 5


def similar_to(board: Board, title: str | None, limit: int = LIMIT, threshold: float | None = None) -> list:
    """(open request, score, the member's vote toggle) of the board close to `title` (bounded), best
    first: one search, one query for the rows, one for the member's votes. « Soutenir » is offered
    only where the toggle says the member can vote and has not yet."""
    found = search.similar_scored(board.id, (title or "")[:MAX_TITLE], limit=limit, threshold=threshold)
    states = votes.toggles(current_member(), [thread for thread, _ in found])
    return [(thread, score, states.get(thread.id)) for thread, score in found]


@bp.get("/b/<slug>/demandes/similaires")
@login_required
def suggestions(slug: str):
    """The fragment listing similar open requests for ?titre=…; 204 when none passes the threshold."""
    board = board_service.get_board(slug)
    found = similar_to(board, request.args.get("titre"))
    if not found:
        return "", 204
    return render_template("threads/_similar.html", board=board, similar=found, confirming=False)


def duplicate_confirmation(board: Board, form: NewThreadForm) -> list | None:
    """At « Publier » of a request whose title nearly matches an open one (CONFIRM_THRESHOLD),
    the close requests to show before creating it, once: the form then carries confirm_duplicate,
    so the next « Publier » creates it. None when there is nothing to confirm."""
    if form.kind.data != "request" or form.confirm_duplicate.data == "1":
        return None
    key = submissions.clean_key(form.submission_key.data)
    if key and submissions.find(current_member(), key):  # sent already: lead to what it created
        return None
    close = similar_to(board, form.title.data, limit=3, threshold=CONFIRM_THRESHOLD)
    if not close:
        return None
    if key:  # the same form sent at once by another request may have committed since: the index
        db.session.rollback()  # shows committed threads only; a new transaction sees its key
        if submissions.find(current_member(), key):
            return None
    form.confirm_duplicate.data = "1"
    return close
