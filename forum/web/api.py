"""Public read-only JSON API, version 1 (PRODUCT.md, "Stable interfaces"): boards, a board's ranked
requests, one thread. GET only, public data only: no email and no member names (authors and voters
appear only as counts). Every answer carries an ETag and honours If-None-Match with 304."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from forum.models import STATUSES, StatusChange, Thread
from forum.services import boards as board_service
from forum.services import ranking
from forum.services import roadmap as roadmap_service
from forum.services.commitment_rules import is_late, target_label
from forum.services.errors import DomainError
from forum.services.ranking import RequestFigures
from forum.services.reading import get_thread, public_opening_html
from forum.services.statuses import history as status_history
from forum.web.paging import MAX_PAGE, parse_page
from forum.web.urls import external_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PER_PAGE = 25
API_SORTS = ("rank", "recent")


class BadParameter(DomainError):
    """A query parameter the API does not understand: 400 with a JSON error body."""

    status_code = 400


def _answer(data: dict) -> Response:
    response = jsonify(data)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.add_etag()
    return response.make_conditional(request)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _board(board) -> dict:
    return {
        "slug": board.slug, "name": board.name, "editor": board.editor.name if board.editor else None,
        "editor_slug": board.editor.slug if board.editor else None, "label_level": board.label_level,
        "label_version": board.label_version, "is_general": board.is_general, "website": board.website,
        "description": board.description, "questions": board.question_count, "tips": board.tip_count,
        "requests": board.request_count, "last_activity_at": _iso(board.last_activity_at),
        "links": {"self": external_url("boards.show", slug=board.slug),
                  "requests": external_url("api.board_requests", slug=board.slug),
                  "feed": external_url("feeds.board_feed", slug=board.slug)},
    }


def _figures(figures: RequestFigures) -> dict:
    return {"score": figures.score, "votes": figures.vote_count, "votes_by_importance": dict(figures.by_importance),
            "uncounted_votes": figures.uncounted_vote_count, "structures": figures.structure_count,
            "professions": figures.profession_count,
            "professions_detail": [{"profession": label, "count": n} for label, n in figures.professions]}


def _answer_dict(change: StatusChange | None) -> dict | None:
    if change is None:
        return None
    return {"by": change.answer_by, "text": change.note, "version": change.version, "date": _iso(change.created_at)}


def _target(thread: Thread) -> dict | None:
    """The request's current target (issue 16), read on its own columns, or None."""
    if not (thread.target_version or thread.target_period):
        return None
    return {"version": thread.target_version, "period": thread.target_period,
            "label": target_label(thread.target_version, thread.target_period),
            "due_on": thread.target_due_on.isoformat() if thread.target_due_on else None,
            "slips": thread.target_slips or 0, "late": is_late(thread.status, thread.target_due_on)}


def _request(rank: int, thread: Thread, answer: StatusChange | None) -> dict:
    """A request in a list: the stored ranking figures (what the order used); the breakdowns by
    importance, profession and region are on /threads/<id> (they cost a GROUP BY per page)."""
    return {"id": thread.id, "rank": rank, "title": thread.title, "status": thread.status,
            "status_label": STATUSES.get(thread.status or ""), "score": thread.score, "votes": thread.vote_count,
            "uncounted_votes": thread.uncounted_vote_count, "structures": thread.structure_count,
            "professions": thread.profession_count, "created_at": _iso(thread.created_at),
            "last_activity_at": _iso(thread.last_activity_at), "latest_answer": _answer_dict(answer),
            "target": _target(thread),
            "url": external_url("threads.show", thread_id=thread.id, slug=thread.slug),
            "api_url": external_url("api.thread", thread_id=thread.id)}


@bp.get("/boards")
def boards():
    return _answer({"boards": [_board(board) for board in board_service.list_boards()]})


