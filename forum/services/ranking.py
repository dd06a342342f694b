"""The ranking of evolution requests: the one documented scoring rule and the ranked lists.

Rule (PRODUCT.md): ``score = Σ over structures of min(Σ importance points of that structure's
voters, 10)``, so one big structure cannot outweigh the breadth of support. Ties: more distinct
structures, then more distinct professions, then the older request (created_at, then id).
Votes of users who do not declare the board's software are shown apart and not counted, unless the
board relaxes the rule (``Board.votes_require_usage`` False; general boards have no software and
never require it). A user without a structure is their own single-user structure.

`score_votes` is the pure rule. The figures it gives are stored on the thread (denormalised, see
`refresh_request` / `refresh_scores`) so a board's ranking is one indexed ORDER BY; so are the
breakdowns a page shows (by importance, by profession: `Thread.vote_breakdown`). Regions, which
only exports show, are counted in SQL for the rows exported.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ceil

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import lazyload

from forum.extensions import db
from forum.models import (
    CLOSED_STATUSES,
    IMPORTANCES,
    PROFESSIONS,
    STATUSES,
    Board,
    SoftwareUse,
    StatusChange,
    Structure,
    Thread,
    User,
    Vote,
)

# Most points one structure can give a request.
STRUCTURE_CAP = 10
OPEN_STATUSES = tuple(s for s in STATUSES if s not in CLOSED_STATUSES)
# Statuses ranked when none is asked for: doublons are left out, their votes live on the target.
DEFAULT_STATUSES = tuple(s for s in STATUSES if s != "doublon")
SORTS = ("rank", "recent", "votes")
_CHUNK = 500


@dataclass(frozen=True)
class VoteFact:
    """What the rule needs to know of one vote."""

    user_id: int
    structure_id: int | None
    profession: str
    region: str | None
    importance: str
    counted: bool = True


@dataclass
class RequestFigures:
    score: int = 0
    vote_count: int = 0
    uncounted_vote_count: int = 0
    structure_count: int = 0
    profession_count: int = 0
    by_importance: dict[str, int] = field(default_factory=lambda: dict.fromkeys(IMPORTANCES, 0))
    # (French label, count), most represented first.
    professions: list[tuple[str, int]] = field(default_factory=list)
    regions: list[tuple[str, int]] = field(default_factory=list)
    # Counted votes by profession code (what is stored; `professions` is its display).
    by_profession: dict[str, int] = field(default_factory=dict)

    def stored(self) -> dict:
        """The figures denormalised on Thread."""
        return {"score": self.score, "vote_count": self.vote_count,
                "uncounted_vote_count": self.uncounted_vote_count,
                "structure_count": self.structure_count, "profession_count": self.profession_count,
                "vote_breakdown": {"importance": dict(self.by_importance),
                                   "professions": dict(sorted(self.by_profession.items()))}}

    @classmethod
    def from_thread(cls, thread: Thread) -> RequestFigures:
        """The stored figures of a request, breakdowns included when stored."""
        figures = cls(score=thread.score, vote_count=thread.vote_count,
                      uncounted_vote_count=thread.uncounted_vote_count, structure_count=thread.structure_count,
                      profession_count=thread.profession_count)
        if thread.vote_breakdown is not None:
            figures.by_importance.update(thread.vote_breakdown["importance"])
            figures.by_profession = dict(thread.vote_breakdown["professions"])
            figures.professions = _labelled(figures.by_profession)
        return figures


def _labelled(by_profession: dict[str, int]) -> list[tuple[str, int]]:
    """(French label, count) of profession codes, most represented first."""
    labelled: Counter[str] = Counter()
    for code, count in by_profession.items():
        labelled[PROFESSIONS.get(code, code)] += count
    return _most_first(labelled)


def _most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(name, count) pairs, largest count first, then by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def score_votes(votes: Iterable[VoteFact]) -> RequestFigures:
    """Apply the ranking rule to the votes of one request (pure, no database)."""
    figures = RequestFigures()
    points_by_structure: dict[tuple[str, int], int] = defaultdict(int)
    professions: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    for vote in votes:
        if not vote.counted:
            figures.uncounted_vote_count += 1
            continue
        figures.vote_count += 1
        figures.by_importance[vote.importance] = figures.by_importance.get(vote.importance, 0) + 1
        key = ("s", vote.structure_id) if vote.structure_id is not None else ("u", vote.user_id)
        points_by_structure[key] += IMPORTANCES[vote.importance]
        professions[vote.profession] += 1
        if vote.region:
            regions[vote.region] += 1
    figures.score = sum(min(points, STRUCTURE_CAP) for points in points_by_structure.values())
    figures.structure_count = len(points_by_structure)
    figures.profession_count = len(professions)
    figures.by_profession = dict(professions)
    figures.professions = _labelled(figures.by_profession)
    figures.regions = _most_first(regions)
    return figures


def usage_required(board: Board) -> bool:
    """Only votes of users declaring the software count on this board."""
    return bool(board.votes_require_usage) and not board.is_general


def _vote_counts():
    """True when a vote counts: the board does not require usage, or the voter declares it."""
    uses = exists().where(SoftwareUse.user_id == Vote.user_id, SoftwareUse.board_id == Thread.board_id)
    return (~Board.votes_require_usage) | Board.is_general | uses


def _votes_select(*columns, where):
    """SELECT columns FROM votes joined to their thread, board, voter and structure WHERE where."""
    return (
        select(*columns)
        .select_from(Vote)
        .join(Thread, Thread.id == Vote.thread_id)
        .join(Board, Board.id == Thread.board_id)
        .join(User, User.id == Vote.user_id)
        .outerjoin(Structure, Structure.id == User.structure_id)
        .where(where)
    )


def _vote_facts_query(where):
    """(thread_id, VoteFact fields…, counted) of the votes matching `where`, in one statement."""
    return _votes_select(Vote.thread_id, Vote.user_id, User.structure_id, User.profession,
                         func.coalesce(User.region, Structure.region), Vote.importance, _vote_counts(),
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
        for start in range(0, len(thread_ids), _CHUNK):
            _collect(facts, Vote.thread_id.in_(thread_ids[start:start + _CHUNK]))
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
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
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


@dataclass
class RankedRow:
    rank: int
    thread: Thread
    figures: RequestFigures
    last_answer: StatusChange | None = None

    @property
    def score(self) -> int:
        return self.figures.score

    @property
    def vote_count(self) -> int:
        return self.figures.vote_count

    @property
    def by_importance(self) -> dict[str, int]:
        return self.figures.by_importance

    @property
    def structure_count(self) -> int:
        return self.figures.structure_count

    @property
    def professions(self) -> list[tuple[str, int]]:
        return self.figures.professions

    @property
    def regions(self) -> list[tuple[str, int]]:
        return self.figures.regions

    @property
    def uncounted(self) -> int:
        return self.figures.uncounted_vote_count

    @property
    def status(self) -> str | None:
        return self.thread.status


@dataclass
class RankedPage:
    rows: list[RankedRow]
    page: int
    per_page: int
    total: int
    sort: str
    statuses: tuple[str, ...]

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.has_next else None


RANK_ORDER = (Thread.score.desc(), Thread.structure_count.desc(), Thread.profession_count.desc(),
              Thread.created_at.asc(), Thread.id.asc())


def _ranked_query(board: Board, statuses: Iterable[str] | None, voter: User | None):
    """Requests of the board with their rank (by the rule) among the filtered requests."""
    wanted = tuple(statuses) if statuses else DEFAULT_STATUSES
    position = func.row_number().over(order_by=RANK_ORDER).label("position")
    query = select(Thread.id.label("thread_id"), position).where(*_ranked_conditions(board, wanted, voter))
    return query.subquery(), wanted


def _ranked_conditions(board: Board, wanted: tuple[str, ...], voter: User | None) -> list:
    conditions = [Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                  Thread.status.in_(wanted)]
    if voter is not None:
        conditions.append(exists().where(Vote.thread_id == Thread.id, Vote.user_id == voter.id))
    return conditions


def _order_for(sort: str, ranked) -> tuple:
    if sort == "recent":
        return (Thread.created_at.desc(), Thread.id.desc())
    if sort == "votes":
        return (Thread.vote_count.desc(), ranked.c.position)
    return (ranked.c.position,)


def rank(board: Board, statuses: Iterable[str] | None = None, sort: str = "rank", page: int = 1,
         per_page: int = 25, voter: User | None = None) -> RankedPage:
    """One page of a board's ranked requests, with every figure a row shows, in 4 queries.

    statuses: the statuses shown (default: all but `doublon`); sort: "rank", "recent" or
    "votes" (the rank column always follows the rule); voter: only requests this user voted on.
    """
    sort = sort if sort in SORTS else "rank"
    page = max(1, page)
    ranked, wanted = _ranked_query(board, statuses, voter)
    conditions = _ranked_conditions(board, wanted, voter)
    total = db.session.scalar(select(func.count()).where(*conditions)) or 0
    offset = (page - 1) * per_page
    # The rows show neither author nor board (it is `board`, already in the session): skip the joins.
    bare = (lazyload(Thread.author), lazyload(Thread.board))
    if sort == "rank":  # the position is the row's place in this very order: no window needed
        threads = db.session.scalars(select(Thread).where(*conditions).options(*bare).order_by(*RANK_ORDER)
                                     .limit(per_page).offset(offset)).all()
        positioned = [(offset + index + 1, thread) for index, thread in enumerate(threads)]
    else:
        result = db.session.execute(
            select(Thread, ranked.c.position).join(ranked, ranked.c.thread_id == Thread.id).options(*bare)
            .order_by(*_order_for(sort, ranked)).limit(per_page).offset(offset)).all()
        positioned = [(position, thread) for thread, position in result]
    rows = _build_rows(positioned, with_regions=False)
    return RankedPage(rows=rows, page=page, per_page=per_page, total=total, sort=sort, statuses=wanted)


def ranked_rows(board: Board, statuses: Iterable[str] | None = None) -> list[RankedRow]:
    """Every ranked request of the board in rank order (for exports and livrables)."""
    ranked, _ = _ranked_query(board, statuses, None)
    # Thread.author is joined by default; exports do not show it, and board is `board` (identity map).
    result = db.session.execute(
        select(Thread, ranked.c.position).join(ranked, ranked.c.thread_id == Thread.id)
        .options(lazyload(Thread.author), lazyload(Thread.board)).order_by(ranked.c.position)).all()
    return _build_rows([(position, thread) for thread, position in result], board.id)


def _build_rows(positioned: list[tuple[int, Thread]], board_id: int | None = None,
                with_regions: bool = True) -> list[RankedRow]:
    ids = [thread.id for _, thread in positioned]
    figures = displayed_figures([thread for _, thread in positioned], board_id, with_regions)
    answers = last_official_answers(ids)
    return [RankedRow(rank=position, thread=thread, figures=figures[thread.id], last_answer=answers.get(thread.id))
            for position, thread in positioned]


def displayed_figures(threads: list[Thread], board_id: int | None = None,
                      with_regions: bool = True) -> dict[int, RequestFigures]:
    """Figures of ranked rows: the stored ones (what the order used) plus the breakdowns by
    importance, profession and region (regions only when asked: exports show them, pages do not).
    Pages read the breakdowns stored with the figures; regions, and requests whose breakdown is
    not stored yet, are counted in SQL (one GROUP BY over the counted votes) so a page of
    much-voted requests does not load every vote. `board_id`: all rows are on it."""
    figures = {thread.id: RequestFigures.from_thread(thread) for thread in threads}
    if with_regions:
        return _counted_figures(figures, board_id, with_regions=True) if figures else figures
    unstored = {thread.id: figures[thread.id] for thread in threads if thread.vote_breakdown is None}
    if unstored:
        _counted_figures(unstored, None, with_regions=False)
    return figures


def _counted_figures(figures: dict[int, RequestFigures], board_id: int | None,
                     with_regions: bool) -> dict[int, RequestFigures]:
    """`figures` with their breakdowns counted from the votes (replacing any stored ones)."""
    for figure in figures.values():
        figure.by_importance = dict.fromkeys(IMPORTANCES, 0)
        figure.by_profession, figure.professions = {}, []
    keys = [Vote.thread_id, Vote.importance, User.profession]
    if with_regions:
        keys.append(func.coalesce(User.region, Structure.region))
    counts: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for where in _chunked_scope(list(figures), board_id):
        query = _votes_select(*keys, func.count(), where=where).where(_vote_counts()).group_by(*keys)
        for row in db.session.execute(query):
            thread_id, importance, profession, count = row[0], row[1], row[2], row[-1]
            counts[thread_id]["importance"][importance] += count
            counts[thread_id]["profession"][profession] += count
            if with_regions and row[3]:
                counts[thread_id]["region"][row[3]] += count
    for thread_id, figure in figures.items():
        breakdown = counts.get(thread_id)
        if breakdown:
            figure.by_importance.update(breakdown["importance"])
            figure.by_profession = dict(breakdown["profession"])
            figure.professions = _labelled(figure.by_profession)
            figure.regions = _most_first(breakdown["region"])
    return figures


def _chunked_scope(ids: list[int], board_id: int | None) -> list:
    if board_id is not None:
        return [Thread.board_id == board_id]
    return [Vote.thread_id.in_(ids[start:start + _CHUNK]) for start in range(0, len(ids), _CHUNK)]


def last_official_answers(thread_ids: list[int]) -> dict[int, StatusChange]:
    """The latest official answer of each request, in one query per 500 requests."""
    answers: dict[int, StatusChange] = {}
    for start in range(0, len(thread_ids), _CHUNK):
        chunk = thread_ids[start:start + _CHUNK]
        latest = (select(func.max(StatusChange.id)).where(StatusChange.thread_id.in_(chunk),
                                                          StatusChange.answer_by.is_not(None))
                  .group_by(StatusChange.thread_id))
        for change in db.session.scalars(select(StatusChange).where(StatusChange.id.in_(latest))):
            answers[change.thread_id] = change
    return answers


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

