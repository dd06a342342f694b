"""The editor representative's space: its boards' open requests ranked, those still waiting for an
official answer, and how long answers take (median from request to first official answer); with
the editor's public record (services.editor_record) and the commitments it is late on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median

from sqlalchemy import exists, func, select

from forum.extensions import db
from forum.models import Board, Editor, StatusChange, Thread, User
from forum.services import editor_record
from forum.services.policy import Action, require
from forum.services.ranking import OPEN_STATUSES, RankedPage, rank

OFFICIAL = StatusChange.answer_by.is_not(None)


@dataclass
class BoardOverview:
    board: Board
    ranked: RankedPage
    unanswered: list[Thread]


@dataclass
class EditorOverview:
    boards: list[BoardOverview]
    median_first_answer: timedelta | None
    answered_count: int
    record: editor_record.EditorRecord | None = None


def overview(user: User | None, per_page: int = 25) -> EditorOverview:
    """Raises PermissionDenied unless `user` is an editor representative."""
    require(user, Action.VIEW_EDITOR_SPACE)
    boards = list(db.session.scalars(select(Board).where(Board.editor_id == user.editor_id).order_by(Board.name)))
    items = [BoardOverview(board, rank(board, statuses=OPEN_STATUSES, per_page=per_page), unanswered(board))
             for board in boards]
    delays = first_answer_delays([b.id for b in boards])
    editor = db.session.get(Editor, user.editor_id) if user.editor_id else None
    return EditorOverview(items, median(delays) if delays else None, len(delays),
                          editor_record.record_of(editor) if editor else None)


def unanswered(board: Board, limit: int = 50) -> list[Thread]:
    """Open requests of the board without any official answer, oldest first."""
    answered = exists().where(StatusChange.thread_id == Thread.id, OFFICIAL)
    return list(db.session.scalars(
        select(Thread).where(Thread.board_id == board.id, Thread.kind == "request", Thread.deleted_at.is_(None),
                             Thread.status.in_(OPEN_STATUSES), ~answered)
        .order_by(Thread.created_at, Thread.id).limit(limit)))


def first_answer_delays(board_ids: list[int]) -> list[timedelta]:
    """For each request of these boards with an official answer: time from creation to the first."""
    if not board_ids:
        return []
    rows = db.session.execute(
        select(Thread.created_at, func.min(StatusChange.created_at))
        .join(StatusChange, StatusChange.thread_id == Thread.id)
        .where(Thread.board_id.in_(board_ids), Thread.kind == "request", OFFICIAL)
        .group_by(Thread.id, Thread.created_at)).all()
    return [_aware(first) - _aware(created) for created, first in rows]


def _aware(value: datetime | str) -> datetime:
    """Defensive: an aggregate may come back naive (or as text on SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def format_delay(delay: timedelta | None) -> str:
    """"3 j 4 h", "5 h 12 min", "moins d'une minute"."""
    if delay is None:
        return "aucune réponse officielle pour l'instant"
    minutes = int(delay.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min" if mins else "moins d'une minute"
