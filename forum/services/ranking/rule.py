"""The ranking rule: `score_votes`, the one documented function that turns a request's votes into
its score and figures, and which votes count (in Python and as SQL).

Rule (PRODUCT.md): ``score = Σ over structures of min(Σ importance points of that structure's
voters, 10)``, so one big structure cannot outweigh the breadth of support. Ties: more distinct
structures, then more distinct professions, then the older request (created_at, then id): see
`forum.services.ranking.pages.RANK_ORDER`. Votes of users who do not declare the board's software
are shown apart and not counted, unless the board relaxes the rule (``Board.votes_require_usage``
False; general boards have no software and never require it). A user without a structure is their
own single-user structure. Importance points come from `forum.models.IMPORTANCES`.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, select

from forum.models import IMPORTANCES, PROFESSIONS, Board, SoftwareUse, Structure, Thread, User, Vote

# Most points one structure can give a request.
STRUCTURE_CAP = 10


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
            figures.professions = labelled(figures.by_profession)
        return figures


def labelled(by_profession: dict[str, int]) -> list[tuple[str, int]]:
    """(French label, count) of profession codes, most represented first."""
    labels: Counter[str] = Counter()
    for code, count in by_profession.items():
        labels[PROFESSIONS.get(code, code)] += count
    return most_first(labels)


def most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
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
    figures.professions = labelled(figures.by_profession)
    figures.regions = most_first(regions)
    return figures


def usage_required(board: Board) -> bool:
    """Only votes of users declaring the software count on this board."""
    return bool(board.votes_require_usage) and not board.is_general


def vote_counts():
    """SQL: true when a vote counts (the board does not require usage, or the voter declares it)."""
    uses = exists().where(SoftwareUse.user_id == Vote.user_id, SoftwareUse.board_id == Thread.board_id)
    return (~Board.votes_require_usage) | Board.is_general | uses


def votes_select(*columns, where):
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
