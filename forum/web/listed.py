"""What the per-member holes of a cached list need about its rows, kept with the fragment instead of
Thread objects (which neither pickle nor survive their session): `ListedThread` for the unread
markers, `ListedRequest` for the vote toggles. Both quack like the Thread the services expect
(`reads.BoardReader.new_replies`, `votes.toggles` through the policy's VOTE rule)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forum.models.threads import CLOSED_STATUSES


@dataclass(frozen=True, slots=True)
class ListedThread:
    id: int
    slug: str
    reply_count: int


@dataclass(slots=True)
class ListedRequest:
    """A request row: what its toggle shows (title, score, count, rank on a ranked page) and what
    decides whether it is offered (status, board). `board` is set on each request's own copy
    (vote_holes), never kept in a cache."""

    id: int
    slug: str
    title: str
    score: int
    vote_count: int
    status: str
    board_id: int
    rank: int | None = None
    board: Any = None
    blank: tuple[str, ...] = ()  # its toggles without a vote, not offered then offered (vote_holes.prerender)
    kind: str = "request"
    deleted_at: None = None

    @property
    def is_open_request(self) -> bool:
        return self.status not in CLOSED_STATUSES


def listed_threads(threads) -> tuple[ListedThread, ...]:
    return tuple(ListedThread(thread.id, thread.slug, thread.reply_count) for thread in threads)


def listed_requests(threads) -> tuple[ListedRequest, ...]:
    return tuple(ListedRequest(thread.id, thread.slug, thread.title, thread.score, thread.vote_count,
                               thread.status, thread.board_id)
                 for thread in threads if thread.kind == "request")


def ranked_requests(rows) -> tuple[ListedRequest, ...]:
    """The rows of a ranked page (ranking.RankedRow): the count shown is the row's counted votes."""
    return tuple(ListedRequest(row.thread.id, row.thread.slug, row.thread.title, row.score, row.vote_count,
                               row.thread.status, row.thread.board_id, row.rank) for row in rows)
