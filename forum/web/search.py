"""Search page: the search box with its filters, the matching FAQ entries, then results as threads with
highlighted excerpts."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from wtforms import Form, SearchField, SelectChoice, SelectField

from forum import search
from forum.models import KINDS, STATUSES
from forum.services import boards as board_service
from forum.services import faq, votes
from forum.web.paging import page_arg
from forum.web.paths import here_path
from forum.web.submit import current_member

bp = Blueprint("search", __name__)

SORTS = {"relevance": "Pertinence", "date": "Activité la plus récente"}


def _choices(prompt: str | None, mapping: dict[str, str]) -> list[SelectChoice]:
    first = [SelectChoice("", prompt)] if prompt else []
    return first + [SelectChoice(value, label) for value, label in mapping.items()]


class SearchForm(Form):
    """GET form, no CSRF (it changes nothing). Values outside the choices are reported by
    search.query() as unknown filters, not rejected here."""

    q = SearchField("Rechercher")
    board = SelectField("Forum", choices=[])
    kind = SelectField("Type", choices=_choices("Tous les types", KINDS))
    status = SelectField("Statut des demandes", choices=_choices("Tous les statuts", STATUSES))
    sort = SelectField("Trier par", choices=_choices(None, SORTS), default="relevance")


@bp.get("/search")
def results():
    form = SearchForm(request.args)
    form.board.choices = _choices("Tous les forums", board_service.board_names())
    page = page_arg() or 1
    found = None
    if request.args:
        found = search.query(form.q.data, board=form.board.data or None, kind=form.kind.data or None,
                             status=form.status.data or None, sort=form.sort.data or "relevance", page=page)
    # The vote toggles of the hits that are requests: the member's votes in one statement.
    requests = votes.listed_requests([hit.thread.id for hit in found.hits if hit.thread.kind == "request"]
                                     if found else [])
    your_votes = votes.toggles(current_member(), list(requests.values()))
    # FAQ entries first (page 1 only): a plain match of every meaningful word, one statement.
    faq_entries = faq.search_entries(form.q.data, form.board.data or None) if found and page == 1 else []
    return render_template("search/results.html", form=form, results=found, requests=requests, toggles=your_votes,
                           here=here_path(), faq_entries=faq_entries)
