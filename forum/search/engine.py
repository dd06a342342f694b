"""The search engine every backend shares: the search box parsed once, its filters resolved, a
plan handed to the backend (retried with any word when nothing has them all), the database
fallback when the index fails, the French messages, pages, highlighted hits; the duplicate hint.
"""
from __future__ import annotations

import logging
import math
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import KINDS, STATUSES, Board, Thread, User
from forum.models.threads import slugify
from forum.search import fallback, plan, similarity
from forum.search.backend import IndexUnavailable, SearchBackend
from forum.search.excerpts import excerpt, highlight
from forum.search.parsing import ParsedQuery, kind_code, parse, status_code
from forum.search.results import PER_PAGE, SearchHit, SearchResults, hits_of

log = logging.getLogger(__name__)

MAX_PAGE = 200
DEGRADED_NOTICE = ("La recherche complète est momentanément indisponible : voici les résultats d'une "
                   "recherche simplifiée (sans synonymes, accents et pluriels moins bien reconnus).")
RELAXED_NOTICE = "Aucun sujet ne contient tous vos mots : voici ceux qui en contiennent une partie."


def query(backend: SearchBackend, q: str | None, board: str | None = None, kind: str | None = None,
          status: str | None = None, sort: str = "relevance", page: int = 1,
          per_page: int = PER_PAGE) -> SearchResults:
    """Search threads. Never raises for bad input: the answer then carries a French message.

    When the backend raises, the database fallback answers with a notice."""
    parsed = parse(q)
    results = SearchResults(query=q or "", page=max(1, page), per_page=per_page,
                            sort="date" if sort == "date" else "relevance", notices=list(parsed.notices))
    filters = resolve_filters(parsed, board, kind, status, results)
    if filters is None:
        return results
    wanted = plan.build(parsed, filters, results.sort, results.page, per_page)
    if not wanted.clauses and not wanted.exclusions and not filters:
        results.message = ("Votre recherche ne contient que des mots trop courants (le, de, pour…) : "
                           "ajoutez un mot plus précis." if parsed.positives
                           else "Saisissez un ou plusieurs mots à rechercher.")
        return results
    if results.page > MAX_PAGE:
        results.message = f"Seules les {MAX_PAGE} premières pages de résultats sont consultables."
        return results
    try:
        _search_index(backend, wanted, results)
    except Exception as exc:
        # A missing or locked index is expected (before the first reindex): one line. Anything
        # else is a bug to find: with its traceback.
        log.warning("search index unavailable, falling back to database search: %r", exc,
                    exc_info=not isinstance(exc, IndexUnavailable))
        _search_database(wanted, results)
    results.pages = math.ceil(results.total / per_page)
    if results.total and results.page > results.pages:
        results.hits = []
        results.message = (f"Cette page n'existe pas : la recherche compte {results.pages} "
                           f"page{'s' if results.pages > 1 else ''} de résultats.")
    return results


def _search_index(backend: SearchBackend, wanted: plan.SearchPlan, results: SearchResults) -> None:
    matches = backend.search(wanted)
    if matches.total == 0 and len(wanted.clauses) > 1:  # nothing has every word: any word, best first
        matches = backend.search(wanted.relaxed())
        if matches.total:
            results.notices.append(RELAXED_NOTICE)
    results.total = matches.total
    results.hits = hits_of(matches, wanted.terms)


def _search_database(wanted: plan.SearchPlan, results: SearchResults) -> None:
    results.degraded = True
    results.notices.insert(0, DEGRADED_NOTICE)
    results.sort = "date"
    threads, results.total = fallback.search_database(wanted.parsed, wanted.filters, results.page,
                                                      results.per_page)
    posts = fallback.bodies([t.id for t in threads])
    results.hits = [SearchHit(t, highlight(t.title, wanted.terms),
                              excerpt("\x1e".join(posts[t.id]), wanted.terms)) for t in threads]


def resolve_filters(parsed: ParsedQuery, board: str | None, kind: str | None,
                    status: str | None, results: SearchResults) -> dict | None:
    """Form and inline filters (inline wins) -> {"board": id, "kind": code, "status": code}.
    None, with results.message set, when a value names nothing."""
    wanted = {"board": board, "kind": kind, "status": status}
    wanted.update({k: v for k, v in parsed.filters.items() if v})
    filters: dict = {}
    if wanted["board"]:
        found = _find_board(wanted["board"])
        if found is None:
            results.message = f"Aucun forum ne correspond à « {wanted['board']} »."
            return None
        filters["board"], results.filter_labels["board"] = found.id, found.name
    if wanted["kind"]:
        code = wanted["kind"] if wanted["kind"] in KINDS else kind_code(wanted["kind"])
        if code is None:
            results.message = (f"Type de sujet inconnu « {wanted['kind']} » : utilisez question, astuce "
                               "ou demande.")
            return None
        filters["kind"], results.filter_labels["kind"] = code, KINDS[code]
    if wanted["status"]:
        code = status_code(wanted["status"])
        if code is None:
            results.message = (f"Statut inconnu « {wanted['status']} » : utilisez par exemple nouvelle, "
                               "planifiee, livree ou refusee.")
            return None
        filters["status"], results.filter_labels["status"] = code, STATUSES[code]
    return filters


def _find_board(value: str) -> Board | None:
    wanted = slugify(value)
    for board in db.session.scalars(select(Board)):
        if value == board.slug or wanted in (board.slug, slugify(board.name)):
            return board
    return None


def similar_requests(backend: SearchBackend, board_id: int, text: str, limit: int = 5,
                     threshold: float = similarity.HINT_THRESHOLD) -> list[tuple[Thread, float]]:
    """(open request of the board, score) most similar to the title `text` first, only those
    scoring at least `threshold` (forum.search.similarity). Never raises."""
    wanted = plan.similar(board_id, text, limit)
    if not any(similarity.meaningful(w) for w in wanted.words):
        return []
    # The backend finds candidates sharing a word; the title score decides (comparable across backends).
    wanted = replace(wanted, limit=max(4 * limit, 20))
    try:
        ids = backend.similar(wanted)
    except Exception as exc:
        log.warning("search index unavailable for similar requests, using the database: %r", exc)
        found = fallback.similar_requests(wanted)
    else:
        threads = _load_threads(ids)
        found = [threads[i] for i in ids if i in threads and threads[i].is_open_request]
    scored = [(t, similarity.score(wanted.words, t.title)) for t in found]
    scored = [(t, s) for t, s in scored if s >= threshold]
    scored.sort(key=lambda pair: -pair[1])  # stable: the backend's order among equal scores
    return scored[:limit]


def _load_threads(ids: list[int]) -> dict[int, Thread]:
    """The threads of a page in one query; a thread deleted since indexing is left out."""
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_(ids), Thread.deleted_at.is_(None))
        # The page shows the board's name and the author's name: skip the joins it does not need.
        .options(joinedload(Thread.board).lazyload(Board.editor),
                 joinedload(Thread.author).lazyload(User.structure)))}
