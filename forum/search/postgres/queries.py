"""A search plan as PostgreSQL tsqueries over the search_documents table (forum.search.postgres.schema).

Each word of the plan is the OR of plainto_tsquery() of its spellings; words that must be adjacent
are one phraseto_tsquery(), stop words counted as gaps as in documents; a glossary clause ORs its
groups; clauses are ANDed (ORed on the second try); exclusions are NOT. User text only ever reaches
SQL as bound values of plainto_tsquery/phraseto_tsquery, never as tsquery syntax.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from forum.extensions import db
from forum.search.excerpts import SCAN_CHARS
from forum.search.plan import Group, SearchPlan, SimilarPlan, Word
from forum.search.postgres.schema import TEXT_SEARCH_CONFIG, search_documents
from forum.search.results import Matches

# Filter name of the plan -> column of search_documents.
FILTER_COLUMNS = {"board": "d.board_id", "kind": "d.kind", "status": "d.status"}
# The duplicate hint reads this many words of the text at most.
SIMILAR_WORDS = 30


@dataclass
class TsQuery:
    """A tsquery as SQL (accents kept: the `french` stemmer reads them) with its bound values;
    _constant_tsqueries() / _fold() unaccent it to match the documents' lexemes."""

    params: dict = field(default_factory=dict)

    def bind(self, value: str) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def word(self, word: Word) -> str:
        """One word, in any of its spellings (as typed, unaccented, final accents restored)."""
        return _combine("tsquery_or", [f"plainto_tsquery('{TEXT_SEARCH_CONFIG}', {self.bind(v)})"
                                       for v in sorted(word.variants)])

    def group(self, group: Group) -> str:
        """Words typed together or quoted: adjacent, stop words counted as gaps as in documents."""
        significant = group.significant
        if len(significant) == 1:  # "l'option" is the word "option"
            return self.word(significant[0])
        phrase = " ".join(w.text for w in group.words)
        return f"phraseto_tsquery('{TEXT_SEARCH_CONFIG}', {self.bind(phrase)})"


def _combine(function: str, parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        out = f"{function}({out}, {part})"
    return out


def _fold(sql: str) -> str:
    return f"unaccent(({sql})::text)"


def search(plan: SearchPlan) -> Matches:
    # A savepoint: a failed statement must not poison the request's transaction before the
    # database fallback runs.
    with db.session.begin_nested():
        ids, total = _run(plan)
        texts = _texts(ids)
    return Matches(ids=ids, total=total, texts=texts)


def _run(plan: SearchPlan) -> tuple[list[int], int]:
    """(document ids of the page, total matches), filters inside the query so totals are exact."""
    ts = TsQuery()
    clauses = [_combine("tsquery_or", [ts.group(g) for g in clause.groups]) for clause in plan.clauses]
    exclusions = [ts.group(g) for g in plan.exclusions]
    positive, negative = _constant_tsqueries(
        ts, _combine("tsquery_and" if plan.strict else "tsquery_or", clauses) if clauses else None,
        _combine("tsquery_or", exclusions) if exclusions else None)
    where = ["TRUE"]
    params: dict = {"limit": plan.per_page, "offset": plan.offset}
    if positive is not None:
        params["positive"] = positive
        where.append("d.document @@ CAST(:positive AS tsquery)")
    if negative is not None:
        params["negative"] = negative
        where.append("NOT d.document @@ CAST(:negative AS tsquery)")
    for name, value in plan.filters.items():
        where.append(f"{FILTER_COLUMNS[name]} = :f_{name}")
        params[f"f_{name}"] = value
    order = ("d.last_activity_ms DESC, d.thread_id DESC" if plan.by_date else
             "ts_rank(d.rank_document, CAST(:positive AS tsquery)) DESC NULLS LAST, d.last_activity_ms DESC, "
             "d.thread_id DESC")
    # This table alone (see the schema): joining the threads cost a third of the statement.
    base = "FROM search_documents d WHERE " + " AND ".join(where)
    # The GIN index, always: the planner does not count the de-TOASTing of every document a
    # sequential scan must test, and ANALYZE samples made it pick one now and then (search p50
    # 9 ms with the index, 36 ms without). set_config(…, true) is transaction-local: switched
    # back at once for the request's other statements, and undone with the savepoint on error.
    db.session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    rows = db.session.execute(text(f"SELECT d.thread_id, count(*) OVER () {base} ORDER BY {order} "
                                   "LIMIT :limit OFFSET :offset"), params).all()
    db.session.execute(text("SELECT set_config('enable_seqscan', 'on', true)"))
    if rows:
        return [r[0] for r in rows], rows[0][1]
    if plan.page == 1:
        return [], 0
    return [], db.session.scalar(text(f"SELECT count(*) {base}"), params) or 0


def _constant_tsqueries(ts: TsQuery, positive: str | None, negative: str | None) -> tuple[str | None, str | None]:
    """The unaccented tsqueries, computed first and bound as constants in the search statement.

    Why not the expression inline: unaccent() is only STABLE, so the planner cannot read the
    query's lexemes and guesses its selectivity; it then scanned and de-TOASTed every document
    instead of using the GIN index (medium data set: 40 ms instead of 9 for the statement).
    The text comes from PostgreSQL's own tsquery output: user text never becomes tsquery
    syntax (see plainto_tsquery/phraseto_tsquery above)."""
    if positive is None and negative is None:
        return None, None
    wanted = [_fold(positive) if positive else "NULL", _fold(negative) if negative else "NULL"]
    row = db.session.execute(text(f"SELECT {wanted[0]}, {wanted[1]}"), ts.params).one()
    return row[0], row[1]


def _texts(ids: list[int]) -> dict[int, tuple[str | None, str]]:
    """id -> (stored title, start of the stored body), which forum.search.excerpts marks as the
    Whoosh backend's. It replaced ts_headline, which re-parsed the stored text of every hit:
    10 ms of a 50 ms search."""
    if not ids:
        return {}
    rows = db.session.execute(select(search_documents.c.thread_id, search_documents.c.title,
                                     func.left(search_documents.c.body, SCAN_CHARS))
                              .where(search_documents.c.thread_id.in_(ids)))
    return {tid: (title, body) for tid, title, body in rows}


def similar(plan: SimilarPlan) -> list[int]:
    """Any word of the text, titles first (only the title's weight A ranks: the engine scores
    titles, forum.search.similarity); filters read from the threads."""
    ts = TsQuery()
    wanted = f"{_fold(_combine('tsquery_or', [ts.word(w) for w in plan.words[:SIMILAR_WORDS]]))}::tsquery"
    with db.session.begin_nested():
        return list(db.session.scalars(text(
            "SELECT t.id FROM search_documents d JOIN threads t ON t.id = d.thread_id "
            f"WHERE d.document @@ {wanted} AND t.board_id = :board AND t.kind = :kind "
            "AND t.deleted_at IS NULL AND t.status = ANY(:statuses) "
            f"ORDER BY ts_rank('{{0,0,0,1}}', d.document, {wanted}) DESC, t.id DESC LIMIT :limit"),
            dict(ts.params, board=plan.board_id, kind=plan.kind, statuses=list(plan.statuses),
                 limit=plan.limit)))
