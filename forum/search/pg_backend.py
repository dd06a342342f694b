"""The PostgreSQL full-text backend (SEARCH_BACKEND=postgres): the same interface as Whoosh,
for deployments with several application hosts, which cannot share one index directory.

Matching: tsvectors of `french` stems, unaccented after stemming (forum.search.pg_schema), and
tsqueries built here from the parsed search box (forum.search.parsing) with the same rules as
the Whoosh backend: stop words of forum.search.analysis dropped, glossary synonyms expanded at
query time, word groups and "phrases" adjacent, -exclusions, every word required and, when
nothing has them all, any word with a notice. User text only ever reaches SQL as bound values
of plainto_tsquery/phraseto_tsquery, never as tsquery syntax.

Updates: the durable IndexTask queue, applied after the commit like Whoosh, but in one database
transaction (documents written and tasks deleted together) under an advisory lock, so two
workers never write an older state of a thread over a newer one.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from forum import db_statistics
from forum.extensions import db
from forum.models import IndexTask, Thread
from forum.search import querying, synonyms
from forum.search.analysis import _ACCENT_RESTORES, STOP_WORDS, WORD_RE, fold, words
from forum.search.documents import NO_STATUS, build_documents
from forum.search.excerpts import SCAN_CHARS, excerpt, highlight
from forum.search.hits import load_hit_threads
from forum.search.parsing import ParsedQuery
from forum.search.pg_schema import (
    MAX_INDEXED_CHARS,
    MAX_STORED_BODY_CHARS,
    RANK_BODY_CHARS,
    TEXT_SEARCH_CONFIG,
    folded_vector,
    search_documents,
)
from forum.search.querying import OPEN_STATUSES, SearchHit, SearchResults
from forum.search.updates import BATCH, DELETE_CHUNK, MAX_ROUNDS, ReindexError

log = logging.getLogger(__name__)

# Advisory lock keys (any constants unique to this application): one applier at a time, and the
# rebuild, which appliers do not wait for.
APPLY_LOCK = 4_657_301
REINDEX_LOCK = 4_657_302
# Whether a rebuild holds its lock (a bigint advisory key shows as classid 0, objid key, objsubid 1).
REINDEX_RUNNING = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                       "AND classid = 0 AND objid = :key AND objsubid = 1 AND database = "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()))")
UPSERT = text(
    "INSERT INTO search_documents (thread_id, title, body, document, rank_document, board_id, kind, status, "
    "last_activity_ms) VALUES (:thread_id, :title, :stored_body, "
    f"{folded_vector('title', 'A')} || {folded_vector('body', 'B')} || {folded_vector('author', 'C')}, "
    f"{folded_vector('title', 'A')} || {folded_vector('rank_body', 'B')}, :board_id, :kind, :status, "
    ":last_activity_ms) ON CONFLICT (thread_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "document = excluded.document, rank_document = excluded.rank_document, board_id = excluded.board_id, "
    "kind = excluded.kind, status = excluded.status, last_activity_ms = excluded.last_activity_ms")


# --- queries ---------------------------------------------------------------------------------------

@dataclass
class TsQuery:
    """A tsquery as SQL (accents kept: the `french` stemmer reads them) with its bound values;
    _fold() / _constant_tsqueries() unaccent it to match the documents' lexemes."""

    params: dict = field(default_factory=dict)

    def bind(self, value: str) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def word(self, word: str) -> str | None:
        """One word, in any of its spellings (as typed, unaccented, final accents restored)."""
        variants = spelling_variants(word)
        if not variants:
            return None
        return _combine("tsquery_or", [f"plainto_tsquery('{TEXT_SEARCH_CONFIG}', {self.bind(v)})"
                                       for v in sorted(variants)])

    def words(self, group: list[str]) -> str | None:
        """Words typed together or quoted: adjacent, stop words counted as gaps as in documents."""
        kept = [w for w in group if fold(w) not in STOP_WORDS]
        if not kept:
            return None
        if len(kept) == 1:  # "l'option" is the word "option"
            return self.word(kept[0])
        return f"phraseto_tsquery('{TEXT_SEARCH_CONFIG}', {self.bind(' '.join(group))})"


