"""Search queries: the parsed search box becomes a Whoosh query (terms of the French analyser,
glossary synonyms, phrases, exclusions) run with the filters inside the query, so totals and
pages are exact. Results are threads loaded from the database, with highlighted excerpts.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Sequence, Term

from forum.extensions import db
from forum.models import CLOSED_STATUSES, KINDS, STATUSES, Board, Thread, User
from forum.models.threads import slugify
from forum.search import fallback, storage, synonyms
from forum.search.analysis import WORD_RE, query_terms, words
from forum.search.excerpts import excerpt, highlight
from forum.search.hits import HitThread, load_hit_threads
from forum.search.parsing import ParsedQuery, kind_code, parse, status_code

log = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PAGE = 200
# Title above body above author name; BM25F does the rest.
FIELD_BOOSTS = (("title", 3.0), ("body", 1.0), ("author", 0.5))
OPEN_STATUSES = tuple(s for s in STATUSES if s not in CLOSED_STATUSES)
DEGRADED_NOTICE = ("La recherche complète est momentanément indisponible : voici les résultats d'une "
                   "recherche simplifiée (sans synonymes, accents et pluriels moins bien reconnus).")


@dataclass
class SearchHit:
    thread: HitThread | Thread  # a Thread from the database fallback
    title_html: Markup
    excerpt_html: Markup


@dataclass
class SearchResults:
    query: str = ""
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    per_page: int = PER_PAGE
    sort: str = "relevance"
    # What the filters resolved to, for display: e.g. {"board": "Chorus", "kind": "Astuce"}.
    filter_labels: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    # Why there is nothing to show (empty query, only stop words, unknown filter…).
    message: str | None = None
    degraded: bool = False


@dataclass
class Compiled:
    query: Query | None = None
    negative: Query | None = None
    terms: set[str] = field(default_factory=set)
    clauses: int = 0


Lexicon = Callable[[str, str], bool]


def words_clause(group: list[str], known: Lexicon | None = None) -> Query | None:
    """Words typed together: one word matches any of its terms, several must be adjacent.

    `known(field, term)` says whether the index holds a term: spelling variants that occur
    nowhere are dropped, so Whoosh builds fewer matchers.
    """
    slots = [s for s in (query_terms(w) for w in group) if s]
    if not slots:
        return None
    per_field: list[Query] = []
    for name, boost in FIELD_BOOSTS:
        kept = [frozenset(t for t in s if known is None or known(name, t)) for s in slots]
        if not all(kept):
            continue
        if len(kept) == 1:
            per_field.append(_slot(name, kept[0], boost))
        elif all(len(s) == 1 for s in kept):
            per_field.append(Phrase(name, [next(iter(s)) for s in kept], boost=boost))
        else:
            per_field.append(Sequence([_slot(name, s, 1.0) for s in kept], boost=boost))
    if not per_field:  # words the index does not hold (together): match nothing, cheaply
        return NullQuery
    return Or(per_field) if len(per_field) > 1 else per_field[0]


def _slot(name: str, terms: frozenset[str], boost: float) -> Query:
    if len(terms) == 1:
        return Term(name, next(iter(terms)), boost=boost)
    return Or([Term(name, t) for t in sorted(terms)], boost=boost)


def _terms_of(texts: Iterable[str]) -> set[str]:
    return {t for text in texts for w in words(text) for t in query_terms(w)}


def compile_query(parsed: ParsedQuery, strict: bool = True, known: Lexicon | None = None) -> Compiled:
    compiled = Compiled()
    clauses: list[Query] = []
    flat = [(w, index) for index, item in enumerate(parsed.items)
            if not item.negative and not item.phrase for w in WORD_RE.findall(item.text)]
    consumed: set[int] = set()
    for start, end, alternatives in synonyms.expand([w for w, _ in flat]):
        options = [c for c in (words_clause(words(a), known) for a in alternatives) if c is not None]
        if options:
            clauses.append(Or(options))
            compiled.terms |= _terms_of(alternatives)
            consumed.update(range(start, end))
    groups: dict[int, list[str]] = {}
    for position, (word, index) in enumerate(flat):
        if position not in consumed:
            groups.setdefault(index, []).append(word)
    phrases = [words(i.text) for i in parsed.items if i.phrase and not i.negative]
    for group in [*groups.values(), *phrases]:
        clause = words_clause(group, known)
        if clause is not None:
            clauses.append(clause)
            compiled.terms |= {t for w in group for t in query_terms(w)}
    negatives = [c for c in (words_clause(words(i.text), known) for i in parsed.negatives) if c is not None]
    compiled.clauses = len(clauses)
    if clauses:
        compiled.query = And(clauses) if strict else Or(clauses)
    if negatives:
        compiled.negative = Or(negatives)
    return compiled


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


def _filter_query(filters: dict) -> Query | None:
    terms = [Term(name, str(value)) for name, value in filters.items()]
    return And(terms) if terms else None


IndexSearch = Callable[[SearchResults, ParsedQuery, Compiled, dict, int], None]


def query(q: str | None, board: str | None = None, kind: str | None = None, status: str | None = None,
          sort: str = "relevance", page: int = 1, per_page: int = PER_PAGE,
          index_search: IndexSearch | None = None) -> SearchResults:
    """Search threads. Never raises for bad input: the answer then carries a French message.

    `index_search` fills the results from an index (default: Whoosh; the PostgreSQL backend
    passes its own); when it raises, the database fallback answers with a notice."""
    parsed = parse(q)
    results = SearchResults(query=q or "", page=max(1, page), per_page=per_page, sort="date" if sort == "date" else "relevance",
                            notices=list(parsed.notices))
    filters = resolve_filters(parsed, board, kind, status, results)
    if filters is None:
        return results
    compiled = compile_query(parsed)
    if compiled.query is None and compiled.negative is None and not filters:
        results.message = ("Votre recherche ne contient que des mots trop courants (le, de, pour…) : "
                           "ajoutez un mot plus précis." if parsed.positives
                           else "Saisissez un ou plusieurs mots à rechercher.")
        return results
    if results.page > MAX_PAGE:
        results.message = f"Seules les {MAX_PAGE} premières pages de résultats sont consultables."
        return results
    try:
        (index_search or _search_index)(results, parsed, compiled, filters, per_page)
    except Exception as exc:
        # A missing or locked index is expected (before the first reindex): one line. Anything
        # else is a bug to find: with its traceback.
        log.warning("search index unavailable, falling back to database search: %r", exc,
                    exc_info=not isinstance(exc, storage.IndexUnavailable))
        _search_database(results, parsed, compiled, filters, per_page)
    results.pages = math.ceil(results.total / per_page)
    if results.total and results.page > results.pages:
        results.hits = []
        results.message = (f"Cette page n'existe pas : la recherche compte {results.pages} "
                           f"page{'s' if results.pages > 1 else ''} de résultats.")
    return results


def _search_index(results: SearchResults, parsed: ParsedQuery, compiled: Compiled, filters: dict,
                  per_page: int) -> None:
    searcher = storage.searcher(storage.root_dir(current_app.config), _refresh_seconds())
    reader = searcher.reader()

    def known(name: str, term: str) -> bool:
        return (name, term) in reader

    compiled = compile_query(parsed, known=known)
    by_date = results.sort == "date" or compiled.query is None
    hits = _run(searcher, compiled, filters, results.page * per_page, by_date)
    if len(hits) == 0 and compiled.clauses > 1:  # nothing has every word: any word, best first
        compiled = compile_query(parsed, strict=False, known=known)
        hits = _run(searcher, compiled, filters, results.page * per_page, by_date)
        if len(hits):
            results.notices.append("Aucun sujet ne contient tous vos mots : voici ceux qui en "
                                   "contiennent une partie.")
    results.total = len(hits)
    page = hits[(results.page - 1) * per_page: results.page * per_page]
    found = [(int(hit["thread_id"]), hit["body"]) for hit in page]
    threads = load_hit_threads([tid for tid, _ in found])
    results.hits = [SearchHit(threads[tid], highlight(threads[tid].title, compiled.terms),
                              excerpt(body, compiled.terms))
                    for tid, body in found if tid in threads]


def _run(searcher, compiled: Compiled, filters: dict, limit: int, by_date: bool):
    q: Query = compiled.query or Every()
    if compiled.negative is not None:
        q = AndNot(q, compiled.negative)
    return searcher.search(q, limit=limit, filter=_filter_query(filters),
                           sortedby="last_activity" if by_date else None, reverse=by_date,
                           optimize=False)


def _load_threads(ids: list[int]) -> dict[int, Thread]:
    """The threads of a page in one query; a thread deleted since indexing is left out."""
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(
        select(Thread).where(Thread.id.in_(ids), Thread.deleted_at.is_(None))
        # The page shows the board's name and the author's name: skip the joins it does not need.
        .options(joinedload(Thread.board).lazyload(Board.editor),
                 joinedload(Thread.author).lazyload(User.structure)))}


def _search_database(results: SearchResults, parsed: ParsedQuery, compiled: Compiled, filters: dict,
                     per_page: int) -> None:
    results.degraded = True
    results.notices.insert(0, DEGRADED_NOTICE)
    results.sort = "date"
    threads, results.total = fallback.search_database(parsed, filters, results.page, per_page)
    posts = fallback.bodies([t.id for t in threads])
    results.hits = [SearchHit(t, highlight(t.title, compiled.terms),
                              excerpt("\x1e".join(posts[t.id]), compiled.terms)) for t in threads]


def similar_requests(board_id: int, text: str, limit: int = 5) -> list[Thread]:
    """Open requests of the board most similar to `text` (the duplicate hint). Never raises."""
    terms = _terms_of([text or ""])
    if not terms:
        return []
    try:
        searcher = storage.searcher(storage.root_dir(current_app.config), _refresh_seconds())
        q = Or([Term(name, t, boost=boost) for name, boost in FIELD_BOOSTS[:2] for t in sorted(terms)])
        allowed = And([Term("board", str(board_id)), Term("kind", "request"),
                       Or([Term("status", s) for s in OPEN_STATUSES])])
        ids = [int(hit["thread_id"]) for hit in searcher.search(q, limit=limit * 2, filter=allowed)]
    except Exception as exc:
        log.warning("search index unavailable for similar requests, using the database: %r", exc)
        return _similar_from_database(board_id, text, limit)
    threads = _load_threads(ids)
    return [threads[i] for i in ids if i in threads and threads[i].is_open_request][:limit]


def _similar_from_database(board_id: int, text: str, limit: int) -> list[Thread]:
    condition = fallback.any_word_in_title(text)
    if condition is None:
        return []
    return list(db.session.scalars(
        select(Thread).where(Thread.board_id == board_id, Thread.kind == "request",
                             Thread.deleted_at.is_(None), Thread.status.in_(OPEN_STATUSES), condition)
        .order_by(Thread.last_activity_at.desc()).limit(limit)))


def _refresh_seconds() -> float:
    """How stale another worker's writes may be in this worker's results (SEARCH_REFRESH_SECONDS)."""
    return float(current_app.config.get("SEARCH_REFRESH_SECONDS", 0.0))
