"""What a results page shows of each thread found, read as plain columns in one query.

Loading a page of 20 hits as ORM objects (threads, their boards, their authors: 60 objects with
their identity-map bookkeeping) cost about a sixth of a search under the mixed benchmark, for
seven columns shown. These small read-only objects carry the same attribute names as Thread and
User, and borrow the models' own properties, so the results template renders them and the ORM
threads of the database fallback alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, Thread, User


@dataclass(frozen=True, slots=True)
class HitBoard:
    name: str


@dataclass(frozen=True, slots=True)
class HitAuthor:
    id: int
    display_name: str
    deleted_at: datetime | None
    role: str = "member"  # with editor_id: the « Éditeur » badge of an editor representative
    editor_id: int | None = None

    public_name = property(User.public_name.fget)


@dataclass(frozen=True, slots=True)
class HitThread:
    id: int
    title: str
    kind: str
    status: str | None
    reply_count: int
    last_activity_at: datetime
    board: HitBoard
    author: HitAuthor | None

    slug = property(Thread.slug.fget)
    kind_label = property(Thread.kind_label.fget)
    status_label = property(Thread.status_label.fget)


def load_hit_threads(ids: list[int]) -> dict[int, HitThread]:
    """The threads of a results page by id; a thread deleted since indexing is left out."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Thread.id, Thread.title, Thread.kind, Thread.status, Thread.reply_count, Thread.last_activity_at,
               Board.name, User.id, User.display_name, User.deleted_at, User.role, User.editor_id)
        .join(Board, Board.id == Thread.board_id)
        .outerjoin(User, User.id == Thread.author_id)
        .where(Thread.id.in_(ids), Thread.deleted_at.is_(None)))
    return {row[0]: HitThread(*row[:6], board=HitBoard(row[6]),
                              author=HitAuthor(*row[7:]) if row[7] is not None else None)
            for row in rows}