def _statuses() -> list[str] | None:
    wanted = [s.strip() for raw in request.args.getlist("status") for s in raw.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise BadParameter(f"Statut inconnu : {', '.join(unknown)}. Valeurs possibles : {', '.join(STATUSES)}.")
    return wanted or None


def _page() -> int:
    page = parse_page(request.args.get("page", "1"))
    if page is None:
        raise BadParameter(f"Le paramètre « page » doit être un entier entre 1 et {MAX_PAGE}.")
    return page


@bp.get("/boards/<slug>/requests")
def board_requests(slug: str):
    board = board_service.get_board(slug)
    statuses, page, sort = _statuses(), _page(), request.args.get("sort", "rank")
    if sort not in API_SORTS:
        raise BadParameter("Le paramètre « sort » doit valoir « rank » ou « recent ».")
    total, wanted, positioned = ranking.ranked_threads(board, statuses, sort, page, PER_PAGE)
    answers = ranking.last_official_answers([thread.id for _, thread in positioned])
    pages = max(1, -(-total // PER_PAGE))
    args = {"slug": slug, "sort": sort, "status": ",".join(statuses) if statuses else None}
    return _answer({
        "board": board.slug, "requests": [_request(rank, t, answers.get(t.id)) for rank, t in positioned],
        "page": page, "per_page": PER_PAGE, "total": total, "pages": pages, "sort": sort, "statuses": list(wanted),
        "next": external_url("api.board_requests", page=page + 1, **args) if page < pages else None,
        "prev": external_url("api.board_requests", page=page - 1, **args) if page > 1 else None})


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    thread = get_thread(thread_id, None)
    data = {"id": thread.id, "board": thread.board.slug, "kind": thread.kind, "title": thread.title,
            "created_at": _iso(thread.created_at), "last_activity_at": _iso(thread.last_activity_at),
            "replies": thread.reply_count, "locked": thread.locked,
            "body_html": public_opening_html(thread),
            "url": external_url("threads.show", thread_id=thread.id, slug=thread.slug)}
    if thread.kind == "question":
        data["solved"] = thread.is_solved
    elif thread.kind == "tip":
        data.update(software_version=thread.software_version, useful=thread.useful_count)
    else:
        data.update(_request_details(thread))
    return _answer(data)


def _request_details(thread: Thread) -> dict:
    figures = ranking.displayed_figures([thread])[thread.id]
    history = status_history(thread)
    return {"status": thread.status, "status_label": STATUSES.get(thread.status or ""), **_figures(figures),
            "regions": [{"region": region, "count": n} for region, n in figures.regions],
            "merged_into": thread.merged_into_id, "target": _target(thread),
            "history": [{"from_status": c.from_status, "status": c.to_status, "date": _iso(c.created_at),
                         "version": c.version, "note": c.note, "official_answer_by": c.answer_by}
                        for c in history]}


def _roadmap_card(card) -> dict:
    """A roadmap card (forum.services.roadmap.Card): public figures only, no one's name."""
    thread = card.thread
    return {"id": thread.id, "title": thread.title, "score": thread.score, "vote_count": thread.vote_count,
            "status": thread.status, "status_label": STATUSES.get(thread.status or ""),
            "status_date": _iso(card.status_date), "version": card.version, "target": _target(thread),
            "official_answer_excerpt": card.answer_excerpt or None, "official_answer_date": _iso(card.answer_date),
            "url": external_url("threads.show", thread_id=thread.id, slug=thread.slug),
            "api_url": external_url("api.thread", thread_id=thread.id)}


@bp.get("/boards/<slug>/roadmap")
def board_roadmap(slug: str):
    """The roadmap of a software board (forum.services.roadmap); a board without an editor has none."""
    board = board_service.get_board(slug)
    if board.editor_id is None or board.is_general:
        return _answer({"board": board.slug, "sections": None,
                        "message": "La feuille de route concerne les forums d'un logiciel ; ce forum n'a pas d'éditeur."})
    built = roadmap_service.build(board)
    sections = []
    for section in built.sections:
        entry = {"key": section.key, "title": section.title, "statuses": list(section.statuses),
                 "total": section.total, "requests": [_roadmap_card(card) for card in section.cards],
                 "more": external_url("api.board_requests", slug=board.slug, status=",".join(section.statuses))
                 if section.capped else None}
        if section.groups:
            entry["groups"] = [{"label": g.label, "version": g.version, "period": g.period, "total": g.total,
                                "slipped": g.slipped, "request_ids": [c.thread.id for c in g.cards]}
                               for g in section.groups]
        sections.append(entry)
    return _answer({"board": board.slug, "recent_since": built.since.date().isoformat(),
                    "window_months": roadmap_service.WINDOW_MONTHS, "sections": sections,
                    "links": {"self": external_url("api.board_roadmap", slug=board.slug),
                              "page": external_url("roadmap.show_roadmap", slug=board.slug)}})