def spelling_variants(word: str) -> set[str]:
    """The spellings a query word may stand for (empty for a stop word); see analysis.query_terms."""
    word = word.lower()
    folded = fold(word)
    if folded in STOP_WORDS:
        return set()
    variants = {word, folded}
    for plain, accented in _ACCENT_RESTORES:
        if folded.endswith(plain) and len(folded) > len(plain) + 2:
            variants.add(folded[: -len(plain)] + accented)
    return variants


def _combine(function: str, parts: list[str]) -> str:
    out = parts[0]
    for part in parts[1:]:
        out = f"{function}({out}, {part})"
    return out


def _fold(sql: str) -> str:
    return f"{_fold_text(sql)}::tsquery"


@dataclass
class Compiled:
    positive: str | None = None
    negative: str | None = None
    clauses: int = 0


def compile_query(parsed: ParsedQuery, ts: TsQuery, strict: bool = True) -> Compiled:
    """The search box as tsquery SQL: the same clauses as querying.compile_query for Whoosh."""
    clauses: list[str] = []
    flat = [(w, index) for index, item in enumerate(parsed.items)
            if not item.negative and not item.phrase for w in WORD_RE.findall(item.text)]
    consumed: set[int] = set()
    for start, end, alternatives in synonyms.expand([w for w, _ in flat]):
        options = [c for c in (ts.words(words(a)) for a in alternatives) if c is not None]
        if options:
            clauses.append(_combine("tsquery_or", options))
            consumed.update(range(start, end))
    groups: dict[int, list[str]] = {}
    for position, (word, index) in enumerate(flat):
        if position not in consumed:
            groups.setdefault(index, []).append(word)
    phrases = [words(i.text) for i in parsed.items if i.phrase and not i.negative]
    clauses += [c for c in (ts.words(g) for g in [*groups.values(), *phrases]) if c is not None]
    negatives = [c for c in (ts.words(words(i.text)) for i in parsed.negatives) if c is not None]
    return Compiled(positive=_combine("tsquery_and" if strict else "tsquery_or", clauses) if clauses else None,
                    negative=_combine("tsquery_or", negatives) if negatives else None,
                    clauses=len(clauses))


def query(q: str | None, **options) -> SearchResults:
    """Search threads (see querying.query: same answers, messages and database fallback)."""
    return querying.query(q, index_search=_search_index, **options)


def _search_index(results: SearchResults, parsed: ParsedQuery, compiled, filters: dict,
                  per_page: int) -> None:
    # A savepoint: a failed statement must not poison the request's transaction before the
    # database fallback runs.
    with db.session.begin_nested():
        ts = TsQuery()
        pg = compile_query(parsed, ts)
        rows, total = _run(ts, pg, filters, results, per_page)
        if total == 0 and pg.clauses > 1:  # nothing has every word: any word, best first
            ts = TsQuery()
            pg = compile_query(parsed, ts, strict=False)
            rows, total = _run(ts, pg, filters, results, per_page)
            if total:
                results.notices.append("Aucun sujet ne contient tous vos mots : voici ceux qui en "
                                       "contiennent une partie.")
        results.total = total
        headlines = _headlines(rows, compiled.terms)
    threads = load_hit_threads(rows)
    results.hits = [SearchHit(threads[tid], *headlines.get(tid, (escape(threads[tid].title), Markup(""))))
                    for tid in rows if tid in threads]


def _run(ts: TsQuery, pg: Compiled, filters: dict, results: SearchResults,
         per_page: int) -> tuple[list[int], int]:
    """(thread ids of the page, total matches), filters inside the query so totals are exact."""
    where = ["TRUE"]
    params: dict = {"limit": per_page, "offset": (results.page - 1) * per_page}
    positive, negative = _constant_tsqueries(ts, pg)
    if positive is not None:
        params["positive"] = positive
        where.append("d.document @@ CAST(:positive AS tsquery)")
    if negative is not None:
        params["negative"] = negative
        where.append("NOT d.document @@ CAST(:negative AS tsquery)")
    for name, column in (("board", "d.board_id"), ("kind", "d.kind"), ("status", "d.status")):
        if name in filters:
            where.append(f"{column} = :f_{name}")
            params[f"f_{name}"] = filters[name]
    by_date = results.sort == "date" or pg.positive is None
    order = ("d.last_activity_ms DESC, d.thread_id DESC" if by_date else
             "ts_rank(d.rank_document, CAST(:positive AS tsquery)) DESC NULLS LAST, d.last_activity_ms DESC, "
             "d.thread_id DESC")
    # This table alone (see pg_schema): joining the threads cost a third of the statement.
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
    if results.page == 1:
        return [], 0
    return [], db.session.scalar(text(f"SELECT count(*) {base}"), params) or 0


