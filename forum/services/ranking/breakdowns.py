"""What a ranked row shows beside its score: the vote breakdowns (importance, profession, region)
and the latest official answer, read for a whole page or export in a few queries."""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import bindparam, func, select

from forum.extensions import db
from forum.models import IMPORTANCES, StatusChange, Structure, Thread, User, Vote
from forum.services.ranking.rule import RequestFigures, labelled, most_first, vote_counts, votes_select
from forum.services.ranking.stored import CHUNK


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
        query = votes_select(*keys, func.count(), where=where).where(vote_counts()).group_by(*keys)
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
            figure.professions = labelled(figure.by_profession)
            figure.regions = most_first(breakdown["region"])
    return figures


def _chunked_scope(ids: list[int], board_id: int | None) -> list:
    if board_id is not None:
        return [Thread.board_id == board_id]
    return [Vote.thread_id.in_(ids[start:start + CHUNK]) for start in range(0, len(ids), CHUNK)]


# Built once (every ranked page runs it), the ids bound at each run.
_LAST_ANSWERS = select(StatusChange).where(StatusChange.id.in_(
    select(func.max(StatusChange.id)).where(StatusChange.thread_id.in_(bindparam("ids", expanding=True)),
                                            StatusChange.answer_by.is_not(None))
    .group_by(StatusChange.thread_id)))


def last_official_answers(thread_ids: list[int]) -> dict[int, StatusChange]:
    """The latest official answer of each request, in one query per 500 requests."""
    answers: dict[int, StatusChange] = {}
    for start in range(0, len(thread_ids), CHUNK):
        for change in db.session.scalars(_LAST_ANSWERS, {"ids": thread_ids[start:start + CHUNK]}):
            answers[change.thread_id] = change
    return answers
