"""A board's requests in ranked order: one page of them (`rank`; lean: `ranked_threads`) or all of
them (`ranked_rows`), ordered by the stored figures with the rule's tie-breaks (RANK_ORDER)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

from sqlalchemy import exists, func, select
from sqlalchemy.orm import lazyload

from forum.extensions import db
from forum.models import CLOSED_STATUSES, STATUSES, Board, StatusChange, Thread, User, Vote
from forum.services.ranking.breakdowns import displayed_figures, last_official_answers
from forum.services.ranking.rule import RequestFigures

OPEN_STATUSES = tuple(s for s in STATUSES if s not in CLOSED_STATUSES)
# Statuses ranked when none is asked for: doublons are left out, their votes live on the target.
DEFAULT_STATUSES = tuple(s for s in STATUSES if s != "doublon")
SORTS = ("rank", "recent", "votes")
# The rule's order: score, then more distinct structures, more distinct professions, older request.
RANK_ORDER = (Thread.score.desc(), Thread.structure_count.desc(), Thread.profession_count.desc(),
              Thread.created_at.asc(), Thread.id.asc())


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
    total, wanted, positioned = ranked_threads(board, statuses, sort, page, per_page, voter)
    rows = _build_rows(positioned, with_regions=False)
    return RankedPage(rows=rows, page=page, per_page=per_page, total=total, sort=sort, statuses=wanted)


def ranked_threads(board: Board, statuses: Iterable[str] | None = None, sort: str = "rank", page: int = 1,
                   per_page: int = 25, voter: User | None = None
                   ) -> tuple[int, tuple[str, ...], list[tuple[int, Thread]]]:
    """(total, statuses, [(rank, thread)…]) of one page in 2 queries, without the figures `rank`
    adds (the API list is hot: p50 ≤ 20 ms). Arguments as `rank`."""
    ranked, wanted = _ranked_query(board, statuses, voter)
    conditions = _ranked_conditions(board, wanted, voter)
    total = db.session.scalar(select(func.count()).where(*conditions)) or 0
    offset = (page - 1) * per_page
    # The rows show neither author nor board (it is `board`, already in the session): skip the joins.
    bare = (lazyload(Thread.author), lazyload(Thread.board))
    if sort == "rank":  # the position is the row's place in this very order: no window needed
        threads = db.session.scalars(select(Thread).where(*conditions).options(*bare).order_by(*RANK_ORDER)
                                     .limit(per_page).offset(offset)).all()
        return total, wanted, [(offset + index + 1, thread) for index, thread in enumerate(threads)]
    result = db.session.execute(
        select(Thread, ranked.c.position).join(ranked, ranked.c.thread_id == Thread.id).options(*bare)
        .order_by(*_order_for(sort, ranked)).limit(per_page).offset(offset)).all()
    return total, wanted, [(position, thread) for thread, position in result]


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