def _constant_tsqueries(ts: TsQuery, pg: Compiled) -> tuple[str | None, str | None]:
    """The unaccented tsqueries, computed first and bound as constants in the search statement.

    Why not the expression inline: unaccent() is only STABLE, so the planner cannot read the
    query's lexemes and guesses its selectivity; it then scanned and de-TOASTed every document
    instead of using the GIN index (medium data set: 40 ms instead of 9 for the statement).
    The text comes from PostgreSQL's own tsquery output: user text never becomes tsquery
    syntax (see plainto_tsquery/phraseto_tsquery above)."""
    wanted = [(_fold_text(pg.positive) if pg.positive else "NULL"),
              (_fold_text(pg.negative) if pg.negative else "NULL")]
    row = db.session.execute(text(f"SELECT {wanted[0]}, {wanted[1]}"), ts.params).one()
    return row[0], row[1]


def _fold_text(sql: str) -> str:
    return f"unaccent(({sql})::text)"


def _headlines(ids: list[int], terms: set[str]) -> dict[int, tuple[Markup, Markup]]:
    """thread id -> (title, excerpt), marked exactly as the Whoosh backend marks them (the same
    analyser picks the best post and the words to mark, forum.search.excerpts). It replaced
    ts_headline, which re-parsed the stored text of every hit: 10 ms of a 50 ms search."""
    if not ids:
        return {}
    rows = db.session.execute(select(search_documents.c.thread_id, search_documents.c.title,
                                     func.left(search_documents.c.body, SCAN_CHARS))
                              .where(search_documents.c.thread_id.in_(ids)))
    return {tid: (highlight(title, terms), excerpt(body, terms)) for tid, title, body in rows}


def similar_requests(board_id: int, text_: str, limit: int = 5) -> list[Thread]:
    """Open requests of the board most similar to `text_` (the duplicate hint). Never raises."""
    kept = [w for w in words(text_ or "") if fold(w) not in STOP_WORDS][:30]
    if not kept:
        return []
    ts = TsQuery()
    wanted = _fold(_combine("tsquery_or", [c for c in map(ts.word, kept) if c]))
    try:
        with db.session.begin_nested():
            ids = list(db.session.scalars(text(
                "SELECT t.id FROM search_documents d JOIN threads t ON t.id = d.thread_id "
                f"WHERE d.document @@ {wanted} AND t.board_id = :board AND t.kind = 'request' "
                "AND t.deleted_at IS NULL AND t.status = ANY(:open) "
                f"ORDER BY ts_rank(d.document, {wanted}) DESC, t.id DESC LIMIT :limit"),
                dict(ts.params, board=board_id, open=list(OPEN_STATUSES), limit=limit)))
    except Exception as exc:
        log.warning("search index unavailable for similar requests, using the database: %r", exc)
        return querying._similar_from_database(board_id, text_, limit)
    threads = querying._load_threads(ids)
    return [threads[i] for i in ids if i in threads]


# --- updates ---------------------------------------------------------------------------------------

def apply_pending() -> int:
    """Apply queued index updates; returns how many tasks were applied. Never raises: on any
    failure the tasks stay queued and the next call retries."""
    timeout = float(current_app.config.get("SEARCH_LOCK_TIMEOUT", 10.0))
    applied = 0
    try:
        for _ in range(MAX_ROUNDS):
            count, more = _apply_round(timeout)
            applied += count
            if not more:
                break
    except Exception:
        log.exception("search index update failed; tasks stay queued")
    return applied


def _apply_round(timeout: float) -> tuple[int, bool]:
    with Session(db.engine) as session:
        if session.scalar(select(IndexTask.id).limit(1)) is None:
            return 0, False
        session.rollback()
        if not _lock_for_apply(session, timeout):
            return 0, False
        # Read after the lock (READ COMMITTED: each statement sees every earlier commit), so a
        # change committed later has its own task, not among the ones deleted here.
        tasks = session.execute(select(IndexTask.id, IndexTask.thread_id)
                                .order_by(IndexTask.id).limit(BATCH)).all()
        ids = [task.id for task in tasks]
        write_documents(session, build_documents(session, [task.thread_id for task in tasks]))
        _delete_tasks(session, ids)
        session.commit()
    return len(ids), len(ids) == BATCH


