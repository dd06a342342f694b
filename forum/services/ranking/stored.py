"""The ranking figures stored on each request (denormalised), so a board's ranking is one indexed
ORDER BY: computed from the votes by the rule, refreshed in the voting transaction, checked by
`recount --check`."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Structure, Thread, User, Vote
from forum.services import content_versions
from forum.services.ranking.rule import RequestFigures, VoteFact, score_votes, vote_counts, votes_select

# Requests per statement when a list of ids is read or locked.
CHUNK = 500


def _vote_facts_query(where):
    """(thread_id, VoteFact fields…, counted) of the votes matching `where`, in one statement."""
    return votes_select(Vote.thread_id, Vote.user_id, User.structure_id, User.profession,
                        func.coalesce(User.region, Structure.region), Vote.importance, vote_counts(),
                        where=where)


def _collect(facts: dict[int, list[VoteFact]], where) -> None:
    for thread_id, user_id, structure_id, profession, region, importance, counted in db.session.execute(
            _vote_facts_query(where)):
        facts[thread_id].append(VoteFact(user_id, structure_id, profession, region, importance, bool(counted)))


def figures_for(thread_ids: list[int], board_id: int | None = None) -> dict[int, RequestFigures]:
    """Figures of several requests from their votes: one query per 500 requests, or one query
    for the whole board when `board_id` is given (the requests must then all be on it)."""
    facts: dict[int, list[VoteFact]] = defaultdict(list)
    if board_id is not None:
        _collect(facts, Thread.board_id == board_id)
    else:
        for start in range(0, len(thread_ids), CHUNK):
            _collect(facts, Vote.thread_id.in_(thread_ids[start:start + CHUNK]))
    return {thread_id: score_votes(facts.get(thread_id, ())) for thread_id in thread_ids}


def refresh_request(thread_id: int) -> None:
    """Recompute and store the ranking figures of one request from its Vote rows."""
    refresh_scores([thread_id])


def refresh_scores(thread_ids: list[int] | None = None, board_id: int | None = None) -> int:
    """Recompute and store the figures of many requests (all when None), set-based.

    One query reads the votes grouped by request, one pass in Python applies the rule, one
    executemany UPDATE stores it. `board_id` alone: every request of that board. Returns the
    number of requests refreshed.
    """
    if thread_ids is None:
        query = select(Thread.id).where(Thread.kind == "request")
        if board_id is not None:
            query = query.where(Thread.board_id == board_id)
        thread_ids = list(db.session.scalars(query))
    else:
        board_id = None
    if not thread_ids:
        return 0
    db.session.flush()
    ids = list(dict.fromkeys(thread_ids))
    _lock_rows(ids)
    figures = figures_for(ids, board_id=board_id)
    db.session.execute(update(Thread), [{"id": tid, **fig.stored()} for tid, fig in figures.items()])
    content_versions.bump_threads(figures)
    return len(figures)


def _lock_rows(thread_ids: list[int]) -> None:
    """Take the requests' rows for writing before counting their votes, so two transactions that
    refresh the same request run one after the other and the later one counts the earlier one's
    vote. Without it, a transaction that had not written yet (re-casting the same vote) counted
    from a snapshot, waited for the lock, then stored figures missing a vote committed meanwhile
    (found by tests/stress). PostgreSQL: row locks in id order (no deadlock between two
    refreshes), after which READ COMMITTED lets the count see every committed vote. SQLite has
    no row locks: a no-op UPDATE takes the database's write lock."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    ordered = sorted(thread_ids)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        if postgres:
            db.session.execute(select(Thread.id).where(Thread.id.in_(chunk)).order_by(Thread.id).with_for_update())
        else:
            db.session.execute(update(Thread).where(Thread.id.in_(chunk)).values(score=Thread.score)
                               .execution_options(synchronize_session=False))


def refresh_for_voter(user_id: int, board_id: int | None = None) -> int:
    """Refresh the requests a user voted on (after they declare or drop a software, or change
    structure or profession): their votes may start or stop counting."""
    query = select(Vote.thread_id).join(Thread, Thread.id == Vote.thread_id).where(Vote.user_id == user_id)
    if board_id is not None:
        query = query.where(Thread.board_id == board_id)
    return refresh_scores(list(db.session.scalars(query)))


def stored_figures_mismatches() -> list[str]:
    """Requests whose stored figures differ from a recount (for tests and `recount --check`)."""
    stored = {row.id: row for row in db.session.execute(
        select(Thread.id, Thread.score, Thread.vote_count, Thread.uncounted_vote_count,
               Thread.structure_count, Thread.profession_count, Thread.vote_breakdown)
        .where(Thread.kind == "request"))}
    ids = list(stored)
    problems = []
    for thread_id, fig in figures_for(ids).items():
        row = stored[thread_id]
        actual = fig.stored()
        if row.vote_breakdown is None:  # not stored yet (pages count it): nothing to compare
            del actual["vote_breakdown"]
        current = {key: getattr(row, key) for key in actual}
        if current != actual:
            problems.append(f"request {thread_id}: stored {current} != {actual}")
    return problems
