"""A search plan as a Whoosh query, run with the filters inside the query so totals and pages are
exact: one slot of terms per word, adjacent words as a Phrase (or a Sequence of slots), title above
body above author (BM25F does the rest), exclusions as AndNot.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from whoosh.query import And, AndNot, Every, NullQuery, Or, Phrase, Query, Sequence, Term

from forum.search.plan import Group, SearchPlan, SimilarPlan
from forum.search.results import Matches
from forum.search.whoosh import storage

# Title above body above author name; BM25F does the rest.
FIELD_BOOSTS = (("title", 3.0), ("body", 1.0), ("author", 0.5))

Lexicon = Callable[[str, str], bool]


def group_query(group: Group, known: Lexicon | None = None) -> Query | None:
    """Words of a group: one word matches any of its terms, several must be adjacent.

    `known(field, term)` says whether the index holds a term: spelling variants that occur
    nowhere are dropped, so Whoosh builds fewer matchers.
    """
    slots = [w.terms for w in group.words if w.terms]
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


def compile_plan(plan: SearchPlan, known: Lexicon | None = None) -> Query:
    """The plan's words and exclusions as one query (a one-element Or or And is its element)."""
    clauses = [Or([group_query(g, known) for g in clause.groups]) for clause in plan.clauses]
    q: Query = (And(clauses) if plan.strict else Or(clauses)) if clauses else Every()
    if plan.exclusions:
        q = AndNot(q, Or([group_query(g, known) for g in plan.exclusions]))
    return q


def _filter_query(filters: dict) -> Query | None:
    terms = [Term(name, str(value)) for name, value in filters.items()]
    return And(terms) if terms else None


def search(plan: SearchPlan) -> Matches:
    searcher = storage.searcher(storage.root_dir(current_app.config), _refresh_seconds())
    reader = searcher.reader()

    def known(name: str, term: str) -> bool:
        return (name, term) in reader

    hits = searcher.search(compile_plan(plan, known), limit=plan.page * plan.per_page,
                           filter=_filter_query(plan.filters), sortedby="last_activity" if plan.by_date else None,
                           reverse=plan.by_date, optimize=False)
    page = hits[plan.offset: plan.page * plan.per_page]
    texts = {int(hit["thread_id"]): (None, hit["body"]) for hit in page}
    return Matches(ids=list(texts), total=len(hits), texts=texts)


def similar(plan: SimilarPlan) -> list[int]:
    """Any term of the text in the title, filters inside the query: the engine scores titles only
    (forum.search.similarity), so bodies would only bring candidates it drops, and cost time."""
    terms = sorted({t for w in plan.words for t in w.terms})
    searcher = storage.searcher(storage.root_dir(current_app.config), _refresh_seconds())
    q = Or([Term("title", t) for t in terms])
    allowed = And([Term("board", str(plan.board_id)), Term("kind", plan.kind),
                   Or([Term("status", s) for s in plan.statuses])])
    return [int(hit["thread_id"]) for hit in searcher.search(q, limit=plan.limit * 2, filter=allowed)]


def _refresh_seconds() -> float:
    """How stale another worker's writes may be in this worker's results (SEARCH_REFRESH_SECONDS)."""
    return float(current_app.config.get("SEARCH_REFRESH_SECONDS", 0.0))