def _lock_for_apply(session: Session, timeout: float) -> bool:
    """Take the appliers' lock for this transaction; False when a rebuild runs (it applies the
    queue itself when done) or another applier keeps it for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if session.scalar(REINDEX_RUNNING, {"key": REINDEX_LOCK}):
            log.info("search index rebuild running; updates stay queued")
            return False
        if session.scalar(select(func.pg_try_advisory_xact_lock(APPLY_LOCK))):
            return True
        if time.monotonic() >= deadline:
            log.info("search index busy; updates stay queued for the next writer")
            return False
        session.rollback()
        time.sleep(0.02)


def write_documents(session: Session, docs: dict[int, dict | None]) -> None:
    """Upsert the documents of visible threads, delete those of vanished ones."""
    gone = [tid for tid, doc in docs.items() if doc is None]
    if gone:
        session.execute(delete(search_documents).where(search_documents.c.thread_id.in_(gone)))
    rows = [_row(doc) for doc in docs.values() if doc is not None]
    if rows:
        session.execute(UPSERT, rows)


def _row(doc: dict) -> dict:
    body = doc["body"]
    return {"thread_id": int(doc["thread_id"]), "title": doc["title"],
            "body": body[:MAX_INDEXED_CHARS], "stored_body": body[:MAX_STORED_BODY_CHARS],
            "rank_body": body[:RANK_BODY_CHARS],
            "author": doc["author"], "board_id": int(doc["board"]), "kind": doc["kind"],
            "status": None if doc["status"] == NO_STATUS else doc["status"],
            "last_activity_ms": doc["last_activity"]}


def _delete_tasks(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), DELETE_CHUNK):
        session.execute(delete(IndexTask).where(IndexTask.id.in_(ids[start:start + DELETE_CHUNK])))


def reindex(progress: Callable[[int, int], None] | None = None, batch: int = 500) -> int:
    """Rebuild every document in one transaction: searches see the old documents until the
    commit. Returns the number of threads indexed; raises ReindexError when another rebuild runs."""
    with Session(db.engine) as session:
        if not session.scalar(select(func.pg_try_advisory_xact_lock(REINDEX_LOCK))):
            raise ReindexError("Une reconstruction de l'index est déjà en cours.")
        session.execute(text("SET LOCAL lock_timeout = '60s'"))
        session.execute(select(func.pg_advisory_xact_lock(APPLY_LOCK)))
        covered = list(session.scalars(select(IndexTask.id)))
        ids = list(session.scalars(select(Thread.id).where(Thread.deleted_at.is_(None)).order_by(Thread.id)))
        session.execute(delete(search_documents))
        for start in range(0, len(ids), batch):
            write_documents(session, build_documents(session, ids[start:start + batch]))
            session.expunge_all()
            if progress:
                progress(min(start + batch, len(ids)), len(ids))
        if progress and not ids:
            progress(0, 0)
        _delete_tasks(session, covered)
        session.commit()
    db_statistics.refresh("search_documents")  # the new documents' lexemes
    apply_pending()  # changes made during the rebuild
    return len(ids)


def status() -> dict:
    """Documents in the table, visible threads and queued tasks (same keys as the Whoosh status)."""
    info: dict = {"directory": "PostgreSQL (table search_documents)", "generation": None,
                  "documents": None, "error": None}
    with Session(db.engine) as session:
        info["threads"] = session.scalar(select(func.count()).select_from(Thread)
                                         .where(Thread.deleted_at.is_(None)))
        info["pending"] = session.scalar(select(func.count()).select_from(IndexTask))
        try:
            info["documents"] = session.scalar(select(func.count()).select_from(search_documents))
        except Exception as exc:
            info["error"] = f"table search_documents illisible : {exc.__class__.__name__}"
    if info["error"] is None and info["documents"] == 0 and info["threads"]:
        info["error"] = "index vide alors que des sujets existent"
    return info
