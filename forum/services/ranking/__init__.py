"""The ranking of evolution requests: the one documented scoring rule and what is built on it.

The rule is `score_votes` (documented in `rule.py`): ``score = Σ over structures of min(Σ
importance points of that structure's voters, 10)``; ties go to more structures, then more
professions, then the older request; votes of non-users of the software are shown apart, not
counted. The figures it gives are stored on the thread (`stored.py`, refreshed in the voting
transaction) so a board's ranking is one indexed ORDER BY (`pages.py`); so are the breakdowns a
page shows (by importance, by profession: `Thread.vote_breakdown`). Regions, which only exports
show, are counted in SQL for the rows exported (`breakdowns.py`).

Callers import from here: `from forum.services import ranking; ranking.rank(board)`.
"""
from forum.services.ranking.breakdowns import displayed_figures, last_official_answers
from forum.services.ranking.pages import (
    DEFAULT_STATUSES,
    OPEN_STATUSES,
    RANK_ORDER,
    SORTS,
    RankedPage,
    RankedRow,
    rank,
    ranked_rows,
    ranked_threads,
)
from forum.services.ranking.rule import STRUCTURE_CAP, RequestFigures, VoteFact, score_votes, usage_required
from forum.services.ranking.stored import (
    figures_for,
    refresh_for_voter,
    refresh_request,
    refresh_scores,
    stored_figures_mismatches,
)

__all__ = [
    "DEFAULT_STATUSES", "OPEN_STATUSES", "RANK_ORDER", "SORTS", "STRUCTURE_CAP", "RankedPage", "RankedRow",
    "RequestFigures", "VoteFact", "displayed_figures", "figures_for", "last_official_answers", "rank",
    "ranked_rows", "ranked_threads", "refresh_for_voter", "refresh_request", "refresh_scores", "score_votes",
    "stored_figures_mismatches", "usage_required",
]
